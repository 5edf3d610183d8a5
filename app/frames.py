"""Small rules on query frames that the data layer, figures and tables share: the one test for a missing
value, values inherited from a Verwaltungsgemeinschaft, and ranks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def missing(value: object) -> bool:
    """None, pandas NA/NaT, NaN or a NaT datetime64: shown as '–', never as a value. Text is never missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def inherited(frame: pd.DataFrame) -> pd.Series:
    """Whether each row shows a value inherited from its Verwaltungsgemeinschaft."""
    if "inherited_from_name" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["inherited_from_name"].map(lambda v: isinstance(v, str) and bool(v)).astype(bool)


def ranked(frame: pd.DataFrame, ascending: bool = False) -> pd.DataFrame:
    """Add `rank` (1 = most, ties share the lower rank) and `peers` (regions ranked). Only own values are
    ranked: a value inherited from a Verwaltungsgemeinschaft gets no rank, so a VG is not ranked once for
    each of its members."""
    out = frame.copy()
    values = pd.to_numeric(out["value"], errors="coerce").where(~inherited(out))
    out["rank"] = values.rank(method="min", ascending=ascending).astype("Int64")
    out["peers"] = int(values.notna().sum())
    return out
