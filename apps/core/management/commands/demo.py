"""`manage.py demo`: fill every layer with a small coherent story (core demodata/story.py), each
module writing its own part (its `demo.py`, through ModuleConfig.demo_data) in the order their
`AFTER`s give. Running it twice adds nothing; it refuses a database with data of its own."""

from __future__ import annotations

from graphlib import TopologicalSorter
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from tqdm import tqdm

from apps.core.demodata.story import AUTHOR_NAME, AUTHOR_USERNAME, DemoStory, real_l1_logs
from apps.core.models import OutboxEntry
from apps.core.modules.definition import ModuleConfig
from apps.core.modules.registry import module_configs


class Command(BaseCommand):
    help = (
        "Fill every layer (L1 logs and prompt traces, the graph, an L3 note, the L4 canon, a "
        "CMS page in four languages) with a small demo story. Idempotent; refuses a database "
        "with data of its own unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write the demo beside data that is not the demo's (L1 logs, notes, canon "
            "records, CMS pages).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, force: bool, no_progress: bool, **options: Any) -> None:
        if unapplied_migrations():
            raise CommandError("The database is not migrated: run `manage.py migrate` first.")
        parts = demo_parts()
        real = real_data(parts)
        if real and not force:
            found = ", ".join(f"{kind}: {count}" for kind, count in real.items())
            raise CommandError(
                f"This database has data of its own ({found}): the demo writes only into an "
                "empty one (or one holding an earlier demo). Use a fresh database, or say "
                "--force to write the demo beside that data."
            )
        story = DemoStory(author=demo_author())
        story.outbox_after = OutboxEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        with tqdm(parts, unit="module", disable=no_progress, file=self.stderr) as bar:
            for config in bar:
                bar.set_description(f"demo: {config.definition.code}")
                with transaction.atomic():
                    config.demo_data(story)
        if story.created:
            added = ", ".join(f"{kind}: {count}" for kind, count in story.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo written ({added})."))
        else:
            self.stdout.write("The demo is already there: nothing added.")
        for said in story.said:
            self.stdout.write(said)
        for warning in story.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(
            "Sign in at /admin/ (manage.py serve) to see it; the page is at /en/pages/"
            "hundred-books/."
        )


def unapplied_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def demo_parts() -> list[ModuleConfig]:
    """The modules with a demo part, each after those its part builds on (else in registry
    order); an AFTER naming a module that is not installed is ignored (its part is absent)."""
    configs = {c.definition.code: c for c in module_configs() if c.part("demo") is not None}
    sorter = TopologicalSorter(
        {code: [a for a in config.demo_after() if a in configs] for code, config in configs.items()}
    )
    return [configs[code] for code in sorter.static_order()]


def real_data(parts: list[ModuleConfig]) -> dict[str, int]:
    """Records the demo did not write, by kind (none: the demo may write)."""
    found = {"L1 logs": real_l1_logs()}
    for config in parts:
        found.update(config.demo_real_data())
    return {kind: count for kind, count in found.items() if count}


def demo_author() -> Any:
    """The story's author: a user who cannot sign in (no password), made once."""
    first, last = AUTHOR_NAME
    author, created = get_user_model().objects.get_or_create(
        username=AUTHOR_USERNAME, defaults={"first_name": first, "last_name": last}
    )
    if created:
        author.set_unusable_password()
        author.save(update_fields=["password"])
    return author
