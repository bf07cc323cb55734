#!/usr/bin/env python3
"""A slow OpenAI-compatible upstream for bench/gateway_memory: every POST .../chat/completions is answered with an
SSE stream that sends one chat chunk every INTERVAL seconds for HOLD seconds, then a usage chunk and [DONE]; GET
.../models answers 200 (health checks). Prints "listening on PORT" and the number of open streams on SIGUSR1.

Usage: slow_upstream.py HOLD_S INTERVAL_S
"""
import asyncio
import json
import signal
import sys

HOLD = float(sys.argv[1])
INTERVAL = float(sys.argv[2])
open_streams = 0


def chunk(data: str) -> bytes:
    payload = f"data: {data}\n\n".encode()
    return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"


def chat_chunk(i: int, finish=None) -> str:
    return json.dumps({"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": 1, "model": "slow",
                       "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": finish}]},
                      separators=(",", ":"))


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    global open_streams
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if length:
                await reader.readexactly(length)
            if method == "GET":
                body = b'{"object":"list","data":[{"id":"slow","object":"model"}]}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                             str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
                continue
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            open_streams += 1
            try:
                loop = asyncio.get_running_loop()
                end = loop.time() + HOLD
                i = 0
                while True:
                    writer.write(chunk(chat_chunk(i)))
                    await writer.drain()
                    i += 1
                    if loop.time() >= end:
                        break
                    await asyncio.sleep(INTERVAL)
                usage = {"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": 1, "model": "slow",
                         "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": i,
                                                  "total_tokens": 10 + i}}
                writer.write(chunk(json.dumps(usage, separators=(",", ":"))) + chunk("[DONE]") + b"0\r\n\r\n")
                await writer.drain()
            finally:
                open_streams -= 1
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {port}", flush=True)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: print(f"open streams {open_streams}", flush=True))
    async with server:
        await server.serve_forever()


asyncio.run(main())
