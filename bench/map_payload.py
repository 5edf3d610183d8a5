"""Payload of the all-Germany municipality map as served, and whether neighbours still fit together.

Reads the municipality GeoJSON from the `shape_file` table of a build (the file the dashboard serves),
measures it raw and gzipped, counts the edges where neighbours leave a gap or overlap
(shapely.coverage_invalid_edges), and compares with the full-precision GeoJSON of VG5000 GEM.
Goal: at most 3.5 MB raw, 0.6 MB gzip, no gaps or overlaps.

    .venv/bin/python -m bench.map_payload [--db PUBLISHED_DB] [--mirror DIR]

Without --db a fresh build (no demo data) is made in a temporary folder.
Ends with one line: municipality_bytes=… municipality_gzip_bytes=… full_bytes=… full_gzip_bytes=…
invalid_edges=… ratio=…
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pyogrio
import shapely

from etl.build import run_build
from etl.context import BuildOptions
from etl.sources.boundaries import BKG_VG5000_2021
from etl.sources.files import MIRROR_ENV, SourceResolver

ROOT = Path(__file__).resolve().parent.parent

GAP_DEGREES = 5e-4  # about 50 m: a sliver narrower than this between neighbours counts as a gap
GOAL_RAW = 3_500_000
GOAL_GZIP = 600_000


def default_mirror() -> Path:
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else ROOT.parent / "shared" / "data"


def served_text(published: Path) -> str:
    with duckdb.connect(str(published.resolve()), read_only=True) as con:
        row = con.execute("SELECT content FROM shape_file WHERE level = 'municipality'").fetchone()
    if row is None:
        raise SystemExit(f"{published}: no municipality shapes in this build")
    return str(row[0])


def invalid_edges(text: str) -> int:
    features = json.loads(text)["features"]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    edges = shapely.coverage_invalid_edges(geoms, gap_width=GAP_DEGREES)
    return int((~shapely.is_empty(edges)).sum())


def full_precision_text(mirror: Path) -> str:
    """VG5000 GEM as shipped, in WGS84, key and geometry only, every coordinate at full precision."""
    path = SourceResolver(mirror).layer(BKG_VG5000_2021, "GEM").path
    frame = pyogrio.read_dataframe(path, columns=["ARS"]).to_crs("EPSG:4326")
    return frame.to_json()


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def measure(published: Path, mirror: Path) -> None:
    served = served_text(published).encode("utf-8")
    full = full_precision_text(mirror).encode("utf-8")
    raw, packed = len(served), gzip_size(served)
    full_raw, full_packed = len(full), gzip_size(full)
    edges = invalid_edges(served.decode("utf-8"))
    ok = raw <= GOAL_RAW and packed <= GOAL_GZIP and edges == 0
    print(f"served municipality layer: {raw / 1e6:.2f} MB raw, {packed / 1e6:.2f} MB gzip; "
          f"full precision: {full_raw / 1e6:.2f} MB raw, {full_packed / 1e6:.2f} MB gzip; "
          f"invalid edges (gap width {GAP_DEGREES}°): {edges}; goal {'met' if ok else 'MISSED'}")
    print(f"municipality_bytes={raw} municipality_gzip_bytes={packed} full_bytes={full_raw} "
          f"full_gzip_bytes={full_packed} invalid_edges={edges} ratio={raw / full_raw:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="published database of a build (default: build one now)")
    parser.add_argument("--mirror", type=Path, default=default_mirror(), help="folder with the source files")
    args = parser.parse_args()
    if args.db is not None:
        measure(args.db, args.mirror)
        return
    with tempfile.TemporaryDirectory(prefix="bench-map-") as folder:
        report = run_build(BuildOptions(db=Path(folder) / "digitalmonitor.duckdb", mirror=args.mirror))
        measure(report.published, args.mirror)


if __name__ == "__main__":
    main()
