"""Read an analyst's CSV or XLSX file into a raw table: header, data rows with their row numbers, cells.

File-level problems (empty, HTML error page saved as .csv, binary garbage, truncated or old-format Excel,
no recognisable header, no data rows) raise EtlError naming the file. The format is taken from the
content, not the file ending.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from etl.errors import EtlError
from etl.german import ParseError, decode, is_blank, sniff_delimiter, text

MAX_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
csv.field_size_limit(10 * 1024 * 1024)


@dataclass
class RawTable:
    """One sheet or CSV file as read: original header cells and the non-empty data rows."""

    path: Path
    header: list[str]
    header_row: int  # 1-based row (line) of the header
    rows: list[tuple[int, list[object]]]  # (1-based row number in the file or sheet, cells)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def described(self) -> str:
        if self.sheet is not None:
            return f"XLSX, Blatt '{self.sheet}'"
        sep = {";": "Semikolon", ",": "Komma", "\t": "Tabulator"}.get(self.delimiter or "", self.delimiter)
        return f"CSV, {self.encoding}, Trennzeichen {sep}"


def read_table(path: Path, score_header: Callable[[list[str]], int]) -> RawTable:
    """Read a CSV or XLSX file; `score_header` counts known column names in a row."""
    if not path.exists():
        raise EtlError(path, "Datei nicht gefunden")
    if not path.is_file():
        raise EtlError(path, "ist keine Datei")
    size = path.stat().st_size
    if size == 0:
        raise EtlError(path, "Datei ist leer (0 Bytes)")
    if size > MAX_BYTES:
        raise EtlError(path, f"Datei ist größer als {MAX_BYTES // 1024 // 1024} MB")
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_xlsx(path, data, score_header)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise EtlError(path, "altes Excel-Format (.xls) oder anderes Office-Dokument: bitte als .xlsx oder CSV "
                       "speichern")
    if data.startswith(b"%PDF"):
        raise EtlError(path, "ist ein PDF, keine CSV- oder XLSX-Datei")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        what = "eine HTML-Seite" if _looks_html(data[:4096].decode("utf-8", "replace")) else "keine gültige XLSX-Datei"
        raise EtlError(path, f"Endung {path.suffix}, aber der Inhalt ist {what} (beschädigt oder umbenannt?)")
    return _read_csv(path, data, score_header)


def _looks_html(head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n").casefold()
    return start.startswith(("<!doctype html", "<html", "<head", "<body")) or (
        start.startswith("<") and ("<html" in start or "<body" in start or "<title" in start))


def _read_csv(path: Path, data: bytes, score_header: Callable[[list[str]], int]) -> RawTable:
    try:
        content, encoding = decode(data)
    except ParseError as exc:
        raise EtlError(path, f"keine lesbare CSV-Datei: {exc}") from exc
    if _looks_html(content[:4096]):
        raise EtlError(path, "ist eine HTML-Seite (z. B. eine Fehler- oder Anmeldeseite, als .csv gespeichert), "
                       "keine CSV-Datei")
    if content.lstrip().startswith("<?xml"):
        raise EtlError(path, "ist eine XML-Datei, keine CSV-Datei")
    if not content.strip():
        raise EtlError(path, "enthält keine Daten (nur Leerzeichen oder Leerzeilen)")
    delimiter = sniff_delimiter(content, score_header)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[object]]] = []
    line = 1
    try:
        for record in reader:
            rows.append((line, list(record)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise EtlError(path, f"CSV ab Zeile {line} nicht lesbar: {exc}") from exc
    table = _table(path, rows, score_header)
    table.encoding, table.delimiter = encoding, delimiter
    return table


def _read_xlsx(path: Path, data: bytes, score_header: Callable[[list[str]], int]) -> RawTable:
    from openpyxl import load_workbook  # imported here: only needed for spreadsheets

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, TypeError) as exc:
        raise EtlError(path, f"XLSX-Datei ist beschädigt oder unvollständig ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # openpyxl raises its own types for broken workbooks
        raise EtlError(path, f"XLSX-Datei nicht lesbar ({type(exc).__name__}: {exc})") from exc
    try:
        best: RawTable | None = None
        best_score = 0
        for sheet in book.worksheets:
            try:
                rows = [(number, list(values)) for number, values in
                        enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)]
            except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
                raise EtlError(path, f"XLSX-Datei ist beschädigt oder unvollständig (Blatt '{sheet.title}': "
                               f"{type(exc).__name__})") from exc
            score = max((score_header([text(c) or "" for c in cells]) for _, cells in rows[:HEADER_SEARCH_ROWS]),
                        default=0)
            if score > best_score:
                best, best_score = _table(path, rows, score_header), score
                best.sheet = sheet.title
        if best is None:
            raise EtlError(path, "kein Tabellenblatt mit bekannten Spaltenüberschriften gefunden "
                           "(siehe data/import/README.md)")
        return best
    finally:
        book.close()


def _table(path: Path, rows: list[tuple[int, list[object]]], score_header: Callable[[list[str]], int]) -> RawTable:
    """Find the header among the first rows, drop empty rows and trailing empty columns."""
    filled = [(n, cells) for n, cells in rows if not all(is_blank(c) for c in cells)]
    if not filled:
        raise EtlError(path, "enthält keine Daten")
    candidates = filled[:HEADER_SEARCH_ROWS]
    scores = [score_header([text(c) or "" for c in cells]) for _, cells in candidates]
    best = max(scores)
    if best == 0:
        shown = ", ".join(repr(text(c)) for c in candidates[0][1][:8])
        raise EtlError(path, f"keine bekannten Spaltenüberschriften gefunden (erste Zeile: {shown}); "
                       "siehe data/import/README.md")
    at = scores.index(best)
    header_row, header_cells = candidates[at]
    header = [text(c) or "" for c in header_cells]
    while header and header[-1] == "":
        header.pop()
    data = filled[at + 1:]
    if not data:
        raise EtlError(path, "enthält nur die Kopfzeile, keine Datenzeilen")
    return RawTable(path=path, header=header, header_row=header_row, rows=data)
