"""Karte: choropleth of a measure by level (Gemeinden, Verwaltungsgemeinschaften/Behörden, Kreise, Länder),
state filter, classification and class count, with the same data as a sortable table beside it.
Clicking a region opens its profile (a state drills down to its districts)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import db, downloads, exports, state
from app.downloads import md
from app.formatting import number
from app.maps import CLASS_COUNTS, SCHEMES, choropleth, inherited, map_table, ranked, selected_ars
from app.tables import localized

st.set_page_config(page_title="Karte – Digitalmonitor Kommunen", page_icon="🗺️", layout="wide")

PROFILE_PAGE = "pages/3_Gemeindeprofil.py"
PROFILE_URL = "Gemeindeprofil"
GERMANY = "DE"
MAP_HEIGHT = 650
# the fact tables behind each measure (for the source line and the downloads)
FACTS = {"total": ("procedure_snapshot",), "municipal": ("procedure_snapshot",),
         "central": ("procedure_snapshot",), "total_per_10k": ("procedure_snapshot",),
         "da_status": ("procedure_snapshot", "certification"), "distance": ("procedure_snapshot",),
         "share_meeting_threshold": ("procedure_snapshot",), "coverage": ("procedure_snapshot",),
         "eur_per_inhabitant": ("funding_grant",), "population": (), "density": ()}
# population and density come from the register alone
REGISTER_ONLY = ("register",)

LEVEL = state.Param("ebene", "karte_ebene", "municipality", choices=tuple(db.MAP_LEVELS))
MEASURE = state.Param("kennzahl", "karte_kennzahl", "total", choices=tuple(db.MAP_MEASURES))
LAND = state.Param("land", "karte_land", "09", pattern=rf"{GERMANY}|{state.STATE_KEY}")
SCHEME = state.Param("einteilung", "karte_einteilung", "quantiles", choices=tuple(SCHEMES))
CLASSES = state.Param("klassen", "karte_klassen", 5, choices=CLASS_COUNTS, cast=int)
PARAMS = (LEVEL, MEASURE, LAND, SCHEME, CLASSES)


@st.cache_data(show_spinner=False, max_entries=64)
def _frame(build: db.Db, level: str, measure: str, land: str | None) -> pd.DataFrame:
    spec = db.MAP_MEASURES[measure]
    return ranked(db.map_frame(build, level, measure, land), ascending=spec.ascending)


@st.cache_data(show_spinner=False, max_entries=64)
def _geometry(build: db.Db, level: str, land: str | None) -> tuple[str, tuple[float, float, float, float], str]:
    return db.shape_url(build, level), db.bounds(build, level, land), db.shape_attribution(build, level)


@st.cache_data(show_spinner=False, max_entries=64)
def _table(build: db.Db, level: str, measure: str, land: str | None) -> tuple[pd.DataFrame, dict]:
    """The map's table, rounded, with the column_config of its numbers."""
    spec = db.MAP_MEASURES[measure]
    table = map_table(_frame(build, level, measure, land), spec.label, spec.unit, PROFILE_URL, spec.categories)
    value_col = _value_column(spec)
    # a narrow value column keeps the values in view; the full label is its tooltip
    return localized(table, {value_col: spec.decimals},
                     {"Rang": {"width": "small"}, value_col: {"width": 120, "help": value_col}})


def _value_column(spec: db.Measure) -> str:
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


# a resource, not data: a cache hit hands out the same figure instead of unpickling a copy (0.17 s for all
# municipalities); st.plotly_chart only reads it
@st.cache_resource(show_spinner=False, max_entries=64)
def _figure(build: db.Db, level: str, measure: str, land: str | None, scheme: str, classes: int) -> go.Figure:
    spec = db.MAP_MEASURES[measure]
    url, bounds, shape_attribution = _geometry(build, level, land)
    frame = _frame(build, level, measure, land)
    return choropleth(frame, url, bounds, label=spec.label, unit=spec.unit, decimals=spec.decimals,
                      scheme=scheme, k=classes, categories=spec.categories, height=MAP_HEIGHT,
                      attribution=f"{_sources(build, level, measure, land)}; Karte: {shape_attribution}",
                      demo=state.any_demo(frame))


@st.cache_data(show_spinner=False, max_entries=64)
def _sources(build: db.Db, level: str, measure: str, land: str | None) -> str:
    """The attribution of the measure's data on this map."""
    return downloads.attribution(build, _frame(build, level, measure, land)[["ars", "is_demo"]],
                                 kinds=_kinds(measure), facts=FACTS[measure], by_prefix=level in ("district", "state"))


def _kinds(measure: str) -> tuple[str, ...]:
    return REGISTER_ONLY if not FACTS[measure] else tuple(exports.DERIVED_KINDS)


@st.cache_data(show_spinner=False, max_entries=32)
def _states(build: db.Db) -> pd.DataFrame:
    return db.states(build)


