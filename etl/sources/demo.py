"""Synthetic demo data (`--demo`): procedure histories, Digitales-Rathaus grants and Digitales-Amt awards.

Everything is drawn vectorised from one seeded numpy Generator, so the same seed and regions give the
same rows. Demo rows carry `is_demo = true` and the source id of one `source` row of kind 'demo'.
Real data wins whole: a region with any real value for a measure gets no demo values for it.

Model (monthly snapshots on the first day of each month, 2020-01 .. 2025-12):
- municipal procedures grow by Poisson steps whose rate rises with population and over time (the OZG push
  of 2021 to 2023) and for twelve months after a demo grant;
- central procedures arrive in packages: the same months for every region of a state, each region takes
  at least one procedure of every package, so the central count jumps on the same dates everywhere;
- Digitales Amt (Bavaria, not for members of a Verwaltungsgemeinschaft, whose VG is the authority): the
  cumulative dated awards, real and demo, follow the published milestones (`demo_awards`); each demo award goes
  to an authority whose total has reached 50 by then; some eligible regions are never awarded. Members keep
  procedure histories of their own, but their eligibility and award are the VG's (by the VG's own count;
  `via_association` in etl/metrics.sql), so a member is never "berechtigt, nicht zertifiziert" on its own;
- real facts are constraints: an authority (Gemeinde, VG, Landratsamt, Bezirk) with a real award and no real
  counts gets a demo series at or above its threshold (50; Bezirke 30) from the month of its award on;
- Digitales Rathaus (Bavaria): one grant per chosen region, approved within the programme period,
  at most 20,000 EUR at a rate of 80 % or 90 % (90 % more often in the north and east).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.context import BuildContext, StepResult, insert
from etl.sources import demo_awards

DEMO_SEED = 20251130
STATES = ("08", "09")
BAVARIA = "09"
FIRST_MONTH = "2020-01-01"
MONTHS = 72
THRESHOLD = demo_awards.THRESHOLD
PROGRAM_ID = "digitales_rathaus"
CERT_KIND = "Digitales Amt"
GRANT_PERIOD = (pd.Timestamp("2019-10-01"), pd.Timestamp("2023-09-30"))
GRANT_APPLICATIONS = 1600
GRANT_MAX_EUR = 20_000.0
# Regierungsbezirke with many areas of special need (Raum mit besonderem Handlungsbedarf): 90 % more often
SPECIAL_NEED_GOV = {"092": 0.6, "093": 0.6, "094": 0.6}
SPECIAL_NEED_OTHER = 0.25
TITLE = "Demodaten — synthetische Werte, nicht amtlich"


# the published award counts (as in etl/reference/meilensteine.csv), for databases without milestone rows
DEFAULT_MILESTONES = pd.DataFrame({"on_date": pd.to_datetime(["2022-07-18", "2023-02-06", "2024-01-18"]).date,
                                   "value": [100.0, 200.0, 400.0]})
AWARD_COLUMNS = ["ars", "level", "awarded_on", "awarded_on_precision"]


@dataclass(frozen=True, eq=False)
class Exclusions:
    """The real facts: regions with real values per measure get no demo values for that measure; real awards
    and the published milestones constrain the demo series and awards."""

    procedures: frozenset[str] = frozenset()
    grants: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()
    real_grants: int = 0  # real Digitales-Rathaus grants already loaded (counted against the 1,600)
    awards: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=AWARD_COLUMNS))
    milestones: pd.DataFrame = field(default_factory=lambda: DEFAULT_MILESTONES)


@dataclass(frozen=True)
class DemoData:
    snapshots: pd.DataFrame
    grants: pd.DataFrame
    certifications: pd.DataFrame


def source_id(seed: int = DEMO_SEED) -> str:
    return f"demo:seed-{seed}"


def source_row(seed: int = DEMO_SEED) -> pd.DataFrame:
    """The one `source` row every demo row points to."""
    return pd.DataFrame([{
        "source_id": source_id(seed), "dataset": "demo", "title": f"{TITLE} (Seed {seed})",
        "publisher": "Digitalmonitor Kommunen (Demo-Generator etl/sources/demo.py)", "url": None, "file": None,
        "sha256": None, "bytes": None, "origin": "generated", "retrieved_at": None, "licence": None,
        "attribution": TITLE, "edition": f"seed={seed}",
        "kind": "demo", "is_demo": True,
    }])


def demo_regions(regions: pd.DataFrame, also: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Municipalities (not gemeindefreie Gebiete) and multi-member Gemeindeverbände of BY and BW, by key, and
    the authorities in `also` (Landratsämter and Bezirke with a real award but no real counts)."""
    sel = (regions["state_ars"].isin(STATES) & (
        ((regions["level"] == "municipality") & regions["is_municipality"].astype(bool))
        | (regions["level"] == "association"))) | regions["ars"].isin(also)
    cols = ["ars", "level", "state_ars", "gov_district_ars", "association_ars", "population"]
    return regions.loc[sel, cols].sort_values("ars").reset_index(drop=True)


