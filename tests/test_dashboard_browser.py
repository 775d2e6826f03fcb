"""The admin dashboard in a real browser (Debian's chromium driven by Playwright) against a real
`serve`, with its relay and its live-feed hub: a log written through the API shows at once in
the feed (message, level, module, a link to the record), in its tile's counts and in the
charts; the filters hide lines, pause holds new ones; when the feed breaks the tiles' health
turns unknown and a countdown runs to the next try, which "retry now" makes at once, and the
events missed meanwhile come back. The layout fits a phone's width. (The README's pictures,
docs/images/dashboard.png and dashboard-phone.png, show a `serve` with a day of logs: this test's
server has only its own three, so its screenshots stay in its temporary folder.)"""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser import ADMIN_PASSWORD as PASSWORD
from tests.browser import axe_check, launch_chromium, sign_in
from tests.serving import ServeProcess, free_port, serve_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def server(tmp_path, migrated_plain_database, redis_service):
    env = serve_env(
        DATABASE_URL=migrated_plain_database,
        REDIS_URL=settings.REDIS_URL,
        COS_VAR_DIR=str(tmp_path / "var"),
        COS_ADMIN_PASSWORD=PASSWORD,
    )
    started = ServeProcess(env).start()
    yield started
    output = started.stop()
    assert "Traceback" not in output, output


def write_log(page: Page, message: str, level: str = "info") -> str:
    """A log of cc written through the API, as the signed-in admin; its id."""
    answer = page.evaluate(
        """async ([message, level]) => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const answer = await fetch("/api/cc/logs/", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({message, level, event_type: "chapter.drafted"}),
            });
            return {status: answer.status, body: await answer.json()};
        }""",
        [message, level],
    )
    assert answer["status"] == 201, answer
    return str(answer["body"]["id"])


CHARTED = """() => Chart.getChart("cc-chart-minutes").data.datasets
    .flatMap((dataset) => dataset.data).reduce((a, b) => a + b, 0)"""  # logs the chart shows


def charted(page: Page) -> int:
    return int(page.evaluate(CHARTED))


def quiet(page: Page, logs_today) -> tuple[int, int]:
    """The tile's and the chart's counts once nothing else arrives: the test streams are shared,
    and events of earlier tests (other databases) may still be on their way to the feed."""
    seen, still_since = None, time.monotonic()
    deadline = still_since + 10
    while time.monotonic() < deadline:
        now = (int(logs_today.inner_text()), charted(page))
        if now != seen:
            seen, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= 0.5:
            return now
        page.wait_for_timeout(100)
    pytest.fail(f"the dashboard never went quiet (counts {seen})")


def test_the_dashboard_is_live(server, tmp_path):
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(5000)
        failures: list[str] = []
        page.on("pageerror", lambda error: failures.append(str(error)))
        sign_in(page, server.url, "admin", PASSWORD)
        status = page.locator(".cc-live-status")
        expect(status).to_have_attribute("data-state", "live")
        expect(page.locator("body")).to_have_attribute("data-cc-charts", "drawn")
        axe_check(page)
        logs_today = page.locator('.cc-tile[data-module="cc"] [data-count="logs_today"] strong')
        before, charted_before = quiet(page, logs_today)

        # A log written elsewhere shows at once, everywhere on the page.
        tag = uuid.uuid4().hex[:6]
        log_id = write_log(page, f"Drafted chapter 7 ({tag})", "warning")
        line = page.locator(".cc-line", has_text=tag)
        expect(line).to_be_visible()
        expect(line.locator(".cc-module")).to_have_text("Control Center")
        expect(line.locator(".cc-level")).to_have_text("warning")
        expect(line.locator(".cc-type")).to_have_text("chapter.drafted")
        expect(line.locator("a.cc-message")).to_have_attribute(
            "href", f"/admin/cc/baselog/{log_id}/change/"
        )
        assert line.locator("time").get_attribute("title")  # the absolute time, on hover
        expect(logs_today).to_have_text(str(before + 1))
        page.wait_for_function(f"() => ({CHARTED})() > {charted_before}")
        assert charted(page) == charted_before + 1

        # Filters hide what does not match, and show it again.
        page.select_option(".cc-live-filters select[name=level]", "error")
        expect(line).to_be_hidden()
        page.select_option(".cc-live-filters select[name=level]", "")
        page.fill(".cc-live-filters input[name=type]", "outline")
        expect(line).to_be_hidden()
        page.fill(".cc-live-filters input[name=type]", "chapter")
        page.select_option(".cc-live-filters select[name=module]", "cc")
        expect(line).to_be_visible()

        # Paused, new events wait; resumed, they are shown.
        page.click(".cc-pause")
        write_log(page, f"Held back ({tag})")
        expect(page.locator(".cc-held")).to_contain_text("1")
        expect(page.locator(".cc-line", has_text=f"Held back ({tag})")).to_have_count(0)
        page.click(".cc-pause")
        expect(page.locator(".cc-line", has_text=f"Held back ({tag})")).to_be_visible()

        # The feed breaks: health is unknown, a countdown runs, "retry now" reconnects at once
        # and what was missed meanwhile arrives.
        dead = f"ws://127.0.0.1:{free_port()}/ws/events/"
        page.evaluate(
            "(dead) => { document.getElementById('cc-live').dataset.wsUrl = dead;"
            " window.cosLiveFeed.socket().close(); }",
            dead,
        )
        expect(status).to_have_attribute("data-state", "waiting")
        expect(status).to_contain_text("retrying in")
        expect(page.locator('.cc-tile[data-module="cc"]')).to_have_class(
            "cc-tile cc-enabled cc-health-unknown"
        )
        expect(page.locator('.cc-tile[data-module="cc"] .cc-health-word')).to_have_text("Unknown")
        write_log(page, f"Missed while away ({tag})")
        page.evaluate("() => { delete document.getElementById('cc-live').dataset.wsUrl; }")
        page.click(".cc-retry")
        expect(status).to_have_attribute("data-state", "live")
        expect(page.locator(".cc-retry")).to_be_hidden()
        expect(page.locator(".cc-line", has_text=f"Missed while away ({tag})")).to_be_visible()
        expect(page.locator('.cc-tile[data-module="cc"] .cc-health-word')).to_have_text("Healthy")
        page.select_option(".cc-live-filters select[name=module]", "")
        page.fill(".cc-live-filters input[name=type]", "")
        page.screenshot(path=str(tmp_path / "dashboard.png"))

        # A phone's width: one column, nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        # (The charts follow the new width once their ResizeObserver has run.)
        page.wait_for_function("() => document.documentElement.scrollWidth <= 390")
        page.screenshot(path=str(tmp_path / "dashboard-phone.png"))
        assert failures == []
