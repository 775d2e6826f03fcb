"""neomodel configured from settings, through its own config API: one driver per process,
opened on first use and closed at exit.

Timeouts are short so that a graph server that is down answers a request with 503 within
seconds instead of holding a thread for neomodel's default minute.
"""

from __future__ import annotations

import atexit
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from neo4j.exceptions import (
    AuthError,
    DatabaseError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from apps.core.graphdb.errors import GraphUnavailable

# What a server that is down, restarting or unreachable raises through the driver.
# AuthError too: a server shutting down (ArcadeDB) says a live connection's credentials are "no
# longer valid"; a wrong password is a setting to fix, and events wait for it rather than fail.
UNREACHABLE = (ServiceUnavailable, SessionExpired, AuthError, ConnectionError, OSError)
# How long a server that failed a statement with a DatabaseError is given before it is asked
# whether it is still there.
SHUTDOWN_GRACE_S = 0.5
_configured_url: str | None = None


def configure() -> None:
    """Point neomodel at settings.NEO4J_URL (idempotent; the driver opens on first query)."""
    global _configured_url
    from neomodel import db, get_config

    url = settings.NEO4J_URL
    if url == _configured_url:
        return
    config = get_config()
    config.update(
        database_url=url or None,
        connection_timeout=settings.COS_GRAPH_TIMEOUT,
        connection_acquisition_timeout=settings.COS_GRAPH_TIMEOUT,
        max_transaction_retry_time=settings.COS_GRAPH_TIMEOUT,
    )
    if db.driver is not None:
        db.close_connection()  # a new URL: the next query opens a driver for it
    _configured_url = url


def close() -> None:
    """Close this process' driver (at exit, and in tests that swap servers)."""
    from neomodel import db

    if db.driver is not None:
        with contextlib.suppress(DriverError, Neo4jError, OSError):
            db.close_connection()


atexit.register(close)


@contextlib.contextmanager
def reachable() -> Iterator[None]:
    """Turn an unreachable graph server into GraphUnavailable (503 in the API)."""
    if not settings.NEO4J_URL:
        raise GraphUnavailable("No graph server is configured in this process.")
    configure()
    try:
        yield
    except UNREACHABLE as exc:
        close()  # a restarted server: the next attempt opens a fresh driver
        raise GraphUnavailable() from exc
    except TransientError as exc:  # a deadlock or a concurrent change: the same, later, works
        raise GraphUnavailable("The graph server met a concurrent change; try again.") from exc
    except DatabaseError as exc:
        # ArcadeDB answers a statement cut short by its own shutdown with a DatabaseError
        # (General.UnknownError) before its port closes: if it no longer answers, that is an
        # outage (events wait for it); if it does, the error is the statement's own.
        if still_answers():
            raise
        raise GraphUnavailable() from exc


def still_answers() -> bool:
    """Whether the graph server answers a fresh connection, after a short grace."""
    from neomodel import db

    close()  # the failed connection may be one the server is closing
    time.sleep(SHUTDOWN_GRACE_S)
    try:
        db.cypher_query("RETURN 1 AS up")
    except (*UNREACHABLE, DatabaseError):
        close()
        return False
    return True


def cypher(query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run one Cypher statement (every value a parameter) and return its rows as dicts."""
    from neomodel import db

    with reachable():
        rows, columns = db.cypher_query(query, params or {})
    return [dict(zip(columns or [], row, strict=False)) for row in rows]


def ping() -> None:
    """One round trip to the graph server (for /health)."""
    cypher("RETURN 1 AS up")
