"""Destatis GV100AD: the three real editions in ../shared/data, and a tiny register written here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.regions import build_regions
from etl.sources.register import Register, census_base, parse_line, read_gv100ad

EDITIONS = {"2025-11-30": "GV100AD_30112025.txt", "2022-12-31": "GV100AD_31122022.txt",
            "2021-12-31": "GV100AD_31122021.txt"}


def gv_line(rtype: str, key: str, name: str, text_code: str = "", area_ha: int = 0, population: int = 0,
            male: int = 0, postcode: str = "", stand: str = "20251130") -> str:
    """One GV100AD record at the documented positions. `key` holds positions 11-22 as in the file
    (Satzart 60: the 8-digit AGS, then the 4-digit Gemeindeverband)."""
    line = f"{rtype}{stand}{key:<12}{name:<50}{'':<50}{text_code:<2}{'':<4}"
    if rtype == "60":
        line += f"{area_ha:011d}{population:011d}{male:011d}{'':<4}{postcode:<5}"
    return f"{line:<220}"


@pytest.fixture(scope="module")
def registers(mirror: Path) -> dict[str, Register]:
    folder = mirror / "gemeindeverzeichnis"
    return {edition: read_gv100ad(folder / name) for edition, name in EDITIONS.items()}


def municipalities(reg: Register) -> pd.DataFrame:
    return reg.records[reg.records["rtype"] == "60"]


def test_editions_and_record_counts(registers: dict[str, Register]) -> None:
    assert {e: r.edition for e, r in registers.items()} == {e: e for e in EDITIONS}
    counts = registers["2025-11-30"].records["rtype"].value_counts().to_dict()
    assert counts == {"10": 16, "20": 29, "30": 12, "40": 400, "50": 4590, "60": 10953}
    assert registers["2025-11-30"].skipped == 12
    assert len(municipalities(registers["2022-12-31"])) == 10993
    assert len(municipalities(registers["2021-12-31"])) == 10997


@pytest.mark.parametrize(("edition", "municipal", "unincorporated"), [
    ("2025-11-30", 2056, 165), ("2022-12-31", 2056, 173), ("2021-12-31", 2056, 174)])
def test_bavaria_municipalities_and_gemeindefreie_gebiete(
        registers: dict[str, Register], edition: str, municipal: int, unincorporated: int) -> None:
    by = municipalities(registers[edition])
    by = by[by["ags"].str.startswith("09")]
    free = by["text_code"].isin({"65", "66"})
    assert (int((~free).sum()), int(free.sum())) == (municipal, unincorporated)


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_baden_wuerttemberg_has_1101_municipalities(registers: dict[str, Register], edition: str) -> None:
    bw = municipalities(registers[edition])
    bw = bw[bw["ags"].str.startswith("08")]
    assert int((~bw["text_code"].isin({"65", "66"})).sum()) == 1101
    assert len(bw) == 1103


def test_nuernberg_in_the_2025_edition(registers: dict[str, Register]) -> None:
    gem = municipalities(registers["2025-11-30"]).set_index("ags")
    nbg = gem.loc["09564000"]
    assert nbg["name"] == "Nürnberg"
    assert nbg["ars"] == "095640000000"
    assert (nbg["population"], nbg["male"], nbg["area_ha"]) == (529508, 260358, 18644)
    assert nbg["postcode"] == "90403"
    assert nbg["line"] == 10929


def test_total_population_per_edition(registers: dict[str, Register]) -> None:
    assert int(municipalities(registers["2025-11-30"])["population"].sum()) == 83_577_140
    assert int(municipalities(registers["2022-12-31"])["population"].sum()) == 84_358_845


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_keys_are_strings_of_their_natural_length(registers: dict[str, Register], edition: str) -> None:
    rec = registers[edition].records
    lengths = {rtype: set(rec.loc[rec["rtype"] == rtype, "ars"].str.len()) for rtype in ("10", "20", "40", "50", "60")}
    assert lengths == {"10": {2}, "20": {3}, "40": {5}, "50": {9}, "60": {12}}
    gem = rec[rec["rtype"] == "60"]
    assert gem["ags"].str.fullmatch(r"\d{8}").all()
    assert (gem["ars"].str[:5] + gem["ars"].str[9:] == gem["ags"]).all()
    assert rec.loc[rec["rtype"] == "10", "ars"].iloc[0] == "01"  # Schleswig-Holstein keeps its zero


def test_census_base_changes_with_the_2022_census() -> None:
    assert census_base("2021-12-31") == "Zensus 2011"
    assert census_base("2022-12-31") == "Zensus 2011"
    assert census_base("2025-11-30") == "Zensus 2022"


def test_a_generated_record_is_read_at_the_documented_positions(tmp_path: Path) -> None:
    line = gv_line("60", "091620000000", "München, Landeshauptstadt", "61", 31070, 1505005, 731234, "80331")
    rec = parse_line(line, tmp_path / "x.txt", 7)
    assert rec is not None
    assert (rec["ags"], rec["ars"], rec["name"], rec["text_code"]) == (
        "09162000", "091620000000", "München, Landeshauptstadt", "61")
    assert (rec["area_ha"], rec["population"], rec["male"], rec["postcode"], rec["line"]) == (
        31070, 1505005, 731234, "80331", 7)


def test_tiny_register_levels_and_associations(tmp_path: Path) -> None:
    """Two members make a Verwaltungsgemeinschaft an association; a lone member does not; a
    gemeindefreies Gebiet is a key but not a municipality and no member."""
    lines = [
        gv_line("10", "09", "Bayern"),
        gv_line("20", "094", "Oberfranken"),
        gv_line("40", "09474", "Forchheim", "44"),
        gv_line("50", "09474   5426", "Dormitz (VGem)", "54"),
        gv_line("50", "09474   0123", "Eggolsheim, M", "50"),
        gv_line("60", "094741195426", "Dormitz", "64", 720, 2100, 1000, "91077"),
        gv_line("60", "094741375426", "Hetzles", "64", 900, 1300, 650, "91077"),
        gv_line("60", "094741230123", "Eggolsheim, M", "60", 5000, 6700, 3300, "91330"),
        gv_line("60", "094744515426", "Dormitzer Forst", "66", 300, 0, 0),
    ]
    path = tmp_path / "GV100AD_30112025.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    reg = read_gv100ad(path)
    assert reg.edition == "2025-11-30"
    regions = build_regions(reg).set_index("ars")
    assert regions.loc["094745426", "level"] == "association"
    assert regions.loc["094745426", "member_count"] == 2
    assert regions.loc["094745426", "population"] == 3400  # the gemeindefreies Gebiet is no member
    assert "094740123" not in regions.index  # a single-member Gemeindeverband is no association
    assert regions.loc["094745426119", "association_ars"] == "094745426"
    assert pd.isna(regions.loc["094740123123", "association_ars"])
    assert not regions.loc["094745426451", "is_municipality"]
    assert regions.loc["094745426119", "is_municipality"]
    assert regions.loc["09474", "population"] == 3400 + 6700
    assert regions.loc["094", "kind"] == "Bezirk"
    assert regions.loc["094745426119", "ags"] == "09474119"
