"""Merging parsed files into the new database: each natural key once.

A row whose natural key another file already loaded counts as already present when its facts agree and is
rejected as a contradiction when they differ; with `replace_kind`, a row with the natural key of a row
from a source of that kind (the reference facts of etl/reference/) replaces that row, noted as `replaced`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.context import insert
from etl.imports.facts import FACT_COLUMNS, natural_key
from etl.imports.parse import Note, ParsedFile

# natural-key columns of rows the reference step wrote (identifiers from this allow-list only)
KEY_COLUMNS = {
    "procedure_snapshot": ("ars", "as_of", "as_of_precision"),
    "funding_grant": ("grant_id",),
    "certification": ("ars", "kind"),
}


def _plain(value: object) -> object:
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


class Merger:
    """Writes parsed files into the new database, keeping each natural key once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, replace_kind: str | None = None) -> None:
        self.con = con
        self.replace_kind = replace_kind
        self.seen: dict[tuple[object, ...], tuple[str, object, tuple[object, ...]]] = {}
        self.replaceable: dict[tuple[object, ...], str] = {}
        if replace_kind is not None:
            for table, cols in KEY_COLUMNS.items():
                listed = ", ".join(f't."{c}"' for c in cols)
                rows = con.execute(
                    f"SELECT {listed}, s.file FROM {table} t JOIN source s USING (source_id) "  # noqa: S608
                    "WHERE s.kind = $source_kind", {"source_kind": replace_kind}).fetchall()
                for row in rows:
                    self.replaceable[(table, *row[:-1])] = str(row[-1])

    def add(self, parsed: ParsedFile, source_id: str) -> dict[str, int]:
        """Insert the rows of one file; returns rows inserted per table."""
        inserted: dict[str, int] = {}
        for table, frame in parsed.tables.items():
            keep = []
            for rec in frame.to_dict("records"):
                rec = {k: _plain(v) for k, v in rec.items()}
                key = (table, *natural_key(table, rec))
                facts = tuple(rec.get(c) for c in FACT_COLUMNS[table])
                if key in self.seen:
                    other_file, other_row, other_facts = self.seen[key]
                    if rec["_row"] is None:
                        continue  # a derived count for a point another file already gave
                    if facts == other_facts or table == "online_service":
                        parsed.already_present += 1
                    else:
                        parsed.notes.append(Note(parsed.name, rec["_row"], "reject",  # type: ignore[arg-type]
                                                 f"widerspricht {other_file} Zeile {other_row} (dort "
                                                 f"{_facts_text(table, other_facts)})", _raw_of(rec)))
                    continue
                if key in self.replaceable:
                    self._delete(table, key[1:])
                    parsed.notes.append(Note(parsed.name, rec["_row"], "replaced",  # type: ignore[arg-type]
                                             f"ersetzt den Referenzeintrag aus {self.replaceable.pop(key)}",
                                             _raw_of(rec)))
                self.seen[key] = (parsed.name, rec["_row"], facts)
                keep.append(rec)
            rows = pd.DataFrame.from_records(keep, columns=list(frame.columns)) if keep else frame.iloc[0:0]
            if "_source_id" not in rows:
                rows = rows.assign(_source_id=source_id)
            out = rows.assign(source_id=rows["_source_id"], is_demo=False)
            out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
            for col in ("municipal", "central", "total", "procedures_reported"):
                if col in out:
                    out[col] = pd.array(out[col].tolist(), dtype="Int64")
            inserted[table] = insert(self.con, table, out)
        parsed.notes.sort(key=lambda n: (n.row_number or 0, n.kind != "reject"))
        return inserted

    def _delete(self, table: str, key: tuple[object, ...]) -> None:
        cols = KEY_COLUMNS[table]
        where = " AND ".join(f'"{c}" = $k{i}' for i, c in enumerate(cols))
        self.con.execute(
            f"DELETE FROM {table} WHERE {where} AND source_id IN "  # noqa: S608 - allow-listed identifiers
            "(SELECT source_id FROM source WHERE kind = $source_kind)",
            {**{f"k{i}": value for i, value in enumerate(key)}, "source_kind": self.replace_kind})


def _facts_text(table: str, facts: tuple[object, ...]) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(FACT_COLUMNS[table], facts, strict=True))


def _raw_of(rec: dict[str, object]) -> str:
    return str(rec.get("_raw") or "")


def insert_notes(con: duckdb.DuckDBPyConnection, notes: list[Note], source_id: str) -> None:
    if notes:
        insert(con, "reject", pd.DataFrame([{"source_id": source_id, "file": n.file, "row_number": n.row_number,
                                             "reason": n.reason, "raw": n.raw, "kind": n.kind} for n in notes]))
