"""AppTest of the federal measures (Open-PVOG) on a real build that holds the hand-written PVOG fixtures fetched from
the local test server (tests/pvog_support.py): Karte per level (a Kreis shows its own snapshot, never a sum),
Rangliste, the profile's history, Themenfeld breakdown and peer-service gap, Daten downloads with source and licence
note; no demo label on federal values. And a build without PVOG data: every page says so instead of values."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from app_support import ok, open_page, run, table
from pvog_support import KOLBERMOOR, ROSENHEIM
from test_pvog_fetch import BAD_AIBLING, NUERNBERG

from app.style import DEMO_LABEL
from core.measures import measure

KARTE, RANG, PROFIL, DATEN = "pages/1_Karte.py", "pages/2_Rangliste.py", "pages/3_Gemeindeprofil.py", "pages/6_Daten.py"
AVAILABLE = measure("pvog_available").column
NO_DATA = "keine Daten des Dashboards Digitale Verwaltung"


@pytest.fixture
def pvog_build(pvog_db_path: Path) -> Path:
    return pvog_db_path


@pytest.fixture
def on_pvog(pvog_build: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DIGITALMONITOR_DB", str(pvog_build))
    yield pvog_build


def _figure_notes(at, key: str) -> list[str]:  # noqa: ANN001 - AppTest
    import json

    charts = [c for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id]
    assert charts, key
    spec = json.loads(charts[0].proto.spec)
    return [a["text"] for a in spec["layout"].get("annotations", []) if "Quelle:" in a.get("text", "")]


def test_karte_municipalities_and_the_kreis_its_own_snapshot(on_pvog: Path) -> None:
    at = open_page(KARTE, ebene="municipality", kennzahl="pvog_available", land="09")
    rows = table(at, "Schlüssel").set_index("Schlüssel")
    assert rows.loc[BAD_AIBLING, AVAILABLE] == 7
    assert rows.loc[BAD_AIBLING, "Hinweis"] == "Abruf 01.07.2026"
    # fetched: Bad Aibling, Kolbermoor, Nürnberg; the other values are the press values of cities (no demo)
    valued = rows[rows[AVAILABLE].notna()]
    fetched = valued["Hinweis"].str.startswith("Abruf ")
    assert sorted(valued.index[fetched]) == sorted([BAD_AIBLING, KOLBERMOOR, NUERNBERG])
    assert (~fetched).sum() > 0 and valued.loc[~fetched, "Hinweis"].str.startswith("Pressewert, Stand ").all()
    notes = _figure_notes(at, "karte_map")
    assert "Dashboard Digitale Verwaltung" in notes[0] and DEMO_LABEL not in notes[0]
    assert not any(DEMO_LABEL in str(w.value) for w in at.warning)
    captions = " ".join(str(c.value) for c in at.caption)
    assert "keine Summe ihrer Gemeinden" in captions and "Verfahren aller Behörden im Gebiet" not in captions
    districts = table(ok(run(KARTE, ebene="district", kennzahl="pvog_available", land="09")), "Schlüssel")
    rosenheim = districts.set_index("Schlüssel").loc[ROSENHEIM]
    # the Landkreis's own export (Führerschein, Kfz + Land + Bund), not the sum of Bad Aibling and Kolbermoor
    assert rosenheim[AVAILABLE] < 7 + 50


def test_rangliste_ranks_the_federal_count_among_peers(on_pvog: Path) -> None:
    at = open_page(RANG, kennzahl="pvog_own", land="09", groesse="5.000 bis unter 20.000")
    rows = table(at, "Rang")
    assert list(rows["Name"])[:2] == ["Kolbermoor", "Bad Aibling"] and list(rows["Rang"])[:2] == [1, 2]
    assert any("hinter dem Digitalen Amt" in str(c.value) for c in at.caption)
    assert not any(DEMO_LABEL in str(w.value) for w in at.warning)


def test_profile_history_topics_and_the_services_peers_offer(on_pvog: Path) -> None:
    at = open_page(PROFIL, ars=BAD_AIBLING)
    assert "Online-Leistungen laut Dashboard Digitale Verwaltung (Bund)" in [s.value for s in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["für Bürger verfügbar"] == "7" and metrics["eigene Leistungen"] == "2"
    assert "Leistungen, die vergleichbare Gemeinden online anbieten und diese nicht" in " ".join(
        str(m.value) for m in at.markdown)
    gap = table(at, "LeiKa-Schlüssel")
    assert len(gap) == 50 and set(gap["Vergleichsgemeinden mit Angebot"]) == {"1 von 1"}
    assert gap["Leistung"].str.startswith("Leistung ").all()
    # Bad Aibling's two fetches carry the same data stand (datenstand_pvog_import): one point in time, no chart
    assert any("Ein Datenstand, daher kein Verlauf" in str(c.value) for c in at.caption)
    nuernberg = open_page(PROFIL, ars=NUERNBERG)  # two fetches (JSON pages, then CSV) and press values
    notes = _figure_notes(nuernberg, "profil_pvog_verlauf")
    assert "Dashboard Digitale Verwaltung" in notes[0] and DEMO_LABEL not in notes[0]
    kolbermoor = table(open_page(PROFIL, ars=KOLBERMOOR), "LeiKa-Schlüssel")
    assert set(kolbermoor["Leistung"]) == {"Hundehaltung anmelden", "Jagdschein, Verlängerung"}


def test_daten_offers_the_pvog_tables_with_source_and_licence_note(on_pvog: Path) -> None:
    at = open_page(DATEN, tabelle="v_pvog_history")
    buttons = [b for b in at.get("download_button") if "table-v_pvog_history" in b.proto.id]
    assert buttons
    from app import data
    from app.data import downloads as tables
    from app.data.provenance import tagged

    result = tables.table(data.current(), "v_pvog_history")
    rows = tagged(result.build, result.frame, result.kinds, None, result.facts, result.by_prefix)
    row = rows[rows["ars"] == BAD_AIBLING].iloc[-1]
    assert row["source_url"].endswith(f"/public/v1/dash/open-pvog/{BAD_AIBLING}/export")  # the test server's
    assert "Abruf 2026-07-01" in row["attribution"] and row["licence"].startswith("nicht angegeben")
    assert not row["is_demo"] and pd.isna(row["demo_note"])
    # the all-tables ZIP holds the federal counts, not the per-service rows (millions of rows for all Germany)
    import zipfile

    from app.ui.downloads import full_zip
    names = zipfile.ZipFile(io.BytesIO(full_zip(data.current()))).namelist()
    assert any("pvog_count" in n for n in names) and not any("pvog_service" in n for n in names)


@pytest.fixture(scope="module")
def no_pvog_build(pvog_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real build with every federal value removed: what a build without PVOG data holds."""
    import duckdb

    copy = tmp_path_factory.mktemp("no_pvog") / "digitalmonitor-nopvog.duckdb"
    shutil.copyfile(pvog_db_path.resolve(), copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM pvog_count; DELETE FROM pvog_available; DELETE FROM pvog_service; "
                "DELETE FROM pvog_count_topic; DELETE FROM pvog_peer_service; DELETE FROM pvog_snapshot; "
                "DELETE FROM metric_pvog_latest; DELETE FROM metric_pvog_map")
    con.close()
    return copy


@pytest.fixture
def without_pvog(no_pvog_build: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIGITALMONITOR_DB", str(no_pvog_build))
    return no_pvog_build


@pytest.mark.parametrize(("page", "params"), [
    (KARTE, {"kennzahl": "pvog_available", "ebene": "district"}),
    (RANG, {"kennzahl": "pvog_available", "land": "09"}),
    (PROFIL, {"ars": BAD_AIBLING}),
    (DATEN, {"tabelle": "pvog_count"}),
])
def test_without_pvog_data_every_page_says_so(without_pvog: Path, page: str, params: dict[str, str]) -> None:
    at = open_page(page, **params)
    assert any(NO_DATA in str(i.value) for i in at.info), [str(i.value) for i in at.info]
