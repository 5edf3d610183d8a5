"""Digitales Amt: awards over time against the published milestones, a status map, the authorities that
are eligible but not certified, and those a few procedures short of the threshold."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import state
from app.data import digitales_amt, funding, shapes
from app.data.cache import shared
from app.data.provenance import Result, attribution
from app.data.registry import Db
from app.figures.digitales_amt import (
    STATUS_ORDER,
    awards_over_time,
    cumulative_awards,
    distance_bars,
    short_text,
    status_map,
)
from app.formatting import day, number
from app.ui import build as guard
from app.ui import downloads
from app.ui.markdown import md
from app.ui.tables import show_table

st.set_page_config(page_title="Digitales Amt – Digitalmonitor Kommunen", page_icon="🏛️", layout="wide")

BAVARIA = "09"
PROGRAM = "digitales_amt"
ALL = ""
LEVELS = {"municipality": "Gemeinden", "district": "Landkreise und kreisfreie Städte"}
BEZIRK = state.Param("bezirk", "da_bezirk", ALL, pattern=r"09\d")
KREIS = state.Param("kreis", "da_kreis", ALL, pattern=r"09\d{3}")
LEVEL = state.Param("ebene", "da_ebene", "municipality", choices=tuple(LEVELS))
SHORT = state.Param("fehlen", "da_fehlen", 10, choices=tuple(range(1, 21)), cast=int)
PARAMS = (BEZIRK, KREIS, LEVEL, SHORT)


def _status_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The status list for display; columns that are empty for every row are left out."""
    table = pd.DataFrame({
        "Behörde": frame["name"], "Typ": frame["authority_type"], "Kreis": frame["district_name"],
        "Online-Verfahren": frame["total"], "Schwelle": frame["threshold"], "Status": frame["status"],
        "Abstand": [short_text(d) if s == "noch nicht" else "" for d, s in
                    zip(frame["distance"], frame["status"], strict=True)],
        "ausgezeichnet": [day(d, p) if c else ""
                          for d, p, c in zip(frame["awarded_on"], frame["awarded_on_precision"], frame["certified"],
                                             strict=True)],
        "Demodaten": frame["is_demo"],
    })
    return table.drop(columns=[c for c in ("Abstand", "ausgezeichnet") if table[c].eq("").all()])


def _filters(areas: pd.DataFrame) -> tuple[str, str | None, str | None]:
    """Regierungsbezirk and Kreis from the URL/widgets; returns (key prefix, gov district, district)."""
    names = {ALL: "(alle)", **{a: n if level == "gov_district" else f"{n} ({kind})" for a, n, kind, level in
                               zip(areas["ars"], areas["name"], areas["kind"], areas["level"], strict=True)}}
    govs = areas[areas["level"] == "gov_district"]["ars"].tolist()
    left, right = st.columns(2)
    state.keep_valid(BEZIRK, [ALL, *govs])
    gov = left.selectbox("Regierungsbezirk", [ALL, *govs], format_func=names.__getitem__, key=BEZIRK.key) or None
    kreise = areas[(areas["level"] == "district") & ((gov is None) | (areas["gov_district_ars"] == gov))]
    state.keep_valid(KREIS, [ALL, *kreise["ars"]])
    district = right.selectbox("Kreis", [ALL, *kreise["ars"]], format_func=names.__getitem__, key=KREIS.key) or None
    return district or gov or BAVARIA, gov, district


def _in_area(frame: pd.DataFrame, gov: str | None, district: str | None) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if gov:
        keep &= (frame["gov_district_ars"] == gov) | (frame["ars"] == gov)
    if district:
        keep &= (frame["district_ars"] == district) | (frame["ars"] == district)
    return frame[keep]


# figures are resources, not data: built once per build and view, shared by every session (st.plotly_chart only
# reads them); building them was most of this page's rerun (py-spy, issue 16)
@shared(max_entries=8)
def _timeline_figure(build: Db) -> go.Figure:
    awards, milestones = digitales_amt.award_list(build).frame, funding.milestone_list(build, PROGRAM).frame
    demo = bool(awards["is_demo"].any())
    return awards_over_time(awards, milestones, attribution(build, pd.concat([awards, milestones])), demo)


