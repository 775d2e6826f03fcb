"""L1.5, the event highway: durable, ordered, replayable events on Redis Streams.

`envelope.py` is an event's shape; `publisher.py` writes it to the outbox in the caller's
transaction; `relay.py` sends committed outbox rows to their streams (`streams.py`) behind the
circuit breaker (`breaker.py`, `connection.py`); `subscribers.py` and `consuming.py` run durable
consumer groups with retries and dead letters; `retention.py` prunes delivered rows;
`worker.py` runs all of it. The live feed: `livefeed_bridge.py` forwards every event to the
Channels group of `livefeed.py`, and `livefeed_socket.py` is the websocket at /ws/events/.
`removal.py` clears a removed module's streams and keys.
"""
