"""Streamlit widgets in the browser, found by their key (Streamlit renders `key=` as the CSS class
st-key-<key>): pick an option, read values, download a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devtools.browser.chromium import TIMEOUT_MS, runs_finished, wait_rerun

ATTEMPTS = 3
RETRY_MS = 15_000  # an option the list shows appears within a second; after 15 s the list was redrawn away


def key(name: str) -> str:
    return f".st-key-{name}"


def choose(page: Any, widget_key: str, option: str, search: str | None = None) -> None:
    """Pick an option of a selectbox (a react-aria combobox in Streamlit 1.67) by its visible text;
    `search` is typed first to filter a long list. The pointer first leaves the page content, as a user's does
    on the way to the widget: an element toolbar shown on hover (a table's) may otherwise cover the widget."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # devtools.warmup runs without playwright

    for attempt in range(ATTEMPTS):
        page.mouse.move(0, 0)
        if search:
            box = page.locator(f"{key(widget_key)} input[role='combobox']").first
            box.click()
            box.fill(search)
        else:
            page.locator(f"{key(widget_key)} button[aria-haspopup='listbox']").first.click()
        last = attempt == ATTEMPTS - 1
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=TIMEOUT_MS if last else RETRY_MS)
            return
        except PlaywrightTimeout:
            if last:
                raise
            # a run that ended after the page looked settled (a permalink's second run) redraws the widget and
            # closes its list under the typing: close what is open, wait for the page to settle, try again
            page.keyboard.press("Escape")
            wait_rerun(page, 0)


def selectbox_value(page: Any, widget_key: str) -> str:
    return str(page.locator(f"{key(widget_key)} input[role='combobox']").first.input_value())


def change_and_rerun(page: Any, widget_key: str, option: str, search: str | None = None) -> None:
    """Pick a selectbox option and wait for the rerun it starts to finish."""
    before = runs_finished(page)
    choose(page, widget_key, option, search)
    wait_rerun(page, before)


def widget_values(page: Any, keys: Sequence[str]) -> dict[str, str]:
    """The visible text of keyed widgets: label, shown text and the values of their inputs."""
    return {k: page.locator(key(k)).first.evaluate(
        "el => [el.innerText.trim(), ...Array.from(el.querySelectorAll('input'), (i) => i.value)].join(' | ')")
        for k in keys}


def _reveal(page: Any, widget_key: str) -> Any:
    """The keyed widget, its expander opened first when it sits in a closed one."""
    widget = page.locator(key(widget_key)).first
    if not widget.is_visible():
        page.locator("details", has=page.locator(key(widget_key))).locator("summary").first.click()
    return widget


def download_csv(page: Any, button_key: str) -> bytes:
    """The file behind a keyed download button `dl-<key>-<format>` (opening the expander around it if needed). A
    download is one format selector `dlfmt-<key>` and one button: another format is first chosen there."""
    from app.exports import FORMATS

    slug, _, fmt = button_key[len("dl-"):].rpartition("-")
    if not page.locator(key(button_key)).count() and fmt in FORMATS:
        _reveal(page, f"dlfmt-{slug}").scroll_into_view_if_needed()
        change_and_rerun(page, f"dlfmt-{slug}", FORMATS[fmt][0], search=FORMATS[fmt][0])
        # there once the rerun is done; _reveal opens its expander again should the rerun have closed it
        page.locator(key(button_key)).first.wait_for(state="attached")
    button = _reveal(page, button_key).locator("button").first
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()
