"""Issue 15 points 3, 4 and 6 in the browser: the measure's caveat where it is chosen and the Kreistyp filter on
the Karte, the chosen authority among all its peers in the Rangliste (1400 px and 390 px), and on a phone
(390 x 844, a phone's user agent) the Karte map fits Bayern and a tap shows the region with a button to its
profile, which then opens at its top. Screenshots: tests/screenshots/views_*.png."""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb
import pytest
import shapely

from devtools.browser import (
    SCREENSHOTS,
    exceptions,
    figure_data,
    full_screenshot,
    map_canvas,
    map_stats,
    new_context,
    open_app,
    page_url,
    project,
    wait_map_painted,
    wait_ready,
)
from devtools.browser.readable import cut_texts, horizontal_overflow

pytestmark = pytest.mark.browser

MAP = ".st-key-karte_map"
STRIP = ".st-key-rang_strip"
TOWN = "096730141141"  # Bad Königshofen i.Grabfeld
PHONE = {"width": 390, "height": 844}
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/126.0 Mobile Safari/537.36")
ANNOTATIONS_JS = """(root) => Array.from(document.querySelector(root).querySelector('.js-plotly-plot')
                                  .layout.annotations || []).map((a) => a.text)"""


def _main_text(page: Any) -> str:
    return str(page.locator('[data-testid="stMain"]').inner_text())


def _strip_checks(page: Any, con: duckdb.DuckDBPyConnection) -> None:
    """The strip holds every Bavarian authority with a value, the town marked with its place among them."""
    page.locator(f"{STRIP} .js-plotly-plot").wait_for()
    dots = figure_data(page, STRIP)
    peers = con.execute("SELECT peers, rank FROM v_ranks WHERE measure = 'total' AND group_kind = 'state' "
                        "AND ars = ?", [TOWN]).fetchone()
    assert peers is not None
    assert len(dots[0]["x"]) == peers[0] > 100  # the whole peer group, not a top ten
    texts = page.evaluate(ANNOTATIONS_JS, STRIP)
    assert any(f"Platz {peers[1]} von" in t and "Bad Königshofen" in t for t in texts), texts