def month_starts() -> pd.DatetimeIndex:
    return pd.date_range(FIRST_MONTH, periods=MONTHS, freq="MS")


def _central(rng: np.random.Generator, states: np.ndarray) -> np.ndarray:
    """Central procedures per region and month: state-wide package dates, region-specific package sizes."""
    out = np.zeros((len(states), MONTHS), dtype=np.int64)
    for state in STATES:  # a loop over two states, not over rows
        rows = np.flatnonzero(states == state)
        packages = 11 if state == BAVARIA else 9
        months = np.arange(1, MONTHS)
        weight = np.exp(-months / 36.0)  # the platforms filled up early
        arrive = np.sort(rng.choice(months, size=packages, replace=False, p=weight / weight.sum()))
        size = rng.integers(2, 6, size=packages)
        # each region takes every package with at least one procedure
        taken = size[None, :] - rng.binomial(size[None, :] - 1, 0.15, size=(len(rows), packages))
        arrived = (np.arange(MONTHS)[None, :] >= arrive[:, None]).astype(np.int64)  # package x month
        start = rng.integers(2, 6, size=len(rows))
        out[rows] = start[:, None] + taken @ arrived
    return out


def _municipal(rng: np.random.Generator, population: np.ndarray, grant_month: np.ndarray) -> np.ndarray:
    """Municipal procedures: Poisson growth, faster for larger places, during 2021-23 and after a grant."""
    n = len(population)
    size = np.log(np.maximum(population, 100) / 5000.0)
    base = np.exp(-0.75 + 0.42 * size + 0.4 * rng.standard_normal(n))
    t = np.arange(MONTHS)
    profile = 0.3 + 1.2 / (1.0 + np.exp(-(t - 23) / 5.0)) - 0.7 / (1.0 + np.exp(-(t - 44) / 5.0))
    boost = (t[None, :] >= grant_month[:, None]) & (t[None, :] < grant_month[:, None] + 12)
    rate = base[:, None] * profile[None, :] * np.where(boost, 1.5, 1.0)
    start = rng.poisson(3.0 * base)
    return start[:, None] + np.cumsum(rng.poisson(rate), axis=1)


def _grants(rng: np.random.Generator, reg: pd.DataFrame, excl: Exclusions, sid: str) -> pd.DataFrame:
    """Digitales Rathaus grants for Bavarian demo regions without real grants."""
    cand = reg.index[(reg["state_ars"] == BAVARIA) & ~reg["ars"].isin(excl.grants)].to_numpy()
    n = int(min(len(cand), max(0, GRANT_APPLICATIONS - excl.real_grants)))
    chosen = np.sort(rng.choice(cand, size=n, replace=False))
    start, end = GRANT_PERIOD
    span = (end - start).days
    approved = start + pd.to_timedelta(np.floor(rng.random(n) ** 1.15 * (span + 1)).astype(np.int64), unit="D")
    p_special = reg.loc[chosen, "gov_district_ars"].map(SPECIAL_NEED_GOV).fillna(SPECIAL_NEED_OTHER).to_numpy()
    rate = np.where(rng.random(n) < p_special, 0.9, 0.8)
    cost = rng.lognormal(np.log(13_000.0), 0.55, n)
    amount = np.minimum(np.round(cost * rate, 2), GRANT_MAX_EUR)
    ars = reg.loc[chosen, "ars"].to_numpy()
    return pd.DataFrame({
        "grant_id": "demo-" + PROGRAM_ID + "-" + pd.Series(ars, dtype="string"),
        "program_id": PROGRAM_ID, "ars": ars, "approved_on": approved.date, "approved_on_precision": "day",
        "amount_eur": amount, "amount_exact": True, "funding_rate": rate,
        "purpose": "Online-Dienste im BayernPortal, Anbindung BayernID (Demodaten)", "status": "bewilligt",
        "source_id": sid, "source_url": None, "is_demo": True, "_row": chosen,
    })


