"""Search across modules (apps.core.search): every module's L1 memory through core, grouped by
module, only modules the user may view; full-text search on GIN indexes (the plan shows it);
the admin page behind the header's box and /api/search/; bad input is a clear 400."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import translation

from apps.core.highway.subscribers import DependencyUnavailable
from apps.core.memory.notes import create_note
from apps.core.memory.recording import log_l1
from apps.core.search import BadQuery, clean_query
from apps.core.search.run import search_everything
from apps.core.testing import grant, grant_admin_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    """A signed-in staff user who may view cc and notebook (modules with L1 memory) only, and
    their records in the admin."""
    user = get_user_model().objects.create_user("searcher", is_staff=True)
    user = grant_admin_views(grant(grant(user, "cc"), "notebook"), "cc", "notebook")
    client.force_login(user)
    return user


def modules_found(groups):
    return {group.module: group for group in groups}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "Type a word"),
        ("   ", "Type a word"),
        ("x" * 201, "too long"),
        ("chapter\x00", "cannot be searched"),
        ("chapter\ud800", "cannot be searched"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(raw, reason):
    with pytest.raises(BadQuery, match=reason):
        clean_query(raw)


def test_l1_logs_prompts_and_notes_of_every_module_are_found_grouped_by_module(staff):
    cc = log_l1("cc", "chapter.drafted", "Drafted the lighthouse chapter")
    log_l1("cc", None, "Unrelated", prompt={"prompt_text": "Describe the lighthouse keeper"})
    create_note("notebook", key="ideas", content="A lighthouse at dusk")
    log_l1("cc", None, "The harbour at night")  # no match

    found = modules_found(search_everything(staff, "lighthouse"))

    assert set(found) == {"cc", "notebook"}
    cc_hits = {(hit.kind, hit.title) for hit in found["cc"].hits}
    assert cc_hits == {
        ("log", "Drafted the lighthouse chapter"),
        ("prompt_trace", "Describe the lighthouse keeper"),
    }
    log_hit = next(hit for hit in found["cc"].hits if hit.kind == "log")
    assert log_hit.url == f"/admin/cc/baselog/{cc.base_log.pk}/change/"
    assert [(hit.kind, hit.title) for hit in found["notebook"].hits] == [("scratch_note", "ideas")]


def test_it_matches_words_not_substrings_and_understands_web_search_syntax(staff):
    log_l1("cc", None, "Drafted the lighthouse chapter")
    log_l1("cc", None, "Drafted the harbour chapter")

    def titles(query):
        return sorted(hit.title for group in search_everything(staff, query) for hit in group.hits)

    assert titles("light") == []  # full-text search: whole words, no substring scan
    assert titles("drafted -harbour") == ["Drafted the lighthouse chapter"]
    assert titles('"harbour chapter"') == ["Drafted the harbour chapter"]


def test_modules_the_user_may_not_view_are_not_searched(staff):
    log_l1("cms", None, "A lighthouse page was drafted")  # cms: staff has no view permission
    log_l1("cc", None, "A lighthouse log")

    assert set(modules_found(search_everything(staff, "lighthouse"))) == {"cc"}


def test_each_group_is_limited_and_says_there_is_more(staff):
    for number in range(4):
        log_l1("cc", None, f"Lighthouse draft {number}")

    group = modules_found(search_everything(staff, "lighthouse", limit=3))["cc"]

    assert len(group.hits) == 3 and group.more
    assert group.hits[0].title == "Lighthouse draft 3"  # newest first


def test_a_record_larger_than_a_tsvector_can_hold_is_still_recorded_and_found(staff):
    """Only the first SEARCHABLE_CHARS characters are indexed: a whole 2 MB message would make
    a tsvector over PostgreSQL's 1 MB limit, and the insert would fail."""
    words = " ".join(f"w{number}" for number in range(400_000))  # ~2.8 MB of distinct words
    log_l1("cc", None, f"lighthouse {words}")

    assert modules_found(search_everything(staff, "lighthouse"))["cc"].hits


