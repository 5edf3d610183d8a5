"""The geography of a build: regions, population history, key mismatches and simplified map shapes, derived
from what the register and boundaries sources read, and written first into the new database."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import geopandas as gpd
import pandas as pd

from core.keys import LEVELS
from etl.context import BuildContext, StepResult, Timer, insert
from etl.labels import unique_names
from etl.regions import build_regions, compare_keys, population_history
from etl.shapes import geojson_text, shape_rows, simplify_coverage
from etl.sources import register
from etl.sources.boundaries import LEVEL_LAYERS, Layer


@dataclass
class Geography:
    regions: pd.DataFrame
    history: pd.DataFrame
    mismatch: pd.DataFrame
    shapes: dict[str, gpd.GeoDataFrame]  # level -> simplified shapes keyed on the current register key
    boundary_editions: dict[str, str]  # level -> edition of its boundary product


def shape_frame(level: str, layer: Layer, regions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Shapes keyed on the current register key.

    Municipalities are matched on the AGS. The Gemeindeverband layer also holds single-member
    Gemeindeverbände (Einheitsgemeinden); their shape is keyed on the municipality, so the association
    map shows every administering authority once: a Verwaltungsgemeinschaft or a lone municipality.
    """
    frame = layer.frame.copy()
    reg = regions[regions["level"] == level]
    if level == "municipality":
        current = dict(zip(reg["ags"], reg["ars"], strict=True))
        frame["ars"] = frame["ags"].map(current).fillna(frame["ars"])
    elif level == "association":
        # lone municipalities and gemeindefreie Gebiete: each has a Gemeindeverband key of its own
        munis = regions[regions["level"] == "municipality"]
        by_prefix = munis.groupby(munis["ars"].str[:9])["ars"].agg(list)
        single = {k: v[0] for k, v in by_prefix.items() if len(v) == 1}
        multi = set(reg["ars"])
        frame["ars"] = frame["ars"].map(lambda k: k if k in multi else single.get(k, k))
    frame["in_register"] = frame["ars"].isin(set(regions["ars"]))
    return frame


def derive(ctx: BuildContext) -> Geography:
    """Regions of the newest register, population of every edition, and the map shapes per level."""
    ctx.progress("Regionen")
    t = Timer()
    newest = ctx.registers[0]
    regions = build_regions(newest)
    history = population_history(ctx.registers)
    editions = {lvl: LEVEL_LAYERS[lvl][0].edition for lvl in LEVELS}
    frames = {lvl: shape_frame(lvl, ctx.layers[lvl], regions) for lvl in LEVELS}
    mismatch = compare_keys(regions, frames, newest.edition, editions)
    ctx.results.append(StepResult("regions", "region", len(regions), len(mismatch), t.seconds,
                                  "Schlüssel nur im Verzeichnis / nur in Grenzen"))
    shapes: dict[str, gpd.GeoDataFrame] = {}
    for level in LEVELS:
        ctx.progress(f"Kartenformen {level}")
        t = Timer()
        shapes[level] = simplify_coverage(frames[level], level)
        ctx.results.append(StepResult("shapes", level, len(shapes[level]), 0, t.seconds, "vereinfacht (coverage)"))
    ctx.regions = regions
    return Geography(regions, history, mismatch, shapes, editions)


def write(con: duckdb.DuckDBPyConnection, ctx: BuildContext, geo: Geography) -> None:
    """Regions, population, key mismatches, map shapes and their GeoJSON files into the new database."""
    has_shape = set().union(*(set(geo.shapes[lvl]["ars"]) for lvl in LEVELS))
    newest_id = register.source_id(register.REGISTER_EDITIONS[0])
    # the table holds the unambiguous names ("München, Landkreis"); ctx.regions keeps the plain ones for matching
    insert(con, "region", geo.regions.assign(display_name=unique_names(geo.regions),
                                             has_shape=geo.regions["ars"].isin(has_shape), source_id=newest_id))
    reg_ids = {spec.edition: register.source_id(spec) for spec in register.REGISTER_EDITIONS}
    insert(con, "population", geo.history.assign(source_id=geo.history["edition"].map(reg_ids))
           .drop(columns=["source_file"]))
    insert(con, "region_mismatch", geo.mismatch)
    for level in LEVELS:
        lf = ctx.layer_files[level]
        insert(con, "region_shape", shape_rows(geo.shapes[level], level, f"{lf.spec.id}:{lf.name}"))
        text = geojson_text(geo.shapes[level])
        insert(con, "shape_file", pd.DataFrame([{
            "level": level, "file_name": f"{level}-{ctx.build_id}.json", "bytes": len(text.encode()),
            "features": len(geo.shapes[level]), "attribution": lf.spec.simplified_attribution,
            "content": text}]))
