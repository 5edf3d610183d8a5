"""Issue 14 on the pages, with the real build: broadband (Breitbandatlas) on Karte, Rangliste and Gemeindeprofil,
a municipality formed by a merger since 2021 shown as "keine Daten" with its note, real data first on Start and
Karte, real-or-demo per value in the Karte and Rangliste tables, and every page on a build without demo data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest
from app_support import open_page, table

from app import data
from core.measures import measure

MISSING_TEXT = "–"  # a text cell without a value (app/ui/tables: the grid would write 'None')

if TYPE_CHECKING:
    from etl.build import BuildReport

BROADBAND = "Breitbandatlas, Bundesnetzagentur (Stand Mitte 2021)"  # the attribution the issue asks for

PAGES = [None, "pages/1_Karte.py", "pages/2_Rangliste.py", "pages/3_Gemeindeprofil.py", "pages/4_Foerderung.py",
         "pages/5_Digitales_Amt.py", "pages/6_Daten.py"]
GIGABIT = measure("households_gigabit").column


def texts(at: object) -> list[str]:
    """Every text a page shows: markdown, captions, notes, metrics (label and value), headers, table cells."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        if isinstance(frame.value, pd.DataFrame):
            out += [str(v) for col in frame.value.columns for v in frame.value[col].tolist()]
    return [re.sub(r"\\(.)", r"\1", t) for t in out]  # markdown escapes (app.ui.markdown.md) undone


def demo_flags(at: object) -> list[bool]:
    """The cells of every per-row demo column ("Demodaten": yes/no) the page's tables show."""
    return [bool(v) for f in at.dataframe if isinstance(f.value, pd.DataFrame) and "Demodaten" in f.value.columns
            for v in f.value["Demodaten"].tolist()]


JAHNATAL = "14522275"  # formed on 01.01.2023 from Ostrau and Zschaitz-Ottewig (Landkreis Mittelsachsen)


def merged_municipality(db_path: Path) -> tuple[str, str, str]:
    """Jahnatal, a municipality formed by a merger since mid-2021: key, name, broadband note (from the build)."""
    con = duckdb.connect(str(db_path.resolve()), read_only=True)
    try:
        row = con.execute("""
            SELECT b.ars, r.display_name, b.note FROM broadband b JOIN region r USING (ars)
            WHERE r.ags = $ags AND b.households_gigabit IS NULL AND b.note LIKE '%Zusammenschluss%'""",
                          {"ags": JAHNATAL}).fetchone()
    finally:
        con.close()
    assert row and row[1] == "Jahnatal", row
    return row


def test_karte_opens_on_a_real_measure(app_db: Path) -> None:
    at = open_page("pages/1_Karte.py")
    assert at.selectbox(key="karte_kennzahl").value == "households_gigabit"
    shown = table(at, "Herkunft")
    with_value = shown[shown[GIGABIT].notna()]
    assert len(with_value) > 2000  # the Bavarian municipalities
    assert (with_value["Herkunft"] == f"echt · {BROADBAND}").all()
    assert not any("Demodaten" in t for t in texts(at))


def test_karte_broadband_for_the_laender(app_db: Path) -> None:
    at = open_page("pages/1_Karte.py", ebene="state", land="DE", kennzahl="households_gigabit")
    shown = table(at, "Herkunft").set_index("Schlüssel")
    assert len(shown) == 16 and shown[GIGABIT].notna().all()
    assert shown[GIGABIT].between(20, 100).all() and shown["Rang"].min() == 1
    assert shown.loc["09", "Hinweis"].startswith("nach Einwohnern gewichtet über")
    assert any(BROADBAND in t for t in texts(at)) and any("nach Einwohnern gewichtet" in t for t in texts(at))
    fig = at.get("plotly_chart")[0].proto.spec
    assert "Breitbandatlas" in fig and "Demodaten" not in fig


