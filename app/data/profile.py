"""Queries of the Gemeindeprofil page: search, labels, headline facts, history, ranks, peers, grants, comparison."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from app.data import search
from app.data.cache import cached, shared
from app.data.provenance import Result, attribution
from app.data.registry import Db, query
from core.measures import CERTIFICATIONS, GRANTS, PROCEDURES


def find_regions(db: Db, text: str, limit: int = 50) -> pd.DataFrame:
    """Regions matching a search text (name forgiving umlauts, accents and typos; postcode or key by prefix), best
    first: ars, name, kind, level, postcode, district_name, state_name (see app.data.search)."""
    return search.find(db, text, limit)


@cached(max_entries=256)
def region_labels(db: Db, keys: list[str]) -> pd.DataFrame:
    """ars, name, kind, level, district_name, state_name of the given keys (for selectbox labels)."""
    return query(db, """
        SELECT r.ars, r.display_name AS name, r.kind, r.level, k.display_name AS district_name,
               s.display_name AS state_name
        FROM region r
        LEFT JOIN region k ON k.ars = r.district_ars
        LEFT JOIN region s ON s.ars = r.state_ars
        WHERE r.ars IN (SELECT unnest($keys)) ORDER BY r.ars""", {"keys": [str(k) for k in keys]})


def region_profile(db: Db, ars: str) -> pd.DataFrame:
    """Headline facts of one region (one row, empty when the key is unknown)."""
    return query(db, """
        SELECT r.ars, r.ags, r.level, r.name, r.display_name, r.kind, r.population, r.area_km2,
               r.population / nullif(r.area_km2, 0) AS density, r.postcode, r.is_municipality,
               r.member_count, r.edition, a.authority_type, a.size_class,
               r.state_ars, s.display_name AS state_name,
               r.gov_district_ars, gd.display_name AS gov_district_name,
               r.district_ars, k.display_name AS district_name, k.kind AS district_kind,
               r.association_ars, v.display_name AS association_name, v.kind AS association_kind
        FROM region r
        LEFT JOIN v_authority a USING (ars)
        LEFT JOIN region s ON s.ars = r.state_ars
        LEFT JOIN region gd ON gd.ars = r.gov_district_ars
        LEFT JOIN region k ON k.ars = r.district_ars
        LEFT JOIN region v ON v.ars = r.association_ars
        WHERE r.ars = $ars""", {"ars": ars})


def members(db: Db, ars: str) -> pd.DataFrame:
    """Member municipalities of an association (or the municipalities of a district / state)."""
    return query(db, """
        SELECT ars, display_name AS name, kind, population, area_km2
        FROM region
        WHERE level = 'municipality' AND is_municipality
          AND (association_ars = $ars OR district_ars = $ars OR (length($ars) = 2 AND state_ars = $ars))
        ORDER BY display_name""", {"ars": ars})


def procedure_history(db: Db, keys: list[str]) -> pd.DataFrame:
    """Procedure counts over time of the given authorities (one row per key and date; a real value wins
    over a demo value of the same date): ars, as_of, as_of_precision, municipal, central, total, is_demo,
    source_url."""
    return query(db, """
        SELECT ars, as_of, as_of_precision, municipal, central, total, is_demo, source_url
        FROM procedure_snapshot
        WHERE ars IN (SELECT unnest($keys))
        QUALIFY row_number() OVER (PARTITION BY ars, as_of ORDER BY is_demo, total DESC, source_id) = 1
        ORDER BY ars, as_of""", {"keys": [str(k) for k in keys]})


def authority_facts(db: Db, keys: list[str]) -> pd.DataFrame:
    """The latest measures of the given regions side by side: ars, name, kind, authority_type,
    size_class, district_name, population, area_km2, density, as_of, as_of_precision, total, municipal, central,
    total_per_10k, da_status, distance, threshold, awarded_on, awarded_on_precision, grants, grant_eur,
    eur_per_inhabitant, is_demo. Regions without an own value get their VG's procedures
    (inherited_from_name) as on the municipality map."""
    return query(db, """
        WITH k AS (SELECT unnest($keys) AS ars, generate_subscripts($keys, 1) AS pos),
        gr AS (
            SELECT ars, count(*) AS grants, sum(amount_eur) AS grant_eur, bool_or(is_demo) AS grants_demo
            FROM funding_grant GROUP BY ars
        )
        SELECT r.ars, r.display_name AS name, r.kind, a.authority_type, a.size_class,
               kr.display_name AS district_name, r.population, r.area_km2,
               r.population / nullif(r.area_km2, 0) AS density,
               coalesce(p.as_of, pv.as_of) AS as_of, coalesce(p.as_of_precision, pv.as_of_precision) AS as_of_precision,
               coalesce(p.total, m.total) AS total, coalesce(p.municipal, m.municipal) AS municipal,
               coalesce(p.central, m.central) AS central,
               coalesce(p.total * 10000.0 / nullif(r.population, 0), m.total_per_10k) AS total_per_10k,
               CASE WHEN d.certified_via_association THEN 'zertifiziert (über die VG ' || v.display_name || ')'
                    WHEN d.via_association THEN d.status || ' (Stand der VG ' || v.display_name || ')'
                    ELSE coalesce(d.status, m.da_status) END AS da_status,
               coalesce(d.distance, m.distance) AS distance,
               d.threshold, d.awarded_on, d.awarded_on_precision,
               CASE WHEN p.total IS NULL AND m.procedures_inherited THEN v.display_name END
                   AS inherited_from_name,
               coalesce(gr.grants, 0) AS grants, gr.grant_eur,
               gr.grant_eur / nullif(r.population, 0) AS eur_per_inhabitant,
               coalesce(p.is_demo, false) OR coalesce(m.is_demo, false) OR coalesce(d.is_demo, false)
                   OR coalesce(gr.grants_demo, false) AS is_demo
        FROM k
        JOIN region r USING (ars)
        LEFT JOIN v_authority a USING (ars)
        LEFT JOIN region kr ON kr.ars = r.district_ars
        LEFT JOIN v_procedures_latest p USING (ars)
        LEFT JOIN v_municipality_map m USING (ars)
        LEFT JOIN v_procedures_latest pv ON pv.ars = m.inherited_from AND m.procedures_inherited
        LEFT JOIN region v ON v.ars = m.inherited_from
        LEFT JOIN v_digitales_amt d USING (ars)
        LEFT JOIN gr USING (ars)
        ORDER BY k.pos""", {"keys": [str(k) for k in keys]})


def region_ranks(db: Db, ars: str) -> pd.DataFrame:
    """Every rank of one authority (v_ranks) with a readable group name."""
    return query(db, """
        SELECT v.measure, v.group_kind, v.group_key,
               CASE v.group_kind WHEN 'state' THEN s.display_name WHEN 'district' THEN k.display_name
                    ELSE split_part(v.group_key, ':', 2) || ' (' || s.display_name || ')' END AS group_name,
               v.value, v.rank, v.peers, v.rank_change, v.prev_as_of, v.as_of, v.is_demo
        FROM v_ranks v
        JOIN v_authority a USING (ars)
        LEFT JOIN region s ON s.ars = a.state_ars
        LEFT JOIN region k ON k.ars = v.group_key AND v.group_kind = 'district'
        WHERE v.ars = $ars
        ORDER BY v.measure, CASE v.group_kind WHEN 'district' THEN 1 WHEN 'size_class' THEN 2
                                              WHEN 'authority_type' THEN 3 ELSE 4 END""", {"ars": ars})


def peers(db: Db, ars: str) -> pd.DataFrame:
    """Authorities of the same size class and type in the same district (or, without a district, state)
    with their latest procedures: ars, name, kind, population, total, total_per_10k, is_demo, is_self."""
    return query(db, """
        WITH me AS (SELECT * FROM v_authority WHERE ars = $ars)
        SELECT a.ars, a.display_name AS name, a.kind, a.authority_type, a.population, p.total,
               p.total_per_10k, coalesce(p.is_demo, false) AS is_demo, a.ars = $ars AS is_self
        FROM v_authority a
        JOIN me ON a.state_ars = me.state_ars AND a.size_class IS NOT DISTINCT FROM me.size_class
               AND a.authority_type = me.authority_type
               AND (me.district_ars IS NULL OR a.district_ars = me.district_ars)
        LEFT JOIN v_procedures_per_10k p ON p.ars = a.ars
        ORDER BY p.total DESC NULLS LAST, a.display_name""", {"ars": ars})


def region_grants(db: Db, keys: list[str]) -> pd.DataFrame:
    """Grants to the given regions (e.g. a municipality and its VG), newest first."""
    return query(db, """
        SELECT g.ars, r.display_name AS recipient, p.name AS program, g.approved_on, g.approved_on_precision,
               g.amount_eur, g.purpose, g.status, g.source_url, g.is_demo
        FROM funding_grant g
        LEFT JOIN region r USING (ars)
        LEFT JOIN program p USING (program_id)
        WHERE g.ars IN (SELECT unnest($keys))
        ORDER BY g.approved_on DESC NULLS LAST, g.grant_id""", {"keys": [str(k) for k in keys]})


@cached(max_entries=32)
def compare_candidates(db: Db, state: str) -> pd.DataFrame:
    """Authorities of a state (key, name, kind) for the comparison picker, municipalities first."""
    return query(db, """
        SELECT a.ars, a.display_name AS name, a.kind, a.authority_type, k.display_name AS district_name
        FROM v_authority a LEFT JOIN region k ON k.ars = a.district_ars
        WHERE a.state_ars = $state
        ORDER BY a.display_name, a.ars""", {"state": state})


@dataclass(frozen=True, eq=False)
class Profile:
    """Everything the profile page shows about one region, each part with its sources."""

    facts: pd.DataFrame  # one row (region_profile); empty when the key is unknown
    latest: Result  # authority_facts of the region
    history: Result  # its procedure history, or its VG's (column history_of)
    grants: Result  # grants to the region and its VG
    ranks: Result  # region_ranks; the attribution covers the peers too
    peers: pd.DataFrame
    members: pd.DataFrame  # member municipalities of an association


@cached(max_entries=64)
def profile(db: Db, ars: str) -> Profile:
    """The profile of one region (a municipality without own procedure counts shows its VG's history)."""
    facts = region_profile(db, ars)
    empty = Result(db, pd.DataFrame())
    if facts.empty:
        return Profile(facts, empty, empty, empty, empty, pd.DataFrame(), pd.DataFrame())
    row = facts.iloc[0]
    association = row["association_ars"] if isinstance(row["association_ars"], str) else None
    own = procedure_history(db, [ars])
    history_key = ars
    if own.empty and association:
        own = procedure_history(db, [association])
        history_key = association
    ranks, peer_rows = region_ranks(db, ars), peers(db, ars)
    rank_keys = pd.concat([ranks.assign(ars=ars)[["ars", "is_demo"]], peer_rows[["ars", "is_demo"]]])
    return Profile(
        facts=facts,
        latest=Result.of(db, authority_facts(db, [ars]), (PROCEDURES, GRANTS, CERTIFICATIONS)),
        history=Result.of(db, own.assign(history_of=history_key), (PROCEDURES,)),
        grants=Result.of(db, region_grants(db, [k for k in (ars, association) if k]), (GRANTS,)),
        ranks=Result(db, ranks, (PROCEDURES,), attribution=attribution(db, rank_keys, facts=(PROCEDURES,))),
        peers=peer_rows,
        members=members(db, ars) if row["level"] == "association" else pd.DataFrame(),
    )


@cached(max_entries=64)
def comparison(db: Db, keys: tuple[str, ...]) -> tuple[Result, Result]:
    """The latest facts and the procedure history of the regions compared side by side."""
    return (Result.of(db, authority_facts(db, list(keys)), (PROCEDURES, GRANTS, CERTIFICATIONS)),
            Result.of(db, procedure_history(db, list(keys)), (PROCEDURES,)))


@shared(max_entries=32)
def state_labels(db: Db, state: str) -> dict[str, str]:
    """`labels` of every comparison candidate of a state, keyed by the state: as a cache key, Bayern's 2,445 keys
    cost every profile rerun 11 ms of hashing. Shared: callers only read it."""
    return labels(db, tuple(compare_candidates(db, state)["ars"]))


@cached(max_entries=64)
def labels(db: Db, keys: tuple[str, ...]) -> dict[str, str]:
    """Key -> 'Name (Art, Kreis) · Schlüssel' of the given keys, for selectboxes (cached: the comparison
    offers every authority of a state)."""
    rows = region_labels(db, list(keys))
    out = {}
    for key, name, kind, district, state_name in zip(rows["ars"], rows["name"], rows["kind"], rows["district_name"],
                                                     rows["state_name"], strict=True):
        where = district if isinstance(district, str) else state_name
        parts = [str(kind)] + ([str(where)] if isinstance(where, str) and where != name else [])
        out[key] = f"{name} ({', '.join(parts)}) · {key}"
    return out
