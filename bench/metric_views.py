"""Benchmark: how long dashboard-style queries on each metric view take on a published build.

Usage: python -m bench.metric_views [DB]  (default: $DIGITALMONITOR_DB or data/digitalmonitor.duckdb).
Opens the build read-only, warms up once, then takes the median of five runs per query.
Ends with one line: max_view_ms=… slowest=… views=… goal_ms=100
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import duckdb

from core.keys import published_db

ROOT = Path(__file__).resolve().parent.parent

GOAL_MS = 100
QUERIES = {
    "v_authority": "SELECT * FROM v_authority WHERE state_ars = '09'",
    "v_procedures_latest": "SELECT * FROM v_procedures_latest",
    "v_procedures_per_10k": "SELECT * FROM v_procedures_per_10k ORDER BY total_per_10k DESC LIMIT 50",
    "v_digitales_amt": "SELECT * FROM v_digitales_amt WHERE eligible_not_certified ORDER BY total DESC",
    "v_grants_by_region_year": "SELECT year, sum(amount_eur) FROM v_grants_by_region_year GROUP BY year",
    "v_grants_per_inhabitant": "SELECT * FROM v_grants_per_inhabitant ORDER BY eur_per_inhabitant DESC",
    "v_grant_effect": "SELECT * FROM v_grant_effect",
    "v_ranks": "SELECT * FROM v_ranks WHERE measure = 'total' AND group_kind = 'state' AND group_key = '09' "
               "ORDER BY rank",
    "v_ranks (profile)": "SELECT * FROM v_ranks WHERE ars = '095640000000'",
    "v_rollup": "SELECT * FROM v_rollup WHERE level = 'district'",
    "v_municipality_map": "SELECT * FROM v_municipality_map",
}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else published_db()
    con = duckdb.connect(str(path.resolve()), read_only=True)
    timings = {}
    try:
        for name, sql in QUERIES.items():
            cur = con.cursor()
            cur.execute(sql).fetchdf()  # warm-up
            runs = []
            for _ in range(5):
                start = time.perf_counter()
                cur.execute(sql).fetchdf()
                runs.append((time.perf_counter() - start) * 1000)
            timings[name] = statistics.median(runs)
            print(f"{timings[name]:8.1f} ms  {name}")
    finally:
        con.close()
    slowest = max(timings, key=timings.__getitem__)
    print(f"max_view_ms={timings[slowest]:.1f} slowest={slowest.replace(' ', '_')} views={len(timings)} "
          f"goal_ms={GOAL_MS}")


if __name__ == "__main__":
    main()
