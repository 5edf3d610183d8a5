"""Programme rules for imported grants: a grant above the programme's cap per applicant (alone or together with
the applicant's grants already in the build), or with a funding rate the programme does not have (Digitales
Rathaus: 80 % or 90 %), becomes a reject row with a message naming the rule; the row is not loaded."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.german import format_number
from etl.imports.parse import Note, ParsedFile

RATE_TOLERANCE = 0.005


def _euro(value: float) -> str:
    return format_number(value) + " EUR"


def _percent(value: float) -> str:
    return f"{value * 100:g} %".replace(".", ",")


def check_grants(parsed: ParsedFile, con: duckdb.DuckDBPyConnection) -> int:
    """Remove the grants of one parsed file that break their programme's rules; returns how many."""
    frame = parsed.tables.get("funding_grant")
    if frame is None or frame.empty:
        return 0
    programmes = {r[0]: r[1:] for r in con.execute(
        "SELECT program_id, name, max_per_applicant_eur, funding_rate, funding_rate_special FROM program "
        "WHERE kind = 'funding'").fetchall()}
    held = {(r[0], r[1]): float(r[2] or 0) for r in con.execute(
        "SELECT program_id, ars, sum(amount_eur) FROM funding_grant WHERE NOT is_demo GROUP BY ALL").fetchall()}
    keep = []
    for i, rec in enumerate(frame.to_dict("records")):
        name, cap, rate, special = programmes.get(rec["program_id"], (rec["program_id"], None, None, None))
        amount = rec.get("amount_eur")
        given = rec.get("funding_rate")
        reason = None
        rates = [r for r in (rate, special) if r is not None]
        if given is not None and not pd.isna(given) and rates and all(abs(given - r) > RATE_TOLERANCE for r in rates):
            reason = (f"Fördersatz {_percent(given)} gibt es bei {name} nicht (erlaubt: "
                      f"{' oder '.join(_percent(r) for r in rates)})")
        elif cap is not None and amount is not None and not pd.isna(amount):
            before = held.get((rec["program_id"], rec["ars"]), 0.0)
            if amount > cap:
                reason = f"Betrag {_euro(amount)} über dem Höchstbetrag von {name} ({_euro(cap)} je Antragsteller)"
            elif before + amount > cap:
                reason = (f"zusammen mit den schon geladenen Bescheiden ({_euro(before)}) über dem Höchstbetrag von "
                          f"{name} ({_euro(cap)} je Antragsteller)")
            else:
                held[(rec["program_id"], rec["ars"])] = before + amount
        if reason is None:
            keep.append(i)
            continue
        parsed.notes.append(Note(parsed.name, rec.get("_row"), "reject", reason, str(rec.get("_raw") or "")))
    parsed.tables["funding_grant"] = frame.iloc[keep].reset_index(drop=True)
    return len(frame) - len(keep)
