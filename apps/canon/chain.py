"""The canon's hash chains: the ONE place hashes are computed, rows appended and chains checked.

Each record table is a chain. A row's content is every column but `id`, `seq` and the three
hashes; `content_hash` is the sha256 of its canonical JSON (sorted keys, no spaces, ASCII),
`row_hash` the sha256 of the canonical JSON of {table, seq, id, content_hash, prev_hash}, and
`prev_hash` the previous row's `row_hash` (GENESIS for seq 1). Changing, removing or reordering
a row breaks the chain at that row, which `verify` finds.

Appending takes a transaction-scoped advisory lock per table, so concurrent writers queue and
`seq` stays gapless; the lock goes with the caller's transaction (commit or rollback).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.db import connection, transaction

from apps.canon.models import RECORD_MODELS, ChainedRecord

GENESIS = "0" * 64
CHAIN_COLUMNS = ("id", "seq", "content_hash", "prev_hash", "row_hash")
# Advisory lock keys are bigint; this prefix keeps canon's apart from other users of locks.
LOCK_NAMESPACE = "cos.canon.chain:"

Record = TypeVar("Record", bound=ChainedRecord)


def normalise(value: Any) -> Any:
    """`value` as PostgreSQL's jsonb gives it back: a float written with an exponent that is a
    whole number (1e+20) comes back as an integer. Hashing the normalised value (and storing
    it) makes a row read back hash as it did when written. jsonb has no negative zero either."""
    if isinstance(value, float):
        if value == 0.0:
            return 0.0  # -0.0 too
        text = repr(value)
        if "e" in text:
            exact = Decimal(text)
            if exact == exact.to_integral_value():
                return int(exact)
        return value
    if isinstance(value, dict):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain
    ).encode("ascii")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_name(model: type[ChainedRecord]) -> str:
    """The table as the chain names it, e.g. "prd_log"."""
    return model._meta.db_table.rsplit('"."', 1)[-1]


@cache  # asked for every row verified
def content_columns(model: type[ChainedRecord]) -> tuple[str, ...]:
    """The columns (attnames: `prd_id`, `archived_by_id`) a row's content hash covers."""
    return tuple(
        field.attname for field in model._meta.concrete_fields if field.attname not in CHAIN_COLUMNS
    )


def content_hash(model: type[ChainedRecord], content: dict[str, Any]) -> str:
    return sha256(canonical_json({column: content[column] for column in content_columns(model)}))


def row_hash(model: type[ChainedRecord], seq: int, row_id: int, content: str, prev: str) -> str:
    return sha256(
        canonical_json(
            {
                "table": table_name(model),
                "seq": seq,
                "id": row_id,
                "content_hash": content,
                "prev_hash": prev,
            }
        )
    )


def lock_key(model: type[ChainedRecord]) -> int:
    digest = hashlib.blake2b(f"{LOCK_NAMESPACE}{table_name(model)}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _quoted(model: type[ChainedRecord]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def lock(model: type[ChainedRecord]) -> None:
    """The table's append lock, held until the current transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(model)])


def append(model: type[Record], *, locked: bool = False, **values: Any) -> Record:
    """A new row at the head of `model`'s chain. Takes the table's lock, unless the caller
    has (`locked`: callers that read before writing, to refuse duplicates, take it first).
    No savepoint of its own: a failure here fails the caller's transaction anyway."""
    with transaction.atomic(savepoint=False):
        if not locked:
            lock(model)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence(%s, 'id')), head.seq, head.row_hash "  # noqa: S608  table from the model
                f"FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, row_hash FROM "
                f"{_quoted(model)} ORDER BY seq DESC LIMIT 1) AS head ON true",
                [_quoted(model)],
            )
            row_id, last_seq, last_hash = cursor.fetchone()
        content = {column: normalise(values.get(column)) for column in content_columns(model)}
        seq = (last_seq or 0) + 1
        prev = last_hash or GENESIS
        digest = content_hash(model, content)
        return model._default_manager.create(
            id=row_id,
            seq=seq,
            content_hash=digest,
            prev_hash=prev,
            row_hash=row_hash(model, seq, row_id, digest, prev),
            **content,
        )


