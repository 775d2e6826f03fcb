"""The CMS in the admin's search across modules (CmsConfig.search_provider): page translations
by their words in any language, on a GIN index of the very expression searched."""

import pytest
from django.db import connection

from apps.cms.models import SEARCH_FIELDS, PageTranslation
from apps.cms.tests.conftest import make_page
from apps.core.search import search_query, search_vector
from apps.core.search.run import search_everything
from apps.core.testing import grant_admin_views, user_with_access

pytestmark = pytest.mark.django_db


def test_pages_are_found_by_the_words_of_any_translation(highway):
    page = make_page(
        "lighthouse", en=("The lighthouse", "A tower"), fr=("Le phare", "Une tour blanche")
    )
    make_page("harbour", en=("The harbour", "Boats"))

    [group] = search_everything(grant_admin_views(user_with_access("reader", "cms"), "cms"), "tour")

    assert [(hit.kind, hit.title) for hit in group.hits] == [("page", "Le phare (fr)")]
    assert group.hits[0].url == f"/admin/cms/page/{page.pk}/change/"


def test_the_search_is_answered_by_the_gin_index():
    """A few rows: PostgreSQL would read them all anyway, so sequential scans are turned off
    to show the index can answer the search (it could not were the expressions to differ)."""
    search = PageTranslation.objects.alias(found=search_vector(*SEARCH_FIELDS)).filter(
        found=search_query("lighthouse")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "Bitmap Index Scan on cms_translation_search" in search.explain()


def test_a_page_is_not_crowded_out_by_many_logs(highway):
    from apps.core.memory.recording import log_l1

    for number in range(3):
        log_l1("cms", None, f"Lighthouse page edited ({number})")
    make_page("lighthouse", en=("The lighthouse", "A tower"))
    reader = grant_admin_views(user_with_access("reader", "cms"), "cms")

    [group] = search_everything(reader, "lighthouse", limit=2)

    assert [hit.kind for hit in group.hits] == ["page", "log"] and group.more