def _real_award_series(reg: pd.DataFrame, municipal: np.ndarray, total: np.ndarray, months: pd.DatetimeIndex,
                       excl: Exclusions) -> int:
    """Lift the demo series of every authority with a real award (and no real counts) to its threshold from the
    month of its award on (an undated award: by the last month). Returns the number of series lifted."""
    rows = pd.Series(reg.index, index=reg["ars"])
    awards = excl.awards[excl.awards["ars"].isin(rows.index) & ~excl.awards["ars"].isin(excl.procedures)]
    on = demo_awards.effective_dates(awards)
    month = np.searchsorted(months.to_numpy(dtype="datetime64[ns]"), on.to_numpy(dtype="datetime64[ns]"),
                            side="right") - 1
    month = np.where(on.isna().to_numpy(), MONTHS - 1, np.clip(month, 0, MONTHS - 1))
    thresholds = demo_awards.threshold_of(reg["level"].to_numpy())
    for ars, m in zip(awards["ars"], month, strict=True):
        row = int(rows[ars])
        demo_awards.lift(municipal, total, row, int(m), int(thresholds[row]))
    return len(awards)


def _certifications(rng: np.random.Generator, reg: pd.DataFrame, municipal: np.ndarray, total: np.ndarray,
                    months: pd.DatetimeIndex, excl: Exclusions, sid: str) -> pd.DataFrame:
    """Demo Digitales-Amt awards on the days the milestones leave to them, for Bavarian authorities."""
    candidates = ((reg["state_ars"] == BAVARIA).to_numpy()
                  & reg["level"].isin(["municipality", "association"]).to_numpy()
                  & reg["association_ars"].isna().to_numpy()  # a VG member's authority is its VG
                  & ~reg["ars"].isin(excl.certifications | excl.procedures).to_numpy())
    end = months[-1] + pd.offsets.MonthEnd(1)
    days = demo_awards.demo_award_days(excl.milestones, excl.awards, end)
    picked = demo_awards.assign(rng, days, months, candidates, municipal, total)
    rows = np.array([r for r, _, _ in picked], dtype=np.int64)
    month = np.array([m for _, _, m in picked], dtype=np.int64)
    return pd.DataFrame({
        "ars": reg["ars"].to_numpy()[rows], "kind": CERT_KIND,
        "awarded_on": [d.date() for _, d, _ in picked], "awarded_on_precision": "day",
        "procedures_reported": total[rows, month].astype(np.int64) if len(rows) else np.array([], dtype=np.int64),
        "note": "Demodaten", "source_id": sid, "source_url": None, "is_demo": True,
    })


def generate(regions: pd.DataFrame, seed: int = DEMO_SEED, excl: Exclusions | None = None) -> DemoData:
    """All demo rows for the regions frame (the `region` table or build_regions output)."""
    excl = excl or Exclusions()
    rng = np.random.default_rng(seed)
    sid = source_id(seed)
    real_awards = excl.awards
    also = frozenset(real_awards.loc[real_awards["level"].isin(["district", "gov_district"]), "ars"]) - excl.procedures
    reg = demo_regions(regions, also)
    months = month_starts()
    grants = _grants(rng, reg, excl, sid)
    grant_month = np.full(len(reg), 10 * MONTHS, dtype=np.int64)
    approved = pd.to_datetime(grants["approved_on"])
    grant_month[grants["_row"].to_numpy()] = np.maximum(
        (approved.dt.year - 2020) * 12 + approved.dt.month - 1, 0).to_numpy()
    population = reg["population"].astype("float64").fillna(1000.0).to_numpy()
    central = _central(rng, reg["state_ars"].to_numpy())
    municipal = _municipal(rng, population, grant_month)
    total = municipal + central
    _real_award_series(reg, municipal, total, months, excl)
    certs = _certifications(rng, reg, municipal, total, months, excl, sid)
    snaps = pd.DataFrame({
        "ars": np.repeat(reg["ars"].to_numpy(), MONTHS), "as_of": np.tile(months.date, len(reg)),
        "as_of_precision": "month", "municipal": municipal.ravel().astype(np.int32),
        "central": central.ravel().astype(np.int32), "total": total.ravel().astype(np.int32),
        "source_id": sid, "source_url": None, "is_demo": True,
    })
    snaps = snaps[~snaps["ars"].isin(excl.procedures)].reset_index(drop=True)
    return DemoData(snapshots=snaps, grants=grants.drop(columns="_row"), certifications=certs)


