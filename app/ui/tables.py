"""Table display helpers: German number formats while the values stay numeric (so sorting is numeric), and the
number format of every display column that is not a plain count (one place, not per page). No grid uses a pandas
Styler: rendering one cost 64 % of Förderung's warm rerun and 13 ms of every profile (py-spy, issue 16)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from core.measures import Measure

# a missing value in every grid (Streamlit's own default is the English "None"): st.dataframe(placeholder=...)
NO_VALUE = "–"

# identifier-like integer columns (years, row numbers): shown as 2021, never as 2.021
PLAIN_INTEGER = re.compile(r"(?:^|_)(?:year|jahr|row_number)$|^zeile$", re.IGNORECASE)


# decimals of display columns by header (columns not listed: 0 if numeric); measures bring their own
COLUMN_DECIMALS = {
    "Betrag (€)": 2, "€ je Einwohner": 2, "€ je zusätzlichem Verfahren": 2, "Fläche (km²)": 2,
    "je 10.000 Einwohner": 1, "Sekunden": 2,
}


def measure_columns(spec: Measure, *headers: str) -> dict[str, int]:
    """Decimals of the columns that show a measure's values (e.g. its value column and the group median)."""
    return dict.fromkeys(headers or (spec.column,), spec.decimals)


def localized(frame: pd.DataFrame, decimals: dict[str, int] | None = None,
              options: dict[str, dict] | None = None) -> tuple[pd.DataFrame, dict]:
    """A large table without a Styler (which costs about 1 s per rerun for 11,000 rows): numbers rounded to
    their decimals and shown in the reader's browser language (de-DE: 1.234,5), still sorted as numbers.
    `options` adds NumberColumn arguments per column (width, help, another format). Returns the frame and
    the column_config for st.dataframe."""
    decimals, options = {**COLUMN_DECIMALS, **(decimals or {})}, options or {}
    out = frame.copy()
    config: dict = {}
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            places = decimals.get(col, 0)
            if places == 0 and not pd.api.types.is_integer_dtype(frame[col]):
                out[col] = frame[col].round(0).astype("Int64")
            elif places:
                out[col] = frame[col].round(places)
            kwargs = {"format": "%d" if PLAIN_INTEGER.search(str(col)) else "localized", **options.get(col, {})}
            config[col] = st.column_config.NumberColumn(**kwargs)
        elif not pd.api.types.is_bool_dtype(frame[col]) and frame[col].dtype == object or isinstance(
                frame[col].dtype, pd.StringDtype):
            out[col] = missing_as_dash(frame[col])
    return out, config


def missing_as_dash(values: pd.Series) -> pd.Series:
    """A text column without the grid's English "None": missing text as '–', a missing link as an empty cell."""
    present = values.dropna()
    if len(present) == len(values) or not all(isinstance(v, str) for v in present):
        return values  # nothing missing, or no text column (dates, mixed objects stay as they are)
    links = len(present) > 0 and present.astype(str).str.startswith(("http://", "https://")).all()
    return values.astype(object).where(values.notna(), "" if links else NO_VALUE)


def show_table(frame: pd.DataFrame, height: int | str = "auto", links: Iterable[str] = (), *,
               link_text: str = "Quelle", decimals: dict[str, int] | None = None, key: str | None = None) -> None:
    """A table with German numbers (values stay numeric, so sorting is numeric) and dates as 29.07.2021; the
    `links` columns are links showing `link_text`; `decimals` as in `localized`.
    Without a Styler (`localized`): rendering a Styler took 64 % of Förderung's warm rerun (py-spy, issue 16)."""
    shown, config = localized(frame, decimals)
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            config[str(col)] = st.column_config.DateColumn(format="DD.MM.YYYY")
    for col in links:
        if col in frame.columns:
            config[col] = st.column_config.LinkColumn(display_text=link_text)
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=NO_VALUE, height=height,  # type: ignore[arg-type]
                 column_config=config or None, key=key)
