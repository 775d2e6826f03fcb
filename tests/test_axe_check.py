"""The shared accessibility check (tests/browser.py) sees what it should: an unlabelled field
is a violation, a labelled one is not."""

import pytest

from tests.browser import axe_check, axe_violations, launch_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PAGE = '<html lang="en"><title>Search</title><main>{}<input id="q"></main></html>'


def test_axe_finds_an_unlabelled_field_and_passes_a_labelled_one():
    with launch_chromium() as browser:
        page = browser.new_page()
        page.set_content(PAGE.format(""))
        assert "label" in [violation["id"] for violation in axe_violations(page)]
        page.set_content(PAGE.format('<label for="q">Search</label>'))
        axe_check(page)
