"""What the steps of a build share: options, the open new database, the regions, and the step report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl.sources import SourceResolver


@dataclass
class StepResult:
    step: str
    source: str
    loaded: int
    rejected: int = 0
    seconds: float = 0.0
    note: str = ""


@dataclass
class BuildOptions:
    db: Path
    mirror: Path | None = None
    demo: bool = False
    imports: tuple[Path, ...] = ()
    reports_dir: Path | None = None
    inbox: Path | None = None  # analyst inbox (data/import/inbox/ from the CLI); None: --import files only


@dataclass
class BuildContext:
    """What the steps of a build share: the open new database, the regions and the report."""

    con: duckdb.DuckDBPyConnection
    options: BuildOptions
    build_id: str
    regions: pd.DataFrame
    resolver: SourceResolver
    results: list[StepResult] = field(default_factory=list)


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Insert a DataFrame by column name."""
    if frame.empty:
        return 0
    known = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if table not in known:
        raise ValueError(f"unknown table {table!r}")
    con.register("_frame", frame)
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _frame')  # noqa: S608 - allow-listed name
    finally:
        con.unregister("_frame")
    return len(frame)
