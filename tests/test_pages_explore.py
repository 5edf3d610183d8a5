"""AppTest of the explore pages (Karte, Rangliste, Gemeindeprofil) on the session build with demo data:
no exception, every widget changes the figure or the table, and query parameters restore the view."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from app_support import open_page, table
from map_helpers import class_locations
from streamlit.testing.v1 import AppTest

from app import data as db
from app.figures.layout import STILL
from app.formatting import number
from app.style import DEMO_LABEL
from app.ui.build import NO_BUILD
from app.ui.markdown import md
from core.measures import MEASURES

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
KARTE = "pages/1_Karte.py"
RANGLISTE = "pages/2_Rangliste.py"
PROFIL = "pages/3_Gemeindeprofil.py"
DEMO = "Demodaten — synthetische Werte, nicht amtlich"
MONTH = r"(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}"


def figure(at: AppTest, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.key == key]
    assert charts, f"no chart {key}"
    return json.loads(charts[0].proto.spec)


def map_locations(at: AppTest) -> dict[str, list[str]]:
    """Legend entry -> locations of the Karte map (from the JSON spec: legend entries and the z of the
    one trace that draws the regions)."""
    return class_locations(figure(at, "karte_map"))


def shape_trace(spec: dict) -> dict:
    """The one trace of a map spec that draws the regions (and fetches the GeoJSON)."""
    shapes = [t for t in spec["data"] if t["type"] == "choropleth"]
    assert len(shapes) == 1, "one trace draws every region"
    return shapes[0]


def plain(text: str) -> str:
    """Markdown text without its escapes (names and sources are escaped for st.markdown)."""
    return text.replace("\\", "")


def source_notes(at: AppTest, key: str) -> list[str]:
    """The source lines written into a chart (they stay in a PNG saved from the modebar)."""
    return [a["text"] for a in figure(at, key)["layout"].get("annotations", []) if "Quelle:" in a.get("text", "")]


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}"
    return found[0]


@pytest.fixture(scope="module")
def facts(db_path: Path) -> dict[str, object]:
    """Keys the tests use, read from the session build."""
    con = duckdb.connect(str(db_path.resolve()), read_only=True)
    try:
        def one(sql: str) -> object:
            return con.execute(sql).fetchall()[0][0]
        return {
            "bw_districts": one("SELECT count(*) FROM region_shape WHERE level = 'district' "
                                "AND starts_with(ars, '08')"),
            "by_municipality_shapes": one("SELECT count(*) FROM region_shape WHERE level = 'municipality' "
                                          "AND starts_with(ars, '09')"),
            "by_association_shapes": one("SELECT count(*) FROM region_shape WHERE level = 'association' "
                                         "AND starts_with(ars, '09')"),
            "dormitz": one("SELECT ars FROM region WHERE level = 'municipality' AND display_name = 'Dormitz'"),
            "dormitz_postcode": one("SELECT postcode FROM region WHERE level = 'municipality' "
                                    "AND display_name = 'Dormitz'"),
            "forchheim": one("SELECT ars FROM region WHERE level = 'district' "
                             "AND display_name = 'Forchheim, Landkreis'"),
            "vg_member_inherited": one("SELECT count(*) FROM v_municipality_map WHERE inherited"),
            "peers_forchheim": one("SELECT max(peers) FROM v_ranks WHERE group_kind = 'district' "
                                   "AND group_key = '09474' AND measure = 'total'"),
            "by_authorities": con.execute("SELECT ars FROM v_authority a JOIN v_procedures_latest USING (ars) "
                                          "WHERE a.state_ars = '09' AND a.level = 'municipality' "
                                          "ORDER BY ars LIMIT 5").fetchall(),
        }
    finally:
        con.close()


# --- Karte ---------------------------------------------------------------------------------------------

def test_karte_default_view_paints_bavaria_and_writes_the_url(app_db: Path, facts: dict) -> None:
    at = open_page(KARTE)
    # a newcomer sees a real measure first (issue 14): the Breitbandatlas, not the demo-fed procedure counts
    assert dict(at.query_params) == {"ebene": "municipality", "kennzahl": "households_gigabit", "land": "09",
                                     "einteilung": "quantiles", "klassen": "5"}
    locations = map_locations(at)
    assert sum(len(v) for v in locations.values()) == facts["by_municipality_shapes"]
    assert all(a.startswith("09") for v in locations.values() for a in v)
    assert list(locations)[-1] == "keine Daten" and len(locations) == 6
    spec = figure(at, "karte_map")
    shapes = shape_trace(spec)
    assert isinstance(shapes["geojson"], str) and shapes["geojson"].startswith("app/static/shapes/municipality-")
    assert all("geojson" not in t for t in spec["data"] if t is not shapes)   # the GeoJSON is fetched once
    assert DEMO not in [w.value for w in at.warning]
    captions = plain(" ".join(c.value for c in at.caption))
    assert "GeoBasis-DE" in captions and "Destatis" in captions and "Breitbandatlas" in captions
    assert "Haushalte mit Gigabit (≥ 1.000 Mbit/s, alle Technologien) (%)" in table(at, "Name").columns
    at.selectbox(key="karte_kennzahl").set_value("total").run()   # the demo measures stay available, labelled
    assert DEMO in [w.value for w in at.warning]
    assert "Online-Verfahren gesamt (Verfahren)" in table(at, "Name").columns


def test_karte_every_widget_changes_the_map_or_table(app_db: Path, facts: dict) -> None:
    at = open_page(KARTE)
    before = map_locations(at)

    at.selectbox(key="karte_klassen").set_value(3).run()
    after = map_locations(at)
    assert len(after) == 4 and len(before) == 6

    at.selectbox(key="karte_einteilung").set_value("equal_interval").run()
    equal = map_locations(at)
    assert list(equal) != list(after)   # other class bounds

    at.selectbox(key="karte_kennzahl").set_value("total_per_10k").run()
    spec = figure(at, "karte_map")
    assert spec["layout"]["legend"]["title"]["text"].startswith("Online-Verfahren je 10.000 Einwohner")
    assert "Online-Verfahren je 10.000 Einwohner (je 10.000 Einw.)" in table(at, "Name").columns

    at.selectbox(key="karte_ebene").set_value("association").run()
    locations = map_locations(at)
    assert sum(len(v) for v in locations.values()) == facts["by_association_shapes"]
    assert any(len(a) == 9 for v in locations.values() for a in v)

    at.selectbox(key="karte_land").set_value("DE").run()
    assert sum(len(v) for v in map_locations(at).values()) > facts["by_association_shapes"]
    assert at.query_params["land"] == "DE" and at.query_params["ebene"] == "association"
    assert not at.exception


def test_karte_categorical_status_and_inherited_values(app_db: Path, facts: dict) -> None:
    at = open_page(KARTE, kennzahl="da_status")
    names = list(map_locations(at))
    assert names[-1] == "keine Daten"
    assert set(names[:-1]) <= {"zertifiziert", "berechtigt, nicht zertifiziert", "noch nicht"} and len(names) > 2
    assert at.selectbox(key="karte_einteilung").disabled and at.selectbox(key="karte_klassen").disabled
    spec = figure(at, "karte_map")
    extra = [row[4] for row in shape_trace(spec)["customdata"]]
    assert facts["vg_member_inherited"] > 0
    assert sum("übernommen" in e for e in extra) == facts["vg_member_inherited"]
    assert "%{customdata[4]}" in shape_trace(spec)["hovertemplate"]
    assert "übernommen von VG" in table(at, "Name").columns


def test_karte_ranks_only_own_values_and_shows_inherited_ones_without_rank(app_db: Path, facts: dict) -> None:
    # Bayern, municipalities; members of a VG that holds their Digitales-Amt status show the VG's distance
    at = open_page(KARTE, kennzahl="distance")
    rows = table(at, "Name")
    values = rows[f"{MEASURES['distance'].label} (Verfahren)"]
    vg = rows["übernommen von VG"]
    inherited = vg.notna() & (vg != "–")                         # a text cell without a value reads '–'
    assert inherited.sum() > 0 and values[inherited].notna().all()
    assert rows.loc[inherited, "Rang"].isna().all()            # a VG's value is not ranked once per member
    ranked = rows["Rang"].notna()
    assert ranked.sum() == (values.notna() & ~inherited).sum()
    spec = figure(at, "karte_map")
    shapes = shape_trace(spec)
    peers = f" von {number(int(ranked.sum()))}"
    no_data = set(map_locations(at).get("keine Daten", []))
    rank_lines = 0
    for ars, row in zip(shapes["locations"], shapes["customdata"], strict=True):
        marked = "übernommen" in row[4]
        if row[3]:                                               # a rank line: an own value, no VG mark
            assert row[3].startswith("<br>Platz ") and row[3].endswith(peers) and not marked, row
            rank_lines += 1
        elif ars not in no_data:
            assert marked, row                                   # a value without rank is inherited
    assert rank_lines == ranked.sum()


def test_karte_gemeindefreie_gebiete_get_no_value_and_no_rank(app_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    municipalities = con.execute("""
        SELECT count(*) FROM region r JOIN region_shape s ON s.ars = r.ars AND s.level = 'municipality'
        WHERE r.level = 'municipality' AND r.is_municipality AND r.state_ars = '09'
          AND r.population IS NOT NULL""").fetchall()[0][0]
    at = open_page(KARTE, kennzahl="population")
    rows = table(at, "Name")
    free = rows["Art"] == "Gemeindefreies Gebiet"
    assert free.sum() > 0
    assert rows.loc[free, "Einwohner (Einw.)"].isna().all() and rows.loc[free, "Rang"].isna().all()
    assert set(rows.loc[free, "Hinweis"]) == {db.UNINCORPORATED_NOTE}
    assert int(rows["Rang"].notna().sum()) == municipalities
    spec = figure(at, "karte_map")
    rank_lines = [row[3] for row in shape_trace(spec)["customdata"] if row[3]]
    assert len(rank_lines) == municipalities
    assert all(line.endswith(f" von {number(municipalities)}") for line in rank_lines)
    # the layer of the administering authorities: a gemeindefreies Gebiet is no authority either
    at = open_page(KARTE, ebene="association", kennzahl="density")
    rows = table(at, "Name")
    free = rows["Art"] == "Gemeindefreies Gebiet"
    assert free.sum() > 0 and rows.loc[free, "Einwohner je km² (Einw./km²)"].isna().all()


def test_karte_map_carries_its_sources_and_the_demo_label(app_db: Path) -> None:
    notes = source_notes(open_page(KARTE, kennzahl="total"), "karte_map")
    assert len(notes) == 1 and f"<b>{DEMO_LABEL}</b>" in notes[0]
    assert "Karte: " in notes[0] and "GeoBasis-DE" in notes[0]
    real = source_notes(open_page(KARTE), "karte_map")  # the default measure is real: no demo label
    assert len(real) == 1 and DEMO_LABEL not in real[0] and "Breitbandatlas" in real[0]


def test_karte_map_pans_except_the_map_of_the_laender(app_db: Path) -> None:
    # plotly reports the end of a drag as a click: on the Länder map (a click drills down) nothing is dragged
    # (tests/browser/test_karte.py drags it); a geo map moves only with "pan", selects with "select" or "lasso",
    # and Streamlit turns a false drag mode into "pan"
    still = figure(open_page(KARTE, ebene="state"), "karte_map")["layout"]["dragmode"]
    assert still == STILL and still not in ("pan", "select", "lasso", False)
    assert figure(open_page(KARTE), "karte_map")["layout"]["dragmode"] == "pan"
    config = json.loads(open_page(KARTE).get("plotly_chart")[0].proto.config)
    assert config["topojsonURL"] == "app/static/topojson/"  # the empty base map of our own, not cdn.plot.ly


def test_the_rangliste_and_profile_charts_save_pngs_named_like_the_downloads(app_db: Path, facts: dict) -> None:
    """Their camera buttons saved plotly's default newplot.png before they went through downloads.plotly_chart."""
    names = {}
    for at in (open_page(RANGLISTE, gemeinde=facts["dormitz"]),
               open_page(PROFIL, ars=facts["dormitz"], vergleich=[facts["by_authorities"][0][0]])):
        for chart in at.get("plotly_chart"):
            names[chart.key] = json.loads(chart.proto.config)["toImageButtonOptions"]["filename"]
    dormitz = facts["dormitz"]
    assert set(names) == {"rang_strip", "rang_chart", "profil_verlauf", "profil_vergleich_chart"}, names
    assert names["rang_chart"].startswith("digitalmonitor_rangliste_total_")
    assert names["rang_strip"].startswith(f"digitalmonitor_rangliste_total_{dormitz}_")
    assert names["profil_verlauf"].startswith(f"digitalmonitor_profil_{dormitz}_verlauf_")
    assert names["profil_vergleich_chart"].startswith(f"digitalmonitor_profil_{dormitz}_vergleich_")


