"""What a build records about itself in the new database: one `source` row per official file read,
`build_info` (build id, editions, demo flag) and the `load_log` of every step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core.keys import LEVELS
from etl.context import BuildContext, insert
from etl.geography import Geography
from etl.sources.files import ResolvedFile


def source_rows(files: list[ResolvedFile], simplified: set[str]) -> pd.DataFrame:
    """One `source` row per file read; boundary files used for map shapes carry '(Daten verändert)'."""
    rows = []
    for f in files:
        spec = f.spec
        attribution = spec.simplified_attribution if Path(f.name).stem in simplified else spec.attribution
        rows.append({
            "source_id": f"{spec.id}:{f.name}", "dataset": spec.id, "title": spec.title,
            "publisher": spec.publisher, "url": spec.url, "file": f.name, "sha256": f.sha256,
            "bytes": f.bytes, "origin": f.origin, "retrieved_at": f.retrieved_at,
            "licence": spec.licence, "attribution": attribution, "edition": spec.edition,
            "kind": spec.kind, "is_demo": False,
        })
    return pd.DataFrame(rows).drop_duplicates("source_id")


def build_info(ctx: BuildContext, geo: Geography) -> dict[str, str]:
    editions = geo.boundary_editions
    return {
        "build_id": ctx.build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "register_edition": ctx.registers[0].edition,
        "register_editions": ",".join(r.edition for r in ctx.registers),
        "boundary_editions": ",".join(f"{lvl}={editions[lvl]}" for lvl in LEVELS),
        "demo": "true" if ctx.options.demo else "false",
        **{f"{lvl}_boundary_edition": editions[lvl] for lvl in LEVELS},
    }


def write(con: duckdb.DuckDBPyConnection, ctx: BuildContext, geo: Geography) -> None:
    """The official files read, the build's facts and the step log (written last: the log is complete)."""
    simplified = {Path(ctx.layer_files[lvl].name).stem for lvl in LEVELS}
    insert(con, "source", source_rows(ctx.resolver.resolved, simplified))
    info = build_info(ctx, geo)
    insert(con, "build_info", pd.DataFrame({"key": list(info), "value": list(info.values())}))
    insert(con, "load_log", pd.DataFrame([r.__dict__ for r in ctx.results]))
