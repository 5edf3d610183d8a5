"""Read an analyst's CSV or XLSX file into a raw table: header, data rows with their row numbers, cells.

File-level problems (empty, HTML error page saved as .csv, binary garbage, truncated or old-format Excel,
no recognisable header, no data rows) raise EtlError naming the file. The format is taken from the
content, not the file ending.

Limits (data/import/README.md, "Grenzen"): only regular files are opened (never a folder, FIFO, device or
socket, so nothing blocks or reads forever); at most `DIGITALMONITOR_IMPORT_MAX_MB` megabytes (default 50),
checked before anything is read; an XLSX unpacks to at most ten times that; at most
`DIGITALMONITOR_IMPORT_MAX_ROWS` data rows (default 500,000), counted while reading, before any row is parsed.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from etl.errors import EtlError
from etl.german import ParseError, decode, format_number, is_blank, sniff_delimiter, text

MB = 1024 * 1024
MAX_MB_ENV = "DIGITALMONITOR_IMPORT_MAX_MB"
MAX_ROWS_ENV = "DIGITALMONITOR_IMPORT_MAX_ROWS"
DEFAULT_MAX_MB = 50
DEFAULT_MAX_ROWS = 500_000
XLSX_UNPACKED_FACTOR = 10  # an XLSX may unpack to ten times the byte limit (its XML compresses well)
HEADER_SEARCH_ROWS = 10
csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True)
class Limits:
    """The size limits of an import file: bytes on disk and data rows."""

    max_bytes: int
    max_rows: int

    @property
    def max_unpacked(self) -> int:
        return self.max_bytes * XLSX_UNPACKED_FACTOR


def _positive_int(env: str, default: int) -> int:
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", "").replace(".", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise EtlError(None, f"{env}={raw!r} ist keine positive ganze Zahl")
    return value


def limits() -> Limits:
    """The limits in force: the defaults or the environment variables (read on every call)."""
    return Limits(max_bytes=_positive_int(MAX_MB_ENV, DEFAULT_MAX_MB) * MB,
                  max_rows=_positive_int(MAX_ROWS_ENV, DEFAULT_MAX_ROWS))


def _count(value: int) -> str:
    return format_number(value, 0)


def size_text(size: int) -> str:
    """52428801 -> '50,0 MB (52.428.801 Bytes)'."""
    return f"{format_number(size / MB, 1)} MB ({_count(size)} Bytes)"


def shown_path(path: object) -> str:
    """A path for a message: control characters visible, very long paths shortened in the middle."""
    shown = repr(str(path))[1:-1] if any(ord(c) < 32 for c in str(path)) else str(path)
    return shown if len(shown) <= 240 else f"{shown[:120]}…{shown[-100:]} ({len(shown)} Zeichen)"


_NOT_REGULAR = ((stat.S_ISDIR, "ist ein Ordner, keine Datei"),
                (stat.S_ISFIFO, "ist eine benannte Pipe (FIFO), keine Datei; sie wird nicht geöffnet"),
                (stat.S_ISCHR, "ist eine Gerätedatei, keine Datei; sie wird nicht gelesen"),
                (stat.S_ISBLK, "ist eine Gerätedatei, keine Datei; sie wird nicht gelesen"),
                (stat.S_ISSOCK, "ist ein Socket, keine Datei"))


def _not_regular(mode: int) -> str | None:
    for test, problem in _NOT_REGULAR:
        if test(mode):
            return problem
    return None if stat.S_ISREG(mode) else "ist keine reguläre Datei"


def check_path(path: Path, max_bytes: int | None = None) -> int:
    """The size of an import file, after checking that it is a regular file within the byte limit.

    Nothing is opened here: a FIFO, a device such as /dev/zero, a folder, a symbolic link that loops or
    leads nowhere, a name with a NUL byte or a path the system cannot handle are refused with an EtlError.
    """
    if "\x00" in str(path):
        raise EtlError(shown_path(path), "Dateiname enthält ein Nullbyte")
    try:
        info = os.stat(path)
    except OSError as exc:
        raise EtlError(shown_path(path), _stat_problem(path, exc)) from None
    problem = _not_regular(info.st_mode)
    if problem:
        raise EtlError(shown_path(path), problem)
    limit = limits().max_bytes if max_bytes is None else max_bytes
    if info.st_size > limit:
        raise EtlError(shown_path(path), f"Datei ist zu groß: {size_text(info.st_size)}; erlaubt sind höchstens "
                       f"{size_text(limit)} (Grenze: {MAX_MB_ENV}, siehe data/import/README.md)")
    return info.st_size


def _stat_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolischer Verweis im Kreis (Symlink-Schleife)"
    if exc.errno == errno.ENAMETOOLONG:
        return "Pfad oder Dateiname zu lang für das Dateisystem"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        try:
            dangling = os.path.islink(path)
        except (OSError, ValueError):
            dangling = False
        return "symbolischer Verweis ins Leere" if dangling else "Datei nicht gefunden"
    if exc.errno == errno.EACCES:
        return "keine Leseberechtigung"
    return f"nicht lesbar ({exc.strerror or type(exc).__name__})"


def _read_limited(path: Path, lim: Limits) -> bytes:
    """The bytes of a regular file, at most the limit: opened without blocking and checked again on the
    open file, so a file swapped for a FIFO or grown after the check cannot block or be read unbounded."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise EtlError(shown_path(path), _stat_problem(path, exc)) from None
    with os.fdopen(fd, "rb") as fh:
        problem = _not_regular(os.fstat(fh.fileno()).st_mode)
        if problem:
            raise EtlError(shown_path(path), problem)
        data = fh.read(lim.max_bytes + 1)
    if len(data) > lim.max_bytes:
        raise EtlError(shown_path(path), f"Datei ist zu groß: mehr als {size_text(lim.max_bytes)} "
                       f"(Grenze: {MAX_MB_ENV}, siehe data/import/README.md)")
    return data


