"""Digitales Amt: awards over time against the published milestones, a status map, the authorities that
are eligible but not certified, and those a few procedures short of the threshold."""

from __future__ import annotations

from dataclasses import dataclass

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
from app.ui import device, downloads
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
def _status_figure(build: Db, level: str, prefix: str, gov: str | None, district: str | None,
                   phone: bool) -> tuple[go.Figure, Result, pd.DataFrame, str]:
    """The status map of a level and area (on a phone: a shorter note, the legend below), the result behind it,
    its table and its caption."""
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
    fig = status_map(frame, url, bounds, source_line, demo, key="map_ars" if "map_ars" in frame.columns else "ars",
                     note_width=device.note_chars(phone), legend_below=phone)
    counts = frame["status"].fillna("keine Daten").value_counts()
    display = pd.DataFrame({"Behörde/Gebiet": frame["name"], "Status": frame["status"].fillna("keine Daten"),
                            "Online-Verfahren": frame["total"], "fehlen": frame["distance"],
                            "Demodaten": frame["is_demo"]})
    counted = " · ".join(f"{s}: {number(counts.get(s, 0))}" for s in STATUS_ORDER)
    return fig, status_all.subset(frame), display, f"{note} {counted}"


@dataclass(frozen=True)
class _Page:
    """What the page shows of a build, whatever its filters: built once per build and shared read-only by every
    session (the per-rerun pandas work, the cache copies and the attribution hashing of filtered frames were
    most of this page's rerun after its figures were shared, py-spy, issue 16)."""

    status: Result
    awards: Result
    milestones: Result
    line: Result
    line_display: pd.DataFrame
    award_table: pd.DataFrame
    milestone_table: pd.DataFrame
    areas: pd.DataFrame
    demo: bool
    thresholds: tuple[int, int]  # general, Bezirke


@shared(max_entries=4)
def _page(build: Db) -> _Page:
    awards, milestones = digitales_amt.award_list(build), funding.milestone_list(build, PROGRAM)
    a, m = awards.frame, milestones.frame
    line = cumulative_awards(a)
    award_table = pd.DataFrame({
        "Behörde": a["name"], "Art": a["region_kind"],
        "ausgezeichnet": [day(d, p) for d, p in zip(a["awarded_on"], a["awarded_on_precision"], strict=True)],
        "gemeldete Verfahren": a["procedures_reported"], "Quelle": a["source_url"], "Demodaten": a["is_demo"]})
    milestone_table = pd.DataFrame({
        "Datum": [day(d, p) for d, p in zip(m["on_date"], m["date_precision"], strict=True)],
        "Angabe": m["fact"], "Wert": m["value"], "Quelle": m["source_url"]}) if not m.empty else m
    status = digitales_amt.status(build)
    thresholds = status.frame.groupby("authority_type")["threshold"].max()
    general = int(thresholds.drop("Bezirk", errors="ignore").max()) if not thresholds.empty else 50
    demo = bool(status.frame["is_demo"].any() or a["is_demo"].any())
    return _Page(status, awards, milestones,
                 digitales_amt.award_line(build, line.assign(is_demo=bool(a["is_demo"].any()))),
                 pd.DataFrame({"Datum": line["on_date"], "neu": line["new"], "kumuliert": line["cumulative"]}),
                 award_table, milestone_table, digitales_amt.districts(build, BAVARIA), demo,
                 (general, int(thresholds.get("Bezirk", 30))))


@dataclass(frozen=True)
class _Area:
    """The status rows of a Regierungsbezirk or Kreis (or all Bavaria) and the eligible ones among them."""

    status: pd.DataFrame
    eligible: Result
    eligible_table: pd.DataFrame
    attribution: str
    counts: dict[str, int]  # per status, and "undated": certified without a known date


@shared(max_entries=128)
def _area(build: Db, gov: str | None, district: str | None) -> _Area:
    result = _page(build).status
    status = _in_area(result.frame, gov, district)
    eligible = status[status["eligible_not_certified"].fillna(False)].sort_values("total", ascending=False)
    counts = {**status["status"].value_counts().to_dict(),
              "undated": int((status["certified"] & status["awarded_on"].isna()).sum())}
    return _Area(status, result.subset(eligible), _status_table(eligible), result.subset(status).attribution,
                 counts)


@shared(max_entries=512)
def _close(build: Db, gov: str | None, district: str | None,
           max_short: int) -> tuple[Result, go.Figure | None, pd.DataFrame, pd.DataFrame]:
    """Those at most `max_short` procedures short of the threshold: result, bar chart, its table, the list."""
    status = _area(build, gov, district).status
    close = status[(status["status"] == "noch nicht") & status["distance"].between(1, max_short)]
    close = close.sort_values(["distance", "total"], ascending=[True, False])
    result = _page(build).status.subset(close)
    if close.empty:
        return result, None, pd.DataFrame(), pd.DataFrame()
    fig = distance_bars(close, result.attribution, bool(close["is_demo"].any()))
    display = close["distance"].value_counts().sort_index().rename_axis("fehlende Verfahren") \
        .reset_index(name="Behörden")
    return result, fig, display, _status_table(close)


