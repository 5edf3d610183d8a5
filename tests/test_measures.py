"""The measure catalogue (core/measures.py) and the SQL behind it agree: every measure a map level offers has its
value, demo and inherited expressions there, every fact table is an allow-listed one, and the pages' choices
come from the catalogue."""

from __future__ import annotations

import pytest

from app.data.map import MAP_LEVELS, level_family
from app.data.map_sql import MEASURE_SQL
from core.measures import (
    ALL_MAP_LEVELS,
    CERTIFICATION_RULES,
    FACT_TABLES,
    MAP_MEASURES,
    MEASURES,
    RANK_MEASURES,
    measure,
    on_level,
)


def test_every_measure_a_level_offers_has_its_sql() -> None:
    assert set(MAP_LEVELS) == set(ALL_MAP_LEVELS)
    for level in ALL_MAP_LEVELS:
        assert on_level(level), level
        assert set(on_level(level)) == set(MEASURE_SQL[level_family(level)]), level


def test_records_are_consistent() -> None:
    for key, spec in MEASURES.items():
        assert spec.key == key and spec.label
        assert set(spec.facts) <= {*FACT_TABLES, CERTIFICATION_RULES}, key
        assert spec.decimals >= 0
        assert not spec.categories or not spec.unit, key  # a category has no unit
    assert set(RANK_MEASURES) <= set(MAP_MEASURES)
    assert all(MEASURES[key].facts for key in RANK_MEASURES)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown measure"):
        measure("'; DROP TABLE region; --")
    with pytest.raises(ValueError, match="unknown map level"):
        on_level("gov_district")


def test_fewer_is_better_ranks_the_smallest_first() -> None:
    assert measure("distance").ascending and not measure("total").ascending
    assert measure("total_per_10k").column == "Online-Verfahren je 10.000 Einwohner (je 10.000 Einw.)"
    assert measure("population").kinds == ("register",)
