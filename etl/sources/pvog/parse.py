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

import pandas as pd

REQUIRED = ("leika_key", "ars", "online_status", "art_flaechendeckung")
OPTIONAL = ("leika_name", "leika_bezeichnung", "ars_name", "ozgid", "ozg_bezeichnung", "url", "aktiv",
            "begruendung_nicht_beruecksichtigt", "datenstand_pvog_import", "export_datum")
COLUMNS = (*REQUIRED, *OPTIONAL)
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


def read_csv(body: bytes) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """All rows of a CSV export as strings under canonical column names, and field-count rejects
    (data row number starting at 1, reason, raw). Raises FormatError for a body that is no such table."""
    text = _decode(body)
    _refuse_non_table(text, "CSV")
    header_line = text.split("\n", 1)[0]
    sep = ";" if header_line.count(";") >= header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        header = [_column_name(c) for c in next(reader)]
        rows = list(reader)
    except csv.Error as exc:
        raise FormatError(f"CSV nicht lesbar, abgeschnitten? ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FormatError(f"Pflichtspalten fehlen: {', '.join(missing)} (gefunden: {', '.join(header[:12])})")
    width = len(header)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if rows and len(rows[-1]) != width and not text.endswith(("\n", "\r")):
        raise FormatError(f"CSV endet mitten in Zeile {len(rows)} (abgeschnittene Übertragung)")
    rejects: list[tuple[int, str, str]] = []
    good: list[list[str]] = []
    numbers: list[int] = []
    keep = [i for i, name in enumerate(header) if name in COLUMNS and name not in header[:i]]
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            if any(cell.strip() for cell in row):
                rejects.append((number, f"{len(row)} statt {width} Felder", sep.join(row)[:500]))
            continue
        good.append([row[i] for i in keep])
        numbers.append(number)
    frame = pd.DataFrame(good, columns=[header[i] for i in keep], index=numbers, dtype="str")
    if len(frame) and numbers[-1] == len(rows) and not text.endswith(("\n", "\r")):
        _, last = validate(frame.tail(1))
        if len(last):  # no line break after a row that does not validate: the transfer stopped inside it
            raise FormatError(f"CSV endet mitten in Zeile {len(rows)} (abgeschnittene Übertragung: "
                              f"{last['reason'].iloc[0]})")
    return frame, rejects


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
    df = frame.reindex(columns=list(COLUMNS)).astype("str").fillna("")
    df = df.replace("nan", "")
    for col in df.columns:
        df[col] = df[col].str.strip()
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
    return df.loc[~bad], rejects
