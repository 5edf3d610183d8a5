"""Rangliste: ranks of the authorities within a peer group (state, district, size class or authority type
within the state), rank change since the previous snapshot, the group median, top and bottom ten, and
"my municipality" highlighted with its position among its peers."""

from __future__ import annotations

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import state
from app.data import pvog, rankings, start
from app.data.cache import cached, shared
from app.data.provenance import Result
from app.data.registry import Db
from app.figures.rankings import (
    around,
    latest_date_text,
    peer_strip,
    position_text,
    rank_change_text,
    ranking_table,
    top_bottom_bars,
)
from app.formatting import number
from app.ui import build as guard
from app.ui import device, downloads
from app.ui import pvog as pvog_ui
from app.ui.markdown import md
from app.ui.tables import NO_VALUE, localized, measure_columns
from core.measures import PVOG_MEASURES, RANK_MEASURES, Measure, measure

st.set_page_config(page_title="Rangliste – Digitalmonitor Kommunen", page_icon="🏆", layout="wide")

ALL = ""

LAND = state.Param("land", "rang_land", "09", pattern=state.STATE_KEY)
KREIS = state.Param("kreis", "rang_kreis", ALL, pattern=state.DISTRICT_KEY)
SIZE = state.Param("groesse", "rang_groesse", ALL, choices=rankings.SIZE_CLASSES)
TYPE = state.Param("typ", "rang_typ", ALL, choices=rankings.AUTHORITY_TYPES)
MEASURE = state.Param("kennzahl", "rang_kennzahl", "total", choices=RANK_MEASURES)
MINE = state.Param("gemeinde", "rang_gemeinde", None, pattern=state.REGION_KEY)
PARAMS = (LAND, KREIS, SIZE, TYPE, MEASURE, MINE)


def _group_text(districts: dict[str, str], states: dict[str, str], land: str, kreis: str, size: str,
                kind: str) -> str:
    group_kind, _key = rankings.peer_group(land, kreis or None, size or None, kind or None)
    if group_kind == "district":
        return districts.get(kreis, kreis)
    if group_kind == "size_class":
        return f"Größenklasse {size} in {states.get(land, land)}"
    if group_kind == "authority_type":
        return f"{kind} in {states.get(land, land)}"
    return f"alle Behörden in {states.get(land, land)}"


View = tuple[str, str, str, str, str]  # measure, Land, Kreis, size class, authority type ("" = all)


def _ranking(build: Db, view: View) -> Result:
    measure_key, land, kreis, size, kind = view
    return rankings.ranking(build, measure_key, land, kreis or None, size or None, kind or None)


@shared(max_entries=64)
def _figure(build: Db, view: View, mine: str | None, note_width: int | None,
            strip: bool = False) -> go.Figure:
    """The top and bottom ten of a peer group, or with `strip` the whole group as dots around the chosen authority;
    built once per view and shared (st.plotly_chart only reads it)."""
    result = _ranking(build, view)
    frame, spec = result.frame, measure(view[0])
    median = float(frame["group_median"].iloc[0])
    build_figure = peer_strip if strip else partial(top_bottom_bars, n=10)
    return build_figure(frame, spec.label, spec.decimals, highlight=mine, median=median,
                        attribution=result.attribution, demo=result.demo, note_width=note_width)


@cached(max_entries=64)
def _table(build: Db, view: View, mine: str | None) -> tuple[pd.DataFrame, dict]:
    """The ranking as the grid shows it (the chosen authority marked) and the column_config of its numbers."""
    frame, spec = _ranking(build, view).frame, measure(view[0])
    table = ranking_table(frame, spec.label)
    if mine is not None:  # a marker column instead of a styled row: no Styler for 2,000 rows on every rerun
        table.insert(0, "Ihre Wahl", (frame["ars"] == mine).to_numpy())
    table["Rangänderung"] = table["Rangänderung"].map(rank_change_text)  # ▲ 3 / ▼ 1 / = 0 / –
    return localized(table, measure_columns(spec, spec.label, "Median der Vergleichsgruppe"),
                     {"Rang": {"width": "small"}})


