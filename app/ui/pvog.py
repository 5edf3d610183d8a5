"""The federal measures (Dashboard Digitale Verwaltung, Open-PVOG) in a region's profile: latest counts, history,
Themenfeld breakdown and "Leistungen, die vergleichbare Gemeinden online anbieten und diese nicht"; a German note
where the build has no federal data (never demo values instead)."""

from __future__ import annotations

import streamlit as st

from app.data import pvog
from app.data.registry import Db
from app.figures import pvog as figures
from app.formatting import day, number
from app.ui import downloads
from app.ui.markdown import md
from app.ui.tables import show_table
from core.measures import measure

GAP_TITLE = "Leistungen, die vergleichbare Gemeinden online anbieten und diese nicht"


def no_data_note() -> None:
    """The note every page shows instead of federal values when the build has none."""
    st.info(pvog.NO_DATA, icon=":material/info:")


def profile_section(build: Db, ars: str, is_municipality: bool) -> None:
    """The federal part of a region's profile."""
    st.subheader("Online-Leistungen laut Dashboard Digitale Verwaltung (Bund)")
    data = pvog.profile(build, ars)
    if not data.present:
        no_data_note()
        return
    points = data.history.frame
    if points.empty:
        st.info("Für diese Region liegt kein Stand des Dashboards Digitale Verwaltung vor (weder Abruf noch "
                "Pressewert).")
        return
    latest = points.iloc[-1]
    fetched = points[points["origin"] == "Abruf"]
    now = fetched.iloc[-1] if not fetched.empty else latest
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("für Bürger verfügbar", number(now["available"]), help=measure("pvog_available").label)
    c2.metric("eigene Leistungen", number(now["own"]), help=measure("pvog_own").label)
    c3.metric("eigene, funktionieren nicht", number(now["own_not_working"]))
    c4.metric("Stand", day(now["as_of"], now["as_of_precision"]),
              help="Abruf beim Dashboard" if now["origin"] == "Abruf" else "Pressewert (kein eigener Abruf)")
    st.caption(md(f"Hinweis: {measure('pvog_available').caveat}."))
    if points["as_of"].nunique() > 1:  # two fetches of the same data stand are one point in time
        fig = figures.history_chart(points, attribution=data.history.attribution, demo=False)
        downloads.chart(fig, data.history, f"pvog_verlauf_{ars}", key="profil_pvog_verlauf",
                        caption=md("Verlauf: jeder Abruf ein Stand; Pressewerte der flächendeckenden Zahl als "
                                   f"Rauten. Daten: {data.history.attribution}."))
    else:
        st.caption(md(f"Ein Datenstand, daher kein Verlauf. Daten: {data.history.attribution}."))
    if not data.has_snapshot:
        st.caption("Ohne eigenen Abruf der Region gibt es keine Aufteilung nach Themenfeldern und keinen "
                   "Vergleich der Leistungen mit vergleichbaren Gemeinden.")
        return
    if not data.topics.frame.empty:
        fig = figures.topics_chart(data.topics.frame, attribution=data.topics.attribution, demo=False)
        downloads.chart(fig, data.topics, f"pvog_themenfelder_{ars}", key="profil_pvog_themen",
                        caption="Eigene funktionierende Online-Leistungen je Themenfeld des OZG-Umsetzungskatalogs.")
    if is_municipality:
        _gap_block(data)


def _gap_block(data: pvog.PvogProfile) -> None:
    st.markdown(f"**{GAP_TITLE}**")
    gap = data.gap.frame
    group = data.peer_group or "gleiches Land, gleiche Größenklasse"  # escaped once, with the whole line
    if gap.empty:
        st.success(md(f"Keine: Jede Leistung, die mindestens die Hälfte der Vergleichsgemeinden ({group}) selbst "
                      "online anbietet, bietet auch diese Gemeinde an."), icon=":material/check_circle:")
        return
    st.caption(md(f"{number(len(gap))} Leistungen, die mindestens die Hälfte der Vergleichsgemeinden ({group}, mit "
                  "aktuellem Abruf) selbst online anbietet und diese Gemeinde nicht oder nicht funktionierend."))
    show_table(figures.gap_table(gap), height=min(420, 40 + 35 * len(gap)))
    downloads.source_caption(data.gap)
    with st.expander("Liste herunterladen", icon=":material/download:"):
        downloads.download_buttons(data.gap, "pvog_luecken", key="profil_pvog_luecken")
