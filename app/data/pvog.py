"""Queries of the federal measures (Dashboard Digitale Verwaltung, Open-PVOG; views of etl/sql/pvog_views.sql):
whether a build has them, ranks among peers, and a region's history, Themenfeld breakdown and the services its
peers offer online and it does not. Never mixed with the BayernPortal count (`procedure_snapshot`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from app.data.cache import cached
from app.data.provenance import Result
from app.data.registry import Db, query
from core.measures import PVOG_COUNTS, PVOG_KINDS, PVOG_MEASURES, PVOG_PRESS

# measure key -> its column in v_pvog_history / v_pvog_latest (the allow-list of identifiers)
COLUMN = {"pvog_available": "available", "pvog_own": "own"}
NO_DATA = ("Diese Datenbank enthält keine Daten des Dashboards Digitale Verwaltung des Bundes (Open-PVOG): "
           "Es wurde noch kein Abruf (`python -m etl fetch pvog`) in einen Build übernommen. Es werden dafür "
           "keine Ersatz- oder Demowerte gezeigt.")
_FACTS = (PVOG_COUNTS, PVOG_PRESS)


RANK_COLUMNS = ("ars", "name", "kind", "authority_type", "size_class", "district_name", "population", "value", "rank",
                "peers", "rank_change", "prev_rank", "as_of", "as_of_precision", "prev_as_of", "prev_as_of_precision",
                "group_median", "is_demo")


@cached(max_entries=8)
def has_views(db: Db) -> bool:
    """Whether the build has the federal views at all (builds before issue 13 have not)."""
    views = query(db, "SELECT count(*) AS n FROM duckdb_views() WHERE view_name = 'v_pvog_latest'")
    return bool(views["n"].iloc[0])


@cached(max_entries=8)
def available(db: Db) -> bool:
    """Whether the build has any federal value (a fetched snapshot or a press value)."""
    return has_views(db) and bool(query(db, "SELECT count(*) AS n FROM v_pvog_latest")["n"].iloc[0])


def _column(measure: str) -> str:
    if measure not in PVOG_MEASURES or measure not in COLUMN:
        raise ValueError(f"not a federal measure: {measure!r}")
    return COLUMN[measure]


def rankings(db: Db, measure: str, group_kind: str, group_key: str, state: str, district: str | None = None,
             size_class: str | None = None, authority_type: str | None = None) -> pd.DataFrame:
    """The columns of `app.data.rankings.rankings` for a federal measure: each authority's latest point ranked
    among the peer group's latest points; prev_rank is its rank at its previous point's date among the peers'
    points carried forward to that date (as v_ranks does for the BayernPortal counts)."""
    col = _column(measure)
    if not has_views(db):
        return pd.DataFrame(columns=list(RANK_COLUMNS))
    return query(db, f"""
        WITH grp AS (
            SELECT ars FROM v_authority
            WHERE state_ars = $state AND CASE $kind WHEN 'district' THEN district_ars = $key
                                                    WHEN 'size_class' THEN $state || ':' || size_class = $key
                                                    WHEN 'authority_type' THEN $state || ':' || authority_type = $key
                                                    ELSE true END
        ),
        pts AS (SELECT h.ars, h.as_of, h.{col} AS value FROM v_pvog_history h JOIN grp USING (ars)
                WHERE h.{col} IS NOT NULL),
        now AS (
            SELECT l.ars, l.as_of, l.as_of_precision, l.{col} AS value, l.is_demo,
                   rank() OVER (ORDER BY l.{col} DESC) AS rank, count(*) OVER () AS peers,
                   median(l.{col}) OVER () AS group_median,
                   (SELECT max(p.as_of) FROM pts p WHERE p.ars = l.ars AND p.as_of < l.as_of) AS prev_as_of
            FROM v_pvog_latest l JOIN grp USING (ars) WHERE l.{col} IS NOT NULL
        ),
        carried AS (
            SELECT d.prev_as_of AS day, p.ars, arg_max(p.value, p.as_of) AS value
            FROM (SELECT DISTINCT prev_as_of FROM now WHERE prev_as_of IS NOT NULL) d
            JOIN pts p ON p.as_of <= d.prev_as_of GROUP BY ALL
        ),
        earlier AS (SELECT day, ars, rank() OVER (PARTITION BY day ORDER BY value DESC) AS rank FROM carried),
        prec AS (SELECT ars, as_of, max(as_of_precision) AS as_of_precision FROM v_pvog_history GROUP BY ALL)
        SELECT n.ars, a.display_name AS name, r.kind, a.authority_type, a.size_class,
               k.display_name AS district_name, a.population, n.value, n.rank, n.peers,
               t.rank - n.rank AS rank_change, t.rank AS prev_rank, n.as_of, n.as_of_precision, n.prev_as_of,
               pp.as_of_precision AS prev_as_of_precision, n.group_median, n.is_demo
        FROM now n
        JOIN v_authority a USING (ars)
        JOIN region r USING (ars)
        LEFT JOIN region k ON k.ars = a.district_ars
        LEFT JOIN earlier t ON t.ars = n.ars AND t.day = n.prev_as_of
        LEFT JOIN prec pp ON pp.ars = n.ars AND pp.as_of = n.prev_as_of
        WHERE ($district IS NULL OR a.district_ars = $district)
          AND ($size IS NULL OR a.size_class = $size)
          AND ($type IS NULL OR a.authority_type = $type)
        ORDER BY n.rank, a.display_name""",  # noqa: S608 - the column from the allow-list COLUMN
                 {"state": state, "kind": group_kind, "key": group_key, "district": district, "size": size_class,
                  "type": authority_type})


def ranking_states(db: Db) -> pd.DataFrame:
    """States with ranked federal values (key, name)."""
    if not available(db):
        return pd.DataFrame({"ars": pd.Series(dtype=str), "name": pd.Series(dtype=str)})
    return query(db, """
        SELECT DISTINCT s.ars, s.display_name AS name
        FROM v_pvog_latest l JOIN v_authority a USING (ars) JOIN region s ON s.ars = a.state_ars ORDER BY s.ars""")


def history(db: Db, ars: str) -> pd.DataFrame:
    """Every point of one region: ars, as_of, as_of_precision, origin (Abruf | Presse), fetch_date, available,
    own, own_not_working, source_id, source_url, is_demo; oldest first."""
    return query(db, """
        SELECT ars, as_of, as_of_precision, origin, fetch_date, available, own, own_not_working, source_id,
               source_url, is_demo
        FROM v_pvog_history WHERE ars = $ars ORDER BY as_of, origin""", {"ars": ars})


def topics(db: Db, ars: str) -> pd.DataFrame:
    """The current snapshot's own services per Themenfeld: themenfeld, own, own_not_working, as_of, source_id."""
    return query(db, """
        SELECT t.themenfeld, t.own, t.own_not_working, t.as_of, c.source_id, t.is_demo
        FROM pvog_count_topic t JOIN pvog_count c USING (ars, fetch_date)
        WHERE t.ars = $ars AND t.is_current ORDER BY t.own DESC, t.themenfeld""", {"ars": ars})


