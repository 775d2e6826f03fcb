"""Shared set-up for benchmarks: Django on the configured (or embedded) engines, migrated."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")
os.environ["COS_TEST_MODULES"] = "1"  # the probe module declares the benchmark's event type

from apps.core.runtime import engines  # noqa: E402

ENGINES = engines.provide()


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(name: str, ms: list[float]) -> dict[str, float]:
    result = {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms),
    }
    print(
        f"{name:<34} n={len(ms):<6} p50={result['p50']:.3f} ms  p95={result['p95']:.3f} ms  "
        f"p99={result['p99']:.3f} ms  mean={result['mean']:.3f} ms"
    )
    return result
