"""Periodic jobs run by the event worker (`runsubscribers`, or `serve` in-process).

    @periodic(every=3600)
    def clean_expired_notes() -> int: ...

Registered from a module's events.py. Each process that runs the worker runs each job; jobs must
be safe to run concurrently (the notes cleanup deletes in batches with SKIP LOCKED).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from apps.core import governance
from apps.core.registry import owning_module

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: float  # seconds
    func: Callable[[], Any]


_jobs: dict[str, PeriodicJob] = {}


def periodic(
    every: float, name: str | None = None
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        job_name = name or f"{func.__module__}.{func.__qualname__}"
        _jobs[job_name] = PeriodicJob(job_name, every, func)
        return func

    return register


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def _run_sync(job: PeriodicJob) -> Any:
    try:
        return job.func()
    finally:
        close_old_connections()


async def run_periodic(stopping: asyncio.Event, selected: list[PeriodicJob] | None = None) -> None:
    """Run each job now and then every `every` seconds until `stopping` is set."""

    async def loop(job: PeriodicJob) -> None:
        module = owning_module(job.func.__module__)
        while not stopping.is_set():
            try:
                if module is None or await governance.ais_enabled(module):
                    result = await sync_to_async(_run_sync, thread_sensitive=False)(job)
                    logger.info("Periodic job %s: %s", job.name, result)
                else:
                    logger.info("Periodic job %s skipped: module %s is disabled", job.name, module)
            except Exception:
                logger.exception("Periodic job %s failed", job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=job.every)

    await asyncio.gather(*(loop(job) for job in (jobs() if selected is None else selected)))
