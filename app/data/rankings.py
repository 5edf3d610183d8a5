"""Queries of the Rangliste page: peer groups, ranks with change, states and districts for the filters."""

from __future__ import annotations

import pandas as pd

from app.data import pvog
from app.data.broadband import broadband_rankings
from app.data.cache import cached
from app.data.origin import origins
from app.data.provenance import Result
from app.data.registry import Db, query
from core.measures import BROADBAND_MEASURES, PVOG_MEASURES, RANK_MEASURES, measure

# peer groups of the rankings (v_ranks.group_kind); the ranked measures are those of the catalogue
SIZE_CLASSES = ("unter 5.000", "5.000 bis unter 20.000", "20.000 bis unter 100.000", "100.000 und mehr")
AUTHORITY_TYPES = ("kreisangehörige Gemeinde", "kreisfreie Stadt", "Verwaltungsgemeinschaft", "Landkreis",
                   "Bezirk")


def peer_group(state: str, district: str | None = None, size_class: str | None = None,
               authority_type: str | None = None) -> tuple[str, str]:
    """The v_ranks peer group a set of filters names: the district if one is chosen, else the size class
    or authority type within the state, else the state."""
    if district:
        return "district", district
    if size_class:
        return "size_class", f"{state}:{size_class}"
    if authority_type:
        return "authority_type", f"{state}:{authority_type}"
    return "state", state


def rankings(db: Db, measure: str, state: str, district: str | None = None, size_class: str | None = None,
             authority_type: str | None = None) -> pd.DataFrame:
    """Ranks within the peer group of the filters (see `peer_group`), further filtered by the remaining
    filters: ars, name, kind, authority_type, size_class, district_name, population, value, rank, peers,
    rank_change, prev_rank, as_of, as_of_precision, prev_as_of, prev_as_of_precision, group_median (of the
    whole peer group, before the remaining filters), is_demo."""
    if measure not in RANK_MEASURES:
        raise ValueError(f"unknown ranking measure {measure!r}")
    group_kind, group_key = peer_group(state, district, size_class, authority_type)
    if measure in PVOG_MEASURES:  # the federal counts: ranked in the data layer (app/data/pvog.py)
        return pvog.rankings(db, measure, group_kind, group_key, state, district, size_class, authority_type)
    if measure in BROADBAND_MEASURES:  # one stand of the Breitbandatlas, ranked in app/data/broadband.py
        return broadband_rankings(db, measure, group_kind, group_key, state, district, size_class, authority_type)
    return query(db, """
        WITH g AS (
            SELECT *, median(value) OVER () AS group_median
            FROM v_ranks WHERE measure = $measure AND group_kind = $kind AND group_key = $key
        ),
        prec AS (
            SELECT ars, as_of, max(as_of_precision) AS as_of_precision   -- the coarsest: year > month > day
            FROM procedure_snapshot WHERE ars IN (SELECT ars FROM g) GROUP BY ALL
        )
        SELECT g.ars, a.display_name AS name, r.kind, a.authority_type, a.size_class,
               k.display_name AS district_name, a.population, g.value, g.rank, g.peers, g.rank_change,
               g.prev_rank, g.as_of, p.as_of_precision, g.prev_as_of, pp.as_of_precision AS prev_as_of_precision,
               g.group_median, g.is_demo
        FROM g
        JOIN v_authority a USING (ars)
        JOIN region r USING (ars)
        LEFT JOIN region k ON k.ars = a.district_ars
        LEFT JOIN prec p ON p.ars = g.ars AND p.as_of = g.as_of
        LEFT JOIN prec pp ON pp.ars = g.ars AND pp.as_of = g.prev_as_of
        WHERE a.state_ars = $state
          AND ($district IS NULL OR a.district_ars = $district)
          AND ($size IS NULL OR a.size_class = $size)
          AND ($type IS NULL OR a.authority_type = $type)
        ORDER BY g.rank, a.display_name""",
                 {"measure": measure, "kind": group_kind, "key": group_key, "state": state,
                  "district": district, "size": size_class, "type": authority_type})


@cached(max_entries=8)
def ranking_states(db: Db) -> pd.DataFrame:
    """States that have ranked authorities (key, name): by v_ranks or by the federal counts."""
    ranked = query(db, """
        SELECT DISTINCT s.ars, s.display_name AS name
        FROM v_ranks v JOIN v_authority a USING (ars) JOIN region s ON s.ars = a.state_ars
        WHERE v.group_kind = 'state' ORDER BY s.ars""")
    both = pd.concat([ranked, pvog.ranking_states(db)], ignore_index=True)
    return both.drop_duplicates("ars").sort_values("ars", ignore_index=True)


@cached(max_entries=64)
def state_districts(db: Db, state: str) -> pd.DataFrame:
    """The districts (Kreise) of a state, key and name."""
    return query(db, """
        SELECT ars, display_name AS name, kind FROM region
        WHERE level = 'district' AND state_ars = $state ORDER BY display_name""", {"state": state})


@cached(max_entries=64)
def ranking(db: Db, measure_key: str, state: str, district: str | None = None, size_class: str | None = None,
            authority_type: str | None = None) -> Result:
    """`rankings` with the sources behind its values."""
    spec = measure(measure_key)
    frame = rankings(db, measure_key, state, district, size_class, authority_type)
    frame["origin"] = origins(db, frame, spec.facts)  # real (with its source) or demo, per value
    return Result.of(db, frame, spec.facts, spec.kinds)
