"""What the steps of a build share: options, the geography read so far, the open new database, the regions,
and the step report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from etl.sources.files import ResolvedFile, SourceResolver

if TYPE_CHECKING:  # the source modules import this module for their entry point
    from etl.sources.boundaries import Layer
    from etl.sources.register import Register


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
    # the open-data release (etl/release): written before publishing; the CLI writes it by default, builds made
    # through run_build (tests) only when asked. release_demo: demo rows in the release (flagged), default real only
    release: bool = False
    release_dir: Path | None = None
    release_demo: bool = False


class Timer:
    """Seconds since creation, rounded for the summary table."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def _quiet(_label: str) -> None:
    return None


@dataclass
class BuildContext:
    """What the steps of a build share.

    The geography sources (register, boundaries) run before the new database exists and fill `registers`,
    `layers` and `layer_files`; every later step finds the open database in `con` and the regions in `regions`.
    """

    options: BuildOptions
    build_id: str
    resolver: SourceResolver
    con: duckdb.DuckDBPyConnection | None = None
    regions: pd.DataFrame = field(default_factory=pd.DataFrame)
    results: list[StepResult] = field(default_factory=list)
    progress: Callable[[str], None] = _quiet
    registers: list[Register] = field(default_factory=list)  # newest edition first
    layers: dict[str, Layer] = field(default_factory=dict)  # level -> boundary layer
    layer_files: dict[str, ResolvedFile] = field(default_factory=dict)  # level -> the file read

    @property
    def db(self) -> duckdb.DuckDBPyConnection:
        """The new database; only steps after the geography may write."""
        if self.con is None:
            raise RuntimeError("the new database is not open yet (geography sources run before it)")
        return self.con


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
