"""Search, links and the `l3.note` contract (apps.zk.selectors)."""

import pytest

from apps.core.modules.registry import contract
from apps.zk import selectors, services

# Fixed, not uuid4(): pytest-xdist workers must collect the same test ids.
NO_SUCH_NOTE = "0e0c0588-bd45-4fea-b510-813517bd3c5d"

pytestmark = pytest.mark.django_db


def titles(found):
    return [note.title for note in found]


def test_full_text_search_ranks_title_words_first():
    services.create_note("Chapter outline", "The river scene closes act one.")
    services.create_note("River", "Where the story starts.")
    services.create_note("Unrelated", "Nothing here.")
    assert titles(selectors.notes(q="river")) == ["River", "Chapter outline"]
    assert titles(selectors.notes(q='"act one" -nothing')) == ["Chapter outline"]


def test_short_or_odd_queries_match_by_substring():
    services.create_note("C# notes", "about c# and f#")
    services.create_note("Zettelkasten", "slip box")
    assert titles(selectors.notes(q="c#")) == ["C# notes"]  # too short for full text
    assert titles(selectors.notes(q="zett")) == ["Zettelkasten"]  # a word as it is typed
    assert titles(selectors.notes(q="--")) == []


def test_tag_filter_combines_with_search():
    services.create_note("River one", tags=["plot"])
    services.create_note("River two", tags=["world"])
    assert titles(selectors.notes(tag="plot")) == ["River one"]
    assert titles(selectors.notes(q="river", tag="world")) == ["River two"]


def test_links_and_backlinks():
    a, b, c = (services.create_note(t) for t in "abc")
    services.link_notes(a, b, "REFERENCES")
    services.link_notes(c, b, "CONTAINS")
    assert [link.to_note.title for link in selectors.links_of(a)] == ["b"]
    assert sorted(link.from_note.title for link in selectors.backlinks_of(b)) == ["a", "c"]
    assert list(selectors.links_of(b)) == []


def test_the_note_contract_has_exactly_its_shape(highway):
    snapshot = contract("l3.note")
    assert snapshot is selectors.note_snapshot
    a = services.create_note("Theme", "**Loss**", ["theme"], "chapter 3 draft")
    b = services.create_note("Other")
    services.link_notes(a, b, "RELATES_TO")
    a.citations.create(module="cc", kind="log", record_id="r1", text="t", recorded_at=a.created_at)
    a.refresh_from_db()
    assert snapshot(str(a.pk)) == {
        "id": str(a.pk),
        "title": "Theme",
        "body": "**Loss**",
        "tags": ["theme"],
        "source": "chapter 3 draft",
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "citations": [{"module": "cc", "kind": "log", "id": "r1"}],
        "links": [{"type": "RELATES_TO", "to": str(b.pk)}],
    }
    assert (snapshot(a.pk) or {})["id"] == str(a.pk)  # a UUID works as well as its text


@pytest.mark.parametrize("missing", [NO_SUCH_NOTE, "not-a-uuid", "", None, 42])
def test_the_note_contract_answers_none_for_no_note(missing):
    assert selectors.note_snapshot(missing) is None


def test_the_dashboard_counts_zks_notes_through_its_contract():
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from apps.core.modules.registry import get_module_config

    services.create_note("One", "first")
    services.create_note("Two", "second")
    counts = import_string(get_module_config("zk").contracts["dashboard.counts"])
    assert counts(timezone.now()) == [{"name": "notes", "value": 2, "url": "/admin/zk/note/"}]
