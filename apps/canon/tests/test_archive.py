"""Archiving: a new PRD version supersedes the previous one, the same content twice is a 409,
what does not exist a 404; L3 notes come through the "l3.note" contract; each archive publishes
its event through the outbox, on commit only."""

import pytest
from django.db import transaction

from apps.canon import services
from apps.canon.exceptions import AlreadyArchived, NoNoteProvider, NotInCanon
from apps.canon.models import ArchivedNote, LinkType, PrdLog
from apps.core.graphdb.nodes import RELATIONSHIP_TYPES
from apps.core.models import OutboxEntry

from .conftest import snapshot, unique

pytestmark = pytest.mark.usefixtures("highway")


def test_a_changed_prd_is_a_new_version_superseding_the_last(db):
    key = unique()
    first = services.archive_prd_version(key, title="Onboarding", summary="Draft", category="ux")
    second = services.archive_prd_version(key, title="Onboarding", summary="Final", category="ux")
    assert (first.version, first.supersedes_id) == (1, None)
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert PrdLog.objects.get(pk=first.pk).summary == "Draft"  # the old version is kept as is


def test_the_same_prd_content_twice_is_refused(db):
    key = unique()
    services.archive_prd_version(key, title="Onboarding", summary="Draft")
    with pytest.raises(AlreadyArchived, match="version 1 of"):
        services.archive_prd_version(key, title="Onboarding", summary="Draft")
    assert PrdLog.objects.filter(prd_key=key).count() == 1


def test_going_back_to_an_earlier_content_is_a_new_version(db):
    key = unique()
    for summary in ("A", "B", "A"):
        services.archive_prd_version(key, title="T", summary=summary)
    assert list(PrdLog.objects.filter(prd_key=key).values_list("version", "summary")) == [
        (1, "A"), (2, "B"), (3, "A"),
    ]  # fmt: skip


def test_provenance_is_kept(db, django_user_model):
    user = django_user_model.objects.create_user("ann")
    provenance = services.Provenance(
        origin_module="cc", origin_l1_ids=["l1-a", "l1-b"], origin_event_id="ev-1",
        archived_by=user, agent="planner-bot",
    )  # fmt: skip
    row = services.archive_prd_version(unique(), title="T", provenance=provenance)
    row = PrdLog.objects.get(pk=row.pk)
    assert (row.origin_module, row.origin_l1_ids, row.origin_event_id) == (
        "cc",
        ["l1-a", "l1-b"],
        "ev-1",
    )
    assert (row.archived_by, row.agent) == (user, "planner-bot")


def test_a_trace_needs_its_prd_and_is_archived_once(prd):
    with pytest.raises(NotInCanon):
        services.archive_trace(unique(), trigger="review")
    with pytest.raises(NotInCanon):
        services.archive_trace(prd["key"], trigger="review", version=9)
    trace = services.archive_trace(prd["key"], trigger="review", context={"by": "ann"})
    assert trace.prd_id == prd["v2"].pk  # the latest version by default
    with pytest.raises(AlreadyArchived):
        services.archive_trace(prd["key"], trigger="review", context={"by": "ann"})
    older = services.archive_trace(prd["key"], trigger="review", context={"by": "ann"}, version=1)
    assert older.prd_id == prd["v1"].pk


def test_a_link_to_something_the_canon_lacks_is_refused(prd):
    with pytest.raises(NotInCanon):
        services.archive_link("canon:prd:nope", "cc:log:1", "REFERENCES")
    with pytest.raises(NotInCanon):
        services.archive_link(f"canon:prd:{prd['key']}", "canon:trace:999999999", "REFERENCES")
    link = services.archive_link(
        f"canon:prd:{prd['key']}", "zk:note:n1", "REFERENCES", rationale="why"
    )
    assert link.seq > 0
    with pytest.raises(AlreadyArchived):
        services.archive_link(f"canon:prd:{prd['key']}", "zk:note:n1", "REFERENCES")


def test_a_note_is_archived_through_the_l3_contract(notes):
    notes["n1"] = snapshot("n1")
    first = services.archive_note("n1", provenance=services.Provenance(agent="curator"))
    assert (first.note_id, first.version, first.title, first.body) == (
        "n1",
        1,
        "Why onboarding",
        "Because.",
    )
    assert first.snapshot == snapshot("n1")
    assert first.origin_note_id == "n1" and first.agent == "curator"
    assert first.origin_l1_ids == ["cc:log:7d1c0b5e-0000-4000-8000-000000000001"]
    with pytest.raises(AlreadyArchived):
        services.archive_note("n1")
    notes["n1"] = snapshot("n1", body="Because it matters.")
    second = services.archive_note("n1")
    assert (second.version, second.supersedes_id, second.body) == (
        2,
        first.pk,
        "Because it matters.",
    )


def test_an_unknown_note_is_not_found(notes):
    with pytest.raises(NotInCanon):
        services.archive_note("missing")
    assert not ArchivedNote.objects.filter(note_id="missing").exists()


def test_without_a_notes_module_archiving_a_note_says_so(db, monkeypatch):
    monkeypatch.setattr(services, "contract", lambda name: None)
    with pytest.raises(NoNoteProvider):
        services.archive_note("n1")


def test_each_archive_publishes_its_event_on_commit(notes, django_capture_on_commit_callbacks):
    key = unique()
    notes["n2"] = snapshot("n2")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        prd = services.archive_prd_version(key, title="T")
        services.archive_trace(key, trigger="review")
        services.archive_link(f"canon:prd:{key}", "zk:note:n2", "REFERENCES")
        services.archive_note("n2")
    assert len(callbacks) == 4  # handed to the relay once the transaction commits
    channels = list(OutboxEntry.objects.order_by("id").values_list("channel", flat=True))[-4:]
    assert channels == [
        "canon.prd.archived", "canon.trace.archived", "canon.link.archived", "canon.note.archived",
    ]  # fmt: skip
    event = OutboxEntry.objects.filter(channel="canon.prd.archived").latest("id")
    assert f'"prd_key":"{key}"'.encode() in bytes(event.payload)
    assert f'"row_hash":"{prd.row_hash}"'.encode() in bytes(event.payload)


def test_a_rolled_back_archive_publishes_nothing(db):
    before = OutboxEntry.objects.count()
    key = unique()

    def archive_then_fail() -> None:
        with transaction.atomic():
            services.archive_prd_version(key, title="T")
            raise RuntimeError("the caller fails afterwards")

    with pytest.raises(RuntimeError):
        archive_then_fail()
    assert OutboxEntry.objects.count() == before
    assert not PrdLog.objects.filter(prd_key=key).exists()


def test_link_types_are_the_graphs_relationship_types():
    assert tuple(LinkType.values) == RELATIONSHIP_TYPES
