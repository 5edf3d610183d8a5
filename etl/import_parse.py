"""Parsing of analyst imports: a CSV/XLSX file of one kind -> validated table rows plus notes on rejected,
repaired and name-matched rows.

Kinds: `procedures` (one row per online procedure, or counts per region and date), `grants`,
`certifications`. A file-level problem raises EtlError naming the file; a row-level problem rejects
only that row. Nothing here touches the database; `etl.imports` writes the results.

Procedure lists become `procedure_snapshot` rows too (see data/import/README.md): per region one row at
the file's Stand (or, without a Stand column, at the latest "Online seit"), counting every listed
procedure, plus one row per earlier month in which procedures went online, counting those online by
the end of that month.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from etl.errors import EtlError
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
from etl.import_files import RawTable, read_table
from etl.import_formats import (
    CERTIFICATES,
    FORMATS,
    KIND_LABELS,
    KINDS,
    MARKERS,
    PROCEDURE_KINDS,
    SCHEMAS,
    Field,
    header_key,
    score_header,
    synonyms,
)
from etl.keys import RegionIndex, RegionMatch, UnresolvedRegion, name_key
from etl.sources import sha256_of

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
    already_present: int = 0

    @property
    def rejected(self) -> int:
        return sum(1 for n in self.notes if n.kind == "reject")

    @property
    def loaded(self) -> int:
        return self.rows - self.rejected

    def count(self, kind: str) -> int:
        return sum(1 for n in self.notes if n.kind == kind)


# ---------------------------------------------------------------------------------------------- columns


@dataclass
class Columns:
    """Which file columns feed which field of a format."""

    fmt: str
    positions: dict[str, list[int]]
    ignored: list[str]

    def has(self, name: str) -> bool:
        return name in self.positions


def _map_columns(table: RawTable, fmt: str) -> tuple[Columns, list[str]]:
    """Map headers to fields of one format; returns the mapping and the problems (missing columns)."""
    lookup = synonyms(fmt)
    positions: dict[str, list[int]] = {}
    ignored = []
    problems = []
    fields: dict[str, Field] = {f.name: f for f in FORMATS[fmt]}
    for i, header in enumerate(table.header):
        f = lookup.get(header_key(header)) if header else None
        if f is None:
            if header:
                ignored.append(header)
            continue
        if f.name in positions and not f.multi:
            first = table.header[positions[f.name][0]]
            raise EtlError(table.path, f"Spalten '{first}' und '{header}' bedeuten beide '{f.label}'")
        positions.setdefault(f.name, []).append(i)
    for f in fields.values():
        if f.required and f.name not in positions:
            problems.append(f"'{f.label}'")
    if "key" not in positions and "name" not in positions:
        problems.append("'Schlüssel' oder 'Name'")
    if fmt == "procedure_counts" and not ({"total", "municipal", "central"} & positions.keys()):
        problems.append("'gesamt' oder 'kommunal'/'zentral'")
    return Columns(fmt, positions, ignored), problems


def detect_format(table: RawTable, kind: str | None = None) -> Columns:
    """The import format of a table: given by --kind (procedures may be a list or counts) or from its columns."""
    if kind is not None and kind not in KINDS:
        raise EtlError(table.path, f"unbekannte Art '{kind}' (erlaubt: {', '.join(KINDS)})")
    candidates = ["procedures", "procedure_counts"] if kind == "procedures" else [kind] if kind else list(FORMATS)
    fitting: list[Columns] = []
    reasons = []
    for fmt in candidates:
        columns, problems = _map_columns(table, fmt)
        if kind is None and MARKERS[fmt] not in columns.positions:
            continue
        if problems:
            reasons.append(f"{KIND_LABELS[fmt]}: es fehlt {', '.join(problems)}")
        else:
            fitting.append(columns)
    found = ", ".join(repr(h) for h in table.header if h)
    if not fitting:
        hint = "; ".join(reasons) if reasons else "keine Spalte passt zu Verfahren, Förderungen oder Zertifizierungen"
        raise EtlError(table.path, f"Spalten passen zu keinem Importformat ({hint}). Gefunden: {found}. "
                       "Vorlagen: data/import/templates/")
    def mapped(columns: Columns) -> int:
        return sum(len(p) for p in columns.positions.values())

    fitting.sort(key=lambda c: -mapped(c))
    if len(fitting) > 1 and mapped(fitting[0]) == mapped(fitting[1]):
        labels = " oder ".join(KIND_LABELS[c.fmt] for c in fitting[:2])
        raise EtlError(table.path, f"Art der Datei nicht eindeutig ({labels}); bitte --kind angeben")
    return fitting[0]


def check_file(path: Path, kind: str | None = None) -> tuple[RawTable, Columns]:
    """Read a file and recognise its format without the database: the file-level checks of an import."""
    table = read_table(path, score_header)
    return table, detect_format(table, kind)


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


def _frame(table: str, records: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    for col in INT_COLUMNS.get(table, ()):
        if col in frame:
            frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    for col in ("amount_eur", "funding_rate"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col]).astype(float)
    return frame


def _validate(table: str, frame: pd.DataFrame) -> dict[int, list[str]]:
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


def parse_table(table: RawTable, columns: Columns, index: RegionIndex, programmes: dict[str, str],
                name: str) -> tuple[dict[str, pd.DataFrame], list[Note]]:
    """Every data row -> a record of the target table or a reject; region repairs and name matches noted."""
    target = TABLE_OF[columns.fmt]
    parser = _Parser(table, columns, index, programmes)
    width = len(table.header)
    notes: list[Note] = []
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

    frame = _frame(target, records)
    failures = _validate(target, frame.drop(columns=[c for c in frame.columns if c.startswith("_")]))
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
            same = all(_same(rec.get(c), first_rec.get(c)) for c in FACT_COLUMNS[target])
            reason = (f"doppelt: gleicher Eintrag wie Zeile {first}" if same else
                      f"widerspricht Zeile {first} (" + ", ".join(
                          f"{c}: hier {rec.get(c)}, dort {first_rec.get(c)}" for c in FACT_COLUMNS[target]
                          if not _same(rec.get(c), first_rec.get(c))) + ")")
            notes.append(Note(name, number, "reject", reason, raws[number]))
            continue
        first_of[key] = (number, rec)
        kept.append(rec)
        match = matches[number]
        if match.kind != "exact":
            notes.append(Note(name, number, match.kind, match.note, raws[number]))
    tables = {target: _frame(target, kept)}
    if columns.fmt == "procedures":
        tables["procedure_snapshot"] = derive_snapshots(kept)
    notes.sort(key=lambda n: (n.row_number or 0, n.kind != "reject"))
    return tables, notes


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _same(a: object, b: object) -> bool:
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
    return _frame("procedure_snapshot", rows) if rows else pd.DataFrame(
        columns=["ars", "as_of", "as_of_precision", "municipal", "central", "total", "source_url", "_row"])


def _count(ars: str, when: PartialDate, kinds: list[object]) -> dict[str, object]:
    municipal = sum(1 for k in kinds if k == "municipal")
    return {"ars": ars, "as_of": when.value, "as_of_precision": when.precision, "municipal": municipal,
            "central": len(kinds) - municipal, "total": len(kinds), "source_url": None, "_row": None}


def parse_file(path: Path, index: RegionIndex, programmes: dict[str, str], kind: str | None = None,
               name: str | None = None) -> ParsedFile:
    """Read, recognise and validate one import file (no database writes)."""
    table, columns = check_file(path, kind)
    shown = name or path.name
    tables, notes = parse_table(table, columns, index, programmes, shown)
    return ParsedFile(path=path, name=shown, sha256=sha256_of(path), bytes=path.stat().st_size, fmt=columns.fmt,
                      rows=len(table.rows), tables=tables, notes=notes, described=table.described,
                      ignored_columns=columns.ignored)


def programme_lookup(frame: pd.DataFrame) -> dict[str, str]:
    """Names and ids of funding programmes as written in files -> program_id (grants only go to those)."""
    lookup: dict[str, str] = {}
    funding = frame[frame["kind"] == "funding"]
    for program_id, name in zip(funding["program_id"], funding["name"], strict=True):
        for value in (program_id, name, program_id.replace("_", " ")):
            lookup[name_key(value)] = program_id
            lookup[value] = program_id
    return lookup
