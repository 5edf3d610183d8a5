"""German display formats: 1.234,5 for numbers and 29.07.2021 for dates."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from app.frames import missing
from core.dates import german_date


def number(value: object, decimals: int = 0, suffix: str = "") -> str:
    """1234.5 -> '1.234,5' (German separators); missing values -> '–'."""
    if missing(value):
        return "–"
    try:
        text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{text}{suffix}"


def euro(value: object, decimals: int = 0) -> str:
    return number(value, decimals, " €")


def percent(value: object, decimals: int = 1) -> str:
    """0.8 -> '80,0 %'."""
    if missing(value):
        return "–"
    return number(float(value) * 100, decimals, " %")  # type: ignore[arg-type]


def day(value: object, precision: object = "day") -> str:
    """The one date text: 29.07.2021, or 'Juli 2021' / '2021' when it is only known to the month or year
    (`precision`; anything else counts as a day); missing dates -> '–'."""
    if missing(value):
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, (pd.Timestamp, datetime)):
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return german_date(value, precision)
