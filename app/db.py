"""Data access for the dashboard: the one read-only DuckDB handle per published build, a cursor per
call, `$param` values only, and identifiers only from allow-lists.

The published path is a symbolic link to a versioned build file (see `etl/publish.py`). `current()`
resolves it on every call, so a new build is picked up without a restart; connections are opened on the
versioned file, never on the link (DuckDB may hand back a cached instance for a reused path).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
DB_ENV = "DIGITALMONITOR_DB"
DEFAULT_DB = PROJECT_DIR / "data" / "digitalmonitor.duckdb"
STATIC_SHAPES = PROJECT_DIR / "static" / "shapes"
STATIC_URL = "app/static/shapes"

LEVELS = ("state", "gov_district", "district", "association", "municipality")
LEVEL_LABELS = {"state": "Land", "gov_district": "Regierungsbezirk", "district": "Kreis",
                "association": "Verwaltungsgemeinschaft / Behörde", "municipality": "Gemeinde"}


class NoDatabase(RuntimeError):
    """No build has been published yet."""


@dataclass(frozen=True)
class Db:
    """A published build: its versioned file and build id. Hashable, so it can key caches."""

    path: str
    build_id: str


_lock = threading.Lock()
_connections: dict[str, duckdb.DuckDBPyConnection] = {}


def published_path() -> Path:
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


def _connection(path: str) -> duckdb.DuckDBPyConnection:
    with _lock:
        con = _connections.get(path)
        if con is None:
            con = duckdb.connect(path, read_only=True)
            _connections[path] = con
        return con


def current() -> Db:
    """The build the published path points to now."""
    link = published_path()
    if not link.exists():
        raise NoDatabase(f"Keine Datenbank unter {link}")
    path = str(link.resolve())
    cur = _connection(path).cursor()
    try:
        row = cur.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
    finally:
        cur.close()
    return Db(path=path, build_id=row[0] if row else "unbekannt")


def query(db: Db, sql: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    """Run one parameterised query on its own cursor."""
    cur = _connection(db.path).cursor()
    try:
        return cur.execute(sql, params or {}).df()
    finally:
        cur.close()


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return level


def build_info(db: Db) -> dict[str, str]:
    return dict(query(db, "SELECT key, value FROM build_info").itertuples(index=False, name=None))


def sources(db: Db) -> pd.DataFrame:
    return query(db, """
        SELECT dataset, title, publisher, url, file, sha256, edition, licence, attribution, retrieved_at, is_demo
        FROM source ORDER BY kind, dataset, file""")


def register_attribution(db: Db) -> str:
    """Attribution of the newest register edition (population, area, names)."""
    row = query(db, """
        SELECT attribution FROM source WHERE kind = 'register' ORDER BY edition DESC LIMIT 1""")
    return str(row["attribution"].iloc[0]) if not row.empty else ""


def municipalities_per_state(db: Db) -> pd.DataFrame:
    return query(db, """
        SELECT s.ars, s.display_name AS land,
               count(*) FILTER (WHERE m.is_municipality) AS gemeinden,
               count(*) FILTER (WHERE NOT m.is_municipality) AS gemeindefreie_gebiete,
               s.population AS einwohner
        FROM region s JOIN region m ON m.state_ars = s.ars AND m.level = 'municipality'
        WHERE s.level = 'state'
        GROUP BY ALL ORDER BY s.ars""")


def density(db: Db, level: str = "municipality", state: str | None = None) -> pd.DataFrame:
    """Population per km² of every region of a level (optionally one state)."""
    return query(db, """
        SELECT ars, display_name AS name, kind, population,
               area_km2, population / nullif(area_km2, 0) AS density
        FROM region
        WHERE level = $level AND ($state IS NULL OR state_ars = $state) AND has_shape
        ORDER BY ars""", {"level": check_level(level), "state": state})


def shape_url(db: Db, level: str) -> str:
    """URL of the level's static GeoJSON for this build, written once from the database if missing."""
    row = query(db, "SELECT file_name FROM shape_file WHERE level = $level", {"level": check_level(level)})
    if row.empty:
        raise NoDatabase(f"Keine Kartenformen für {level}")
    name = str(row["file_name"].iloc[0])
    target = STATIC_SHAPES / name
    if not target.exists():
        content = query(db, "SELECT content FROM shape_file WHERE level = $level", {"level": level})
        STATIC_SHAPES.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(str(content["content"].iloc[0]), encoding="utf-8")
        tmp.replace(target)
    return f"{STATIC_URL}/{name}"


def shape_attribution(db: Db, level: str) -> str:
    row = query(db, "SELECT attribution FROM shape_file WHERE level = $level", {"level": check_level(level)})
    return str(row["attribution"].iloc[0]) if not row.empty else ""


def bounds(db: Db, level: str, state: str | None = None) -> tuple[float, float, float, float]:
    """Bounding box (min lon, min lat, max lon, max lat) of a level's shapes, optionally one state."""
    row = query(db, """
        SELECT min(min_lon), min(min_lat), max(max_lon), max(max_lat)
        FROM region_shape WHERE level = $level AND ($state IS NULL OR starts_with(ars, $state))""",
                {"level": check_level(level), "state": state})
    return tuple(float(v) for v in row.iloc[0])  # type: ignore[return-value]


def states(db: Db) -> pd.DataFrame:
    return query(db, "SELECT ars, display_name AS name FROM region WHERE level = 'state' ORDER BY ars")