@dataclass(frozen=True)
class Problem:
    """The first row where a chain breaks."""

    table: str
    seq: int
    id: int | None
    what: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.table}: seq {self.seq} (id {self.id}): {self.what}"


@dataclass
class Verdict:
    rows: int = 0
    problem: Problem | None = None


def verify(
    model: type[ChainedRecord],
    since: int = 1,
    progress: Callable[[int], None] | None = None,
    chunk: int = 5000,
) -> Verdict:
    """Walk `model`'s chain from seq `since` (trusting the row before it) to the head; stop at
    the first problem. `progress(n)` is told of each chunk of n rows checked."""
    table = table_name(model)
    verdict = Verdict()
    expected_seq, prev = max(1, since), GENESIS
    if expected_seq > 1:
        before = model._default_manager.filter(seq=expected_seq - 1).values("row_hash").first()
        if before is None:
            found = model._default_manager.filter(seq__lt=expected_seq).order_by("-seq").first()
            if found is not None:  # rows exist below `since`, but not the one just below it
                verdict.problem = Problem(table, expected_seq - 1, None, "row missing (gap in seq)")
                return verdict
            expected_seq = 1
        else:
            prev = before["row_hash"]
    columns = [*CHAIN_COLUMNS, *content_columns(model)]
    rows = (
        model._default_manager.filter(seq__gte=expected_seq)
        .order_by("seq")
        .values_list(*columns)
        .iterator(chunk_size=chunk)
    )
    pending = 0
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        what = _check(model, row, expected_seq, prev)
        if what is not None:
            seq = expected_seq if what.startswith("row missing") else row["seq"]
            row_id = None if what.startswith("row missing") else row["id"]
            verdict.problem = Problem(table, seq, row_id, what)
            break
        verdict.rows += 1
        pending += 1
        if progress is not None and pending == chunk:
            progress(pending)
            pending = 0
        expected_seq, prev = row["seq"] + 1, row["row_hash"]
    if progress is not None and pending:
        progress(pending)
    return verdict


def _check(model: type[ChainedRecord], row: dict[str, Any], seq: int, prev: str) -> str | None:
    if row["seq"] != seq:
        return f"row missing (gap in seq): expected seq {seq}, found seq {row['seq']}"
    if row["prev_hash"] != prev:
        return "prev_hash is not the previous row's row_hash"
    content = {column: normalise(row[column]) for column in content_columns(model)}
    if content_hash(model, content) != row["content_hash"]:
        return "content_hash does not match the row's content (content changed)"
    if row_hash(model, row["seq"], row["id"], row["content_hash"], prev) != row["row_hash"]:
        return "row_hash does not match the row"
    return None


def head(model: type[ChainedRecord]) -> int:
    """The chain's last seq (0 when empty)."""
    last = model._default_manager.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def cut_off(model: type[ChainedRecord], recorded: int | None) -> Problem | None:
    """Rows gone from the END of the chain, which no link can show: the chain now ends before
    `recorded`, the head an earlier check saw."""
    now = head(model)
    if recorded is None or now >= recorded:
        return None
    return Problem(
        table_name(model),
        now + 1,
        None,
        f"rows cut off the end: an earlier check saw seq {recorded}, the chain ends at {now}",
    )


def verify_all(
    since: int = 1, progress: Callable[[type[ChainedRecord], int], None] | None = None
) -> Iterator[tuple[type[ChainedRecord], Verdict]]:
    """Each record table's verdict, in turn."""
    for model in RECORD_MODELS:
        report = None if progress is None else (lambda n, m=model: progress(m, n))
        yield model, verify(model, since, report)
