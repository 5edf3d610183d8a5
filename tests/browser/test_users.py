"""Issue 15 in the browser, as the users meet it: a forgiving search with our own German result list, names that
tell regions apart, a German answer to an unknown key, the chosen town kept across pages, and every button,
metric and heading readable at 1400 px and on a phone (390 px) without sideways scrolling.
Screenshots go to tests/screenshots/users_*.png for review."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.browser import (
    SCREENSHOTS,
    Console,
    exceptions,
    full_screenshot,
    new_context,
    open_app,
    open_from_map,
    page_url,
    widget_values,
)
from devtools.browser.chromium import runs_finished, wait_rerun
from devtools.browser.readable import cut_texts, horizontal_overflow

pytestmark = pytest.mark.browser

TOWN = "096730141141"  # Bad Königshofen i.Grabfeld
TOWN_NAME = "Bad Königshofen i.Grabfeld"
ENGLISH = ("No results", "Choose an option", "Page not found", "Running the app's main page", "None")
PHONE = {"width": 390, "height": 844}
SEARCH = ".st-key-profil_suche input"
READ_PAGES = [("", {}), ("Karte", {}), ("Rangliste", {"gemeinde": TOWN}), ("Gemeindeprofil", {"ars": TOWN}),
              ("Foerderung", {}), ("Digitales_Amt", {}), ("Daten", {})]


def _search(page: Any, text: str) -> None:
    before = runs_finished(page)
    box = page.locator(SEARCH).first
    box.fill(text)
    box.press("Enter")
    wait_rerun(page, before)


def _header(page: Any) -> str:
    heads = page.locator('[data-testid="stHeading"] h2')
    return heads.first.inner_text().strip() if heads.count() else ""


def _main_text(page: Any) -> str:
    return str(page.locator('[data-testid="stMain"]').inner_text())


def test_search_forgives_spelling_and_a_failed_search_closes_the_profile(app_url: str, page: Any,
                                                                          console: Console) -> None:
    open_app(page, page_url(app_url, "Gemeindeprofil"))
    for typed, expected in (("Bad Koenigshofen", TOWN_NAME), ("Nurnberg", "Nürnberg"), ("muenchen", "München, Stadt"),
                            ("97631", TOWN_NAME), ("09673141", TOWN_NAME)):
        _search(page, typed)
        assert _header(page) == expected, typed
    results = page.locator('.st-key-profil_treffer button')
    assert results.count() >= 1 and TOWN_NAME in results.first.inner_text()
    full_screenshot(page, SCREENSHOTS / "users_search_hits.png")

    _search(page, "Nurnberg")
    assert _header(page) == "Nürnberg"
    _search(page, "Qwxyzburg")
    text = _main_text(page)
    assert "Keine Treffer für „Qwxyzburg“" in text
    assert _header(page) == "", "the previous profile still stands under the failed search"
    assert "ars=" not in page.url
    assert not any(word in text for word in ENGLISH)
    full_screenshot(page, SCREENSHOTS / "users_search_none.png")

    # a click on a result opens that one and closes the list
    _search(page, "Neustadt")
    pick = page.locator('.st-key-profil_treffer button').nth(2)
    label = pick.inner_text().strip()
    before = runs_finished(page)
    pick.click()
    wait_rerun(page, before)
    assert label.startswith(_header(page) + " · ")
    assert page.locator('.st-key-profil_treffer').count() == 0
    assert exceptions(page) == [] and console.errors == []


def test_names_unknown_keys_and_the_town_kept_across_pages(app_url: str, page: Any, console: Console) -> None:
    open_app(page, page_url(app_url, "Gemeindeprofil", {"ars": "099999999999"}))
    assert "Schlüssel 099999999999 nicht gefunden" in _main_text(page)
    open_app(page, page_url(app_url, "Gemeindeprofil", {"ars": "09184"}))
    assert _header(page) == "München, Landkreis"
    open_app(page, page_url(app_url, "Gemeindeprofil", {"ars": "09162"}))
    assert _header(page) == "München, Stadt"

    open_app(page, page_url(app_url, "Gemeindeprofil", {"ars": TOWN}))
    assert _header(page) == TOWN_NAME
    for name in ("Karte", "Gemeindeprofil"):  # away by the menu and back by the menu: the town is still there
        before = runs_finished(page)
        page.locator('[data-testid="stSidebarNav"] a', has_text=name).first.click()
        wait_rerun(page, before)
    assert _header(page) == TOWN_NAME and f"ars={TOWN}" in page.url
    before = runs_finished(page)  # the Rangliste takes the town chosen in the profile, with its Land
    page.locator('[data-testid="stSidebarNav"] a', has_text="Rangliste").first.click()
    wait_rerun(page, before)
    assert f"gemeinde={TOWN}" in page.url and "land=09" in page.url
    assert TOWN_NAME in widget_values(page, ["rang_gemeinde"])["rang_gemeinde"]
    # the grid's own toolbar offers search and full screen, but no file without source and licence
    page.locator('[data-testid="stDataFrame"]').first.hover()
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    toolbar.wait_for(state="visible")
    labels = [b.get_attribute("aria-label") or "" for b in toolbar.locator("button").all()]
    assert labels and not any("Download" in label or "CSV" in label for label in labels), labels
    assert exceptions(page) == [] and console.errors == []


@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 1000}, PHONE], ids=["1400px", "390px"])
def test_every_label_is_readable_and_the_page_never_scrolls_sideways(app_url: str, browser: Any,
                                                                      viewport: dict[str, int]) -> None:
    context = new_context(browser, viewport=viewport)
    problems: dict[str, object] = {}
    try:
        tab = context.new_page()
        for name, query in READ_PAGES:
            open_app(tab, page_url(app_url, name, query) if name else app_url + "/")
            label = name or "Start"
            full_screenshot(tab, SCREENSHOTS / f"users_{label}_{viewport['width']}.png")
            cut = cut_texts(tab)
            if cut:
                problems[f"{label}: cut"] = [(c["text"], c["scrollWidth"], c["clientWidth"]) for c in cut]
            overflow = horizontal_overflow(tab)
            if overflow:
                problems[f"{label}: scrolls sideways by"] = overflow
            english = [w for w in ENGLISH if w in _main_text(tab)]
            if english:
                problems[f"{label}: English"] = english
    finally:
        context.close()
    assert problems == {}


def test_browser_back_from_a_profile_returns_to_the_karte_as_it_was(app_url: str, page: Any, console: Console,
                                                                   con: Any) -> None:
    """Karte on a measure that is not the default, a click into a profile, then the browser's Back button: the
    Karte comes back with the same measure and Land, in its URL and in its selectboxes (issue 15 point 7)."""
    import re

    import shapely

    from devtools.browser import project, wait_map_painted, wait_ready

    ars, name = con.execute("""
        SELECT ars, display_name FROM region
        WHERE level = 'municipality' AND state_ars = '09' AND is_municipality AND has_shape
        ORDER BY area_km2 DESC LIMIT 1""").fetchone()
    shapes = json.loads(con.execute("SELECT content FROM shape_file WHERE level = 'municipality'").fetchone()[0])
    inside = shapely.geometry.shape(next(f for f in shapes["features"] if f["properties"]["ars"] == ars)
                                    ["geometry"]).representative_point()
    open_app(page, page_url(app_url, "Karte", {"kennzahl": "population", "land": "09", "klassen": "4"}))
    wait_map_painted(page, ".st-key-karte_map")
    x, y = project(page, inside.x, inside.y, ".st-key-karte_map")
    open_from_map(page, x, y)
    page.wait_for_url(re.compile(rf"/Gemeindeprofil\?(.*&)?ars={ars}(&|$)"))
    page.get_by_role("heading", name=name, exact=True).wait_for()
    wait_ready(page)

    page.go_back()
    page.wait_for_url(re.compile(r"/Karte\?"))
    wait_ready(page)
    wait_map_painted(page, ".st-key-karte_map")
    assert "kennzahl=population" in page.url and "land=09" in page.url and "klassen=4" in page.url, page.url
    shown = widget_values(page, ["karte_kennzahl", "karte_land", "karte_klassen"])
    assert "Einwohner" in shown["karte_kennzahl"] and "Bayern" in shown["karte_land"], shown
    assert shown["karte_klassen"].endswith("| 4"), shown
    assert page.locator('[data-testid="stAlert"]').count() == 0  # the profile's ars=… is no bad link of the Karte
    full_screenshot(page, SCREENSHOTS / "users_karte_nach_zurueck.png")
    assert exceptions(page) == [] and console.errors == []
