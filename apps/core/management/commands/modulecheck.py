"""`manage.py modulecheck [--json] [code ...]`: each module, each architecture rule's result."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.architecture.checks import check_installed, report_data


class Command(BaseCommand):
    help = (
        "Check installed modules against the architecture rules (cos.E001-E006); exit 1 on any "
        "error. --json prints the results as JSON."
    )
    # It reports the same errors the system checks would stop it with.
    requires_system_checks: Any = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", metavar="code", help="module codes (default: all)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args: Any, codes: list[str], **options: Any) -> None:
        try:
            reports = check_installed(codes)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        data = report_data(reports)
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
        else:
            for module in data["modules"]:
                self.stdout.write(f"{module['code']}: {'ok' if module['ok'] else 'errors'}")
                for rule in module["rules"]:
                    outcome = "ok" if rule["ok"] else "error"
                    if not rule["applied"]:
                        outcome = "not applied (test-only module)"
                    self.stdout.write(f"  {rule['id']} {rule['title']}: {outcome}")
                    for error in rule["errors"]:
                        where = error["file"] or "-"
                        if error["line"]:
                            where += f":{error['line']}"
                        self.stdout.write(f"    {where}: {error['message']}")
                        self.stdout.write(f"      hint: {error['hint']}")
        if not data["ok"]:
            failing = [module["code"] for module in data["modules"] if not module["ok"]]
            raise CommandError(f"Architecture errors in: {', '.join(failing)}.", returncode=1)
