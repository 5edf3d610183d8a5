"""Queries of the Digitales-Amt page: awards, the status of every Bavarian authority, the municipality map, areas."""

from __future__ import annotations

import pandas as pd

from app.data.cache import cached
from app.data.provenance import Result
from app.data.registry import Db, query
from app.data.start import recent_awards
from core.measures import CERTIFICATION_RULES, CERTIFICATIONS, PROCEDURES

# the status rests on the procedure counts, the awards and the programme's threshold
STATUS_FACTS = (PROCEDURES, CERTIFICATIONS, CERTIFICATION_RULES)


@cached(max_entries=8)
def awards(db: Db, kind: str = "Digitales Amt") -> pd.DataFrame:
    """One award per authority (its earliest; undated last) with name, type and district."""
    return query(db, """
        WITH c AS (
            SELECT * FROM certification WHERE kind = $kind
            QUALIFY row_number() OVER (PARTITION BY ars ORDER BY awarded_on NULLS LAST, is_demo, source_id) = 1
        )
        SELECT c.ars, r.display_name AS name, r.kind AS region_kind, c.awarded_on, c.awarded_on_precision,
               c.procedures_reported, c.note, c.source_url, c.source_id, c.is_demo
        FROM c LEFT JOIN region r USING (ars)
        ORDER BY c.awarded_on NULLS LAST, c.ars""", {"kind": kind})


@cached(max_entries=8)
def digitales_amt(db: Db) -> pd.DataFrame:
    """Digitales-Amt status of every Bavarian authority with its Regierungsbezirk and Kreis; each authority
    once: a member municipality whose VG is its Digitales-Amt authority (via_association) is left out."""
    return query(db, """
        SELECT d.ars, d.display_name AS name, d.authority_type, d.level, a.population,
               a.gov_district_ars, gd.display_name AS gov_district_name,
               coalesce(a.district_ars, CASE WHEN d.level = 'district' THEN d.ars END) AS district_ars,
               k.display_name AS district_name,
               d.total, d.threshold, d.eligible, d.certified, d.awarded_on, d.awarded_on_precision,
               d.eligible_not_certified, d.distance, d.status, d.is_demo
        FROM v_digitales_amt d
        JOIN v_authority a USING (ars)
        LEFT JOIN region gd ON gd.ars = a.gov_district_ars
        LEFT JOIN region k ON k.ars = coalesce(a.district_ars, CASE WHEN d.level = 'district' THEN d.ars END)
        WHERE NOT d.via_association
        ORDER BY d.distance NULLS LAST, d.total DESC NULLS LAST, d.ars""")


@cached(max_entries=8)
def digitales_amt_map(db: Db) -> pd.DataFrame:
    """Digitales-Amt status of every Bavarian municipality as the municipality map shows it; total is the
    count that decides the status (a member's VG's when the status is the VG's)."""
    return query(db, """
        SELECT m.ars, r.display_name AS name, r.kind,
               CASE WHEN m.status_inherited THEN d.total ELSE m.total END AS total, m.da_status, m.distance,
               m.inherited, m.inherited_from, v.display_name AS inherited_from_name, m.is_demo
        FROM v_municipality_map m
        JOIN region r USING (ars)
        LEFT JOIN v_digitales_amt d USING (ars)
        LEFT JOIN region v ON v.ars = m.inherited_from
        WHERE r.state_ars = '09'
        ORDER BY m.ars""")


@cached(max_entries=16)
def districts(db: Db, state: str) -> pd.DataFrame:
    """Regierungsbezirke and Kreise of a state (for filters)."""
    return query(db, """
        SELECT ars, display_name AS name, level, kind, gov_district_ars
        FROM region WHERE state_ars = $state AND level IN ('gov_district', 'district')
        ORDER BY ars""", {"state": state})


@cached(max_entries=8)
def status(db: Db) -> Result:
    """`digitales_amt` with the sources of the status."""
    return Result.of(db, digitales_amt(db), STATUS_FACTS)


@cached(max_entries=8)
def award_list(db: Db) -> Result:
    """`awards` (each row carries its own source)."""
    return Result.of(db, awards(db))


# the cumulative award line rests on the award facts, never on the register
AWARD_KINDS = ("reference", "import", "demo")


def award_line(db: Db, line: pd.DataFrame) -> Result:
    """The cumulative award line (one row per date, no region) credited to the award sources."""
    return Result.of(db, line, kinds=AWARD_KINDS)


@cached(max_entries=4)
def recent_award_list(db: Db, months: int = 6) -> Result:
    """`start.recent_awards` with the award facts behind them."""
    return Result.of(db, recent_awards(db, months), (CERTIFICATIONS,))
