"""`manage.py removemodule <code> [--yes]`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.removemodule import RemoveModuleError, plan_removal, remove_module


class Command(BaseCommand):
    help = (
        "Remove a module: drop its schemas (all their tables), its migration records, content "
        "types and permissions, and delete its folder. Refuses core modules and modules that "
        "others require."
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
            f"and the folder {removal.folder}."
        )
        if not yes:
            if not options.get("interactive", True) or not self.stdin_is_a_terminal():
                raise CommandError("Not confirmed: pass --yes to remove without a question.")
            if input(f"Type the module code ({code}) to confirm: ").strip() != code:
                raise CommandError("Not confirmed: nothing was removed.")
        remove_module(removal)
        self.stdout.write(
            self.style.SUCCESS(f"Module '{code}' removed.")
            + " Restart serve. Its events stay in Redis until their streams are trimmed."
        )

    @staticmethod
    def stdin_is_a_terminal() -> bool:
        import sys

        return sys.stdin.isatty()