def test_merged_municipality_keine_daten_with_its_note(app_db: Path, db_path: Path) -> None:
    ars, name, note = merged_municipality(db_path)
    at = open_page("pages/1_Karte.py", ebene="municipality", land=ars[:2], kennzahl="households_gigabit")
    shown = table(at, "Herkunft").set_index("Schlüssel")
    if ars in shown.index:  # the map's boundaries already know the new municipality
        row = shown.loc[ars]
        assert pd.isna(row[GIGABIT]) and pd.isna(row["Rang"]) and row["Hinweis"] == note
        assert row["Herkunft"] == MISSING_TEXT
    # shapes of keys the register no longer has (the merged municipalities of before) carry no value either
    gone = shown[shown["Name"].str.startswith("Gebiet ")]
    assert gone[GIGABIT].isna().all() and (gone["Herkunft"] == MISSING_TEXT).all()
    profile = open_page("pages/3_Gemeindeprofil.py", ars=ars)
    metrics = {m.label: m.value for m in profile.metric}
    assert metrics["Haushalte mit Gigabit"] == "keine Daten", name
    assert any("Zusammenschluss" in w.value for w in profile.warning)


def test_karte_table_marks_each_value_real_or_demo(app_db: Path, build: data.Db) -> None:
    at = open_page("pages/1_Karte.py", ebene="municipality", land="09", kennzahl="total")
    shown = table(at, "Herkunft").set_index("Schlüssel")
    frame = data.map_result(build, "municipality", "total", "09").frame.set_index("ars")
    demo = frame.index[frame["is_demo"] & frame["value"].notna()]
    real = frame.index[~frame["is_demo"] & frame["value"].notna()]
    assert len(demo) and len(real), "Bavaria shows real and demo counts side by side"
    assert (shown.loc[demo, "Herkunft"] == "Demodaten (synthetisch, nicht amtlich)").all()
    assert shown.loc[real, "Herkunft"].str.startswith("echt · ").all()
    assert shown.loc[real, "Herkunft"].str.contains("http").any()  # a press fact names its address


def test_rangliste_marks_each_value_and_ranks_broadband(app_db: Path) -> None:
    at = open_page("pages/2_Rangliste.py", land="09", kennzahl="total")
    shown = table(at, "Herkunft")
    assert shown["Herkunft"].eq("Demodaten (synthetisch, nicht amtlich)").any()
    assert shown["Herkunft"].str.startswith("echt · ").any()
    assert shown["Herkunft"].notna().all()
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    marks = [m for trace in bars for m in trace["hovertext"]]
    assert len(marks) == 20 and all(m.startswith("echt · ") or m.startswith("Demodaten") for m in marks)
    broadband = table(open_page("pages/2_Rangliste.py", land="09", kennzahl="households_gigabit"), "Herkunft")
    label = measure("households_gigabit").label
    assert len(broadband) > 2000 and (broadband["Herkunft"] == f"echt · {BROADBAND}").all()
    assert broadband[label].is_monotonic_decreasing and broadband["Rang"].iloc[0] == 1


def test_start_shows_real_broadband_first_and_the_indices(app_db: Path) -> None:
    at = open_page()
    assert at.subheader[0].value.startswith("Echte Daten für ganz Deutschland: Breitband")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Haushalte mit Gigabit"].endswith(" %")
    assert metrics["Demo · Behörden mit Verfahrensdaten"]  # a headline resting on demo counts says so itself
    assert at.metric[0].label == "Gemeinden"  # the register and the Breitbandatlas come before it
    laender = table(at, "Punkte (0 bis 100)")
    assert len(laender) == 16 and set(laender["Herkunft"]) == {"echt"}
    assert any(s.value.startswith("Smart City Index") for s in at.subheader)


@pytest.fixture
def no_demo(real_build_report: BuildReport) -> BuildReport:
    """A build as DEMO=0 makes it: real sources only."""
    return real_build_report


@pytest.mark.parametrize("page", PAGES, ids=[p or "Start" for p in PAGES])
def test_every_page_on_real_data_only(no_demo: BuildReport, monkeypatch: pytest.MonkeyPatch, page: str | None) -> None:
    monkeypatch.setenv("DIGITALMONITOR_DB", str(no_demo.published))
    params = {"ars": "091620000000"} if page == "pages/3_Gemeindeprofil.py" else {}
    at = open_page(page, **params)
    shown = texts(at)
    assert not [t for t in shown if "Demodaten" in t or "synthetisch" in t or "Demo · " in t]
    assert not any(demo_flags(at))
    if page in (None, "pages/1_Karte.py", "pages/3_Gemeindeprofil.py"):
        assert any(BROADBAND in t for t in shown), "a real measure is on the first view"
