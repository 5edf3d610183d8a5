"""Read an Open-PVOG export (CSV, or the JSON pages of the paged endpoint) by column name and validate it.

The CSV layout is not documented: columns are found by name, `;` or `,` separates, a BOM and quoted fields are
allowed, optional columns may be missing and unknown ones are ignored. A body that is not such a table (an HTML
error page, JSON where CSV was asked, a cut-off transfer) raises FormatError with one sentence; a row that is
readable but invalid becomes a reject row with its reason and the rest is kept.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

REQUIRED = ("leika_key", "ars", "online_status", "art_flaechendeckung")
OPTIONAL = ("leika_name", "leika_bezeichnung", "ars_name", "ozgid", "ozg_bezeichnung", "url", "aktiv",
            "begruendung_nicht_beruecksichtigt", "datenstand_pvog_import", "export_datum")
COLUMNS = (*REQUIRED, *OPTIONAL)
CODES = ("leika_key", "ars", "online_status", "aktiv", "art_flaechendeckung", "ozgid", "datenstand_pvog_import")
ONLINE_STATUS = ("ok", "nicht ok")
ACTIVE = ("ja", "nein", "")
COVERAGE = ("bundesweit flächendeckend", "landesweit flächendeckend", "kreisweit flächendeckend",
            "in mind. einer Kommune verfügbar", "nicht in Auswertung berücksichtigt")
# header spellings seen or plausible: camelCase of the JSON DTO, spaces, hyphens
_ALIASES = {"leikakey": "leika_key", "leikaname": "leika_name", "ozg_id": "ozgid", "arsname": "ars_name",
            "onlinestatus": "online_status", "artflaechendeckung": "art_flaechendeckung",
            "art_flächendeckung": "art_flaechendeckung"}


class FormatError(ValueError):
    """The response is not an Open-PVOG table; the region fails with this message."""


def _column_name(raw: str) -> str:
    name = re.sub(r"[\s\-]+", "_", raw.strip().strip("\ufeff").strip().lower())
    return _ALIASES.get(name.replace("_", ""), _ALIASES.get(name, name))


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _refuse_non_table(text: str, what: str) -> None:
    head = text.lstrip()[:200].lower()
    if not head:
        raise FormatError(f"leere Antwort statt {what}")
    if head.startswith(("<!doctype", "<html", "<?xml", "<")):
        raise FormatError(f"HTML-Seite statt {what} (Fehlerseite des Servers?)")
    if what == "CSV" and head.startswith(("{", "[")):
        raise FormatError("JSON statt CSV erhalten")


@dataclass
class Table:
    """The rows of one export: every column of COLUMNS as strings ('' where the file has no such column), the data
    row number of each row (1 = first row after the header), the columns the file had, and field-count rejects."""

    data: pa.Table
    numbers: list[int]
    present: list[str]
    rejects: list[tuple[int, str, str]]


def _header(text: str) -> tuple[str, list[str]]:
    line = text.split("\n", 1)[0]
    sep = ";" if line.count(";") >= line.count(",") else ","
    try:
        header = [_column_name(c) for c in next(csv.reader([line.rstrip("\r")], delimiter=sep, strict=True))]
    except (csv.Error, StopIteration) as exc:
        raise FormatError(f"Kopfzeile nicht lesbar ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FormatError(f"Pflichtspalten fehlen: {', '.join(missing)} (gefunden: {', '.join(header[:12])})")
    return sep, header


def _canonical(columns: dict[str, pa.Array], n: int) -> pa.Table:
    return pa.table({c: columns[c] if c in columns else pa.repeat("", n) for c in COLUMNS})


def _fast(text: str, sep: str, header: list[str]) -> Table:
    """pyarrow's CSV reader: for bodies that end with a line break and have balanced quotes."""
    width = len(header)
    rejects: list[tuple[int, str, str]] = []
    skipped: set[int] = set()

    def invalid(row: pacsv.InvalidRow) -> str:
        skipped.add(row.number - 1)
        if row.text.strip(sep + " \r\n"):
            rejects.append((row.number - 1, f"{row.actual_columns} statt {width} Felder", row.text[:500]))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        raise FormatError(f"CSV nicht lesbar ({exc})") from None
    first = {name: i for i, name in reversed(list(enumerate(header)))}
    numbers = [n for n in range(1, table.num_rows + len(skipped) + 1) if n not in skipped]
    data = _canonical({c: table.column(first[c]).combine_chunks() for c in COLUMNS if c in first}, table.num_rows)
    return Table(data, numbers, [c for c in header if c in COLUMNS], sorted(rejects))


