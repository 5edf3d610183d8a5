"""Map shapes of the session build: the served GeoJSON per level and the region_shape table."""

from __future__ import annotations

import json
import re

import duckdb
import geopandas as gpd
import pytest
import shapely

from etl.build import BuildReport
from etl.shapes import GRID_DEGREES, geojson_text, simplify_coverage

LEVELS = ("state", "gov_district", "district", "association", "municipality")
GAP_DEGREES = 5e-4  # about 50 m: slivers narrower than this between neighbours count as gaps


def served(con: duckdb.DuckDBPyConnection, level: str) -> dict:
    row = con.execute("SELECT content FROM shape_file WHERE level = ?", [level]).fetchone()
    assert row is not None
    return json.loads(row[0])


def geometries(collection: dict) -> list:
    return list(shapely.from_geojson([json.dumps(f["geometry"]) for f in collection["features"]]))


def test_each_level_is_served_under_a_name_with_the_build_id(
        con: duckdb.DuckDBPyConnection, build_report: BuildReport) -> None:
    files = dict(con.execute("SELECT level, file_name FROM shape_file").fetchall())
    assert files == {level: f"{level}-{build_report.build_id}.json" for level in LEVELS}
    sizes = con.execute("SELECT level, bytes, octet_length(encode(content)), features FROM shape_file").fetchall()
    for level, size, actual, features in sizes:
        assert size == actual, level
        assert features == len(served(con, level)["features"])


@pytest.mark.parametrize("level", LEVELS)
def test_only_the_key_travels_and_coordinates_are_rounded(con: duckdb.DuckDBPyConnection, level: str) -> None:
    row = con.execute("SELECT content FROM shape_file WHERE level = ?", [level]).fetchone()
    assert row is not None
    text = row[0]
    collection = json.loads(text)
    assert {tuple(f["properties"]) for f in collection["features"]} == {("ars",)}
    keys = [f["properties"]["ars"] for f in collection["features"]]
    assert len(keys) == len(set(keys))
    decimals = max(len(d) for d in re.findall(r"\d\.(\d+)", text))
    assert decimals <= 4  # GRID_DEGREES = 1e-4
    assert GRID_DEGREES == 1e-4


def test_municipality_keys_match_the_region_table(con: duckdb.DuckDBPyConnection) -> None:
    keys = {f["properties"]["ars"] for f in served(con, "municipality")["features"]}
    assert "095640000000" in keys
    known = {ars for (ars,) in con.execute("SELECT ars FROM region_shape WHERE level = 'municipality'").fetchall()}
    assert keys == known
    in_register = {ars for (ars,) in con.execute("""
        SELECT ars FROM region_shape WHERE level = 'municipality' AND in_register""").fetchall()}
    assert len(keys) == 10997
    assert len(in_register) == 10997 - 54


def test_municipality_coverage_is_valid_after_simplification(con: duckdb.DuckDBPyConnection) -> None:
    geoms = geometries(served(con, "municipality"))
    assert all(shapely.is_valid(geoms))
    assert shapely.coverage_is_valid(geoms, gap_width=GAP_DEGREES)
    edges = shapely.coverage_invalid_edges(geoms, gap_width=GAP_DEGREES)
    assert int((~shapely.is_empty(edges)).sum()) == 0


@pytest.mark.parametrize("level", ["state", "gov_district", "district", "association"])
def test_upper_levels_have_no_gaps_or_overlaps(con: duckdb.DuckDBPyConnection, level: str) -> None:
    # VG250 land parts (GF 4) leave real water between neighbours (the Elbe at Hamburg) a little
    # wider than GAP_DEGREES, as shipped; slivers of simplification would be far narrower
    assert shapely.coverage_is_valid(geometries(served(con, level)), gap_width=1e-4)


