"""Every page opens without an error, and a screenshot of it goes to tests/screenshots/ for review."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from browser_harness import (
    SCREENSHOTS,
    AppPage,
    Console,
    app_pages,
    coloured_share,
    exceptions,
    full_screenshot,
    map_canvas,
    map_stats,
    open_app,
    page_url,
    wait_map_painted,
)

pytestmark = pytest.mark.browser

PAGES = app_pages()


@pytest.mark.parametrize("app_page", PAGES, ids=[p.label for p in PAGES])
def test_page_opens_without_error(app_page: AppPage, app_url: str, page: Any, console: Console) -> None:
    open_app(page, page_url(app_url, app_page))
    if page.query_selector(".js-plotly-plot canvas.maplibregl-canvas"):
        wait_map_painted(page)
    full_screenshot(page, SCREENSHOTS / f"{app_page.label}.png")
    assert exceptions(page) == []
    assert console.errors == []
    # the page's own title is shown (Streamlit renders a missing page as the start page with a warning)
    assert page.locator('[data-testid="stMain"] h1').count() >= 1


def test_navigation_lists_every_page(app_url: str, page: Any) -> None:
    open_app(page, page_url(app_url, ""))
    if len(PAGES) == 1:
        pytest.skip("no pages in pages/ yet")
    links = page.locator('[data-testid="stSidebarNav"] a')
    paths = sorted(href.rsplit("/", 1)[-1] for href in links.evaluate_all("as => as.map(a => a.href)"))
    from urllib.parse import quote

    assert paths == sorted(quote(p.name) for p in PAGES)


def test_start_map_paints_every_municipality(app_url: str, page: Any, con: duckdb.DuckDBPyConnection) -> None:
    """The density map on the start page holds every municipality with a shape and paints it in colour."""
    expected = con.execute("SELECT count(*) FROM region WHERE level = 'municipality' AND has_shape").fetchone()[0]
    open_app(page, page_url(app_url, ""))
    wait_map_painted(page)
    stats = map_stats(page)
    assert stats["locations"] == expected
    assert stats["geojson"] and stats["geojson"].startswith("app/static/shapes/municipality-")
    # plotly draws no polygon for a location without a value (see the xfail test below); of those with
    # a value, all but sub-pixel slivers (which MapLibre's tiler drops at this zoom) are rendered
    assert stats["rendered_features"] >= 0.995 * stats["with_value"]
    coloured, painted = coloured_share(map_canvas(page).screenshot())
    # Germany fills roughly half of a fitted web-mercator canvas; nearly all of it is coloured
    assert coloured > 0.25, f"only {coloured:.1%} of the map canvas is coloured"
    assert painted > 0.30


@pytest.mark.xfail(reason="density_map passes log10(0) = NaN for gemeindefreie Gebiete without inhabitants; "
                          "plotly draws no polygon for them, so they are white holes, not 'no data' grey",
                   strict=False)
def test_start_map_draws_regions_without_inhabitants(app_url: str, page: Any) -> None:
    open_app(page, page_url(app_url, ""))
    wait_map_painted(page)
    stats = map_stats(page)
    assert stats["with_value"] == stats["locations"]
