# A python-websockets echo server for the bench tests: 127.0.0.1, a free
# port printed as "PORT n", no compression, pings every 0.1 s (the bench
# client must answer them with pongs or the server drops it).
import asyncio
import websockets

async def echo(ws, path=None):
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass  # the bench ends with requests in flight

async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, compression=None,
                                ping_interval=0.1, ping_timeout=1) as srv:
        print("PORT", srv.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()

asyncio.run(main())
