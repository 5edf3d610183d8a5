"""The Karte query: one value of a catalogue measure per shape of a map level."""

from __future__ import annotations

import pandas as pd

from app.data.cache import cached
from app.data.map_sql import BROADBAND_NOTE_SQL, BROADBAND_SQL, FACTS_SQL, MEASURE_SQL, PVOG_NOTE_SQL, PVOG_SQL
from app.data.origin import origins
from app.data.provenance import Result
from app.data.registry import Db, query
from app.frames import ranked
from core.measures import ROLLUP_LEVELS, measure, on_level

# the map levels (shape layers) and their labels; "association" is the layer of the administering
# authorities: Verwaltungsgemeinschaften plus every municipality that is its own authority
MAP_LEVELS = {"municipality": "Gemeinden", "association": "Verwaltungsgemeinschaften / Behörden",
              "district": "Kreise", "state": "Länder"}
# the measures each map level offers (from the catalogue)
LEVEL_MEASURES = {level: on_level(level) for level in MAP_LEVELS}

# the Kreis types one may compare among themselves at Kreis level (register `kind`s): a Landkreis sums the
# procedures of all its authorities, a kreisfreie Stadt is one authority
DISTRICT_TYPES = {"landkreise": ("Landkreis", "Kreis", "Regionalverband"),
                  "kreisfreie_staedte": ("Kreisfreie Stadt", "Stadtkreis")}
DISTRICT_TYPE_LABELS = {"": "alle Kreise", "landkreise": "nur Landkreise",
                        "kreisfreie_staedte": "nur kreisfreie Städte"}


def measure_for(level: str, measure: str) -> str:
    """The measure if the level offers it, else the level's first measure."""
    options = on_level(check_map_level(level))
    return measure if measure in options else options[0]


def level_family(level: str) -> str:
    """Which SQL family a map level uses: municipalities (may inherit their VG's values), authorities, roll-ups."""
    return {"municipality": "municipality", "association": "authority"}.get(check_map_level(level), "rollup")


def check_map_level(level: str) -> str:
    if level not in MAP_LEVELS:
        raise ValueError(f"unknown map level {level!r}")
    return level


UNINCORPORATED_NOTE = "gemeindefreies Gebiet: keine Gemeinde, daher ohne Wert und Rang"


def map_frame(db: Db, level: str, measure: str, state: str | None = None) -> pd.DataFrame:
    """One row per shape of the level (optionally one state): ars, name, kind, population, value (of the
    measure), is_demo, inherited_from_name (a municipality showing its VG's value) and note.

    Shapes without a value keep a row (value NULL), so the map can draw them as "keine Daten". A
    gemeindefreies Gebiet is neither a municipality nor an authority: it gets no value (so no rank), only
    the note `UNINCORPORATED_NOTE`."""
    check_map_level(level)
    if measure not in on_level(level):
        raise ValueError(f"measure {measure!r} not offered at level {level!r}")
    family = level_family(level)
    value_sql, demo_sql, inherited_sql = MEASURE_SQL[family][measure]
    note_sql = ("CASE WHEN f.authorities IS NOT NULL THEN 'Behörden mit Daten: ' || f.authorities_with_data "
                "|| ' von ' || f.authorities END" if family == "rollup" else "NULL")
    if measure in BROADBAND_SQL:
        note_sql = BROADBAND_NOTE_SQL
    pvog_join = "LEFT JOIN v_pvog_map pv ON pv.ars = b.ars" if measure in PVOG_SQL else ""
    if measure in PVOG_SQL:
        note_sql = PVOG_NOTE_SQL
    sql = f"""
        WITH b AS (
            SELECT s.ars, coalesce(r.display_name, 'Gebiet ' || s.ars) AS name,
                   coalesce(r.kind, 'nicht im aktuellen Gemeindeverzeichnis') AS kind,
                   r.population, r.area_km2,
                   coalesce(r.level = 'municipality' AND NOT r.is_municipality, false) AS unincorporated
            FROM region_shape s LEFT JOIN region r ON r.ars = s.ars
            WHERE s.level = $level AND ($state IS NULL OR starts_with(s.ars, $state))
        ),
        f AS ({FACTS_SQL[family]})
        SELECT b.ars, b.name, b.kind, b.population,
               CASE WHEN NOT b.unincorporated THEN ({value_sql}) END AS value,
               coalesce(NOT b.unincorporated AND ({demo_sql}) AND ({value_sql}) IS NOT NULL, false) AS is_demo,
               CASE WHEN NOT b.unincorporated AND {inherited_sql}
                    THEN {"f.inherited_from_name" if family == "municipality" else "NULL"} END AS inherited_from_name,
               CASE WHEN b.unincorporated THEN $unincorporated ELSE {note_sql} END AS note
        FROM b LEFT JOIN f USING (ars)
        LEFT JOIN broadband bb ON bb.ars = b.ars
        {pvog_join}
        ORDER BY b.ars"""  # noqa: S608 - every fragment from the allow-lists above
    params: dict[str, object] = {"level": level, "state": state, "unincorporated": UNINCORPORATED_NOTE}
    return query(db, sql, params)


@cached(max_entries=64)
def map_result(db: Db, level: str, measure_key: str, state: str | None = None,
               district_type: str | None = None) -> Result:
    """`map_frame` ranked (rank, peers; fewer is better where the catalogue says so), with its sources:
    the measure's fact tables, or the register alone; districts and states sum the facts inside them.
    At Kreis level `district_type` (a key of DISTRICT_TYPES) keeps only Landkreise or kreisfreie Städte,
    ranked among themselves."""
    spec = measure(measure_key)
    frame = map_frame(db, level, measure_key, state)
    if level == "district" and district_type:
        frame = frame[frame["kind"].isin(DISTRICT_TYPES[district_type])].reset_index(drop=True)
    frame = ranked(frame, ascending=spec.ascending)
    # Kreise and Länder sum the facts inside them, except the federal counts (each region its own snapshot)
    by_prefix = level in ROLLUP_LEVELS and measure_key not in PVOG_SQL
    frame["origin"] = origins(db, frame, spec.facts, by_prefix=by_prefix)  # real (source) or demo
    return Result.of(db, frame, spec.facts, spec.kinds, by_prefix=by_prefix)