@pytest.mark.parametrize("page", [KARTE, None, "pages/4_Foerderung.py", "pages/5_Digitales_Amt.py"],
                         ids=["Karte", "Start", "Förderung", "Digitales Amt"])
def test_every_map_goes_to_the_browser_with_its_own_look_not_streamlits_theme(app_db: Path, page: str | None) -> None:
    """theme=None and no template (app/figures/layout.chart_theme): Streamlit's theme template made plotly.js draw
    every region twice (tests/browser/test_karte.py counts the drawings)."""
    charts = [c.proto for c in open_page(page).get("plotly_chart")]
    maps = [c for c in charts if any(t.get("type") == "choropleth" for t in json.loads(c.spec)["data"])]
    assert maps, "no map on the page"
    for chart in maps:
        assert chart.theme == "" and "template" not in json.loads(chart.spec)["layout"]
    assert all(c.theme == "streamlit" for c in charts if c not in maps)


def test_karte_query_parameters_restore_the_view(app_db: Path, facts: dict) -> None:
    at = open_page(KARTE, ebene="district", kennzahl="population", land="08", einteilung="natural_breaks",
                   klassen="4")
    assert at.selectbox(key="karte_ebene").value == "district"
    assert at.selectbox(key="karte_kennzahl").value == "population"
    assert at.selectbox(key="karte_land").value == "08"
    assert at.selectbox(key="karte_einteilung").value == "natural_breaks"
    assert at.selectbox(key="karte_klassen").value == 4
    locations = map_locations(at)
    assert sum(len(v) for v in locations.values()) == facts["bw_districts"]
    assert len(locations) == 4 and "keine Daten" not in locations
    # the URL of this view opens the same figure again
    again = open_page(KARTE, **dict(at.query_params))
    assert figure(again, "karte_map") == figure(at, "karte_map")


