"""Funding, Digitales Amt, downloads and the Start figures on the small generated database, against what was
generated: grant sums per district (0 without grants), procedures before and after a grant, the status of
every Bavarian authority (threshold 50, a Bezirk 30; members certified through their VG), every download."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from small_world import (
    AT_THRESHOLD,
    DEMO_LABEL,
    GRANT_DAY,
    MERGED,
    REGISTER_ATTRIBUTION,
    World,
    authorities,
    latest_totals,
)

from app import data


def test_grants_of_a_programme(small: data.Db, world: World) -> None:
    expected = world.grants.query("program_id == 'digitales_rathaus'")
    got = data.grants(small, "digitales_rathaus")
    assert sorted(got["grant_id"]) == sorted(expected["grant_id"])
    assert got["amount_eur"].sum() == expected["amount_eur"].sum()
    assert set(got["state_name"]) == {"Bayern"} and got["district_name"].notna().all()
    assert len(data.grants(small)) == len(world.grants)


def test_grant_totals_per_district_with_zero_for_none(small: data.Db, world: World) -> None:
    got = data.grant_totals(small, "digitales_rathaus", "district").set_index("ars")
    districts = world.of("district", "09")["ars"]
    assert sorted(got.index) == sorted(districts)
    grants = world.grants.query("program_id == 'digitales_rathaus'")
    for district in districts:
        paid = grants[grants["ars"].str.startswith(district)]
        assert got.loc[district, "amount_eur"] == paid["amount_eur"].sum(), district
        assert got.loc[district, "grants"] == len(paid), district
        assert bool(got.loc[district, "is_demo"]) == bool(paid["is_demo"].any()), district
    assert (got["grants"] == 0).any(), "a district without grants has a row with 0"
    with pytest.raises(ValueError):
        data.grant_totals(small, None, "municipality")


def test_grant_effect_compares_the_snapshots_around_the_grant(small: data.Db, world: World) -> None:
    """Before: the latest count on or before the approval day; after: the latest count later than that day and at
    most twelve months after it (none for the recipient whose last count is of the approval day itself)."""
    effect = data.grant_effect(small).set_index("grant_id")
    before = latest_totals(world.snapshots, GRANT_DAY)
    later = world.snapshots[(world.snapshots["as_of"] > GRANT_DAY)
                            & (world.snapshots["as_of"] <= (pd.Timestamp(GRANT_DAY) + pd.DateOffset(months=12)).date())]
    after = latest_totals(later)
    grants = world.grants
    assert len(data.grant_effect(small, "digitales_rathaus")) == (grants["program_id"] == "digitales_rathaus").sum()
    assert set(grants["ars"]) & set(before.index) - set(after.index), "a recipient without a later count"
    assert set(grants["ars"]) & set(world.snapshots.query("as_of == @GRANT_DAY")["ars"]) & set(after.index)
    for grant in grants.itertuples():
        row = effect.loc[grant.grant_id]
        for side, facts in (("before", before), ("after", after)):
            if grant.ars in facts.index:
                assert row[f"total_{side}"] == facts.loc[grant.ars, "total"], (grant.ars, side)
                assert row[f"{side}_as_of"].date() == facts.loc[grant.ars, "as_of"], (grant.ars, side)
            else:
                assert pd.isna(row[f"total_{side}"]) and pd.isna(row[f"{side}_as_of"]), (grant.ars, side)
        if grant.ars in before.index and grant.ars in after.index:
            assert row["added"] == after.loc[grant.ars, "total"] - before.loc[grant.ars, "total"]
        else:
            assert pd.isna(row["added"])


def expected_status(world: World) -> pd.DataFrame:
    """Status, distance and threshold of every Bavarian authority that is its own Digitales-Amt authority."""
    latest = latest_totals(world.snapshots)["total"]
    certified = set(world.certifications["ars"])
    rows = []
    for a in authorities(world.regions).query("state_ars == '09'").itertuples():
        if isinstance(a.association_ars, str) and a.ars not in certified:
            continue  # a member: its VG is the authority
        threshold = 30 if a.level == "gov_district" else 50
        total = latest.get(a.ars)
        status = ("zertifiziert" if a.ars in certified else "keine Daten" if total is None
                  else "berechtigt, nicht zertifiziert" if total >= threshold else "noch nicht")
        rows.append({"ars": a.ars, "status": status, "threshold": threshold,
                     "distance": None if total is None else max(threshold - total, 0)})
    return pd.DataFrame(rows).set_index("ars")


def test_digitales_amt_status_of_every_authority(small: data.Db, world: World) -> None:
    expected = expected_status(world)
    got = data.digitales_amt.digitales_amt(small).set_index("ars")
    assert sorted(got.index) == sorted(expected.index)
    assert got["status"].to_dict() == expected["status"].to_dict()
    assert got["threshold"].to_dict() == expected["threshold"].to_dict()
    both = expected["distance"].notna()
    assert got.loc[both[both].index, "distance"].tolist() == expected.loc[both, "distance"].tolist()
    assert got.loc["091", "threshold"] == 30  # the Bezirk
    assert [got.loc[a, "status"] for a in AT_THRESHOLD] == ["berechtigt, nicht zertifiziert", "noch nicht"]
    assert [got.loc[a, "distance"] for a in AT_THRESHOLD] == [0, 1]


def test_members_of_a_certified_association_show_its_award_on_the_map(small: data.Db, world: World) -> None:
    vg = world.of("association", "09")["ars"].min()  # certified in the generated world
    members = world.of("municipality").query("association_ars == @vg")["ars"]
    got = data.digitales_amt_map(small).set_index("ars")
    assert set(got.loc[members, "da_status"]) == {"zertifiziert"}
    assert got.loc[members, "inherited"].all() and set(got.loc[members, "inherited_from"]) == {vg}
    assert len(got) == len(world.of("municipality", "09"))


def test_every_download_has_every_row(small: data.Db, world: World) -> None:
    offered = data.downloadable(small)
    assert {"region", "funding_grant", "v_ranks", "v_municipality_map", "source"} <= set(offered)
    con = duckdb.connect(world.path.as_posix(), read_only=True)
    try:
        for name in offered:
            frame = data.download_table(small, name)
            count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - allow-listed
            assert len(frame) == count, name
    finally:
        con.close()
    assert sorted(data.download_table(small, "funding_grant")["grant_id"]) == sorted(world.grants["grant_id"])
    with pytest.raises(ValueError):
        data.download_table(small, 'region"; DROP TABLE region; --')


def test_fact_sources_name_the_real_and_the_demo_source(small: data.Db, world: World) -> None:
    sources = data.fact_sources(small, ["funding_grant", "certification"])
    expected = pd.concat([world.grants[["ars", "source_id"]], world.certifications[["ars", "source_id"]]])
    assert set(map(tuple, sources.to_numpy())) == set(map(tuple, expected.drop_duplicates().to_numpy()))
    table = data.source_table(small).set_index("source_id")
    assert table.loc["demo:fast", "attribution"] == DEMO_LABEL
    assert data.register_attribution(small) == REGISTER_ATTRIBUTION


def test_start_headline(small: data.Db, world: World) -> None:
    head = data.headline(small)
    rathaus = world.grants.query("program_id == 'digitales_rathaus'")
    assert head["certified"] == len(world.certifications)
    assert head["certified_real"] == int((~world.certifications["is_demo"]).sum())
    assert head["grants"] == len(rathaus) and head["grants_eur"] == rathaus["amount_eur"].sum()
    assert head["authorities_with_data"] == world.snapshots["ars"].nunique()
    assert head["eligible_not_certified"] == (expected_status(world)["status"]
                                              == "berechtigt, nicht zertifiziert").sum()


def test_start_counts_density_and_recent_awards(small: data.Db, world: World) -> None:
    per_state = data.municipalities_per_state(small).set_index("ars")
    municipalities = world.of("municipality")
    for state in ("08", "09"):
        inside = municipalities[municipalities["state_ars"] == state]
        assert per_state.loc[state, "gemeinden"] == inside["is_municipality"].sum()
        assert per_state.loc[state, "gemeindefreie_gebiete"] == (~inside["is_municipality"]).sum()
        assert per_state.loc[state, "einwohner"] == inside["population"].sum()
    density = data.density(small, "municipality", "09").set_index("ars")
    assert sorted(density.index) == sorted(world.shapes.query("level == 'municipality'")["ars"].loc[
        lambda k: k.str.startswith("09")])
    city = world.region("091620000000")
    assert density.loc["091620000000", "density"] == pytest.approx(city["population"] / city["area_km2"])
    assert pd.isna(density.loc[MERGED, "density"]) and pd.isna(density.loc["091730000900", "density"])
    newest = world.certifications["awarded_on"].max()
    cutoff = (pd.Timestamp(newest) - pd.DateOffset(months=6)).date()
    recent = data.recent_awards(small, 6)
    expected = world.certifications[world.certifications["awarded_on"] > cutoff]
    assert sorted(recent["ars"]) == sorted(expected["ars"]) and 0 < len(recent) < len(world.certifications)
    assert recent["awarded_on"].is_monotonic_decreasing
