"""The `imports` build step: analyst files given with --import and every file in the inbox
(data/import/inbox/) are parsed, merged into the new database and reported in data/reports/.

Merging: a file whose content (sha256) was already read in this build is skipped; a row whose natural
key another import file already loaded counts as already present when its facts agree and is rejected as
a contradiction when they differ; a row with the natural key of a reference row (etl/reference/) replaces
that row, reported as `replaced`. `import_into_inbox` is the library side of `python -m etl import`.
"""

from __future__ import annotations

import csv
import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from etl.context import BuildContext, BuildOptions, StepResult, insert
from etl.import_files import check_path
from etl.import_parse import (
    FACT_COLUMNS,
    KIND_LABELS,
    Note,
    ParsedFile,
    check_file,
    natural_key,
    parse_file,
    programme_lookup,
)
from etl.keys import RegionIndex
from etl.sources import sha256_of

PROJECT_DIR = Path(__file__).resolve().parent.parent
INBOX = PROJECT_DIR / "data" / "import" / "inbox"
REPORTS = PROJECT_DIR / "data" / "reports"
_INBOX_NAME = re.compile(r"^([0-9a-f]{16})\.(procedures|grants|certifications|auto)\.(.+)$")

# natural-key columns of rows the reference step wrote (identifiers from this allow-list only)
KEY_COLUMNS = {
    "procedure_snapshot": ("ars", "as_of", "as_of_precision"),
    "funding_grant": ("grant_id",),
    "certification": ("ars", "kind"),
}
REPORT_COLUMNS = ("datei", "zeile", "art", "grund", "rohwerte")


# ---------------------------------------------------------------------------------------------- inbox


def inbox_entry(path: Path) -> tuple[str | None, str]:
    """(kind, original name) of a file in the inbox; files dropped there by hand are recognised by columns."""
    m = _INBOX_NAME.match(path.name)
    if not m:
        return None, path.name
    return (None if m[2] == "auto" else m[2]), m[3]


def inbox_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and not p.name.lower().startswith("readme"))


def add_to_inbox(path: Path, kind: str | None, folder: Path = INBOX) -> tuple[Path, bool]:
    """Copy a file into the inbox under a content-addressed name; (path, False) when it is there already."""
    check_path(path)
    sha = sha256_of(path)[:16]
    for existing in inbox_files(folder):
        if existing.name.startswith(sha + ".") or sha256_of(existing)[:16] == sha:
            return existing, False
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", path.name).strip("._") or "import"
    target = folder / f"{sha}.{kind or 'auto'}.{safe}"
    part = target.with_name("." + target.name + ".part")
    shutil.copyfile(path, part)
    part.replace(target)
    return target, True


def import_into_inbox(path: Path, kind: str | None, folder: Path = INBOX) -> tuple[Path, bool]:
    """Check the file (readable, columns recognised) before it enters the inbox, then copy it there."""
    check_file(path, kind)
    return add_to_inbox(path, kind, folder)


def import_sources(options: BuildOptions) -> list[tuple[Path, str | None, str]]:
    """(path, kind, shown name) of every file to import: --import files first, then the inbox."""
    found: list[tuple[Path, str | None, str]] = [(Path(p), None, Path(p).name) for p in options.imports]
    if options.inbox is not None:
        for path in inbox_files(Path(options.inbox)):
            kind, name = inbox_entry(path)
            found.append((path, kind, name))
    return found


# ---------------------------------------------------------------------------------------------- merge


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


def write_report(notes: list[Note], folder: Path, build_id: str) -> Path:
    """The rejects report for analysts: CSV for German Excel (UTF-8 with BOM, semicolons)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"importe-{build_id}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(REPORT_COLUMNS)
        for n in notes:
            writer.writerow([n.file, n.row_number if n.row_number is not None else "", n.kind, n.reason, n.raw])
    return path


def source_frame(parsed: ParsedFile, source_id: str) -> pd.DataFrame:
    retrieved = datetime.fromtimestamp(parsed.path.stat().st_mtime, tz=UTC)
    return pd.DataFrame([{
        "source_id": source_id, "dataset": "analyst_import",
        "title": f"Analystenimport: {KIND_LABELS[parsed.fmt]} ({parsed.name})", "publisher": None, "url": None,
        "file": parsed.name, "sha256": parsed.sha256, "bytes": parsed.bytes, "origin": "import",
        "retrieved_at": retrieved, "licence": None, "attribution": None, "edition": None, "kind": "import",
        "is_demo": False}])


def _summary(parsed: ParsedFile, inserted: dict[str, int]) -> str:
    parts = [f"{KIND_LABELS[parsed.fmt]} ({parsed.described})"]
    main = inserted.get(next(iter(parsed.tables)), 0)
    parts.append(f"{main} neu")
    for count, label in ((parsed.already_present, "bereits vorhanden"),
                         (parsed.count("repaired"), "Schlüssel repariert"),
                         (parsed.count("name_match"), "per Name zugeordnet"),
                         (parsed.count("replaced"), "Referenzeinträge ersetzt"),
                         (inserted.get("procedure_snapshot", 0) if parsed.fmt == "procedures" else 0,
                          "Stände abgeleitet")):
        if count:
            parts.append(f"{count} {label}")
    if parsed.ignored_columns:
        parts.append("ignoriert: " + ", ".join(parsed.ignored_columns))
    return "; ".join(parts)


def load(ctx: BuildContext) -> list[StepResult]:
    """Build step: every import file into the new database; rejects into `reject` and the report."""
    sources = import_sources(ctx.options)
    if not sources:
        return [StepResult("imports", "–", 0, 0, 0.0, "keine Importdateien")]
    index = RegionIndex(ctx.regions)
    programmes = programme_lookup(ctx.con.execute("SELECT program_id, name, kind FROM program").df())
    merger = Merger(ctx.con, replace_kind="reference")
    results: list[StepResult] = []
    done: dict[str, str] = {}
    notes: list[Note] = []
    pending: list[tuple[StepResult, ParsedFile]] = []
    for path, kind, shown in sources:
        start = time.perf_counter()
        check_path(path)  # a regular file within the size limit, before it is hashed or read
        sha = sha256_of(path)
        if sha and sha in done:
            results.append(StepResult("imports", shown, 0, 0, 0.0, f"gleicher Inhalt wie {done[sha]} – übersprungen"))
            continue
        parsed = parse_file(path, index, programmes, kind, shown)
        done[sha] = shown
        source_id = f"import:{sha[:16]}"
        inserted = merger.add(parsed, source_id)
        insert(ctx.con, "source", source_frame(parsed, source_id))
        insert_notes(ctx.con, parsed.notes, source_id)
        notes.extend(parsed.notes)
        result = StepResult("imports", shown, parsed.loaded, parsed.rejected,
                            round(time.perf_counter() - start, 2), _summary(parsed, inserted))
        results.append(result)
        pending.append((result, parsed))
    if notes:
        report = write_report(notes, Path(ctx.options.reports_dir or REPORTS), ctx.build_id)
        for result, parsed in pending:
            if parsed.notes:
                result.note += f"; Bericht: {report}"
    return results


def current_demo_flag(published: Path) -> bool:
    """Whether the published build holds demo data (a rebuild after an import keeps it that way)."""
    if not published.exists():
        return False
    con = duckdb.connect(str(published.resolve()), read_only=True)
    try:
        row = con.execute("SELECT value FROM build_info WHERE key = 'demo'").fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return bool(row and row[0] == "true")
