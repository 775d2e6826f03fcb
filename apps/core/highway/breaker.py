"""The circuit breaker around Redis (pybreaker), with metrics readable by health pages.

3 failures open it, 30 s later one call is let through (half-open), 2 successes close it; the 5 s
operation timeout is the Redis client's socket timeout. All from settings.COS_EVENTS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pybreaker
from django.conf import settings

STATE_NAMES = {"closed": "closed", "open": "open", "half-open": "half_open"}
STATE_NUMBERS = {"closed": 0, "half_open": 1, "open": 2}  # the original's gauge values


@dataclass
class BreakerMetrics(pybreaker.CircuitBreakerListener):
    failures_total: int = 0
    successes_total: int = 0
    transitions: list[dict[str, str]] = field(default_factory=list)
    last_failure_at: str | None = None
    last_error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def failure(self, cb: pybreaker.CircuitBreaker, exc: BaseException) -> None:
        with self._lock:
            self.failures_total += 1
            self.last_failure_at = datetime.now(UTC).isoformat()
            self.last_error = f"{type(exc).__name__}: {exc}"

    def success(self, cb: pybreaker.CircuitBreaker) -> None:
        with self._lock:
            self.successes_total += 1

    def state_change(self, cb: pybreaker.CircuitBreaker, old: Any, new: Any) -> None:
        with self._lock:
            self.transitions.append(
                {
                    "from": STATE_NAMES.get(getattr(old, "name", ""), "closed"),
                    "to": STATE_NAMES[new.name],
                    "at": datetime.now(UTC).isoformat(),
                }
            )
            del self.transitions[:-50]  # keep the recent history only


class RedisBreaker:
    def __init__(self, failures: int, recovery: float, successes: int) -> None:
        self.metrics = BreakerMetrics()
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=failures,
            reset_timeout=recovery,
            success_threshold=successes,
            listeners=[self.metrics],
            name="redis",
        )
        self._opened_monotonic: float | None = None

    @property
    def state(self) -> str:
        return STATE_NAMES[self.breaker.current_state]

    def call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        return self.breaker.call(func, *args, **kwargs)

    def allows_calls(self) -> bool:
        """False while open and the recovery time has not passed (calls would fail fast)."""
        if self.state != "open":
            return True
        opened = self.breaker._state_storage.opened_at
        return opened is None or datetime.now(UTC) >= opened + timedelta(
            seconds=self.breaker.reset_timeout
        )

    def snapshot(self) -> dict[str, Any]:
        state = self.state
        opened = self.breaker._state_storage.opened_at
        next_attempt = None
        if state == "open" and opened is not None:
            next_attempt = (opened + timedelta(seconds=self.breaker.reset_timeout)).isoformat()
        total = self.metrics.failures_total + self.metrics.successes_total
        return {
            "state": state,
            "state_value": STATE_NUMBERS[state],
            "failures": self.breaker.fail_counter,
            "failures_total": self.metrics.failures_total,
            "successes_total": self.metrics.successes_total,
            "failure_rate": round(self.metrics.failures_total / total, 4) if total else 0.0,
            "transitions": list(self.metrics.transitions),
            "last_failure_at": self.metrics.last_failure_at,
            "last_error": self.metrics.last_error,
            "next_attempt_at": next_attempt,
            "checked_at": time.time(),
        }


_breaker: RedisBreaker | None = None
_breaker_lock = threading.Lock()


def redis_breaker() -> RedisBreaker:
    """The process-wide breaker (one per process: each process has its own view of Redis)."""
    global _breaker
    with _breaker_lock:
        if _breaker is None:
            config = settings.COS_EVENTS
            _breaker = RedisBreaker(
                config["BREAKER_FAILURES"], config["BREAKER_RECOVERY"], config["BREAKER_SUCCESSES"]
            )
        return _breaker


def reset_redis_breaker() -> None:
    """Forget the breaker (settings changed; tests)."""
    global _breaker
    with _breaker_lock:
        _breaker = None
