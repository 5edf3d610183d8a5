"""Parsing of analyst imports: a CSV/XLSX file of one kind -> validated table rows plus notes on rejected,
repaired and name-matched rows.

Kinds: `procedures` (one row per online procedure, or counts per region and date), `grants`,
`certifications`. A file-level problem raises EtlError naming the file; a row-level problem rejects
only that row. Nothing here touches the database; `etl.imports.merge` writes the results. Columns are
recognised in `etl.imports.columns`; keys, frames and derived counts of the rows live in `etl.imports.facts`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from etl.german import (
    UNKNOWN,
    ParseError,
    PartialDate,
    format_date,
    infer_decimal,
    is_blank,
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
    parse_rate,
    text,
)
from etl.imports.columns import Columns, check_file
from etl.imports.facts import FACT_COLUMNS, derive_snapshots, fact_frame, natural_key, same_value, validate
from etl.imports.files import RawTable
from etl.imports.formats import (
    CERTIFICATES,
    FORMATS,
    PROCEDURE_KINDS,
    Field,
)
from etl.keys import RegionIndex, RegionMatch, UnresolvedRegion, name_key
from etl.sources.files import sha256_of

TABLE_OF = {"procedures": "online_service", "procedure_counts": "procedure_snapshot",
            "grants": "funding_grant", "certifications": "certification"}


@dataclass
class Note:
    """One line of the rejects report: a refused row, or a loaded row whose key was repaired or matched."""

    file: str
    row_number: int | None
    kind: str  # reject | repaired | name_match | replaced
    reason: str
    raw: str


@dataclass
class ParsedFile:
    """What one import file yields: rows per table (with their file row number in `_row`) and notes."""

    path: Path
    name: str
    sha256: str
    bytes: int
    fmt: str  # procedures | procedure_counts | grants | certifications
    rows: int
    tables: dict[str, pd.DataFrame]
    notes: list[Note]
    described: str
    ignored_columns: list[str] = field(default_factory=list)
    meant_columns: dict[str, str] = field(default_factory=dict)  # header matched by meaning -> field label
    already_present: int = 0

    @property
    def rejected(self) -> int:
        return sum(1 for n in self.notes if n.kind == "reject")

    @property
    def loaded(self) -> int:
        return self.rows - self.rejected

    def count(self, kind: str) -> int:
        return sum(1 for n in self.notes if n.kind == kind)


# ---------------------------------------------------------------------------------------------- rows


class _Row:
    """Field access for one data row, collecting parse errors as German messages."""

    def __init__(self, cells: list[object], columns: Columns, fields: dict[str, Field]) -> None:
        self.cells = cells
        self.columns = columns
        self.fields = fields
        self.errors: list[str] = []

    def raw(self, name: str) -> object:
        for i in self.columns.positions.get(name, []):
            if i < len(self.cells) and not is_blank(self.cells[i]):
                return self.cells[i]
        return None

    def get(self, name: str, parser: Callable[..., Any], *args: object) -> Any:
        value = self.raw(name)
        try:
            return parser(value, *args)
        except (ParseError, UnresolvedRegion) as exc:
            self.errors.append(f"{self.fields[name].label}: {exc}")
            return None


def _raw_json(header: list[str], cells: list[object]) -> str:
    values = {}
    for i, cell in enumerate(cells):
        label = header[i] if i < len(header) and header[i] else f"Spalte {i + 1}"
        if not is_blank(cell) or i < len(header):
            values[label] = text(cell)
    return json.dumps(values, ensure_ascii=False)


def _procedure_kind(value: object) -> str:
    token = (text(value) or "").casefold()
    if token in PROCEDURE_KINDS:
        return PROCEDURE_KINDS[token]
    raise ParseError(f"'{text(value)}' ist weder kommunal noch zentral" if token else "fehlt (kommunal oder zentral)")


def _required_text(value: object) -> str:
    result = text(value)
    if result is None:
        raise ParseError("fehlt")
    return result


def _digits_id(value: object) -> str | None:
    result = text(value)
    return result.replace(" ", "") if result else None


def _required_date(value: object) -> PartialDate:
    result = parse_date(value)
    if result.value is None:
        raise ParseError("fehlt")
    return result


class _Parser:
    """Turns the rows of one table into records of the target table, rejecting bad rows."""

    def __init__(self, table: RawTable, columns: Columns, index: RegionIndex, programmes: dict[str, str]) -> None:
        self.table = table
        self.columns = columns
        self.index = index
        self.programmes = programmes
        self.fields = {f.name: f for f in FORMATS[columns.fmt]}
        self.decimal = infer_decimal([self._cell(cells, "amount_eur") for _, cells in table.rows])

    def _cell(self, cells: list[object], name: str) -> object:
        for i in self.columns.positions.get(name, []):
            if i < len(cells):
                return cells[i]
        return None

    def region(self, row: _Row) -> RegionMatch | None:
        try:
            return self.index.resolve(row.raw("key"), row.raw("name"), row.raw("region_type"), row.raw("district"))
        except UnresolvedRegion as exc:
            row.errors.append(str(exc))
            return None

    def record(self, row: _Row) -> dict[str, object]:
        fmt = self.columns.fmt
        if fmt == "procedures":
            return self._procedure(row)
        if fmt == "procedure_counts":
            return self._counts(row)
        if fmt == "grants":
            return self._grant(row)
        return self._certification(row)

    def _procedure(self, row: _Row) -> dict[str, object]:
        since = row.get("online_since", parse_date) or UNKNOWN
        stand = row.get("as_of", parse_date) or UNKNOWN
        leika = row.get("leika_id", _digits_id)
        ozg = row.get("ozg_id", _digits_id)
        any_id = row.get("any_id", _digits_id)
        if any_id:
            if len(any_id) == 14 and any_id.isdigit():
                leika = leika or any_id
            elif len(any_id) == 5 and any_id.isdigit():
                ozg = ozg or any_id
            else:
                row.errors.append(f"LeiKa/OZG-ID: '{any_id}' ist weder eine LeiKa-ID (14 Ziffern) noch eine "
                                  "OZG-ID (5 Ziffern)")
        if since.value is None and stand.value is None:
            row.errors.append("weder 'Online seit' noch 'Stand' angegeben: das Verfahren lässt sich keinem Zeitpunkt "
                              "zuordnen")
        if since.value is not None and stand.end is not None and since.value > stand.end:
            row.errors.append(f"'Online seit' ({format_date(since)}) liegt nach dem Stand ({format_date(stand)})")
        name = row.get("service_name", _required_text)
        return {"service_name": name, "kind": row.get("procedure_kind", _procedure_kind),
                "leika_id": leika, "ozg_id": ozg, "online_since": since.value,
                "online_since_precision": since.precision if since.value else None,
                "url": row.get("url", text), "_stand": stand,
                "_service_key": " ".join(str(name).casefold().split()) if name else None}

    def _counts(self, row: _Row) -> dict[str, object]:
        stand = row.get("as_of", _required_date)
        municipal = row.get("municipal", parse_int)
        central = row.get("central", parse_int)
        total = row.get("total", parse_int)
        if total is None and municipal is not None and central is not None:
            total = municipal + central
        if total is None and not row.errors:
            row.errors.append("gesamt fehlt (oder kommunal und zentral angeben)")
        return {"as_of": stand.value if stand else None, "as_of_precision": stand.precision if stand else None,
                "municipal": municipal, "central": central, "total": total, "source_url": row.get("source_url", text)}

    def _programme(self, value: object) -> str:
        raw = _required_text(value)
        key = name_key(raw)
        for candidate in (key, key.removeprefix("foerderprogramm ").strip(), raw):
            if candidate in self.programmes:
                return self.programmes[candidate]
        known = ", ".join(sorted({v for v in self.programmes.values()}))
        raise ParseError(f"'{raw}' ist kein bekanntes Förderprogramm (bekannt: {known})")

    def _grant(self, row: _Row) -> dict[str, object]:
        program = row.get("program", self._programme)
        approved = row.get("approved_on", parse_date) or UNKNOWN
        amount = row.get("amount_eur", parse_number, self.decimal)
        exact = row.get("amount_exact", parse_bool)
        status = (text(row.raw("status")) or "bewilligt").casefold()
        return {"program_id": program, "approved_on": approved.value, "approved_on_precision": approved.precision,
                "amount_eur": amount, "amount_exact": (exact if exact is not None else True) if amount is not None
                else None, "funding_rate": row.get("funding_rate", parse_rate), "purpose": row.get("purpose", text),
                "status": status, "source_url": row.get("source_url", text),
                "_reference": row.get("reference", text)}

    def _certification(self, row: _Row) -> dict[str, object]:
        certificate = row.get("certificate", _required_text)
        awarded = row.get("awarded_on", parse_date) or UNKNOWN
        if certificate:
            certificate = CERTIFICATES.get(" ".join(certificate.casefold().split()), certificate)
        return {"kind": certificate, "awarded_on": awarded.value, "awarded_on_precision": awarded.precision,
                "procedures_reported": row.get("procedures_reported", parse_int), "note": row.get("note", text),
                "source_url": row.get("source_url", text)}


def _grant_id(rec: dict[str, object]) -> str:
    if rec.get("_reference"):
        return f"{rec['program_id']}:{rec['_reference']}"
    basis = "|".join(str(rec.get(k)) for k in ("ars", "approved_on", "approved_on_precision", "amount_eur", "purpose"))
    return f"{rec['program_id']}:{rec['ars']}:{hashlib.sha256(basis.encode()).hexdigest()[:10]}"


def _records(table: RawTable, columns: Columns, parser: _Parser, name: str,
             notes: list[Note]) -> tuple[list[dict[str, object]], dict[int, RegionMatch], dict[int, str]]:
    """Each data row parsed on its own: records with their region match and raw text; rejects into `notes`."""
    target = TABLE_OF[columns.fmt]
    width = len(table.header)
    records: list[dict[str, object]] = []
    matches: dict[int, RegionMatch] = {}
    raws: dict[int, str] = {}
    for number, cells in table.rows:
        raws[number] = _raw_json(table.header, cells)
        row = _Row(cells, columns, parser.fields)
        extra = [c for c in cells[width:] if not is_blank(c)]
        if extra:
            row.errors.append(f"{len(extra)} Wert(e) rechts der letzten Spalte (Trennzeichen im Text ohne "
                              "Anführungszeichen?)")
        match = parser.region(row)
        rec = parser.record(row)
        if row.errors or match is None:
            notes.append(Note(name, number, "reject", "; ".join(row.errors), raws[number]))
            continue
        rec.update(ars=match.ars, _row=number, _raw=raws[number])
        if target == "funding_grant":
            rec["grant_id"] = _grant_id(rec)
        matches[number] = match
        records.append(rec)
    return records, matches, raws


def parse_table(table: RawTable, columns: Columns, index: RegionIndex, programmes: dict[str, str],
                name: str) -> tuple[dict[str, pd.DataFrame], list[Note]]:
    """Every data row -> a record of the target table or a reject; region repairs and name matches noted."""
    target = TABLE_OF[columns.fmt]
    notes: list[Note] = []
    records, matches, raws = _records(table, columns, _Parser(table, columns, index, programmes), name, notes)
    frame = fact_frame(target, records)
    failures = validate(target, frame.drop(columns=[c for c in frame.columns if c.startswith("_")]))
    kept: list[dict[str, object]] = []
    first_of: dict[tuple[object, ...], tuple[int, dict[str, object]]] = {}
    for pos, rec in enumerate(records):
        number = int(rec["_row"])  # type: ignore[arg-type]
        if pos in failures:
            notes.append(Note(name, number, "reject", "; ".join(failures[pos]), raws[number]))
            continue
        key = natural_key(target, rec)
        if key in first_of:
            first, first_rec = first_of[key]
            same = all(same_value(rec.get(c), first_rec.get(c)) for c in FACT_COLUMNS[target])
            reason = (f"doppelt: gleicher Eintrag wie Zeile {first}" if same else
                      f"widerspricht Zeile {first} (" + ", ".join(
                          f"{c}: hier {rec.get(c)}, dort {first_rec.get(c)}" for c in FACT_COLUMNS[target]
                          if not same_value(rec.get(c), first_rec.get(c))) + ")")
            notes.append(Note(name, number, "reject", reason, raws[number]))
            continue
        first_of[key] = (number, rec)
        kept.append(rec)
        match = matches[number]
        if match.kind != "exact":
            notes.append(Note(name, number, match.kind, match.note, raws[number]))
    tables = {target: fact_frame(target, kept)}
    if columns.fmt == "procedures":
        tables["procedure_snapshot"] = derive_snapshots(kept)
    notes.sort(key=lambda n: (n.row_number or 0, n.kind != "reject"))
    return tables, notes


def parse_file(path: Path, index: RegionIndex, programmes: dict[str, str], kind: str | None = None,
               name: str | None = None) -> ParsedFile:
    """Read, recognise and validate one import file (no database writes)."""
    table, columns = check_file(path, kind)
    shown = name or path.name
    tables, notes = parse_table(table, columns, index, programmes, shown)
    return ParsedFile(path=path, name=shown, sha256=sha256_of(path), bytes=path.stat().st_size, fmt=columns.fmt,
                      rows=len(table.rows), tables=tables, notes=notes, described=table.described,
                      ignored_columns=columns.ignored, meant_columns=columns.meant)


def programme_lookup(frame: pd.DataFrame) -> dict[str, str]:
    """Names and ids of funding programmes as written in files -> program_id (grants only go to those)."""
    lookup: dict[str, str] = {}
    funding = frame[frame["kind"] == "funding"]
    for program_id, name in zip(funding["program_id"], funding["name"], strict=True):
        for value in (program_id, name, program_id.replace("_", " ")):
            lookup[name_key(value)] = program_id
            lookup[value] = program_id
    return lookup
