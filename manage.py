#!/usr/bin/env python
"""Django's command-line utility for COS."""

import os
import signal
import sys

# Commands that never touch the graph: they start no graph server (a JVM, ~1 s and ~150 MB).
WITHOUT_GRAPH = {
    *("check", "makemigrations", "migrate", "showmigrations", "sqlmigrate", "squashmigrations"),
    *("startmodule", "removemodule", "modulemap", "modulecheck", "startapp", "startproject"),
    *("makemessages", "compilemessages", "collectstatic", "findstatic", "diffsettings"),
    *("createsuperuser", "changepassword", "help", "version", "--help", "--version", "-h"),
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cos_project.settings")
    from apps.core.runtime import engines

    # Without DATABASE_URL / REDIS_URL / NEO4J_URL, start (or join) the embedded engines before
    # settings load.
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    running = engines.provide(graph=None if command in WITHOUT_GRAPH else "graph")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # A second Ctrl-C (or the one `uv run` forwards) must not cut the engines' clean stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        running.stop()


if __name__ == "__main__":
    main()
