"""`manage.py graphsync --rebuild`: write the whole of L1 (every installed module's memory) and
the module registry into the graph, in batches; idempotent (every write MERGEs on keys)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.core.graphdb.errors import GraphUnavailable
from apps.graph import sync

BATCH_SIZE = 500


class Command(BaseCommand):
    help = "Rebuild the graph (L2) from L1 in PostgreSQL and the module registry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="Write every module and every L1 log."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"]:
            raise CommandError("Say --rebuild (the live sync is the graph.sync subscriber).")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            modules = sync.sync_modules()
            logs = self.sync_logs(options["batch_size"], not options["no_progress"])
        except GraphUnavailable as exc:
            raise CommandError(f"The graph server is out of reach: {exc.detail}") from exc
        self.stdout.write(f"{modules} modules and {logs} logs written to the graph.")

    def sync_logs(self, batch_size: int, progress: bool) -> int:
        written = 0
        with tqdm(total=sync.l1_count(), unit="log", disable=not progress, file=self.stderr) as bar:
            for module, rows in sync.l1_batches(batch_size):
                sync.sync_logs(module, rows)
                written += len(rows)
                bar.update(len(rows))
        return written
