"""BKG "Ebenen" boundary layers (VG5000, VG250; shapefile, GeoPackage or GeoJSON; any CRS).

A layer can hold several features per key: land and water parts (`GF`, whose codes differ between
products and are read from `VG_WERTE.dbf` where it is shipped). Parts are dissolved by key; the map
keeps land only. Geometries are made valid and projected to a metric CRS for simplification.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from core.keys import KEY_LENGTH, LEVELS
from etl.context import BuildContext, StepResult, Timer
from etl.errors import EtlError
from etl.sources.files import DL_DE_BY_2, SourceSpec

METRIC_CRS = "EPSG:25832"

# Land codes of GF ("mit Struktur", i.e. land area with administrative structure) per product, used
# when no VG_WERTE.dbf is shipped beside the layer (e.g. a GeoJSON export).
DEFAULT_LAND_CODES = {"VG250": {4}, "VG5000": {9}}
LAYER_LEVEL = {"LAN": "state", "RBZ": "gov_district", "KRS": "district", "VWG": "association", "GEM": "municipality"}


def _bkg(product: str, scale: str, folder: str, year: str, layers: tuple[str, ...]) -> SourceSpec:
    """A BKG "Ebenen" product of 1 January of `year` (shapefiles in Gauß-Krüger, zone 3)."""
    return SourceSpec(
        id=f"bkg_{product.lower()}_{year}",
        title=f"Verwaltungsgebiete {scale}, Ebenen, Stand 01.01.{year} ({product})",
        publisher="Bundesamt für Kartographie und Geodäsie (BKG)",
        url=f"https://daten.gdz.bkg.bund.de/produkte/vg/{folder}/{year}/{product.lower()}_01-01.gk3.shape.ebenen.zip",
        files=(),
        licence=DL_DE_BY_2,
        attribution=f"© GeoBasis-DE / BKG ({year})",
        simplified_attribution=f"© GeoBasis-DE / BKG ({year}) (Daten verändert)",
        edition=f"{year}-01-01",
        kind="boundaries",
        product=product,
        layers={layer: f"{product}_{layer}" for layer in layers},
    )


BKG_VG5000_2021 = _bkg("VG5000", "1:5 000 000", "vg5000_0101", "2021", ("LAN", "RBZ", "KRS", "VWG", "GEM"))
BKG_VG250_2025 = _bkg("VG250", "1:250 000", "vg250_ebenen_0101", "2025", ("LAN", "RBZ", "KRS"))

BOUNDARY_SOURCES = (BKG_VG5000_2021, BKG_VG250_2025)

# Which product provides the map shapes of each level: the newest available edition per level.
LEVEL_LAYERS: dict[str, tuple[SourceSpec, str]] = {
    "state": (BKG_VG250_2025, "LAN"),
    "gov_district": (BKG_VG250_2025, "RBZ"),
    "district": (BKG_VG250_2025, "KRS"),
    "association": (BKG_VG5000_2021, "VWG"),
    "municipality": (BKG_VG5000_2021, "GEM"),
}


@dataclass
class Layer:
    """A boundary layer read and cleaned: one land geometry per key (metric CRS)."""

    name: str
    file: str
    features: int  # features in the file
    water_parts: int  # features that are not land (dropped from the map)
    made_valid: int  # geometries that were invalid as shipped
    frame: gpd.GeoDataFrame  # columns ars, ags, gen, bez, geometry (EPSG:25832)


def land_codes(layer_path: Path, product: str) -> set[int]:
    """GF codes meaning land, read from VG_WERTE.dbf beside the layer (fallback: product default)."""
    werte = next((p for p in layer_path.parent.iterdir() if p.name.lower() == "vg_werte.dbf"), None)
    if werte is None:
        return DEFAULT_LAND_CODES[product]
    try:
        table = pyogrio.read_dataframe(werte, encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise EtlError(werte, f"cannot read the code table ({exc})") from exc
    gf = table[table["ATTRIBUT"].astype(str).str.strip() == "GF"]
    codes = {int(row.WERT_ZAHL) for row in gf.itertuples()
             if "mit Struktur" in str(row.BEDEUTUNG) and "Gewässer" not in str(row.BEDEUTUNG)}
    if not codes:
        raise EtlError(werte, "has no GF code for land ('mit Struktur')")
    return codes


def read_layer(path: Path, layer: str, product: str) -> Layer:
    """Read one BKG layer file and return one valid land geometry per key."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = pyogrio.read_dataframe(path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types for broken files
        raise EtlError(path, f"cannot read boundary layer ({exc})") from exc
    missing = {"ARS", "GF", "GEN", "BEZ"} - set(raw.columns)
    if missing:
        raise EtlError(path, f"boundary layer lacks the columns {', '.join(sorted(missing))}")
    if raw.crs is None:
        raise EtlError(path, "boundary layer has no coordinate reference system (missing .prj?)")
    if len(raw) == 0:
        raise EtlError(path, "boundary layer has no features")
    # GDAL reads a shapefile cut short as features without geometry, silently
    no_geometry = int((raw.geometry.isna() | raw.geometry.is_empty).sum())
    if no_geometry:
        raise EtlError(path, f"{no_geometry} of {len(raw)} features have no geometry (truncated file?)")
    raw["GF"] = pd.to_numeric(raw["GF"], errors="coerce")
    land = raw[raw["GF"].isin(land_codes(path, product))].copy()
    if land.empty:
        raise EtlError(path, "boundary layer has no land features (GF codes do not match the product)")
    land["ars"] = land["ARS"].astype(str).str.strip()
    bad = land[~land["ars"].str.fullmatch(rf"\d{{{KEY_LENGTH[LAYER_LEVEL[layer]]}}}")]
    if len(bad):
        raise EtlError(path, f"{len(bad)} features have a malformed ARS (e.g. {bad['ars'].iloc[0]!r}); "
                       f"expected {KEY_LENGTH[LAYER_LEVEL[layer]]} digits")
    land = land.to_crs(METRIC_CRS)
    invalid = ~land.geometry.is_valid
    made_valid = int(invalid.sum())
    if made_valid:
        land.loc[invalid, "geometry"] = shapely.make_valid(
            land.loc[invalid, "geometry"].values, method="structure", keep_collapsed=False)
    land["ags"] = land["AGS"].astype(str).str.strip() if "AGS" in land else None
    land.loc[~land["ags"].str.fullmatch(r"\d+"), "ags"] = None
    if land["ars"].duplicated().any():
        parts = land.dissolve(by="ars", aggfunc="first", as_index=False)
    else:
        parts = land
    parts = parts.rename(columns={"GEN": "gen", "BEZ": "bez"})[["ars", "ags", "gen", "bez", "geometry"]]
    parts["geometry"] = shapely.make_valid(parts.geometry.values, method="structure", keep_collapsed=False)
    parts = parts.set_geometry("geometry").sort_values("ars").reset_index(drop=True)
    return Layer(name=layer, file=path.name, features=len(raw), water_parts=len(raw) - len(land),
                 made_valid=made_valid, frame=gpd.GeoDataFrame(parts, geometry="geometry", crs=METRIC_CRS))


def load(ctx: BuildContext) -> list[StepResult]:
    """Source entry point: the boundary layer of every level into `ctx.layers` (and the file read into
    `ctx.layer_files`)."""
    results: list[StepResult] = []
    for level in LEVELS:
        spec, layer_name = LEVEL_LAYERS[level]
        ctx.progress(f"Grenzen {spec.layers[layer_name]}")
        t = Timer()
        resolved = ctx.resolver.layer(spec, layer_name)
        layer = read_layer(resolved.path, layer_name, spec.product)
        ctx.layers[level] = layer
        ctx.layer_files[level] = resolved
        results.append(StepResult("boundaries", resolved.name, len(layer.frame), layer.water_parts, t.seconds,
                                  f"{layer.features} Objekte, {layer.water_parts} Wasserteile, "
                                  f"{layer.made_valid} repariert"))
    return results
