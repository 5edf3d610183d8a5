"""Queries of the Förderung page: programmes, grants, totals per region, funding against progress, milestones."""

from __future__ import annotations

import pandas as pd

from app.data.cache import cached
from app.data.provenance import Result
from app.data.registry import Db, query
from core.measures import GRANTS, PROCEDURES

GRANT_FACTS = (GRANTS,)
EFFECT_FACTS = (GRANTS, PROCEDURES)


@cached(max_entries=8)
def programs(db: Db) -> pd.DataFrame:
    """Programmes (funding first), with the name of their state and the attribution of their source."""
    return query(db, """
        SELECT p.*, s.display_name AS state_name, src.attribution, src.licence
        FROM program p
        LEFT JOIN region s ON s.ars = p.state_ars
        LEFT JOIN source src ON src.source_id = p.source_id
        ORDER BY p.kind = 'funding' DESC, p.state_ars, p.name""")


def _recipient_sql() -> str:
    return """
        SELECT g.grant_id, g.program_id, g.ars, r.display_name AS name, r.level, r.kind,
               CASE WHEN r.level = 'district' THEN r.ars ELSE r.district_ars END AS district_ars,
               r.state_ars, g.approved_on, g.approved_on_precision, g.amount_eur, g.amount_exact,
               g.funding_rate, g.purpose, g.status, g.source_url, g.source_id, g.is_demo
        FROM funding_grant g
        LEFT JOIN region r ON r.ars = g.ars"""


@cached(max_entries=32)
def grants(db: Db, program_id: str | None = None) -> pd.DataFrame:
    """Every grant of a programme (all programmes with None) with its recipient, district and state."""
    return query(db, f"""
        WITH g AS ({_recipient_sql()})
        SELECT g.*, d.display_name AS district_name, d.kind AS district_kind, s.display_name AS state_name
        FROM g
        LEFT JOIN region d ON d.ars = g.district_ars
        LEFT JOIN region s ON s.ars = g.state_ars
        WHERE $program IS NULL OR g.program_id = $program
        ORDER BY g.approved_on DESC NULLS LAST, g.amount_eur DESC NULLS LAST, g.grant_id""",  # noqa: S608
                 {"program": program_id})


@cached(max_entries=32)
def grant_totals(db: Db, program_id: str | None, level: str) -> pd.DataFrame:
    """Grants summed per district or state of the recipient, for every region of that level in the
    states the programme has grants in (regions without grants: 0). Grants to a Bezirk count only for
    their state."""
    if level not in ("district", "state"):
        raise ValueError(f"unknown level {level!r}")
    key = "district_ars" if level == "district" else "state_ars"
    return query(db, f"""
        WITH g AS ({_recipient_sql()}),
        picked AS (SELECT * FROM g WHERE $program IS NULL OR program_id = $program),
        per AS (
            SELECT {key} AS ars, count(*) AS grants, sum(amount_eur) AS amount_eur,
                   count(*) FILTER (WHERE amount_eur IS NULL) AS grants_without_amount,
                   bool_or(is_demo) AS is_demo
            FROM picked WHERE {key} IS NOT NULL GROUP BY 1
        )
        SELECT r.ars, r.display_name AS name, r.kind, r.state_ars, r.population,
               coalesce(per.grants, 0) AS grants, coalesce(per.amount_eur, 0) AS amount_eur,
               coalesce(per.grants_without_amount, 0) AS grants_without_amount,
               coalesce(per.amount_eur, 0) / nullif(r.population, 0) AS eur_per_inhabitant,
               coalesce(per.is_demo, false) AS is_demo
        FROM region r
        LEFT JOIN per USING (ars)
        WHERE r.level = $level AND r.state_ars IN (SELECT DISTINCT state_ars FROM picked)
        ORDER BY amount_eur DESC, r.ars""",  # noqa: S608 - key from a fixed pair
                 {"program": program_id, "level": level})


@cached(max_entries=32)
def grant_effect(db: Db, program_id: str | None = None) -> pd.DataFrame:
    """Procedures before and after each grant (v_grant_effect) with the recipient's name."""
    return query(db, """
        SELECT e.grant_id, e.program_id, e.ars, r.display_name AS name, r.kind, e.approved_on, e.amount_eur,
               e.before_as_of, e.total_before, e.after_as_of, e.total_after, e.added,
               e.eur_per_added_procedure, e.is_demo
        FROM v_grant_effect e
        LEFT JOIN region r USING (ars)
        WHERE $program IS NULL OR e.program_id = $program
        ORDER BY e.approved_on, e.grant_id""", {"program": program_id})


@cached(max_entries=16)
def milestones(db: Db, program_id: str | None = None) -> pd.DataFrame:
    """Published milestones (dated facts) of a programme, with the attribution of their source."""
    return query(db, """
        SELECT m.on_date, m.date_precision, m.program_id, m.fact, m.value, m.note, m.source_url, m.source_id,
               src.attribution, src.licence, coalesce(src.is_demo, false) AS is_demo
        FROM milestone m
        LEFT JOIN source src ON src.source_id = m.source_id
        WHERE $program IS NULL OR m.program_id = $program
        ORDER BY m.on_date NULLS LAST, m.fact""", {"program": program_id})


@cached(max_entries=32)
def grant_list(db: Db, program_id: str | None = None) -> Result:
    """`grants` (each row carries its own source)."""
    return Result.of(db, grants(db, program_id))


@cached(max_entries=32)
def totals(db: Db, program_id: str | None, level: str) -> Result:
    """`grant_totals` with the grants inside each region as its sources."""
    return Result.of(db, grant_totals(db, program_id, level), GRANT_FACTS, by_prefix=True)


@cached(max_entries=32)
def effect(db: Db, program_id: str | None = None) -> Result:
    """`grant_effect` with the grants and procedure counts it compares as its sources."""
    return Result.of(db, grant_effect(db, program_id), EFFECT_FACTS)


@cached(max_entries=8)
def program_list(db: Db) -> Result:
    """`programs` (each row carries its own source)."""
    return Result.of(db, programs(db))


@cached(max_entries=16)
def milestone_list(db: Db, program_id: str | None = None) -> Result:
    """`milestones` (each row carries its own source)."""
    return Result.of(db, milestones(db, program_id))