def _on_select() -> None:
    """A click on the map: a state drills down to its districts, any other region opens its profile."""
    key = selected_ars(st.session_state.get("karte_map"))
    if not key:
        return
    if st.session_state.get(LEVEL.key) == "state":
        st.session_state[LAND.key] = key[:2]
        st.session_state[LEVEL.key] = "district"
    else:
        st.session_state["_karte_profile"] = key


def main() -> None:
    target = st.session_state.pop("_karte_profile", None)
    if target:
        st.switch_page(PROFILE_PAGE, query_params={"ars": target})
    st.title("Karte")
    build = downloads.require_build()

    state.restore(PARAMS)
    states = _states(build)
    names = dict(zip(states["ars"], states["name"], strict=True))
    land_options = [GERMANY, *states["ars"]]
    state.keep_valid(LAND, land_options)
    level = state.value(LEVEL)
    state.keep_valid(MEASURE, db.LEVEL_MEASURES[level], fallback=db.measure_for(level, state.value(MEASURE)))

    c1, c2, c3, c4, c5 = st.columns([1.3, 2.2, 1.2, 1.6, 0.7])
    level = c1.selectbox("Ebene", list(db.MAP_LEVELS), format_func=db.MAP_LEVELS.__getitem__, key=LEVEL.key)
    state.keep_valid(MEASURE, db.LEVEL_MEASURES[level], fallback=db.measure_for(level, state.value(MEASURE)))
    measure = c2.selectbox("Kennzahl", list(db.LEVEL_MEASURES[level]),
                           format_func=lambda m: db.MAP_MEASURES[m].label, key=MEASURE.key)
    land = c3.selectbox("Land", land_options, format_func=lambda a: "Deutschland" if a == GERMANY else names[a],
                        key=LAND.key)
    spec = db.MAP_MEASURES[measure]
    categorical = bool(spec.categories)
    scheme = c4.selectbox("Klasseneinteilung", list(SCHEMES), format_func=SCHEMES.__getitem__, key=SCHEME.key,
                          disabled=categorical, help="Quantile: gleich viele Gebiete je Farbe; natürliche "
                          "Brüche: Grenzen an den größten Sprüngen; gleiche Abstände: gleich breite Klassen.")
    classes = c5.selectbox("Klassen", list(CLASS_COUNTS), key=CLASSES.key, disabled=categorical)
    state.publish(PARAMS)

    land_key = None if land == GERMANY else land
    frame = _frame(build, level, measure, land_key)
    _url, _bounds, shape_attribution = _geometry(build, level, land_key)
    downloads.demo_banner(build, shown=state.any_demo(frame))

    fig = _figure(build, level, measure, land_key, scheme, classes)
    sources = _sources(build, level, measure, land_key)
    with_value = int(frame["value"].notna().sum())

    left, right = st.columns([11, 9])
    with left:
        st.plotly_chart(fig, key="karte_map", on_select=_on_select, selection_mode="points", width="stretch",
                        config={"displaylogo": False, "scrollZoom": True})
        st.caption(md(f"Karte: {shape_attribution}. Daten: {sources}. {number(with_value)} von "
                      f"{number(len(frame))} Gebieten mit Wert; grau: keine Daten."))
        if inherited(frame).any():
            st.caption("Von der Verwaltungsgemeinschaft übernommene Werte sind eingefärbt, aber ohne Rang: "
                       "jede Behörde wird einmal gezählt.")
        if level in ("district", "state"):
            st.caption("Kreise und Länder: Verfahren aller Behörden im Gebiet (jede Behörde einmal gezählt); "
                       "Anteile beziehen sich auf die Gemeinden mit Daten.")
        if level != "state":
            st.caption("Ein Klick auf ein Gebiet öffnet sein Profil; auf Landesebene zeigt er die Kreise des Landes.")
    with right:
        shown, numbers = _table(build, level, measure, land_key)
        value_col = _value_column(spec)
        st.dataframe(
            shown, hide_index=True, width="stretch", height=MAP_HEIGHT - 40, key="karte_table",
            column_config={**numbers,
                           "Name": st.column_config.TextColumn(width="medium"),
                           # a category (Digitales-Amt status) is text: narrow as well
                           value_col: numbers.get(value_col) or st.column_config.Column(width=120, help=value_col),
                           "Profil": st.column_config.LinkColumn("Profil", display_text="öffnen", width="small"),
                           "Schlüssel": st.column_config.TextColumn("Schlüssel", width="small")},
        )
        st.caption(md(f"Daten: {sources}. Einwohner: {db.register_attribution(build)}."))
        with st.expander("Daten herunterladen", icon=":material/download:"):
            export = frame.rename(columns={"value": measure})[
                ["ars", "name", "kind", "population", measure, "rank", "is_demo"]]
            downloads.download_buttons(build, export, f"karte_{level}_{measure}", kinds=_kinds(measure),
                                       facts=FACTS[measure], by_prefix=level in ("district", "state"), key="karte")


main()
