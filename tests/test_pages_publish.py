"""The publish pages (Förderung, Digitales Amt, Daten) in Streamlit's AppTest on the session build: they run
without exception, show the demo banner exactly when demo values are shown, show the numbers the database
holds, and their download buttons produce files with the rows of the filtered view."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from app_support import ok, run, unwrap_excel_keys
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app import data as appdb
from app import exports
from app.exports.headers import machine_names
from app.formatting import number
from app.ui.markdown import md
from etl.build import BuildReport

PAGES = ("pages/4_Foerderung.py", "pages/5_Digitales_Amt.py", "pages/6_Daten.py")


def banner_shown(at: AppTest) -> bool:
    return any(w.value == exports.DEMO_LABEL for w in at.warning)


def url_value(at: AppTest, name: str) -> str | None:
    """The page's URL parameter after the run (one value)."""
    value = at.query_params.get(name)
    return value[-1] if isinstance(value, list) else value


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


@pytest.fixture
def clicks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], bytes]]:
    """The deferred downloads the pages register, by file name: calling one is clicking its button."""
    seen: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def record(self: MediaFileManager, data_callable: Callable[[], bytes], mimetype: str | None, coordinates: str,
               file_name: str | None = None, **kwargs: object) -> str:
        if file_name:
            seen[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


def csv_excel(data: bytes) -> pd.DataFrame:
    """A CSV for Excel read back (its German headers mapped back to machine names), its ="0916…" key cells
    unwrapped to the plain key."""
    read = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}
    headers = list(pd.read_csv(io.BytesIO(data), nrows=0, **read).columns)
    names = machine_names(headers)
    back = pd.read_csv(io.BytesIO(data), dtype={h: str for h, n in zip(headers, names, strict=True)
                                                if exports.is_key_column(n)}, **read)
    back = back.set_axis(names, axis=1)
    return unwrap_excel_keys(back)


def walk(node: object) -> Iterator[list]:
    """Every block of an AppTest tree as the ordered list of its children."""
    children = getattr(node, "children", None)
    if children:
        ordered = [children[k] for k in sorted(children)]
        yield ordered
        for child in ordered:
            yield from walk(child)


def tables_without_source(at: AppTest) -> list[str]:
    """Tables (st.dataframe) not followed by a "Quelle: …" caption before the next table of their block."""
    missing = []
    for block in walk(at.main):
        for i, node in enumerate(block):
            if node.type != "dataframe":
                continue
            after = []
            for later in block[i + 1:]:
                if later.type == "dataframe":
                    break
                after.append(later)
            if not any(n.type == "caption" and n.value.startswith("Quelle: ") for n in after):
                missing.append(", ".join(str(c) for c in node.value.columns[:3]))
    return missing


def click(clicks: dict[str, Callable[[], bytes]], prov: exports.Provenance, name: str, fmt: str,
          at: AppTest | None = None, key: str | None = None) -> bytes:
    """The file of a download; a format other than the shown one is first chosen in the download's format
    selector (`dlfmt-<key>`, one selector and one button per download) of the page `at`."""
    if at is not None and key is not None:
        at.selectbox(key=f"dlfmt-{key}").set_value(fmt)
        ok(at.run())
    fname = exports.download_name(name, prov, fmt) if fmt in exports.FORMATS else exports.file_name(name, prov, fmt)
    assert fname in clicks, f"no download {fname}; offered: {sorted(clicks)}"
    return clicks[fname]()


# ------------------------------------------------------------------------------------------- every page

@pytest.mark.parametrize("page", PAGES)
def test_page_runs_and_shows_the_demo_banner(build: appdb.Db, page: str) -> None:
    demo_sources = appdb.query(build, "SELECT count(*) AS n FROM source WHERE is_demo")["n"].iloc[0]
    assert demo_sources > 0, "the session build is a demo build"
    at = ok(run(page))
    assert banner_shown(at)
    assert at.title[0].value in ("Förderung", "Digitales Amt", "Daten")


@pytest.fixture
def real_build(real_build_report: BuildReport) -> BuildReport:
    """A build without demo data (reference facts only)."""
    return real_build_report


@pytest.mark.parametrize("page", PAGES)
def test_no_demo_banner_without_demo_data(real_build: BuildReport, monkeypatch: pytest.MonkeyPatch,
                                          page: str) -> None:
    monkeypatch.setenv("DIGITALMONITOR_DB", str(real_build.published))
    at = ok(run(page))
    assert not banner_shown(at)