def real_exclusions(con: object) -> Exclusions:
    """Regions that already hold real values per measure in the new database."""
    def keys(sql: str) -> frozenset[str]:
        return frozenset(k for (k,) in con.execute(sql).fetchall())  # type: ignore[attr-defined]

    procedures = keys("SELECT ars FROM procedure_snapshot WHERE NOT is_demo "
                      "UNION SELECT ars FROM online_service WHERE NOT is_demo")
    grants = keys("SELECT ars FROM funding_grant WHERE NOT is_demo")
    certs = keys("SELECT ars FROM certification WHERE NOT is_demo")
    (real_grants,) = con.execute(  # type: ignore[attr-defined]
        "SELECT count(*) FROM funding_grant WHERE NOT is_demo AND program_id = $p", {"p": PROGRAM_ID}).fetchone()
    awards = con.execute(  # type: ignore[attr-defined]
        "SELECT c.ars, r.level, c.awarded_on, c.awarded_on_precision FROM certification c JOIN region r USING (ars) "
        "WHERE NOT c.is_demo AND c.kind = $k", {"k": CERT_KIND}).df()
    milestones = con.execute(  # type: ignore[attr-defined]
        "SELECT on_date, value FROM milestone WHERE program_id = 'digitales_amt' AND date_precision = 'day' "
        "AND value IS NOT NULL ORDER BY on_date").df()
    return Exclusions(procedures, grants, certs, int(real_grants), awards,
                      milestones if len(milestones) else DEFAULT_MILESTONES)


def _program_row(sid: str) -> pd.DataFrame:
    """A demo-flagged programme row, only used when the reference data did not provide the programme."""
    return pd.DataFrame([{
        "program_id": PROGRAM_ID, "name": "Digitales Rathaus", "state_ars": BAVARIA, "kind": "funding",
        "max_per_applicant_eur": GRANT_MAX_EUR, "funding_rate": 0.8, "funding_rate_special": 0.9,
        "closes_on": GRANT_PERIOD[1].date(), "source_url": "https://www.digitales-rathaus.bayern/",
        "source_id": sid, "is_demo": True,
    }])


def load(ctx: BuildContext) -> list[StepResult]:
    """Source entry point (build step 'Demodaten'): only with --demo."""
    if not ctx.options.demo:
        return []
    start = time.perf_counter()
    excl = real_exclusions(ctx.db)
    data = generate(ctx.regions, DEMO_SEED, excl)
    sid = source_id(DEMO_SEED)
    insert(ctx.db, "source", source_row(DEMO_SEED))
    (has_program,) = ctx.db.execute("SELECT count(*) FROM program WHERE program_id = $p",
                                     {"p": PROGRAM_ID}).fetchone()  # type: ignore[misc]
    if not has_program:
        insert(ctx.db, "program", _program_row(sid))
    insert(ctx.db, "procedure_snapshot", data.snapshots)
    insert(ctx.db, "funding_grant", data.grants)
    insert(ctx.db, "certification", data.certifications)
    seconds = round(time.perf_counter() - start, 2)
    note = (f"Seed {DEMO_SEED}; ohne Demo wegen echter Werte: {len(excl.procedures)} Verfahren, "
            f"{len(excl.grants)} Förderung, {len(excl.certifications)} Digitales Amt")
    return [
        StepResult("demo", "procedure_snapshot", len(data.snapshots), 0, seconds, note),
        StepResult("demo", "funding_grant", len(data.grants), 0, 0.0, "Digitales Rathaus, nur Bayern"),
        StepResult("demo", "certification", len(data.certifications), 0, 0.0, "Digitales Amt, nur Bayern"),
    ]