def test_karte_invalid_parameters_fall_back_without_error(app_db: Path) -> None:
    at = open_page(KARTE, ebene="kontinent", kennzahl="'; DROP TABLE region; --", land="99", klassen="40",
                   einteilung="")
    assert at.selectbox(key="karte_ebene").value == "municipality"
    assert at.selectbox(key="karte_kennzahl").value == "households_gigabit"
    assert at.selectbox(key="karte_land").value == "09"
    assert at.selectbox(key="karte_klassen").value == 5
    # a measure the level does not offer falls back to one it does
    at = open_page(KARTE, ebene="state", kennzahl="da_status")
    assert at.selectbox(key="karte_kennzahl").value == "households_gigabit"


# --- Rangliste -----------------------------------------------------------------------------------------

def test_rangliste_default_and_every_filter_changes_the_table(app_db: Path, facts: dict) -> None:
    at = open_page(RANGLISTE)
    assert DEMO in [w.value for w in at.warning]
    full = table(at, "Rang")
    assert full["Rang"].iloc[0] == 1 and full["Rang"].is_monotonic_increasing
    assert (full["Median der Vergleichsgruppe"] == full["Median der Vergleichsgruppe"].iloc[0]).all()
    bars = figure(at, "rang_chart")
    assert len(bars["data"]) == 2 and len(bars["data"][0]["y"]) == 10

    at.selectbox(key="rang_kreis").set_value(facts["forchheim"]).run()
    district = table(at, "Rang")
    assert set(district["Kreis"]) == {"Forchheim, Landkreis"} and len(district) == facts["peers_forchheim"]

    at.selectbox(key="rang_groesse").set_value("unter 5.000").run()
    small = table(at, "Rang")
    assert set(small["Größenklasse"]) == {"unter 5.000"} and len(small) < len(district)

    at.selectbox(key="rang_typ").set_value("Verwaltungsgemeinschaft").run()
    vgs = table(at, "Rang")
    assert set(vgs["Behördentyp"]) == {"Verwaltungsgemeinschaft"}

    at.selectbox(key="rang_kennzahl").set_value("total_per_10k").run()
    assert "Online-Verfahren je 10.000 Einwohner" in table(at, "Rang").columns

    at.selectbox(key="rang_land").set_value("08").run()
    assert at.selectbox(key="rang_kreis").value == ""         # the Bavarian district does not exist in BW
    assert at.query_params["land"] == "08" and "kreis" not in at.query_params
    assert not table(at, "Rang").empty


