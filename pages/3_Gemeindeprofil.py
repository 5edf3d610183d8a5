"""Gemeindeprofil: one region on one page. Search by name, postcode or key; headline facts; procedures
over time; Digitales Amt; grants; ranks and peers; side-by-side comparison with up to four others."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import state
from app.data import profile, registry, start
from app.data.profile import Profile
from app.data.provenance import Result
from app.figures.profile import compare_history_chart, compare_table, distinct_names, history_chart
from app.figures.rankings import position_text, rank_change_text
from app.formatting import day, euro, number
from app.frames import missing
from app.ui import build as guard
from app.ui import context as context_ui
from app.ui import device, downloads
from app.ui import pvog as pvog_ui
from app.ui import release as release_ui
from app.ui import search as search_ui
from app.ui.markdown import md
from app.ui.tables import NO_VALUE, show_table
from core.measures import MEASURES

st.set_page_config(page_title="Gemeindeprofil – Digitalmonitor Kommunen", page_icon="🏘️", layout="wide")

PAGE = "pages/3_Gemeindeprofil.py"
MAX_COMPARE = 4
GROUP_LABELS = {"state": "im Land", "district": "im Kreis", "size_class": "Größenklasse im Land",
                "authority_type": "Behördentyp im Land"}

REGION = state.Param("ars", "profil_ars", None, pattern=state.REGION_KEY)
COMPARE = state.Param("vergleich", "profil_vergleich", (), pattern=state.REGION_KEY, many=True,
                      max_items=MAX_COMPARE)
PARAMS = (REGION, COMPARE)


def _measure_text(value: object, key: str, unit: bool = False) -> str:
    """A value with the decimals (and unit) of its catalogue measure."""
    spec = MEASURES[key]
    return number(value, spec.decimals, f" {spec.unit}" if unit else "")


def _facts_block(row: pd.Series) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Einwohner", number(row["population"]))
    c2.metric("Fläche", _measure_text(row["area_km2"], "area_km2", unit=True))
    c3.metric("Einwohner je km²", _measure_text(row["density"], "density"))
    c4.metric("Größenklasse", row["size_class"] if isinstance(row["size_class"], str) else "–")
    kind_text = f"**Art:** {md(row['kind'])}"
    if isinstance(row["authority_type"], str) and row["authority_type"] != row["kind"]:
        kind_text += f" ({md(row['authority_type'])})"
    lines = [kind_text]
    if isinstance(row["district_name"], str):
        lines.append(f"**Kreis:** {md(row['district_name'])}")
    if isinstance(row["gov_district_name"], str):
        lines.append(f"**Regierungsbezirk:** {md(row['gov_district_name'])}")
    if isinstance(row["state_name"], str) and row["level"] != "state":
        lines.append(f"**Land:** {md(row['state_name'])}")
    keys = f"**Schlüssel (ARS):** {md(row['ars'])}"
    if isinstance(row["ags"], str) and row["ags"]:
        keys += f" · **AGS:** {md(row['ags'])}"
    if isinstance(row["postcode"], str) and row["postcode"]:
        keys += f" · **Postleitzahl (Verwaltungssitz):** {md(row['postcode'])}"
    lines.append(keys)
    st.markdown("  \n".join(lines))
    if isinstance(row["association_ars"], str):
        st.page_link(PAGE, label=md(f"Verwaltungsgemeinschaft: {row['association_name']} ({row['association_kind']})"),
                     query_params={"ars": row["association_ars"]}, icon=":material/account_balance:")


def _procedures_block(build: registry.Db, ars: str, data: Profile) -> None:
    st.subheader("Online-Verfahren")
    latest = data.latest.frame.iloc[0]
    history = data.history.frame
    if missing(latest["total"]) and history.empty:
        st.info("Für diese Region liegen keine Zahlen zu Online-Verfahren vor.")
        return
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("gesamt", number(latest["total"]))
    c2.metric("kommunal", number(latest["municipal"]))
    c3.metric("zentral (Land/Bund)", number(latest["central"]))
    c4.metric("je 10.000 Einwohner", _measure_text(latest["total_per_10k"], "total_per_10k"))
    c5.metric("Stand", day(latest["as_of"], latest["as_of_precision"]))
    if not history.empty:  # real (with its source) or demo: the newest count shown above
        newest = history.sort_values("as_of").iloc[-1]
        url = newest["source_url"] if isinstance(newest["source_url"], str) else "siehe Daten unten"
        st.caption(md("Herkunft des neuesten Stands: " + ("Demodaten (synthetisch, nicht amtlich)"
                                                           if bool(newest["is_demo"]) else f"echt · Quelle: {url}")))
    if isinstance(latest["inherited_from_name"], str):
        st.caption(md(f"Die Gemeinde meldet keine eigenen Zahlen; gezeigt sind die der Verwaltungsgemeinschaft "
                      f"{latest['inherited_from_name']} (von VG übernommen)."))
    if history.empty:
        return
    sources = data.history.attribution
    if history["as_of"].nunique() < 2:
        only = history.iloc[0]
        st.caption(md(f"Nur ein Stichtag ({day(only['as_of'], only['as_of_precision'])}), daher kein Verlauf. "
                      f"Daten: {sources}."))
        return
    fig = history_chart(history, attribution=sources, demo=data.history.demo, note_width=device.note_chars())
    downloads.plotly_chart(fig, f"profil_{ars}_verlauf", build, key="profil_verlauf")
    st.caption(md(f"Online-Verfahren je Stichtag, kommunal und zentral gestapelt. Daten: {sources}."))


def _digitales_amt_block(latest: pd.Series) -> None:
    status = latest["da_status"]
    if not isinstance(status, str):
        return
    st.subheader("Digitales Amt")
    st.markdown(f"**Status:** {md(status)}")
    c2, c3 = st.columns(2)
    distance = latest["distance"]
    c2.metric("fehlende Verfahren bis zur Schwelle",
              number(distance),
              help=f"Schwelle: {number(latest['threshold'])} Online-Verfahren" if not missing(latest["threshold"])
              else None)
    c3.metric("ausgezeichnet am", day(latest["awarded_on"], latest["awarded_on_precision"]))


def _grants_block(result: Result, latest: pd.Series) -> None:
    st.subheader("Förderung")
    grants = result.frame
    if grants.empty:
        st.caption("Keine Förderbescheide für diese Region (und ihre Verwaltungsgemeinschaft) erfasst.")
        return
    c1, c2 = st.columns(2)
    c1.metric("Fördersumme (eigene Bescheide)", euro(latest["grant_eur"]))
    c2.metric("je Einwohner", euro(latest["eur_per_inhabitant"], MEASURES["eur_per_inhabitant"].decimals))
    table = pd.DataFrame({
        "Empfänger": grants["recipient"], "Programm": grants["program"],
        "bewilligt": [day(d, p) for d, p in zip(grants["approved_on"], grants["approved_on_precision"],
                                                     strict=True)],
        "Betrag (€)": grants["amount_eur"], "Zweck": grants["purpose"], "Quelle": grants["source_url"],
    })
    show_table(table, links=["Quelle"], key="profil_foerderung")
    st.caption(md(f"Daten: {result.attribution}."))


def _ranks_block(build: registry.Db, data: Profile, row: pd.Series) -> None:
    st.subheader("Rang und Vergleichsgruppen")
    ranks, peers = data.ranks.frame, data.peers
    if ranks.empty:
        st.caption("Ohne Online-Verfahren kein Rang.")
    else:
        shown = ranks[ranks["measure"].isin(["total", "total_per_10k"])]
        table = pd.DataFrame({
            "Kennzahl": [MEASURES[m].label for m in shown["measure"]],
            "Vergleichsgruppe": [f"{GROUP_LABELS[k]}: {n}" for k, n in
                                 zip(shown["group_kind"], shown["group_name"], strict=True)],
            "Platz": [position_text(r, p) for r, p in zip(shown["rank"], shown["peers"], strict=True)],
            "Rangänderung": [rank_change_text(c) for c in shown["rank_change"]],
            "Wert": [_measure_text(v, m) for v, m in zip(shown["value"], shown["measure"], strict=True)],
        })
        st.dataframe(table, hide_index=True, width="stretch", placeholder=NO_VALUE, key="profil_raenge")
    if not peers.empty and len(peers) > 1:
        where = row["district_name"] if isinstance(row["district_name"], str) else row["state_name"]
        st.markdown(md(f"Gleiche Größenklasse ({row['size_class']}) und gleicher Behördentyp in {where}:"))
        table = pd.DataFrame({
            "Name": [f"▶ {n}" if s else n for n, s in zip(peers["name"], peers["is_self"], strict=True)],
            "Art": peers["kind"], "Einwohner": peers["population"],
            "Online-Verfahren": peers["total"], "je 10.000 Einwohner": peers["total_per_10k"],
            "Profil": [f"Gemeindeprofil?ars={a}" for a in peers["ars"]],
        })
        show_table(table, links=["Profil"], link_text="öffnen", key="profil_nachbarn")
    st.caption(md(f"Daten: {data.ranks.attribution}. Einwohner: {start.register_attribution(build)}."))


def _compare_with(keys: list[str]) -> None:
    """One click: compare with these neighbours (replaces the current choice)."""
    st.session_state[COMPARE.key] = list(keys)[:MAX_COMPARE]


def _compare_block(build: registry.Db, ars: str, row: pd.Series, peers: pd.DataFrame) -> None:
    st.subheader("Vergleich")
    land = row["state_ars"] if isinstance(row["state_ars"], str) else ars[:2]
    candidates = profile.compare_candidates(build, land)
    chosen = [k for k in state.value(COMPARE) if k != ars]
    options = list(dict.fromkeys([*chosen, *[k for k in candidates["ars"] if k != ars]]))
    # the labels of the state's candidates once per state (not per profile), those of other chosen keys apart
    names = profile.state_labels(build, land)
    others = tuple(k for k in chosen if k not in names)
    if others:
        names = {**names, **profile.labels(build, others)}
    state.keep_valid(COMPARE, [k for k in options if k in names])
    # its neighbours of the same size class and authority type in its Kreis, one click away
    nearby = [k for k in (peers["ars"] if not peers.empty else []) if k != ars and k in names][:MAX_COMPARE]
    if nearby:
        where = row["district_name"] if isinstance(row["district_name"], str) else row["state_name"]
        st.button(md(f"Mit {len(nearby)} ähnlichen Nachbarn in {where} vergleichen"), key="profil_nachbarn_vergleich",
                  on_click=_compare_with, args=(nearby,), icon=":material/compare_arrows:",
                  help="Gleiche Größenklasse und gleicher Behördentyp im selben Kreis")
    picked = st.multiselect(f"Mit bis zu {MAX_COMPARE} anderen vergleichen", [k for k in options if k in names],
                            key=COMPARE.key, max_selections=MAX_COMPARE, format_func=names.__getitem__,
                            placeholder="Namen eingeben …")
    if not picked:
        st.caption("Wählen Sie Behörden aus, um sie nebeneinander zu sehen.")
        return
    keys = (ars, *picked)
    facts_result, history_result = profile.comparison(build, keys)
    facts, history = facts_result.frame, history_result.frame
    demo = facts_result.demo or history_result.demo
    if demo:
        st.caption("Der Vergleich enthält Demodaten.")
    table = compare_table(facts)
    st.dataframe(table, width="stretch", placeholder=NO_VALUE, key="profil_vergleich_tabelle",
                 height=(len(table) + 1) * 35 + 3)
    if not history.empty:
        fig = compare_history_chart(history, distinct_names(facts), attribution=history_result.attribution,
                                    demo=history_result.demo, note_width=device.note_chars())
        downloads.plotly_chart(fig, f"profil_{ars}_vergleich", build, key="profil_vergleich_chart")
    st.caption(md(f"Daten: {facts_result.attribution}. Einwohner und Fläche: {start.register_attribution(build)}."))


def main() -> None:
    st.title("Gemeindeprofil")
    build = guard.require_build()
    state.restore(PARAMS)

    asked = state.value(REGION)
    if asked and not profile.labels(build, (asked,)):
        st.session_state[REGION.key] = None
        st.warning(f"Schlüssel {asked} nicht gefunden: Diesen Regionalschlüssel gibt es im aktuellen "
                   "Gemeindeverzeichnis nicht. Suchen Sie die Region nach Name oder Postleitzahl.")
    search_ui.search_box(build, REGION, st.columns([1, 1])[0])
    ars = state.value(REGION)
    if ars is None:
        st.session_state[COMPARE.key] = []  # a comparison belongs to a region: none is checked or kept without one
        state.publish(PARAMS)
        st.info("Suchen Sie eine Gemeinde, einen Kreis oder eine Verwaltungsgemeinschaft nach Name, "
                "Postleitzahl oder Schlüssel, oder klicken Sie auf der Karte auf ein Gebiet.")
        return

    data = profile.profile(build, ars)
    if data.facts.empty:
        st.session_state[COMPARE.key] = []
        state.publish(PARAMS)
        st.warning("Diesen Schlüssel gibt es im aktuellen Gemeindeverzeichnis nicht.")
        return
    row = data.facts.iloc[0]
    latest = data.latest.frame.iloc[0]
    shown = [data.latest.frame, data.history.frame, data.grants.frame, data.ranks.frame, data.peers]
    banner = st.empty()

    st.header(md(row["display_name"]))
    _facts_block(row)
    st.caption(md(f"Einwohner und Fläche: {start.register_attribution(build)}, "
                  f"Gebietsstand {day(row['edition'])}."))
    _procedures_block(build, ars, data)
    _digitales_amt_block(latest)
    release_ui.badge_block(build, ars)  # website badge + embed snippet (real values only)
    _grants_block(data.grants, latest)
    _ranks_block(build, data, row)
    context_ui.profile_section(build, row)  # Breitband, Bitkom Länderindex, Smart City Index (real, sourced)
    pvog_ui.profile_section(build, ars, bool(row["level"] == "municipality" and row["is_municipality"]))
    if not data.members.empty:
        st.subheader("Mitgliedsgemeinden")
        members = data.members
        show_table(pd.DataFrame({
            "Name": members["name"], "Art": members["kind"], "Einwohner": members["population"],
            "Fläche (km²)": members["area_km2"], "Profil": [f"Gemeindeprofil?ars={a}" for a in members["ars"]]}),
            links=["Profil"], link_text="öffnen", key="profil_mitglieder")
        st.caption(md(f"Daten: {start.register_attribution(build)}."))
    _compare_block(build, ars, row, data.peers)
    state.publish(PARAMS)
    with banner:
        guard.demo_banner(build, shown=state.any_demo(*shown))


guard.run(main)
