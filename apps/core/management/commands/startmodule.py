"""`manage.py startmodule <code> [--name "Display name"] [--dry-run]`."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core import governance
from apps.core.modules.registry import modules
from apps.core.scaffold.startmodule import StartModuleError, default_name, start_module


class Command(BaseCommand):
    help = (
        "Create a new COS module in apps/<code>, rendered from the module template (it uses "
        "core's L1 memory kit), with fresh migrations, its module map and passing tests."
    )
    requires_system_checks: Any = []  # the new module is checked in full once it is in place

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the module code: ^[a-z][a-z0-9_]*$, e.g. books")
        parser.add_argument("--name", help="display name (default: from the code, e.g. Books)")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be created; write nothing"
        )

    def handle(
        self, *args: Any, code: str, name: str | None, dry_run: bool, **options: Any
    ) -> None:
        taken = {d.code for d in modules()} | {c.label for c in apps.get_app_configs()}
        governance.invalidate()  # the registry as it is now, not as cached
        registered = set(governance.module_states()) - taken
        display = (name or "").strip() or default_name(code)
        try:
            created = start_module(
                code,
                display,
                project=settings.BASE_DIR,
                taken=taken,
                registered=registered,
                dry_run=dry_run,
            )
        except StartModuleError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(f"{verb} module '{code}' ({display}) in apps/{code}/:")
        for path in created.files:
            self.stdout.write(f"  {path}")
        if dry_run:
            self.stdout.write(
                "(dry run: nothing written; migrations and the map come on a real run)"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"\nModule '{code}' is ready. Next:")
            + f"\n  1. Restart `uv run manage.py serve`: it applies the migrations "
            f"(schemas {code}, mem0_{code})."
            f"\n  2. API: /api/{code}/ (browsable; in /api/docs/), admin: /admin/{code}/ and "
            f"/admin/cos/{code}/, live feed: channel mem0.recorded.{code} on /ws/events/."
            f"\n  3. Give people and agents access in the admin: permissions "
            f"core.view_module_{code} and core.write_module_{code}."
            f"\n  4. Its tests: `uv run pytest apps/{code}`. Its code starts in "
            f"apps/{code}/models.py, services.py and api/."
        )