def _too_many_rows(path: Path, lim: Limits) -> EtlError:
    return EtlError(path, f"Datei hat mehr als {_count(lim.max_rows)} Datenzeilen; erlaubt sind höchstens "
                    f"{_count(lim.max_rows)} (Grenze: {MAX_ROWS_ENV}, siehe data/import/README.md)")


def _bounded_rows(path: Path, records: Iterable[tuple[int, list[object]]],
                  lim: Limits) -> list[tuple[int, list[object]]]:
    """The records of a file, refused as soon as there are more non-empty ones than the row limit allows
    (the header and up to nine title rows above it come on top)."""
    rows: list[tuple[int, list[object]]] = []
    filled = 0
    for number, cells in records:
        rows.append((number, cells))
        if not all(is_blank(c) for c in cells):
            filled += 1
            if filled > lim.max_rows + HEADER_SEARCH_ROWS:
                raise _too_many_rows(path, lim)
    return rows


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
    lim = limits()
    size = check_path(path, lim.max_bytes)
    if size == 0:
        raise EtlError(path, "Datei ist leer (0 Bytes)")
    data = _read_limited(path, lim)
    if not data:
        raise EtlError(path, "Datei ist leer (0 Bytes)")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_xlsx(path, data, score_header, lim)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise EtlError(path, "altes Excel-Format (.xls) oder anderes Office-Dokument: bitte als .xlsx oder CSV "
                       "speichern")
    if data.startswith(b"%PDF"):
        raise EtlError(path, "ist ein PDF, keine CSV- oder XLSX-Datei")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        what = "eine HTML-Seite" if _looks_html(data[:4096].decode("utf-8", "replace")) else "keine gültige XLSX-Datei"
        raise EtlError(path, f"Endung {path.suffix}, aber der Inhalt ist {what} (beschädigt oder umbenannt?)")
    return _read_csv(path, data, score_header, lim)


def _looks_html(head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n").casefold()
    return start.startswith(("<!doctype html", "<html", "<head", "<body")) or (
        start.startswith("<") and ("<html" in start or "<body" in start or "<title" in start))


def _read_csv(path: Path, data: bytes, score_header: Callable[[list[str]], int], lim: Limits) -> RawTable:
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
    line = 1

    def records() -> Iterable[tuple[int, list[object]]]:
        nonlocal line
        for record in reader:
            yield line, list(record)
            line = reader.line_num + 1

    try:
        rows = _bounded_rows(path, records(), lim)
    except csv.Error as exc:
        raise EtlError(path, f"CSV ab Zeile {line} nicht lesbar: {exc}") from exc
    table = _table(path, rows, score_header, lim)
    table.encoding, table.delimiter = encoding, delimiter
    return table


def _read_xlsx(path: Path, data: bytes, score_header: Callable[[list[str]], int], lim: Limits) -> RawTable:
    from openpyxl import load_workbook  # imported here: only needed for spreadsheets

    _check_unpacked(path, data, lim)
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
                rows = _bounded_rows(path, ((number, list(values)) for number, values in
                                            enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)), lim)
            except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
                raise EtlError(path, f"XLSX-Datei ist beschädigt oder unvollständig (Blatt '{sheet.title}': "
                               f"{type(exc).__name__})") from exc
            score = max((score_header([text(c) or "" for c in cells]) for _, cells in rows[:HEADER_SEARCH_ROWS]),
                        default=0)
            if score > best_score:
                best, best_score = _table(path, rows, score_header, lim), score
                best.sheet = sheet.title
        if best is None:
            raise EtlError(path, "kein Tabellenblatt mit bekannten Spaltenüberschriften gefunden "
                           "(siehe data/import/README.md)")
        return best
    finally:
        book.close()


def _check_unpacked(path: Path, data: bytes, lim: Limits) -> None:
    """Refuse an XLSX whose members unpack to more than the limit (a "zip bomb"), before openpyxl reads it.
    The sizes come from the archive's directory; zipfile never unpacks more than a member declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # a broken archive is reported by the reader below
    if unpacked > lim.max_unpacked:
        raise EtlError(path, f"XLSX-Datei ist entpackt zu groß: {size_text(unpacked)}; erlaubt sind höchstens "
                       f"{size_text(lim.max_unpacked)} ({XLSX_UNPACKED_FACTOR}-mal die Grenze {MAX_MB_ENV})")


def _table(path: Path, rows: list[tuple[int, list[object]]], score_header: Callable[[list[str]], int],
           lim: Limits | None = None) -> RawTable:
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
    if lim is not None and len(data) > lim.max_rows:
        raise EtlError(path, f"Datei hat {_count(len(data))} Datenzeilen; erlaubt sind höchstens "
                       f"{_count(lim.max_rows)} (Grenze: {MAX_ROWS_ENV}, siehe data/import/README.md)")
    return RawTable(path=path, header=header, header_row=header_row, rows=data)
