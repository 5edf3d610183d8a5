"""Real context in a region's profile and on Start: the Breitbandatlas values of the region (Stand Mitte 2021; a
municipality formed by a merger since shows "keine Daten" with its note), the Bitkom Länderindex of its Land and
the Smart City Index of a city, each value marked real with its source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data import context
from app.data.cache import shared
from app.data.registry import Db
from app.formatting import number
from app.frames import missing
from app.ui.markdown import md
from app.ui.tables import NO_VALUE, localized, show_table
from core.measures import BROADBAND_MEASURES, measure

NO_DATA = "keine Daten"
SCORE = "Punkte (0 bis 100)"
SHORT = {"households_gigabit": "Haushalte mit Gigabit", "households_100mbit": "Haushalte mit ≥ 100 Mbit/s",
         "businesses_gigabit": "Gewerbe mit Gigabit (leitungsgebunden)"}


def _percent(value: object, key: str) -> str:
    spec = measure(key)
    return NO_DATA if missing(value) else number(value, spec.decimals, f" {spec.unit}")


def broadband_section(build: Db, ars: str) -> None:
    """The region's Breitbandatlas values (its own row: a municipality's value or a weighted roll-up)."""
    st.subheader("Breitband (Breitbandatlas, Stand Mitte 2021)")
    result = context.broadband_of(build, ars)
    if result.frame.empty:
        st.caption("Für diese Region führt der Breitbandatlas keine Werte (keine Gemeinde im heutigen Verzeichnis).")
        return
    row = result.frame.iloc[0]
    columns = st.columns(len(BROADBAND_MEASURES))
    for column, key in zip(columns, BROADBAND_MEASURES, strict=True):
        column.metric(SHORT[key], _percent(row[key], key), help=measure(key).label)
    values = [row[k] for k in BROADBAND_MEASURES]
    origin = "Demodaten" if bool(row["is_demo"]) else f"echt · {row['attribution']}"
    if all(missing(v) for v in values):
        st.warning(md(f"Keine Daten: {row['note']}" if isinstance(row["note"], str) else "Keine Daten."),
                   icon=":material/info:")
    elif isinstance(row["note"], str):
        st.caption(md(f"Hinweis: {row['note']}."))
    st.caption(md(f"Herkunft: {origin}. {measure('households_gigabit').caveat}."))


def laenderindex_section(build: Db, state_ars: str, state_name: str) -> None:
    """The Bitkom Länderindex of the region's Land (rank and score per year, with the source address)."""
    frame = context.laenderindex(build).frame
    rows = frame[frame["ars"] == state_ars]
    if rows.empty:
        return
    st.subheader(f"{context.BITKOM_TITLE}: {state_name}")
    newest = rows.iloc[0]
    peers = int((frame["year"] == newest["year"]).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Rang {newest['year']}", f"{number(newest['rank'])} von {number(peers)}")
    c2.metric("Punktzahl (0 bis 100)", number(newest["score"], 1))
    c3.metric("veröffentlicht", pd.Timestamp(newest["published_on"]).strftime("%d.%m.%Y")
              if not missing(newest["published_on"]) else "–")
    st.caption(md(f"Herkunft: echt · Bitkom Länderindex, Quelle: {newest['source_url']}. Ein Index der "
                  "Digitalisierung des ganzen Landes (Verwaltung, Wirtschaft, Infrastruktur), keine Zählung "
                  "von Online-Verfahren."))


def smart_city_section(build: Db, ars: str) -> None:
    """The Smart City Index rows of a city (per year and category), if it is ranked."""
    result = context.smart_city(build, ars)
    rows = result.frame
    if rows.empty:
        return
    st.subheader(context.SMART_CITY_TITLE)
    table = pd.DataFrame({
        "Jahr": rows["year"].astype(str), "Kategorie": rows["category"],
        "Rang": [str(r) if not missing(r) else (n if isinstance(n, str) else NO_DATA)
                 for r, n in zip(rows["rank"].astype("Int64").astype(object), rows["rank_note"], strict=True)],
        "Punkte (0 bis 100)": rows["score"].astype(float),
        "Herkunft": ["Demodaten" if d else "echt" for d in rows["is_demo"]],
        "Quelle": rows["source_url"],
    })
    show_table(table, links=["Quelle"], decimals={SCORE: 1}, key="profil_smart_city")
    st.caption(md(f"Smart City Index des Bitkom: Rang unter den deutschen Großstädten. Daten: {result.attribution}."))


def profile_section(build: Db, row: pd.Series) -> None:
    """Breitband, and the indices where the region has them (a Land: Länderindex; a city: Smart City Index)."""
    broadband_section(build, row["ars"])
    if row["level"] == "state":
        laenderindex_section(build, row["ars"], row["display_name"])
    smart_city_section(build, row["ars"])


def start_broadband(build: Db) -> None:
    """Start: the real all-Germany layer first (Breitbandatlas, Länder weighted by population), with its source."""
    result = context.germany_broadband(build)
    if result.frame.empty or missing(result.frame["households_gigabit"].iloc[0]):
        return
    row = result.frame.iloc[0]
    st.subheader("Echte Daten für ganz Deutschland: Breitband (Stand Mitte 2021)")
    columns = st.columns(len(BROADBAND_MEASURES) + 1)
    for column, key in zip(columns, BROADBAND_MEASURES, strict=False):
        column.metric(SHORT[key], _percent(row[key], key), help=measure(key).label)
    columns[-1].metric(f"Gemeinden mit Wert (von {number(row['municipalities'])})",
                       number(row["municipalities_with_data"]))
    st.caption(md(f"Herkunft: echt · {result.attribution}. Deutschland: Mittelwert der Gemeinden, nach Einwohnern "
                  "gewichtet. Jede Gemeinde, jeder Kreis und jedes Land auf der Karte."))
    st.page_link("pages/1_Karte.py", label="Karte: Haushalte mit Gigabit je Gemeinde", icon=":material/map:",
                 query_params={"kennzahl": "households_gigabit"})


@shared(max_entries=4)
def _start_tables(build: Db) -> tuple[tuple | None, tuple | None]:
    """The two index tables of Start as (heading, widget key, frame, column config, caption), None when empty; once
    per build and without a Styler (marshalling one was a sixth of Start's rerun, py-spy, issue 16)."""
    index, cities = context.laenderindex(build), context.smart_city(build)
    first = second = None
    if not index.frame.empty:
        year = index.frame["year"].max()
        rows = index.frame[index.frame["year"] == year]
        frame, config = localized(pd.DataFrame({
            "Rang": rows["rank"], "Land": rows["name"], SCORE: rows["score"].astype(float),
            "Herkunft": ["Demodaten" if d else "echt" for d in rows["is_demo"]]}), {SCORE: 1})
        first = (f"{context.BITKOM_TITLE} {year}", "start_laenderindex", frame, config,
                 f"Digitalisierung der Länder insgesamt, keine Zählung von Online-Verfahren. "
                 f"Daten: {index.attribution}.")
    gesamt = cities.frame[cities.frame["category"] == "Gesamt"]
    if not gesamt.empty:
        year = gesamt["year"].max()
        rows = gesamt[(gesamt["year"] == year) & gesamt["rank"].notna()].head(10)
        frame, config = localized(pd.DataFrame({
            "Rang": rows["rank"].astype("Int64"), "Stadt": rows["name"], SCORE: rows["score"].astype(float),
            "Herkunft": ["Demodaten" if d else "echt" for d in rows["is_demo"]],
            "Profil": [f"Gemeindeprofil?ars={a}" for a in rows["ars"]]}), {SCORE: 1})
        config["Profil"] = st.column_config.LinkColumn(display_text="öffnen")
        second = (f"{context.SMART_CITY_TITLE} {year}: die ersten zehn", "start_smart_city", frame, config,
                  f"Rang unter den deutschen Großstädten. Daten: {cities.attribution}.")
    return first, second


def start_indices(build: Db) -> None:
    """Start: the newest Bitkom Länderindex and the newest Smart City Index (Gesamt, top ten), sourced."""
    tables = _start_tables(build)
    if not any(tables):
        return
    for column, table in zip(st.columns(2), tables, strict=True):
        if table is None:
            continue
        heading, key, frame, config, caption = table
        with column:
            st.subheader(heading)
            st.dataframe(frame, hide_index=True, width="stretch", placeholder=NO_VALUE, key=key, column_config=config)
            st.caption(md(caption))
