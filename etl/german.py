"""German file realities: encodings, separators, numbers and dates as analysts' and press files write them.

Numbers: decimal comma with thousands dots ("1.234,56") is the default; English notation ("1234.56") is
accepted where it is unambiguous. A lone dot followed by exactly three digits ("4.712") is ambiguous: it
reads as thousands unless the column shows English decimals elsewhere (see `infer_decimal`).

Dates: "29.07.2021", ISO "2021-07-29", and dates known only to the month ("Juli 2021", "2021-07",
"07/2021", "07.2021") or year ("2021") keep their precision: a `PartialDate` is the first day of the
period plus `day | month | year`; an empty value is `unknown`.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "january": 1,
    "februar": 2, "feb": 2, "february": 2,
    "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "dez": 12, "december": 12, "dec": 12,
}
MONTH_NAMES = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
               "November", "Dezember")
UNKNOWN_WORDS = {"", "-", "–", "—", "?", "k.a.", "k. a.", "unbekannt", "n/a", "na", "nicht bekannt", "offen"}

# Excel stores dates as days since 1899-12-30 (with the 1900 leap-year bug folded in)
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (20_000, 80_000)  # 1954 .. 2119
YEAR_RANGE = (1900, 2100)


class ParseError(ValueError):
    """A value that cannot be read; the message is shown to the analyst in the rejects report."""


# ---------------------------------------------------------------------------------------------- text


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Raises ParseError for content that is no text (NUL bytes, undecodable bytes, control characters).
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return _check_text(data[len(bom):].decode(encoding)), f"{encoding} mit BOM"
            except UnicodeDecodeError as exc:
                raise ParseError(f"kein gültiger Text in {encoding} ({exc.reason})") from exc
    if b"\x00" in data:
        raise ParseError("Binärdaten (Nullbytes), keine Textdatei")
    try:
        return _check_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return _check_text(data.decode("cp1252")), "windows-1252"
    except UnicodeDecodeError as exc:
        raise ParseError("weder UTF-8 noch Windows-1252: Binärdaten oder unbekannte Kodierung") from exc


def _check_text(text: str) -> str:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if sample and controls / len(sample) > 0.01:
        raise ParseError("Binärdaten (Steuerzeichen), keine Textdatei")
    return text


def sniff_delimiter(text: str, score_header: Callable[[list[str]], int]) -> str:
    """Pick `;`, tab or `,`: the one whose header row yields the most known columns, then the most
    consistent field counts. `score_header` counts the known column names in a split header row."""
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    best: tuple[int, float, int] | None = None
    choice = ";"
    for rank, delimiter in enumerate((";", "\t", ",")):
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        if not rows:
            continue
        header_score = max((score_header(row) for row in rows[:10]), default=0)
        widths = [len(row) for row in rows]
        common = max(set(widths), key=widths.count)
        consistency = widths.count(common) / len(widths) if common > 1 else 0.0
        key = (header_score, consistency, -rank)
        if best is None or key > best:
            best, choice = key, delimiter
    return choice


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and value.strip() == ""


def text(value: object) -> str | None:
    """A cell as stripped text (None when blank); integral floats from Excel lose their '.0'."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    return " ".join(str(value).split())


# ---------------------------------------------------------------------------------------------- numbers

_CLEAN_NUMBER = re.compile(r"(?i)\s|\u00a0|\u202f|€|eur(o)?\b|'")
_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def _unambiguous_decimal(token: str) -> str | None:
    if "," in token and "." in token:
        return "," if token.rfind(",") > token.rfind(".") else "."
    for sep in (",", "."):
        if token.count(sep) == 1 and len(token.split(sep)[1]) != 3:
            return sep
    return None


def infer_decimal(values: list[object]) -> str:
    """The decimal mark a column uses, from its unambiguous values; ',' (German) when undecided."""
    votes = {",": 0, ".": 0}
    for value in values:
        if isinstance(value, str):
            token = _CLEAN_NUMBER.sub("", value).lstrip("+-")
            mark = _unambiguous_decimal(token) if _NUMBER.match(token or "x") else None
            if mark:
                votes[mark] += 1
    return "." if votes["."] > votes[","] else ","


