"""Browser fixtures: one chromium for the whole session (the Streamlit server, `app_url`, is in tests/conftest.py)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from devtools.browser import SCREENSHOTS, Console, chromium_path, launch, new_context


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium with software WebGL, shared by all browser tests."""
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Any, console: Console, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context (empty cache, de-DE), its console errors collected; a failed
    test leaves a screenshot of the page in tests/screenshots/FAILED_<test>.png."""
    context = new_context(browser)
    try:
        tab = context.new_page()
        console.attach(tab)
        yield tab
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            with contextlib.suppress(Exception):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(SCREENSHOTS / f"FAILED_{name}.png"), timeout=10_000)
    finally:
        context.close()
