"""The canon in the admin's search across modules (CanonConfig.search_provider): PRD versions
(with their lineage) and archived notes, on GIN indexes made by migration 0003."""

import uuid

import pytest
from django.db import connection

from apps.canon import services
from apps.canon.models import ArchivedNote, PrdLog
from apps.canon.selectors import SEARCH_FIELDS
from apps.core.search import search_query, search_vector
from apps.core.search.run import search_everything
from apps.core.testing import grant_admin_views, user_with_access

from .conftest import unique

pytestmark = pytest.mark.usefixtures("highway")


def test_prd_versions_are_found_with_their_lineage(db):
    word = f"w{uuid.uuid4().hex[:12]}"  # canon rows of other tests stay: a word of our own
    key = unique()
    prd = services.archive_prd_version(key, title="Onboarding", summary=f"The {word} flow")

    [group] = search_everything(
        grant_admin_views(user_with_access("reader", "canon"), "canon"), word
    )

    [hit] = group.hits
    assert (hit.kind, hit.title) == ("prd", f"Onboarding ({key} v1)")
    assert hit.url == f"/admin/canon/prdlog/{prd.pk}/change/"
    assert [link.url for link in hit.links] == [f"/admin/cos/canon-lineage/?prd={key}"]


@pytest.mark.parametrize(
    ("model", "index"), [(PrdLog, "canon_prd_search"), (ArchivedNote, "canon_note_search")]
)
def test_the_search_is_answered_by_the_gin_index(db, model, index):
    """Migration 0003's SQL is the expression the search builds: with sequential scans off,
    the index answers it."""
    search = model._default_manager.alias(found=search_vector(*SEARCH_FIELDS[model])).filter(
        found=search_query("lighthouse")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert f"Bitmap Index Scan on {index}" in search.explain()
