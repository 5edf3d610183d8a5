"""Breitbandatlas on the small generated database: the municipality's own value on every map level that shows
municipalities, population-weighted roll-ups for VGs, Kreise and Länder, a municipality formed by a merger shown
as "keine Daten" with its note, the measures ranked, and the rows' source the Breitbandatlas (never demo)."""

from __future__ import annotations

import pandas as pd
import pytest
from small_world import BROADBAND_ATTRIBUTION, MERGED, MERGER_NOTE, NEWLY_MERGED, World

from app import data
from core.measures import BROADBAND_MEASURES, measure


def weighted(world: World, prefix: str, column: str) -> float:
    """The population-weighted mean of the municipalities under a key, over those with a value."""
    rows = world.broadband.merge(world.regions[["ars", "population"]], on="ars")
    rows = rows[rows["ars"].str.startswith(prefix) & rows[column].notna()]
    return float((rows[column] * rows["population"]).sum() / rows["population"].sum())


@pytest.mark.parametrize("key", BROADBAND_MEASURES)
def test_municipality_own_value_and_the_merged_one_without(small: data.Db, world: World, key: str) -> None:
    frame = data.map_frame(small, "municipality", key).set_index("ars")
    own = world.broadband.set_index("ars")[key]
    for ars, value in own.dropna().items():
        assert frame.loc[ars, "value"] == pytest.approx(value), ars
    assert frame["value"].notna().sum() == own.notna().sum()
    assert pd.isna(frame.loc[NEWLY_MERGED, "value"]) and frame.loc[NEWLY_MERGED, "note"] == MERGER_NOTE
    assert pd.isna(frame.loc[MERGED, "value"])  # a key the register no longer has
    assert not frame["is_demo"].any()
    ranked = data.map_result(small, "municipality", key).frame.set_index("ars")
    assert pd.isna(ranked.loc[NEWLY_MERGED, "rank"]) and ranked["rank"].notna().sum() == own.notna().sum()


def test_members_of_a_vg_keep_their_own_value(small: data.Db, world: World) -> None:
    frame = data.map_frame(small, "municipality", "households_gigabit").set_index("ars")
    members = world.of("municipality").dropna(subset=["association_ars"])["ars"]
    own = world.broadband.set_index("ars")["households_gigabit"]
    assert (frame.loc[members, "value"] == own[members]).all()
    assert frame.loc[members, "inherited_from_name"].isna().all()


@pytest.mark.parametrize("level", ["association", "district", "state"])
def test_rollups_are_weighted_by_population(small: data.Db, world: World, level: str) -> None:
    frame = data.map_frame(small, level, "households_100mbit").set_index("ars")
    regions = world.of("association") if level == "association" else world.of(level)
    for region in regions.itertuples():
        assert frame.loc[region.ars, "value"] == pytest.approx(weighted(world, region.ars, "households_100mbit"),
                                                               abs=0.006), region.ars
        assert frame.loc[region.ars, "note"].startswith("nach Einwohnern gewichtet"), region.ars
    # a single-authority municipality on the authority layer shows its own value
    if level == "association":
        assert frame.loc["091620000000", "value"] == pytest.approx(
            world.broadband.set_index("ars").loc["091620000000", "households_100mbit"])


def test_the_district_of_the_merged_municipality_counts_it_out(small: data.Db) -> None:
    note = data.map_frame(small, "district", "households_gigabit").set_index("ars").loc[NEWLY_MERGED[:5], "note"]
    assert note.startswith("nach Einwohnern gewichtet über ") and " von " in note


def test_broadband_ranked_and_sourced(small: data.Db, world: World) -> None:
    result = data.map_result(small, "district", "households_gigabit", "09")
    assert result.frame["rank"].notna().all() and result.frame["rank"].min() == 1
    top = result.frame.sort_values("rank").iloc[0]
    assert top["value"] == result.frame["value"].max()
    assert BROADBAND_ATTRIBUTION in result.attribution and "Demodaten" not in result.attribution
    assert measure("households_gigabit").unit == "%"