def _strict(text: str, sep: str, header: list[str]) -> Table:
    """Python's csv module, strict: for bodies without a final line break or with an open quote (cut off?)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        next(reader)
        rows = list(reader)
    except csv.Error as exc:
        raise FormatError(f"CSV nicht lesbar, abgeschnitten? ({exc})") from None
    width = len(header)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if rows and len(rows[-1]) != width and not text.endswith(("\n", "\r")):
        raise FormatError(f"CSV endet mitten in Zeile {len(rows)} (abgeschnittene Übertragung)")
    rejects = [(n, f"{len(r)} statt {width} Felder", sep.join(r)[:500]) for n, r in enumerate(rows, start=1)
               if len(r) != width and any(cell.strip() for cell in r)]
    good = [(n, r) for n, r in enumerate(rows, start=1) if len(r) == width]
    first = {name: i for i, name in reversed(list(enumerate(header)))}
    columns = {c: pa.array([r[first[c]] for _, r in good], pa.string()) for c in COLUMNS if c in first}
    result = Table(_canonical(columns, len(good)), [n for n, _ in good], [c for c in header if c in COLUMNS], rejects)
    if good and good[-1][0] == len(rows) and not text.endswith(("\n", "\r")):
        _, last = validate(result.data.slice(len(good) - 1).to_pandas())
        if len(last):  # no line break after a row that does not validate: the transfer stopped inside it
            raise FormatError(f"CSV endet mitten in Zeile {len(rows)} (abgeschnittene Übertragung: "
                              f"{last['reason'].iloc[0]})")
    return result


def read_table(body: bytes) -> Table:
    """An export read by column name. Raises FormatError for a body that is not such a table."""
    text = _decode(body)
    _refuse_non_table(text, "CSV")
    sep, header = _header(text)
    if text.endswith("\n") and text.count('"') % 2 == 0:
        return _fast(text, sep, header)
    return _strict(text, sep, header)


def read_csv(body: bytes) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """The rows of one export as a frame (index: data row number; the file's own columns), and field-count
    rejects (data row number, reason, raw)."""
    table = read_table(body)
    frame = table.data.select(table.present).to_pandas()
    frame.index = pd.Index(table.numbers)
    return frame, table.rejects


def read_json_page(body: bytes) -> tuple[list[dict], int]:
    """(content rows, totalPages) of one page of `/open-pvog/{ARS}?page=N` (PageDvDataDto)."""
    text = _decode(body)
    _refuse_non_table(text, "JSON")
    try:
        page = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"JSON-Seite nicht lesbar ({exc.msg})") from None
    if not isinstance(page, dict) or not isinstance(page.get("content"), list):
        raise FormatError("JSON-Seite ohne Liste 'content' (kein PageDvDataDto)")
    total = page.get("totalPages")
    return page["content"], int(total) if isinstance(total, int) else 1


def json_rows_to_csv(rows: list[dict]) -> bytes:
    """The rows of the JSON pages as a `;` CSV with the export's column names, so the cache holds one format."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        norm = {_column_name(k): v for k, v in row.items()} if isinstance(row, dict) else {}
        writer.writerow(["" if norm.get(c) is None else str(norm.get(c)) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def _date(values: pd.Series) -> pd.Series:
    """ISO dates or timestamps, or German dd.mm.yyyy; NaT where unreadable."""
    text = values.fillna("").str.strip().str[:19]
    german = text.str.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}.*")
    iso = pd.to_datetime(text.where(~german, "").str[:10], format="%Y-%m-%d", errors="coerce")
    de = pd.to_datetime(text.where(german, "").str[:10].str.strip(), format="%d.%m.%Y", errors="coerce")
    return iso.fillna(de).dt.date


def validate(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows with normalised values, rejects with row number and reason). Vectorised for large batches."""
    df = frame.reindex(columns=list(COLUMNS), fill_value="")
    for col in CODES:  # the long text columns stay as read: no copy of the bulk of the bytes
        df[col] = df[col].fillna("").str.strip()
    df["online_status"] = df["online_status"].str.lower()
    df["aktiv"] = df["aktiv"].str.lower()
    reason = pd.Series("", index=df.index, dtype="str")

    def check(bad: pd.Series, text: str) -> None:
        reason.loc[bad & reason.eq("")] = text

    check(~df["leika_key"].str.fullmatch(r"\d{14}"), "leika_key nicht 14 Ziffern")
    check(~df["ars"].str.fullmatch(r"\d{12}"), "ars nicht 12 Ziffern")
    check(~df["online_status"].isin(ONLINE_STATUS), "online_status nicht 'ok' oder 'nicht ok'")
    check(~df["aktiv"].isin(ACTIVE), "aktiv nicht 'ja', 'nein' oder leer")
    check(~df["art_flaechendeckung"].isin(COVERAGE), "art_flaechendeckung unbekannt")
    check(~df["ozgid"].str.fullmatch(r"\d*"), "ozgid keine Zahl")
    stand = _date(df["datenstand_pvog_import"])
    check(df["datenstand_pvog_import"].ne("") & stand.isna(), "datenstand_pvog_import kein Datum")
    df["datenstand"] = stand
    bad = reason.ne("")
    shown = df.loc[bad, "leika_key"].str.cat([df.loc[bad, c] for c in REQUIRED[1:]], sep=";")
    rejects = pd.DataFrame({"row_number": df.index[bad], "reason": reason[bad].to_numpy(),
                            "raw": shown.to_numpy()})
    return (df.loc[~bad] if bad.any() else df), rejects