def _table_block(build: Db, result: Result, spec: Measure, view: View, mine: str | None, group: str) -> None:
    """The whole ranking as a table (the chosen authority marked), its sources and downloads."""
    frame, sources, measure_key = result.frame, result.attribution, spec.key
    shown, numbers = _table(build, view, mine)
    config = {**numbers, "Ihre Wahl": st.column_config.CheckboxColumn(width="small", help="die hervorgehobene Behörde"),
              "Rangänderung": st.column_config.TextColumn(
                  width="small", help="▲ aufgestiegen, ▼ abgestiegen seit dem vorigen Stand (Plätze)"),
              "Herkunft": st.column_config.TextColumn(width="medium", help="echt (mit Quelle) oder Demodaten, je Wert")}
    if mine is not None:  # where the chosen authority stands, without scrolling the whole list to it
        near = around(shown, shown["Ihre Wahl"])
        if not near.empty:
            st.markdown(f"**Ihre Wahl in der Rangliste** (Zeilen {number(near.index[0] + 1)} bis "
                        f"{number(near.index[-1] + 1)} von {number(len(shown))})")
            st.dataframe(near, hide_index=True, width="stretch", placeholder=NO_VALUE, key="rang_umfeld",
                         column_config=config, height=(len(near) + 1) * 35 + 3)  # every row without scrolling
            st.markdown("**Die ganze Rangliste**")
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=NO_VALUE, height=480, key="rang_table",
                 column_config=config)
    st.caption(md(f"Daten: {sources}. Einwohner: {start.register_attribution(build)}."))
    with st.expander("Daten herunterladen", icon=":material/download:"):
        export = frame[["ars", "name", "authority_type", "size_class", "district_name", "population", "value",
                        "rank", "peers", "rank_change", "prev_rank", "as_of", "as_of_precision", "prev_as_of",
                        "prev_as_of_precision", "group_median", "is_demo"]].rename(columns={"value": measure_key})
        downloads.download_buttons(result.with_frame(export), f"rangliste_{measure_key}", key="rangliste",
                                   title=f"Rangliste: {spec.label} – {group}")



def _take_the_profile_town() -> None:
    """The town last chosen in the Gemeindeprofil (its key `profil_ars` lives on in the session) is highlighted
    here, with its Land, when the page is opened without a view in its link; once per choice, so "(keine)" stays
    when picked afterwards."""
    chosen = st.session_state.get("profil_ars")
    if (not isinstance(chosen, str) or any(p.name in st.query_params for p in PARAMS)
            or st.session_state.get("_rang_profil_town") == chosen):
        return
    st.session_state["_rang_profil_town"] = chosen
    st.session_state[MINE.key] = chosen
    st.session_state[LAND.key] = chosen[:2]


