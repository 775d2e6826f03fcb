"""startmodule wall time: `manage.py startmodule` as a newcomer runs it, on a copy of the project.

uv run python bench/startmodule.py [--runs 5]

Also times what the command can't avoid: starting Django once in the command's own process and
once in the process that generates the migrations and map and runs the checks (a running process
can't install a new app). Needs DATABASE_URL/REDIS_URL for comparable numbers (unset, each
process would start embedded engines).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "var", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"
)


def timed(command: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    if not os.environ.get("DATABASE_URL"):
        print("note: DATABASE_URL unset, every process starts the embedded engines")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        # Each process then compiles every module it imports whose .pyc is missing (a copy of
        # the project has none): Django's start alone doubles.
        print("note: PYTHONDONTWRITEBYTECODE set, the copy's modules are compiled on each run")
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "cos"
        shutil.copytree(BASE_DIR, project, ignore=IGNORED)
        python = [sys.executable, "manage.py"]
        timed([*python, "check"], project)  # warm the file cache
        walls, startups = [], []
        for n in range(runs):
            code = f"bench_{n}"
            walls.append(timed([*python, "startmodule", code], project))
            shutil.rmtree(project / "apps" / code)
            startups.append(timed([*python, "shell", "--no-startup", "-c", "pass"], project))
    print(f"startmodule wall time over {runs} runs (s):")
    print(f"  median {statistics.median(walls):.2f}  min {min(walls):.2f}  max {max(walls):.2f}")
    print(f"one Django start (manage.py shell -c pass): median {statistics.median(startups):.2f}")
    ratio = statistics.median(walls) / statistics.median(startups)
    print(f"startmodule / Django start: {ratio:.1f}x")


if __name__ == "__main__":
    main()
