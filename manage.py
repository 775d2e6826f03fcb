#!/usr/bin/env python
"""Django's command-line utility for COS."""

import os
import signal
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")
    from apps.core.runtime import engines

    # Without DATABASE_URL / REDIS_URL, start (or join) the embedded engines before settings load.
    running = engines.provide()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # A second Ctrl-C (or the one `uv run` forwards) must not cut the engines' clean stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        running.stop()


if __name__ == "__main__":
    main()
