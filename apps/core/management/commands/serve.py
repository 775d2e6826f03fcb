"""`manage.py serve`: the whole of COS (HTTP, websockets, admin) from one command."""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
import signal
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.checks.registry import registry as check_registry
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from apps.core.highway.relay import start_relay_thread
from apps.core.highway.worker import EventWorker, run_events, select_subscribers
from apps.core.telemetry import log_config

ADMIN_USERNAME = "admin"
ASGI_APP = "cos_project.asgi:application"
MAX_WORKERS = 32


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging in LOG_FORMAT, with `?token=` keys redacted from the paths it logs."""
    return log_config.uvicorn_log_config(settings.LOG_FORMAT)


# uvloop and httptools when installed (uvicorn[standard]); websockets' sans-I/O protocol.
UVICORN: dict[str, Any] = {
    "lifespan": "off",
    "log_level": "info",
    "ws": "websockets-sansio",
    "log_config": uvicorn_log_config(),
}
STALE_MAP = "cos.E004"
COS_TAG = "cos"  # the architecture rules (apps.core.architecture.checks)


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on uvloop when it is installed (uvicorn[standard]), as uvicorn itself would:
    serve runs the loop in a thread of its own, which skips uvicorn's loop set-up."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a plain install without uvicorn[standard]
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main)


class ServeLock:
    """One `serve` per var folder: a second one would fight over ports and embedded engines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise CommandError(
                f"COS is already being served from {self.path.parent} (pid {holder}). "
                "Stop that serve first, or point COS_VAR_DIR at another folder."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def ensure_admin_user() -> str | None:
    """Create the `admin` superuser on first run; return the password to show once, if new."""
    users = get_user_model()
    if users.objects.filter(username=ADMIN_USERNAME).exists():
        return None
    password = os.environ.get("COS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    users.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
    return password


class Command(BaseCommand):
    help = "Serve COS: migrate, create the first admin, then serve HTTP, websockets and the admin."
    # Checked in handle(): a stale module map (cos.E004) warns here instead of refusing to serve;
    # `manage.py check` (CI) still fails on it.
    requires_system_checks: Any = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("COS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("COS_PORT", "8000")))
        parser.add_argument("--no-migrate", action="store_true", help="Skip migrate at start.")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("COS_WORKERS", "1")),
            help="ASGI processes sharing the port (one relay and subscriber set in all).",
        )

    def handle(
        self, *args: Any, host: str, port: int, no_migrate: bool, workers: int, **options: Any
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        if not 1 <= workers <= MAX_WORKERS:
            raise CommandError(f"--workers must be between 1 and {MAX_WORKERS}, not {workers}.")
        self._check()
        lock = ServeLock(Path(settings.VAR_DIR) / "serve.lock")
        lock.acquire()
        try:
            if not no_migrate:
                call_command("migrate", interactive=False, verbosity=0)
            password = ensure_admin_user()
            self._install_graph_schema()
            connections.close_all()  # back to the pool: requests need every connection
            if password and not os.environ.get("COS_ADMIN_PASSWORD"):
                self.stdout.write(
                    self.style.WARNING(
                        f"Created superuser '{ADMIN_USERNAME}' with password: {password}\n"
                        "It is shown only this once."
                    )
                )
            processes = f" with {workers} workers" if workers > 1 else ""
            self.stdout.write(
                f"COS serving on http://{host}:{port}/{processes} (admin: /admin/). Ctrl-C stops."
            )
            if workers > 1:
                self._run_workers(host, port, workers)
            else:
                self._run_server(host, port)
        finally:
            lock.release()

    def _install_graph_schema(self) -> None:
        """The graph's constraints and indexes; a graph server that is down only warns (the
        graph API answers 503 until it is back, the L1 -> L2 sync waits in its stream)."""
        from apps.core.graphdb.errors import GraphUnavailable
        from apps.core.graphdb.schema import install_schema

        try:
            install_schema()
        except GraphUnavailable as exc:
            self.stderr.write(self.style.WARNING(f"Graph schema not installed: {exc.detail}"))

    def _check(self) -> None:
        """Every system check, each once (module maps are rendered once: the slow part)."""
        architecture = [m for m in checks.run_checks(tags=[COS_TAG]) if not m.is_silenced()]
        for message in architecture:
            if message.id == STALE_MAP:
                self.stderr.write(self.style.WARNING(f"Warning: {message} {message.hint or ''}"))
        refused = [m for m in architecture if m.is_serious() and m.id != STALE_MAP]
        if refused:
            raise CommandError("\n".join(f"{m} {m.hint or ''}" for m in refused))
        self.check(tags=[tag for tag in check_registry.tags_available() if tag != COS_TAG])

    def _run_workers(self, host: str, port: int, workers: int) -> None:
        """N uvicorn processes on one socket (uvicorn's supervisor, which takes Ctrl-C here),
        and in this process the one relay and subscriber set; each worker's own live-feed hub
        reads the streams for its websockets."""
        import uvicorn
        from uvicorn.supervisors import Multiprocess

        # The workers import the app themselves; the engines' URLs reach them in os.environ.
        config = uvicorn.Config(ASGI_APP, host=host, port=port, workers=workers, **UVICORN)
        try:
            sock = config.bind_socket()
        except SystemExit:
            raise CommandError(f"Cannot serve on {host}:{port} (is the port in use?).") from None
        events = EventWorker(select_subscribers()) if settings.COS_EVENTS["RUN_IN_SERVE"] else None
        if events is not None:
            events.start()
        try:
            Multiprocess(config, sockets=[sock]).run()
        finally:
            sock.close()
            if events is not None:
                events.stop()
        self.stdout.write("COS stopped.")

    def _run_server(self, host: str, port: int) -> None:
        import uvicorn

        # Imported here so the ASGI app is built after migrate and with this process' engines.
        from cos_project.asgi import application

        config = uvicorn.Config(application, host=host, port=port, **UVICORN)
        server = uvicorn.Server(config)
        events = settings.COS_EVENTS["RUN_IN_SERVE"]
        relay_thread = start_relay_thread() if events else None

        async def serve_with_subscribers() -> None:
            if not events:
                await server.serve()
                return
            # Subscribers share uvicorn's event loop (the channel-layer live-feed bridge, when
            # chosen, hands events to the websockets without crossing threads).
            stopping = asyncio.Event()
            running = asyncio.create_task(run_events(select_subscribers(), stopping))
            try:
                await server.serve()
            finally:
                stopping.set()
                await running

        # The loop runs in a worker thread, so uvicorn installs no signal handlers; this thread
        # takes Ctrl-C / SIGTERM: the first stops gracefully, a second one forces the exit.
        def request_exit(*_: Any) -> None:
            if server.should_exit:
                server.force_exit = True
            server.should_exit = True

        previous = {
            sig: signal.signal(sig, request_exit) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        loop_thread = threading.Thread(target=run_loop, args=(serve_with_subscribers(),))
        try:
            loop_thread.start()
            while loop_thread.is_alive():
                loop_thread.join(0.2)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if relay_thread is not None:
                relay_thread.stop()
        if not server.started:
            raise CommandError(f"Cannot serve on {host}:{port} (is the port in use?).")
        self.stdout.write("COS stopped.")