# ------------------------------------------------------------------------------------------- Förderung

def test_foerderung_shows_programmes_totals_and_digital_aufs_amt(build: appdb.Db, prov: exports.Provenance,
                                                                 clicks: dict) -> None:
    at = ok(run("pages/4_Foerderung.py"))
    programs = appdb.programs(build)
    text = markdown(at)
    for name in programs["name"]:
        assert f"#### {name}" in text
    dra = programs[programs["program_id"] == "digital_aufs_amt"].iloc[0]
    assert number(dra["budget_eur"]) + " €" in text  # 400.000 €
    assert "15.12.2025" in text
    assert "Eine Liste der Empfänger ist nicht veröffentlicht" in text

    pid = at.selectbox(key="foerd_programm").value
    grants = appdb.grants(build, pid)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Bescheide"] == number(len(grants))
    assert metrics["davon echte Bescheide"] == number(int((~grants["is_demo"]).sum()))

    # the grants table download holds the grants of the programme, with their sources
    back = csv_excel(click(clicks, prov, f"foerderbescheide_{pid}", "csv_excel"))
    assert sorted(back["grant_id"]) == sorted(grants["grant_id"])
    assert {"source_id", "attribution", "licence", "is_demo"} <= set(back.columns)
    # the district totals add up to the grants with a district
    totals = csv_excel(click(clicks, prov, f"foerderung_{pid}_kreise", "csv_excel"))
    with_district = grants[grants["district_ars"].notna()]
    assert totals["grants"].sum() == len(with_district)
    assert totals["amount_eur"].sum() == pytest.approx(with_district["amount_eur"].sum())
    assert totals["attribution"].str.contains("Destatis").all()  # population per district


@pytest.mark.parametrize("measure", ["amount_eur", "grants", "eur_per_inhabitant"])
def test_foerderung_map_measures_from_the_url(app_db: Path, measure: str) -> None:
    at = ok(run("pages/4_Foerderung.py", mass=measure))
    assert at.radio(key="foerd_mass").value == measure
    assert url_value(at, "mass") == measure


def test_foerderung_district_filter_limits_the_download(build: appdb.Db, prov: exports.Provenance,
                                                        clicks: dict) -> None:
    at = ok(run("pages/4_Foerderung.py"))
    pid = at.selectbox(key="foerd_programm").value
    grants = appdb.grants(build, pid)
    district = grants["district_ars"].value_counts().index[0]
    at.selectbox(key="foerd_kreis").set_value(district)
    ok(at.run())
    assert url_value(at, "kreis") == district  # the link keeps the filter
    back = csv_excel(click(clicks, prov, f"foerderbescheide_{pid}_{district}", "csv_excel"))
    assert sorted(back["grant_id"]) == sorted(grants[grants["district_ars"] == district]["grant_id"])


HOSTILE = " *fett* [Klick](https://x.example) <b>x</b>"


