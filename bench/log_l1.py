"""log_l1: base log + event log (+ prompt trace) in one transaction, commit, then the event.

uv run python bench/log_l1.py [--n 2000]
"""

from __future__ import annotations

import argparse
import time

from _setup import setup_django, summary

setup_django()

from apps.cc.models import BaseLog  # noqa: E402
from apps.core.memory.recording import log_l1  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    payload = {"book": 12, "chapter": 3, "words": 4210}
    prompt = {"prompt_text": "Draft chapter 3", "response_text": "It was", "token_count": 812}
    for _ in range(200):  # warm connections and caches
        log_l1("cc", "bench.warm", "warm-up", payload=payload)
    plain, with_prompt = [], []
    for _ in range(n):
        start = time.perf_counter()
        log_l1("cc", "chapter.drafted", "Drafted chapter 3", payload=payload)
        plain.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        log_l1("cc", "chapter.drafted", "Drafted chapter 3", payload=payload, prompt=prompt)
        with_prompt.append((time.perf_counter() - start) * 1000)
    print(f"log_l1 benchmark, {n} calls each, including commit and publish")
    summary("log_l1 (base + event log)", plain)
    summary("log_l1 (base + event + prompt trace)", with_prompt)
    BaseLog.objects.filter(message__in=["warm-up", "Drafted chapter 3"]).delete()


if __name__ == "__main__":
    main()
