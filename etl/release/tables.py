"""The tables of a release and their files: Parquet per table or measure view, CSV für Excel (`;`, decimal
comma, UTF-8 with BOM) unless a table exceeds Excel's rows, map shapes as GeoParquet; large tables split per
Land so that no file exceeds what Streamlit serves statically (200 MB)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from etl.errors import EtlError

EXCEL_ROWS = 1_048_576  # including the header row
MAX_FILE_BYTES = 200 * 1024 * 1024
SPLIT_ROWS = 1_000_000  # a table with more rows is written per Land (first two digits of its key)

# what is left out: build internals, the map files (shapes come as GeoParquet) and metric helper tables
SKIPPED = {"build_info", "load_log", "shape_file", "region_shape", "reject", "pvog_fetch"}
# measure views released beside the tables (the measure catalogue is the table `measure`)
VIEWS = ("v_authority", "v_procedures_latest", "v_procedures_per_10k", "v_digitales_amt",
         "v_grants_per_inhabitant", "v_rollup", "v_ranks")


@dataclass
class ReleasedTable:
    """One table or view of the release with the files written for it (paths relative to the release)."""

    name: str
    rows: int
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    parquet: list[str] = field(default_factory=list)
    csv: list[str] = field(default_factory=list)
    split_by_land: bool = False
    geo: bool = False


def released_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables (without internals and helper tables) and the measure views, in name order."""
    rows = con.execute("SELECT table_name, table_type FROM information_schema.tables ORDER BY 1").fetchall()
    tables = [n for n, t in rows if t == "BASE TABLE" and n not in SKIPPED and not n.startswith("metric_")]
    views = [n for n, t in rows if t == "VIEW" and n in VIEWS]
    return tables + views


def columns_of(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    return [(c, t) for c, t in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $n "
        "ORDER BY ordinal_position", {"n": name}).fetchall()]


def row_filter(columns: list[tuple[str, str]], with_demo: bool) -> str:
    """SQL condition keeping real rows only (unless demo was asked for): by is_demo or by the row's source."""
    names = {c for c, _ in columns}
    if with_demo:
        return "true"
    if "is_demo" in names:
        return "NOT is_demo"
    if "source_id" in names:
        return "source_id NOT IN (SELECT source_id FROM source WHERE is_demo)"
    return "true"


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV für Excel: `;`, decimal comma, ISO dates, UTF-8 with BOM."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, sep=";", decimal=",", float_format="%.12g", index=False, encoding="utf-8-sig",
               lineterminator="\n")


def _check_size(path: Path) -> None:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise EtlError(path, "release file exceeds 200 MB (Streamlit serves no larger static file)")


def write_table(con: duckdb.DuckDBPyConnection, name: str, folder: Path, with_demo: bool,
                split_rows: int = SPLIT_ROWS) -> ReleasedTable:
    """Write one table's Parquet and CSV files below `folder` (parquet/, csv/), split per Land when large."""
    columns = columns_of(con, name)
    where = row_filter(columns, with_demo)
    order = ", ".join(f'"{c}"' for c, _ in columns[:3])
    select = f'SELECT * FROM "{name}" WHERE {where} ORDER BY {order}'  # noqa: S608 - names from the catalogue
    rows = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]  # noqa: S608
    key = next((c for c in ("ars", "state_ars") if c in {n for n, _ in columns}), None)
    split = rows > split_rows and key is not None
    parts: list[tuple[str, str]] = [("", select)]
    if split:
        lands = [r[0] for r in con.execute(f'SELECT DISTINCT left("{key}", 2) FROM ({select}) ORDER BY 1').fetchall()]  # noqa: S608
        parts = [(f"-land-{land}", f'SELECT * FROM ({select}) WHERE left("{key}", 2) = \'{land}\'')  # noqa: S608
                 for land in lands if str(land).isdigit()]
    table = ReleasedTable(name=name, rows=int(rows), columns=columns, split_by_land=split)
    (folder / "parquet").mkdir(parents=True, exist_ok=True)
    (folder / "csv").mkdir(parents=True, exist_ok=True)
    for suffix, sql in parts:
        pq = folder / "parquet" / f"{name}{suffix}.parquet"
        con.execute(f"COPY ({sql}) TO '{pq}' (FORMAT parquet, COMPRESSION zstd)")
        _check_size(pq)
        table.parquet.append(f"parquet/{pq.name}")
        n = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]  # noqa: S608
        if n + 1 <= EXCEL_ROWS:
            path = folder / "csv" / f"{name}{suffix}.csv"
            _csv(con.execute(sql).df(), path)
            _check_size(path)
            table.csv.append(f"csv/{path.name}")
    return table


def write_shapes(con: duckdb.DuckDBPyConnection, folder: Path) -> ReleasedTable:
    """The map shapes (per level and detail, WGS84) as one GeoParquet file."""
    frame = con.execute("SELECT ars, level, detail, in_register, source_id, geometry FROM region_shape "
                        "ORDER BY level, detail, ars").df()
    geometry = shapely.from_wkb(frame.pop("geometry").map(bytes).to_numpy())
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    (folder / "geo").mkdir(parents=True, exist_ok=True)
    path = folder / "geo" / "region_shape.parquet"
    gdf.to_parquet(path, index=False, compression="zstd")
    _check_size(path)
    columns = [("ars", "VARCHAR"), ("level", "VARCHAR"), ("detail", "VARCHAR"), ("in_register", "BOOLEAN"),
               ("source_id", "VARCHAR"), ("geometry", "GEOMETRY")]
    return ReleasedTable(name="region_shape", rows=len(gdf), columns=columns, parquet=[f"geo/{path.name}"],
                         geo=True)
