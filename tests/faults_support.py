"""Shared by tests/test_load.py and tests/test_faults.py: a plain HTTP client that never raises
on an error status, bounded polling, a DRF token for `admin`, a live-feed websocket client, and
`serve` with extra arguments (`--workers 2`) whose processes are all accounted for."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import psutil
import websockets
from websockets.typing import Origin

from tests.serving import BASE_DIR, ServeProcess

T = TypeVar("T")

ORIGIN = Origin("http://127.0.0.1")  # AllowedHostsOriginValidator wants a local origin


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    seconds: float  # from sending the request to the whole answer

    def json(self) -> Any:
        return json.loads(self.body)

    def describe(self) -> str:
        return f"{self.status} {self.headers.get('content-type')} {self.body[:200]!r}"


def call(
    method: str,
    url: str,
    *,
    token: str | None = None,
    bearer: str | None = None,
    body: dict[str, Any] | None = None,
    timeout: float = 20,
) -> Answer:
    """One request, with a DRF `token` or a `bearer` scrape token (COS_METRICS_TOKEN); any
    status is an Answer (only a transport failure raises)."""
    headers = {"Accept": "application/json"}
    data = None
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read()
            status, raw_headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        content = error.read()
        status, raw_headers = error.code, error.headers
    return Answer(
        status,
        {name.lower(): value for name, value in raw_headers.items()},
        content,
        time.monotonic() - started,
    )


def poll(
    probe: Callable[[], T], timeout: float, what: str, interval: float = 0.1
) -> tuple[T, float]:
    """Call `probe` until it returns something truthy; returns it and the seconds it took.
    Fails the test with the last value (or error) seen once `timeout` has passed."""
    started = time.monotonic()
    last: Any = None
    while True:
        try:
            value = probe()
        except AssertionError:
            raise  # the probe saw something that must never happen: no more tries
        except Exception as exc:  # a probe of a server that is still coming back may raise
            last = f"{type(exc).__name__}: {exc}"
        else:
            if value:
                return value, time.monotonic() - started
            last = value
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout} s (last seen: {last!r})")
        time.sleep(interval)


def manage(env: dict[str, str], *args: str, timeout: float = 90) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def admin_token(env: dict[str, str]) -> str:
    """A DRF token for `admin` (serve creates that superuser on its first start)."""
    output = manage(env, "drf_create_token", "--skip-checks", "admin")
    found = re.search(r"Generated token (\w+)", output)
    assert found, output
    return found[1]


class LiveFeed:
    """A websocket client of /ws/events/ that keeps every message it receives."""

    def __init__(self, port: int, token: str) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/events/"
        self.token = token
        self.ws: Any = None
        self.messages: list[dict[str, Any]] = []

    async def open(self, timeout: float = 10) -> LiveFeed:
        self.ws = await asyncio.wait_for(
            websockets.connect(
                self.url,
                origin=ORIGIN,
                additional_headers={"Authorization": f"Token {self.token}"},
                open_timeout=timeout,
            ),
            timeout,
        )
        welcome = await self.next(lambda m: True, timeout)
        assert welcome["type"] == "welcome", welcome
        return self

    async def subscribe(self, *channels: str, timeout: float = 10) -> dict[str, Any]:
        await self.ws.send(json.dumps({"action": "subscribe", "channels": list(channels)}))
        return await self.next(lambda m: m["type"] == "subscribed", timeout)

    async def next(self, wanted: Callable[[dict[str, Any]], bool], timeout: float) -> Any:
        """The first message (kept or new) that `wanted` accepts, removed from those kept."""
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self.messages):
                if wanted(message):
                    return self.messages.pop(index)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no such message within {timeout} s; got {self.messages}")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                continue
            self.messages.append(json.loads(raw))

    async def event_with(self, message: str, timeout: float) -> dict[str, Any]:
        """The live-feed event of the L1 log whose message is `message`."""
        return await self.next(
            lambda m: m["type"] == "event" and m["event"]["data"].get("message") == message,
            timeout,
        )

    @property
    def is_open(self) -> bool:
        return self.ws is not None and self.ws.close_code is None

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


class ServeWith(ServeProcess):
    """`manage.py serve` with extra arguments (e.g. `--workers 2`), in a process group of its
    own so that `interrupt()` is a terminal's Ctrl-C: SIGINT to every process of the group."""

    popen_options: ClassVar[dict[str, Any]] = {"process_group": 0}

    def __init__(self, env: dict[str, str], *args: str) -> None:
        super().__init__(env, args=args)
        self.seen: dict[int, psutil.Process] = {}  # serve's tree, every process seen running
        self.left_behind: list[psutil.Process] = []

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def tree(self) -> list[psutil.Process]:
        assert self.process is not None
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for child in children:
            self.seen.setdefault(child.pid, child)
        return children

    def interrupt(self) -> None:
        """Ctrl-C in the terminal serve runs in."""
        assert self.process is not None
        self.tree()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)

    def stop(self) -> str:
        """Ctrl-C (the whole group) once; killed after 30 s; then whatever serve left running
        5 s after it exited is killed too (and kept in `left_behind` for the test to assert
        on)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.interrupt()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Helpers (multiprocessing's resource tracker) exit on their own once the parent has:
        # give them a moment before calling anything left behind.
        deadline = time.monotonic() + 5
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.left_behind = self.leftovers()
        for process in self.left_behind:
            with contextlib.suppress(psutil.Error):
                process.kill()
        self.log.seek(0)
        self.output = self.log.read()
        return self.output

    def leftovers(self) -> list[psutil.Process]:
        """Processes of serve's tree still running (zombies count as gone)."""
        alive = []
        for process in self.seen.values():
            try:  # is_running() also tells a reused pid from the process seen
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
            except psutil.NoSuchProcess:
                continue
        return alive


def listening_on(process: psutil.Process, port: int) -> bool:
    try:
        connections = process.net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


def accepted_on(process: psutil.Process, port: int) -> int:
    """Connections `process` accepted on `port` (its server side of established sockets)."""
    try:
        connections = process.net_connections(kind="tcp")
    except psutil.Error:
        return 0
    return sum(
        1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
    )
