"""The federal measures (Open-PVOG) on the small generated database: the Karte per level (a Kreis or Land shows its
own snapshot, never a sum; a kreisfreie Stadt under its Kreis key; press values only where no fetch exists), ranks
with their change, a region's history with press points, its Themenfeld breakdown and the peer-service gap, and the
sources the rows name."""

from __future__ import annotations

import pandas as pd
import pytest
from small_pvog import (
    EXPECTED,
    GAPS,
    MUENCHEN,
    PRESS_MUENCHEN,
    PVOG_ATTRIBUTION,
    PVOG_SOURCE,
    ROTSTADT,
    STUTTGART,
    UNTERFELD,
    VG,
    WALDING,
)

from app import data
from app.data import provenance, pvog
from app.data import rankings as rank_q


@pytest.mark.parametrize(("level", "keys"), [
    ("municipality", [ROTSTADT, WALDING, UNTERFELD, MUENCHEN]),
    ("association", [VG, ROTSTADT]),
    ("district", ["09171"]),
    ("state", ["09"]),
])
def test_map_shows_each_regions_own_snapshot(small: data.Db, level: str, keys: list[str]) -> None:
    for measure, index in (("pvog_own", 0), ("pvog_available", 1)):
        frame = data.map_frame(small, level, measure).set_index("ars")
        for key in keys:
            assert frame.loc[key, "value"] == EXPECTED[key][index], (level, measure, key)
            assert not frame.loc[key, "is_demo"]
            assert frame.loc[key, "note"] == "Abruf 01.06.2026"
        # nothing is summed: a region without its own point (or its kreisfreie Stadt's) has no value
        press = {"municipality": {STUTTGART}, "association": {STUTTGART}, "district": {"08111"},
                 "state": {"08"}}[level] if measure == "pvog_available" else set()
        city = {"09162"} if level == "district" else set()
        with_value = set(frame.index[frame["value"].notna()])
        assert with_value == {k for k in EXPECTED if k in frame.index} | city | press, (level, measure)


def test_district_shows_its_kreisfreie_stadt_and_press_fills_only_regions_without_fetch(small: data.Db) -> None:
    districts = data.map_frame(small, "district", "pvog_available").set_index("ars")
    assert districts.loc["09162", "value"] == EXPECTED[MUENCHEN][1]  # München's own snapshot, not its press value
    assert districts.loc["09172", "value"] is None or pd.isna(districts.loc["09172", "value"])
    states = data.map_frame(small, "state", "pvog_available").set_index("ars")
    assert states.loc["08", "value"] == 1500 and states.loc["08", "note"] == "Pressewert, Stand 01.09.2025"
    towns = data.map_frame(small, "municipality", "pvog_available").set_index("ars")
    assert towns.loc[STUTTGART, "value"] == 1650
    own = data.map_frame(small, "state", "pvog_own").set_index("ars")
    assert pd.isna(own.loc["08", "value"])  # press values have no own count


def test_map_result_names_the_federal_source_and_no_demo(small: data.Db) -> None:
    result = data.map_result(small, "district", "pvog_available")
    assert PVOG_ATTRIBUTION in result.attribution and not result.demo and not result.by_prefix
    tagged = provenance.tagged(small, result.frame[result.frame["ars"] == "09171"], result.kinds, facts=result.facts)
    assert PVOG_SOURCE in tagged["source_id"].item() and "nicht angegeben" in tagged["licence"].item()


def test_ranks_among_peers_with_change_since_the_previous_point(small: data.Db) -> None:
    frame = rank_q.rankings(small, "pvog_available", "09", size_class="5.000 bis unter 20.000").set_index("ars")
    # the VG (10,046 inhabitants) is a peer too; ties share the better rank
    assert list(frame.index) == [ROTSTADT, WALDING, VG, UNTERFELD]
    assert list(frame["rank"]) == [1, 2, 3, 3] and set(frame["peers"]) == {4}
    assert set(frame["group_median"]) == {5.5}
    # Rotstadt's previous point (01.05.2026: 1 service) ranks alone among the peers' points up to that day
    assert frame.loc[ROTSTADT, "prev_rank"] == 1 and frame.loc[ROTSTADT, "rank_change"] == 0
    assert str(frame.loc[ROTSTADT, "prev_as_of"])[:10] == "2026-05-01"
    assert pd.isna(frame.loc[WALDING, "prev_rank"]) and not frame["is_demo"].any()
    # the BayernPortal ranks are untouched: v_ranks has no federal measure
    assert "pvog_available" not in set(data.query(small, "SELECT DISTINCT measure FROM v_ranks")["measure"])


def test_ranking_states_include_states_with_only_federal_values(small: data.Db) -> None:
    assert {"08", "09"} <= set(rank_q.ranking_states(small)["ars"])
    stuttgart = rank_q.rankings(small, "pvog_available", "08").set_index("ars")
    assert stuttgart.loc[STUTTGART, "value"] == 1650 and stuttgart.loc[STUTTGART, "rank"] == 1


def test_history_unions_fetches_and_press_points(small: data.Db) -> None:
    points = pvog.history(small, MUENCHEN)
    assert list(points["origin"]) == ["Presse", "Abruf"]
    assert str(points["as_of"].iloc[0])[:10] == str(PRESS_MUENCHEN) and points["available"].tolist() == [1700, 4]
    rotstadt = pvog.history(small, ROTSTADT)
    assert rotstadt["own"].tolist() == [1, 3] and rotstadt["own_not_working"].tolist() == [0, 1]


def test_profile_topics_and_the_services_peers_offer(small: data.Db) -> None:
    prof = pvog.profile(small, UNTERFELD)
    assert prof.present and prof.has_snapshot and prof.peer_group == "5.000 bis unter 20.000 Einwohner in Bayern"
    assert prof.topics.frame["themenfeld"].tolist() == ["Familie & Kind"]
    for key, expected in GAPS.items():
        gap = pvog.profile(small, key).gap.frame
        assert gap["leika_key"].tolist() == expected, key
        assert set(gap["peers"]) <= {2}
    gap = pvog.profile(small, UNTERFELD).gap.frame.set_index("leika_key")
    assert gap.loc["99000000000102", "offering"] == 2 and gap.loc["99000000000102", "share_pct"] == 100.0
    assert PVOG_ATTRIBUTION in pvog.profile(small, UNTERFELD).gap.attribution
    # no snapshot of its own (München's peers: none; Stuttgart: press only) -> no gap list
    assert pvog.profile(small, STUTTGART).gap.frame.empty and not pvog.profile(small, STUTTGART).has_snapshot


def test_a_build_without_pvog_views_says_so(small: data.Db) -> None:
    assert pvog.available(small)
