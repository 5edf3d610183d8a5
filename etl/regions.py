"""The `region` table (one row per key of the newest register edition), the `population` history and
the list of keys that register and boundaries do not share.

Levels and their key lengths: state 2, gov_district 3, district 5, association 9 (Gemeindeverbände with
more than one member only), municipality 12 (ARS; the 8-digit AGS is kept beside it).
"""

from __future__ import annotations

import re

import pandas as pd

from core.keys import KEY_LENGTH
from etl.sources.register import (
    ASSOCIATION_KINDS,
    DISTRICT_KINDS,
    MUNICIPALITY_KINDS,
    UNINCORPORATED,
    Register,
    census_base,
)

BAVARIA = "09"
SUMS = {"population": "sum", "male": "sum", "area_km2": "sum"}
COLUMNS = ["ars", "ags", "level", "name", "display_name", "kind", "state_ars", "gov_district_ars", "district_ars",
           "association_ars", "population", "male", "area_km2", "postcode", "is_municipality", "member_count",
           "edition"]

# Register names carry the kind after a comma ("Höchberg, M", "Flensburg, Stadt") or in brackets
# ("Dormitz (VGem)"); display names drop it. Commas occur in GV100AD names only before such a designation.
_BRACKET_KIND = re.compile(r"\s*\((VGem|VG|VVG|GVV|VV)\)$")


def display_name(name: str) -> str:
    """'Höchberg, M' -> 'Höchberg'; 'Halle (Saale), Stadt' -> 'Halle (Saale)'; 'Dormitz (VGem)' -> 'Dormitz'."""
    return _BRACKET_KIND.sub("", name.split(",")[0]).strip()


def _municipalities(rec: pd.DataFrame) -> pd.DataFrame:
    gem = rec[rec["rtype"] == "60"].copy()
    gem["level"] = "municipality"
    gem["kind"] = gem["text_code"].map(MUNICIPALITY_KINDS)
    gem["is_municipality"] = ~gem["text_code"].isin(UNINCORPORATED)
    gem["area_km2"] = gem["area_ha"] / 100.0
    gem["district_ars"] = gem["ars"].str[:5]
    gem["gv_ars"] = gem["ars"].str[:9]
    return gem


def _upper_levels(rec: pd.DataFrame, gem: pd.DataFrame) -> list[pd.DataFrame]:
    """States, Regierungsbezirke, Kreise and Gemeindeverbände with more than one member, each with the sums
    of its municipalities (a Gemeindeverband: of its members only, without gemeindefreie Gebiete)."""
    members = gem[gem["is_municipality"]].groupby("gv_ars").size()
    states = rec[rec["rtype"] == "10"].assign(level="state", kind="Land")
    gov = rec[rec["rtype"] == "20"].copy()
    gov["level"] = "gov_district"
    gov["kind"] = gov["ars"].map(lambda k: "Bezirk" if k.startswith(BAVARIA) else (
        "Statistische Region" if k.startswith("03") else "Regierungsbezirk"))
    districts = rec[rec["rtype"] == "40"].copy()
    districts["level"] = "district"
    districts["kind"] = districts["text_code"].map(DISTRICT_KINDS)
    assoc = rec[rec["rtype"] == "50"].copy()
    assoc["member_count"] = assoc["ars"].map(members).fillna(0).astype(int)
    assoc = assoc[assoc["member_count"] > 1].copy()
    assoc["level"] = "association"
    assoc["kind"] = assoc["text_code"].map(ASSOCIATION_KINDS)
    frames = []
    levels = ("state", "gov_district", "district", "association")
    for frame, level in zip((states, gov, districts, assoc), levels, strict=True):
        key_len = KEY_LENGTH[level]
        prefix = gem["ars"].str[:key_len]
        agg = gem[gem["is_municipality"] | (key_len < 9)].groupby(prefix).agg(SUMS)
        frames.append(frame.drop(columns=["population", "male", "area_ha"], errors="ignore").join(agg, on="ars"))
    return frames


def _add_parents(out: pd.DataFrame, gov_keys: set[str], assoc_keys: set[str]) -> None:
    """The keys of the Land, Regierungsbezirk, Kreis and Gemeindeverband each region belongs to."""
    out["state_ars"] = out["ars"].str[:2]
    rb = out["ars"].str[:3]
    out["gov_district_ars"] = rb.where(rb.isin(gov_keys) & (out["level"] != "state"))
    out["district_ars"] = out["ars"].str[:5].where(out["ars"].str.len() >= 9)
    out["association_ars"] = out["ars"].str[:9].where(
        (out["level"] == "municipality") & out["ars"].str[:9].isin(assoc_keys))


def build_regions(reg: Register) -> pd.DataFrame:
    """One row per key of the register edition, with parents, population and area (sums for upper levels)."""
    rec = reg.records
    gem = _municipalities(rec)
    upper = _upper_levels(rec, gem)
    gem["member_count"] = pd.NA
    out = pd.concat([*upper, gem], ignore_index=True)
    _add_parents(out, set(upper[1]["ars"]), set(upper[3]["ars"]))
    out["ags"] = out["ags"].where(out["level"] == "municipality", out["ars"].where(out["ars"].str.len() <= 5))
    out.loc[out["level"] == "municipality", "ags"] = gem["ags"].values
    out["is_municipality"] = out["is_municipality"].where(out["level"] == "municipality", False).astype(bool)
    out["display_name"] = out["name"].map(display_name)
    out["edition"] = reg.edition
    for col in ("population", "male", "member_count"):
        out[col] = out[col].astype("Int64")
    for col in COLUMNS:
        if col not in out:
            out[col] = None
    return out[COLUMNS].sort_values(["ars"]).reset_index(drop=True)


def population_history(registers: list[Register]) -> pd.DataFrame:
    """One row per key and edition: population, male, area (sums for upper levels), census base."""
    rows = []
    for reg in registers:
        regions = build_regions(reg)
        rows.append(regions[["ars", "level", "population", "male", "area_km2"]].assign(
            edition=reg.edition, census_base=census_base(reg.edition), source_file=reg.file))
    return pd.concat(rows, ignore_index=True)


def compare_keys(regions: pd.DataFrame, shapes: dict[str, pd.DataFrame],
                 register_edition: str, boundary_editions: dict[str, str]) -> pd.DataFrame:
    """Keys in the register without a shape and shapes without a register key, per level.

    `shapes` are keyed on current register keys already (municipalities via their AGS).
    """
    rows = []
    for level, shp in shapes.items():
        reg = regions[regions["level"] == level]
        shp_keys = set(shp["ars"])
        for row in reg[~reg["ars"].isin(shp_keys)].itertuples():
            rows.append({"level": level, "ars": row.ars, "ags": row.ags, "name": row.name, "kind": row.kind,
                         "issue": "im Verzeichnis, ohne Gebietsform",
                         "register_edition": register_edition, "boundary_edition": boundary_editions[level]})
        for row in shp[~shp["in_register"]].itertuples():
            rows.append({"level": level, "ars": row.ars, "ags": row.ags, "name": row.gen, "kind": row.bez,
                         "issue": "Gebietsform ohne Schlüssel im Verzeichnis (fusioniert oder aufgelöst)",
                         "register_edition": register_edition, "boundary_edition": boundary_editions[level]})
    cols = ["level", "ars", "ags", "name", "kind", "issue", "register_edition", "boundary_edition"]
    return pd.DataFrame(rows, columns=cols)
