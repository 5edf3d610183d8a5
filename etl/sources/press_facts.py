"""Rows of the three press fact files resolved, typed and merged with the first-pass rows already in the build:
one fact per authority and event, the more precise date wins (a tie keeps the second pass, whose notes are
German). An award is one event per authority; a grant one per authority and programme; a count one per
authority and value (the same count reported twice, e.g. 'Mai 2022' and '05.05.2022')."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from etl.keys import UnresolvedRegion
from etl.sources.press_names import BAVARIA, PressNames
from etl.sources.press_parse import (
    PRECISION_RANK,
    award_note,
    is_criterion_row,
    parse_amount,
    parse_count,
    parse_when,
)

CERT_KIND = "Digitales Amt"
PROGRAM = "digitales_rathaus"
SourceFor = Callable[[str | None], str]


@dataclass
class Facts:
    """What one file gave: its resolved rows, the merged table rows, the rows kept apart, and what failed."""

    rows: list[dict[str, object]] = field(default_factory=list)
    merged: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    milestones: pd.DataFrame = field(default_factory=pd.DataFrame)
    unresolved: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, name, reason)
    refused: list[tuple[int, str, str]] = field(default_factory=list)


def _merge(press: pd.DataFrame, existing: pd.DataFrame, event: list[str], precision: str,
           prefer: list[str] | None = None) -> pd.DataFrame:
    """Keep one row per event: the most precise date first, then `prefer` columns (True first), then press rows."""
    if press.empty:
        return press
    scope = existing[existing["ars"].isin(set(press["ars"]))]
    both = pd.concat([press.assign(_press=True), scope.assign(_press=False)], ignore_index=True)
    both["_rank"] = both[precision].map(PRECISION_RANK).fillna(0)
    order = ["_rank", *(prefer or []), "_press"]
    for col in prefer or []:
        both[col] = both[col].fillna(False).astype(bool)
    both = both.sort_values(order, ascending=False, kind="stable")
    winners = both.drop_duplicates(event, keep="first")
    return winners.drop(columns=["_rank", "_press"]).reset_index(drop=True)


def _resolve(names: PressNames, out: Facts, number: int, name: str, kind: str, district: str,
             state: str = BAVARIA) -> str | None:
    try:
        return names.resolve(name, kind, district, state).ars
    except UnresolvedRegion as exc:
        out.unresolved.append((number, name, str(exc)))
        return None


def awards(rows: list[dict[str, str]], names: PressNames, source: SourceFor,
           con: duckdb.DuckDBPyConnection) -> Facts:
    """Awards into `merged` (certification rows), 'meets the criterion' rows into `extra`."""
    out = Facts()
    criterion = []
    for number, row in enumerate(rows, start=2):
        ars = _resolve(names, out, number, row["entity_name"], row["entity_type"], row["landkreis_or_region"])
        if ars is None:
            continue
        when = parse_when(row["award_date"], row["date_precision"])
        reported, reported_note = parse_count(row["online_procedures_at_award"])
        note = "; ".join(n for n in (award_note(when, row["evidence_note"]),
                                     f"gemeldete Online-Verfahren: {reported_note}" if reported_note else None) if n)
        record = {"ars": ars, "kind": CERT_KIND, "awarded_on": when.value, "awarded_on_precision": when.precision,
                  "procedures_reported": reported, "note": note or None, "source_url": row["source_url"],
                  "source_id": source(row["source_url"]), "is_demo": False}
        if is_criterion_row(row["evidence_note"]):
            criterion.append({**record, "note": "erfüllt laut Quelle das Kriterium (mind. 50 Online-Verfahren); "
                              "eine Verleihung ist nicht berichtet", "name": row["entity_name"]})
            continue
        out.rows.append(record)
    existing = con.execute("SELECT * FROM certification WHERE NOT is_demo AND kind = ?", [CERT_KIND]).df()
    press = pd.DataFrame(out.rows)
    merged = _merge(press, existing, ["ars", "kind"], "awarded_on_precision")
    reported = pd.concat([press, existing]).dropna(subset=["procedures_reported"]).groupby("ars")[
        "procedures_reported"].first()
    merged["procedures_reported"] = merged["procedures_reported"].fillna(merged["ars"].map(reported))
    merged["procedures_reported"] = merged["procedures_reported"].astype("Int64")
    out.merged = merged
    out.extra = pd.DataFrame(criterion).drop(columns=["awarded_on", "awarded_on_precision", "procedures_reported"],
                                             errors="ignore")
    return out


def grants(rows: list[dict[str, str]], names: PressNames, source: SourceFor,
           con: duckdb.DuckDBPyConnection) -> Facts:
    """Individual Förderbescheide into `merged`; group totals into `extra` (milestone rows)."""
    out = Facts()
    aggregates = []
    for number, row in enumerate(rows, start=2):
        when = parse_when(row["bescheid_date_or_round"])
        amount, exact, amount_note = parse_amount(row["amount_eur"], row["amount_precision"])
        if row["recipient_type"].strip().casefold() in ("group", "aggregate"):
            fact = row["recipient"].replace(" (combined)", "").replace(" + ", ", ")
            aggregates.append({"on_date": when.value, "date_precision": when.precision, "program_id": PROGRAM,
                               "fact": f"Förderbescheide zusammen: {fact}", "value": amount,
                               "note": "; ".join(n for n in ("Sammelangabe, kein Einzelbescheid", amount_note) if n),
                               "source_url": row["source_url"], "source_id": source(row["source_url"])})
            continue
        ars = _resolve(names, out, number, row["recipient"], row["recipient_type"], row["landkreis"])
        if ars is None:
            continue
        note = "; ".join(n for n in (when.note, amount_note) if n) or None
        out.rows.append({"grant_id": f"{PROGRAM}:{ars}:presse", "program_id": PROGRAM, "ars": ars,
                         "approved_on": when.value, "approved_on_precision": when.precision, "amount_eur": amount,
                         "amount_exact": exact, "status": "bewilligt", "purpose": note,
                         "source_url": row["source_url"], "source_id": source(row["source_url"]), "is_demo": False})
    existing = con.execute("SELECT * FROM funding_grant WHERE NOT is_demo AND program_id = ?", [PROGRAM]).df()
    out.merged = _merge(pd.DataFrame(out.rows), existing, ["ars", "program_id"], "approved_on_precision",
                        prefer=["amount_exact"])
    out.extra = pd.DataFrame(aggregates)
    return out


def counts(rows: list[dict[str, str]], names: PressNames, source: SourceFor, con: duckdb.DuckDBPyConnection,
           land_codes: dict[str, str]) -> Facts:
    """BayernPortal counts into `merged` (procedure_snapshot), federal counts into `extra` (pvog_available)."""
    out = Facts()
    federal, milestones = [], []
    for number, row in enumerate(rows, start=2):
        metric = row["metric"]
        when = parse_when(row["stand"], row["stand_precision"])
        value, value_note = parse_count(row["value"])
        state = land_codes.get(row["land"].strip(), "")
        if row["entity_type"] == "aggregate":
            if "BayernPortal" in metric:
                milestones.append({"on_date": when.value, "date_precision": when.precision,
                                   "program_id": "digitales_amt",
                                   "fact": "Kommunen ohne eigenes Online-Verfahren im BayernPortal", "value": value,
                                   "note": value_note, "source_url": row["source_url"],
                                   "source_id": source(row["source_url"])})
            else:
                out.refused.append((number, row["entity_name"], "anderes Maß (Digitalisierungsquote der Kommunen), "
                                    "nicht übernommen"))
            continue
        if row["entity_type"] == "Land":
            ars = state or None
        else:
            ars = _resolve(names, out, number, row["entity_name"], row["entity_type"], "", state or BAVARIA)
        if ars is None:
            continue
        if "BayernPortal" in metric:
            if when.value is None or value is None:
                out.refused.append((number, row["entity_name"], "Anzahl ohne Stand (Datum) oder ohne genaue Zahl: "
                                    "nicht einzuordnen, nicht übernommen"))
                continue
            out.rows.append({"ars": ars, "as_of": when.value, "as_of_precision": when.precision, "total": value,
                             "municipal": None, "central": None, "source_url": row["source_url"],
                             "source_id": source(row["source_url"]), "is_demo": False})
        else:
            note = "; ".join(n for n in (when.note, value_note, None if when.value else "Stand nicht genannt") if n)
            federal.append({"ars": ars, "as_of": when.value, "as_of_precision": when.precision, "available": value,
                            "note": note or None, "source_url": row["source_url"],
                            "source_id": source(row["source_url"]), "is_demo": False})
    existing = con.execute("SELECT * FROM procedure_snapshot WHERE NOT is_demo").df()
    press = pd.DataFrame(out.rows)
    merged = _merge(press, existing, ["ars", "total"], "as_of_precision")
    out.merged = merged.drop_duplicates(["ars", "as_of"]) if not merged.empty else merged
    out.extra = pd.DataFrame(federal)
    out.milestones = pd.DataFrame(milestones)
    return out
