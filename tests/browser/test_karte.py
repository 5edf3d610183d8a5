"""The Karte page in the browser: Bayern's municipality map holds and paints every shape, a click on a
municipality opens its profile, and a copied link restores the same view."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
import shapely

from devtools.browser import (
    OUTLINE_COUNTER_JS,
    SCREENSHOTS,
    Console,
    change_and_rerun,
    coloured_share,
    download_csv,
    exceptions,
    figure_data,
    full_screenshot,
    map_canvas,
    map_stats,
    new_context,
    open_app,
    open_from_map,
    outlines_drawn,
    page_url,
    project,
    reopen,
    runs_finished,
    wait_map_painted,
    wait_ready,
    wait_rerun,
    widget_values,
)

pytestmark = pytest.mark.browser

MAP = ".st-key-karte_map"
# URL parameters of the Karte page (pages/1_Karte.py, state.Param names)
BAYERN = {"ebene": "municipality", "land": "09"}
WIDGETS = ("karte_ebene", "karte_kennzahl", "karte_land", "karte_einteilung", "karte_klassen")


@pytest.fixture(scope="module")
def bayern(browser: Any, app_url: str) -> Iterator[tuple[Any, Console]]:
    """One load of the Bayern municipality map, shared by the map and the click test."""
    context = new_context(browser)
    page = context.new_page()
    console = Console()
    console.attach(page)
    open_app(page, page_url(app_url, "Karte", BAYERN))
    wait_map_painted(page, MAP)
    try:
        yield page, console
    finally:
        context.close()


def test_bayern_map_shows_and_paints_every_municipality(bayern: tuple[Any, Console],
                                                        con: duckdb.DuckDBPyConnection) -> None:
    page, console = bayern
    shapes = {r[0] for r in con.execute(
        "SELECT DISTINCT ars FROM region_shape WHERE level = 'municipality' AND starts_with(ars, '09')").fetchall()}
    register = {r[0] for r in con.execute(
        "SELECT ars FROM region WHERE level = 'municipality' AND state_ars = '09' AND has_shape").fetchall()}
    assert len(register) > 2000  # Gemeinden and gemeindefreie Gebiete of Bayern in the register

    traces = figure_data(page, MAP)
    locations = [loc for t in traces if t["type"] == "choropleth" for loc in t["locations"]]
    assert len(locations) == len(set(locations)), "a region is drawn by two traces"
    assert set(locations) == shapes
    assert register <= set(locations), f"missing from the map: {sorted(register - set(locations))[:10]}"

    stats = map_stats(page, MAP)
    assert stats["locations"] == len(shapes)
    assert stats["with_value"] == len(shapes), "every shape gets a colour or the grey 'keine Daten'"
    assert stats["rendered_features"] == len(shapes), "the browser drew fewer polygons than the figure holds"

    png = map_canvas(page, MAP).screenshot(path=str(SCREENSHOTS / "Karte_Bayern_canvas.png"))
    coloured, painted = coloured_share(png)
    # Bayern fills about 40 % of the fitted canvas; grey 'keine Daten' counts as painted, not coloured
    assert coloured > 0.25, f"only {coloured:.1%} of the map canvas is coloured"
    assert painted > 0.30
    full_screenshot(page, SCREENSHOTS / "Karte_Bayern.png", MAP)
    assert exceptions(page) == []
    assert console.errors == []


@pytest.mark.parametrize(("path", "params", "root"), [("Karte", BAYERN, MAP), ("", {}, None)],
                         ids=["Karte Bayern", "Start"])
def test_a_map_draws_each_region_once(browser: Any, app_url: str, path: str, params: dict[str, str],
                                      root: str | None) -> None:
    """plotly.js draws the regions once per load. With Streamlit's chart theme (a template object Streamlit
    copies once more after the first drawing) or without a datarevision (copied arrays count as new data) it drew
    every region a second time, 0.1-0.15 s later (app/figures/layout.map_layout)."""
    context = new_context(browser)
    context.add_init_script(OUTLINE_COUNTER_JS)
    page = context.new_page()
    try:
        open_app(page, page_url(app_url, path, params))
        wait_map_painted(page, root)
        page.wait_for_timeout(1500)  # a second drawing came within 0.2 s of the first
        paths = map_stats(page, root)["rendered_features"]
        assert paths > 2000
        assert outlines_drawn(page) == paths, "plotly.js drew the regions more than once"
        assert exceptions(page) == []
    finally:
        context.close()


TRANSLATE_JS = "() => document.querySelector('.st-key-karte_map .js-plotly-plot')._fullLayout.geo._subplot" \
               ".projection.translate()"


def test_dragging_the_map_moves_it_and_stays_on_the_karte(bayern: tuple[Any, Console]) -> None:
    page, console = bayern
    before = page.evaluate(TRANSLATE_JS)
    runs = runs_finished(page)
    x, y = project(page, 11.0, 49.5, MAP)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 60, steps=8)
    page.mouse.up()
    after = page.evaluate(TRANSLATE_JS)
    assert after != before, "the drag did not move the map"
    # plotly reports the end of the drag as a click on the region under the pointer: the page asks, it stays
    wait_rerun(page, runs)
    dialog = page.locator('[data-testid="stDialog"]')
    assert "/Karte" in page.url and dialog.get_by_role("button", name="Profil öffnen").is_visible()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert "/Karte" in page.url and exceptions(page) == [] and console.errors == []
    page.reload()  # the map as it opens, for the next test
    wait_ready(page)
    wait_map_painted(page, MAP)


def test_the_laender_map_stays_still_on_a_drag_and_shows_the_kreise_where_it_ends(browser: Any,
                                                                                 app_url: str) -> None:
    """A drag on the Länder map moves nothing; like a click, its end shows the Kreise of the Land under the
    pointer (the browser reports a press and release on the map as a click)."""
    context = new_context(browser)
    page = context.new_page()
    try:
        open_app(page, page_url(app_url, "Karte", {"ebene": "state", "land": "DE"}))
        wait_map_painted(page, MAP)
        before = page.evaluate(TRANSLATE_JS)
        (x0, y0), (x1, y1) = project(page, 9.0, 50.6, MAP), project(page, 11.5, 48.8, MAP)  # Hessen -> Bayern
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move(x1, y1, steps=8)
        assert page.evaluate(TRANSLATE_JS) == before, "the Länder map moved with the drag"
        runs = runs_finished(page)
        page.mouse.up()
        wait_rerun(page, runs)
        assert "ebene=district" in page.url and "land=09" in page.url
        assert exceptions(page) == []
    finally:
        context.close()


def test_click_on_a_municipality_opens_its_profile(bayern: tuple[Any, Console],
                                                   con: duckdb.DuckDBPyConnection) -> None:
    page, console = bayern
    # the largest municipality of Bayern: easy to hit, and its name is unique
    ars, name = con.execute("""
        SELECT ars, display_name FROM region
        WHERE level = 'municipality' AND state_ars = '09' AND is_municipality AND has_shape
        ORDER BY area_km2 DESC LIMIT 1""").fetchone()
    shapes = json.loads(con.execute("SELECT content FROM shape_file WHERE level = 'municipality'").fetchone()[0])
    feature = next(f for f in shapes["features"] if f["properties"]["ars"] == ars)
    inside = shapely.geometry.shape(feature["geometry"]).representative_point()  # always inside the polygon

    wait_map_painted(page, MAP)
    x, y = project(page, inside.x, inside.y, MAP)
    open_from_map(page, x, y)

    page.wait_for_url(re.compile(rf"/Gemeindeprofil\?(.*&)?ars={ars}(&|$)"))
    page.get_by_role("heading", name=name, exact=True).wait_for()
    wait_ready(page)
    full_screenshot(page, SCREENSHOTS / "Gemeindeprofil_nach_Klick.png")
    assert exceptions(page) == []
    assert console.errors == []


def test_karte_link_restores_the_view(browser: Any, app_url: str, page: Any, console: Console,
                                      con: duckdb.DuckDBPyConnection) -> None:
    open_app(page, page_url(app_url, "Karte"))
    wait_map_painted(page, MAP)
    change_and_rerun(page, "karte_ebene", "Kreise")
    change_and_rerun(page, "karte_land", "Baden-Württemberg")
    change_and_rerun(page, "karte_einteilung", "Gleiche Abstände")
    change_and_rerun(page, "karte_klassen", "4")
    wait_map_painted(page, MAP)
    link = page.url
    assert "land=08" in link and "ebene=district" in link
    shown = " ".join(widget_values(page, WIDGETS).values())
    assert all(text in shown for text in ("Kreise", "Baden-Württemberg", "Gleiche Abstände", "| 4"))
    view = widget_values(page, WIDGETS), figure_data(page, MAP), download_csv(page, "dl-karte-csv")
    districts = con.execute("""SELECT count(DISTINCT ars) FROM region_shape
                               WHERE level = 'district' AND starts_with(ars, '08')""").fetchone()[0]
    shapes = [t for t in view[1] if t["type"] == "choropleth"]  # the legend entries hold no locations
    assert sum(len(t["locations"]) for t in shapes) == districts  # Stadt- and Landkreise of Baden-Württemberg

    def capture(fresh: Any) -> tuple[Any, ...]:
        wait_map_painted(fresh, MAP)
        return widget_values(fresh, WIDGETS), figure_data(fresh, MAP), download_csv(fresh, "dl-karte-csv")

    restored = reopen(browser, link, capture)
    assert restored[0] == view[0]
    assert restored[1] == view[1]
    assert restored[2] == view[2]
    assert console.errors == []