def peer_gap(db: Db, ars: str) -> pd.DataFrame:
    """Services that at least half of the municipality's peers (same Land and size class, with a current snapshot)
    offer online themselves and it does not (not at all, or not working): leika_key, leika_name, offering, peers,
    share_pct, own_status ('nicht ok' when it lists the service but it does not work), is_demo. Empty without a
    current snapshot of the municipality (what it offers is then unknown)."""
    return query(db, """
        WITH me AS (
            SELECT a.ars, a.state_ars, a.size_class
            FROM v_authority a JOIN pvog_snapshot s ON s.ars = a.ars AND s.status = 'current'
            WHERE a.ars = $ars AND a.level = 'municipality'
        ),
        mine AS (
            SELECT leika_key, bool_or(online_status = 'ok') AS ok FROM pvog_service
            WHERE ars = $ars AND is_current AND coverage <> 'nicht in Auswertung berücksichtigt' GROUP BY ALL
        )
        SELECT p.leika_key, p.leika_name, p.offering, p.peers - 1 AS peers,
               round(100.0 * p.offering / nullif(p.peers - 1, 0), 1) AS share_pct,
               CASE WHEN m.leika_key IS NOT NULL THEN 'nicht ok' END AS own_status, p.is_demo
        FROM pvog_peer_service p JOIN me USING (state_ars, size_class)
        LEFT JOIN mine m USING (leika_key)
        WHERE coalesce(NOT m.ok, true)
        ORDER BY p.offering DESC, p.leika_name, p.leika_key""", {"ars": ars})


@dataclass(frozen=True, eq=False)
class PvogProfile:
    """The federal measures of one region, each part with its sources; `present`: the build has federal data."""

    present: bool
    history: Result
    topics: Result
    gap: Result
    has_snapshot: bool  # the region has a fetched snapshot (topics and the peer gap need one)
    peer_group: str  # e.g. "5.000 bis unter 20.000 Einwohner in Bayern"


@cached(max_entries=64)
def profile(db: Db, ars: str) -> PvogProfile:
    """The federal part of a region's profile."""
    empty = Result(db, pd.DataFrame(), _FACTS, PVOG_KINDS)
    if not available(db):
        return PvogProfile(False, empty, empty, empty, False, "")
    points = history(db, ars)
    group = query(db, """
        SELECT a.size_class || ' Einwohner in ' || s.display_name AS g FROM v_authority a
        JOIN region s ON s.ars = a.state_ars WHERE a.ars = $ars""", {"ars": ars})
    return PvogProfile(
        present=True,
        history=Result.of(db, points, _FACTS, PVOG_KINDS),
        topics=Result.of(db, topics(db, ars), _FACTS, PVOG_KINDS),
        gap=Result.of(db, peer_gap(db, ars).assign(ars=ars), _FACTS, PVOG_KINDS),
        has_snapshot=bool((points["origin"] == "Abruf").any()),
        peer_group=str(group["g"].iloc[0]) if not group.empty and isinstance(group["g"].iloc[0], str) else "",
    )
