"""Queries of the Breitbandatlas (Stand Mitte 2021, table `broadband`): ranks of the authorities by a broadband
measure within the Rangliste's peer groups, and the broadband values of one region for its profile."""

from __future__ import annotations

import pandas as pd

from app.data.registry import Db, query
from core.measures import BROADBAND_MEASURES


def _column(measure: str) -> str:
    """The table column of a broadband measure (allow-list: the catalogue's broadband keys)."""
    if measure not in BROADBAND_MEASURES:
        raise ValueError(f"not a broadband measure: {measure!r}")
    return measure


def broadband_rankings(db: Db, measure: str, group_kind: str, group_key: str, state: str, district: str | None,
                       size_class: str | None, authority_type: str | None) -> pd.DataFrame:
    """The columns of `rankings.rankings` for a broadband measure: the authorities of the peer group with a value,
    ranked (1 = highest share; ties share the better rank), then filtered like the procedure ranks. The atlas has
    one stand, so there is no rank change."""
    column = _column(measure)
    return query(db, f"""
        WITH g AS (
            SELECT a.ars, bb.{column} AS value, bb.as_of, bb.as_of_precision, bb.is_demo, bb.source_id
            FROM v_authority a JOIN broadband bb USING (ars)
            WHERE bb.{column} IS NOT NULL
              AND CASE $kind
                    WHEN 'state' THEN a.state_ars = $key
                    WHEN 'district' THEN a.district_ars = $key AND a.level IN ('municipality', 'association')
                    WHEN 'size_class' THEN a.state_ars || ':' || a.size_class = $key
                    ELSE a.state_ars || ':' || a.authority_type = $key END
        ),
        r AS (
            SELECT *, rank() OVER (ORDER BY value DESC) AS rank, count(*) OVER () AS peers,
                   median(value) OVER () AS group_median
            FROM g
        )
        SELECT r.ars, a.display_name AS name, x.kind, a.authority_type, a.size_class,
               k.display_name AS district_name, a.population, r.value, r.rank, r.peers,
               CAST(NULL AS BIGINT) AS rank_change, CAST(NULL AS BIGINT) AS prev_rank, r.as_of, r.as_of_precision,
               CAST(NULL AS DATE) AS prev_as_of, CAST(NULL AS VARCHAR) AS prev_as_of_precision, r.group_median,
               r.is_demo
        FROM r
        JOIN v_authority a USING (ars)
        JOIN region x USING (ars)
        LEFT JOIN region k ON k.ars = a.district_ars
        WHERE a.state_ars = $state
          AND ($district IS NULL OR a.district_ars = $district)
          AND ($size IS NULL OR a.size_class = $size)
          AND ($type IS NULL OR a.authority_type = $type)
        ORDER BY r.rank, a.display_name""",  # noqa: S608 - the column from the catalogue's allow-list
                 {"kind": group_kind, "key": group_key, "state": state, "district": district, "size": size_class,
                  "type": authority_type})


def region_broadband(db: Db, ars: str) -> pd.DataFrame:
    """The broadband row of one region (municipality or roll-up): the three measures, the municipalities counted,
    the note (e.g. formed by a merger since 2021: keine Daten), stand and source; empty without a row."""
    return query(db, """
        SELECT b.ars, b.level, b.households_gigabit, b.households_100mbit, b.businesses_gigabit, b.municipalities,
               b.municipalities_with_data, b.note, b.as_of, b.as_of_precision, b.source_id, b.is_demo, s.attribution
        FROM broadband b LEFT JOIN source s USING (source_id)
        WHERE b.ars = $ars""", {"ars": ars})
