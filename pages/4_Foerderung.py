"""Förderung: programmes as cards, grants on a map and in tables, funding against progress, and what is
known and unknown about Digital aufs Amt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import state
from app.data import funding, shapes, start
from app.data.cache import shared
from app.data.provenance import Result, attribution
from app.data.registry import Db
from app.figures.funding import GRANT_MEASURES, grant_effect_scatter, grant_map
from app.formatting import day, euro, number, percent
from app.frames import missing
from app.ui import build as guard
from app.ui import device, downloads
from app.ui.markdown import md
from app.ui.tables import show_table

st.set_page_config(page_title="Förderung – Digitalmonitor Kommunen", page_icon="🏛️", layout="wide")

DIGITAL_AUFS_AMT = "digital_aufs_amt"
ALL = ""
PROGRAM = state.Param("programm", "foerd_programm", None, pattern=r"[a-z0-9_]{1,64}")
MEASURE = state.Param("mass", "foerd_mass", "amount_eur", choices=tuple(GRANT_MEASURES))
KREIS = state.Param("kreis", "foerd_kreis", ALL, pattern=state.DISTRICT_KEY)
PARAMS = (PROGRAM, MEASURE, KREIS)


def _urls(text: object) -> list[str]:
    """The http(s) addresses in a source field (several may be separated by ';' or spaces)."""
    return re.findall(r"https?://[^\s;,]+", str(text)) if isinstance(text, str) else []


def _program_card(row: pd.Series) -> None:
    with st.container(border=True):
        st.markdown(f"#### {md(row['name'])}")
        who = " · ".join(md(v) for v in (row.get("state_name"), row.get("operator")) if not missing(v))
        if who:
            st.markdown(who)
        if row["kind"] == "certification":
            facts = [("Schwelle", f"{number(row.get('threshold'))} Online-Verfahren"),
                     ("Schwelle für Bezirke", f"{number(row.get('threshold_bezirk'))} Online-Verfahren")]
        else:
            rate = percent(row.get("funding_rate"), 0)
            if not missing(row.get("funding_rate_special")):
                rate += f" ({percent(row.get('funding_rate_special'), 0)} im Raum mit besonderem Handlungsbedarf)"
            facts = [("Budget", euro(row.get("budget_eur"))), ("Fördersatz", rate),
                     ("Höchstbetrag je Antrag", euro(row.get("max_per_applicant_eur"))),
                     ("Antragsfrist", day(row.get("closes_on")))]
        st.markdown("  \n".join(f"**{label}:** {md(value) if value != '–' else 'nicht bekannt'}"
                                for label, value in facts))
        for label, col in (("Bedingungen", "conditions"), ("Zielgruppe", "target"), ("Begleitung", "support"),
                           ("Rechtsgrundlage", "legal_basis")):
            if not missing(row.get(col)):
                st.markdown(f"**{label}:** {md(row.get(col))}")
        if not missing(row.get("min_services")):
            st.markdown(f"**Mindestens:** {number(row.get('min_services'))} Online-Dienste")
        for url in _urls(row.get("source_url")):
            st.link_button(f"Quelle: {md(urlsplit(url).netloc.removeprefix('www.'))}", url,
                           icon=":material/open_in_new:", width="stretch")
        if not missing(row.get("licence")):
            st.caption(md(row.get("licence")))
        if bool(row.get("is_demo")):
            st.caption(f"**{md(guard.DEMO_BANNER)}**")


def _cards(programs: pd.DataFrame) -> None:
    st.subheader("Programme")
    if programs.empty:
        st.info("Dieser Build enthält noch keine Programme.")
        return
    per_row = 3
    for first in range(0, len(programs), per_row):
        cols = st.columns(per_row)
        for col, (_, row) in zip(cols, programs.iloc[first:first + per_row].iterrows(), strict=False):
            with col:
                _program_card(row)
    downloads.download_buttons(_programs(build)[4], "programme", title="Programme", key="programs",
                               formats=["csv_excel", "csv", "xlsx", "parquet"])


@shared(max_entries=4)
def _programs(build: Db) -> tuple[pd.DataFrame, bool, list[str], dict[str, str], Result, pd.DataFrame]:
    """The programmes, the demo flag of the page, the programmes offered (with grants), their names, the
    programme list download and the grants of Digital aufs Amt: once per build, shared read-only."""
    programs = funding.programs(build)
    all_grants = funding.grants(build, None)
    demo = bool(programs["is_demo"].any() or all_grants["is_demo"].any())
    funded = programs[programs["kind"] == "funding"]
    with_grants = set(all_grants["program_id"])
    options = [p for p in funded["program_id"] if p in with_grants] or list(funded["program_id"])
    names = dict(zip(programs["program_id"], programs["name"], strict=True))
    listed = funding.program_list(build).with_frame(programs.drop(columns=["attribution", "licence", "state_name"]))
    return programs, demo, options, names, listed, funding.grants(build, DIGITAL_AUFS_AMT)


def _grant_table(grants: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Empfänger": grants["name"], "Art": grants["kind"], "Kreis": grants["district_name"],
        "Land": grants["state_name"],
        "Bescheid vom": [day(d, p)
                         for d, p in zip(grants["approved_on"], grants["approved_on_precision"], strict=True)],
        "Betrag (€)": grants["amount_eur"], "Zweck": grants["purpose"], "Status": grants["status"],
        "Demodaten": grants["is_demo"],
    })


def _totals_table(totals: pd.DataFrame, region_label: str) -> pd.DataFrame:
    return pd.DataFrame({
        region_label: totals["name"], "Bescheide": totals["grants"], "Summe (€)": totals["amount_eur"],
        "Einwohner": totals["population"], "€ je Einwohner": totals["eur_per_inhabitant"],
        "Bescheide ohne Betrag": totals["grants_without_amount"], "Demodaten": totals["is_demo"],
    })


# figures are resources, not data: built once per build and view, shared by every session (st.plotly_chart only
# reads them); building them was about a third of this page's rerun (py-spy, issue 16)
@shared(max_entries=32)
def _grant_figure(build: Db, pid: str, land: str | None, measure: str, phone: bool) -> tuple[go.Figure, str]:
    """The grant map of a programme (Kreise) and its source line (for a phone's narrow map: a shorter note)."""
    totals = funding.totals(build, pid, "district").frame
    url, bounds, shape_attr = shapes.geometry(build, "district", land)
    source_line = attribution(build, funding.grant_list(build, pid).frame,
                              extra=[shape_attr, start.register_attribution(build)])
    return grant_map(totals, url, bounds, measure, source_line, bool(totals["is_demo"].any()),
                     note_width=device.note_chars(phone)), source_line


@shared(max_entries=16)
def _effect_figure(build: Db, pid: str) -> go.Figure:
    result = funding.effect(build, pid)
    return grant_effect_scatter(result.frame, result.attribution, bool(result.frame["is_demo"].any()))


@dataclass(frozen=True)
class _Grants:
    """A programme's grants with their totals and tables, built once per build and programme and shared read-only
    by every session (per-rerun pandas work and cache copies were most of this page's rerun, py-spy, issue 16)."""

    result: Result
    real: int
    amount: float
    recipients: int
    names: dict
    keys: list
    district_totals: Result
    district_table: pd.DataFrame
    states: Result
    state_table: pd.DataFrame


@shared(max_entries=16)
def _grants(build: Db, pid: str) -> _Grants:
    result = funding.grant_list(build, pid)
    grants = result.frame
    names = {k: f"{n} ({kind})" for k, n, kind in
             zip(grants["district_ars"], grants["district_name"], grants["district_kind"], strict=True)}
    keys = sorted((k for k in names if isinstance(k, str)), key=lambda k: str(names[k]))
    district_totals, states = funding.totals(build, pid, "district"), funding.totals(build, pid, "state")
    return _Grants(result, int((~grants["is_demo"]).sum()), grants["amount_eur"].sum(), grants["ars"].nunique(),
                   names, keys, district_totals, _totals_table(district_totals.frame, "Kreis"), states,
                   _totals_table(states.frame, "Land"))


@shared(max_entries=128)
def _shown(build: Db, pid: str, pick: str) -> tuple[Result, pd.DataFrame]:
    """The grants of a programme in a Kreis (all with ALL) and their table."""
    result = _grants(build, pid).result
    grants = result.frame
    shown = result.subset(grants if pick == ALL else grants[grants["district_ars"] == pick])
    return shown, _grant_table(shown.frame)


def _grants_section(program: pd.Series) -> None:
    pid = str(program["program_id"])
    view = _grants(build, pid)
    result = view.result
    grants = result.frame
    st.subheader(f"Bescheide: {md(program['name'])}")
    if grants.empty:
        st.info("Für dieses Programm sind keine Bescheide bekannt.")
        return
    real = view.real
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Bescheide", number(len(grants)))
    m2.metric("Summe", euro(view.amount))
    m3.metric("Empfänger", number(view.recipients))
    m4.metric("davon echte Bescheide", number(real))
    if real < len(grants):
        st.caption(f"{number(len(grants) - real)} der {number(len(grants))} Bescheide sind Demodaten; "
                   f"bekannte echte Bescheide: {number(real)} (aus Presse- und Ministeriumsmeldungen, "
                   "keine vollständige Liste).")

    measure = st.radio("Kennzahl der Karte", list(GRANT_MEASURES), format_func=lambda m: GRANT_MEASURES[m][0],
                       horizontal=True, key=MEASURE.key)
    if measure == "eur_per_inhabitant":
        st.caption("Euro je Einwohner ist nachrangig: kleine Kreise erscheinen bei gleichem Betrag größer "
                   "(siehe Methode auf der Seite Daten).")
    district_totals = view.district_totals
    land = str(program["state_ars"]) if not missing(program.get("state_ars")) else None
    fig, source_line = _grant_figure(build, pid, land, measure, device.phone())
    downloads.chart(fig, district_totals, f"foerderung_{pid}_kreise", display=view.district_table,
                    key="grant-map",
                    caption=f"Summe der Bescheide an alle Empfänger im Kreis (Gemeinden, Verwaltungsgemeinschaften, "
                            f"Landratsamt). Bescheide an Bezirke zählen nur beim Land. Quelle: {md(source_line)}")

    tab_list, tab_district, tab_state = st.tabs(["Bescheide", "Summen je Kreis", "Summen je Land"])
    with tab_list:
        names, keys = view.names, view.keys
        state.keep_valid(KREIS, [ALL, *keys])
        pick = st.selectbox("Kreis", [ALL, *keys], key=KREIS.key,
                            format_func=lambda k: "(alle)" if k == ALL else str(names[k]))
        shown, table = _shown(build, pid, pick or ALL)
        show_table(table, height=400)
        downloads.source_caption(shown)
        suffix = "" if pick == ALL else f"_{pick}"
        downloads.download_buttons(shown, f"foerderbescheide_{pid}{suffix}",
                                   title=f"Förderbescheide {program['name']}", key="grants")
    with tab_district:
        show_table(view.district_table, height=400)
        downloads.source_caption(district_totals)
        downloads.download_buttons(district_totals, f"foerderung_{pid}_kreise", title="Förderung je Kreis",
                                   key="totals-district")
    with tab_state:
        states = view.states
        show_table(view.state_table)
        downloads.source_caption(states)
        downloads.download_buttons(states, f"foerderung_{pid}_laender", title="Förderung je Land",
                                   key="totals-state")


@shared(max_entries=16)
def _effect(build: Db, pid: str) -> tuple[Result, tuple[str, str, str, str], pd.DataFrame]:
    """Funding against progress of a programme: its result, the four metric values and the chart's table."""
    result = funding.effect(build, pid)
    effect = result.frame
    if effect.empty:
        return result, ("", "", "", ""), effect
    both = effect.dropna(subset=["added"])
    gained = both[both["added"] > 0]
    total_added = gained["added"].sum()
    metrics = (f"{number(len(both))} / {number(len(effect))}",
               number(both["added"].median()) if not both.empty else "–",
               euro(gained["eur_per_added_procedure"].median()) if not gained.empty else "–",
               euro(gained["amount_eur"].sum() / total_added) if total_added else "–")
    display = pd.DataFrame({
        "Empfänger": effect["name"], "Bescheid vom": effect["approved_on"], "Betrag (€)": effect["amount_eur"],
        "Stand vorher": effect["before_as_of"], "Verfahren vorher": effect["total_before"],
        "Stand nachher": effect["after_as_of"], "Verfahren nachher": effect["total_after"],
        "zusätzlich": effect["added"], "€ je zusätzlichem Verfahren": effect["eur_per_added_procedure"],
        "Demodaten": effect["is_demo"],
    })
    return result, metrics, display


def _effect_section(program: pd.Series) -> None:
    pid = str(program["program_id"])
    result, metrics, display = _effect(build, pid)
    st.subheader("Förderung und Fortschritt")
    if result.frame.empty:
        st.info("Für dieses Programm sind keine Bescheide bekannt.")
        return
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("mit Stand vorher und nachher", metrics[0],
              help="Bescheide, für die es einen Stand der Online-Verfahren vor und nach dem Bescheid gibt")
    m2.metric("Median zusätzlicher Verfahren", metrics[1])
    m3.metric("Median € je zusätzlichem Verfahren", metrics[2])
    m4.metric("Summe ÷ Zuwachs (alle mit Zuwachs)", metrics[3])
    fig = _effect_figure(build, pid)
    downloads.chart(fig, result, f"foerderung_{pid}_fortschritt", display=display, key="grant-effect",
                    caption="Verfahren am oder vor dem Bescheid gegen den letzten Stand danach (höchstens zwölf "
                            "Monate später). Das beschreibt, was nach der Förderung geschah – es ist kein Nachweis, "
                            "dass die Förderung es bewirkt hat.")


def _digital_aufs_amt(programs: pd.DataFrame) -> None:
    st.subheader("Digital aufs Amt (Baden-Württemberg): was bekannt ist – und was nicht")
    row = programs[programs["program_id"] == DIGITAL_AUFS_AMT]
    grants = _programs(build)[5]
    real = grants[~grants["is_demo"]] if not grants.empty else grants
    known, unknown = st.columns(2)
    with known:
        st.markdown("**Bekannt**")
        if row.empty:
            st.markdown("- Dieser Build enthält noch keine Angaben zum Programm.")
        else:
            p = row.iloc[0]
            facts = [f"Budget: {euro(p.get('budget_eur'))}", f"Antragsfrist: {day(p.get('closes_on'))}"]
            for label, col in (("Zielgruppe", "target"), ("Bedingungen", "conditions"), ("Träger", "operator"),
                               ("Begleitung", "support")):
                if not missing(p.get(col)):
                    facts.append(f"{label}: {p.get(col)}")
            st.markdown("\n".join(f"- {md(f)}" for f in facts))
            for url in _urls(p.get("source_url"))[:2]:
                st.link_button(f"Quelle: {md(urlsplit(url).netloc.removeprefix('www.'))}", url,
                               icon=":material/open_in_new:")
    with unknown:
        st.markdown("**Nicht bekannt**")
        items = []
        if real.empty:
            items.append("Wer gefördert wurde: Eine Liste der Empfänger ist nicht veröffentlicht.")
            items.append("Wie viel Geld an wen ging: Beträge je Kommune sind nicht veröffentlicht.")
        else:
            items.append(f"Bekannt sind {number(len(real))} Bescheide; ob die Liste vollständig ist, ist offen.")
        items += ["Wie viele Kommunen sich beworben haben.",
                  "Ob die Förderung mehr Online-Verfahren gebracht hat – ohne Empfänger lässt sich das nicht prüfen."]
        st.markdown("\n".join(f"- {md(i)}" for i in items))
    if not grants.empty and real.empty:
        st.caption(f"Die {number(len(grants))} Bescheide dieses Programms im Build sind Demodaten.")


def main() -> None:
    state.restore(PARAMS)
    programs, demo, options, names, _listed, _daa = _programs(build)
    guard.demo_banner(build, shown=demo)
    st.title("Förderung")
    st.caption("Förderprogramme für die Digitalisierung der Kommunen: Budgets, Bescheide auf Karte und in "
               "Tabellen, und was nach der Förderung geschah.")
    _cards(programs)

    if options:
        state.keep_valid(PROGRAM, options)
        pid = st.selectbox("Programm", options, format_func=lambda p: names.get(p, p), key=PROGRAM.key)
        program = programs[programs["program_id"] == pid].iloc[0]
        _grants_section(program)
        _effect_section(program)
    state.publish(PARAMS)
    _digital_aufs_amt(programs)


build = guard.require_build()
guard.run(main)
