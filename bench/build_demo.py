"""Benchmark: the full build with demo data (Bayern and Baden-Württemberg) from the mirror ../shared/data.

Prints the time of each phase and ends with one line:
build_seconds=… cpu_seconds=… demo_rows=… regions=… snapshots=… goal_seconds=20
(cpu_seconds: CPU time of the process, all threads; it tells a busy machine from a slow build).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from etl.build import run_build
from etl.context import BuildOptions

ROOT = Path(__file__).resolve().parent.parent

MIRROR = (ROOT.parent / "shared" / "data").resolve()
GOAL_SECONDS = 20


def main() -> None:
    phases: list[tuple[str, float]] = []

    def progress(label: str) -> None:
        phases.append((label, time.perf_counter()))

    with tempfile.TemporaryDirectory(prefix="dm-bench-") as tmp:
        start, cpu_start = time.perf_counter(), time.process_time()
        report = run_build(BuildOptions(db=Path(tmp) / "digitalmonitor.duckdb", mirror=MIRROR, demo=True), progress)
        end, cpu = time.perf_counter(), time.process_time() - cpu_start
        marks = [*phases, ("(Ende)", end)]
        for (label, t0), (_, t1) in zip(marks, marks[1:], strict=False):
            print(f"{t1 - t0:7.2f} s  {label}")
        con = duckdb.connect(str(report.published.resolve()), read_only=True)
        try:
            demo_rows, regions, snapshots = con.execute("""
                SELECT (SELECT count(*) FROM procedure_snapshot WHERE is_demo)
                     + (SELECT count(*) FROM funding_grant WHERE is_demo)
                     + (SELECT count(*) FROM certification WHERE is_demo),
                       (SELECT count(DISTINCT ars) FROM procedure_snapshot WHERE is_demo),
                       (SELECT count(*) FROM procedure_snapshot)
            """).fetchone()
        finally:
            con.close()
    print(f"build_seconds={end - start:.1f} cpu_seconds={cpu:.1f} demo_rows={demo_rows} regions={regions} "
          f"snapshots={snapshots} goal_seconds={GOAL_SECONDS}")


if __name__ == "__main__":
    main()
