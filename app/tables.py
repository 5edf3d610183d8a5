"""Table display helpers: German number formats while the values stay numeric (so sorting is numeric)."""

from __future__ import annotations

import re

import pandas as pd
from pandas.io.formats.style import Styler

# identifier-like integer columns (years, row numbers): shown as 2021, never as 2.021
PLAIN_INTEGER = re.compile(r"(?:^|_)(?:year|jahr|row_number)$|^zeile$", re.IGNORECASE)


def _plain_integer(value: object) -> str:
    return str(int(value))  # type: ignore[call-overload]


def german(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> Styler:
    """Style a frame with German separators (1.234,5); columns not listed get 0 decimals if numeric.
    Years and row numbers (columns named year, jahr, *_year, row_number, …) get no thousands separator."""
    decimals = decimals or {}
    styler = frame.style
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            if PLAIN_INTEGER.search(str(col)):
                styler = styler.format(_plain_integer, na_rep="–", subset=[col])
            else:
                styler = styler.format(precision=decimals.get(col, 0), thousands=".", decimal=",",
                                       na_rep="–", subset=[col])
    return styler
