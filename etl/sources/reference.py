"""The `reference` build step: the project's own reference facts in etl/reference/ (programmes,
milestones, Digitales-Amt awards, Digitales-Rathaus grants, procedure counts from press reports and
ministry pages), loaded in every build with `is_demo = false`.

Awards, grants and counts are written in the analyst import format and read by the same parser, so the
same key rules apply. Each distinct source URL of a file becomes one `source` row of kind 'reference';
every fact row points to the source of its own URL. A broken programme or milestone file stops the build
(EtlError); a refused award, grant or count row is recorded in `reject` like an import row.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from etl.context import BuildContext, StepResult, insert
from etl.errors import EtlError
from etl.german import ParseError, parse_date, parse_int, parse_number, parse_rate, text
from etl.imports.files import read_table
from etl.imports.formats import DATE_RULE, KIND_LABELS, URL, header_key
from etl.imports.merge import Merger, insert_notes
from etl.imports.parse import ParsedFile, parse_file, programme_lookup
from etl.keys import RegionIndex, clean_key
from etl.sources.files import sha256_of

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
PROGRAMME_FILE = "programme.csv"
MILESTONE_FILE = "meilensteine.csv"
IMPORT_FILES = (("zertifizierungen.csv", "certifications"), ("foerderungen.csv", "grants"),
                ("verfahren_anzahl.csv", "procedures"))
LICENCE = "Fakten aus der genannten Quelle; Zusammenstellung und Schlüssel: Digitalmonitor Kommunen"


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[object], object]
    required: bool = False


def _day(value: object) -> object:
    parsed = parse_date(value)
    if parsed.value is not None and parsed.precision != "day":
        raise ParseError(f"'{value}' ist kein Tagesdatum")
    return parsed.value


def _state(value: object) -> object:
    key = clean_key(value)
    if key is None or len(key) != 2 or not key.isdigit():
        raise ParseError(f"'{value}' ist kein zweistelliger Landesschlüssel")
    return key


PROGRAMME_COLUMNS = {
    "programm id": Column("program_id", text, True), "name": Column("name", text, True),
    "land": Column("state_ars", _state, True), "art": Column("kind", text, True),
    "traeger": Column("operator", text), "rechtsgrundlage": Column("legal_basis", text),
    "in kraft seit": Column("in_force_on", _day), "budget eur": Column("budget_eur", parse_number),
    "hoechstbetrag je antragsteller eur": Column("max_per_applicant_eur", parse_number),
    "foerdersatz": Column("funding_rate", parse_rate),
    "foerdersatz besonderer handlungsbedarf": Column("funding_rate_special", parse_rate),
    "schwelle": Column("threshold", parse_int), "schwelle bezirk": Column("threshold_bezirk", parse_int),
    "mindestzahl online dienste": Column("min_services", parse_int), "antragsfrist": Column("closes_on", _day),
    "bedingungen": Column("conditions", text), "zielgruppe": Column("target", text),
    "unterstuetzung": Column("support", text), "quelle": Column("source_url", text, True),
    "bemerkung": Column("_note", text),
}
MILESTONE_COLUMNS = {
    "datum": Column("_date", parse_date, True), "programm": Column("program_id", text, True),
    "fakt": Column("fact", text, True), "wert": Column("value", parse_number),
    "quelle": Column("source_url", text, True), "bemerkung": Column("note", text),
}

PROGRAMME_SCHEMA = pa.DataFrameSchema({
    "program_id": pa.Column(str, pa.Check.str_matches(r"^[a-z_]+$"), unique=True),
    "state_ars": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
    "kind": pa.Column(str, pa.Check.isin(["funding", "certification"])),
    "budget_eur": pa.Column(float, pa.Check.ge(0), nullable=True),
    "funding_rate": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
    "in_force_on": pa.Column(nullable=True, checks=DATE_RULE),
    "source_url": pa.Column(str, URL),
})
MILESTONE_SCHEMA = pa.DataFrameSchema({
    "on_date": pa.Column(nullable=False, checks=DATE_RULE),
    "date_precision": pa.Column(str, pa.Check.isin(["day", "month", "year"])),
    "source_url": pa.Column(str, URL),
})


def _read_simple(path: Path, columns: dict[str, Column], schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Read a reference-only table (programmes, milestones); any bad value stops the build."""
    table = read_table(path, lambda cells: sum(1 for c in cells if header_key(str(c)) in columns))
    heads = [header_key(h) for h in table.header]
    missing = [h for h, col in columns.items() if col.required and h not in heads]
    if missing:
        raise EtlError(path, f"Spalten fehlen: {', '.join(missing)}")
    records = []
    for number, cells in table.rows:
        rec: dict[str, object] = {}
        for head, cell in zip(heads, cells, strict=False):
            col = columns.get(head)
            if col is None:
                continue
            try:
                rec[col.name] = col.parse(cell)
            except ParseError as exc:
                raise EtlError(path, f"Zeile {number}, Spalte '{head}': {exc}") from exc
            if col.required and rec[col.name] is None:
                raise EtlError(path, f"Zeile {number}: Wert in Spalte '{head}' fehlt")
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    if "_date" in frame:
        frame["on_date"] = [d.value for d in frame["_date"]]
        frame["date_precision"] = [d.precision for d in frame["_date"]]
    for col in ("budget_eur", "max_per_applicant_eur", "funding_rate", "funding_rate_special", "value"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col]).astype(float)
    for col in ("threshold", "threshold_bezirk", "min_services"):
        if col in frame:
            frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    try:
        schema.validate(frame.drop(columns=[c for c in frame.columns if c.startswith("_")]), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        raise EtlError(path, f"{len(cases)} ungültige Werte, z. B. Spalte {first['column']}: {first['check']} "
                       f"({first['failure_case']})") from exc
    return frame


def read_programmes(path: Path = REFERENCE_DIR / PROGRAMME_FILE) -> pd.DataFrame:
    return _read_simple(path, PROGRAMME_COLUMNS, PROGRAMME_SCHEMA)


def read_milestones(path: Path = REFERENCE_DIR / MILESTONE_FILE) -> pd.DataFrame:
    return _read_simple(path, MILESTONE_COLUMNS, MILESTONE_SCHEMA)


class _Sources:
    """One `source` row per reference file and distinct source URL."""

    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []

    def id_for(self, path: Path, url: str | None) -> str:
        stem = path.stem
        digest = hashlib.sha256((url or "").encode()).hexdigest()[:10]
        source_id = f"reference:{stem}:{digest}"
        if not any(r["source_id"] == source_id for r in self.rows):
            self.rows.append({
                "source_id": source_id, "dataset": f"reference_{stem}",
                "title": f"Referenzdaten {path.name}" + (f": {url}" if url else " (ohne Quellenangabe)"),
                "publisher": None, "url": url, "file": f"etl/reference/{path.name}", "sha256": sha256_of(path),
                "bytes": path.stat().st_size, "origin": "project", "retrieved_at": None, "licence": LICENCE,
                "attribution": f"Quelle: {url}" if url else None, "edition": None, "kind": "reference",
                "is_demo": False})
        return source_id

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def parse_reference(index: RegionIndex, programmes: pd.DataFrame,
                    folder: Path = REFERENCE_DIR) -> list[ParsedFile]:
    """The award, grant and count files, parsed like analyst imports (no database writes)."""
    lookup = programme_lookup(programmes)
    return [parse_file(folder / name, index, lookup, kind, name=f"etl/reference/{name}")
            for name, kind in IMPORT_FILES]


def load(ctx: BuildContext, folder: Path = REFERENCE_DIR) -> list[StepResult]:
    """Source entry point (build step 'Referenzdaten'): programmes, milestones, awards, grants and counts
    from etl/reference/."""
    results = []
    sources = _Sources()
    start = time.perf_counter()
    programmes = read_programmes(folder / PROGRAMME_FILE)
    programmes["source_id"] = [sources.id_for(folder / PROGRAMME_FILE, u) for u in programmes["source_url"]]
    insert(ctx.db, "program", programmes.drop(columns=["_note"], errors="ignore").assign(is_demo=False))
    results.append(StepResult("reference", PROGRAMME_FILE, len(programmes), 0,
                              round(time.perf_counter() - start, 2), "Programme"))

    start = time.perf_counter()
    milestones = read_milestones(folder / MILESTONE_FILE)
    unknown = set(milestones["program_id"]) - set(programmes["program_id"])
    if unknown:
        raise EtlError(folder / MILESTONE_FILE, f"unbekannte Programme: {', '.join(sorted(unknown))}")
    milestones["source_id"] = [sources.id_for(folder / MILESTONE_FILE, u) for u in milestones["source_url"]]
    insert(ctx.db, "milestone", milestones.drop(columns=["_date"]))
    results.append(StepResult("reference", MILESTONE_FILE, len(milestones), 0,
                              round(time.perf_counter() - start, 2), "Meilensteine"))

    index = RegionIndex(ctx.regions)
    merger = Merger(ctx.db)
    for parsed in parse_reference(index, programmes, folder):
        start = time.perf_counter()
        path = parsed.path
        for frame in parsed.tables.values():
            urls = frame["source_url"] if "source_url" in frame else pd.Series([None] * len(frame), dtype=object)
            frame["_source_id"] = [sources.id_for(path, text(u)) for u in urls]
        inserted = merger.add(parsed, "")  # every row carries the source of its own URL
        if parsed.notes:
            insert_notes(ctx.db, parsed.notes, sources.id_for(path, None))
        table = next(iter(parsed.tables))
        results.append(StepResult("reference", path.name, parsed.loaded, parsed.rejected,
                                  round(time.perf_counter() - start, 2),
                                  f"{KIND_LABELS[parsed.fmt]}: {inserted.get(table, 0)} Zeilen in {table}"))
    insert(ctx.db, "source", sources.frame())
    return results
