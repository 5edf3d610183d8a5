"""Start page: data stand, municipalities per state, and the density map of all municipalities."""

from __future__ import annotations

import streamlit as st

from app import db
from app.figures import density_map
from app.formatting import day, number
from app.tables import german

st.set_page_config(page_title="Digitalmonitor Kommunen", page_icon="🏛️", layout="wide")


@st.cache_data(show_spinner=False)
def _density(build: db.Db) -> tuple:
    frame = db.density(build)
    return frame, db.shape_url(build, "municipality"), db.bounds(build, "municipality")


def main() -> None:
    st.title("Digitalmonitor Kommunen")
    st.caption("Wie weit die Kommunen in Deutschland ihre Verwaltung online gebracht haben.")
    try:
        build = db.current()
    except db.NoDatabase:
        st.error("Noch keine Datenbank. Bitte zuerst `python -m etl build` ausführen (siehe README).")
        st.stop()
    info = db.build_info(build)
    per_state = db.municipalities_per_state(build)

    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Gemeinden", number(per_state["gemeinden"].sum()))
    c2.metric("Einwohner", number(per_state["einwohner"].sum()))
    c3.metric("Gebietsstand Verzeichnis", day(info.get("register_edition")))
    c4.metric("Datenstand (Build)", day(info.get("built_at")))

    left, right = st.columns([2, 1])
    with left:
        st.subheader("Bevölkerungsdichte der Gemeinden")
        frame, url, bounds = _density(build)
        st.plotly_chart(density_map(frame, url, bounds), width="stretch", config={"displaylogo": False})
        st.caption(f"Karte: {db.shape_attribution(build, 'municipality')}; Einwohner und Fläche: "
                   f"{db.register_attribution(build)}. Gemeindegrenzen Stand "
                   f"{day(info.get('municipality_boundary_edition'))}.")
    with right:
        st.subheader("Gemeinden je Land")
        table = per_state.rename(columns={"land": "Land", "gemeinden": "Gemeinden",
                                          "gemeindefreie_gebiete": "gemeindefreie Gebiete",
                                          "einwohner": "Einwohner"}).drop(columns=["ars"])
        st.dataframe(german(table), hide_index=True, width="stretch")
        st.caption(db.register_attribution(build))

    st.subheader("Weiter")
    go_map, go_ranking, go_profile = st.columns(3)
    go_map.page_link("pages/1_Karte.py", label="Karte: Gemeinden, Verwaltungsgemeinschaften, Kreise, Länder",
                     icon=":material/map:")
    go_ranking.page_link("pages/2_Rangliste.py", label="Rangliste: wer liegt in seiner Gruppe vorn?",
                         icon=":material/leaderboard:")
    go_profile.page_link("pages/3_Gemeindeprofil.py", label="Gemeindeprofil: eine Gemeinde im Detail",
                         icon=":material/location_city:")


main()
