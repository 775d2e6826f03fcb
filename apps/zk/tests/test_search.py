"""zk in the admin's search across modules (ZkConfig.search_provider): notes by their words,
title words first, on the generated `search` column."""

import pytest

from apps.core.search.run import search_everything
from apps.core.testing import grant_admin_views, user_with_access
from apps.zk import services

pytestmark = pytest.mark.django_db


def test_notes_are_found_by_their_words_title_matches_first(highway):
    in_body = services.create_note("Harbour", body="The lighthouse keeper's notes")
    in_title = services.create_note("Lighthouse", body="A tall white tower")
    services.create_note("Harbour at night", body="Boats")

    [group] = search_everything(
        grant_admin_views(user_with_access("reader", "zk"), "zk"), "lighthouse"
    )

    assert group.module == "zk"
    assert [(hit.kind, hit.title) for hit in group.hits] == [
        ("note", "Lighthouse"),
        ("note", "Harbour"),
    ]
    assert [hit.url for hit in group.hits] == [
        f"/admin/zk/note/{in_title.pk}/change/",
        f"/admin/zk/note/{in_body.pk}/change/",
    ]


def test_without_zk_permission_no_note_is_found(highway):
    services.create_note("Lighthouse")
    assert search_everything(user_with_access("other", "cc"), "lighthouse") == []
