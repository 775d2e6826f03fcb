"""The circuit breaker's transitions and metrics, with shortened timeouts."""

import time

import pybreaker
import pytest

from apps.core.highway.breaker import RedisBreaker


def fail():
    raise ConnectionError("redis is down")


def succeed():
    return "ok"


@pytest.fixture
def breaker():
    return RedisBreaker(failures=3, recovery=0.2, successes=2)


def trip(breaker):
    for _ in range(3):
        with pytest.raises((ConnectionError, pybreaker.CircuitBreakerError)):
            breaker.call(fail)


def test_it_starts_closed(breaker):
    snapshot = breaker.snapshot()
    assert snapshot["state"] == "closed" and snapshot["state_value"] == 0
    assert snapshot["failures"] == 0 and snapshot["next_attempt_at"] is None


def test_three_failures_open_it_and_calls_then_fail_fast(breaker):
    trip(breaker)
    assert breaker.state == "open" and not breaker.allows_calls()
    called = []
    with pytest.raises(pybreaker.CircuitBreakerError):
        breaker.call(lambda: called.append(1))
    assert called == []  # Redis is not even tried while open
    snapshot = breaker.snapshot()
    assert snapshot["state_value"] == 2 and snapshot["next_attempt_at"] is not None
    assert snapshot["last_error"] == "ConnectionError: redis is down"
    assert snapshot["failures_total"] == 3


def test_after_recovery_time_two_successes_close_it(breaker):
    trip(breaker)
    time.sleep(0.25)
    assert breaker.allows_calls()
    assert breaker.call(succeed) == "ok"
    assert breaker.state == "half_open"
    breaker.call(succeed)
    assert breaker.state == "closed"
    moves = [(t["from"], t["to"]) for t in breaker.snapshot()["transitions"]]
    assert moves == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_a_failure_when_half_open_opens_it_again(breaker):
    trip(breaker)
    time.sleep(0.25)
    breaker.call(succeed)
    with pytest.raises(pybreaker.CircuitBreakerError):
        breaker.call(fail)
    assert breaker.state == "open"


def test_failure_rate_is_reported(breaker):
    breaker.call(succeed)
    with pytest.raises(ConnectionError):
        breaker.call(fail)
    assert breaker.snapshot()["failure_rate"] == 0.5
