"""Sourced context beside the administration data: the Bitkom Länderindex (states), the Smart City Index of
Bitkom (cities) and a region's Breitbandatlas row, each with the source of every row (press facts: the URL)."""

from __future__ import annotations

from app.data.broadband import region_broadband
from app.data.cache import cached
from app.data.provenance import Result
from app.data.registry import Db, query

BITKOM_TITLE = "Bitkom Länderindex"
SMART_CITY_TITLE = "Smart City Index (Bitkom)"


@cached(max_entries=8)
def laenderindex(db: Db) -> Result:
    """The Bitkom Länderindex of every state and year: ars, name, year, rank, score, published_on, source_url."""
    frame = query(db, """
        SELECT b.state_ars AS ars, r.display_name AS name, b.year, b.rank, b.score, b.published_on, b.source_url,
               b.source_id, b.is_demo
        FROM bitkom_laenderindex b LEFT JOIN region r ON r.ars = b.state_ars
        ORDER BY b.year DESC, b.rank""")
    return Result.of(db, frame)


@cached(max_entries=8)
def smart_city(db: Db, ars: str | None = None) -> Result:
    """The Smart City Index rows (of one city, or all): ars, name, year, category, rank, rank_note, score,
    source_url; newest year first, Gesamt first."""
    frame = query(db, """
        SELECT s.ars, coalesce(r.display_name, s.city) AS name, s.year, s.category, s.rank, s.rank_note, s.score,
               s.source_url, s.source_id, s.is_demo
        FROM smart_city_index s LEFT JOIN region r ON r.ars = s.ars
        WHERE $ars IS NULL OR s.ars = $ars
        ORDER BY s.year DESC, s.category <> 'Gesamt', s.category, s.rank NULLS LAST, name""", {"ars": ars})
    return Result.of(db, frame)


@cached(max_entries=64)
def broadband_of(db: Db, ars: str) -> Result:
    """The Breitbandatlas row of one region (see `broadband.region_broadband`)."""
    return Result.of(db, region_broadband(db, ars))


@cached(max_entries=4)
def germany_broadband(db: Db) -> Result:
    """Germany's broadband shares: the Länder rows weighted by the population of their municipalities with a
    value (as the Länder weigh their municipalities); one row with the three measures and the municipalities."""
    frame = query(db, """
        SELECT 'DE' AS ars,
               sum(households_gigabit * population_with_data) / nullif(sum(population_with_data), 0)
                   AS households_gigabit,
               sum(households_100mbit * population_with_data) / nullif(sum(population_with_data), 0)
                   AS households_100mbit,
               sum(businesses_gigabit * population_with_data) FILTER (WHERE businesses_gigabit IS NOT NULL)
                   / nullif(sum(population_with_data) FILTER (WHERE businesses_gigabit IS NOT NULL), 0)
                   AS businesses_gigabit,
               sum(municipalities) AS municipalities, sum(municipalities_with_data) AS municipalities_with_data,
               any_value(source_id) AS source_id, bool_or(is_demo) AS is_demo
        FROM broadband WHERE level = 'state'""")
    return Result.of(db, frame)
