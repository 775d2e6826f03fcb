"""The header's search box in a real browser (Debian's chromium driven by Playwright, against
pytest-django's live server): type a word on the admin's front page, land on the results
grouped by module, follow a hit to its record."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from apps.core.memory.recording import log_l1
from apps.core.testing import grant, grant_admin_views
from tests.browser import axe_check

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SCREENSHOT = os.environ.get("COS_SEARCH_SCREENSHOT")  # a path: where to save the results page


def test_the_header_box_leads_to_results_grouped_by_module(live_server, highway):
    if not Path(CHROMIUM).exists():
        message = "needs Debian's chromium: apt-get install chromium"
        if os.environ.get("COS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} (COS_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
        pytest.skip(message)
    # Database work before Playwright starts its loop (Django refuses it under a running one).
    recorded = log_l1("cc", "chapter.drafted", "Drafted the lighthouse chapter")
    log_l1("notebook", None, "Lighthouse keeper interviewed", prompt={"prompt_text": "Interview"})
    user = User.objects.create_user("searcher", is_staff=True)
    grant_admin_views(grant(grant(user, "cc"), "notebook"), "cc", "notebook")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            page.set_default_timeout(5000)
            page.goto(f"{live_server.url}/admin/")
            box = page.get_by_role("search").get_by_role("searchbox")
            box.fill("lighthouse")
            box.press("Enter")

            page.wait_for_url("**/admin/cos/search/?q=lighthouse")
            expect(page.locator("#search-cc .cos-search-hit")).to_have_count(1)
            expect(page.locator("#search-notebook .cos-search-hit")).to_have_count(1)
            axe_check(page)
            if SCREENSHOT:
                page.screenshot(path=SCREENSHOT, full_page=True)
            page.locator("#search-cc a", has_text="Drafted the lighthouse chapter").click()
            page.wait_for_url(f"**/admin/cc/baselog/{recorded.base_log.pk}/change/")
            expect(page.locator("#content")).to_contain_text("Drafted the lighthouse chapter")
        finally:
            browser.close()
