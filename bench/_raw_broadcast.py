"""The raw floor for bench/fanout.py: a bare `websockets` server that speaks just enough of the
live feed (welcome, subscribed) and, when the harness sends {"fire": <event>} on any connection,
broadcasts one pre-serialised event frame to every other connection with `websockets.broadcast`.

    python bench/_raw_broadcast.py <port>
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve

listeners: set[ServerConnection] = set()


async def handle(ws: ServerConnection) -> None:
    await ws.send(json.dumps({"type": "welcome", "heartbeat_s": 25}))
    async for message in ws:
        body = json.loads(message)
        if "fire" in body:
            frame = json.dumps({"type": "event", "channel": "raw", "cursor": "0-0", **body["fire"]})
            broadcast(listeners, frame)
        else:
            await ws.send(json.dumps({"type": "subscribed", "channels": body["channels"]}))
            listeners.add(ws)
    listeners.discard(ws)


async def main(port: int) -> None:
    async with serve(handle, "127.0.0.1", port, max_queue=None, ping_interval=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