def parse_number(value: object, decimal: str = ",") -> float | None:
    """'1.234,56' -> 1234.56; '20.000 €' -> 20000; '9585.45' -> 9585.45; blank -> None.

    `decimal` decides only the ambiguous case of one separator followed by exactly three digits.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ParseError(f"{value!r} ist keine Zahl")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError(f"{value!r} ist keine Zahl")
        return float(value)
    raw = str(value)
    token = _CLEAN_NUMBER.sub("", raw).replace("−", "-")
    if not _NUMBER.match(token):
        raise ParseError(f"'{raw.strip()}' ist keine Zahl")
    sign = -1.0 if token.startswith("-") else 1.0
    token = token.lstrip("+-")
    mark = _unambiguous_decimal(token)
    if mark is None and ("," in token or "." in token):
        if token.count(",") + token.count(".") == 1:
            sep = "," if "," in token else "."
            mark = sep if sep == decimal else None
        if mark is None and not _THOUSANDS.match(token):
            raise ParseError(f"'{raw.strip()}' ist keine Zahl (Tausenderpunkte in Dreiergruppen?)")
    if mark is None:
        integral, fraction = token, ""
    else:
        integral, _, fraction = token.rpartition(mark)
    thousands = integral.replace(".", "").replace(",", "")
    if integral != thousands and not _THOUSANDS.match(integral):
        raise ParseError(f"'{raw.strip()}' ist keine Zahl (Tausendertrennzeichen an falscher Stelle)")
    if not thousands.isdigit() or (fraction and not fraction.isdigit()):
        raise ParseError(f"'{raw.strip()}' ist keine Zahl")
    return sign * float(f"{thousands}.{fraction or '0'}")


def parse_int(value: object) -> int | None:
    """A count: '1.234' -> 1234; fractions are refused."""
    number = parse_number(value, decimal=",")
    if number is None:
        return None
    if not float(number).is_integer():
        raise ParseError(f"'{value}' ist keine ganze Zahl")
    return int(number)


def parse_rate(value: object) -> float | None:
    """A funding rate as a fraction: '80 %', '80', '0,8' -> 0.8; above 1 means percent."""
    if is_blank(value):
        return None
    raw = str(value).replace("%", "").replace("Prozent", "") if isinstance(value, str) else value
    number = parse_number(raw, decimal=",")
    if number is None:
        raise ParseError(f"'{value}' ist kein Fördersatz")
    rate = number / 100 if (number > 1 or (isinstance(value, str) and "%" in value)) else number
    if not 0 < rate <= 1:
        raise ParseError(f"Fördersatz '{value}' liegt nicht zwischen 0 und 100 %")
    return round(rate, 6)


def format_number(value: float, decimals: int = 2) -> str:
    """German notation with thousands dots: 1234.5 -> '1.234,50'."""
    english = f"{value:,.{decimals}f}"
    return english.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# ---------------------------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, month or year (stored as the period's first day), or unknown."""

    value: date | None
    precision: str

    @property
    def end(self) -> date | None:
        """The last day of the period."""
        if self.value is None:
            return None
        if self.precision == "year":
            return date(self.value.year, 12, 31)
        if self.precision == "month":
            return date(self.value.year, self.value.month,
                        calendar.monthrange(self.value.year, self.value.month)[1])
        return self.value


UNKNOWN = PartialDate(None, "unknown")

_DAY_DE = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})$")
_DAY_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_MONTH_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_MONTH_DE = re.compile(r"^(\d{1,2})\s?[./]\s?(\d{4})$")
_MONTH_WORD = re.compile(r"^([a-zäöü]+)\.?\s*[/ ]?\s*(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def _make(year: int, month: int = 1, day: int = 1) -> date:
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ParseError(f"Jahr {year} liegt außerhalb von {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ParseError(f"{day:02d}.{month:02d}.{year} ist kein gültiges Datum") from exc


def parse_date(value: object) -> PartialDate:
    """Read a date with its precision; blank or 'unbekannt' -> unknown. Raises ParseError."""
    if is_blank(value):
        return UNKNOWN
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return PartialDate(_make(value.year, value.month, value.day), "day")
    if isinstance(value, date):
        return PartialDate(_make(value.year, value.month, value.day), "day")
    if isinstance(value, bool):
        raise ParseError(f"{value!r} ist kein Datum")
    if isinstance(value, int | float):
        return _parse_number_date(value)
    raw = " ".join(str(value).split())
    token = raw.casefold()
    if token in UNKNOWN_WORDS:
        return UNKNOWN
    if m := _DAY_DE.match(token):
        day, month, year = int(m[1]), int(m[2]), m[3]
        return PartialDate(_make(int(year) + (2000 if len(year) == 2 else 0), month, day), "day")
    if m := _DAY_ISO.match(token) or _DAY_SLASH.match(token):
        return PartialDate(_make(int(m[1]), int(m[2]), int(m[3])), "day")
    if m := _MONTH_ISO.match(token):
        return PartialDate(_make(int(m[1]), _month(int(m[2]), raw)), "month")
    if m := _MONTH_DE.match(token):
        return PartialDate(_make(int(m[2]), _month(int(m[1]), raw)), "month")
    if (m := _MONTH_WORD.match(token)) and m[1] in MONTHS:
        return PartialDate(_make(int(m[2]), MONTHS[m[1]]), "month")
    if m := _YEAR.match(token):
        return PartialDate(_make(int(m[1])), "year")
    raise ParseError(f"'{raw}' ist kein Datum (erwartet z. B. 29.07.2021, 2021-07-29, Juli 2021, 07/2021 oder 2021)")


def _month(month: int, raw: str) -> int:
    if not 1 <= month <= 12:
        raise ParseError(f"'{raw}': Monat {month} gibt es nicht")
    return month


def _parse_number_date(value: float) -> PartialDate:
    """A number in a date cell of a spreadsheet: a year (2021) or an Excel serial day (44406)."""
    if float(value).is_integer() and YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        return PartialDate(_make(int(value)), "year")
    if EXCEL_SERIAL_RANGE[0] <= value < EXCEL_SERIAL_RANGE[1]:
        day = EXCEL_EPOCH + timedelta(days=int(value))
        return PartialDate(day, "day")
    raise ParseError(f"{value!r} ist kein Datum")


def format_date(value: PartialDate) -> str:
    """German display form that `parse_date` reads back: '29.07.2021', 'Juli 2021', '2021', ''."""
    if value.value is None:
        return ""
    if value.precision == "year":
        return f"{value.value.year}"
    if value.precision == "month":
        return f"{MONTH_NAMES[value.value.month - 1]} {value.value.year}"
    return value.value.strftime("%d.%m.%Y")


def parse_bool(value: object) -> bool | None:
    """'ja'/'nein' (also 'ja (gerundet)', 'nein (rund)', 'x', 'true', '1')."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    token = str(value).strip().casefold()
    head = re.split(r"[\s(,;]", token, maxsplit=1)[0]
    if head in {"ja", "j", "yes", "y", "true", "wahr", "x", "1"}:
        return True
    if head in {"nein", "n", "no", "false", "falsch", "0"}:
        return False
    raise ParseError(f"'{value}' ist weder ja noch nein")