# 10,000 rows, 5 of which hold the word "lighthouse", the others a random-looking word.
ROWS = (
    "CREATE TEMP VIEW search_rows AS SELECT n, 'entry ' || n || ' about ' || CASE "
    "WHEN n % 2000 = 0 THEN 'lighthouse' ELSE md5(n::text) END AS text "
    "FROM generate_series(1, 10000) AS n"
)
FILL = {
    "base_log": [
        "INSERT INTO mem0_cc.base_log (id, timestamp, level, message) SELECT gen_random_uuid(), "
        "now() - n * interval '1 second', 'info', text FROM search_rows"
    ],
    "prompt_trace": [
        "INSERT INTO mem0_cc.base_log (id, timestamp, level, message) SELECT gen_random_uuid(), "
        "now(), 'info', 'log' FROM search_rows",
        "INSERT INTO mem0_cc.prompt_trace (base_log_id, prompt_text, response_text) SELECT "
        "log.id, search_rows.text, 'answered' FROM (SELECT id, row_number() OVER () AS n FROM "
        "mem0_cc.base_log) AS log JOIN search_rows USING (n)",
    ],
    "scratch_note": [
        "INSERT INTO mem0_cc.scratch_note (id, key, content, created_at, expires_at) SELECT "
        "gen_random_uuid(), 'k', text, now(), now() + interval '1 day' FROM search_rows"
    ],
}


@pytest.mark.parametrize(
    ("table", "index", "column"),
    [
        ("base_log", "cc_log_search", "message"),
        ("prompt_trace", "cc_prompt_search", "prompt_text"),
        ("scratch_note", "cc_note_search", "content"),
    ],
)
def test_the_search_reads_the_gin_index_at_a_realistic_size(staff, table, index, column):
    """PostgreSQL's own plan for the search the page runs reads the GIN index, not every
    row: `@@` on the very expression indexed."""
    from apps.core.memory.models import memory_models
    from apps.core.search.memory import LOG_FIELDS, NOTE_FIELDS, PROMPT_FIELDS, matching

    with connection.cursor() as cursor:
        cursor.execute(ROWS)
        for statement in FILL[table]:
            cursor.execute(statement)
        cursor.execute(f"ANALYZE mem0_cc.{table}")
    models = memory_models("cc")
    model, fields = {
        "base_log": (models.base_log, LOG_FIELDS),
        "prompt_trace": (models.prompt_trace, PROMPT_FIELDS),
        "scratch_note": (models.scratch_note, NOTE_FIELDS),
    }[table]
    search = matching(model, fields, "lighthouse")

    plan = search.explain()

    assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "@@" in plan and f'"left"({column}, 100000)' in plan
    assert search.count() == 5


def test_a_record_the_admin_would_not_show_the_user_is_listed_without_its_link(staff):
    log_l1("cc", None, "A lighthouse log")
    user = get_user_model().objects.create_user("module-only", is_staff=True)
    user = grant(user, "cc")  # the module, not the admin's view of its logs

    [group] = search_everything(user, "lighthouse")

    assert [(hit.title, hit.url) for hit in group.hits] == [("A lighthouse log", "")]


def test_the_admin_header_has_the_search_box(client, staff):
    page = client.get("/admin/").content.decode()
    assert 'action="/admin/cos/search/"' in page and 'name="q"' in page


def test_the_search_page_shows_hits_grouped_by_module_with_links(client, staff):
    recorded = log_l1("cc", None, "The lighthouse chapter")

    page = client.get("/admin/cos/search/", {"q": "lighthouse"})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="search-cc"' in html and 'id="search-cms"' not in html
    assert f'href="/admin/cc/baselog/{recorded.base_log.pk}/change/"' in html


