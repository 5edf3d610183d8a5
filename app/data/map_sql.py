"""SQL fragments of the Karte query: per kind of level, the facts CTE and each measure's value, demo and
inherited expressions (the measure keys are those of `core.measures`)."""

from __future__ import annotations

# value and demo flag of each measure per kind of level: (value SQL, is_demo SQL, inherited SQL);
# the names refer to the columns of the level's `facts` CTE below
_REGISTER = {
    "population": ("b.population", "false", "false"),
    "density": ("b.population / nullif(b.area_km2, 0)", "false", "false"),
}
# Breitbandatlas: the row of the shape's own key in table `broadband` (joined as `bb` in `map.map_frame`):
# municipalities their own value (never their VG's), VGs, Kreise and Länder the population-weighted roll-up
BROADBAND_SQL = {key: (f"bb.{key}", "bb.is_demo", "false")
                 for key in ("households_gigabit", "households_100mbit", "businesses_gigabit")}
# the note of a broadband value: why a municipality has none (merger, no row), over how many a roll-up is weighted
BROADBAND_NOTE_SQL = "bb.note"
# Open-PVOG: the region's own latest point in `v_pvog_map` (joined as `pv` in `map.map_frame`, only for these
# measures): a Kreis or Land shows its own snapshot's count, never a sum ("available" is not additive)
PVOG_SQL = {"pvog_available": ("pv.available", "pv.is_demo", "false"), "pvog_own": ("pv.own", "pv.is_demo", "false")}
PVOG_NOTE_SQL = ("CASE pv.origin WHEN 'Presse' THEN 'Pressewert, Stand ' || strftime(pv.as_of, '%d.%m.%Y') "
                 "WHEN 'Abruf' THEN 'Abruf ' || strftime(pv.fetch_date, '%d.%m.%Y') END")


def _authority_measures(procedures_inherited: str, status_demo: str, status_inherited: str,
                        distance_inherited: str) -> dict[str, tuple[str, str, str]]:
    """The measures of a level of authorities (municipalities may show their VG's values: inherited)."""
    procedures = {key: (f"f.{key}", "f.procedures_demo", procedures_inherited)
                  for key in ("total", "municipal", "central", "total_per_10k")}
    return {**procedures,
            "da_status": ("f.da_status", status_demo, status_inherited),
            "distance": ("f.distance", status_demo, distance_inherited),
            "eur_per_inhabitant": ("f.eur_per_inhabitant", "f.grants_demo", "false"),
            **BROADBAND_SQL, **PVOG_SQL, **_REGISTER}


MEASURE_SQL: dict[str, dict[str, tuple[str, str, str]]] = {
    "municipality": _authority_measures("f.procedures_inherited", "f.map_demo", "f.inherited", "f.status_inherited"),
    "authority": _authority_measures("false", "f.da_demo", "false", "false"),
    "rollup": {
        "total": ("f.total", "f.procedures_demo", "false"),
        "total_per_10k": ("f.total * 10000.0 / nullif(b.population, 0)", "f.procedures_demo", "false"),
        "share_meeting_threshold": ("100 * f.share_meeting_threshold", "f.procedures_demo", "false"),
        "coverage": ("100 * f.coverage", "f.procedures_demo", "false"),
        "eur_per_inhabitant": ("f.grant_eur / nullif(b.population, 0)", "f.grants_demo", "false"),
        **BROADBAND_SQL, **PVOG_SQL, **_REGISTER,
    },
}

_GRANTS_SQL = """
    SELECT ars, sum(amount_eur) AS amount_eur, sum(amount_eur) / nullif(any_value(population), 0)
           AS eur_per_inhabitant, bool_or(is_demo) AS grants_demo
    FROM v_grants_per_inhabitant GROUP BY ars"""

FACTS_SQL = {
    "municipality": f"""
        SELECT m.ars, m.total, m.municipal, m.central, m.total_per_10k,
               CASE WHEN m.da_status = 'keine Daten' THEN NULL ELSE m.da_status END AS da_status,
               m.distance, m.inherited, m.procedures_inherited, m.status_inherited, m.inherited_from,
               v.display_name AS inherited_from_name,
               m.is_demo AS map_demo, coalesce(p.is_demo, false) AND m.total IS NOT NULL AS procedures_demo,
               g.eur_per_inhabitant, coalesce(g.grants_demo, false) AS grants_demo
        FROM v_municipality_map m
        LEFT JOIN region v ON v.ars = m.inherited_from
        -- the count shown (own, or the VG's when inherited) with its own demo flag: a demo award of the same
        -- authority makes the status demo, never the count (m.is_demo mixes both)
        LEFT JOIN v_procedures_per_10k p
               ON p.ars = CASE WHEN m.procedures_inherited THEN m.inherited_from ELSE m.ars END
        LEFT JOIN ({_GRANTS_SQL}) g ON g.ars = m.ars""",  # noqa: S608 - constant
    "authority": f"""
        SELECT a.ars, p.total, p.municipal, p.central, p.total_per_10k, p.is_demo AS procedures_demo,
               CASE WHEN d.status = 'keine Daten' THEN NULL ELSE d.status END AS da_status,
               d.distance, d.is_demo AS da_demo,
               g.eur_per_inhabitant, coalesce(g.grants_demo, false) AS grants_demo
        FROM v_authority a
        LEFT JOIN v_procedures_per_10k p USING (ars)
        LEFT JOIN v_digitales_amt d USING (ars)
        LEFT JOIN ({_GRANTS_SQL}) g USING (ars)""",  # noqa: S608 - constant
    "rollup": """
        SELECT u.ars,
               max(u.value) FILTER (WHERE u.rule = 'sum') AS total,
               max(u.value) FILTER (WHERE u.rule = 'share_meeting_threshold') AS share_meeting_threshold,
               max(u.value) FILTER (WHERE u.rule = 'population_weighted_coverage') AS coverage,
               max(u.authorities) FILTER (WHERE u.rule = 'sum') AS authorities,
               max(u.authorities_with_data) FILTER (WHERE u.rule = 'sum') AS authorities_with_data,
               bool_or(u.is_demo) AS procedures_demo,
               max(gr.grant_eur) AS grant_eur, coalesce(bool_or(gr.grants_demo), false) AS grants_demo
        FROM v_rollup u
        LEFT JOIN (
            SELECT CASE $level WHEN 'state' THEN a.state_ars
                               ELSE coalesce(a.district_ars, CASE WHEN a.level = 'district' THEN a.ars END) END
                       AS ars,
                   sum(g.amount_eur) AS grant_eur, bool_or(g.is_demo) AS grants_demo
            FROM funding_grant g JOIN v_authority a USING (ars)
            GROUP BY 1
        ) gr USING (ars)
        WHERE u.level = $level
        GROUP BY u.ars""",
}
