"""Profile and search queries on the small generated database: the facts of one region, its members, its
procedure history (a real count beats a demo count of the same date), its VG's values when it has none, its
peers, and the search by name, register name, postcode and key."""

from __future__ import annotations

import pandas as pd
from small_world import LATEST, World, latest_totals

from app import data


def member_of_an_association_with_data(world: World) -> pd.Series:
    latest = latest_totals(world.snapshots)
    members = world.of("municipality", "09").dropna(subset=["association_ars"])
    return members[members["association_ars"].isin(latest.index)].iloc[0]


def test_profile_names_the_parents(small: data.Db, world: World) -> None:
    member = member_of_an_association_with_data(world)
    names = world.regions.set_index("ars")["display_name"]
    got = data.region_profile(small, member["ars"]).iloc[0]
    assert got["display_name"] == member["display_name"] and got["population"] == member["population"]
    assert got["association_name"] == names[member["association_ars"]]
    assert got["district_name"] == names[member["district_ars"]] and got["state_name"] == "Bayern"
    assert got["authority_type"] == "kreisangehörige Gemeinde"
    assert got["density"] == member["population"] / member["area_km2"]
    assert data.region_profile(small, "000000000000").empty


def test_members_of_an_association_and_of_a_district(small: data.Db, world: World) -> None:
    vg = world.of("association", "09")["ars"].iloc[0]
    municipalities = world.of("municipality").query("is_municipality")
    assert sorted(data.members(small, vg)["ars"]) == sorted(municipalities.query("association_ars == @vg")["ars"])
    assert sorted(data.members(small, "09171")["ars"]) == sorted(municipalities.query("district_ars == '09171'")
                                                                  ["ars"])
    assert len(data.members(small, "08")) == len(municipalities.query("state_ars == '08'"))


def test_history_takes_the_real_count_of_a_date(small: data.Db, world: World) -> None:
    city = "091620000000"
    history = data.procedure_history(small, [city])
    real = world.snapshots.query("ars == @city and not is_demo").sort_values("as_of")
    assert history["total"].tolist() == real["total"].tolist()
    assert not history["is_demo"].any() and history["as_of"].iloc[-1].date() == LATEST


def test_authority_facts_show_the_association_values_for_a_member(small: data.Db, world: World) -> None:
    member = member_of_an_association_with_data(world)
    latest = latest_totals(world.snapshots)
    city = "091620000000"
    facts = data.authority_facts(small, [city, member["ars"]])
    assert facts["ars"].tolist() == [city, member["ars"]]  # in the order asked
    vg = member["association_ars"]
    assert facts["total"].tolist() == [latest.loc[city, "total"], latest.loc[vg, "total"]]
    assert facts["inherited_from_name"].iloc[1] == world.region(vg)["display_name"]
    grants = world.grants.query("ars == @city")["amount_eur"]
    assert facts["grants"].iloc[0] == len(grants)


def test_peers_share_size_class_type_and_district(small: data.Db, world: World) -> None:
    own = world.of("municipality", "09").query("is_municipality and association_ars.isna() and district_ars == '09172'")
    target = own.iloc[0]
    peers = data.peers(small, target["ars"])
    assert peers["is_self"].sum() == 1 and peers.loc[peers["is_self"], "ars"].item() == target["ars"]
    regions = world.regions.set_index("ars").loc[peers["ars"]]
    assert set(regions["district_ars"]) == {"09172"} and set(regions["level"]) == {"municipality"}
    assert set(peers["authority_type"]) == {"kreisangehörige Gemeinde"}


def test_ranks_of_one_authority_in_every_group(small: data.Db, world: World) -> None:
    city = "091620000000"
    ranks = data.region_ranks(small, city)
    state_total = ranks.query("measure == 'total' and group_kind == 'state'")
    assert state_total["group_name"].item() == "Bayern"
    ranking = data.rankings.rankings(small, "total", "09").set_index("ars")
    assert state_total["rank"].item() == ranking.loc[city, "rank"]
    assert set(ranks["measure"]) == {"total", "municipal", "central", "total_per_10k"}


def test_search_by_name_register_name_postcode_and_key(small: data.Db, world: World) -> None:
    markt = world.of("municipality").query("kind == 'Markt'").iloc[0]
    by_name = data.find_regions(small, markt["display_name"])
    assert by_name["ars"].iloc[0] == markt["ars"]  # the exact name first
    assert markt["ars"] in set(data.find_regions(small, markt["name"])["ars"])  # "…, M" as in the register
    by_postcode = data.find_regions(small, markt["postcode"])
    assert by_postcode["ars"].iloc[0] == markt["ars"]
    by_key = data.find_regions(small, "09171")
    assert by_key["ars"].iloc[0] == "09171"
    assert all(k.startswith("09171") for k in by_key["ars"])
    assert data.find_regions(small, "   ").empty
    assert data.find_regions(small, "Atlantis").empty
    assert len(data.find_regions(small, "0", limit=7)) == 7


def test_labels_of_keys(small: data.Db, world: World) -> None:
    keys = ["091620000000", "09171", "08"]
    labels = data.region_labels(small, keys).set_index("ars")
    assert labels.loc["091620000000", "name"] == "München"
    assert labels.loc["09171", "state_name"] == "Bayern" and labels.loc["08", "name"] == "Baden-Württemberg"