def _timeline(view: _Page) -> None:
    st.subheader("Auszeichnungen im Zeitverlauf (ganz Bayern)")
    award_result, milestone_result = view.awards, view.milestones
    awards, milestones = award_result.frame, milestone_result.frame
    undated = int(awards["awarded_on"].isna().sum())
    fig = _timeline_figure(build)
    downloads.chart(fig, view.line, "digitales_amt_zeitverlauf", display=view.line_display, key="awards-line")
    notes = [f"Die Linie zählt {number(len(awards) - undated)} Auszeichnungen mit bekanntem Datum; "
             f"**{number(undated)} Auszeichnungen ohne bekanntes Datum** sind darin nicht enthalten, zählen aber "
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
        show_table(view.award_table, links=["Quelle"], height=360)
        downloads.source_caption(award_result)
        downloads.download_buttons(award_result, "digitales_amt_auszeichnungen", title="Auszeichnungen Digitales Amt",
                                   key="awards")
    with right, st.expander(f"Meilensteine ({number(len(milestones))})"):
        if milestones.empty:
            st.write("Dieser Build enthält keine Meilensteine.")
        else:
            show_table(view.milestone_table, links=["Quelle"])
            downloads.source_caption(milestone_result)
            downloads.download_buttons(milestone_result, "digitales_amt_meilensteine", title="Meilensteine",
                                       key="milestones")


def _map(prefix: str, gov: str | None, district: str | None) -> None:
    st.subheader("Karte: zertifiziert, berechtigt, noch nicht")
    level = st.radio("Ebene", list(LEVELS), format_func=LEVELS.__getitem__, horizontal=True, key=LEVEL.key)
    fig, result, display, caption = _status_figure(build, level, prefix, gov, district, device.phone())
    downloads.chart(fig, result, f"digitales_amt_karte_{LEVELS[level]}", display=display, key="status-map",
                    caption=caption)


def main() -> None:
    view = _page(build)
    guard.demo_banner(build, shown=view.demo)
    st.title("Digitales Amt")
    general, bezirk = view.thresholds
    st.caption(f"Das Bayerische Digitalministerium zeichnet Behörden als „Digitales Amt“ aus, die mindestens "
               f"{general} Online-Verfahren im BayernPortal anbieten (Bezirke: {bezirk}). Wer ist ausgezeichnet, wer "
               "könnte es sein, und wem fehlen nur wenige Verfahren?")
    if view.status.frame.empty:
        st.info("Dieser Build enthält keine Angaben zum Digitalen Amt.")
        return
    state.restore(PARAMS)
    prefix, gov, district = _filters(view.areas)
    area = _area(build, gov, district)
    cols = st.columns(5)
    for col, label in zip(cols, STATUS_ORDER, strict=False):
        col.metric(label, number(area.counts.get(label, 0)))
    cols[4].metric("ausgezeichnet ohne bekanntes Datum", number(area.counts["undated"]))

    _timeline(view)
    _map(prefix, gov, district)

    st.subheader("Berechtigt, aber nicht zertifiziert")
    eligible = area.eligible.frame
    st.caption(f"{number(len(eligible))} Behörden erreichen die Schwelle, eine Auszeichnung ist nicht bekannt. Das "
               "heißt nicht, dass sie abgelehnt wurde: Die Auszeichnung muss beantragt werden, und unsere Liste der "
               "Auszeichnungen ist unvollständig.")
    show_table(area.eligible_table, height=360)
    downloads.source_caption(area.eligible)
    downloads.download_buttons(area.eligible, "digitales_amt_berechtigt_nicht_zertifiziert",
                               title="Digitales Amt: berechtigt, nicht zertifiziert", key="eligible")

    st.subheader("Knapp unter der Schwelle")
    max_short = st.slider("höchstens so viele Verfahren fehlen", 1, 20, key=SHORT.key)
    state.publish(PARAMS)
    close_result, fig, display, close_table = _close(build, gov, district, max_short)
    close = close_result.frame
    st.markdown(f"**{number(len(close))} Behörden** fehlen höchstens {number(max_short)} Verfahren bis zur Schwelle.")
    if fig is not None:
        downloads.chart(fig, close_result, "digitales_amt_knapp_unter_schwelle", display=display, key="close-bars")
        show_table(close_table, height=360)
        downloads.source_caption(close_result)
        downloads.download_buttons(close_result, f"digitales_amt_hoechstens_{max_short}_fehlen",
                                   title="Digitales Amt: knapp unter der Schwelle", key="close")
    st.caption(f"Quelle: {md(area.attribution)}")


build = guard.require_build()
guard.run(main)