def test_rangliste_highlight_my_municipality(app_db: Path, facts: dict) -> None:
    at = open_page(RANGLISTE, kreis=facts["forchheim"])
    assert not at.success
    at.selectbox(key="rang_gemeinde").set_value(facts["dormitz"]).run()
    message = plain(at.success[0].value)
    assert message.startswith("Dormitz: Platz ") and f"von {facts['peers_forchheim']}" in message
    assert at.query_params["gemeinde"] == facts["dormitz"]
    rows = table(at, "Rang")
    assert "Dormitz" in set(rows["Name"])


def test_rangliste_query_parameters_restore_the_view(app_db: Path, facts: dict) -> None:
    params = {"land": "09", "kreis": facts["forchheim"], "groesse": "unter 5.000", "kennzahl": "central",
              "gemeinde": facts["dormitz"]}
    at = open_page(RANGLISTE, **params)
    assert dict(at.query_params) == params
    assert at.selectbox(key="rang_kennzahl").value == "central"
    assert at.selectbox(key="rang_gemeinde").value == facts["dormitz"]
    assert "zentrale Online-Verfahren (Land/Bund)" in table(at, "Rang").columns
    assert at.success and "Dormitz" in at.success[0].value
    bad = open_page(RANGLISTE, land="99", kreis="abc", groesse="riesig", typ="x", kennzahl="y", gemeinde="1")
    assert dict(bad.query_params) == {"land": "09", "kennzahl": "total"}


def test_rangliste_median_is_that_of_the_whole_peer_group(app_db: Path, facts: dict,
                                                          con: duckdb.DuckDBPyConnection) -> None:
    group = con.execute("SELECT median(value) FROM v_ranks WHERE measure = 'total' AND group_kind = 'district' "
                        "AND group_key = $k", {"k": facts["forchheim"]}).fetchall()[0][0]
    at = open_page(RANGLISTE, kreis=facts["forchheim"], groesse="unter 5.000")
    rows = table(at, "Rang")
    assert len(rows) < facts["peers_forchheim"]
    assert rows["Online-Verfahren gesamt"].median() != group        # the filters change the median of the list ...
    assert (rows["Median der Vergleichsgruppe"] == group).all()      # ... not that of the group
    assert metric(at, "Median: Online-Verfahren gesamt").value == number(group)
    assert source_notes(at, "rang_chart")[0].startswith(f"<b>{DEMO_LABEL}</b>")


def test_rangliste_stand_in_month_precision_and_escaped_group(app_db: Path, con: duckdb.DuckDBPyConnection) -> None:
    # the demo series are monthly (real press counts may be dated to the day or year)
    assert con.execute("SELECT DISTINCT as_of_precision FROM procedure_snapshot WHERE is_demo").fetchall() \
        == [("month",)]
    at = open_page(RANGLISTE, groesse="unter 5.000")
    assert re.fullmatch(MONTH, metric(at, "Stand").value)
    assert re.fullmatch(MONTH, metric(at, "Rangänderung seit").value)
    assert metric(at, "Vergleichsgruppe").proto.help == md("Größenklasse unter 5.000 in Bayern")


# --- Gemeindeprofil ------------------------------------------------------------------------------------

def test_profil_without_region_asks_for_a_search(app_db: Path) -> None:
    at = open_page(PROFIL)
    assert at.info and "Suchen Sie" in at.info[0].value
    assert not at.get("plotly_chart")


def test_profil_search_by_name_postcode_and_key(app_db: Path, facts: dict) -> None:
    at = open_page(PROFIL)
    at.text_input(key="profil_suche").input("Dormitz").run()
    assert at.session_state["profil_ars"] == facts["dormitz"]   # exact name, municipality first (Enter)
    assert at.header[0].value == "Dormitz"
    assert at.query_params["ars"] == facts["dormitz"]

    at.text_input(key="profil_suche").input(facts["forchheim"]).run()
    assert at.session_state["profil_ars"] == facts["forchheim"]
    assert at.header[0].value == "Forchheim, Landkreis"   # the Gemeinde Forchheim shares the name

    at.text_input(key="profil_suche").input(str(facts["dormitz_postcode"])).run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("treffer_")]
    assert any(label.startswith("Dormitz · ") for label in labels)


