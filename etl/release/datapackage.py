"""`datapackage.json` (Frictionless Data Package): one resource per file; CSV resources carry a typed schema
with German titles, descriptions and units from the data dictionary; Parquet and GeoParquet files are listed as
files with their hash; every resource names its sources, licences (or rights) and its demo flag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from etl.release.licences import PROJECT_LICENCE, SourceLicence
from etl.release.tables import ReleasedTable
from etl.release.titles import title_of
from etl.sources.files import sha256_of

INTEGER = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


def field_type(duck: str) -> dict[str, object]:
    if duck in INTEGER:
        return {"type": "integer"}
    if duck in ("DOUBLE", "FLOAT", "REAL") or duck.startswith("DECIMAL"):
        return {"type": "number", "decimalChar": ","}
    if duck == "BOOLEAN":
        return {"type": "boolean", "trueValues": ["True", "true"], "falseValues": ["False", "false"]}
    if duck == "DATE":
        return {"type": "date"}
    if duck.startswith("TIMESTAMP"):
        return {"type": "datetime"}
    return {"type": "string"}


def dictionary(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(object, column) -> (meaning, unit), with '*' for column names that mean the same everywhere."""
    return {(o, c): (m, u) for o, c, m, u in
            con.execute("SELECT object, column_name, meaning, unit FROM data_dictionary").fetchall()}


def schema(table: ReleasedTable, entries: dict[tuple[str, str], tuple[str, str | None]]) -> dict[str, object]:
    fields = []
    for name, duck in table.columns:
        meaning, unit = entries.get((table.name, name)) or entries.get(("*", name)) or (name, None)
        f: dict[str, object] = {"name": name, "title": name, "description": meaning, **field_type(duck)}
        if unit:
            f["unit"] = unit
        fields.append(f)
    return {"fields": fields}


def resource_name(path: str) -> str:
    return re.sub(r"[^a-z0-9._-]", "-", path.lower().replace("/", "-"))


def licences_of(sources: list[SourceLicence]) -> tuple[list[dict[str, str]], str]:
    """The known licences of these sources (else the project's own for the compilation) and the rights text."""
    known = {s.licence for s in sources if s.licence is not None}
    licences = [{"name": n, "title": t, "path": u} for n, t, u in sorted(known)] or \
        [{"name": PROJECT_LICENCE[0], "title": PROJECT_LICENCE[1], "path": PROJECT_LICENCE[2]}]
    rights = " | ".join(dict.fromkeys(f"{s.title}: {s.rights}" for s in sources)) or \
        "Zusammenstellung: Digitalmonitor Kommunen"
    return licences, rights


def resources(folder: Path, table: ReleasedTable, sources: list[SourceLicence], with_demo: bool,
              entries: dict[tuple[str, str], tuple[str, str | None]]) -> list[dict[str, object]]:
    """The resources of one released table: its CSV files (tabular) and its Parquet files."""
    title, description = title_of(table.name)
    licences, rights = licences_of(sources)
    common: dict[str, object] = {
        "description": description + (" – enthält Demodaten (Spalte is_demo)" if with_demo else ""),
        "licenses": licences, "rights": rights, "demo": with_demo,
        "sources": [{"title": s.title, "path": s.url, **({"version": s.edition} if s.edition else {})}
                    for s in sources if s.url] or [{"title": "Digitalmonitor Kommunen"}],
    }
    demo_prefix = "DEMO – " if with_demo else ""
    out: list[dict[str, object]] = []
    for path in table.csv:
        out.append({"name": resource_name(path), "path": path, "title": demo_prefix + title, "type": "table",
                    "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
                    "dialect": {"delimiter": ";"}, "schema": schema(table, entries),
                    "bytes": (folder / path).stat().st_size, "hash": f"sha256:{sha256_of(folder / path)}", **common})
    for path in table.parquet:
        out.append({"name": resource_name(path), "path": path, "title": demo_prefix + title, "type": "file",
                    "format": "geoparquet" if table.geo else "parquet",
                    "mediatype": "application/vnd.apache.parquet",
                    "bytes": (folder / path).stat().st_size, "hash": f"sha256:{sha256_of(folder / path)}", **common})
    return out


def write(folder: Path, build_id: str, built_at: str, resources_: list[dict[str, object]],
          sources: list[SourceLicence], with_demo: bool) -> Path:
    licences, _ = licences_of(sources)
    package = {
        "name": f"digitalmonitor-kommunen-{build_id.lower()}",
        "title": ("DEMO – " if with_demo else "") + "Digitalmonitor Kommunen – offene Daten",
        "description": "Wie weit deutsche Kommunen ihre Verwaltung online gebracht haben: Online-Verfahren, "
                       "Förderprogramme, Auszeichnungen „Digitales Amt“, Gebiete und Kartenformen."
                       + (" Enthält synthetische Demodaten (is_demo = true)." if with_demo else
                          " Nur echte Werte, keine Demodaten."),
        "version": build_id, "created": built_at, "licenses": licences, "demo": with_demo,
        "sources": [{"title": s.title, "path": s.url, **({"version": s.edition} if s.edition else {})}
                    for s in sources if s.url],
        "resources": resources_,
    }
    path = folder / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path
