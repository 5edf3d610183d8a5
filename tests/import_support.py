"""Shared by the import tests: the regions of the newest real register, and a small database (schema +
regions, no map shapes) on which the reference and import steps run in a few seconds instead of a full build.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from etl.context import BuildContext, BuildOptions, StepResult, insert
from etl.database import SCHEMA
from etl.imports import step as imports
from etl.keys import RegionIndex
from etl.regions import build_regions
from etl.sources import reference
from etl.sources.files import SourceResolver
from etl.sources.register import REGISTER_EDITIONS, read_gv100ad

CORPUS = Path(__file__).resolve().parent / "import_corpus"


@lru_cache(maxsize=1)
def regions(mirror: Path) -> pd.DataFrame:
    """The `region` frame of the newest GV100AD edition in the mirror."""
    spec = REGISTER_EDITIONS[0]
    resolved = SourceResolver(mirror).file(spec, spec.files[0])
    assert resolved is not None
    return build_regions(read_gv100ad(resolved.path))


@lru_cache(maxsize=1)
def region_index(mirror: Path) -> RegionIndex:
    return RegionIndex(regions(mirror))


def run_steps(mirror: Path, options: BuildOptions,
              build_id: str = "test") -> tuple[duckdb.DuckDBPyConnection, list[StepResult]]:
    """The reference and import steps on an in-memory database holding the schema and the real regions."""
    frame = regions(mirror)
    con = duckdb.connect()
    con.execute(SCHEMA.read_text())
    insert(con, "region", frame.assign(has_shape=True, source_id="register"))
    ctx = BuildContext(con=con, options=options, build_id=build_id, regions=frame, resolver=SourceResolver(mirror))
    results = reference.load(ctx) + imports.load(ctx)
    return con, results


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[object, ...]]:
    """All rows of a table without source ids, sorted: equal when the same facts were loaded."""
    cols = [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $t ORDER BY ordinal_position",
        {"t": table}).fetchall() if c != "source_id"]
    listed = ", ".join(f'"{c}"' for c in cols)
    return sorted(con.execute(f"SELECT {listed} FROM {table}").fetchall(), key=repr)  # noqa: S608 - test tables
