"""Data access for the dashboard, by subject. Pages read e.g.

    from app.data import map as map_q, registry
    build = registry.current()
    result = map_q.map_result(build, "municipality", "total", "09")   # frame + sources + attribution

`registry` holds the build registry (read-only handle per build, cursor per query, time limit);
`start`, `map`, `rankings`, `profile`, `funding`, `digitales_amt`, `downloads` the queries of each subject;
`shapes` the static map files; `provenance` the `Result` type and the attribution of any frame. Queries are
cached per build here, once; they take `$param` values only and identifiers only from allow-lists.
This package re-exports the public names of its modules (except `rankings` and `digitales_amt`, which name
modules here), so `from app import data as db` reads like one module.
"""
# ruff: noqa: F401  (the re-exports are this module's purpose)

from __future__ import annotations

from app.data import (
    digitales_amt,
    downloads,
    funding,
    map,
    profile,
    provenance,
    rankings,
    registry,
    shapes,
    start,
)
from app.data.digitales_amt import STATUS_FACTS, awards, digitales_amt_map, districts, status
from app.data.downloads import (
    DOWNLOADABLE,
    Downloadable,
    download_table,
    downloadable,
    existing_objects,
    region_shapes,
    table,
)
from app.data.funding import grant_effect, grant_list, grant_totals, grants, milestones, programs, totals
from app.data.map import (
    LEVEL_MEASURES,
    MAP_LEVELS,
    UNINCORPORATED_NOTE,
    check_map_level,
    map_frame,
    map_result,
    measure_for,
)
from app.data.profile import (
    Profile,
    authority_facts,
    compare_candidates,
    comparison,
    find_regions,
    labels,
    members,
    peers,
    procedure_history,
    region_grants,
    region_labels,
    region_profile,
    region_ranks,
)
from app.data.provenance import Result, attribution, fact_sources, source_table
from app.data.rankings import (
    AUTHORITY_TYPES,
    SIZE_CLASSES,
    peer_group,
    ranking,
    ranking_states,
    state_districts,
)
from app.data.registry import (
    CLOSE_GRACE_S,
    Db,
    NoDatabase,
    QueryInterrupted,
    check_level,
    current,
    published_path,
    query,
)
from app.data.shapes import STATIC_SHAPES, STATIC_URL, bounds, geometry, shape_attribution, shape_url
from app.data.start import (
    build_info,
    density,
    headline,
    municipalities_per_state,
    recent_awards,
    register_attribution,
    states,
)
from core.keys import DB_ENV
from core.measures import DA_STATUS
