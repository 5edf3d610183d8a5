"""Karte: choropleth of a measure by level (Gemeinden, Verwaltungsgemeinschaften/Behörden, Kreise, Länder),
state filter, classification and class count, with the same data as a sortable table beside it.
Clicking a region shows it with a button to its profile (a state drills down to its districts)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import state
from app.data import map as map_q
from app.data import pvog, shapes, start
from app.data.cache import cached, shared
from app.data.provenance import Result
from app.data.registry import Db
from app.figures.maps import CLASS_COUNTS, MAP_WIDTH, SCHEMES, choropleth, display_order, map_table, selected_ars
from app.formatting import number
from app.frames import inherited
from app.ui import build as guard
from app.ui import device, downloads
from app.ui import pvog as pvog_ui
from app.ui.markdown import md
from app.ui.tables import NO_VALUE, localized, measure_columns
from core.measures import BROADBAND_MEASURES, MAP_MEASURES, PVOG_MEASURES, Measure, measure, on_level

st.set_page_config(page_title="Karte – Digitalmonitor Kommunen", page_icon="🗺️", layout="wide")

PROFILE_PAGE = "pages/3_Gemeindeprofil.py"
PROFILE_URL = "Gemeindeprofil"
GERMANY = "DE"
MAP_HEIGHT = 650
PHONE_MAP_HEIGHT = 520  # a Land or Germany fits a phone's width: a taller figure would only add empty space
CLICKED = "_karte_clicked"  # the region a click on the map chose, shown in a dialog on the next run

LEVEL = state.Param("ebene", "karte_ebene", "municipality", choices=tuple(map_q.MAP_LEVELS))
# a newcomer sees a real measure first: the Breitbandatlas exists for every level and region (Stand Mitte 2021)
MEASURE = state.Param("kennzahl", "karte_kennzahl", "households_gigabit", choices=MAP_MEASURES)
LAND = state.Param("land", "karte_land", "09", pattern=rf"{GERMANY}|{state.STATE_KEY}")
SCHEME = state.Param("einteilung", "karte_einteilung", "quantiles", choices=tuple(SCHEMES))
CLASSES = state.Param("klassen", "karte_klassen", 5, choices=CLASS_COUNTS, cast=int)
# at Kreis level: Landkreise or kreisfreie Städte among themselves (a Landkreis sums all its authorities)
KREISTYP = state.Param("kreistyp", "karte_kreistyp", "", choices=tuple(map_q.DISTRICT_TYPES))
PARAMS = (LEVEL, MEASURE, LAND, SCHEME, CLASSES, KREISTYP)


@cached(max_entries=64)
def _table(build: Db, level: str, measure_key: str, land: str | None,
           kreistyp: str = "") -> tuple[pd.DataFrame, dict]:
    """The map's table, rounded, with the column_config of its numbers."""
    spec = measure(measure_key)
    result = map_q.map_result(build, level, measure_key, land, kreistyp or None)
    table = map_table(result.frame, spec.label, spec.unit, PROFILE_URL, spec.categories)
    # a narrow value column keeps the values in view; the full label is its tooltip
    return localized(table, measure_columns(spec), {"Rang": {"width": "small"},
                                                     spec.column: {"width": 120, "help": spec.column}})


@shared(max_entries=64)
def _export(build: Db, level: str, measure_key: str, land: str | None, kreistyp: str = "") -> Result:
    """The download's rows, in the order the table shows them (sorting all municipalities cost every rerun 10 ms);
    shared, as the download only reads it."""
    spec = measure(measure_key)
    result = map_q.map_result(build, level, measure_key, land, kreistyp or None)
    frame = result.frame
    export = frame.loc[display_order(frame, spec.categories)].rename(columns={"value": measure_key})[
        ["ars", "name", "kind", "population", measure_key, "rank", "is_demo"]]
    return result.with_frame(export)