def test_profil_region_picker_changes_the_profile(app_db: Path, facts: dict) -> None:
    at = open_page(PROFIL)
    at.text_input(key="profil_suche").input("Forchheim").run()
    first = at.session_state["profil_ars"]
    assert at.query_params["ars"] == first
    results = [b for b in at.button if b.key and b.key.startswith("treffer_")]
    assert len(results) > 2 and all("Forchheim" in b.label for b in results)
    third = results[2]
    third.click().run()
    second = at.session_state["profil_ars"]
    assert second != first and at.query_params["ars"] == second and third.key == f"treffer_{second}"
    assert third.label.startswith(at.header[0].value + " · ")
    assert at.text_input(key="profil_suche").value == ""   # a chosen result closes the list


def test_profil_shows_facts_history_status_grants_ranks_and_peers(app_db: Path, facts: dict) -> None:
    at = open_page(PROFIL, ars=facts["dormitz"])
    assert at.header[0].value == "Dormitz"
    assert DEMO in [w.value for w in at.warning]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Größenklasse"] == "unter 5.000"
    assert int(metrics["gesamt"].replace(".", "")) > 0
    facts_text = plain(" ".join(m.value for m in at.markdown))
    assert "Forchheim" in facts_text and "Oberfranken" in facts_text and str(facts["dormitz_postcode"]) in facts_text
    history = figure(at, "profil_verlauf")
    assert {t["name"] for t in history["data"]} <= {"kommunal", "zentral (Land/Bund)", "gesamt"}
    assert any(s.value == "Digitales Amt" for s in at.subheader)
    ranks = table(at, "Platz")
    assert any(p.startswith("Platz ") and " von " in p for p in ranks["Platz"])
    peers = table(at, "Online-Verfahren")
    assert "▶ Dormitz" in set(peers["Name"])
    assert len(at.get("page_link")) >= 1        # the Verwaltungsgemeinschaft


def test_profil_compare_up_to_four(app_db: Path, facts: dict) -> None:
    at = open_page(PROFIL, ars=facts["dormitz"])
    assert "vergleich" not in at.query_params
    others = [a for (a,) in facts["by_authorities"] if a != facts["dormitz"]][:4]
    at.multiselect(key="profil_vergleich").set_value(others[:2]).run()
    assert at.query_params["vergleich"] == others[:2]
    side_by_side = [d.value for d in at.dataframe if "Online-Verfahren gesamt" in list(d.value.index)][0]
    assert len(side_by_side.columns) == 3
    lines = figure(at, "profil_vergleich_chart")
    assert len(lines["data"]) == 3
    at.multiselect(key="profil_vergleich").set_value(others).run()
    side_by_side = [d.value for d in at.dataframe if "Online-Verfahren gesamt" in list(d.value.index)][0]
    assert len(side_by_side.columns) == 5
    assert at.multiselect(key="profil_vergleich").max_selections == 4


def test_profil_query_parameters_restore_and_invalid_values_fall_back(app_db: Path, facts: dict) -> None:
    many = [a for (a,) in facts["by_authorities"]]
    at = open_page(PROFIL, ars=facts["forchheim"], vergleich=[*many, "kaputt"])
    assert at.session_state["profil_ars"] == facts["forchheim"]
    assert at.multiselect(key="profil_vergleich").value == many[:4]
    assert at.query_params["vergleich"] == many[:4]
    unknown = open_page(PROFIL, ars="099999999999")
    assert unknown.info and "ars" not in unknown.query_params
    assert any("Schlüssel 099999999999 nicht gefunden" in w.value for w in unknown.warning)
    broken = open_page(PROFIL, ars="<script>")
    assert broken.info and "ars" not in broken.query_params


def test_profil_stand_in_month_precision_and_charts_carry_their_sources(app_db: Path, facts: dict) -> None:
    at = open_page(PROFIL, ars=facts["dormitz"])
    assert re.fullmatch(MONTH, metric(at, "Stand").value)
    assert f"<b>{DEMO_LABEL}</b>" in source_notes(at, "profil_verlauf")[0]
    others = [a for (a,) in facts["by_authorities"] if a != facts["dormitz"]][:1]
    at.multiselect(key="profil_vergleich").set_value(others).run()
    assert "Quelle:" in source_notes(at, "profil_vergleich_chart")[0]
    vergleich = [d.value for d in at.dataframe if "Online-Verfahren gesamt" in list(d.value.index)][0]
    assert all(re.fullmatch(MONTH, v) for v in vergleich.loc["Stand"])


