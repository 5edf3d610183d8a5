"""Build step 'Kennzahlen': the metric views of docs/DATA_MODEL.md and their helper tables (etl/metrics.sql)."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from etl.context import BuildContext, StepResult

METRICS_SQL = Path(__file__).with_name("metrics.sql")


def create_metrics(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Run metrics.sql in the open build database; return the names of the views it created."""
    con.execute(METRICS_SQL.read_text(encoding="utf-8"))
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
                       "AND view_name LIKE 'v\\_%' ESCAPE '\\' ORDER BY 1").fetchall()
    return [name for (name,) in rows]


def metrics_step(ctx: BuildContext) -> list[StepResult]:
    """Create the views and report how many ranks and roll-ups were materialised."""
    start = time.perf_counter()
    views = create_metrics(ctx.con)
    counts = {table: ctx.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
              for table in ("metric_latest", "metric_rank", "metric_rollup")}
    seconds = round(time.perf_counter() - start, 2)
    note = f"{len(views)} Sichten; " + ", ".join(f"{k} {v}" for k, v in counts.items())
    return [StepResult("metrics", "etl/metrics.sql", counts["metric_rank"], 0, seconds, note)]
