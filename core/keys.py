"""Region levels, key lengths and the database location, shared by `etl` (the writer) and `app` (the reader)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

LEVELS = ("state", "gov_district", "district", "association", "municipality")
KEY_LENGTH = {"state": 2, "gov_district": 3, "district": 5, "association": 9, "municipality": 12}
LEVEL_BY_LENGTH = {length: level for level, length in KEY_LENGTH.items()}
KEY_PATTERN = r"^(\d{2}|\d{3}|\d{5}|\d{9}|\d{12})$"

DB_ENV = "DIGITALMONITOR_DB"
DEFAULT_DB = PROJECT_DIR / "data" / "digitalmonitor.duckdb"


def level_of(ars: str) -> str:
    """The level a natural-length key denotes: '09' -> state, '09187' -> district, 12 digits -> municipality."""
    try:
        return LEVEL_BY_LENGTH[len(ars)]
    except KeyError:
        raise ValueError(f"not a region key of natural length: {ars!r}") from None


def published_db(option: Path | None = None) -> Path:
    """The published database path: an explicit option, else DIGITALMONITOR_DB, else data/digitalmonitor.duckdb."""
    if option is not None:
        return option
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB
