"""Recognising an import file: which of its columns feed which field of which import format."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from etl.errors import EtlError
from etl.imports.files import RawTable, read_table
from etl.imports.formats import FORMATS, KIND_LABELS, KINDS, MARKERS, Field, header_key, score_header, synonyms
from etl.imports.meaning import by_meaning


@dataclass
class Columns:
    """Which file columns feed which field of a format."""

    fmt: str
    positions: dict[str, list[int]]
    ignored: list[str]
    meant: dict[str, str] = field(default_factory=dict)  # header matched by meaning -> field label
    ambiguous: list[str] = field(default_factory=list)  # headers that fit several fields (messages)

    def has(self, name: str) -> bool:
        return name in self.positions


def _map_columns(table: RawTable, fmt: str) -> tuple[Columns, list[str]]:
    """Map headers to fields of one format; returns the mapping and the problems (missing columns)."""
    lookup = synonyms(fmt)
    positions: dict[str, list[int]] = {}
    ignored = []
    problems = []
    fields: dict[str, Field] = {f.name: f for f in FORMATS[fmt]}
    unknown = []
    for i, header in enumerate(table.header):
        f = lookup.get(header_key(header)) if header else None
        if f is None:
            if header:
                unknown.append((i, header))
            continue
        if f.name in positions and not f.multi:
            first = table.header[positions[f.name][0]]
            raise EtlError(table.path, f"Spalten '{first}' und '{header}' bedeuten beide '{f.label}'")
        positions.setdefault(f.name, []).append(i)
    meant: dict[str, str] = {}
    ambiguous = []
    exact = set(positions)
    for i, header in unknown:  # not a documented name: matched by the words it contains
        hits = [f for f in by_meaning(header, FORMATS[fmt]) if f.name not in exact or f.multi]
        if len(hits) > 1:
            ambiguous.append(f"'{header}' passt zu " + " und ".join(f"'{f.label}'" for f in hits))
        elif hits and hits[0].name in meant.values():
            other = next(h for h, label in meant.items() if label == hits[0].name)
            ambiguous.append(f"'{other}' und '{header}' passen beide zu '{hits[0].label}'")
        elif hits:
            positions.setdefault(hits[0].name, []).append(i)
            meant[header] = hits[0].name
        else:
            ignored.append(header)
    for f in fields.values():
        if f.required and f.name not in positions:
            problems.append(f"'{f.label}'")
    if "key" not in positions and "name" not in positions:
        problems.append("'Schlüssel' oder 'Name'")
    if fmt == "procedure_counts" and not ({"total", "municipal", "central"} & positions.keys()):
        problems.append("'gesamt' oder 'kommunal'/'zentral'")
    labels = {f.name: f.label for f in fields.values()}
    return Columns(fmt, positions, ignored, {h: labels[n] for h, n in meant.items()}, ambiguous), problems


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
    if fitting[0].ambiguous:
        raise EtlError(table.path, "Spalten nicht eindeutig: " + "; ".join(fitting[0].ambiguous)
                       + " – bitte die Spalte umbenennen (Vorlagen: data/import/templates/)")
    return fitting[0]


def check_file(path: Path, kind: str | None = None) -> tuple[RawTable, Columns]:
    """Read a file and recognise its format without the database: the file-level checks of an import."""
    table = read_table(path, score_header)
    return table, detect_format(table, kind)
