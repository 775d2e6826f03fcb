"""The note body's live preview, in a real browser (Debian's chromium driven by Playwright)
against pytest-django's live server: typing Markdown shows it rendered, raw HTML as text."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from tests.browser import axe_check, launch_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_markdown_shows_the_rendered_preview(live_server, highway, tmp_path):
    # Database work before Playwright starts its loop (Django refuses it under a running one).
    client = Client()
    client.force_login(User.objects.create_superuser("root"))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    from playwright.sync_api import expect

    with launch_chromium() as browser:
        context = browser.new_context()
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_viewport_size({"width": 1200, "height": 800})
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/admin/zk/note/add/")
        page.fill("#id_title", "Chapter 3: the harbour")
        page.fill("#id_body", "# Plan\n\n**bold** and <b>raw</b>\n\n- the ferry\n- the storm")
        preview = page.locator("[data-zk-preview-for=id_body]")
        expect(preview.locator("h1")).to_have_text("Plan")
        expect(preview.locator("strong")).to_have_text("bold")
        expect(preview).to_contain_text("<b>raw</b>")  # shown as text, not markup
        assert preview.locator("b").count() == 0
        # Beside the body on a wide screen, not under it.
        body, shown = page.locator("#id_body").bounding_box(), preview.bounding_box()
        assert body and shown and shown["x"] > body["x"] + body["width"]
        assert abs(shown["y"] - body["y"]) < 5
        axe_check(page)
        page.screenshot(path=str(tmp_path / "preview.png"))  # docs/images/zk-preview.png
    assert (tmp_path / "preview.png").stat().st_size > 10_000