def test_the_search_page_without_a_query_explains_and_with_no_hit_says_so(client, staff):
    assert "Search the logs" in client.get("/admin/cos/search/").content.decode()
    empty = client.get("/admin/cos/search/", {"q": "zeppelin"})
    assert empty.status_code == 200
    assert "Nothing matches “zeppelin”" in empty.content.decode()


@pytest.mark.parametrize(("raw", "reason"), [("x" * 5000, "too long"), ("a\x00b", "cannot")])
def test_the_search_page_answers_bad_input_with_400_and_the_reason(client, staff, raw, reason):
    page = client.get("/admin/cos/search/", {"q": raw})
    assert page.status_code == 400
    assert reason in page.content.decode()


def test_undecodable_bytes_in_the_address_are_searched_as_replacement_characters(client, staff):
    """A lone surrogate cannot reach the search through a URL: Django decodes the bytes of
    one (%ED%A0%80, not UTF-8) as U+FFFD, which matches nothing."""
    page = client.get("/admin/cos/search/?q=%ED%A0%80")
    assert page.status_code == 200 and "Nothing matches" in page.content.decode()


def test_the_search_page_is_for_staff_only(client):
    response = client.get("/admin/cos/search/", {"q": "lighthouse"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_api_answers_groups_for_the_modules_the_user_may_view(client, staff):
    log_l1("cc", None, "The lighthouse chapter")
    log_l1("cms", None, "A lighthouse page")

    response = client.get("/api/search/", {"q": "lighthouse", "limit": 5})

    assert response.status_code == 200
    [group] = response.json()
    assert (group["module"], group["more"], group["error"]) == ("cc", False, "")
    assert [(hit["kind"], hit["title"]) for hit in group["hits"]] == [
        ("log", "The lighthouse chapter")
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": " "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00"}, "q"),
        ({"q": "ok", "limit": 0}, "limit"),
        ({"q": "ok", "limit": "many"}, "limit"),
    ],
)
def test_the_api_answers_bad_input_with_400_naming_the_field(client, staff, params, field):
    response = client.get("/api/search/", params)
    assert response.status_code == 400
    assert field in str(response.json())


def test_the_api_needs_a_signed_in_user(client):
    assert client.get("/api/search/", {"q": "lighthouse"}).status_code == 401


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "Rien ne correspond"), ("de", "Nichts passt"), ("lb", "Näischt passt")],
)
def test_the_search_page_speaks_the_users_language(client, staff, settings, language, words):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/admin/cos/search/", {"q": "zeppelin"}).content.decode()
    assert words in page


def test_a_disabled_module_is_not_searched(staff, highway):
    from apps.core.governance.services import disable_module

    log_l1("notebook", None, "A lighthouse note")
    disable_module("notebook", reason="quiet month")

    assert search_everything(staff, "lighthouse") == []


def out_of_reach(query, limit):
    raise DependencyUnavailable("the notebook's server is down")


def test_a_module_out_of_reach_is_reported_in_its_group_and_the_others_answer(staff, monkeypatch):
    from django.apps import apps

    monkeypatch.setattr(
        apps.get_app_config("notebook"), "search_provider", f"{__name__}.out_of_reach"
    )
    log_l1("cc", None, "A lighthouse log")

    with translation.override("en"):
        found = modules_found(search_everything(staff, "lighthouse"))

    assert [hit.title for hit in found["cc"].hits] == ["A lighthouse log"]
    assert (
        found["notebook"].hits == [] and "cannot be searched right now" in found["notebook"].error
    )


@pytest.mark.parametrize("query", ["--", "!!!", '"', "or", "a & b | !c"])
def test_a_query_of_no_words_or_of_tsquery_operators_finds_nothing_without_error(
    client, staff, query
):
    log_l1("cc", None, "A lighthouse log")
    response = client.get("/api/search/", {"q": query})
    assert (response.status_code, response.json()) == (200, [])
