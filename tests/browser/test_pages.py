"""Every page opens without an error, and a screenshot of it goes to tests/screenshots/ for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb
import pytest

from app.base_url import base_url_script
from devtools import browser as web

pytestmark = pytest.mark.browser

PAGES = web.app_pages()


@pytest.mark.parametrize("app_page", PAGES, ids=[p.label for p in PAGES])
def test_page_opens_without_error(app_page: web.AppPage, app_url: str, page: Any, console: web.Console) -> None:
    web.open_app(page, web.page_url(app_url, app_page))
    if web.has_map(page):
        web.wait_map_painted(page)
    web.full_screenshot(page, web.SCREENSHOTS / f"{app_page.label}.png")
    assert web.exceptions(page) == []
    assert console.errors == []
    # still on the page's own URL (Streamlit sends an unknown page to the start page) and it has a title
    assert unquote(urlsplit(page.url).path).strip("/") == app_page.name
    assert page.locator('[data-testid="stMain"] h1').count() >= 1


def test_every_page_file_is_in_the_navigation() -> None:
    """A page file that dashboard.py's st.navigation does not name would be unreachable (and untested)."""
    declared = {web.ROOT / script for script, _name, _title in web.declared_pages()}
    assert declared, "dashboard.py has no st.navigation: Streamlit would serve every file in pages/"
    folders = {path.parent for path in declared if path.parent != web.ROOT}
    files = {path for folder in folders for path in folder.glob("*.py") if not path.name.startswith("_")}
    assert files <= declared, f"not in st.navigation: {sorted(p.name for p in files - declared)}"


def _navigation(page: Any) -> list[tuple[str, str]]:
    """(label, last URL path segment) of every link in the sidebar navigation."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    # the label is the last line: a material icon renders as its name ("home") before it
    return [(text.strip().splitlines()[-1].strip(), unquote(href.rsplit("/", 1)[-1])) for text, href in
            links.evaluate_all("as => as.map(a => [a.innerText, a.href])")]


def test_navigation_lists_every_page(app_url: str, page: Any) -> None:
    web.open_app(page, web.page_url(app_url, ""))
    assert len(PAGES) > 1, "no pages besides the start page"
    expected = [(title, name) for _script, name, title in web.declared_pages()] or [(p.label, p.name) for p in PAGES]
    assert _navigation(page) == expected


def test_a_link_to_a_page_asks_the_server_at_its_root_straight_away(browser: Any, app_url: str) -> None:
    """A first visit by a link to a page other than Start: the page carries the server's base URL (app.base_url),
    so Streamlit asks /_stcore/health at once. Without it, it asked /Karte/_stcore/health first (404) and waited
    100 ms before it asked the root."""
    context = web.new_context(browser)
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    try:
        web.open_app(page, web.page_url(app_url, "Karte", {"land": "09"}))
        probes = page.evaluate("performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname)"
                               ".filter((p) => p.endsWith('/_stcore/health'))")
        assert probes == ["/_stcore/health"]
        assert failed == []
        assert page.evaluate("window.__streamlit.BACKEND_BASE_URL") == f"{app_url}/"
        assert web.exceptions(page) == []
    finally:
        context.close()


@pytest.mark.parametrize(("address", "segments", "base"), [
    ("http://dashboard.test/Karte?land=09", 1, "http://dashboard.test/"),
    ("http://dashboard.test/", 0, "http://dashboard.test/"),
    ("http://dashboard.test/dm/Karte", 1, "http://dashboard.test/dm/"),  # a proxy strips /dm before the server
    ("http://dashboard.test/dm/", 0, "http://dashboard.test/dm/"),
])
def test_the_base_url_script_takes_the_servers_segments_off_the_pages_address(
        browser: Any, address: str, segments: int, base: str) -> None:
    context = web.new_context(browser)
    page = context.new_page()
    document = f"<html><head>{base_url_script(segments).decode()}</head><body></body></html>"
    page.route("http://dashboard.test/**", lambda route: route.fulfill(body=document, content_type="text/html"))
    try:
        page.goto(address)
        assert page.evaluate("window.__streamlit.BACKEND_BASE_URL") == base
    finally:
        context.close()


def test_permalink_as_first_visit_shows_the_app_navigation(db_path: Path, tmp_path: Path, browser: Any) -> None:
    """A fresh server whose first visitor comes by a permalink shows the same navigation as the Start page:
    the server is ready only after its warm-up session ran Start (devtools.warmup, as scripts/run.sh does)."""
    expected = [(title, name) for _script, name, title in web.declared_pages()]
    deep = PAGES[-1]
    env = {"DIGITALMONITOR_DB": str(db_path)}
    with web.streamlit_server(web.ROOT / "dashboard.py", env, tmp_path / "server.log") as url:
        context = web.new_context(browser)
        try:
            first = context.new_page()
            web.open_app(first, web.page_url(url, deep))
            assert _navigation(first) == expected
        finally:
            context.close()


def test_start_map_paints_every_municipality(app_url: str, page: Any, con: duckdb.DuckDBPyConnection) -> None:
    """The density map on the start page holds every municipality shape, draws each (grey without
    inhabitants or current key) and paints the canvas in colour."""
    shapes = {r[0] for r in con.execute(
        "SELECT DISTINCT ars FROM region_shape WHERE level = 'municipality'").fetchall()}
    register = {r[0] for r in con.execute(
        "SELECT ars FROM region WHERE level = 'municipality' AND has_shape").fetchall()}
    web.open_app(page, web.page_url(app_url, ""))
    web.wait_map_painted(page)
    locations = {loc for t in web.figure_data(page) if t["type"] == "choropleth" for loc in t["locations"]}
    assert locations == shapes
    assert register <= locations
    stats = web.map_stats(page)
    assert stats["locations"] == len(shapes)
    assert stats["geojson"] and stats["geojson"].startswith("app/static/shapes/municipality-")
    # plotly draws no polygon for a location without a value: every shape needs one (or the grey trace)
    assert stats["with_value"] == stats["locations"]
    # every location with a shape has its drawn path
    assert stats["rendered_features"] == stats["locations"]
    coloured, painted = web.coloured_share(web.map_canvas(page).screenshot())
    # Germany fills roughly half of a fitted web-mercator canvas; nearly all of it is coloured
    assert coloured > 0.25, f"only {coloured:.1%} of the map canvas is coloured"
    assert painted > 0.30
