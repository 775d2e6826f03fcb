"""A person's whole path, in a real browser (Debian's chromium driven by Playwright) against
pytest-django's live server: write a page in the admin in four languages, publish it with the
list's action, and read it as a visitor in French; axe-core finds no serious or critical
violation on the way."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from tests.browser import axe_check, launch_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {
    "en": ("Welcome", "Hello **world**."),
    "fr": ("Bienvenue", "Bonjour **le monde**."),
    "de": ("Willkommen", "Hallo **Welt**."),
    "lb": ("Wëllkomm", "Moien **Welt**."),
}


def test_a_page_written_and_published_in_the_admin_is_read_in_french(
    live_server, highway, tmp_path
):
    # Database work before Playwright starts its loop (Django refuses it under a running one).
    client = Client()
    client.force_login(User.objects.create_superuser("editor"))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    from playwright.sync_api import expect

    with launch_chromium() as browser:
        context = browser.new_context()
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_viewport_size({"width": 1400, "height": 900})
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/admin/cms/page/add/")
        axe_check(page)
        page.fill("#id_slug", "welcome")
        for index, (language, (title, body)) in enumerate(WORDS.items()):
            expect(page.locator(f"#id_translations-{index}-language")).to_have_value(language)
            page.fill(f"#id_translations-{index}-title", title)
            page.fill(f"#id_translations-{index}-body", body)
        # The four languages side by side, each field wide enough to write in.
        boxes = [page.locator(f"#id_translations-{i}-title").bounding_box() for i in range(4)]
        assert all(box and box["width"] > 150 for box in boxes), boxes
        assert len({round(box["y"]) for box in boxes if box}) == 1
        assert sorted(box["x"] for box in boxes if box) == [b["x"] for b in boxes if b]
        page.screenshot(path=str(tmp_path / "admin.png"))  # docs/images/cms-admin.png
        page.click("input[name=_save]")
        expect(page.locator("#result_list")).to_contain_text("welcome")

        # A draft: a visitor does not find it.
        visitor = browser.new_context().new_page()
        visitor.set_default_timeout(15_000)
        draft = visitor.goto(f"{live_server.url}/fr/pages/welcome/")
        assert draft is not None and draft.status == 404

        page.locator("#result_list input.action-select").first.check()
        page.select_option("select[name=action]", "publish")
        page.click("button[name=index]")
        expect(page.locator("#result_list")).to_contain_text("published")
        axe_check(page)

        answer = visitor.goto(f"{live_server.url}/fr/pages/welcome/")
        assert answer is not None and answer.status == 200
        expect(visitor.locator("html")).to_have_attribute("lang", "fr")
        expect(visitor.locator("h1")).to_have_text("Bienvenue")
        expect(visitor.locator(".cms-body strong")).to_have_text("le monde")
        expect(visitor.locator(".cms-fallback")).to_have_count(0)
        axe_check(visitor)
        visitor.screenshot(path=str(tmp_path / "page-fr.png"))  # docs/images/cms-page-fr.png
        # The switcher leads to the German text.
        visitor.click("nav.cms-languages a[hreflang=de]")
        expect(visitor.locator("h1")).to_have_text("Willkommen")
    assert all((tmp_path / name).stat().st_size > 5_000 for name in ("admin.png", "page-fr.png"))
