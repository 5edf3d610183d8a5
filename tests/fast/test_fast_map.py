"""The map queries on the small generated database: one row per shape for every level and measure, and the
values the generated facts give (own, inherited from the association, rolled up, none for unincorporated
areas and merged keys)."""

from __future__ import annotations

import pandas as pd
import pytest
from small_world import DEMO_LABEL, MERGED, REFERENCE_ATTRIBUTION, REGISTER_ATTRIBUTION, World, latest_totals

from app import data

LEVEL_MEASURES = [(level, measure) for level, measures in data.LEVEL_MEASURES.items() for measure in measures]


def shapes_of(world: World, level: str, state: str | None = None) -> list[str]:
    keys = world.shapes[world.shapes["level"] == level]["ars"]
    return sorted(keys[keys.str.startswith(state)] if state else keys)


@pytest.mark.parametrize(("level", "measure"), LEVEL_MEASURES, ids=[f"{lv}-{m}" for lv, m in LEVEL_MEASURES])
def test_every_level_and_measure_has_one_row_per_shape(small: data.Db, world: World, level: str,
                                                       measure: str) -> None:
    frame = data.map_frame(small, level, measure)
    assert sorted(frame["ars"]) == shapes_of(world, level)
    assert frame["value"].notna().any(), "some region has a value"
    if measure == "da_status":
        assert set(frame["value"].dropna()) <= set(data.DA_STATUS)
    else:
        assert pd.api.types.is_numeric_dtype(frame["value"])


def test_municipality_total_own_inherited_and_without_value(small: data.Db, world: World) -> None:
    frame = data.map_frame(small, "municipality", "total", "09").set_index("ars")
    assert sorted(frame.index) == shapes_of(world, "municipality", "09")
    latest = latest_totals(world.snapshots)
    names = world.regions.set_index("ars")["display_name"]
    municipalities = world.of("municipality", "09")
    for m in municipalities[municipalities["is_municipality"]].itertuples():
        row = frame.loc[m.ars]
        source = m.ars if m.ars in latest.index else m.association_ars
        if isinstance(source, str) and source in latest.index:
            assert row["value"] == latest.loc[source, "total"], m.ars
            assert bool(row["is_demo"]) == bool(latest.loc[source, "is_demo"]), m.ars
        else:
            assert pd.isna(row["value"]) and not row["is_demo"], m.ars
        inherited = source != m.ars and isinstance(source, str) and source in latest.index
        if inherited:
            assert row["inherited_from_name"] == names[source], m.ars
        else:
            assert pd.isna(row["inherited_from_name"]), m.ars
    forest = world.of("municipality", "09").query("not is_municipality")["ars"].item()
    assert pd.isna(frame.loc[forest, "value"]) and frame.loc[forest, "note"] == data.UNINCORPORATED_NOTE
    assert frame.loc[MERGED, "name"] == f"Gebiet {MERGED}" and pd.isna(frame.loc[MERGED, "value"])


def test_real_count_wins_over_a_larger_demo_count_of_the_same_date(small: data.Db, world: World) -> None:
    city = "091620000000"
    frame = data.map_frame(small, "municipality", "total", "09").set_index("ars")
    real = world.snapshots.query("ars == @city and not is_demo")["total"].max()
    assert frame.loc[city, "value"] == real and not frame.loc[city, "is_demo"]


def test_a_demo_award_does_not_make_a_real_count_demo(small: data.Db, world: World) -> None:
    latest = latest_totals(world.snapshots)
    real = set(latest.index[~latest["is_demo"].astype(bool)])
    both = sorted(real & set(world.certifications.query("is_demo")["ars"]) & set(world.of("municipality")["ars"]))
    assert both, "the generated world has a municipality with a real count and a demo award"
    for measure in ("total", "municipal", "total_per_10k"):
        frame = data.map_frame(small, "municipality", measure).set_index("ars")
        assert not frame.loc[both, "is_demo"].any(), measure
    # the status rests on the award as well: a demo award makes it demo
    status = data.map_frame(small, "municipality", "da_status").set_index("ars")
    assert status.loc[both, "is_demo"].all()


