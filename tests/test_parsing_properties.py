"""Property tests: region keys in every length and spelling resolve to the same region; German numbers
and dates survive a round trip through the ways analysts and Excel write them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from import_support import region_index, regions

from etl.german import (
    MONTH_NAMES,
    ParseError,
    PartialDate,
    format_date,
    format_number,
    parse_date,
    parse_int,
    parse_number,
    parse_rate,
)
from etl.keys import RegionIndex, UnresolvedRegion, name_key

KEY_SETTINGS = settings(max_examples=150, deadline=None)


@pytest.fixture(scope="module")
def index(mirror: Path) -> RegionIndex:
    return region_index(mirror)


@pytest.fixture(scope="module")
def samples(mirror: Path) -> dict[str, list[dict[str, object]]]:
    frame = regions(mirror)
    city_kinds = {"Kreisfreie Stadt", "Stadtkreis"}
    munis = frame[(frame["level"] == "municipality") & frame["is_municipality"]]
    return {
        "municipality": munis.to_dict("records"),
        "association": frame[frame["level"] == "association"].to_dict("records"),
        "district": frame[(frame["level"] == "district") & ~frame["kind"].isin(city_kinds)].to_dict("records"),
        "city_district": frame[(frame["level"] == "district") & frame["kind"].isin(city_kinds)
                               & (frame["ars"].str.len() == 5)].to_dict("records"),
        "gov_district": frame[frame["level"] == "gov_district"].to_dict("records"),
        "state": frame[frame["level"] == "state"].to_dict("records"),
    }


def _variants(key: str) -> list[object]:
    """How a key arrives: as text, as an Excel number without its leading zero, as '…0.0', with a quote mark."""
    out: list[object] = [key, f" {key} ", f"'{key}"]
    if key.startswith("0"):
        out += [key[1:], int(key), float(int(key)), f"{int(key)}.0"]
    return out


@KEY_SETTINGS
@given(data=st.data())
def test_municipality_keys_in_every_form(data: st.DataObject, index: RegionIndex,
                                         samples: dict[str, list[dict[str, object]]]) -> None:
    row = data.draw(st.sampled_from(samples["municipality"]))
    for key in (row["ags"], row["ars"]):
        for variant in _variants(str(key)):
            match = index.by_key(variant)
            assert match.ars == row["ars"], variant
            assert (match.kind == "repaired") == (str(variant).strip().lstrip("'") != key)


@KEY_SETTINGS
@given(data=st.data(), level=st.sampled_from(["association", "district", "gov_district", "state"]))
def test_upper_level_keys_in_every_form(data: st.DataObject, level: str, index: RegionIndex,
                                        samples: dict[str, list[dict[str, object]]]) -> None:
    row = data.draw(st.sampled_from(samples[level]))
    for variant in _variants(str(row["ars"])):
        assert index.by_key(variant).ars == row["ars"], variant


@KEY_SETTINGS
@given(data=st.data())
def test_kreisfreie_stadt_key_maps_to_its_municipality(data: st.DataObject, index: RegionIndex,
                                                       samples: dict[str, list[dict[str, object]]]) -> None:
    row = data.draw(st.sampled_from(samples["city_district"]))
    for variant in _variants(str(row["ars"])):
        match = index.by_key(variant)
        assert match.kind == "repaired"
        assert match.ars.startswith(str(row["ars"])) and len(match.ars) == 12


@settings(max_examples=200, deadline=None)
@given(key=st.text(alphabet="0123456789", min_size=1, max_size=14))
def test_any_digit_string_resolves_to_a_region_of_its_level_or_is_refused(key: str, index: RegionIndex) -> None:
    try:
        match = index.by_key(key)
    except UnresolvedRegion as exc:
        assert str(exc)
        return
    given_forms = {key, "0" + key}
    row = index.rows[match.ars]
    # the region carries the key: as its own key or prefix (a city's 5-digit key, a single-member VG), or as AGS
    assert match.ars[:len(key)] in given_forms or match.ars[:len(key) + 1] in given_forms or row["ags"] in given_forms


@KEY_SETTINGS
@given(data=st.data())
def test_register_names_find_themselves_when_unique(data: st.DataObject, index: RegionIndex,
                                                    samples: dict[str, list[dict[str, object]]]) -> None:
    row = data.draw(st.sampled_from(samples["municipality"] + samples["association"]))
    name = str(row["name"])
    spelled = data.draw(st.sampled_from([name, name.upper(), name.replace(".", ". "), f"  {name}  "]))
    same_name = [a for a in index.names[name_key(name)] if index.rows[a]["level"] != "district"
                 and (index.rows[a]["level"] != "municipality" or index.rows[a]["is_municipality"])]
    try:
        match = index.by_name(spelled, kind=None, district=str(row["ars"])[:5])
    except UnresolvedRegion as exc:
        assert len(same_name) > 1 and "mehrdeutig" in str(exc)
        return
    assert match.ars == row["ars"] and match.kind == "name_match"


# ---------------------------------------------------------------------------------------------- numbers

AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amount=AMOUNTS)
def test_german_amounts_round_trip(amount: object) -> None:
    value = float(amount)  # type: ignore[arg-type]
    german = format_number(value, 2)
    assert parse_number(german) == pytest.approx(value, abs=1e-9)
    assert parse_number(german + " €") == pytest.approx(value, abs=1e-9)
    assert parse_number(f"{value:.2f}") == pytest.approx(value, abs=1e-9)  # English, two decimals


@given(count=st.integers(min_value=0, max_value=10**9))
def test_whole_numbers_with_thousands_dots(count: int) -> None:
    assert parse_int(format_number(count, 0)) == count
    assert parse_int(str(count)) == count
    assert parse_number(count) == count


@given(count=st.integers(min_value=1000, max_value=999_999), decimal=st.sampled_from([",", "."]))
def test_three_digit_group_follows_the_column_decimal(count: int, decimal: str) -> None:
    text = f"{count // 1000}.{count % 1000:03d}"
    expected = float(count) if decimal == "," else count / 1000
    assert parse_number(text, decimal) == pytest.approx(expected)


@given(percent=st.integers(min_value=1, max_value=100))
def test_rates_as_percent_or_fraction(percent: int) -> None:
    fraction = percent / 100
    assert parse_rate(f"{percent} %") == pytest.approx(fraction)
    assert parse_rate(format_number(fraction, 2)) == pytest.approx(fraction)
    if percent > 1:
        assert parse_rate(str(percent)) == pytest.approx(fraction)


@given(text=st.text(alphabet="abcxyz+-%&", min_size=1, max_size=8))
def test_non_numbers_are_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse_number(text)


# ---------------------------------------------------------------------------------------------- dates

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@given(day=DAYS)
def test_days_round_trip(day: date) -> None:
    expected = PartialDate(day, "day")
    texts = [day.strftime("%d.%m.%Y"), f"{day.day}.{day.month}.{day.year}", day.isoformat(),
             f"{day.isoformat()} 00:00:00"]
    if day.year >= 2000:
        texts.append(day.strftime("%d.%m.%y"))  # two-digit years are read as 20xx
    for text in texts:
        assert parse_date(text) == expected, text
    assert parse_date(day) == expected
    assert parse_date(datetime(day.year, day.month, day.day)) == expected
    assert parse_date(format_date(expected)) == expected


@given(day=DAYS)
def test_months_round_trip(day: date) -> None:
    expected = PartialDate(date(day.year, day.month, 1), "month")
    name = MONTH_NAMES[day.month - 1]
    for text in (f"{name} {day.year}", f"{name[:3]}. {day.year}", f"{day.year}-{day.month:02d}",
                 f"{day.month:02d}/{day.year}", f"{day.month}/{day.year}", f"{day.month:02d}.{day.year}",
                 f"{name.lower()} {day.year}"):
        assert parse_date(text) == expected, text
    assert parse_date(format_date(expected)) == expected
    assert expected.end is not None and expected.end.month == day.month and expected.end >= day


@given(year=st.integers(min_value=1990, max_value=2099))
def test_years_round_trip(year: int) -> None:
    expected = PartialDate(date(year, 1, 1), "year")
    assert parse_date(str(year)) == parse_date(year) == expected
    assert parse_date(format_date(expected)) == expected
    assert expected.end == date(year, 12, 31)


@given(day=st.integers(min_value=29, max_value=31), month=st.integers(min_value=1, max_value=12),
       year=st.integers(min_value=1990, max_value=2099))
def test_impossible_days_are_refused(day: int, month: int, year: int) -> None:
    try:
        date(year, month, day)
    except ValueError:
        with pytest.raises(ParseError):
            parse_date(f"{day:02d}.{month:02d}.{year}")
    else:
        assert parse_date(f"{day:02d}.{month:02d}.{year}").value == date(year, month, day)
