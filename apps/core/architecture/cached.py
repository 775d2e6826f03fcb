"""The architecture reports for the admin page, checked once per version of the code.

Running every rule takes a second or two (import-linter builds an import graph per module, every
module map is rendered), so the admin's Architecture page never runs them itself: it reads the
reports stored under a fingerprint of the modules' files and, when the code has changed since,
starts one check in a background thread and shows "checking..." until it is done. The system
check, which `serve` runs at start, leaves what it finds here too, so a served admin finds the
reports ready.

The reports are kept in this process and in Django's cache (shared by `serve --workers`
processes); a cache that is out of reach only costs the other processes a check of their own.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence

from django.core.cache import cache

from apps.core.architecture import checks
from apps.core.architecture.checks import ModuleReport
from apps.core.architecture.sources import IGNORED_DIRS, IGNORED_SUFFIXES, ModuleSource

logger = logging.getLogger(__name__)

CACHE_PREFIX = "architecture:reports:v1:"
CACHE_TIMEOUT_S = 7 * 24 * 3600  # a fingerprint names one version of the code: a week is plenty

_lock = threading.Lock()
_memo: dict[str, list[ModuleReport]] = {}  # fingerprint -> reports, in this process
_running: dict[str, threading.Thread] = {}  # fingerprint -> the thread checking it


def fingerprint(sources: Sequence[ModuleSource]) -> str:
    """A digest of what the rules read: each module's code, package and files (path, size and
    modification time; caches and compiled files left out). Editing, adding or removing a file
    changes it. os.walk and os.stat, not pathlib: the page computes it on every request."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(f"{source.code}\0{source.package}\0{source.path}\n".encode())
        for folder, folders, files in os.walk(source.path):
            folders[:] = sorted(name for name in folders if _kept_folder(name))  # walked in order
            for name in sorted(files):
                if os.path.splitext(name)[1] in IGNORED_SUFFIXES:
                    continue
                try:
                    stat = os.stat(os.path.join(folder, name))
                except OSError:  # removed while we walk: the next request sees it gone
                    continue
                digest.update(f"{folder}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _kept_folder(name: str) -> bool:
    return name not in IGNORED_DIRS and not name.startswith(".")


def reports(
    sources: Sequence[ModuleSource] | None = None, *, start: bool = True
) -> list[ModuleReport] | None:
    """The reports of the installed modules (`sources`, read again when not given) as the code
    is now, or None while they are being checked (a check is started in the background, unless
    `start` is false)."""
    if sources is None:
        sources = checks.installed_sources()
    key = fingerprint(sources)
    found = _memo.get(key)
    if found is None:
        found = _from_cache(key)
    if found is not None:
        _memo[key] = found
        return found
    if start:
        _start(key, sources)
    return None


def wait(timeout: float | None = None) -> bool:
    """Wait for the running checks (at most `timeout` seconds); True when none is left."""
    with _lock:
        running = list(_running.values())
    for thread in running:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in running)


def remember(sources: Sequence[ModuleSource], found: list[ModuleReport]) -> None:
    """Keep in this process reports checked elsewhere (the system check, which `serve` runs at
    start), for the code they were checked on. Not in the shared cache: `manage.py check` may
    run where no cache server answers, and must not wait for one."""
    _memo[fingerprint(sources)] = found


def forget() -> None:
    """Drop what this process remembers (tests; the shared cache expires by fingerprint)."""
    with _lock:
        _memo.clear()


def _start(key: str, sources: Sequence[ModuleSource]) -> None:
    with _lock:
        if key in _running or key in _memo:
            return  # one check per version of the code at a time
        thread = threading.Thread(
            target=_check, args=(key, sources), name="cos-architecture-check", daemon=True
        )
        _running[key] = thread
    thread.start()


def _check(key: str, sources: Sequence[ModuleSource]) -> None:
    try:
        _keep(key, checks.check_modules(sources, {s.code: s.definition for s in sources}))
    except Exception:
        logger.exception("Checking the architecture rules failed.")
    finally:
        with _lock:
            _running.pop(key, None)


def _keep(key: str, found: list[ModuleReport]) -> None:
    _memo[key] = found
    try:
        cache.set(CACHE_PREFIX + key, found, CACHE_TIMEOUT_S)
    except Exception as exc:  # the cache is an optimisation: without it each process checks
        logger.info("Architecture reports not cached (%s).", exc)


def _from_cache(key: str) -> list[ModuleReport] | None:
    try:
        found = cache.get(CACHE_PREFIX + key)
    except Exception as exc:
        logger.info("Architecture reports cache unreachable (%s).", exc)
        return None
    return found if isinstance(found, list) else None
