"""Notes, links and their events, through apps.zk.services."""

import pytest

from apps.core.graphdb.nodes import RELATIONSHIP_TYPES
from apps.core.modules.registry import get_module_config
from apps.zk import services
from apps.zk.exceptions import Duplicate, InvalidInput
from apps.zk.models import LinkType, Note, NoteLink
from apps.zk.tests.conftest import published

pytestmark = pytest.mark.django_db


def test_zk_is_an_optional_module_without_l1_memory():
    from apps.core.memory import memory_modules

    definition = get_module_config("zk").definition
    assert definition.kind == "optional" and definition.requires == ("core",)
    assert "zk" not in memory_modules()


def test_link_types_are_the_graphs_relationship_types():
    assert tuple(LinkType.values) == RELATIONSHIP_TYPES


def test_a_created_note_is_published_on_commit(highway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = services.create_note("Atomic notes", "One idea per note.", ["method", "zk"])
    assert callbacks  # Redis gets it once the transaction commits
    assert published("zk.note.created") == [
        {"id": str(note.pk), "title": "Atomic notes", "tags": ["method", "zk"]}
    ]


def test_tags_are_slugs_each_once():
    note = services.create_note("T", tags=["plot", "plot", "chapter-3", "a_b"])
    assert note.tags == ["plot", "chapter-3", "a_b"]
    for bad in ["Plot", "two words", "-x", "x-", "é", "a" * 51, ""]:
        with pytest.raises(InvalidInput) as refused:
            services.create_note("T", tags=[bad])
        assert "tags" in refused.value.errors, bad
    with pytest.raises(InvalidInput):
        services.create_note("T", tags=[f"t{i}" for i in range(services.TAGS_MAX + 1)])


def test_a_title_is_required_and_a_body_bounded():
    with pytest.raises(InvalidInput) as refused:
        services.create_note("   ", "x" * (services.BODY_MAX + 1))
    assert set(refused.value.errors) == {"title", "body"}
    assert not Note.objects.exists()


def test_an_update_publishes_what_changed_and_a_no_op_nothing(highway):
    note = services.create_note("Draft", "old")
    before = note.updated_at
    services.update_note(note, title="Draft", body="new", tags=["x"])
    note.refresh_from_db()
    assert note.body == "new" and note.tags == ["x"] and note.updated_at > before
    services.update_note(note, body="new")
    assert published("zk.note.updated") == [
        {"id": str(note.pk), "title": "Draft", "tags": ["x"], "changed": ["body", "tags"]}
    ]


def test_deleting_a_note_takes_its_links_both_ways(highway):
    a, b, c = (services.create_note(t) for t in "abc")
    services.link_notes(a, b, "REFERENCES")
    services.link_notes(c, a, "DEPENDS_ON")
    note_id = str(a.pk)
    services.delete_note(a)
    assert not NoteLink.objects.exists()
    assert published("zk.note.deleted") == [{"id": note_id, "title": "a"}]


def test_a_link_is_published_with_ids_titles_and_type(highway):
    a, b = services.create_note("From"), services.create_note("To")
    link = services.link_notes(a, b, "RELATES_TO", "same scene")
    assert link.rationale == "same scene"
    link_id = str(link.pk)
    services.unlink_notes(link)
    expected = {
        "id": link_id, "type": "RELATES_TO", "from": str(a.pk), "to": str(b.pk),
        "from_title": "From", "to_title": "To",
    }  # fmt: skip
    assert published("zk.link.created") == [expected]
    assert published("zk.link.deleted") == [expected]
    assert not NoteLink.objects.exists()


def test_a_note_cannot_link_to_itself_nor_twice_with_one_type(highway):
    a, b = services.create_note("a"), services.create_note("b")
    with pytest.raises(InvalidInput) as refused:
        services.link_notes(a, a, "CONTAINS")
    assert "to" in refused.value.errors
    with pytest.raises(InvalidInput):
        services.link_notes(a, b, "LIKES")
    services.link_notes(a, b, "CONTAINS")
    with pytest.raises(Duplicate):
        services.link_notes(a, b, "CONTAINS")
    services.link_notes(a, b, "REFERENCES")  # another type is another link
    services.link_notes(b, a, "CONTAINS")  # and so is the other direction
    assert NoteLink.objects.count() == 3
    assert len(published("zk.link.created")) == 3


def test_a_rolled_back_write_publishes_nothing(highway):
    from django.db import transaction

    def write_then_fail():
        with transaction.atomic():
            services.create_note("gone")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert published("zk.note.created") == []
