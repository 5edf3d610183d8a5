"""Cells of the hand-compiled press files (SOURCES.md §7) turned into typed values with German notes.

Dates come as '2021-07-28', '2021-09', '2021', 'before 2022-03-31', 'round Dec 2020 (…)' or 'n/d', with a
precision column in English ('day (article date)', 'month (year inferred)', 'before', 'unknown …'). Amounts and
counts come as '9585.45', '>10300', '~5000', 'knapp 1800', '68-69'. The English evidence notes of the files are
never passed on: every note here is German text generated from these cells (or none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.dates import german_date
from etl.german import format_number

PRECISION_RANK = {"day": 3, "month": 2, "year": 1, "unknown": 0}
_EN_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"), start=1)}
_ISO = re.compile(r"^(before\s+)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_ROUND = re.compile(r"round\s+([A-Za-z]{3})\w*\s+(\d{4})")


@dataclass(frozen=True)
class When:
    """A date with its precision (day / month / year / unknown) and a German note on how it was dated."""

    value: date | None
    precision: str
    note: str | None = None


def parse_when(cell: str | None, precision_cell: str | None = "") -> When:
    """A date cell and its precision cell -> When; 'before X' keeps no date, with 'vor X' as the note."""
    text = (cell or "").strip()
    how = (precision_cell or "").strip().casefold()
    m = _ISO.match(text)
    if m is None:
        r = _ROUND.search(text)
        if r and r[1].casefold() in _EN_MONTHS:
            return When(date(int(r[2]), _EN_MONTHS[r[1].casefold()], 1), "month", "Datum der Förderrunde")
        return When(None, "unknown", None)
    year, month, day = int(m[2]), int(m[3] or 1), int(m[4] or 1)
    precision = "day" if m[4] else "month" if m[3] else "year"
    value = date(year, month, day)
    if m[1] or how.startswith("before"):
        return When(None, "unknown", f"vor {'dem ' if precision == 'day' else ''}{german_date(value, precision)}")
    notes = []
    if "article" in how or "(article" in text:
        notes.append("Datum des Presseberichts")
    if "inferred" in how:
        notes.append("Jahr aus dem Zusammenhang erschlossen")
    return When(value, precision, "; ".join(notes) or None)


def parse_count(cell: str | None) -> tuple[int | None, str | None]:
    """'241' -> 241; '>50' -> (None, 'über 50'); '68-69' -> (None, '68 bis 69'); 'knapp 1800' -> (1800, 'knapp');
    '187 (Stand 17.10.2024)' -> (None, '187 am 17.10.2024'); '70 (website count)' -> (70, 'Zählung der Website')."""
    text = (cell or "").strip()
    if not text:
        return None, None
    if text.isdigit():
        return int(text), None
    if m := re.fullmatch(r">\s*(\d+)", text):
        return None, f"über {m[1]}"
    if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", text):
        return None, f"{m[1]} bis {m[2]}"
    if m := re.fullmatch(r"knapp\s+(\d+)", text):
        return int(m[1]), "knapp"
    if m := re.fullmatch(r"(\d+)\s*\(Stand\s+([\d.]+)\)", text):
        return None, f"{m[1]} am {m[2]}"
    if m := re.fullmatch(r"(\d+)\s*\(website count\)", text):
        return int(m[1]), "Zählung der eigenen Website"
    return None, None


def parse_amount(cell: str | None, precision_cell: str | None) -> tuple[float | None, bool | None, str | None]:
    """Amount in EUR, whether it is exact, and a German note ('über', 'rund', 'in der Quelle unvollständig')."""
    text = (cell or "").strip()
    how = (precision_cell or "").strip().casefold()
    if not text:
        return None, None, None
    if m := re.fullmatch(r">\s*([\d.]+)", text):
        return float(m[1]), False, f"über {german_number(float(m[1]))} EUR"
    if m := re.fullmatch(r"~\s*([\d.]+)", text):
        return float(m[1]), False, f"rund {german_number(float(m[1]))} EUR"
    if m := re.fullmatch(r"([\d.]+)x+", text):
        return float(m[1]), False, f"Betrag in der Quelle unvollständig ({text.replace('.', ',')} EUR)"
    value = float(text)
    if how.startswith(("exact", "as stated")):
        return value, True, None
    return value, False, f"rund {german_number(value)} EUR"


def german_number(value: float) -> str:
    whole = format_number(value)
    return whole[:-3] if whole.endswith(",00") else whole


def award_note(when: When, evidence: str | None) -> str | None:
    """German note of an award: how it was dated, and its place in the count where the source states it."""
    notes = [when.note] if when.note else []
    if when.value == date(2021, 7, 28):
        notes.append("eine der ersten sieben Auszeichnungen (Auftakt in München am 28.07.2021)")
    if m := re.search(r"(\d+)(?:st|nd|rd|th)\s+'Digitales Amt'", evidence or ""):
        notes.append(f"{m[1]}. Digitales Amt in Bayern")
    if evidence and "first Bezirk" in evidence:
        notes.append("erster Bezirk mit dem Prädikat")
    return "; ".join(notes) or None


def is_criterion_row(evidence: str | None) -> bool:
    """'erfüllen … bereits' rows report that an authority meets the criterion, not that it got the award."""
    return "erfüllen" in (evidence or "")
