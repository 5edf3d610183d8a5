"""Demo Digitales-Amt awards under the real facts as constraints.

- The cumulative number of dated awards (real + demo) follows the published milestones (table `milestone`,
  programme digitales_amt, dated to the day: 7 on 28.07.2021, 100 on 18.07.2022, 200 on 06.02.2023, about 400
  on 18.01.2024), linear in between and TAIL_PER_MONTH after the last one ("über 400" in autumn 2024).
- A real award counts on the time axis from its date (one known to the year only from the end of that year);
  an undated real award counts in totals, not on the time axis.
- Each demo award date goes to an authority whose demo total has reached the threshold by then; where none has,
  the one closest to it is lifted to the threshold (`lift`).
- An authority with a real award and no real counts gets a demo series at or above its threshold (50, Bezirke
  30) from the month of its award on (`lift`), e.g. Bad Königshofen i.Grabfeld, awarded on 28.07.2021.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

THRESHOLD = 50
THRESHOLD_BEZIRK = 30
FIRST_AWARDS = (date(2021, 7, 28), 7)  # the kick-off: seven awards (also a milestone row)
TAIL_PER_MONTH = 2.0
RAMP_MONTHS = 6


def threshold_of(levels: np.ndarray) -> np.ndarray:
    return np.where(levels == "gov_district", THRESHOLD_BEZIRK, THRESHOLD)


def effective_dates(real: pd.DataFrame) -> pd.Series:
    """The day from which a real award counts on the time axis (NaT: undated, counts in totals only)."""
    on = pd.to_datetime(real["awarded_on"])
    year_end = pd.to_datetime(on.dt.year.astype("Int64").astype("string") + "-12-31", errors="coerce")
    return on.where(real["awarded_on_precision"].isin(["day", "month"]),
                    year_end.where(real["awarded_on_precision"] == "year"))


def dated_awards_on(awards: pd.DataFrame, day: date) -> int:
    """Cumulative dated awards on a day (real rows by their effective date, demo rows by their day)."""
    return int((effective_dates(awards) <= pd.Timestamp(day)).sum())


def target_curve(milestones: pd.DataFrame, end: pd.Timestamp) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Days from the first awards to `end` and the published cumulative count on each (interpolated)."""
    points = {pd.Timestamp(FIRST_AWARDS[0]): float(FIRST_AWARDS[1])}
    for on, value in zip(milestones["on_date"], milestones["value"], strict=True):
        points[pd.Timestamp(on)] = float(value)
    anchors = sorted(points.items())
    last_day, last_value = anchors[-1]
    if end > last_day:
        anchors.append((end, last_value + TAIL_PER_MONTH * (end - last_day).days / 30.44))
    days = pd.date_range(anchors[0][0], end, freq="D")
    x = np.array([d.toordinal() for d, _ in anchors], dtype=float)
    y = np.maximum.accumulate(np.array([v for _, v in anchors]))
    return days, np.interp(np.array([d.toordinal() for d in days], dtype=float), x, y)


def demo_award_days(milestones: pd.DataFrame, real: pd.DataFrame, end: pd.Timestamp) -> pd.DatetimeIndex:
    """One day per demo award such that real + demo dated awards meet the target on every day."""
    days, target = target_curve(milestones, end)
    real_on = np.sort(effective_dates(real).dropna().to_numpy(dtype="datetime64[ns]"))
    real_count = np.searchsorted(real_on, days.to_numpy(dtype="datetime64[ns]"), side="right")
    need = np.maximum.accumulate(np.maximum(0, np.floor(target + 1e-9).astype(int) - real_count))
    if need[-1] == 0:
        return pd.DatetimeIndex([])
    positions = np.searchsorted(need, np.arange(1, need[-1] + 1), side="left")
    return days[positions]


def lift(municipal: np.ndarray, total: np.ndarray, row: int, month: int, threshold: int) -> None:
    """Raise one region's series (in place) so that its total reaches `threshold` in `month` and stays at or
    above it; the extra procedures arrive over the RAMP_MONTHS months before (totals never fall)."""
    deficit = threshold - int(total[row, month])
    if deficit <= 0:
        return
    t = np.arange(municipal.shape[1])
    share = np.clip((t - (month - RAMP_MONTHS)) / RAMP_MONTHS, 0.0, 1.0)
    extra = np.ceil(deficit * share).astype(municipal.dtype)
    municipal[row] += extra
    total[row] += extra


def assign(rng: np.random.Generator, days: pd.DatetimeIndex, months: pd.DatetimeIndex, candidates: np.ndarray,
           municipal: np.ndarray, total: np.ndarray) -> list[tuple[int, pd.Timestamp, int]]:
    """(row, day, month index) of each demo award: a candidate at or above the threshold in the award's month,
    drawn at random; the closest one lifted where none is."""
    awarded = np.zeros(total.shape[0], dtype=bool)
    out = []
    month_of = np.searchsorted(months.to_numpy(dtype="datetime64[ns]"), days.to_numpy(dtype="datetime64[ns]"),
                               side="right") - 1
    for day, month in zip(days, month_of, strict=True):
        if month < 0 or month >= len(months):
            continue
        free = candidates & ~awarded
        if not free.any():
            break
        ready = np.flatnonzero(free & (total[:, month] >= THRESHOLD))
        if len(ready):
            row = int(rng.choice(ready))
        else:
            pool = np.flatnonzero(free)
            row = int(pool[np.argmax(total[pool, month])])
            lift(municipal, total, row, month, THRESHOLD)
        awarded[row] = True
        out.append((row, day, int(month)))
    return out
