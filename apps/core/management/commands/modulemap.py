"""`manage.py modulemap [code ...] [--check]`: write each module's module_map.yaml from its code."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.architecture.modulemap import map_diff, write_map
from apps.core.architecture.rules import is_product_module
from apps.core.architecture.sources import installed_sources


class Command(BaseCommand):
    help = (
        "Write module_map.yaml of the given modules (default: every installed module under "
        "apps/) from their code. --check writes nothing, prints a diff and exits 1 on drift."
    )
    # A stale map is a system check error (cos.E004): this command is how it gets fixed.
    requires_system_checks: Any = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", metavar="code", help="module codes")
        parser.add_argument(
            "--check", action="store_true", help="write nothing; exit 1 if a map would change"
        )

    def handle(self, *args: Any, codes: list[str], check: bool, **options: Any) -> None:
        try:
            sources = installed_sources(codes)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if not codes:  # test-only modules under tests/modules only when named
            sources = [source for source in sources if is_product_module(source)]
        stale = []
        for source in sources:
            shown = source.shown(source.map_path.name)
            if check:
                diff = map_diff(source)
                if diff:
                    stale.append(source.code)
                    self.stdout.write(diff, ending="")
            elif write_map(source):
                self.stdout.write(f"{shown}: written")
            else:
                self.stdout.write(f"{shown}: up to date")
        if stale:
            raise CommandError(
                f"Module maps out of date: {', '.join(stale)}. "
                f"Run `uv run manage.py modulemap {' '.join(stale)}`.",
                returncode=1,
            )
