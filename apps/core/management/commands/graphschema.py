"""`manage.py graphschema`: install the graph's uniqueness constraints and indexes (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.graphdb.errors import GraphUnavailable
from apps.core.graphdb.schema import install_schema


class Command(BaseCommand):
    help = "Install the uniqueness constraints and indexes of every module's graph nodes."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = install_schema()
        except GraphUnavailable as exc:
            raise CommandError(f"The graph server is out of reach: {exc.detail}") from exc
        for rule, created in done:
            state = "created" if created else "exists"
            self.stdout.write(f"{rule.kind} {rule.name}: {state}")
        created_count = sum(created for _, created in done)
        self.stdout.write(f"{created_count} created, {len(done) - created_count} already there.")
