"""Map shapes per level: topology-preserving simplification, rounding, and the GeoJSON text the
dashboard serves once as a static file (only the key travels as a feature property)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from etl.sources.boundaries import METRIC_CRS

MAP_CRS = "EPSG:4326"
GRID_DEGREES = 1e-4  # about 7 to 11 m here: invisible at map scale
# Visvalingam-Whyatt tolerance (metres, square root of the triangle area) per level
TOLERANCE_M = {"state": 3000.0, "gov_district": 2500.0, "district": 1500.0, "association": 1100.0,
               "municipality": 1000.0}


def simplify_coverage(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Simplify all shapes of a level together so that neighbours keep their shared edges."""
    metric = frame.to_crs(METRIC_CRS)
    simplified = shapely.coverage_simplify(metric.geometry.values, TOLERANCE_M[level])
    out = gpd.GeoDataFrame(metric.drop(columns="geometry"), geometry=list(simplified), crs=METRIC_CRS)
    out = out.to_crs(MAP_CRS)
    # snapping to a grid moves a vertex shared by two neighbours to the same point in both
    out["geometry"] = shapely.set_precision(out.geometry.values, GRID_DEGREES)
    return out[~out.geometry.is_empty].reset_index(drop=True)


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """A compact FeatureCollection with the key as the only property."""
    features = [
        f'{{"type":"Feature","properties":{{"ars":{json.dumps(ars)}}},"geometry":{shapely.to_geojson(geom)}}}'
        for ars, geom in zip(frame["ars"], frame.geometry.values, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def shape_rows(frame: gpd.GeoDataFrame, level: str, source_id: str) -> pd.DataFrame:
    """Rows for the `region_shape` table: WKB geometry in WGS84 plus its bounding box."""
    bounds = frame.geometry.bounds
    return pd.DataFrame({
        "ars": frame["ars"].values,
        "level": level,
        "detail": "map",
        "in_register": frame["in_register"].values,
        "min_lon": bounds["minx"].values, "min_lat": bounds["miny"].values,
        "max_lon": bounds["maxx"].values, "max_lat": bounds["maxy"].values,
        "geometry": [shapely.to_wkb(g) for g in frame.geometry.values],
        "source_id": source_id,
    })