@pytest.fixture
def hostile_db(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session build whose programme name and map attribution carry markdown."""
    copy = tmp_path / "hostile.duckdb"
    shutil.copyfile(db_path.resolve(), copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("UPDATE program SET name = name || $x WHERE kind = 'funding'", {"x": HOSTILE})
        con.execute("UPDATE shape_file SET attribution = attribution || $x", {"x": HOSTILE})
    finally:
        con.close()
    monkeypatch.setenv("DIGITALMONITOR_DB", str(copy))
    return copy


def test_foerderung_shows_names_and_sources_as_text(hostile_db: Path) -> None:
    """Programme names and attributions are data: shown escaped, never as markdown links or emphasis."""
    at = ok(run("pages/4_Foerderung.py"))
    build = appdb.current()
    pid = at.selectbox(key="foerd_programm").value
    name = appdb.programs(build).set_index("program_id").loc[pid, "name"]
    assert name.endswith(HOSTILE)
    assert f"Bescheide: {md(name)}" in [s.value for s in at.subheader]
    shape_attr = appdb.shape_attribution(build, "district")
    captions = [c.value for c in at.caption]
    assert any(md(shape_attr) in c for c in captions)  # the map caption names the map source, escaped
    shown = [*captions, *(m.value for m in at.markdown), *(s.value for s in at.subheader)]
    assert not [t for t in shown if "[Klick](" in t or "*fett*" in t]


# ------------------------------------------------------------------------------------------- Digitales Amt

def test_digitales_amt_counts_match_the_database(build: appdb.Db) -> None:
    at = ok(run("pages/5_Digitales_Amt.py"))
    # each authority once: a member whose VG is its Digitales-Amt authority is counted at the VG
    status = appdb.query(build, "SELECT status, count(*) AS n FROM v_digitales_amt WHERE NOT via_association "
                                "GROUP BY status")
    expected = dict(zip(status["status"], status["n"], strict=True))
    metrics = {m.label: m.value for m in at.metric}
    for label in ("zertifiziert", "berechtigt, nicht zertifiziert", "noch nicht", "keine Daten"):
        assert metrics[label] == number(expected.get(label, 0)), label
    undated = appdb.awards(build)["awarded_on"].isna().sum()
    assert metrics["ausgezeichnet ohne bekanntes Datum"] == number(int(undated))
    captions = " ".join(c.value for c in at.caption)
    assert f"{number(int(undated))} Auszeichnungen ohne bekanntes Datum" in captions


def test_digitales_amt_filter_and_threshold_distance(build: appdb.Db, prov: exports.Provenance,
                                                     clicks: dict) -> None:
    at = ok(run("pages/5_Digitales_Amt.py", bezirk="096", fehlen="3"))
    assert at.selectbox(key="da_bezirk").value == "096"
    assert at.slider(key="da_fehlen").value == 3
    frame = appdb.digitales_amt.digitales_amt(build)
    area = frame[(frame["gov_district_ars"] == "096") | (frame["ars"] == "096")]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["zertifiziert"] == number(int((area["status"] == "zertifiziert").sum()))

    close = area[(area["status"] == "noch nicht") & area["distance"].between(1, 3)]
    assert f"**{number(len(close))} Behörden** fehlen höchstens 3 Verfahren" in markdown(at)
    back = csv_excel(click(clicks, prov, "digitales_amt_hoechstens_3_fehlen", "csv_excel"))
    assert sorted(back["ars"]) == sorted(close["ars"])
    assert back["distance"].between(1, 3).all()

    eligible = csv_excel(click(clicks, prov, "digitales_amt_berechtigt_nicht_zertifiziert", "csv_excel"))
    assert sorted(eligible["ars"]) == sorted(area[area["eligible_not_certified"].fillna(False)]["ars"])
    assert eligible["source_id"].str.len().gt(0).all()


def test_digitales_amt_lists_count_vg_members_at_their_vg(build: appdb.Db, prov: exports.Provenance,
                                                          clicks: dict) -> None:
    """Members of a VG (Kirchweidach 091715102122 and VG Dormitz' members among them) appear in neither list;
    the page, the Start page headline and the view count the same authorities."""
    at = ok(run("pages/5_Digitales_Amt.py", fehlen="20"))
    members = set(appdb.query(build, "SELECT ars FROM v_digitales_amt WHERE via_association")["ars"])
    assert {"091715102122", "094745426119", "094745426137", "094745426144"} <= members
    eligible = pd.read_parquet(io.BytesIO(click(clicks, prov, "digitales_amt_berechtigt_nicht_zertifiziert",
                                                 "parquet", at, "eligible")))
    close = pd.read_parquet(io.BytesIO(click(clicks, prov, "digitales_amt_hoechstens_20_fehlen", "parquet", at,
                                              "close")))
    listed = set(eligible["ars"]) | set(close["ars"])
    assert len(listed) > 100 and all(len(a) in (3, 5, 9, 12) for a in listed)  # keys as stored
    assert not members & listed
    head = appdb.headline(build)
    assert len(eligible) == head["eligible_not_certified"] > 100
    assert f"{number(len(eligible))} Behörden erreichen die Schwelle" in " ".join(c.value for c in at.caption)
    certified = {m.label: m.value for m in at.metric}["zertifiziert"]
    assert certified == number(int(head["certified"]))
    # the member's profile facts say where the certificate comes from
    demo_member = str(appdb.query(build, "SELECT min(ars) AS ars FROM v_digitales_amt "
                                         "WHERE certified_via_association AND is_demo")["ars"][0])
    facts = appdb.authority_facts(build, [demo_member, "094745426137"]).set_index("ars")
    assert facts.loc["094745426137", "da_status"] == "zertifiziert (über die VG Dormitz)"
    assert facts.loc[demo_member, "da_status"].startswith("zertifiziert (über die VG")  # a VG with a demo award


@pytest.mark.parametrize("level", ["municipality", "district"])
def test_digitales_amt_map_levels(app_db: Path, level: str, clicks: dict, prov: exports.Provenance) -> None:
    label = {"municipality": "Gemeinden", "district": "Landkreise und kreisfreie Städte"}[level]
    at = ok(run("pages/5_Digitales_Amt.py", ebene=level))
    assert at.radio(key="da_ebene").value == level
    geo = click(clicks, prov, f"digitales_amt_karte_{label}", "geojson", at, "status-map")
    import geopandas as gpd

    gdf = gpd.read_file(io.BytesIO(geo))
    assert len(gdf) > 0 and gdf.geometry.notna().mean() > 0.9
    assert {"source_id", "attribution", "is_demo", "status"} <= set(gdf.columns)


# ------------------------------------------------------------------------------------------- Daten

def test_daten_offers_every_table_and_the_full_zip(build: appdb.Db, prov: exports.Provenance, clicks: dict) -> None:
    at = ok(run("pages/6_Daten.py"))
    options = at.selectbox(key="daten_tabelle").options
    assert len(options) == len(appdb.downloadable(build))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[0].startswith("Gesamtdownload")
    # one format selector and one button per download (issue 16), every format offered
    assert at.selectbox(key="dlfmt-table-region").options == [
        "CSV für Excel", "CSV (UTF-8)", "Excel (XLSX)", "Parquet", "GeoJSON"]
    archive = zipfile.ZipFile(io.BytesIO(click(clicks, prov, "alle_tabellen", "zip")))
    assert "README.txt" in archive.namelist()

    at.selectbox(key="daten_tabelle").set_value("funding_grant")
    ok(at.run())
    data = click(clicks, prov, "funding_grant", "xlsx", at, "table-funding_grant")
    back = pd.read_excel(io.BytesIO(data), sheet_name="Daten")
    assert len(back) == len(appdb.download_table(build, "funding_grant"))


@pytest.mark.parametrize("section", ["Datenwörterbuch", "Quellen und Lizenzen", "Methode", "Build-Protokoll"])
def test_daten_sections(build: appdb.Db, section: str) -> None:
    at = ok(run("pages/6_Daten.py", bereich=section))
    text = markdown(at)
    if section == "Methode":
        assert "50/30-Regel" in text and "Zensus 2022" in text and "Demodaten" in text
    elif section == "Datenwörterbuch":
        shown = at.dataframe[0].value
        assert len(shown) == len(appdb.download_table(build, "data_dictionary"))
    elif section == "Quellen und Lizenzen":
        shown = at.dataframe[0].value
        assert set(appdb.source_table(build)["dataset"]) == set(shown["Datensatz"])
    else:
        shown = at.dataframe[0].value
        assert len(shown) == len(appdb.download_table(build, "load_log"))


def test_daten_shows_years_and_editions_the_german_way(build: appdb.Db) -> None:
    """Years are no thousands (2021, not 2.021); source editions read 30.11.2025, not 2025-11-30."""
    at = ok(run("pages/6_Daten.py", tabelle="v_grants_by_region_year"))
    years = at.dataframe[0].value["year"]  # the values behind the cells, in the page's row order
    assert len(years) == min(len(appdb.download_table(build, "v_grants_by_region_year")), 500)
    assert (years.dropna() > 2000).all() and years.notna().any()
    # no Styler (issue 16: it cost most of a rerun): the year column is a number column shown as %d
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["year"]["type_config"]["format"] == "%d", columns["year"]
    captions = " ".join(c.value for c in at.caption)
    assert '`="091620000000"`' in captions  # the key format of "CSV für Excel" is explained

    at = ok(run("pages/6_Daten.py", bereich="Quellen und Lizenzen"))
    editions = set(at.dataframe[0].value["Stand"])
    assert "30.11.2025" in editions and "01.01.2021" in editions
    assert not [e for e in editions if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(e))]


@pytest.mark.parametrize(("page", "query"), [
    ("pages/4_Foerderung.py", {}),
    ("pages/5_Digitales_Amt.py", {"fehlen": "20"}),
    ("pages/6_Daten.py", {}),
    ("pages/6_Daten.py", {"tabelle": "v_digitales_amt"}),
    ("pages/6_Daten.py", {"bereich": "Datenwörterbuch"}),
    ("pages/6_Daten.py", {"bereich": "Quellen und Lizenzen"}),
    ("pages/6_Daten.py", {"bereich": "Build-Protokoll"}),
])
def test_every_table_has_its_source_line(app_db: Path, page: str, query: dict[str, str]) -> None:
    at = ok(run(page, **query))
    assert len(at.dataframe) > 0
    assert tables_without_source(at) == []
    for caption in at.caption:
        if caption.value.startswith("Quelle: ") and "Demodaten" in caption.value:
            assert exports.DEMO_LABEL in caption.value  # the one label, never another wording


def test_source_lines_follow_the_rows_shown(build: appdb.Db) -> None:
    """Tables of build metadata name the build; Daten zur Grafik of the grant map names register and grants."""
    at = ok(run("pages/6_Daten.py", bereich="Datenwörterbuch"))
    lines = [c.value for c in at.caption if c.value.startswith("Quelle: ")]
    assert lines == ["Quelle: " + md(exports.PROJECT_SOURCE["attribution"])]
    at = ok(run("pages/4_Foerderung.py"))
    lines = [c.value for c in at.caption if c.value.startswith("Quelle: ")]
    assert any(md("© Statistisches Bundesamt (Destatis), 2025") in line for line in lines)
    assert all(md(exports.DEMO_LABEL) in line for line in lines)  # the session build's grants include demo rows


# ------------------------------------------------------------------------------------------- figure builders

def test_awards_over_time_counts_dated_awards_and_marks_milestones(build: appdb.Db) -> None:
    from app.figures.digitales_amt import awards_over_time, cumulative_awards

    awards = appdb.awards(build)
    milestones = appdb.milestones(build, "digitales_amt")
    line = cumulative_awards(awards)
    dated = awards["awarded_on"].notna().sum()
    assert line["cumulative"].iloc[-1] == dated and line["on_date"].is_monotonic_increasing
    fig = awards_over_time(awards, milestones, "Test-Quelle", demo=True)
    marks = [t for t in fig.data if t.mode == "markers+text"]
    assert len(marks) == 1
    assert sorted(marks[0].y) == sorted(milestones.dropna(subset=["on_date", "value"])["value"])
    assert {7, 100, 200, 400} <= {int(v) for v in marks[0].y}
    note = fig.layout.annotations[0].text
    assert exports.DEMO_LABEL in note and "Test-Quelle" in note


def test_status_map_draws_every_region_in_one_trace_and_escapes_names() -> None:
    from map_helpers import legend_entries

    from app.figures.digitales_amt import STATUS_COLOURS, status_map

    frame = pd.DataFrame({"ars": ["091620000000", "095640000000", "097610000000", "093610000000"],
                          "name": ["München", "<b onmouseover=x>Nürnberg</b>", "Augsburg", "Amberg"],
                          "status": ["zertifiziert", "zertifiziert", "noch nicht", None],
                          "total": [152, 241, 12, None], "distance": [0, 0, 38, None]})
    fig = status_map(frame, "app/static/shapes/x.json", (9.0, 47.0, 14.0, 50.0), "Q <script>", demo=False)
    shapes = [t for t in fig.data if t.type == "choropleth"]
    assert len(shapes) == 1 and isinstance(shapes[0].geojson, str)  # one fetch of a URL, never inline GeoJSON
    assert legend_entries(fig) == [("zertifiziert (2)", STATUS_COLOURS["zertifiziert"]),
                                   ("noch nicht (1)", STATUS_COLOURS["noch nicht"]),
                                   ("keine Daten (1)", STATUS_COLOURS["keine Daten"])]
    trace = shapes[0]
    n = len(trace.colorscale) // 2
    colour_of = {z: trace.colorscale[2 * z][1] for z in range(n)}  # stepped: two stops per status
    assert [colour_of[z] for z in trace.z] == [STATUS_COLOURS[s] for s in
                                              ("zertifiziert", "zertifiziert", "noch nicht", "keine Daten")]
    hover = " ".join(trace.text)
    assert "<b onmouseover" not in hover and "&lt;b onmouseover=x&gt;" in hover
    assert "<script>" not in fig.layout.annotations[0].text
    assert "es fehlen 38" in trace.text[2]
