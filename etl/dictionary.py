"""Build step 'Datenlexikon': one `data_dictionary` row (meaning, unit, source) for every column of every table
and view in the new database, and the measure catalogue of core/measures.py as table `measure`.

Entries live in etl/data_dictionary.csv: a row for an object and column, or for object `*` (a column name that
means the same wherever it occurs). A materialised helper table (metric_*) takes the entries of the view it
feeds. A column without any entry is reported by the step and fails the tests.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import duckdb
import pandas as pd

from core.measures import MEASURES
from etl.context import BuildContext, StepResult, Timer, insert

ENTRIES = Path(__file__).with_name("data_dictionary.csv")
ANY = "*"
# helper table -> the view (or table) whose column meanings it shares
FEEDS = {
    "metric_authority": "v_authority",
    "metric_latest": "v_procedures_latest",
    "metric_certificate": "certification",
    "metric_digitales_amt": "v_digitales_amt",
    "metric_grant_effect": "v_grant_effect",
    "metric_rank": "v_ranks",
    "metric_rollup": "v_rollup",
    "metric_municipality_map": "v_municipality_map",
    "metric_pvog_latest": "v_pvog_latest",
    "metric_pvog_map": "v_pvog_map",
}
Entry = tuple[str, str, str]


def load_entries(path: Path = ENTRIES) -> dict[tuple[str, str], Entry]:
    """(object, column) -> (meaning, unit, source) from the CSV."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {(r["object"], r["column_name"]): (r["meaning"], r["unit"], r["source"]) for r in csv.DictReader(fh)}


def database_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(object, column) of every persistent table and view of the open database, in catalogue order."""
    return con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = 'main' "
        "ORDER BY table_name, ordinal_position").fetchall()


def lookup(entries: dict[tuple[str, str], Entry], obj: str, column: str) -> Entry | None:
    for key in ((obj, column), (FEEDS.get(obj, ""), column), (ANY, column)):
        if key in entries:
            return entries[key]
    return None


def dictionary_rows(columns: list[tuple[str, str]],
                    entries: dict[tuple[str, str], Entry]) -> tuple[pd.DataFrame, list[str]]:
    """The rows for `data_dictionary` and the `object.column` names that have no entry."""
    rows, missing = [], []
    for obj, column in columns:
        entry = lookup(entries, obj, column)
        if entry is None:
            missing.append(f"{obj}.{column}")
            continue
        meaning, unit, source = entry
        rows.append({"object": obj, "column_name": column, "meaning": meaning, "unit": unit or None,
                     "source": source or None})
    return pd.DataFrame(rows, columns=["object", "column_name", "meaning", "unit", "source"]), missing


def measure_rows() -> pd.DataFrame:
    """One row per measure of the catalogue, lists as comma-separated text (readable in every download)."""
    return pd.DataFrame([{
        "key": m.key, "label": m.label, "unit": m.unit or None, "decimals": m.decimals,
        "higher_is_better": m.higher_is_better, "levels": ",".join(m.levels) or None, "rankable": m.rankable,
        "categories": ",".join(m.categories) or None, "facts": ",".join(m.facts) or None,
        "can_be_demo": m.can_be_demo, "caveat": m.caveat or None, "note": m.note or None,
    } for m in MEASURES.values()])


def dictionary_step(ctx: BuildContext) -> list[StepResult]:
    """Fill `measure` and `data_dictionary`; runs last, after the metric views exist."""
    t = Timer()
    measures = insert(ctx.db, "measure", measure_rows())
    results = [StepResult("dictionary", "core/measures.py", measures, 0, t.seconds, "Kennzahlenkatalog")]
    start = time.perf_counter()
    frame, missing = dictionary_rows(database_columns(ctx.db), load_entries())
    ctx.db.execute("DELETE FROM data_dictionary")
    insert(ctx.db, "data_dictionary", frame)
    note = "alle Spalten beschrieben" if not missing else "ohne Eintrag: " + ", ".join(missing)
    return [*results, StepResult("dictionary", ENTRIES.name, len(frame), len(missing),
                                 round(time.perf_counter() - start, 2), note)]
