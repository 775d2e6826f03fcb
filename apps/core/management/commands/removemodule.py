"""`manage.py removemodule <code> [--yes]`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.scaffold.removemodule import RemoveModuleError, plan_removal, remove_module


class Command(BaseCommand):
    help = (
        "Remove a module: drop its schemas (all their tables), its migration records, content "
        "types, permissions, undelivered outbox events and registry row, its Redis streams, "
        "consumer groups and keys, and delete its folder. Refuses core modules, modules that "
        "others require and modules whose schemas objects elsewhere depend on (views, foreign "
        "keys...)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the module to remove")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, code: str, yes: bool, **options: Any) -> None:
        try:
            removal = plan_removal(code, settings.BASE_DIR)
        except RemoveModuleError as exc:
            raise CommandError(str(exc)) from exc
        schemas = ", ".join(removal.schemas)
        self.stdout.write(
            f"This deletes module '{code}' for good: schemas {schemas} with all their data, "
            f"its events in Redis and the folder {removal.folder}."
        )
        if not yes:
            if not options.get("interactive", True) or not self.stdin_is_a_terminal():
                raise CommandError("Not confirmed: pass --yes to remove without a question.")
            if input(f"Type the module code ({code}) to confirm: ").strip() != code:
                raise CommandError("Not confirmed: nothing was removed.")
        try:
            remove_module(removal)
        except RemoveModuleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Module '{code}' removed.") + " Restart serve.")

    @staticmethod
    def stdin_is_a_terminal() -> bool:
        import sys

        return sys.stdin.isatty()