@shared(max_entries=64)
def _status_figure(build: Db, level: str, prefix: str, gov: str | None,
                   district: str | None) -> tuple[go.Figure, pd.DataFrame, str]:
    """The status map of a level and area, the frame behind it and its note."""
    url, bounds, shape_attr = shapes.geometry(build, level, prefix)
    status_all = digitales_amt.status(build)
    status = status_all.frame
    if level == "municipality":
        frame = digitales_amt.digitales_amt_map(build).rename(columns={"da_status": "status"})
        frame = frame[frame["ars"].str.startswith(prefix)]
        note = ("Mitgliedsgemeinden einer Verwaltungsgemeinschaft zeigen deren Status (geerbt). Landratsämter und "
                "Bezirke stehen in der Ebene „Landkreise“ und in den Listen.")
    else:
        kreise = status[(status["level"] == "district") | (status["authority_type"] == "kreisfreie Stadt")]
        frame = _in_area(kreise.assign(map_ars=kreise["ars"].str[:5], district_ars=kreise["ars"].str[:5]),
                         gov, district)
        note = "Landkreise: Status des Landratsamts; kreisfreie Städte: Status der Stadt."
    demo = bool(frame["is_demo"].fillna(False).any())
    source_line = attribution(build, frame, extra=[shape_attr], facts=status_all.facts)
    fig = status_map(frame, url, bounds, source_line, demo, key="map_ars" if "map_ars" in frame.columns else "ars")
    return fig, frame, note


def _timeline(award_result: Result, milestone_result: Result) -> None:
    st.subheader("Auszeichnungen im Zeitverlauf (ganz Bayern)")
    awards, milestones = award_result.frame, milestone_result.frame
    undated = awards[awards["awarded_on"].isna()]
    demo = bool(awards["is_demo"].any())
    fig = _timeline_figure(build)
    line = cumulative_awards(awards)
    display = pd.DataFrame({"Datum": line["on_date"], "neu": line["new"], "kumuliert": line["cumulative"]})
    downloads.chart(fig, digitales_amt.award_line(build, line.assign(is_demo=demo)), "digitales_amt_zeitverlauf",
                    display=display, key="awards-line")
    notes = [f"Die Linie zählt {number(len(awards) - len(undated))} Auszeichnungen mit bekanntem Datum; "
             f"**{number(len(undated))} Auszeichnungen ohne bekanntes Datum** sind darin nicht enthalten, zählen aber "
             "im Status mit."]
    if not milestones.empty:
        notes.append("Rauten: vom Ministerium veröffentlichte Gesamtzahlen. Liegt die Linie darunter, kennen wir "
                     "nicht alle ausgezeichneten Behörden.")
    if bool(awards["is_demo"].any()):
        notes.append(f"{number(int(awards['is_demo'].sum()))} der {number(len(awards))} Auszeichnungen sind "
                     "Demodaten.")
    st.caption(" ".join(notes))
    left, right = st.columns(2)
    with left, st.expander(f"Auszeichnungen ({number(len(awards))})"):
        show_table(pd.DataFrame({
            "Behörde": awards["name"], "Art": awards["region_kind"],
            "ausgezeichnet": [day(d, p)
                              for d, p in zip(awards["awarded_on"], awards["awarded_on_precision"], strict=True)],
            "gemeldete Verfahren": awards["procedures_reported"], "Quelle": awards["source_url"],
            "Demodaten": awards["is_demo"]}), links=["Quelle"], height=360)
        downloads.source_caption(award_result)
        downloads.download_buttons(award_result, "digitales_amt_auszeichnungen", title="Auszeichnungen Digitales Amt",
                                   key="awards")
    with right, st.expander(f"Meilensteine ({number(len(milestones))})"):
        if milestones.empty:
            st.write("Dieser Build enthält keine Meilensteine.")
        else:
            show_table(pd.DataFrame({
                "Datum": [day(d, p) for d, p in zip(milestones["on_date"], milestones["date_precision"],
                                                              strict=True)],
                "Angabe": milestones["fact"], "Wert": milestones["value"], "Quelle": milestones["source_url"]}),
                links=["Quelle"])
            downloads.source_caption(milestone_result)
            downloads.download_buttons(milestone_result, "digitales_amt_meilensteine", title="Meilensteine",
                                       key="milestones")