# a resource, not data: a cache hit hands out the same figure instead of unpickling a copy (0.17 s for all
# municipalities); st.plotly_chart only reads it
@shared(max_entries=64)
def _figure(build: Db, level: str, measure_key: str, land: str | None, scheme: str, classes: int,
            kreistyp: str = "", phone: bool = False) -> go.Figure:
    spec = measure(measure_key)
    url, bounds, shape_attribution = shapes.geometry(build, level, land)
    result = map_q.map_result(build, level, measure_key, land, kreistyp or None)
    return choropleth(result.frame, url, bounds, label=spec.label, unit=spec.unit, decimals=spec.decimals,
                      scheme=scheme, k=classes, categories=spec.categories, pan=level != "state",
                      width=device.PHONE_WIDTH if phone else MAP_WIDTH,
                      height=PHONE_MAP_HEIGHT if phone else MAP_HEIGHT,
                      attribution=f"{result.attribution}; Karte: {shape_attribution}", demo=result.demo)


def _on_select() -> None:
    """A click on the map: a state drills down to its districts, any other region is shown with a button to its
    profile. It asks instead of leaving: plotly reports the end of a drag that moved the map as a click on the
    region under the pointer, and a tap while scrolling on a phone as well."""
    key = selected_ars(st.session_state.get("karte_map"))
    if not key:
        return
    if st.session_state.get(LEVEL.key) == "state":
        st.session_state[LAND.key] = key[:2]
        st.session_state[LEVEL.key] = "district"
    else:
        st.session_state[CLICKED] = key


@st.dialog("Gebiet auf der Karte")
def _region_dialog(key: str, name: str, value_text: str) -> None:
    st.subheader(name, anchor=False)
    st.write(value_text)
    if st.button("Profil öffnen", icon=":material/arrow_forward:", type="primary", key="karte_profil_oeffnen"):
        st.switch_page(PROFILE_PAGE, query_params={"ars": key})


def _filters(names: dict[str, str]) -> tuple[str, str, str, str, int, str]:
    """The filter row (and, at Kreis level, the Kreistyp) from the URL/widgets: level, measure, Land, class
    scheme, class count and Kreistyp; the measure's caveat where it is chosen."""
    land_options = [GERMANY, *names]
    state.keep_valid(LAND, land_options)
    level = state.value(LEVEL)
    state.keep_valid(MEASURE, on_level(level), fallback=map_q.measure_for(level, state.value(MEASURE)))

    c1, c2, c3, c4, c5 = st.columns([1.3, 2.2, 1.2, 1.6, 0.7])
    level = c1.selectbox("Ebene", list(map_q.MAP_LEVELS), format_func=map_q.MAP_LEVELS.__getitem__,
                         key=LEVEL.key)
    state.keep_valid(MEASURE, on_level(level), fallback=map_q.measure_for(level, state.value(MEASURE)))
    measure_key = c2.selectbox("Kennzahl", list(on_level(level)), format_func=lambda m: measure(m).label,
                               key=MEASURE.key)
    land = c3.selectbox("Land", land_options, format_func=lambda a: "Deutschland" if a == GERMANY else names[a],
                        key=LAND.key)
    spec = measure(measure_key)
    categorical = bool(spec.categories)
    scheme = c4.selectbox("Klasseneinteilung", list(SCHEMES), format_func=SCHEMES.__getitem__, key=SCHEME.key,
                          disabled=categorical, help="Quantile: gleich viele Gebiete je Farbe; natürliche "
                          "Brüche: Grenzen an den größten Sprüngen; gleiche Abstände: gleich breite Klassen.")
    classes = c5.selectbox("Klassen", list(CLASS_COUNTS), key=CLASSES.key, disabled=categorical)
    kreistyp = ""
    if level == "district":
        kreistyp = st.radio("Kreistyp", ["", *map_q.DISTRICT_TYPES], key=KREISTYP.key, horizontal=True,
                            format_func=map_q.DISTRICT_TYPE_LABELS.__getitem__,
                            help="Ein Landkreis zählt die Verfahren aller seiner Behörden, eine kreisfreie Stadt "
                                 "ist eine Behörde: getrennt verglichen, mit Rang innerhalb der Auswahl.")
    if spec.caveat:  # where the measure is chosen, not under the map
        st.caption(md(f"Hinweis zu „{spec.label}“: {spec.caveat}."))
    return level, measure_key, land, scheme, classes, kreistyp