def main() -> None:
    st.title("Rangliste")
    build = guard.require_build()
    states = rankings.ranking_states(build)
    if states.empty:
        st.info("Diese Datenbank enthält noch keine Online-Verfahren, also auch keine Ranglisten.")
        st.stop()

    state.restore(PARAMS)
    _take_the_profile_town()
    state_names = dict(zip(states["ars"], states["name"], strict=True))
    state.keep_valid(LAND, list(states["ars"]))

    c1, c2, c3, c4, c5 = st.columns([1.1, 1.6, 1.4, 1.5, 2])
    land = c1.selectbox("Land", list(states["ars"]), format_func=state_names.__getitem__, key=LAND.key)
    districts = rankings.state_districts(build, land)
    district_names = dict(zip(districts["ars"], districts["name"], strict=True))
    state.keep_valid(KREIS, [ALL, *districts["ars"]])
    kreis = c2.selectbox("Kreis", [ALL, *districts["ars"]], key=KREIS.key,
                         format_func=lambda a: "(alle)" if a == ALL else district_names[a])
    size = c3.selectbox("Größenklasse (Einwohner)", [ALL, *rankings.SIZE_CLASSES], key=SIZE.key,
                        format_func=lambda s: "(alle)" if s == ALL else s)
    kind = c4.selectbox("Behördentyp", [ALL, *rankings.AUTHORITY_TYPES], key=TYPE.key,
                        format_func=lambda s: "(alle)" if s == ALL else s)
    measure_key = c5.selectbox("Kennzahl", list(RANK_MEASURES), format_func=lambda m: measure(m).label,
                               key=MEASURE.key)
    view: View = (measure_key, land, kreis, size, kind)
    result = _ranking(build, view)
    frame = result.frame

    options = [None, *frame["ars"]]
    state.keep_valid(MINE, options)
    labels = {a: f"{n} ({k})" for a, n, k in zip(frame["ars"], frame["name"], frame["authority_type"], strict=True)}
    mine = st.selectbox("Meine Gemeinde hervorheben", options, key=MINE.key, placeholder="Name eingeben …",
                        format_func=lambda a: "(keine)" if a is None else labels[a],
                        help="Tippen Sie einen Namen, um die Liste zu durchsuchen.")
    state.publish(PARAMS)

    guard.demo_banner(build, shown=result.demo)
    spec = measure(measure_key)
    label, decimals = spec.label, spec.decimals
    if frame.empty and measure_key in PVOG_MEASURES and not pvog.available(build):
        pvog_ui.no_data_note()
        st.stop()
    if frame.empty:
        st.info("Für diese Auswahl gibt es keine Behörden mit Werten dieser Kennzahl.")
        st.stop()

    group = _group_text(district_names, state_names, land, kreis, size, kind)
    peers = int(frame["peers"].iloc[0])
    median = float(frame["group_median"].iloc[0])
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Vergleichsgruppe", f"{number(peers)} Behörden", help=md(group))
    m2.metric(f"Median: {label}", number(median, decimals))
    m3.metric("Stand", latest_date_text(frame))
    m4.metric("Rangänderung seit", latest_date_text(frame, "prev_as_of", "prev_as_of_precision"),
              help="Rang beim vorigen Stand derselben Behörde")
    if mine is not None:
        row = frame[frame["ars"] == mine].iloc[0]
        change = row["rank_change"]
        st.success(md(f"{row['name']}: {position_text(row['rank'], row['peers'])} ({group}) · {label}: "
                      f"{number(row['value'], decimals)} · Median {number(median, decimals)} · Rangänderung "
                      f"{rank_change_text(change)}"), icon=":material/location_on:")
    st.caption(md(f"Rang innerhalb der Vergleichsgruppe {group}"
                  + ("; weitere Filter grenzen die Liste ein, der Rang bleibt der in der Gruppe" if
                     len(frame) < peers else "") + ". Rang 1 = die meisten; Gleichstand teilt den besseren Rang."))
    if spec.caveat:  # e.g. the federal count: never to be read as the BayernPortal count
        st.caption(md(f"Hinweis zu „{label}“: {spec.caveat}."))

    sources = result.attribution
    note_width = device.note_chars()
    if mine is not None:  # the chosen authority among all its peers, not only among the top and bottom ten
        downloads.plotly_chart(_figure(build, view, mine, note_width, strip=True), f"rangliste_{measure_key}_{mine}",
                               build, key="rang_strip")
        st.caption(md(f"Jeder Punkt eine Behörde der Vergleichsgruppe ({number(len(frame))}); hervorgehoben: "
                      f"{frame.loc[frame['ars'] == mine, 'name'].iloc[0]}."))
    downloads.plotly_chart(_figure(build, view, mine, note_width), f"rangliste_{measure_key}", build,
                           key="rang_chart")
    st.caption(md(f"Gestrichelte Linie: Median der Vergleichsgruppe ({number(median, decimals)}). Daten: {sources}."))

    _table_block(build, result, spec, view, mine, group)

guard.run(main)
