"""Rows of the fact tables as the import parser yields them: natural keys, typed frames, the pandera rules,
and the counts derived from a procedure list.

Procedure lists become `procedure_snapshot` rows too (see data/import/README.md): per region one row at
the file's Stand (or, without a Stand column, at the latest "Online seit"), counting every listed
procedure, plus one row per earlier month in which procedures went online, counting those online by
the end of that month.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pandera.pandas as pa

from etl.errors import EtlError
from etl.german import PartialDate
from etl.imports.formats import SCHEMAS


def natural_key(table: str, rec: dict[str, object]) -> tuple[object, ...]:
    """The identity of a row: a second row with the same key is a duplicate or a contradiction."""
    if table == "online_service":
        return rec["ars"], rec["_service_key"], rec["kind"]
    if table == "procedure_snapshot":
        return rec["ars"], rec["as_of"], rec["as_of_precision"]
    if table == "funding_grant":
        return (rec["grant_id"],)
    return rec["ars"], rec["kind"]


# the values that must agree when two rows share a natural key (else the later row is a contradiction)
FACT_COLUMNS = {
    "online_service": (),
    "procedure_snapshot": ("municipal", "central", "total"),
    "funding_grant": ("approved_on", "approved_on_precision", "amount_eur", "status", "funding_rate"),
    "certification": ("awarded_on", "awarded_on_precision"),
}
INT_COLUMNS = {"procedure_snapshot": ("municipal", "central", "total"), "certification": ("procedures_reported",)}


def fact_frame(table: str, records: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    for col in INT_COLUMNS.get(table, ()):
        if col in frame:
            frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    for col in ("amount_eur", "funding_rate"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col]).astype(float)
    return frame


def validate(table: str, frame: pd.DataFrame) -> dict[int, list[str]]:
    """pandera rules on the parsed rows: frame position -> messages of the failed rules."""
    if frame.empty:
        return {}
    try:
        SCHEMAS[table].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures: dict[int, list[str]] = {}
        cases = exc.failure_cases
        for idx, check, column in zip(cases["index"], cases["check"], cases["column"], strict=True):
            if idx is None or pd.isna(idx):
                raise EtlError(None, f"interne Prüfung von {table} fehlgeschlagen: {check} ({column})") from exc
            messages = failures.setdefault(int(idx), [])
            if str(check) not in messages:
                messages.append(str(check))
        return failures
    return {}


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def same_value(a: object, b: object) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    return bool(a == b)


def derive_snapshots(services: list[dict[str, object]]) -> pd.DataFrame:
    """Counts per region from a procedure list (rule in the module docstring)."""
    rows = []
    by_region: dict[str, list[dict[str, object]]] = {}
    for rec in services:
        by_region.setdefault(str(rec["ars"]), []).append(rec)
    for ars, recs in sorted(by_region.items()):
        dated = [(PartialDate(r["online_since"], str(r["online_since_precision"])), r["kind"]) for r in recs
                 if r["online_since"] is not None]
        stands = [r["_stand"] for r in recs if r["_stand"].value is not None]  # type: ignore[union-attr]
        if stands:
            stand = max(stands, key=lambda s: s.end)  # type: ignore[union-attr]
        else:
            stand = max((d for d, _ in dated), key=lambda d: d.end)  # type: ignore[arg-type, return-value]
        rows.append(_count(ars, stand, [r["kind"] for r in recs]))
        months = sorted({date(d.value.year, d.value.month, 1) for d, _ in dated  # type: ignore[union-attr]
                         if d.precision in ("day", "month")})
        for month in months:
            point = PartialDate(month, "month")
            if stand.value is not None and (month.year, month.month) >= (stand.value.year, stand.value.month):
                continue
            if stand.precision == "year" and month.year >= stand.value.year:  # type: ignore[union-attr]
                continue
            online = [kind for d, kind in dated if d.end <= point.end]  # type: ignore[operator]
            rows.append(_count(ars, point, online))
    return fact_frame("procedure_snapshot", rows) if rows else pd.DataFrame(
        columns=["ars", "as_of", "as_of_precision", "municipal", "central", "total", "source_url", "_row"])


def _count(ars: str, when: PartialDate, kinds: list[object]) -> dict[str, object]:
    municipal = sum(1 for k in kinds if k == "municipal")
    return {"ars": ars, "as_of": when.value, "as_of_precision": when.precision, "municipal": municipal,
            "central": len(kinds) - municipal, "total": len(kinds), "source_url": None, "_row": None}
