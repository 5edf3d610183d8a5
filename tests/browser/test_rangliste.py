"""The Rangliste page in the browser: a copied link restores the same filters, chart and table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devtools.browser import (
    SCREENSHOTS,
    Console,
    change_and_rerun,
    download_csv,
    exceptions,
    figure_data,
    full_screenshot,
    open_app,
    page_url,
    reopen,
    widget_values,
)

pytestmark = pytest.mark.browser

CHART = ".st-key-rang_chart"
WIDGETS = ("rang_land", "rang_kreis", "rang_groesse", "rang_typ", "rang_kennzahl", "rang_gemeinde")
SIZE = "5.000 bis unter 20.000"
MEASURE = "total_per_10k"


def test_rangliste_link_restores_the_view(browser: Any, app_url: str, page: Any, console: Console,
                                          app_db: Path) -> None:
    from app.data import rankings, registry
    from core.measures import measure

    build = registry.current()
    ranked = rankings.rankings(build, MEASURE, "09", size_class=SIZE)
    assert len(ranked) > 10
    mine = ranked.iloc[len(ranked) // 2]  # someone in the middle: highlighted in the table, not in the top ten
    mine_label = f"{mine['name']} ({mine['authority_type']})"

    open_app(page, page_url(app_url, "Rangliste"))
    change_and_rerun(page, "rang_groesse", SIZE)
    change_and_rerun(page, "rang_kennzahl", measure(MEASURE).label)
    change_and_rerun(page, "rang_gemeinde", mine_label, search=str(mine["name"]))
    link = page.url
    assert f"gemeinde={mine['ars']}" in link and f"kennzahl={MEASURE}" in link
    shown = widget_values(page, WIDGETS)
    assert SIZE in shown["rang_groesse"] and mine_label in shown["rang_gemeinde"]
    view = shown, figure_data(page, CHART), download_csv(page, "dl-rangliste-csv")
    assert view[1], "no chart"
    full_screenshot(page, SCREENSHOTS / "Rangliste_gefiltert.png")

    restored = reopen(browser, link, lambda fresh: (
        widget_values(fresh, WIDGETS), figure_data(fresh, CHART), download_csv(fresh, "dl-rangliste-csv")))
    assert restored[0] == view[0]
    assert restored[1] == view[1]
    assert restored[2] == view[2]
    assert exceptions(page) == [] and console.errors == []
