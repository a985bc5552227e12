# A python-websockets echo server on 127.0.0.1 and PORT (default: a free
# one), printed as "PORT n". A text message "close CODE REASON" makes it
# close with that code. Usage: py_server.py [deflate|plain] [PORT]
import asyncio, sys
import websockets

async def echo(ws, path=None):
    async for msg in ws:
        if isinstance(msg, str) and msg.startswith("close "):
            _, code, reason = msg.split(" ", 2)
            await ws.close(int(code), reason)
            return
        await ws.send(msg)

async def main(mode, port):
    comp = "deflate" if mode == "deflate" else None
    async with websockets.serve(echo, "127.0.0.1", port, compression=comp, max_size=None, ping_interval=None) as srv:
        port = srv.sockets[0].getsockname()[1]
        print("PORT", port, flush=True)
        await asyncio.Future()

asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "plain", int(sys.argv[2]) if len(sys.argv) > 2 else 0))
