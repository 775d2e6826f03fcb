"""What every browser test shares: Debian's chromium driven by Playwright (which downloads no
browser), signing in, and axe-core's accessibility check.

    from tests.browser import axe_check, launch_chromium, sign_in

    with launch_chromium() as browser:
        page = browser.new_page()
        sign_in(page, server.url, "admin", PASSWORD)
        axe_check(page)  # fails on any serious or critical violation

Playwright's sync API keeps an event loop running in the test's thread while a browser is open,
and Django refuses database work under a running loop: write what a test needs before opening
the browser, or let a real `serve` (its own database) answer the browser.
"""

from __future__ import annotations

import contextlib
import os
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
