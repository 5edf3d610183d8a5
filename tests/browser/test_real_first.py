"""Real data first, in the browser: a newcomer's Karte opens on the Breitbandatlas (gigabit households) with every
hover naming its source, and Start shows the real all-Germany broadband figures above the demo-fed ones; both at
1400 and 390 px wide (screenshots in tests/screenshots/real_first_*.png for review)."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.browser import (
    SCREENSHOTS,
    Console,
    exceptions,
    figure_data,
    full_screenshot,
    new_context,
    open_app,
    page_url,
    wait_map_painted,
)

pytestmark = pytest.mark.browser

MAP = ".st-key-karte_map"
BROADBAND = "Breitbandatlas, Bundesnetzagentur (Stand Mitte 2021)"
# the hover rows (customdata) of the map's choropleth trace, as the browser holds them
HOVER_JS = """(root) => {
  const gd = document.querySelector(root).querySelector('.js-plotly-plot');
  const trace = gd.data.find((t) => t.type === 'choropleth');
  return Array.from(trace.customdata);
}"""
WIDTHS = {"1400": {"width": 1400, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_karte_and_start_open_on_real_broadband(browser: Any, app_url: str, width: str) -> None:
    context = new_context(browser, viewport=WIDTHS[width])
    try:
        page = context.new_page()
        console = Console()
        console.attach(page)
        open_app(page, page_url(app_url, "Karte"))
        wait_map_painted(page, MAP)
        traces = figure_data(page, MAP) or []
        assert [t for t in traces if t.get("type") == "choropleth"], "the map has its choropleth"
        hovers = [" ".join(map(str, row)) for row in page.evaluate(HOVER_JS, MAP)]
        assert sum(f"echt · {BROADBAND}" in h for h in hovers) > 2000  # every Bavarian municipality with a value
        assert not any("Demodaten" in h for h in hovers)
        assert page.get_by_text("Haushalte mit Gigabit (≥ 1.000 Mbit/s, alle Technologien)").first.is_visible()
        full_screenshot(page, SCREENSHOTS / f"real_first_karte_{width}.png", MAP)
        assert not exceptions(page)

        open_app(page, app_url)
        assert page.get_by_text("Echte Daten für ganz Deutschland: Breitband (Stand Mitte 2021)").is_visible()
        full_screenshot(page, SCREENSHOTS / f"real_first_start_{width}.png")
        assert not exceptions(page)
        assert not console.errors, console.errors
    finally:
        context.close()