def test_profil_names_are_escaped_markdown(app_db: Path, facts: dict, con: duckdb.DuckDBPyConnection) -> None:
    ars, name = con.execute("SELECT ars, display_name FROM region WHERE level = 'municipality' AND is_municipality "
                            "AND display_name LIKE '%(%' ORDER BY ars LIMIT 1").fetchall()[0]
    at = open_page(PROFIL, ars=ars)
    assert at.header[0].value == md(name) != name
    vg, kind = con.execute("SELECT v.display_name, v.kind FROM region r JOIN region v ON v.ars = r.association_ars "
                           "WHERE r.ars = $a", {"a": facts["dormitz"]}).fetchall()[0]
    at = open_page(PROFIL, ars=facts["dormitz"])
    assert at.get("page_link")[0].value == md(f"Verwaltungsgemeinschaft: {vg} ({kind})")


def test_profil_of_a_verwaltungsgemeinschaft_lists_its_members(app_db: Path, facts: dict,
                                                                con: duckdb.DuckDBPyConnection) -> None:
    """The members grid of an association, and the demo banner over it (a name clash in the page once made every
    association's profile fail)."""
    vg = con.execute("SELECT association_ars FROM region WHERE ars = $a", {"a": facts["dormitz"]}).fetchall()[0][0]
    members = {r[0] for r in con.execute("SELECT display_name FROM region WHERE association_ars = $vg "
                                         "AND level = 'municipality' AND is_municipality", {"vg": vg}).fetchall()}
    at = open_page(PROFIL, ars=vg)
    assert "Mitgliedsgemeinden" in [s.value for s in at.subheader]
    grid = table(at, "Fläche (km²)")
    assert set(grid["Name"]) == members and "Dormitz" in members
    assert pd.api.types.is_numeric_dtype(grid["Einwohner"]) and DEMO in [w.value for w in at.warning]


# --- Start and every page ------------------------------------------------------------------------------

def test_start_density_map_carries_its_sources_without_demo_label(app_db: Path) -> None:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    notes = [a["text"] for c in charts for a in c["layout"].get("annotations", []) if "Quelle:" in a["text"]]
    assert len(notes) == 1 and "Karte: " in notes[0] and "Destatis" in notes[0] and DEMO_LABEL not in notes[0]


@pytest.mark.parametrize("page", [None, KARTE, RANGLISTE, PROFIL, "pages/4_Foerderung.py",
                                  "pages/5_Digitales_Amt.py", "pages/6_Daten.py"])
def test_every_page_without_a_database_says_how_to_build_one(page: str | None, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALMONITOR_DB", str(tmp_path / "fehlt.duckdb"))
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [NO_BUILD]


def test_rangliste_marks_exactly_the_chosen_row(app_db: Path) -> None:
    at = open_page(RANGLISTE, land="09", gemeinde="091620000000")
    near, table = [d.value for d in at.dataframe if "Ihre Wahl" in d.value.columns]
    assert table["Ihre Wahl"].sum() == 1
    # above the whole list: the chosen row among the five before and after it, as they stand in the list
    at_row = int(table.index[table["Ihre Wahl"]][0])
    assert near.equals(table.iloc[max(0, at_row - 5):at_row + 6]) and near["Ihre Wahl"].sum() == 1
    assert any("Zeilen" in m.value and f"von {len(table)}" in m.value.replace(".", "") for m in at.markdown)
    assert table.loc[table["Ihre Wahl"], "Name"].tolist() == ["München, Stadt"]
    assert table["Rang"].is_monotonic_increasing and pd.api.types.is_integer_dtype(table["Einwohner"])  # numbers
    plain = open_page(RANGLISTE, land="09")
    assert all("Ihre Wahl" not in d.value.columns for d in plain.dataframe)


def test_start_shows_both_bitkom_tables_with_their_sources(app_db: Path) -> None:
    at = open_page(None)
    headings = [s.value for s in at.subheader]
    assert any(h.startswith("Bitkom Länderindex ") for h in headings), headings
    assert any(h.startswith("Smart City Index (Bitkom) ") and h.endswith(": die ersten zehn") for h in headings)
    laender = next(t for t in at.dataframe if "Land" in t.value.columns and "Punkte" in " ".join(t.value.columns))
    assert len(laender.value) == 16
    cities = next(t for t in at.dataframe if "Stadt" in t.value.columns)
    assert 0 < len(cities.value) <= 10
    captions = " ".join(c.value for c in at.caption)
    assert "Digitalisierung der Länder insgesamt" in captions and "Rang unter den deutschen Großstädten" in captions
