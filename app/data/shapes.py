"""Map geometry: the static GeoJSON of a level (written once per build to `static/shapes/`, which
Streamlit serves), its attribution and the bounding box of a selection."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

from app.data.cache import cached
from app.data.registry import Db, NoDatabase, check_level, query
from core.keys import PROJECT_DIR

STATIC_SHAPES = PROJECT_DIR / "static" / "shapes"
STATIC_URL = "app/static/shapes"
SHAPE_FILES_MAX_AGE_S = 3600  # shape files of other builds are removed after an hour


@cached(max_entries=96)
def shape_url(db: Db, level: str, land: str | None = None) -> str:
    """URL of the level's static GeoJSON for this build, written once from the database if missing; with a
    Land (2-digit key) a file with only that Land's shapes (Bayern: 2,230 of 10,997 municipalities), so a
    Land view fetches and parses a fraction of the map."""
    row = query(db, "SELECT file_name FROM shape_file WHERE level = $level", {"level": check_level(level)})
    if row.empty:
        raise NoDatabase(f"Keine Kartenformen für {level}")
    name = str(row["file_name"].iloc[0])
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.json", name, flags=re.ASCII):
        raise NoDatabase(f"Ungültiger Name einer Kartendatei in der Datenbank: {name!r}")
    if land is not None:
        if not re.fullmatch(r"\d{2}", land, flags=re.ASCII):
            raise ValueError(f"not a Land key: {land!r}")
        name = name.removesuffix(".json") + f"-land{land}.json"
    target = STATIC_SHAPES / name
    if not target.exists():
        content = str(query(db, "SELECT content FROM shape_file WHERE level = $level", {"level": level})
                      ["content"].iloc[0])
        if land is None:
            _write(target, content)
        else:  # every Land's file from one parse (all municipalities: 0.3 s), not one parse per Land
            collection = json.loads(content)
            by_land: dict[str, list[dict]] = {}
            for feature in collection["features"]:
                by_land.setdefault(str(feature["properties"]["ars"])[:2], []).append(feature)
            for key in {land, *by_land}:
                path = target.with_name(name.replace(f"-land{land}.json", f"-land{key}.json"))
                if key == land or not path.exists():
                    _write(path, json.dumps({**collection, "features": by_land.get(key, [])}, separators=(",", ":")))
        _prune_shape_files(db.build_id)
    return f"{STATIC_URL}/{name}"


def _write(target: Path, content: str) -> None:
    """Write a shape file whole or not at all (a reader never fetches half of it)."""
    STATIC_SHAPES.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(target)


def _prune_shape_files(build_id: str) -> None:
    """Remove shape files of other builds once they are an hour old (open pages may still fetch them)."""
    now = time.time()
    for path in STATIC_SHAPES.glob("*.json"):
        if build_id not in path.name and now - path.stat().st_mtime > SHAPE_FILES_MAX_AGE_S:
            path.unlink(missing_ok=True)


@cached(max_entries=32)
def shape_attribution(db: Db, level: str) -> str:
    row = query(db, "SELECT attribution FROM shape_file WHERE level = $level", {"level": check_level(level)})
    return str(row["attribution"].iloc[0]) if not row.empty else ""


@cached(max_entries=64)
def bounds(db: Db, level: str, state: str | None = None) -> tuple[float, float, float, float]:
    """Bounding box (min lon, min lat, max lon, max lat) of a level's shapes, optionally one state."""
    row = query(db, """
        SELECT min(min_lon), min(min_lat), max(max_lon), max(max_lat)
        FROM region_shape WHERE level = $level AND ($state IS NULL OR starts_with(ars, $state))""",
                {"level": check_level(level), "state": state})
    return tuple(float(v) for v in row.iloc[0])  # type: ignore[return-value]


@cached(max_entries=64)
def geometry(db: Db, level: str, state: str | None = None) -> tuple[str, tuple[float, float, float, float], str]:
    """What a map of a level needs besides its values: the GeoJSON URL (of the Land alone when `state` is a
    Land key), the bounding box of the selection (a state or key prefix, or all) and the shapes' attribution."""
    land = state if state is not None and re.fullmatch(r"\d{2}", state, flags=re.ASCII) else None
    return shape_url(db, level, land), bounds(db, level, state), shape_attribution(db, level)