def test_karte_caveat_and_kreistyp_and_rangliste_strip_at_1400(browser: Any, app_url: str,
                                                              con: duckdb.DuckDBPyConnection) -> None:
    context = new_context(browser, viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        query = {"ebene": "district", "kennzahl": "total_per_10k", "land": "09", "kreistyp": "kreisfreie_staedte"}
        open_app(page, page_url(app_url, "Karte", query))
        wait_map_painted(page, MAP)
        text = _main_text(page)
        assert "Hinweis zu „" in text and "eine kreisfreie Stadt nur ihre eigenen" in text
        assert page.get_by_role("radio", name="nur kreisfreie Städte").is_checked()
        cities = {r[0] for r in con.execute("SELECT ars FROM region WHERE level = 'district' AND state_ars = '09' "
                                            "AND kind = 'Kreisfreie Stadt'").fetchall()}
        shown = {loc for t in figure_data(page, MAP) if t["type"] == "choropleth" for loc in t["locations"]}
        assert len(cities) == 25 and shown == cities  # only the kreisfreie Städte, ranked among themselves
        assert "kreistyp=kreisfreie_staedte" in page.url
        full_screenshot(page, SCREENSHOTS / "views_karte_kreisfreie_1400.png", MAP)

        open_app(page, page_url(app_url, "Rangliste", {"land": "09", "gemeinde": TOWN}))
        _strip_checks(page, con)
        full_screenshot(page, SCREENSHOTS / "views_rangliste_strip_1400.png")
        assert exceptions(page) == []
    finally:
        context.close()


def test_phone_map_fits_bayern_a_tap_asks_and_the_profile_opens_at_its_top(browser: Any, app_url: str,
                                                                          con: duckdb.DuckDBPyConnection) -> None:
    context = new_context(browser, viewport=PHONE, user_agent=PHONE_AGENT)
    try:
        page = context.new_page()
        open_app(page, page_url(app_url, "Rangliste", {"land": "09", "gemeinde": TOWN}))
        _strip_checks(page, con)
        assert cut_texts(page) == [] and not horizontal_overflow(page)
        full_screenshot(page, SCREENSHOTS / "views_rangliste_strip_390.png")

        open_app(page, page_url(app_url, "Karte", {"ebene": "municipality", "land": "09"}))
        wait_map_painted(page, MAP)
        shapes = json.loads(con.execute("SELECT content FROM shape_file WHERE level = 'municipality'").fetchone()[0])
        bavaria = [shapely.geometry.shape(f["geometry"]) for f in shapes["features"]
                   if f["properties"]["ars"].startswith("09")]
        west, south, east, north = shapely.union_all([g.envelope for g in bavaria]).bounds
        canvas = map_stats(page, MAP)["canvas"]  # the map's drawn area: inside the chart and the phone's width
        chart = page.locator(f"{MAP} .js-plotly-plot").first.bounding_box()
        assert 0 <= canvas["x"] and canvas["x"] + canvas["width"] <= PHONE["width"], canvas
        assert chart["x"] - 1 <= canvas["x"] and canvas["x"] + canvas["width"] <= chart["x"] + chart["width"] + 1
        assert chart["y"] - 1 <= canvas["y"] and canvas["y"] + canvas["height"] <= chart["y"] + chart["height"] + 1
        for lon, lat in ((west, south), (west, north), (east, south), (east, north)):
            x, y = project(page, lon, lat, MAP)
            assert canvas["x"] - 1 <= x <= canvas["x"] + canvas["width"] + 1, ("cut", lon, lat, x, canvas)
            assert canvas["y"] - 1 <= y <= canvas["y"] + canvas["height"] + 1, ("cut", lon, lat, y, canvas)
        full_screenshot(page, SCREENSHOTS / "views_karte_390.png", MAP)

        ars, name = con.execute("""
            SELECT ars, display_name FROM region WHERE level = 'municipality' AND state_ars = '09'
            AND is_municipality AND has_shape ORDER BY area_km2 DESC LIMIT 1""").fetchone()
        inside = next(g for g, f in zip(bavaria, [f for f in shapes["features"]
                                                  if f["properties"]["ars"].startswith("09")], strict=True)
                      if f["properties"]["ars"] == ars).representative_point()
        map_canvas(page, MAP).scroll_into_view_if_needed()
        page.mouse.wheel(0, 250)  # a reader scrolled down to the map: the profile must still open at its top
        page.wait_for_timeout(300)
        x, y = project(page, inside.x, inside.y, MAP)
        assert 0 < y < PHONE["height"], y
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        dialog = page.locator('[data-testid="stDialog"]')
        try:
            dialog.get_by_role("button", name=re.compile("Profil öffnen")).wait_for(timeout=30_000)
        finally:
            full_screenshot(page, SCREENSHOTS / "views_karte_tap_390.png")
        assert name in dialog.inner_text() and "/Karte" in page.url  # the tap asks, it does not leave
        dialog.get_by_role("button", name=re.compile("Profil öffnen")).click()
        page.wait_for_url(re.compile(rf"/Gemeindeprofil\?(.*&)?ars={ars}(&|$)"))
        page.get_by_role("heading", name=name, exact=True).wait_for()
        wait_ready(page)
        scrolled = page.evaluate("""() => Math.max(window.scrollY, ...Array.from(document.querySelectorAll(
            '[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"], section.main'))
            .map((e) => e.scrollTop))""")
        full_screenshot(page, SCREENSHOTS / "views_profil_nach_tap_390.png")
        assert scrolled <= 5, f"the profile opened scrolled down by {scrolled} px"
        assert exceptions(page) == []
    finally:
        context.close()