def test_per_10k_of_an_inherited_value_uses_the_association_population(small: data.Db, world: World) -> None:
    frame = data.map_frame(small, "municipality", "total_per_10k", "09").set_index("ars")
    latest = latest_totals(world.snapshots)
    member = world.of("municipality", "09").dropna(subset=["association_ars"])
    member = member[member["association_ars"].isin(latest.index)].iloc[0]
    vg = world.region(member["association_ars"])
    expected = latest.loc[member["association_ars"], "total"] * 10000 / vg["population"]
    assert frame.loc[member["ars"], "value"] == pytest.approx(expected)


def test_district_and_state_sum_every_authority_once(small: data.Db, world: World) -> None:
    latest = latest_totals(world.snapshots)["total"]
    for level in ("district", "state"):
        frame = data.map_frame(small, level, "total").set_index("ars")
        for region in world.of(level).itertuples():
            inside = [a for a in latest.index if a.startswith(region.ars)]
            assert frame.loc[region.ars, "value"] == latest[inside].sum(), region.ars
            if level == "district":
                assert frame.loc[region.ars, "note"].startswith("Behörden mit Daten: ")


def test_district_share_meeting_the_threshold(small: data.Db, world: World) -> None:
    latest = latest_totals(world.snapshots)["total"]
    frame = data.map_frame(small, "district", "share_meeting_threshold").set_index("ars")
    for district in world.of("district").itertuples():
        munis = world.of("municipality").query("is_municipality and district_ars == @district.ars")["ars"]
        with_data = [latest[m] for m in munis if m in latest.index]
        expected = 100 * sum(t >= 50 for t in with_data) / len(with_data)
        assert frame.loc[district.ars, "value"] == pytest.approx(expected), district.ars


def test_population_density_and_grants_per_inhabitant(small: data.Db, world: World) -> None:
    regions = world.regions.set_index("ars")
    density = data.map_frame(small, "state", "density").set_index("ars")
    euros = data.map_frame(small, "district", "eur_per_inhabitant").set_index("ars")
    for state in ("08", "09"):
        assert density.loc[state, "value"] == pytest.approx(regions.loc[state, "population"]
                                                            / regions.loc[state, "area_km2"])
    for district in world.of("district").itertuples():
        paid = world.grants[world.grants["ars"].str.startswith(district.ars)]["amount_eur"].sum()
        if paid:
            assert euros.loc[district.ars, "value"] == pytest.approx(paid / district.population), district.ars
        else:  # no grant: no value on the map (not 0 €)
            assert pd.isna(euros.loc[district.ars, "value"]), district.ars
    assert euros["value"].notna().sum() >= 4


def test_association_layer_holds_associations_and_single_authorities(small: data.Db, world: World) -> None:
    frame = data.map_frame(small, "association", "total").set_index("ars")
    latest = latest_totals(world.snapshots)["total"]
    for ars in [*world.of("association")["ars"], "091620000000"]:
        if ars in latest.index:
            assert frame.loc[ars, "value"] == latest[ars], ars
        else:
            assert pd.isna(frame.loc[ars, "value"]), ars
    assert {len(k) for k in frame.index} == {9, 12}
    assert not any(k in frame.index for k in world.regions.dropna(subset=["association_ars"])["ars"])


def test_unknown_level_or_measure_is_refused(small: data.Db) -> None:
    with pytest.raises(ValueError):
        data.map_frame(small, "planet", "total")
    with pytest.raises(ValueError):
        data.map_frame(small, "district", "da_status")


def test_map_result_names_the_sources_of_its_rows(small: data.Db, world: World) -> None:
    register = f"{REGISTER_ATTRIBUTION} · Lizenz: dl-de/by-2-0"
    people = data.map_result(small, "municipality", "population", "09")
    assert people.attribution == register and not people.demo
    totals = data.map_result(small, "municipality", "total", "09")
    assert totals.demo and totals.attribution.split("; ") == [DEMO_LABEL, REFERENCE_ATTRIBUTION, register]
    frame = totals.frame
    real = totals.subset(frame[frame["value"].notna() & ~frame["is_demo"].astype(bool)])
    assert not real.demo and DEMO_LABEL not in real.attribution and REFERENCE_ATTRIBUTION in real.attribution
    own = frame["value"].notna() & frame["inherited_from_name"].isna()
    assert frame["rank"].notna().tolist() == own.tolist()  # an inherited value is the VG's: counted once, there
    assert set(frame.loc[frame["rank"] == 1, "value"]) == {frame.loc[own, "value"].max()}  # ties share rank 1
