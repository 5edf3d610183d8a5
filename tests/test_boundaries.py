"""BKG boundary layers read from the real files: land/water (GF), repairs, keys, the source resolver."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
import shapely

from etl.sources.boundaries import BKG_VG250_2025, BKG_VG5000_2021, METRIC_CRS, Layer, land_codes, read_layer
from etl.sources.files import SourceResolver

VG5000 = Path("boundaries") / "bkg_vg5000_2021-01-01"
VG250 = Path("boundaries") / "bkg_vg250_2025-01-01_wgs84"


@pytest.fixture(scope="module")
def gem(mirror: Path) -> Layer:
    return read_layer(mirror / VG5000 / "VG5000_GEM.shp", "GEM", "VG5000")


def test_vg5000_municipality_layer_has_10997_areas(gem: Layer) -> None:
    assert gem.features == 10997
    assert len(gem.frame) == 10997
    assert gem.frame["ars"].is_unique
    assert gem.frame["ags"].str.fullmatch(r"\d{8}").all()
    assert gem.frame["ars"].str.fullmatch(r"\d{12}").all()
    assert str(gem.frame.crs) == METRIC_CRS


def test_bavaria_2056_municipalities_and_174_gemeindefreie_gebiete(gem: Layer) -> None:
    by = gem.frame[gem.frame["ags"].str.startswith("09")]
    free = by["bez"] == "Gemeindefreies Gebiet"
    assert (int((~free).sum()), int(free.sum())) == (2056, 174)


def test_baden_wuerttemberg_1101_municipalities(gem: Layer) -> None:
    bw = gem.frame[gem.frame["ags"].str.startswith("08")]
    assert int((bw["bez"] != "Gemeindefreies Gebiet").sum()) == 1101


def test_three_municipality_geometries_invalid_as_shipped_are_repaired(mirror: Path, gem: Layer) -> None:
    shipped = pyogrio.read_dataframe(mirror / VG5000 / "VG5000_GEM.shp")
    assert int((~shipped.geometry.is_valid).sum()) == 3
    assert gem.made_valid == 3
    assert gem.frame.geometry.is_valid.all()
    assert not gem.frame.geometry.is_empty.any()
    assert set(shapely.get_type_id(gem.frame.geometry.values)) <= {3, 6}  # Polygon, MultiPolygon


def test_vg5000_land_code_is_read_from_vg_werte(mirror: Path) -> None:
    """VG_WERTE.dbf lists the codes of all products: 9 'mit Struktur' (VG5000), 4 'mit Struktur Land'."""
    codes = land_codes(mirror / VG5000 / "VG5000_LAN.shp", "VG5000")
    assert 9 in codes
    assert not codes & {1, 2, 3, 8}  # water and areas without structure


def test_vg5000_states_25_features_give_16_land_areas(mirror: Path) -> None:
    lan = read_layer(mirror / VG5000 / "VG5000_LAN.shp", "LAN", "VG5000")
    assert (lan.features, lan.water_parts, len(lan.frame)) == (25, 9, 16)
    assert list(lan.frame["ars"]) == [f"{i:02d}" for i in range(1, 17)]
    assert lan.frame.geometry.is_valid.all()


def test_vg250_districts_433_features_give_400_land_areas(mirror: Path) -> None:
    krs = read_layer(mirror / VG250 / "VG250_KRS.geojson", "KRS", "VG250")
    assert (krs.features, krs.water_parts, len(krs.frame)) == (433, 33, 400)
    assert krs.frame["ars"].str.fullmatch(r"\d{5}").all()
    assert krs.frame["ars"].str.startswith("09").sum() == 96
    assert krs.frame["ars"].str.startswith("08").sum() == 44
    # Bodensee water parts are dropped, not dissolved into the district
    shipped = pyogrio.read_dataframe(mirror / VG250 / "VG250_KRS.geojson", columns=["ARS", "GF"])
    assert set(shipped["GF"].astype(int)) == {2, 4}


def test_vg250_gov_districts_keep_the_land_parts(mirror: Path) -> None:
    rbz = read_layer(mirror / VG250 / "VG250_RBZ.geojson", "RBZ", "VG250")
    assert (rbz.features, len(rbz.frame)) == (21, 19)
    assert sorted(k for k in rbz.frame["ars"] if k.startswith("09")) == [f"09{i}" for i in range(1, 8)]


def test_resolver_finds_each_layer_with_its_side_files(mirror: Path) -> None:
    resolver = SourceResolver(mirror)
    gem = resolver.layer(BKG_VG5000_2021, "GEM")
    assert gem.name == "VG5000_GEM.shp"
    assert {f.name for f in resolver.resolved} == {"VG5000_GEM.shp", "VG5000_GEM.dbf", "VG5000_GEM.shx",
                                                   "VG5000_GEM.prj"}
    assert gem.sha256 == "3a609d0b19e3fb20465931b481ba5c8f438ba5128484928d22050d992342c30c"
    assert gem.origin == "mirror"
    krs = resolver.layer(BKG_VG250_2025, "KRS")
    assert krs.name == "VG250_KRS.geojson"
    assert krs.bytes == 10541625
