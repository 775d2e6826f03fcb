"""The lineage page in a real browser (Debian's chromium driven by Playwright) against Django's
live test server: the timeline is drawn with its stylesheet, versions in order, the trace
branching off its version, and the note reached by a link with its L1 citation."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.canon import services
from tests.browser import axe_check, launch_chromium, sign_in

from .conftest import snapshot, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-7"


@pytest.fixture
def archived(highway, notes):
    key = unique()
    services.archive_prd_version(key, title="Onboarding", summary="First draft")
    services.archive_prd_version(key, title="Onboarding", summary="After review")
    services.archive_trace(key, trigger="design-review", version=1)
    notes["n-browser"] = snapshot("n-browser", title="Why we onboard")
    services.archive_note("n-browser")
    services.archive_link(f"canon:prd:{key}", "zk:note:n-browser", "REFERENCES", rationale="why")
    get_user_model().objects.create_superuser("admin", password=PASSWORD)
    return key


def test_the_lineage_is_drawn_as_a_timeline(live_server, archived, tmp_path):
    failures: list[str] = []
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.on("requestfailed", lambda request: failures.append(request.url))
        sign_in(page, live_server.url, "admin", PASSWORD)
        page.goto(f"{live_server.url}/admin/cos/canon-lineage/")
        page.click(f"a[href='?prd={archived}']")
        page.wait_for_selector(".canon-timeline")
        versions = page.locator(".canon-version .canon-badge").all_inner_texts()
        traces = page.locator(".canon-version[data-version='1'] .canon-trace").all_inner_texts()
        later = page.locator(".canon-version[data-version='2'] .canon-trace").count()
        citation = page.locator(".canon-citation").inner_text()
        # Drawn, not a bare list: the stylesheet's line and dots are there.
        line = page.evaluate(
            "() => getComputedStyle(document.querySelector('.canon-timeline'), '::before')"
            ".borderLeftStyle"
        )
        dot = page.evaluate(
            "() => getComputedStyle(document.querySelector('.canon-event'), '::before')"
            ".borderRadius"
        )
        axe_check(page)
        page.screenshot(path=str(tmp_path / "lineage.png"), full_page=True)
    assert versions == ["v1", "v2"]
    assert len(traces) == 1 and "design-review" in traces[0] and later == 0
    assert citation == "cc:log:7d1c0b5e-0000-4000-8000-000000000001"
    assert line == "solid" and dot == "50%"
    assert (tmp_path / "lineage.png").stat().st_size > 10_000
    assert failures == []
