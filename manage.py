#!/usr/bin/env python
"""Django's command-line utility for COS."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")
    from apps.core import engines

    # Without DATABASE_URL / REDIS_URL, start (or join) the embedded engines before settings load.
    running = engines.provide()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        running.stop()


if __name__ == "__main__":
    main()
