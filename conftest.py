"""Test session set-up, run before pytest-django reads settings.

Without DATABASE_URL / REDIS_URL the session starts (or joins) the embedded engines, as `serve`
does, and leaves them when it ends; CI sets both to the machine's services. The probe modules under
tests/modules are installed for the run. A test needing an unreachable service skips, or fails
when COS_REQUIRE_SERVICES=1 (as in CI).
"""

import argparse
import os
import shlex
import sys
import urllib.parse
import uuid
from functools import cache

import pytest

os.environ["COS_TEST_MODULES"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")

from apps.core.runtime import engines

# The browser tests' fixtures (one browser, one demo server per module), for every test folder.
pytest_plugins = ["tests.browser"]

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1... under pytest-xdist
# A graph server given by NEO4J_URL is one for every xdist worker, and graph tests empty it: with
# one, the session runs in this one process (pytest_cmdline_main below).
GRAPH_GIVEN = bool(os.environ.get("NEO4J_URL"))


def _hands_tests_to_workers() -> bool:
    """True in pytest-xdist's controller (pyproject's addopts ask for `-n 2`): it runs no test,
    so it starts no engine; each worker starts or joins them itself."""
    if WORKER or GRAPH_GIVEN:
        return False
    options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    options.add_argument("-n", "--numprocesses", default="2")
    options.add_argument("-p", action="append", default=[])
    args = shlex.split(os.environ.get("PYTEST_ADDOPTS", "")) + sys.argv[1:]
    given, _ = options.parse_known_args(args)
    return given.numprocesses != "0" and "no:xdist" not in given.p


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads -n
def pytest_cmdline_main(config):
    if GRAPH_GIVEN and not WORKER and config.pluginmanager.hasplugin("xdist"):
        config.option.numprocesses = 0


def _redis_url_of_this_worker(url: str) -> str:
    """Each xdist worker gets a Redis database of its own (gwN: the configured one + N), so
    streams, consumer groups and counters never cross; pytest-django suffixes the PostgreSQL test
    database per worker, and each worker has its own graph server (var/graph-test-gwN)."""
    parts = urllib.parse.urlsplit(url)
    offset = int(WORKER.removeprefix("gw"))
    if parts.scheme == "unix":  # the embedded Redis: unix:///path/redis.sock?db=N
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["db"] = str((int(query.get("db", 0)) + offset) % 16)
        # Not urlunsplit: with no host it writes "unix:/path", which redis-py refuses.
        return f"unix://{parts.path}?{urllib.parse.urlencode(query)}"
    number = (int(parts.path.strip("/") or 0) + offset) % 16
    return urllib.parse.urlunsplit(parts._replace(path=f"/{number}"))


# The graph server of tests is one of their own (var/graph-test): they empty its graph.
_GRAPH_FOLDER = f"graph-test-{WORKER}" if WORKER else "graph-test"
if _hands_tests_to_workers():
    _SESSION_ENGINES = engines.Engines()
else:
    _SESSION_ENGINES = engines.provide(graph=_GRAPH_FOLDER)
    if WORKER:
        os.environ["REDIS_URL"] = _redis_url_of_this_worker(os.environ["REDIS_URL"])

import django  # noqa: E402

django.setup()  # settings now see the engines' URLs; pytest-django finds Django ready
if _hands_tests_to_workers():
    # The workers inherit this environment: with DJANGO_SETTINGS_MODULE in it, pytest-django
    # would load their settings before their engines' URLs are known.
    del os.environ["DJANGO_SETTINGS_MODULE"]

import redis as redis_lib  # noqa: E402
from asgiref.sync import SyncToAsync  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import override_settings  # noqa: E402

from apps.core import governance  # noqa: E402
from apps.core.highway.breaker import reset_redis_breaker  # noqa: E402
from apps.core.highway.connection import reset_clients  # noqa: E402


@cache
def _service_error(name: str) -> str | None:
    try:
        if name == "database":
            import psycopg
            from django.conf import settings

            db = settings.DATABASES["default"]
            psycopg.connect(
                host=db["HOST"] or None,
                port=db["PORT"] or None,
                user=db["USER"],
                password=db["PASSWORD"] or None,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        elif name == "redis":
            import redis
            from django.conf import settings

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        else:
            raise ValueError(name)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def require_service(name: str) -> None:
    error = _service_error(name)
    if error is None:
        return
    message = f"{name} is unreachable ({error})"
    if os.environ.get("COS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}; COS_REQUIRE_SERVICES=1 forbids skipping.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def embedded_engines():
    """The embedded engines this session uses (none when the URLs came from the environment)."""
    return _SESSION_ENGINES


def pytest_unconfigure(config):
    # Last of all: the test database is dropped by then (session fixtures are torn down).
    _SESSION_ENGINES.stop()


@pytest.fixture(scope="session")
def database_service(embedded_engines):
    require_service("database")


@pytest.fixture(scope="session")
def redis_service(embedded_engines):
    require_service("redis")


@pytest.fixture(scope="session")
def django_db_setup(database_service, django_db_setup):
    """pytest-django's test database, once the database is known to be reachable."""
    yield
    from apps.core.highway.relay import relay

    relay().stop_marker()  # its connection must not outlive the test database


@pytest.fixture
def highway(settings, redis_service):
    """The highway with fresh clients and breaker, reset again afterwards."""
    settings.COS_EVENTS = {**django_settings.COS_EVENTS}
    reset_redis_breaker()
    reset_clients()
    yield settings.COS_EVENTS
    reset_redis_breaker()
    reset_clients()


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Test users' passwords hashed with MD5, as Django's testing docs advise: the production
    hasher (PBKDF2, a million rounds) costs about 0.25 s a user, and hundreds of tests make
    users. Servers that tests start as processes keep the production hasher."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def fresh_module_states():
    """Module states are cached per process: a test's database goes at its end, so must they."""
    governance.invalidate()
    yield
    governance.invalidate()


@pytest.fixture(autouse=True)
def close_connections_of_the_sync_thread():
    """Channels' test communicators switch off the connection clean-up of database_sync_to_async
    (channels.testing.ApplicationCommunicator), so the thread it runs code in keeps its database
    connection after the test, and the test database cannot be dropped at the end: close it."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture
def operator_client(client, db):
    """A staff user with operations access (`core.view_operations`), signed in."""
    from apps.core.testing import operator

    client.force_login(operator())
    return client


@pytest.fixture(autouse=True)
def no_token_failures_counted():
    """Bad-token counts live in Redis (apps.core.http.token_failures): each test starts with none
    for the addresses test clients use (Django's test client: 127.0.0.1)."""
    from apps.core.http import token_failures

    addresses = ("127.0.0.1", None)
    if _service_error("redis") is None:
        token_failures.reset(*addresses)
    yield
    if _service_error("redis") is None:
        token_failures.reset(*addresses)


@pytest.fixture
def channel():
    """A channel of the probe module no other test uses."""
    return f"probe.t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_client(redis_service):
    client = redis_lib.Redis.from_url(django_settings.REDIS_URL)
    yield client
    client.close()


def pytest_runtest_setup(item):
    # NEO4J_URL is always set once the engines are up: a Neo4j is one the session did not start.
    if item.get_closest_marker("neo4j") and _GRAPH_FOLDER in _SESSION_ENGINES.leases:
        pytest.skip("needs a Neo4j server: set NEO4J_URL")


@cache
def _graph_error() -> str | None:
    try:
        from apps.core.graphdb.connection import ping

        ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def graph(embedded_engines):
    """The test graph server, emptied before the test, with its schema installed (test graph
    servers are throwaway: with NEO4J_URL set, point it at a Neo4j whose data may go)."""
    error = _graph_error()
    if error is not None:
        message = f"the graph server is unreachable ({error})"
        if os.environ.get("COS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}; COS_REQUIRE_SERVICES=1 forbids skipping.", pytrace=False)
        pytest.skip(message)
    from apps.core.graphdb.connection import cypher
    from apps.core.graphdb.schema import install_schema

    cypher("MATCH (n) DETACH DELETE n")
    install_schema()  # as serve does: constraints change what some statements do on ArcadeDB
    return cypher
