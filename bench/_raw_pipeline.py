"""The raw floor of the live path for bench/e2e.py: a bare `websockets` server (on uvloop, as
`serve` runs) that XREADs one Redis stream with redis-py and sends each entry, wrapped in an
event frame, to every connected client. No Django, no Channels, no permission check: the hops
of COS's path (stream -> server process -> websocket) and nothing else.

    python bench/_raw_pipeline.py <port> <redis url> <stream>
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import redis.asyncio
import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

listeners: set[ServerConnection] = set()


async def handle(ws: ServerConnection) -> None:
    await ws.send(json.dumps({"type": "welcome", "heartbeat_s": 25}))
    async for message in ws:
        await ws.send(
            json.dumps({"type": "subscribed", "channels": json.loads(message)["channels"]})
        )
        listeners.add(ws)
    listeners.discard(ws)


async def relay_stream(url: str, stream: str) -> None:
    client = redis.asyncio.Redis.from_url(url)
    last = "$"
    while True:
        reply: Any = await client.xread({stream: last}, count=500, block=250)
        for _, entries in reply or []:
            for cursor, fields in entries:
                last = cursor.decode()
                head = f'{{"type":"event","channel":"{stream}","cursor":"{last}","event":'
                broadcast(listeners, f"{head}{fields[b'event'].decode()}}}")


async def main(port: int, url: str, stream: str) -> None:
    async with serve(handle, "127.0.0.1", port, max_queue=None, ping_interval=None):
        reading = asyncio.create_task(relay_stream(url, stream))
        print("ready", flush=True)
        await reading


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
