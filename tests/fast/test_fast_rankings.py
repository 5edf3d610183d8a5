"""Rankings and peer groups on the small generated database: ranks, peers, rank change and median as computed
here from the generated snapshots (rank 1 = most, ties share the lower rank)."""

from __future__ import annotations

import pandas as pd
import pytest
from small_world import World, authorities, latest_totals

from app import data

SIZE_CLASSES = ((0, 5000, "unter 5.000"), (5000, 20000, "5.000 bis unter 20.000"),
                (20000, 100000, "20.000 bis unter 100.000"), (100000, 10**9, "100.000 und mehr"))


def size_class(population: float) -> str:
    return next(label for low, high, label in SIZE_CLASSES if low <= population < high)


def expected_ranks(world: World, members: list[str]) -> pd.DataFrame:
    """rank, peers, prev_rank and rank_change of the authorities with data among `members`."""
    now = latest_totals(world.snapshots)["total"]
    keys = [k for k in members if k in now.index]
    frame = pd.DataFrame({"value": now[keys].astype(float)})
    frame["rank"] = frame["value"].rank(method="min", ascending=False).astype(int)
    dates = world.snapshots[world.snapshots["ars"].isin(keys)].groupby("ars")["as_of"].unique()
    ranks_then: dict[object, pd.Series] = {}  # the ranks among every member's latest value on or before a date
    for key in keys:
        previous = sorted(dates[key])[-2]
        if previous not in ranks_then:
            then = latest_totals(world.snapshots, previous)["total"].reindex(keys).dropna().astype(float)
            ranks_then[previous] = then.rank(method="min", ascending=False)
        frame.loc[key, "prev_rank"] = ranks_then[previous][key]
    frame["rank_change"] = frame["prev_rank"] - frame["rank"]
    frame["peers"] = len(keys)
    return frame


def test_state_ranking_ranks_every_authority_with_data(small: data.Db, world: World) -> None:
    members = authorities(world.regions).query("state_ars == '09'")["ars"].tolist()
    expected = expected_ranks(world, members)
    got = data.rankings.rankings(small, "total", "09").set_index("ars")
    assert sorted(got.index) == sorted(expected.index)
    assert got["rank"].is_monotonic_increasing
    for column in ("value", "rank", "peers", "prev_rank", "rank_change"):
        assert got[column].astype(float).tolist() == expected.loc[got.index, column].astype(float).tolist(), column
    assert got["group_median"].iloc[0] == pytest.approx(expected["value"].median())
    assert (got["rank_change"] != 0).any(), "the generated snapshots change some ranks"


def test_size_class_and_district_are_peer_groups_within_the_state(small: data.Db, world: World) -> None:
    regions = authorities(world.regions).query("state_ars == '09' and level in ('municipality', 'association')")
    label = "unter 5.000"
    in_class = [r.ars for r in regions.itertuples() if size_class(r.population) == label]
    got = data.rankings.rankings(small, "total", "09", size_class=label).set_index("ars")
    expected = expected_ranks(world, in_class)
    assert sorted(got.index) == sorted(expected.index) and set(got["size_class"]) == {label}
    assert got["rank"].tolist() == expected.loc[got.index, "rank"].tolist()

    district = "09171"
    got = data.rankings.rankings(small, "total", "09", district=district).set_index("ars")
    expected = expected_ranks(world, regions.query("district_ars == @district")["ars"].tolist())
    assert sorted(got.index) == sorted(expected.index)
    assert got["rank"].tolist() == expected.loc[got.index, "rank"].tolist()
    assert data.peer_group("09", district, label) == ("district", district)
    assert data.peer_group("09", None, label) == ("size_class", f"09:{label}")


def test_per_10k_ranking_and_authority_type_filter(small: data.Db, world: World) -> None:
    vgs = data.rankings.rankings(small, "total_per_10k", "09",
                                  authority_type="Verwaltungsgemeinschaft").set_index("ars")
    latest = latest_totals(world.snapshots)["total"]
    regions = world.regions.set_index("ars")
    expected = {a: latest[a] * 10000 / regions.loc[a, "population"] for a in world.of("association", "09")["ars"]
                if a in latest.index}
    assert sorted(vgs.index) == sorted(expected)
    assert vgs["value"].tolist() == pytest.approx([expected[a] for a in vgs.index])


def test_ranking_states_and_unknown_measure(small: data.Db) -> None:
    assert data.ranking_states(small)["ars"].tolist() == ["08", "09"]
    with pytest.raises(ValueError):
        data.rankings.rankings(small, "'; DROP TABLE region; --", "09")
