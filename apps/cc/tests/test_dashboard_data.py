"""The dashboard's numbers: each tile counts its module's logs and errors of today, prompt
traces and live notes, linking to the admin lists they count; the charts' data endpoint groups
logs by module, minute and level in one query per module; nobody sees numbers of a module they
may not view."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cc import selectors
from apps.core.memory import memory_models, memory_modules
from apps.core.memory.notes import create_note
from apps.core.memory.recording import log_l1
from apps.core.testing import grant

pytestmark = pytest.mark.django_db
DATA_URL = "/admin/cc/module/dashboard-data/"


def logged(module, message, level="info", *, ago=None, at=None, prompt=False):
    recorded = log_l1(
        module,
        "chapter.drafted",
        message,
        level=level,
        prompt={"prompt_text": f"Write: {message}"} if prompt else None,
    )
    if ago is not None or at is not None:
        logs = memory_models(module).base_log._default_manager
        logs.filter(pk=recorded.base_log_id).update(timestamp=at or timezone.now() - ago)
    return recorded


def setup_of(page):
    """What the page hands the dashboard's script (json_script)."""
    found = re.search(r'id="cc-dashboard-setup"[^>]*>(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found[1])


def counts_of(tile):
    return {count["name"]: count["value"] for count in tile["counts"]}


def shown_counts(page, module):
    start = page.index(f'data-module="{module}"')
    tile = page[start : page.index("</article>", start)]
    found = re.findall(r'data-count="(\w+)">.*?class="cc-count-value">(\d+)<', tile)
    return {name: int(value) for name, value in found}


def test_a_tile_counts_todays_logs_and_errors_prompt_traces_and_live_notes(admin_client):
    midnight = selectors.start_of_today()
    logged("cc", "Drafted chapter 1", prompt=True)
    logged("cc", "Drafted chapter 2")
    logged("cc", "The model timed out", "error")
    logged("cc", "The disk is full", "critical", prompt=True)
    logged("cc", "Yesterday's error", "error", ago=timezone.now() - midnight + timedelta(hours=1))
    create_note("cc", key="plan", content="Chapter 3 next")
    create_note("cc", key="old", content="gone", ttl_seconds=-1)  # expired: not counted

    expected = {"logs_today": 4, "errors_today": 2, "prompt_traces": 2, "notes": 1}
    data = admin_client.get(DATA_URL).json()
    assert counts_of(data["tiles"]["cc"]) == expected
    assert shown_counts(admin_client.get("/admin/").content.decode(), "cc") == expected


def test_each_count_links_to_the_admin_list_of_what_it_counts(admin_client):
    logged("cc", "Fine")
    logged("cc", "Broken", "error")
    logged("cc", "Old and broken", "error", ago=timedelta(days=2))
    tile = admin_client.get(DATA_URL).json()["tiles"]["cc"]
    links = {count["name"]: count["url"] for count in tile["counts"]}

    def listed(url):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        return page.context["cl"].result_count

    assert listed(links["logs_today"]) == 2
    assert listed(links["errors_today"]) == 1
    assert links["prompt_traces"].startswith("/admin/cc/prompttrace/")
    assert links["notes"].startswith("/admin/cc/scratchnote/")


def test_a_module_without_l1_memory_has_a_tile_without_counts(admin_client):
    tiles = admin_client.get(DATA_URL).json()["tiles"]
    assert "core" in tiles and tiles["core"]["counts"] == []
    assert tiles["core"]["health"]["up"] is True and tiles["core"]["enabled"] is True


def test_the_charts_get_logs_per_module_minute_and_level(admin_client):
    minute = timezone.now().replace(second=0, microsecond=0)
    recent, earlier = minute - timedelta(minutes=10), minute - timedelta(hours=2)
    for level in ("info", "info", "error"):
        logged("cc", "Recent", level, at=recent + timedelta(seconds=30))
    logged("cc", "Earlier", "warning", at=earlier + timedelta(seconds=5))
    logged("cc", "Too old for the window", "info", at=minute - timedelta(hours=30))

    activity = admin_client.get(DATA_URL).json()["activity"]
    utc = "%Y-%m-%dT%H:%M:00Z"
    assert [row for row in activity["rows"] if row[0] == "cc"] == [
        ["cc", earlier.strftime(utc), "warning", 1],
        ["cc", recent.strftime(utc), "error", 1],
        ["cc", recent.strftime(utc), "info", 2],
    ]
    assert activity["levels"] == ["debug", "info", "warning", "error", "critical"]
    assert "cc" in activity["modules"] and "core" not in activity["modules"]


def test_the_charts_data_is_one_grouped_query_per_module_however_many_logs():
    root = User.objects.create_superuser("root")
    for n in range(30):
        logged("cc", f"log {n}", ago=timedelta(minutes=n * 7))
    with CaptureQueriesContext(connection) as queries:
        selectors.activity(root, hours=24)
    memory_tables = [q["sql"] for q in queries.captured_queries if '"mem0_' in q["sql"]]
    assert len(memory_tables) == len(memory_modules())
    assert all("GROUP BY" in sql for sql in memory_tables)


@pytest.mark.parametrize("hours", ["0", "-3", "abc", "1.5", "100000", ""])
def test_a_bad_window_is_a_400_with_a_reason(admin_client, hours):
    answer = admin_client.get(DATA_URL, {"hours": hours})
    assert answer.status_code == 400
    assert "hours" in answer.json()["detail"]


def test_a_window_of_a_week_is_allowed(admin_client):
    logged("cc", "Five days ago", ago=timedelta(days=5))
    rows = admin_client.get(DATA_URL, {"hours": "168"}).json()["activity"]["rows"]
    assert [row[2:] for row in rows if row[0] == "cc"] == [["info", 1]]


def test_a_user_sees_the_tiles_and_numbers_only_of_modules_they_may_view(client, highway):
    logged("cc", "Visible")
    logged("cms", "Hidden from this user", "error")
    editor = grant(User.objects.create_user("editor", is_staff=True), "cc")
    client.force_login(editor)

    data = client.get(DATA_URL).json()
    assert set(data["tiles"]) == {"cc"}
    assert data["activity"]["modules"] == ["cc"]
    assert {row[0] for row in data["activity"]["rows"]} == {"cc"}

    page = client.get("/admin/").content.decode()
    assert 'data-module="cc"' in page and 'data-module="cms"' not in page
    setup = setup_of(page)
    assert set(setup["recordUrls"]) == {"cc"} and set(setup["modules"]) == {"cc"}
    assert {row[0] for row in setup["activity"]["rows"]} == {"cc"}  # the charts' first data
    assert "Hidden from this user" not in page


def test_the_data_is_for_staff_only(client, highway):
    assert client.get(DATA_URL).status_code == 302  # to the login page
    client.force_login(grant(User.objects.create_user("author"), "cc"))  # not staff
    assert client.get(DATA_URL).status_code == 302


def test_the_page_brings_the_feeds_last_events_and_where_to_resume(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = logged("cc", "First of two")
        second = logged("cc", "Second of two", "warning")
    page = admin_client.get("/admin/").content.decode()
    setup = setup_of(page)
    ids = [message["event"]["id"] for message in setup["backfill"]]
    assert ids[-2:] == [first.event_id, second.event_id]  # oldest first, the newest last
    assert setup["since"] == setup["backfill"][-1]["cursor"]
    record = setup["recordUrls"]["cc"].replace("__id__", second.base_log_id)
    assert admin_client.get(record).status_code == 200
    assert setup["labels"]["retryNow"] == "Retry now"


@pytest.mark.parametrize("language", ["fr", "de", "lb"])
def test_the_dashboards_words_and_its_scripts_are_in_the_chosen_language(
    admin_client, settings, language
):
    from apps.cc.tests.test_dashboard import in_language

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = admin_client.get("/admin/").content.decode()
    for text in ("Events per minute, last hour", "Log levels, last 24 hours", "All levels"):
        assert in_language(language, text) in page, text
    labels = setup_of(page)["labels"]
    for key, text in {
        "retryNow": "Retry now",
        "retrying": "Disconnected, retrying in %(seconds)s s",
        "unknown": "Unknown",
        "held": "New events held: %(count)s",
        "resume": "Resume",
    }.items():
        assert labels[key] == in_language(language, text), key
    assert labels["counts"]["errors_today"] == in_language(language, "Errors today")


def probe_counts(since):
    """A `dashboard.counts` contract, as a module would provide it."""
    return [
        {"name": "notes", "value": 7, "url": "/admin/probe/item/"},
        {"name": "drafts", "value": 3, "url": None, "label": "Drafts waiting"},
    ]


def test_a_module_adds_its_own_numbers_to_its_tile_through_a_contract(admin_client, monkeypatch):
    from apps.core.modules.registry import get_module_config

    contract = {selectors.COUNTS_CONTRACT: f"{__name__}.probe_counts"}
    monkeypatch.setattr(get_module_config("probe"), "contracts", contract)
    assert counts_of(admin_client.get(DATA_URL).json()["tiles"]["probe"]) == {
        "notes": 7,
        "drafts": 3,
    }
    page = admin_client.get("/admin/").content.decode()
    assert shown_counts(page, "probe") == {"notes": 7, "drafts": 3}
    start = page.index('data-module="probe"')
    tile = page[start : page.index("</article>", start)]
    assert "Drafts waiting" in tile and 'href="/admin/probe/item/"' in tile
