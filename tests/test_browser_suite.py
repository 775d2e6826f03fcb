"""The admin as a person uses it, in a real browser (Debian's chromium driven by Playwright)
against a real `serve` holding `manage.py demo`'s story: signing in, switching a module off and
on with the dashboard following live, each language, a phone-width screen, the demo's page as
a visitor reads it, and the graph's picture of the demo. axe-core finds no serious or critical
violation on any page visited (tests/browser.py)."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser import ADMIN_PASSWORD, PHONE, axe_check, picture

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ("fr", "de", "lb", "en")


def test_the_suite_is_one_unit_of_work_for_pytest_xdist(request):
    """Its tests share one browser and one demo server only if pytest-xdist hands them to one
    worker (`--dist loadgroup`), which marks each with its group; pytest 9.2 broke that
    silently (pytest-xdist#1386)."""
    if not request.config.getvalue("loadgroup"):
        pytest.skip("not distributed by pytest-xdist's loadgroup")
    assert request.node.nodeid.endswith("@browser")


def test_signing_in(browser, demo_site):
    page = browser.new_page()
    page.goto(f"{demo_site.url}/admin/login/")
    axe_check(page)
    page.fill("#id_username", "admin")
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_be_visible()
    axe_check(page)
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{demo_site.url}/admin/")
    expect(page.locator(".cc-tile[data-module=zk]")).to_be_visible()
    axe_check(page)
    page.close()


def test_the_dashboard_follows_a_module_switched_off_and_on(admin_page, demo_site):
    dashboard = admin_page
    expect(dashboard.locator(".cc-live-status.cc-is-live")).to_be_visible()
    registry = dashboard.context.new_page()
    registry.set_default_timeout(10_000)
    for action, event in (("disable_modules", "disabled"), ("enable_modules", "enabled")):
        registry.goto(f"{demo_site.url}/admin/cc/module/")
        axe_check(registry)
        zk = registry.locator("#result_list tr").filter(
            has=registry.get_by_role("link", name="zk", exact=True)
        )
        zk.locator("input.action-select").check()
        registry.select_option("select[name=action]", action)
        registry.click("button[name=index]")
        registry.fill("#id_reason", f"browser suite: {event}")
        axe_check(registry)
        registry.click("input[type=submit].default")
        expect(registry.locator(".messagelist")).to_be_visible()
        # The dashboard, not reloaded, shows it.
        expect(dashboard.locator(".cc-live-events")).to_contain_text(f"cc.module.{event}")
    axe_check(dashboard)


def test_each_language(admin_page, demo_site):
    page = admin_page
    for language in LANGUAGES:
        with translation.override(language):
            live_feed = translation.gettext("Live feed")
        page.select_option("#cos-language", language)  # submits the switcher's form
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#cc-live-title")).to_contain_text(live_feed)
        axe_check(page)
        if language != "en":
            assert live_feed != "Live feed", f"{language}: the dashboard's title is English"


def test_a_phone_width_screen(admin_page, demo_site):
    page = admin_page
    page.set_viewport_size(PHONE)
    for path in ("/admin/", "/admin/zk/note/", "/fr/pages/hundred-books/"):
        page.goto(f"{demo_site.url}{path}")
        # Nothing wider than the screen: no sideways scrolling.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        axe_check(page)


def test_the_demos_page_in_four_languages(browser, demo_site):
    visitor = browser.new_page()
    for language, title in (
        ("en", "The Hundred Books"),
        ("fr", "Les Cent Livres"),
        ("de", "Die hundert Bücher"),
        ("lb", "Déi honnert Bicher"),
    ):
        answer = visitor.goto(f"{demo_site.url}/{language}/pages/hundred-books/")
        assert answer is not None and answer.status == 200
        expect(visitor.locator("h1")).to_have_text(title)
        expect(visitor.locator("html")).to_have_attribute("lang", language)
        axe_check(visitor)
    visitor.close()


def test_the_graph_picture_of_the_demo(admin_page, demo_site):
    page = admin_page
    page.goto(f"{demo_site.url}/admin/cos/graph-map/")
    axe_check(page)
    page.fill("#graph-map-q", "Drafted chapter 2")
    page.click(".graph-map-search input[type=submit]")
    page.wait_for_selector("body[data-graph-map=drawn]", state="attached")
    captions = page.evaluate("() => window.cosGraphMap.nodes().map((n) => n.data('caption'))")
    # The log, the prompt that flowed to it, the module that wrote it, and the L3 note that
    # quotes it (the request that triggered it too, named by its id).
    for expected in ("Drafted chapter 2", "Draft chapter 2", "Control Center", "The harbour as"):
        assert any(caption.startswith(expected) for caption in captions), (expected, captions)
    axe_check(page)
    picture(page, "demo-graph")


def test_the_architecture_picture(admin_page, demo_site):
    page = admin_page
    page.goto(f"{demo_site.url}/admin/cos/architecture/")
    # serve checked the rules at start: the page answers with results, not "checking".
    page.wait_for_selector(".cos-arch-ok, .cos-arch-error", timeout=15_000)
    page.wait_for_selector("#cos-arch-canvas canvas", state="attached")
    modules = page.eval_on_selector_all("table.cos-arch-module", "tables => tables.map(t => t.id)")
    for code in ("core", "cc", "graph", "zk", "canon", "cms"):
        assert f"module-{code}" in modules, modules
    axe_check(page)
