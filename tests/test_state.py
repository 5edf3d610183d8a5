"""URL <-> view state (app/state.py): parsing with fallbacks, lists, round trips."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import state

LEVEL = state.Param("ebene", "k_ebene", "municipality", choices=("municipality", "district", "state"))
LAND = state.Param("land", "k_land", "09", pattern=state.STATE_KEY)
CLASSES = state.Param("klassen", "k_klassen", 5, choices=(3, 4, 5, 6, 7), cast=int)
REGION = state.Param("ars", "p_ars", None, pattern=state.REGION_KEY)
COMPARE = state.Param("vergleich", "p_vergleich", (), pattern=state.REGION_KEY, many=True, max_items=4)
PARAMS = (LEVEL, LAND, CLASSES, REGION, COMPARE)


def test_valid_values_are_taken() -> None:
    assert LEVEL.parse("district") == "district"
    assert LAND.parse("08") == "08"
    assert CLASSES.parse("7") == 7
    assert REGION.parse("094745426119") == "094745426119"
    assert REGION.parse(" 09474 ") == "09474"


def test_invalid_or_missing_values_fall_back_to_the_default() -> None:
    assert LEVEL.parse("gemeinde; DROP TABLE region") == "municipality"
    assert LEVEL.parse(None) == "municipality"
    assert LEVEL.parse("") == "municipality"
    assert LAND.parse("9") == "09" and LAND.parse("0x") == "09" and LAND.parse("091") == "09"
    assert CLASSES.parse("12") == 5 and CLASSES.parse("fünf") == 5 and CLASSES.parse("4.5") == 5
    assert REGION.parse("0947452611") is None            # ten digits: no level has that length
    assert REGION.parse("x" * 5000) is None


def test_the_last_valid_occurrence_wins() -> None:
    assert LEVEL.parse(["district", "state"]) == "state"
    assert LEVEL.parse(["district", "nonsense"]) == "district"


def test_lists_drop_invalid_and_duplicate_items_and_are_capped() -> None:
    raw = ["09474", "bad", "09474", "094745426119", "08", "09", "091", "09162"]
    assert COMPARE.parse(raw) == ["09474", "094745426119", "08", "09"]
    assert COMPARE.parse("09474") == ["09474"]
    assert COMPARE.parse(None) == []
    assert COMPARE.parse([]) == []


def test_to_url_leaves_out_empty_values() -> None:
    assert REGION.to_url(None) is None
    assert LAND.to_url("") is None
    assert CLASSES.to_url(5) == "5"
    assert COMPARE.to_url([]) is None
    assert COMPARE.to_url(["09474", "08"]) == ["09474", "08"]


def test_round_trip_of_a_whole_view() -> None:
    values = {"k_ebene": "state", "k_land": "08", "k_klassen": 3, "p_ars": "094745426", "p_vergleich": ["09", "08"]}
    query = state.to_query(PARAMS, values)
    assert query == {"ebene": "state", "land": "08", "klassen": "3", "ars": "094745426", "vergleich": ["09", "08"]}
    assert state.parse_all(PARAMS, query) == values


def test_an_empty_query_gives_the_defaults() -> None:
    assert state.parse_all(PARAMS, {}) == {"k_ebene": "municipality", "k_land": "09", "k_klassen": 5,
                                           "p_ars": None, "p_vergleich": []}


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["ebene", "land", "klassen", "ars", "vergleich", "other"]),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=15), max_size=6))))
def test_any_query_parses_to_allowed_values(query: dict) -> None:
    values = state.parse_all(PARAMS, query)
    assert values["k_ebene"] in LEVEL.choices
    assert values["k_klassen"] in CLASSES.choices
    assert len(values["k_land"]) == 2 and values["k_land"].isdigit()
    assert values["p_ars"] is None or len(values["p_ars"]) in (2, 3, 5, 9, 12)
    assert len(values["p_vergleich"]) <= 4
    # what parses also survives a round trip through the URL unchanged
    assert state.parse_all(PARAMS, state.to_query(PARAMS, values)) == values


def test_any_demo() -> None:
    assert not state.any_demo()
    assert not state.any_demo(None, pd.DataFrame({"x": [1]}), pd.DataFrame({"is_demo": [False, None]}))
    assert state.any_demo(pd.DataFrame({"is_demo": [False]}), pd.DataFrame({"is_demo": [None, True]}))
    assert not state.any_demo(pd.DataFrame({"is_demo": pd.Series([], dtype=bool)}))
