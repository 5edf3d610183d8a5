"""Build step 'Kennzahlen': the metric views of docs/DATA_MODEL.md and their helper tables (etl/metrics.sql)."""

from __future__ import annotations

from etl.context import BuildContext, StepResult, Timer
from etl.database import create_views


def metrics_step(ctx: BuildContext) -> list[StepResult]:
    """Create the views and report how many ranks and roll-ups were materialised."""
    t = Timer()
    views = create_views(ctx.db)
    counts = {table: ctx.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
              for table in ("metric_latest", "metric_rank", "metric_rollup")}
    note = f"{len(views)} Sichten; " + ", ".join(f"{k} {v}" for k, v in counts.items())
    return [StepResult("metrics", "etl/metrics.sql", counts["metric_rank"], 0, t.seconds, note)]