def _map(status_all: Result, prefix: str, gov: str | None, district: str | None) -> None:
    st.subheader("Karte: zertifiziert, berechtigt, noch nicht")
    level = st.radio("Ebene", list(LEVELS), format_func=LEVELS.__getitem__, horizontal=True, key=LEVEL.key)
    fig, frame, note = _status_figure(build, level, prefix, gov, district)
    counts = frame["status"].fillna("keine Daten").value_counts()
    display = pd.DataFrame({"Behörde/Gebiet": frame["name"], "Status": frame["status"].fillna("keine Daten"),
                            "Online-Verfahren": frame["total"], "fehlen": frame["distance"],
                            "Demodaten": frame["is_demo"]})
    counted = " · ".join(f"{s}: {number(counts.get(s, 0))}" for s in STATUS_ORDER)
    downloads.chart(fig, status_all.subset(frame), f"digitales_amt_karte_{LEVELS[level]}", display=display,
                    key="status-map", caption=f"{note} {counted}")


def main() -> None:
    status_result = digitales_amt.status(build)
    award_result = digitales_amt.award_list(build)
    milestone_result = funding.milestone_list(build, PROGRAM)
    status_all, awards = status_result.frame, award_result.frame
    demo = bool(status_all["is_demo"].any() or awards["is_demo"].any())
    guard.demo_banner(build, shown=demo)
    st.title("Digitales Amt")
    thresholds = status_all.groupby("authority_type")["threshold"].max()
    general = int(thresholds.drop("Bezirk", errors="ignore").max()) if not thresholds.empty else 50
    bezirk = int(thresholds.get("Bezirk", 30))
    st.caption(f"Das Bayerische Digitalministerium zeichnet Behörden als „Digitales Amt“ aus, die mindestens "
               f"{general} Online-Verfahren im BayernPortal anbieten (Bezirke: {bezirk}). Wer ist ausgezeichnet, wer "
               "könnte es sein, und wem fehlen nur wenige Verfahren?")
    if status_all.empty:
        st.info("Dieser Build enthält keine Angaben zum Digitalen Amt.")
        return
    state.restore(PARAMS)
    prefix, gov, district = _filters(digitales_amt.districts(build, BAVARIA))
    status = _in_area(status_all, gov, district)
    counts = status["status"].value_counts()
    cols = st.columns(5)
    for col, label in zip(cols, STATUS_ORDER, strict=False):
        col.metric(label, number(counts.get(label, 0)))
    cols[4].metric("ausgezeichnet ohne bekanntes Datum", number(int((status["certified"] &
                                                                      status["awarded_on"].isna()).sum())))

    _timeline(award_result, milestone_result)
    _map(status_result, prefix, gov, district)

    st.subheader("Berechtigt, aber nicht zertifiziert")
    eligible = status[status["eligible_not_certified"].fillna(False)].sort_values("total", ascending=False)
    st.caption(f"{number(len(eligible))} Behörden erreichen die Schwelle, eine Auszeichnung ist nicht bekannt. Das "
               "heißt nicht, dass sie abgelehnt wurde: Die Auszeichnung muss beantragt werden, und unsere Liste der "
               "Auszeichnungen ist unvollständig.")
    show_table(_status_table(eligible), height=360)
    downloads.source_caption(status_result.subset(eligible))
    downloads.download_buttons(status_result.subset(eligible), "digitales_amt_berechtigt_nicht_zertifiziert",
                               title="Digitales Amt: berechtigt, nicht zertifiziert", key="eligible")

    st.subheader("Knapp unter der Schwelle")
    max_short = st.slider("höchstens so viele Verfahren fehlen", 1, 20, key=SHORT.key)
    state.publish(PARAMS)
    close = status[(status["status"] == "noch nicht") & status["distance"].between(1, max_short)]
    close = close.sort_values(["distance", "total"], ascending=[True, False])
    st.markdown(f"**{number(len(close))} Behörden** fehlen höchstens {number(max_short)} Verfahren bis zur Schwelle.")
    if not close.empty:
        close_result = status_result.subset(close)
        fig = distance_bars(close, close_result.attribution,
                            bool(close["is_demo"].any()))
        display = close["distance"].value_counts().sort_index().rename_axis("fehlende Verfahren") \
            .reset_index(name="Behörden")
        downloads.chart(fig, close_result, "digitales_amt_knapp_unter_schwelle", display=display, key="close-bars")
        show_table(_status_table(close), height=360)
        downloads.source_caption(close_result)
        downloads.download_buttons(close_result, f"digitales_amt_hoechstens_{max_short}_fehlen",
                                   title="Digitales Amt: knapp unter der Schwelle", key="close")
    st.caption(f"Quelle: {md(status_result.subset(status).attribution)}")


build = guard.require_build()
guard.run(main)
