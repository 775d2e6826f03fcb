"""The hash chains: each row links to the one before it, hashes recompute from the rows as the
database gives them back, concurrent writers keep `seq` gapless, and tampering is found by
`verifycanon`, which names the first bad row and exits 1 (0 when all is well)."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from apps.canon import chain, services
from apps.canon.models import RECORD_MODELS, EventTrace, MemoryLink, PrdLog

from .conftest import unique


def test_each_row_links_to_the_previous_one(prd, highway):
    third = services.archive_prd_version(prd["key"], title="Onboarding", summary="Third")
    rows = [PrdLog.objects.get(pk=r.pk) for r in (prd["v1"], prd["v2"], third)]
    assert [r.seq for r in rows] == [rows[0].seq, rows[0].seq + 1, rows[0].seq + 2]
    assert rows[1].prev_hash == rows[0].row_hash and rows[2].prev_hash == rows[1].row_hash
    for row in rows:
        content = {c: getattr(row, c) for c in chain.content_columns(PrdLog)}
        assert row.content_hash == chain.content_hash(PrdLog, content)
        assert row.row_hash == chain.row_hash(
            PrdLog, row.seq, row.pk, row.content_hash, row.prev_hash
        )
    first = PrdLog.objects.order_by("seq").first()
    assert first is not None
    assert first.seq == 1 and first.prev_hash == chain.GENESIS


def test_the_content_hash_covers_content_and_provenance_but_not_the_chain():
    assert "title" in chain.content_columns(PrdLog) and "archived_by_id" in chain.content_columns(
        PrdLog
    )
    assert "prd_id" in chain.content_columns(EventTrace)
    assert not {"id", "seq", "row_hash", "prev_hash", "content_hash"} & set(
        chain.content_columns(PrdLog)
    )


def test_json_reads_back_as_it_hashed(prd, highway):
    """jsonb gives 1e+20 back as an integer: the chain hashes what the database returns."""
    context = {"big": 1e20, "small": 1.5e-7, "one": 1.0, "nested": [{"z": 1, "a": "é"}], "n": None,
               "negative_zero": -0.0, "in_a_list": [-0.0]}  # fmt: skip
    services.archive_trace(prd["key"], trigger="numbers", context=context)
    assert chain.verify(EventTrace).problem is None


def test_canonical_json_is_stable():
    assert chain.canonical_json({"b": 1, "a": [1.5, "é"]}) == b'{"a":[1.5,"\\u00e9"],"b":1}'
    assert chain.normalise({"x": 1e20, "y": 2.5e-3, "z": 1.0}) == {
        "x": 10**20,
        "y": 0.0025,
        "z": 1.0,
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_gapless(highway):
    """Eight threads, each with its own connection, append at once: the advisory lock queues
    them, so seq has no gap or duplicate and every link holds."""
    before = MemoryLink.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    prefix = unique("thread")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def write(worker: int) -> None:
        try:
            start.wait()
            for n in range(6):
                services.archive_link(
                    f"cc:log:{prefix}-{worker}-{n}", f"zk:note:{prefix}", "REFERENCES"
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    seqs = list(
        MemoryLink.objects.filter(seq__gt=before).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(before + 1, before + 49))
    assert chain.verify(MemoryLink).problem is None


def run_verifycanon(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verifycanon", *args, "--no-progress", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def tamper(sql: str, table: str, *params) -> None:
    """What only a superuser can do: switch the table's triggers off, change it, switch them
    back on (inside the test's transaction, rolled back afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER may run
        cursor.execute(f'ALTER TABLE "canon"."{table}" DISABLE TRIGGER USER')
        cursor.execute(sql, params)
        cursor.execute(f'ALTER TABLE "canon"."{table}" ENABLE ALWAYS TRIGGER refuse_update_delete')


def test_verifycanon_passes_an_intact_canon(prd):
    services.archive_trace(prd["key"], trigger="review", context={"by": "ann"})
    code, out, err = run_verifycanon()
    assert code == 0, err
    total = sum(model._default_manager.count() for model in RECORD_MODELS)
    assert out.strip() == f"OK: {total} rows in 4 chains verified."


def test_an_edited_row_is_named_and_fails_the_check(prd):
    victim = prd["v1"]
    tamper(
        'UPDATE "canon"."prd_log" SET summary = %s WHERE id = %s', "prd_log", "Forged", victim.pk
    )
    assert PrdLog.objects.get(pk=victim.pk).summary == "Forged"
    code, out, err = run_verifycanon()
    assert code == 1 and out == ""
    assert err.strip() == (
        f"BROKEN prd_log: seq {victim.seq} (id {victim.pk}): "
        "content_hash does not match the row's content (content changed)"
    )


def test_a_rehashed_forgery_still_breaks_the_next_link(prd):
    """A forger who recomputes the row's own hashes breaks the following row's prev_hash."""
    victim = PrdLog.objects.get(pk=prd["v1"].pk)
    victim.summary = "Forged"
    content = {c: getattr(victim, c) for c in chain.content_columns(PrdLog)}
    digest = chain.content_hash(PrdLog, content)
    forged = chain.row_hash(PrdLog, victim.seq, victim.pk, digest, victim.prev_hash)
    tamper(
        'UPDATE "canon"."prd_log" SET summary = %s, content_hash = %s, row_hash = %s WHERE id = %s',
        "prd_log",
        "Forged",
        digest,
        forged,
        victim.pk,
    )
    code, _, err = run_verifycanon()
    assert code == 1
    assert f"prd_log: seq {prd['v2'].seq} (id {prd['v2'].pk}): prev_hash" in err


def test_a_deleted_row_is_a_gap(db, highway):
    key = unique()
    services.archive_prd_version(key, title="A")
    links = [
        services.archive_link(f"canon:prd:{key}", f"cc:log:{n}", "REFERENCES") for n in range(3)
    ]
    victim = links[1]
    tamper('DELETE FROM "canon"."memory_link" WHERE id = %s', "memory_link", victim.pk)
    code, _, err = run_verifycanon()
    assert code == 1
    assert err.strip() == (
        f"BROKEN memory_link: seq {victim.seq} (id None): "
        f"row missing (gap in seq): expected seq {victim.seq}, found seq {victim.seq + 1}"
    )


def test_since_starts_at_a_seq_and_trusts_the_row_before(prd):
    tamper(
        'UPDATE "canon"."prd_log" SET summary = %s WHERE id = %s', "prd_log", "Forged", prd["v1"].pk
    )
    assert run_verifycanon("--since", str(prd["v2"].seq))[0] == 0
    assert run_verifycanon("--since", str(prd["v1"].seq))[0] == 1


def test_since_must_be_a_seq(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("verifycanon", "--since", "0")


def test_the_progress_bar_counts_rows(prd):
    out, err = io.StringIO(), io.StringIO()
    call_command("verifycanon", stdout=out, stderr=err)
    assert "rows" in err.getvalue() and out.getvalue().startswith("OK:")


def test_rows_cut_off_the_end_are_found_against_the_last_check(db, highway):
    """No link shows a missing LAST row: the periodic check's recorded heads do."""
    key = unique()
    services.archive_prd_version(key, title="A")
    links = [
        services.archive_link(f"canon:prd:{key}", f"cc:log:{n}", "REFERENCES") for n in range(2)
    ]
    assert services.record_verification().ok
    last = links[-1]
    tamper('DELETE FROM "canon"."memory_link" WHERE id = %s', "memory_link", last.pk)
    code, _, err = run_verifycanon()
    assert code == 1
    assert err.strip() == (
        f"BROKEN memory_link: seq {last.seq} (id None): rows cut off the end: "
        f"an earlier check saw seq {last.seq}, the chain ends at {last.seq - 1}"
    )
    run = services.record_verification()
    assert not run.ok and run.problem is not None
    assert run.problem["what"].startswith("rows cut off the end")
    assert run.heads["memory_link"] == last.seq  # the reference is kept, not lowered
