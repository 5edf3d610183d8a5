"""The federal measure (Open-PVOG) in chromium, on a real build of the hand-written PVOG fixtures fetched from the
local test server (tests/pvog_support.py): the Karte paints Bayern's municipalities with pvog_available (Bad Aibling
coloured, its hover names the Abruf), and Bad Aibling's profile lists the services its peer offers and it does not.
Screenshots at 1400 and 390 px wide go to tests/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pvog_support import KOLBERMOOR
from test_pvog_fetch import BAD_AIBLING

from devtools import browser as web

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
MAP = ".st-key-karte_map"
HOVER_JS = """(root) => Array.from(document.querySelector(root).querySelector('.js-plotly-plot').data
                                  .find((t) => t.type === 'choropleth').customdata)"""
GAP_TITLE = "Leistungen, die vergleichbare Gemeinden online anbieten und diese nicht"


@pytest.fixture(scope="module")
def pvog_url(tmp_path_factory: pytest.TempPathFactory, pvog_db_path: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("pvog_browser")
    with web.streamlit_server(ROOT / "dashboard.py", {"DIGITALMONITOR_DB": str(pvog_db_path)},
                              folder / "server.log") as url:
        yield url


@pytest.mark.parametrize("width", [1400, 390])
def test_karte_paints_the_federal_measure(browser: Any, pvog_url: str, width: int) -> None:
    context = web.new_context(browser, viewport={"width": width, "height": 1000})
    try:
        page = context.new_page()
        web.open_app(page, web.page_url(pvog_url, "Karte", {"ebene": "municipality", "land": "09",
                                                    "kennzahl": "pvog_available"}))
        web.wait_map_painted(page, MAP)
        assert not web.exceptions(page)
        trace = next(t for t in web.figure_data(page, MAP) if t.get("type") == "choropleth")
        # hover rows: name, kind, value, ... (app/figures/maps.py) in the order of the locations; Kolbermoor: own 50
        # + 6 reaching it from Kreis, Land and Bund
        rows = page.evaluate(HOVER_JS, MAP)
        hover = dict(zip(trace["locations"], rows, strict=True))
        assert hover[BAD_AIBLING][2] == "7 Leistungen" and hover[KOLBERMOOR][2] == "56 Leistungen"
        assert "Abruf 01.07.2026" in " ".join(map(str, hover[BAD_AIBLING]))
        body = page.inner_text("body")
        assert "Online-Leistungen für Bürger verfügbar" in body and "keine Summe ihrer Gemeinden" in body
        web.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        web.full_screenshot(page, web.SCREENSHOTS / f"pvog_karte_{width}.png", MAP)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_profile_lists_the_services_its_peers_offer(browser: Any, pvog_url: str, width: int) -> None:
    context = web.new_context(browser, viewport={"width": width, "height": 1000})
    try:
        page = context.new_page()
        web.open_app(page, web.page_url(pvog_url, "Gemeindeprofil", {"ars": BAD_AIBLING}))
        assert not web.exceptions(page)
        heading = page.get_by_text(GAP_TITLE)
        heading.scroll_into_view_if_needed()
        body = page.inner_text("body")
        assert "Online-Leistungen laut Dashboard Digitale Verwaltung (Bund)" in body
        assert "50 Leistungen, die mindestens die Hälfte der Vergleichsgemeinden" in body
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1
        page.screenshot(path=str(web.SCREENSHOTS / f"pvog_profil_{width}.png"), full_page=False)
    finally:
        context.close()
