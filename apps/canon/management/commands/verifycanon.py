"""`manage.py verifycanon [--since N]`: walk every canon chain; name the first broken row.

Exit status 0 when every chain is intact, 1 at the first problem (table, seq, id, what).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.canon import chain, selectors
from apps.canon.models import RECORD_MODELS


class Command(BaseCommand):
    help = "Check the canon's hash chains; exit 1 naming the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=int,
            default=1,
            help="Start at this seq in each table (the row before it is trusted).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, since: int, no_progress: bool, **options: Any) -> None:
        if since < 1:
            raise CommandError("--since is a seq: 1 or more.")
        total = sum(
            model._default_manager.filter(seq__gte=since).count() for model in RECORD_MODELS
        )
        rows = 0
        last = selectors.last_verification()
        seen = last.heads if last is not None else {}  # what the periodic check saw last
        with tqdm(
            total=total, unit="rows", disable=no_progress, file=self.stderr, leave=False
        ) as bar:
            for model in RECORD_MODELS:
                bar.set_description(chain.table_name(model))

                def advance(rows: int) -> None:
                    bar.update(rows)

                verdict = chain.verify(model, since, progress=advance)
                rows += verdict.rows
                problem = verdict.problem or chain.cut_off(model, seen.get(chain.table_name(model)))
                if problem is not None:
                    bar.close()
                    self.stderr.write(f"BROKEN {problem}")
                    raise SystemExit(1)
        self.stdout.write(f"OK: {rows} rows in {len(RECORD_MODELS)} chains verified.")
