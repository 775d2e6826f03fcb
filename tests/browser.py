"""What every browser test shares: Debian's chromium driven by Playwright (which downloads no
browser), signing in, axe-core's accessibility check, and (pytest fixtures, registered for every
test by the root conftest.py) one browser and one real `serve` holding `manage.py demo`'s story
per test module:

    pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

    def test_the_dashboard(admin_page, demo_site):
        admin_page.goto(f"{demo_site.url}/admin/")  # signed in as admin
        axe_check(admin_page)  # fails on any serious or critical violation

(xdist_group keeps a module's tests on one pytest-xdist worker: one server, one browser.)

Playwright's sync API keeps an event loop running in the test's thread while a browser is open,
and Django refuses database work under a running loop: write what a test needs before opening
the browser, or let a real `serve` (its own database) answer the browser.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# axe-core from npm (tests/vendor/axe-core/README.md), injected into the page under test: the
# site never serves it.
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
ADMIN_PASSWORD = "a-long-test-password-7"  # demo_site's admin
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def require_chromium() -> None:
    """Skip without Debian's chromium (fail instead under COS_REQUIRE_SERVICES=1, as in CI)."""
    if Path(CHROMIUM).exists():
        return
    message = "needs Debian's chromium: apt-get install chromium"
    if os.environ.get("COS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (COS_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(message)


@contextlib.contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless chromium (playwright.sync_api.Browser), closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Through the admin's sign-in form, as a person would."""
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def picture(page: Any, name: str) -> None:
    """With COS_SCREENSHOTS=1, the page as it is now, saved as docs/images/<name>.png for the
    documentation (only when asked: a test run leaves the checkout as it found it)."""
    if os.environ.get("COS_SCREENSHOTS") == "1":
        docs = Path(__file__).resolve().parent.parent / "docs" / "images"
        page.screenshot(path=str(docs / f"{name}.png"), full_page=True)


def axe_violations(
    page: Any, *, exclude: Iterable[str] = (), impacts: Iterable[str] = FAILING_IMPACTS
) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now, of the given impacts: each with its
    rule `id`, `impact`, `help` and the `targets` (CSS selectors) of the offending nodes.
    `exclude`: selectors of parts not to check (e.g. a third-party widget)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    found = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
            const results = await window.axe.run(context, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        list(exclude),
    )
    wanted = set(impacts)
    return [violation for violation in found if violation["impact"] in wanted]


def axe_check(page: Any, *, exclude: Iterable[str] = ()) -> None:
    """Fail when axe-core finds a serious or critical violation on the page as it is now,
    saying which rule, why and where."""
    violations = axe_violations(page, exclude=exclude)
    if violations:
        lines = [
            f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['targets'][:5])}"
            for v in violations
        ]
        pytest.fail(f"axe-core on {page.url}:\n" + "\n".join(lines), pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for the test module."""
    with launch_chromium() as started:
        yield started


@pytest.fixture(scope="module")
def demo_site(database_service, redis_service, embedded_engines, tmp_path_factory) -> Iterator[Any]:
    """A real `serve` on a scratch database holding `manage.py demo`'s story (its graph in the
    test graph server), its admin `admin` with ADMIN_PASSWORD, for the test module. No
    subscriber runs (the graph sync would replay the shared test streams into the graph); the
    live feed needs none: serve's own hub reads the streams for its websockets."""
    from django.conf import settings

    from tests.serving import BASE_DIR, ServeProcess, scratch_database_url, serve_env

    with scratch_database_url(migrated_for=serve_env(REDIS_URL=settings.REDIS_URL)) as database:
        env = serve_env(
            DATABASE_URL=database,
            REDIS_URL=settings.REDIS_URL,
            COS_VAR_DIR=str(tmp_path_factory.mktemp("var")),
            COS_ADMIN_PASSWORD=ADMIN_PASSWORD,
            COS_EVENTS_RUN_IN_SERVE="false",
        )
        server = ServeProcess(env).start()  # migrates the scratch database
        try:
            subprocess.run(
                [sys.executable, "manage.py", "demo", "--no-progress"],
                cwd=BASE_DIR,
                env=env,
                check=True,
                capture_output=True,
            )
            yield server
        finally:
            output = server.stop()
        assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def admin_session(browser, demo_site) -> dict[str, Any]:
    """demo_site's admin signed in once for the module (Playwright's storage state)."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, demo_site.url, "admin", ADMIN_PASSWORD)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def admin_page(browser, demo_site, admin_session) -> Iterator[Any]:
    """A page of a fresh browser context (desktop size) signed in as demo_site's admin, on the
    dashboard; the test fails on any script error in it."""
    context = browser.new_context(viewport=DESKTOP, storage_state=admin_session)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{demo_site.url}/admin/")
    yield page
    context.close()
    assert errors == []
