# A python-websockets client that checks an echo server: echo of 0..65536
# byte text and binary messages, a fragmented message, ping/pong, and the
# close handshake with a code. Usage: py_client.py URL [deflate|plain] [CODE]
import asyncio, sys
import websockets

async def main(url, mode, code):
    comp = "deflate" if mode == "deflate" else None
    async with websockets.connect(url, compression=comp, max_size=None, ping_interval=None) as ws:
        for n in (0, 125, 126, 127, 65535, 65536):
            text = "é" * (n // 2) + "a" * (n % 2)
            await ws.send(text)
            got = await ws.recv()
            assert got == text, f"text {n}: got {len(got)} chars"
            data = bytes(range(256)) * (n // 256) + bytes(n % 256)
            await ws.send(data)
            got = await ws.recv()
            assert got == data, f"binary {n}: got {len(got)} bytes"
        await ws.send(["frag", "men", "ted ✓"])
        got = await ws.recv()
        assert got == "fragmented ✓", got
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        await ws.close(code, "bye")
        assert ws.close_code == code, f"server answered close {ws.close_code}"
        ext = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        print("OK", mode, "ext=" + ext)

asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "plain", int(sys.argv[3]) if len(sys.argv) > 3 else 1000))
