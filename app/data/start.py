"""Queries of the Start page: build stand, municipalities per state, density, headline figures, recent awards."""

from __future__ import annotations

import pandas as pd

from app.data.cache import cached
from app.data.registry import Db, check_level, query


@cached(max_entries=8)
def build_info(db: Db) -> dict[str, str]:
    return dict(query(db, "SELECT key, value FROM build_info").itertuples(index=False, name=None))


@cached(max_entries=8)
def register_attribution(db: Db) -> str:
    """Attribution of the newest register edition (population, area, names)."""
    row = query(db, """
        SELECT attribution FROM source WHERE kind = 'register' ORDER BY edition DESC LIMIT 1""")
    return str(row["attribution"].iloc[0]) if not row.empty else ""


@cached(max_entries=4)
def municipalities_per_state(db: Db) -> pd.DataFrame:
    return query(db, """
        SELECT s.ars, s.display_name AS land,
               count(*) FILTER (WHERE m.is_municipality) AS gemeinden,
               count(*) FILTER (WHERE NOT m.is_municipality) AS gemeindefreie_gebiete,
               s.population AS einwohner
        FROM region s JOIN region m ON m.state_ars = s.ars AND m.level = 'municipality'
        WHERE s.level = 'state'
        GROUP BY ALL ORDER BY s.ars""")


@cached(max_entries=8)
def density(db: Db, level: str = "municipality", state: str | None = None) -> pd.DataFrame:
    """Population per km² of every shape of a level (optionally one state); shapes of keys the newest
    register no longer has (merged since) and unpopulated areas come with density NULL."""
    return query(db, """
        SELECT s.ars, coalesce(r.display_name, 'Gebiet ohne aktuellen Schlüssel (fusioniert)') AS name,
               coalesce(r.kind, '–') AS kind, r.population, r.area_km2,
               r.population / nullif(r.area_km2, 0) AS density
        FROM region_shape s LEFT JOIN region r USING (ars)
        WHERE s.level = $level AND s.detail = 'map' AND ($state IS NULL OR starts_with(s.ars, $state))
        ORDER BY s.ars""", {"level": check_level(level), "state": state})




@cached(max_entries=8)
def states(db: Db) -> pd.DataFrame:
    return query(db, "SELECT ars, display_name AS name FROM region WHERE level = 'state' ORDER BY ars")


@cached(max_entries=4)
def headline(db: Db) -> dict[str, object]:
    """Headline figures of the Start page, each with whether demo values are part of it."""
    row = query(db, """
        WITH da AS (SELECT * FROM v_digitales_amt),
             pl AS (SELECT * FROM v_procedures_latest),
             gr AS (SELECT * FROM funding_grant WHERE program_id = 'digitales_rathaus')
        SELECT (SELECT count(*) FROM pl) AS authorities_with_data,
               (SELECT coalesce(bool_or(is_demo), false) FROM pl) AS procedures_demo,
               (SELECT max(as_of) FROM pl) AS latest_as_of,
               (SELECT count(*) FROM da WHERE certified) AS certified,
               (SELECT count(DISTINCT ars) FROM certification
                 WHERE kind = 'Digitales Amt' AND NOT is_demo) AS certified_real,
               (SELECT count(*) FROM da WHERE eligible_not_certified) AS eligible_not_certified,
               (SELECT coalesce(bool_or(is_demo), false) FROM da WHERE certified OR eligible_not_certified)
                   AS digitales_amt_demo,
               (SELECT count(*) FROM gr) AS grants,
               (SELECT sum(amount_eur) FROM gr) AS grants_eur,
               (SELECT coalesce(bool_or(is_demo), false) FROM gr) AS grants_demo""")
    return row.iloc[0].to_dict()


@cached(max_entries=4)
def recent_awards(db: Db, months: int = 6) -> pd.DataFrame:
    """Digitales-Amt awards in the last months before the newest award date."""
    return query(db, """
        SELECT c.ars, r.display_name AS name, r.kind, c.awarded_on, c.awarded_on_precision, c.is_demo,
               c.source_url
        FROM certification c JOIN region r USING (ars)
        WHERE c.kind = 'Digitales Amt' AND c.awarded_on IS NOT NULL
          AND c.awarded_on > (SELECT max(awarded_on) FROM certification) - to_months($months)
        ORDER BY c.awarded_on DESC, r.display_name""", {"months": months})