def _answer_a_click(frame: pd.DataFrame, spec: Measure) -> None:
    """The region clicked or tapped on the map in a dialog with a button to its profile."""
    clicked = st.session_state.pop(CLICKED, None)
    if clicked and clicked in set(frame["ars"]):
        row = frame[frame["ars"] == clicked].iloc[0]
        value = row["value"] if isinstance(row["value"], str) else number(row["value"], spec.decimals)
        _region_dialog(clicked, str(row["name"]), f"{spec.column}: {value}")


def main() -> None:
    st.title("Karte")
    build = guard.require_build()

    state.restore(PARAMS)
    states = start.states(build)
    names = dict(zip(states["ars"], states["name"], strict=True))
    level, measure_key, land, scheme, classes, kreistyp = _filters(names)
    spec = measure(measure_key)
    state.publish(PARAMS)

    land_key = None if land == GERMANY else land
    result = map_q.map_result(build, level, measure_key, land_key, kreistyp or None)
    frame, sources = result.frame, result.attribution
    _url, _bounds, shape_attribution = shapes.geometry(build, level, land_key)
    guard.demo_banner(build, shown=result.demo)
    if measure_key in PVOG_MEASURES and not pvog.available(build):
        pvog_ui.no_data_note()  # grey map, no stand-in values

    phone = device.phone()
    fig = _figure(build, level, measure_key, land_key, scheme, classes, kreistyp, phone)
    _answer_a_click(frame, spec)
    with_value = int(frame["value"].notna().sum())

    left, right = st.columns([11, 9])
    with left:
        downloads.plotly_chart(fig, f"karte_{level}_{measure_key}", build, config={"scrollZoom": True},
                               key="karte_map", on_select=_on_select, selection_mode="points")
        st.caption(md(f"Karte: {shape_attribution}. Daten: {sources}. {number(with_value)} von "
                      f"{number(len(frame))} Gebieten mit Wert; grau: keine Daten."))
        if inherited(frame).any():
            st.caption("Von der Verwaltungsgemeinschaft übernommene Werte sind eingefärbt, aber ohne Rang: "
                       "jede Behörde wird einmal gezählt.")
        if result.by_prefix and measure_key in BROADBAND_MEASURES:
            st.caption("Kreise und Länder: Mittelwert der Gemeinden, nach Einwohnern gewichtet.")
        elif result.by_prefix:
            st.caption("Kreise und Länder: Verfahren aller Behörden im Gebiet (jede Behörde einmal gezählt); "
                       "Anteile beziehen sich auf die Gemeinden mit Daten.")
        if level == "state":
            st.caption("Ein Klick auf ein Land zeigt seine Kreise.")
        else:
            st.caption("Ein Klick auf ein Gebiet zeigt es mit einem Link zu seinem Profil. Ziehen verschiebt die "
                       + ("Karte, zwei Finger vergrößern sie." if phone else
                          "Karte, das Mausrad vergrößert sie."))
    with right:
        shown, numbers = _table(build, level, measure_key, land_key, kreistyp)
        value_col = spec.column
        st.dataframe(
            shown, hide_index=True, width="stretch", placeholder=NO_VALUE, height=MAP_HEIGHT - 40, key="karte_table",
            column_config={**numbers,
                           "Name": st.column_config.TextColumn(width="medium"),
                           # a category (Digitales-Amt status) is text: narrow as well
                           value_col: numbers.get(value_col) or st.column_config.Column(width=120, help=value_col),
                           "Profil": st.column_config.LinkColumn("Profil", display_text="öffnen", width="small"),
                           "Schlüssel": st.column_config.TextColumn("Schlüssel", width="small"),
                           "Herkunft": st.column_config.TextColumn(
                               "Herkunft", width="medium", help="echt (mit Quelle) oder Demodaten, je Wert")},
        )
        st.caption(md(f"Daten: {sources}. Einwohner: {start.register_attribution(build)}."))
        with st.expander("Daten herunterladen", icon=":material/download:"):
            where = ("Deutschland" if land == GERMANY else names[land]) + (
                f", {map_q.DISTRICT_TYPE_LABELS[kreistyp]}" if kreistyp else "")
            downloads.download_buttons(_export(build, level, measure_key, land_key, kreistyp),
                                       f"karte_{level}_{measure_key}", key="karte",
                                       title=f"Karte: {spec.label} – {map_q.MAP_LEVELS[level]}, {where}")


guard.run(main)
