"""L1.5, the event highway: durable, ordered, replayable events on Redis Streams.

`envelope.py` is an event's shape; `publisher.py` writes it to the outbox in the caller's
transaction; `relay.py` sends committed outbox rows to their streams (`streams.py`) behind the
circuit breaker (`breaker.py`, `connection.py`); `subscribers.py` and `consuming.py` run durable
consumer groups with retries and dead letters; `retention.py` prunes delivered rows;
`worker.py` runs all of it. The live feed: `livefeed_hub.py` reads the streams once per server
process and hands each event's frame to the websockets of `livefeed_socket.py` (/ws/events/);
`livefeed_bridge.py` is the channel-layer alternative kept for comparison.
`removal.py` clears a removed module's streams and keys.
"""
