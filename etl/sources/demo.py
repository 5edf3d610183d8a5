"""Synthetic demo data (`--demo`): procedure histories, Digitales-Rathaus grants and Digitales-Amt awards.

Everything is drawn vectorised from one seeded numpy Generator, so the same seed and regions give the
same rows. Demo rows carry `is_demo = true` and the source id of one `source` row of kind 'demo'.
Real data wins whole: a region with any real value for a measure gets no demo values for it.

Model (monthly snapshots on the first day of each month, 2020-01 .. 2025-12):
- municipal procedures grow by Poisson steps whose rate rises with population and over time (the OZG push
  of 2021 to 2023) and for twelve months after a demo grant;
- central procedures arrive in packages: the same months for every region of a state, each region takes
  at least one procedure of every package, so the central count jumps on the same dates everywhere;
- Digitales Amt (Bavaria, not for members of a Verwaltungsgemeinschaft, whose VG is the authority): a
  region is awarded in a month in which its total is at least 50 (totals never fall), not before July
  2021; some eligible regions are never awarded. Members keep procedure histories of their own, but their
  eligibility and award are the VG's (by the VG's own count; `via_association` in etl/metrics.sql), so a
  member is never "berechtigt, nicht zertifiziert" on its own (docs/DATA_MODEL.md);
- Digitales Rathaus (Bavaria): one grant per chosen region, approved within the programme period,
  at most 20,000 EUR at a rate of 80 % or 90 % (90 % more often in the north and east).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.context import BuildContext, StepResult, insert

DEMO_SEED = 20251130
STATES = ("08", "09")
BAVARIA = "09"
FIRST_MONTH = "2020-01-01"
MONTHS = 72
AWARDS_FROM = pd.Timestamp("2021-07-01")
THRESHOLD = 50
PROGRAM_ID = "digitales_rathaus"
CERT_KIND = "Digitales Amt"
GRANT_PERIOD = (pd.Timestamp("2019-10-01"), pd.Timestamp("2023-09-30"))
GRANT_APPLICATIONS = 1600
GRANT_MAX_EUR = 20_000.0
# Regierungsbezirke with many areas of special need (Raum mit besonderem Handlungsbedarf): 90 % more often
SPECIAL_NEED_GOV = {"092": 0.6, "093": 0.6, "094": 0.6}
SPECIAL_NEED_OTHER = 0.25
TITLE = "Demodaten — synthetische Werte, nicht amtlich"


@dataclass(frozen=True)
class Exclusions:
    """Regions with real values per measure: they get no demo values for that measure."""

    procedures: frozenset[str] = frozenset()
    grants: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()
    real_grants: int = 0  # real Digitales-Rathaus grants already loaded (counted against the 1,600)


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


def demo_regions(regions: pd.DataFrame) -> pd.DataFrame:
    """Municipalities (not gemeindefreie Gebiete) and multi-member Gemeindeverbände of BY and BW, by key."""
    sel = regions["state_ars"].isin(STATES) & (
        ((regions["level"] == "municipality") & regions["is_municipality"].astype(bool))
        | (regions["level"] == "association"))
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


def _certifications(rng: np.random.Generator, reg: pd.DataFrame, total: np.ndarray, months: pd.DatetimeIndex,
                    excl: Exclusions, sid: str) -> pd.DataFrame:
    """Digitales-Amt awards in a month with total >= 50, from July 2021, for Bavarian authorities."""
    n = len(reg)
    eligible = (total >= THRESHOLD) & (months >= AWARDS_FROM)[None, :]
    first = eligible.argmax(axis=1)
    lag = rng.geometric(0.15, n) - 1
    day = rng.integers(0, 28, n)
    takes_part = rng.random(n) < 0.6
    award = first + lag
    ok = (eligible.any(axis=1) & takes_part & (award < MONTHS)
          & (reg["state_ars"] == BAVARIA).to_numpy()
          & reg["association_ars"].isna().to_numpy()  # a VG member's authority is its VG
          & ~reg["ars"].isin(excl.certifications | excl.procedures).to_numpy())
    rows = np.flatnonzero(ok)
    awarded = months[award[rows]] + pd.to_timedelta(day[rows], unit="D")
    return pd.DataFrame({
        "ars": reg["ars"].to_numpy()[rows], "kind": CERT_KIND, "awarded_on": awarded.date,
        "awarded_on_precision": "day", "procedures_reported": total[rows, award[rows]].astype(np.int64),
        "note": "Demodaten", "source_id": sid, "source_url": None, "is_demo": True,
    })


def generate(regions: pd.DataFrame, seed: int = DEMO_SEED, excl: Exclusions | None = None) -> DemoData:
    """All demo rows for the regions frame (the `region` table or build_regions output)."""
    excl = excl or Exclusions()
    rng = np.random.default_rng(seed)
    sid = source_id(seed)
    reg = demo_regions(regions)
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
    certs = _certifications(rng, reg, total, months, excl, sid)
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
    return Exclusions(procedures, grants, certs, int(real_grants))


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
