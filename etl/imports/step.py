"""The `imports` build step: analyst files given with --import and every file in the inbox
(data/import/inbox/) are parsed, merged into the new database (`etl.imports.merge`) and reported in
data/reports/. A file whose content (sha256) was already read in this build is skipped.
"""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from core.keys import PROJECT_DIR
from etl.context import BuildContext, StepResult, insert
from etl.imports.files import check_path
from etl.imports.formats import KIND_LABELS
from etl.imports.inbox import import_sources
from etl.imports.merge import Merger, insert_notes
from etl.imports.parse import Note, ParsedFile, parse_file, programme_lookup
from etl.imports.rules import check_grants
from etl.keys import RegionIndex
from etl.sources.files import sha256_of

REPORTS = PROJECT_DIR / "data" / "reports"
REPORT_COLUMNS = ("datei", "zeile", "art", "grund", "rohwerte")


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
    if parsed.meant_columns:
        parts.append("Spalten nach Bedeutung: " + ", ".join(f"'{h}' -> {label}"
                                                               for h, label in parsed.meant_columns.items()))
    if parsed.ignored_columns:
        parts.append("ignoriert: " + ", ".join(parsed.ignored_columns))
    return "; ".join(parts)


def load(ctx: BuildContext) -> list[StepResult]:
    """Build step: every import file into the new database; rejects into `reject` and the report."""
    sources = import_sources(ctx.options)
    if not sources:
        return [StepResult("imports", "–", 0, 0, 0.0, "keine Importdateien")]
    index = RegionIndex(ctx.regions)
    programmes = programme_lookup(ctx.db.execute("SELECT program_id, name, kind FROM program").df())
    merger = Merger(ctx.db, replace_kind="reference")
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
        check_grants(parsed, ctx.db)  # programme rules: cap per applicant, funding rates
        inserted = merger.add(parsed, source_id)
        insert(ctx.db, "source", source_frame(parsed, source_id))
        insert_notes(ctx.db, parsed.notes, source_id)
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
