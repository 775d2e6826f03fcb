"""Periodic jobs run by the event worker (`runsubscribers`, or `serve` in-process).

    @periodic(every=3600)
    def clean_expired_notes() -> int: ...

Registered from a module's events.py. Each process that runs the worker runs each job; jobs must
be safe to run concurrently (the notes cleanup deletes in batches with SKIP LOCKED), unless they
are exclusive:

    @periodic(every=600, exclusive=True)

runs one at a time across the cluster: each run first takes a PostgreSQL advisory lock keyed by
the job's name, and a process that does not get it skips that run. The lock lives on a connection
of its own, closed after the run, so it can neither outlive the run nor stay behind in the pool.

`every` may instead name a setting of the job's module (`@periodic(every="VERIFY_EVERY")`): it
is read before each wait (apps.core.modules.settings), so a change in the registry applies from
the next wait on, without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import psycopg
from asgiref.sync import sync_to_async
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections

from apps.core import governance
from apps.core.modules.registry import get_module_config, owning_module
from apps.core.modules.settings import amodule_setting

logger = logging.getLogger(__name__)


SKIPPED: Final = "skipped: another process holds the job's lock"
LOCK_SESSION_NAME: Final = "cos cluster lock"  # the lock's session in pg_stat_activity

JobFunc = TypeVar("JobFunc", bound=Callable[[], Any])


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: float  # seconds (the setting's default when `every_setting` is set)
    func: Callable[[], Any]
    exclusive: bool = False  # one run at a time across the cluster
    every_setting: str | None = None  # a setting of the job's module holding `every`

    async def seconds(self, module: str | None) -> float:
        """Seconds until the next run: `every`, or the module's setting now."""
        if self.every_setting is None or module is None:
            return self.every
        return float(await amodule_setting(module, self.every_setting))


_jobs: dict[str, PeriodicJob] = {}


def periodic(
    every: float | str, name: str | None = None, exclusive: bool = False
) -> Callable[[JobFunc], JobFunc]:
    """Register `func` to run every `every` seconds, or every (the setting named `every` of the
    job's module) seconds."""

    def register(func: JobFunc) -> JobFunc:
        job_name = name or f"{func.__module__}.{func.__qualname__}"
        if isinstance(every, str):
            seconds, setting = _setting_default(func, every), every
        else:
            seconds, setting = every, None
        _jobs[job_name] = PeriodicJob(job_name, seconds, func, exclusive, setting)
        return func

    return register


def _setting_default(func: Callable[[], Any], name: str) -> float:
    module = owning_module(func.__module__)
    if module is None:
        raise ValueError(f"{func.__qualname__}: only a module's job can name a setting.")
    for setting in get_module_config(module).definition.settings:
        if setting.name == name:
            default: float = setting.default
            return default
    raise ValueError(f"{func.__qualname__}: module {module!r} declares no setting {name!r}.")


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def lock_key(job_name: str) -> int:
    """The job's advisory lock key: a signed 64-bit number, the same in every process."""
    digest = hashlib.blake2b(job_name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def cluster_lock(job_name: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Try the job's advisory lock; yields whether this process got it.

    A plain psycopg connection, not the pooled one the job works with: closing it releases the
    lock whatever the job does with its own connection (a session lock on a pooled connection
    would go back to the pool still held). Its session is named LOCK_SESSION_NAME in
    pg_stat_activity: it is the one session a process holds beside its pool."""
    key = lock_key(job_name)
    params = {**connections[using].get_connection_params(), "application_name": LOCK_SESSION_NAME}
    with psycopg.connect(**params, autocommit=True) as holder:
        row = holder.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
        got_it = bool(row and row[0])
        try:
            yield got_it
        finally:
            if got_it:  # at once: a closing session lets go only when its backend exits
                holder.execute("SELECT pg_advisory_unlock(%s)", [key])


def run_once(job: PeriodicJob) -> Any:
    """One run of the job in this thread; SKIPPED when exclusive and another process runs it."""
    try:
        if not job.exclusive:
            return job.func()
        with cluster_lock(job.name) as got_it:
            return job.func() if got_it else SKIPPED
    finally:
        close_old_connections()


async def run_periodic(stopping: asyncio.Event, selected: list[PeriodicJob] | None = None) -> None:
    """Run each job now and then every `every` seconds until `stopping` is set."""

    async def loop(job: PeriodicJob) -> None:
        module = owning_module(job.func.__module__)
        while not stopping.is_set():
            try:
                if module is None or await governance.ais_enabled(module):
                    result = await sync_to_async(run_once, thread_sensitive=False)(job)
                    logger.info("Periodic job %s: %s", job.name, result)
                else:
                    logger.info("Periodic job %s skipped: module %s is disabled", job.name, module)
            except Exception:
                logger.exception("Periodic job %s failed", job.name)
            try:
                seconds = await job.seconds(module)
            except Exception:  # the registry unreadable: keep the declared default
                logger.exception("Periodic job %s: its interval is unreadable", job.name)
                seconds = job.every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=seconds)

    await asyncio.gather(*(loop(job) for job in (jobs() if selected is None else selected)))
