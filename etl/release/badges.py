"""One static SVG badge per authority with a real "Digitales Amt" award or a real BayernPortal count, written
into the release (`badges/<ars>.svg`) with an index of their texts (`badges/index.csv`). Demo rows are never
read (`core.badge.BADGE_SQL`), so no badge can show a demo value — even in a release that holds demo data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core.badge import BADGE_SQL, BadgeFacts, alt_text, badge_svg, badge_text


def facts(con: duckdb.DuckDBPyConnection, ars: str | None = None) -> list[BadgeFacts]:
    rows = con.execute(BADGE_SQL, {"ars": ars}).fetchall()
    return [BadgeFacts(a, n, bool(c), aw, awp, None if t is None else int(t), d, dp)
            for a, n, c, aw, awp, t, d, dp in rows]


def write(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """Write every badge and the index; returns the number of badges."""
    target = folder / "badges"
    target.mkdir(parents=True, exist_ok=True)
    index = []
    for f in facts(con):
        (target / f"{f.ars}.svg").write_text(badge_svg(f), encoding="utf-8")
        index.append({"ars": f.ars, "name": f.name, "text": badge_text(f), "alt": alt_text(f),
                      "file": f"badges/{f.ars}.svg"})
    pd.DataFrame(index, columns=["ars", "name", "text", "alt", "file"]).to_csv(
        target / "index.csv", sep=";", index=False, encoding="utf-8-sig")
    return len(index)
