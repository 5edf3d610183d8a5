"""The second-pass press facts (SOURCES.md §7) in a real build: awards, grants, both count measures, Bitkom
indices; names resolved with their context, unresolved names reported, German notes only."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from etl.keys import RegionIndex
from etl.sources import press_facts
from etl.sources.press_names import PressNames

FIRST_SEVEN = {"095640000000", "097610000000", "092630000000", "093610000000", "091610000000", "094610000000",
               "096730141141"}
ENGLISH = re.compile(r"\b(the|of|and|awardee|awarded|article|round|reported|stated|excerpt|first|same|"
                     r"ceremony|per|before|key|digits|launch|handed|confirmed)\b", re.IGNORECASE)


def test_awards_from_both_passes_one_per_authority(con: duckdb.DuckDBPyConnection) -> None:
    awards, authorities = con.execute("""
        SELECT count(*), count(DISTINCT ars) FROM certification
        WHERE NOT is_demo AND kind = 'Digitales Amt'""").fetchone()
    assert awards >= 67 and authorities >= 65
    assert awards == authorities  # one fact per authority and event


def test_meets_the_criterion_rows_are_kept_apart(con: duckdb.DuckDBPyConnection) -> None:
    apart = {r[0] for r in con.execute("SELECT ars FROM certification_criterion").fetchall()}
    # Gauting, Gilching, Seefeld, Starnberg (Landkreis Starnberg): said to meet the criterion, no award reported
    assert apart == {"091880120120", "091880121121", "091880132132", "091880139139"}
    real = {r[0] for r in con.execute("SELECT ars FROM certification WHERE NOT is_demo").fetchall()}
    assert not apart & real


def test_first_seven_awards_dated_28_july_2021_to_the_day(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""SELECT ars, awarded_on, awarded_on_precision FROM certification
                          WHERE NOT is_demo AND awarded_on < DATE '2021-08-01'
                            AND awarded_on_precision IN ('day', 'month')""").fetchall()
    assert {r[0] for r in rows} == FIRST_SEVEN
    assert {(r[1], r[2]) for r in rows} == {(date(2021, 7, 28), "day")}


def test_at_least_46_individual_grants_and_group_totals_as_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    grants = con.execute("SELECT count(*), count(DISTINCT ars) FROM funding_grant WHERE NOT is_demo").fetchone()
    assert grants[0] >= 46 and grants[0] == grants[1]
    # the group totals ("17 recipients in Mittelfranken, > 170 k€", three towns together 42,700 €) are no grants
    big = con.execute("SELECT count(*) FROM funding_grant WHERE NOT is_demo AND amount_eur >= 42700").fetchone()
    assert big == (0,)
    facts = [r[0] for r in con.execute("SELECT fact FROM milestone WHERE fact LIKE 'Förderbescheide zusammen%'")
             .fetchall()]
    assert len(facts) == 2 and any("Mittelfranken" in f for f in facts)


def test_two_count_measures_never_mixed(con: duckdb.DuckDBPyConnection) -> None:
    # BayernPortal count (the basis of Digitales Amt): Erlangen 339 on 18.01.2024
    assert con.execute("""SELECT total, as_of_precision FROM procedure_snapshot
                          WHERE NOT is_demo AND ars = '095620000000' AND as_of = DATE '2024-01-18'""").fetchone() \
        == (339, "day")
    # federal 'flächendeckend' count: Augsburg 1783 (June 2025) in pvog_available, never in procedure_snapshot
    assert con.execute("SELECT available, as_of, as_of_precision FROM pvog_available WHERE ars = '097610000000' "
                       "AND as_of = DATE '2025-06-01'").fetchone() == (1783, date(2025, 6, 1), "month")
    assert con.execute("SELECT max(total) FROM procedure_snapshot WHERE NOT is_demo").fetchone()[0] < 1000
    assert con.execute("SELECT count(*) FROM pvog_available WHERE ars = '09'").fetchone()[0] >= 1  # Bayern, Land


def test_notes_are_german_or_empty(con: duckdb.DuckDBPyConnection) -> None:
    for table, column in (("certification", "note"), ("funding_grant", "purpose"), ("milestone", "note"),
                          ("milestone", "fact"), ("pvog_available", "note"), ("certification_criterion", "note")):
        notes = [r[0] for r in con.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608 - fixed names
            + (" AND NOT is_demo" if table != "milestone" else "")).fetchall()]
        english = [n for n in notes if ENGLISH.search(re.sub(r"https?://\S+", "", n))]
        assert not english, (table, english[:3])


def test_bitkom_context_tables(con: duckdb.DuckDBPyConnection) -> None:
    states = con.execute("SELECT count(*), min(rank), max(rank) FROM bitkom_laenderindex WHERE year = 2024").fetchone()
    assert states == (16, 1, 16)
    assert con.execute("SELECT state_ars, score FROM bitkom_laenderindex WHERE rank = 1").fetchone() == ("02", 73.5)
    top = con.execute("""SELECT ars, score FROM smart_city_index
                         WHERE year = 2024 AND category = 'Gesamt' AND rank = 1""").fetchone()
    assert top == ("091620000000", 88.3)  # München
    assert con.execute("SELECT count(*) FROM smart_city_index WHERE source_url NOT LIKE 'https://%'").fetchone() == (0,)


def test_all_names_resolved_and_the_summary_says_so(con: duckdb.DuckDBPyConnection) -> None:
    notes = dict(con.execute("SELECT source, note FROM load_log WHERE step = 'press'").fetchall())
    for name in ("digitales_amt_awards_press.csv", "digitales_rathaus_grants_press.csv",
                 "bitkom_smart_city_index_press.csv"):
        assert "alle Namen aufgelöst" in notes[name]


def test_an_unknown_name_is_listed_not_dropped(con: duckdb.DuckDBPyConnection) -> None:
    regions = con.execute("SELECT * FROM region").df()
    names = PressNames(RegionIndex(regions), dict(zip(regions["ars"], regions["population"], strict=True)))
    row = {"entity_name": "Gemeinde Nirgendwo", "entity_type": "Gemeinde", "landkreis_or_region": "LK Bamberg",
           "award_date": "2022-01-10", "date_precision": "day", "online_procedures_at_award": "",
           "source_url": "https://example.org/", "evidence_note": ""}
    known = {**row, "entity_name": "Gemeinde Litzendorf"}
    facts = press_facts.awards([row, known], names, lambda _u: "test", con)
    assert [(n, name) for n, name, _reason in facts.unresolved] == [(2, "Gemeinde Nirgendwo")]
    assert "nicht gefunden" in facts.unresolved[0][2]
    assert isinstance(facts.merged, pd.DataFrame) and "094710155155" in set(facts.merged["ars"])


def test_press_files_are_read_from_the_mirror_not_copied(mirror: Path) -> None:
    project = Path(__file__).resolve().parent.parent
    for path in (mirror / "compiled_from_press").glob("*.csv"):
        for folder in ("etl", "data", "tests"):
            assert not list((project / folder).glob(f"**/{path.name}")), path.name
