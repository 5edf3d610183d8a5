"""Table display helpers: German number formats while the values stay numeric (so sorting is numeric)."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler


def german(frame: pd.DataFrame, decimals: dict[str, int] | None = None) -> Styler:
    """Style a frame with German separators (1.234,5); columns not listed get 0 decimals if numeric."""
    decimals = decimals or {}
    styler = frame.style
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            styler = styler.format(precision=decimals.get(col, 0), thousands=".", decimal=",",
                                   na_rep="–", subset=[col])
    return styler
