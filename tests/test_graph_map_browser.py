"""The graph's picture in the admin, in a real browser (Debian's chromium driven by Playwright)
against a real `serve`: a logged event's nodes are found, drawn, expanded by a click, and the
module's overview leads to its Module node. With COS_SCREENSHOTS=1 it saves the README's
picture, docs/images/graph-admin.png. axe-core finds no serious or critical violation."""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import axe_check, launch_chromium, sign_in
from tests.serving import BASE_DIR, ServeProcess, serve_env

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "a-long-test-password-7"
# The picture in the README: written only when asked (COS_SCREENSHOTS=1), so that a test run
# leaves the checkout as it found it.
SCREENSHOT = BASE_DIR / "docs" / "images" / "graph-admin.png"


@pytest.fixture
def server(tmp_path, migrated_plain_database, redis_service, graph):
    env = serve_env(
        DATABASE_URL=migrated_plain_database,
        REDIS_URL=settings.REDIS_URL,
        COS_VAR_DIR=str(tmp_path / "var"),
        COS_ADMIN_PASSWORD=PASSWORD,
        # No subscribers: the sync would add the modules and the shared test streams' logs to
        # the picture this test draws from nodes of its own (tests/test_serve.py follows the
        # sync into the graph).
        COS_EVENTS_RUN_IN_SERVE="false",
    )
    started = ServeProcess(env).start()
    yield started
    output = started.stop()
    assert "Traceback" not in output, output


@pytest.fixture
def logged_event(graph, highway):
    """What the L1 -> L2 sync writes for a log of cc: its LogEntry, created by the Module cc,
    triggered by its Session; and an older log of cc, which only a click on cc reveals."""
    from apps.graph import services

    def node(label, name, **properties):
        return services.create_node(label, "cc", name, properties)[0]

    module = node("Module", "cc", code="cc", version="0.1.0", kind="core", enabled="yes")
    session = node("Session", "request 7f3a", request_id=f"req-{uuid.uuid4().hex[:8]}")
    log = node(
        "LogEntry",
        "chapter.drafted",
        log_id=str(uuid.uuid4()),
        level="info",
        event_type="chapter.drafted",
        message="Drafted chapter 3 of The Lighthouse",
    )
    older = node(
        "LogEntry",
        "outline.approved",
        log_id=str(uuid.uuid4()),
        level="info",
        event_type="outline.approved",
        message="Outline approved",
    )
    core = node("Module", "core", code="core", version="0.1.0", kind="core", enabled="yes")
    prompt = node("Prompt", "Draft chapter 3", log_id=log["properties"]["log_id"])
    services.create_relationship(module["uid"], core["uid"], "DEPENDS_ON")
    services.create_relationship(prompt["uid"], log["uid"], "FLOWS_TO")
    services.create_relationship(log["uid"], module["uid"], "CREATED_BY")
    services.create_relationship(log["uid"], session["uid"], "TRIGGERED_BY")
    services.create_relationship(older["uid"], module["uid"], "CREATED_BY")
    return {"module": module, "session": session, "log": log, "older": older}


def drawn(page) -> dict:
    try:
        page.wait_for_selector("body[data-graph-map=drawn]", state="attached", timeout=15_000)
    except PlaywrightTimeout:
        pytest.fail(f"nothing drawn; the page says: {page.inner_text('.graph-map-status')!r}")
    return page.evaluate(
        """() => ({
            nodes: window.cosGraphMap.nodes().map((n) => n.data("caption")).sort(),
            labels: [...new Set(window.cosGraphMap.nodes().map((n) => n.data("label")))].sort(),
            edges: window.cosGraphMap.edges().map((e) => e.data("type")).sort(),
            legend: [...document.querySelectorAll(".graph-map-legend li")]
                .map((li) => li.textContent.trim()),
        })"""
    )


def click_node(page, uid):
    """Click the node where cytoscape drew it."""
    position = page.evaluate(
        "(uid) => window.cosGraphMap.getElementById(uid).renderedPosition()", uid
    )
    box = page.locator("#graph-map-canvas").bounding_box()
    page.evaluate("() => { delete document.body.dataset.graphMap; }")
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])


def test_the_admin_draws_a_logged_events_neighbourhood(server, logged_event, tmp_path):
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        draw_and_expand(page, server.url, logged_event, tmp_path / "graph.png")


def draw_and_expand(page, base_url, logged_event, scratch_picture):
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.on("requestfailed", lambda request: failures.append(request.url))
    sign_in(page, base_url, "admin", PASSWORD)

    page.goto(f"{base_url}/admin/cos/graph-map/")
    page.fill("#graph-map-q", "chapter.drafted")
    page.click(".graph-map-search input[type=submit]")
    picture = drawn(page)
    assert picture["nodes"] == ["Draft chapter 3", "cc", "chapter.drafted", "request 7f3a"]
    assert picture["labels"] == ["LogEntry", "Module", "Prompt", "Session"]
    assert picture["edges"] == ["CREATED_BY", "FLOWS_TO", "TRIGGERED_BY"]
    assert picture["legend"] == ["LogEntry", "Module", "Prompt", "Session"]
    axe_check(page)

    click_node(page, logged_event["module"]["uid"])
    expanded = drawn(page)
    assert {"outline.approved", "core"} <= set(expanded["nodes"])
    assert len(expanded["nodes"]) == 6
    assert expanded["edges"] == [
        "CREATED_BY",
        "CREATED_BY",
        "DEPENDS_ON",
        "FLOWS_TO",
        "TRIGGERED_BY",
    ]
    page.click("#graph-map-canvas", position={"x": 5, "y": 5})  # unselect, for the picture
    screenshot = SCREENSHOT if os.environ.get("COS_SCREENSHOTS") == "1" else scratch_picture
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000  # a drawn page, not a blank one
    assert failures == []


def test_a_modules_overview_leads_to_its_module_node(server, logged_event):
    with launch_chromium() as browser:
        page = browser.new_page()
        sign_in(page, server.url, "admin", PASSWORD)
        page.goto(f"{server.url}/admin/cos/cc/")
        page.click("a[href='/admin/cos/graph-map/?module=cc']")
        picture = drawn(page)
        details = page.locator(".graph-map-details").inner_text()
    assert sorted(picture["labels"]) == ["LogEntry", "Module"]
    assert picture["nodes"] == ["cc", "chapter.drafted", "core", "outline.approved"]
    assert "Module" in details and "cc" in details