def test_region_shape_rows_carry_bounds_and_source(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("""
        SELECT min_lon, min_lat, max_lon, max_lat, geometry, source_id FROM region_shape
        WHERE ars = '095640000000' AND level = 'municipality'""").fetchone()
    assert row is not None
    min_lon, min_lat, max_lon, max_lat, wkb, source_id = row
    assert 10.9 < min_lon < max_lon < 11.3 and 49.3 < min_lat < max_lat < 49.6  # Nürnberg
    assert shapely.from_wkb(wkb).bounds == pytest.approx((min_lon, min_lat, max_lon, max_lat))
    assert source_id == "bkg_vg5000_2021:VG5000_GEM.shp"
    germany = con.execute("""
        SELECT min(min_lon), min(min_lat), max(max_lon), max(max_lat) FROM region_shape WHERE level = 'state'
        """).fetchone()
    assert germany is not None
    assert 5.8 < germany[0] < 6.0 and 47.2 < germany[1] < 47.3 and 15.0 < germany[2] < 15.1
    assert 55.0 < germany[3] < 55.1


def test_simplify_coverage_thins_projects_and_snaps_to_the_grid() -> None:
    """Two neighbours sharing a wiggly edge: fewer vertices, WGS84 on the 1e-4 grid, still gap-free."""
    wiggle = [(500000 + 1000 * i, 5400000 + (30 if i % 2 else 0)) for i in range(11)]
    upper = shapely.Polygon([*wiggle, (510000, 5410000), (500000, 5410000)])
    lower = shapely.Polygon([*wiggle, (510000, 5390000), (500000, 5390000)])
    frame = gpd.GeoDataFrame({"ars": ["a", "b"]}, geometry=[upper, lower], crs="EPSG:25832")
    out = simplify_coverage(frame, "municipality")
    assert str(out.crs) == "EPSG:4326"
    assert shapely.coverage_is_valid(out.geometry.values, gap_width=1e-3)
    assert shapely.get_num_coordinates(out.geometry.values).sum() < shapely.get_num_coordinates(
        frame.geometry.values).sum()
    coords = shapely.get_coordinates(out.geometry.values) / GRID_DEGREES
    assert abs(coords - coords.round()).max() < 1e-6
    text = geojson_text(out)
    assert json.loads(text)["features"][0]["properties"] == {"ars": "a"}


def test_a_land_view_gets_a_file_with_only_its_lands_shapes(con: duckdb.DuckDBPyConnection, build: object) -> None:
    """Issue 16: the Bayern map fetches Bayern's municipalities only, not all of Germany."""
    from app.data import shapes

    url, _bounds, _attribution = shapes.geometry(build, "municipality", "09")  # type: ignore[arg-type]
    assert url.endswith("-land09.json") and url != shapes.shape_url(build, "municipality")  # type: ignore[arg-type]
    bavaria = json.loads((shapes.STATIC_SHAPES / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    keys = [f["properties"]["ars"] for f in bavaria["features"]]
    everything = served(con, "municipality")["features"]
    assert keys == [f["properties"]["ars"] for f in everything if f["properties"]["ars"].startswith("09")]
    assert 2000 < len(keys) < len(everything) / 3
    # the one parse for Bayern wrote every other Land's file as well, each with that Land's shapes only
    lands = sorted(shapes.STATIC_SHAPES.glob(url.rsplit("/", 1)[1].replace("-land09", "-land??")))
    assert len(lands) == 16
    by_land = {p.name[-7:-5]: [f["properties"]["ars"] for f in json.loads(p.read_text(encoding="utf-8"))["features"]]
               for p in lands}
    assert all(k.startswith(land) for land, ks in by_land.items() for k in ks)
    assert sorted(k for ks in by_land.values() for k in ks) == sorted(f["properties"]["ars"] for f in everything)
    assert shapes.shape_url(build, "municipality", "05").endswith("-land05.json")  # type: ignore[arg-type]
    assert shapes.geometry(build, "municipality", "09162")[0] == shapes.shape_url(build, "municipality")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        shapes.shape_url(build, "municipality", "../x")  # type: ignore[arg-type]
