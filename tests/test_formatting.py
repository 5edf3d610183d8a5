"""German display formats: numbers as 1.234,5, dates as 29.07.2021 (or month/year when that is all we know)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.formatting import day, euro, number, percent


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234.5, 1, "1.234,5"), (0, 0, "0"), (-1234567.891, 2, "-1.234.567,89"), (529508, 0, "529.508"),
    (None, 0, "–"), (float("nan"), 1, "–"), (pd.NA, 0, "–"),
])
def test_number(value: object, decimals: int, expected: str) -> None:
    assert number(value, decimals) == expected


def test_euro_and_percent() -> None:
    assert euro(42680000) == "42.680.000 €"
    assert percent(0.9) == "90,0 %"
    assert percent(None) == "–"


@pytest.mark.parametrize(("value", "precision", "expected"), [
    (date(2021, 7, 29), "day", "29.07.2021"), ("2023-02-06", "day", "06.02.2023"),
    (pd.Timestamp("2021-07-01"), "month", "Juli 2021"), (date(2021, 1, 1), "year", "2021"),
    (pd.NaT, "day", "–"), (None, "month", "–"),
])
def test_day(value: object, precision: str, expected: str) -> None:
    assert day(value, precision) == expected


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_number_round_trips_through_german_parsing(value: int) -> None:
    text = number(value)
    assert int(text.replace(".", "")) == value


def test_localized_tables_keep_numbers_numeric_rounded_and_years_plain() -> None:
    """The large tables (Karte: 11,000 rows) go without a Styler: numbers stay numbers (sorting), rounded to
    their decimals, shown in the browser's language; years without a thousands separator."""
    from app.ui.tables import localized

    frame = pd.DataFrame({"Name": ["A", "B"], "Einwohner": [1234.4, 98765.6], "je 10.000": [1.26, 12.34],
                          "Jahr": [2021, 2023], "Demodaten": [True, False]})
    shown, config = localized(frame, {"je 10.000": 1})
    assert shown["Einwohner"].tolist() == [1234, 98766] and str(shown["Einwohner"].dtype) == "Int64"
    assert shown["je 10.000"].tolist() == [1.3, 12.3]
    assert config["Einwohner"]["type_config"]["format"] == "localized"
    assert config["Jahr"]["type_config"]["format"] == "%d"
    assert set(config) == {"Einwohner", "je 10.000", "Jahr"}  # text and flags keep their own columns
    assert frame["Einwohner"].tolist() == [1234.4, 98765.6]  # the input is not changed
    _, config = localized(frame, options={"Einwohner": {"width": 120, "format": "%+d"}})
    assert config["Einwohner"]["width"] == 120 and config["Einwohner"]["type_config"]["format"] == "%+d"
