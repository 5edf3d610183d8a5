"""Entry point: navigation with German page titles, and the Start page (data stand, municipalities per
state, the density map of all municipalities, where to go next)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from app.data import digitales_amt, shapes
from app.data import start as start_q
from app.data.cache import shared
from app.data.registry import Db
from app.figures.start import density_map
from app.formatting import day, euro, number
from app.ui import build as guard
from app.ui import context as context_ui
from app.ui import device, downloads
from app.ui import release as release_ui
from app.ui.markdown import md
from app.ui.tables import NO_VALUE, localized

st.set_page_config(page_title="Digitalmonitor Kommunen", page_icon="🏛️", layout="wide")


# a resource: every session gets the same figure (st.plotly_chart only reads it), no copy per rerun
@shared(max_entries=4)
def _density_figure(build: Db, phone: bool) -> go.Figure:
    url, bounds, shape_attribution = shapes.geometry(build, "municipality")
    register = start_q.register_attribution(build)
    return density_map(start_q.density(build), url, bounds, attribution=f"{register}; Karte: {shape_attribution}",
                       demo=False, note_width=device.note_chars(phone))


def _marked(label: str, demo: object) -> str:
    """A headline label with its value's kind: "Demo · " in front (visible even when a narrow column cuts the
    label) where demo values are in it."""
    return f"Demo · {label}" if bool(demo) else label


def _start() -> None:
    """The Start page's body."""
    st.title("Digitalmonitor Kommunen")
    st.caption("Wie weit die Kommunen in Deutschland ihre Verwaltung online gebracht haben.")
    build = guard.require_build()
    info, per_state = start_q.build_info(build), start_q.municipalities_per_state(build)
    head, recent = start_q.headline(build), start_q.recent_awards(build)
    demo_shown = bool(head["procedures_demo"] or head["digitales_amt_demo"] or head["grants_demo"])
    guard.demo_banner(build, shown=demo_shown)

    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Gemeinden", number(per_state["gemeinden"].sum()))
    c2.metric("Einwohner", number(per_state["einwohner"].sum()))
    c3.metric("Gebietsstand Verzeichnis", day(info.get("register_edition")))
    c4.metric("Datenstand (Build)", day(info.get("built_at")))
    context_ui.start_broadband(build)  # real data first: the Breitbandatlas for all Germany

    st.subheader("Online-Verfahren, Digitales Amt, Förderung")
    d1, d2, d3, d4 = st.columns(4)
    d1.metric(_marked("Behörden mit Verfahrensdaten", head["procedures_demo"]), number(head["authorities_with_data"]),
              help=f"Letzter Stichtag: {day(head['latest_as_of'], 'month')}")
    d2.metric(_marked("Digitales Amt: zertifiziert", head["digitales_amt_demo"]), number(head["certified"]),
              help=f"Davon aus Ministeriums- und Pressequellen (echt): {number(head['certified_real'])}")
    d3.metric(_marked("berechtigt, ohne Auszeichnung", head["procedures_demo"]), number(head["eligible_not_certified"]),
              help="Mindestens 50 Online-Verfahren (Bezirke: 30), aber keine bekannte Auszeichnung.")
    d4.metric(_marked("Digitales Rathaus: bewilligt", head["grants_demo"]), euro(head["grants_eur"]),
              help=f"{number(head['grants'])} Förderbescheide")
    with_demo = [label for label, flag in (("Verfahren", head["procedures_demo"]),
                                           ("Digitales Amt", head["digitales_amt_demo"]),
                                           ("Förderung", head["grants_demo"])) if flag]
    if with_demo:
        st.caption(f"Enthält Demodaten (synthetisch, nicht amtlich): {', '.join(with_demo)}. "
                   f"Echte Auszeichnungen aus Ministeriums- und Pressequellen: {number(head['certified_real'])}.")

    left, right = st.columns([2, 1])
    with left:
        st.subheader("Bevölkerungsdichte der Gemeinden")
        shape_attribution = shapes.shape_attribution(build, "municipality")
        register = start_q.register_attribution(build)
        downloads.plotly_chart(_density_figure(build, device.phone()), "start_bevoelkerungsdichte", build)
        st.caption(md(f"Karte: {shape_attribution}; Einwohner und Fläche: {register}. Gemeindegrenzen Stand "
                      f"{day(info.get('municipality_boundary_edition'))}."))
    with right:
        st.subheader("Gemeinden je Land")
        table = per_state.rename(columns={"land": "Land", "gemeinden": "Gemeinden",
                                          "gemeindefreie_gebiete": "gemeindefreie Gebiete",
                                          "einwohner": "Einwohner"}).drop(columns=["ars"])
        shown, config = localized(table)  # no Styler (issue 16)
        st.dataframe(shown, hide_index=True, width="stretch", placeholder=NO_VALUE, column_config=config)
        st.caption(md(start_q.register_attribution(build)))

    st.subheader("Zuletzt ausgezeichnet: Digitales Amt")
    if recent.empty:
        st.info("Keine datierten Auszeichnungen in den Daten.")
    else:
        shown = recent.assign(
            ausgezeichnet=[day(d, p) for d, p in zip(recent["awarded_on"], recent["awarded_on_precision"],
                                                        strict=True)],
            Demodaten=recent["is_demo"]).rename(columns={"name": "Behörde", "kind": "Art", "source_url": "Quelle"})
        st.dataframe(shown[["Behörde", "Art", "ausgezeichnet", "Demodaten", "Quelle"]].head(12), hide_index=True,
                     width="stretch", placeholder=NO_VALUE,
                     column_config={"Quelle": st.column_config.LinkColumn("Quelle")})
        st.caption(md(f"{number(len(recent))} Auszeichnungen in den letzten sechs Monaten der Daten. "
                      + digitales_amt.recent_award_list(build).attribution))

    context_ui.start_indices(build)  # Bitkom Länderindex and Smart City Index: sourced context
    release_ui.whats_new(build)  # the change list of this build's open-data release

    st.subheader("Weiter")
    go_map, go_ranking, go_profile = st.columns(3)
    go_map.page_link("pages/1_Karte.py", label="Karte: Gemeinden, Verwaltungsgemeinschaften, Kreise, Länder",
                     icon=":material/map:")
    go_ranking.page_link("pages/2_Rangliste.py", label="Rangliste: wer liegt in seiner Gruppe vorn?",
                         icon=":material/leaderboard:")
    go_profile.page_link("pages/3_Gemeindeprofil.py", label="Gemeindeprofil: eine Gemeinde im Detail",
                         icon=":material/location_city:")


def start() -> None:
    """The Start page (named `start`: Streamlit derives the page from the function)."""
    guard.run(_start)


# URL paths stay those of the file names, so permalinks keep working.
PAGES = [
    st.Page(start, title="Start", icon=":material/home:", default=True),
    st.Page("pages/1_Karte.py", title="Karte", icon=":material/map:", url_path="Karte"),
    st.Page("pages/2_Rangliste.py", title="Rangliste", icon=":material/leaderboard:", url_path="Rangliste"),
    st.Page("pages/3_Gemeindeprofil.py", title="Gemeindeprofil", icon=":material/location_city:",
            url_path="Gemeindeprofil"),
    st.Page("pages/4_Foerderung.py", title="Förderung", icon=":material/euro:", url_path="Foerderung"),
    st.Page("pages/5_Digitales_Amt.py", title="Digitales Amt", icon=":material/verified:",
            url_path="Digitales_Amt"),
    st.Page("pages/6_Daten.py", title="Daten", icon=":material/download:", url_path="Daten"),
]

st.navigation(PAGES).run()
