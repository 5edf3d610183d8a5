"""The change list of a release on a small hand-made database: every kind of change (awards, grants, Open-PVOG
services, counts) against a previous release's Parquet files, demo rows left out, nothing listed for the first
release. Fast: no build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import feedparser
import pytest

from etl.release import feed
from etl.release.changes import compute

SCHEMA = """
CREATE TABLE region (ars VARCHAR, display_name VARCHAR);
CREATE TABLE certification (ars VARCHAR, kind VARCHAR, awarded_on DATE, source_url VARCHAR, is_demo BOOLEAN);
CREATE TABLE funding_grant (grant_id VARCHAR, ars VARCHAR, program_id VARCHAR, amount_eur DOUBLE, approved_on DATE,
                            source_url VARCHAR, is_demo BOOLEAN);
CREATE TABLE pvog_service (ars VARCHAR, leika_key VARCHAR, leika_name VARCHAR, online_status VARCHAR,
                           is_current BOOLEAN, as_of DATE, url VARCHAR, is_demo BOOLEAN);
CREATE TABLE v_procedures_latest (ars VARCHAR, total INTEGER, as_of DATE, source_url VARCHAR, is_demo BOOLEAN);
INSERT INTO region VALUES ('09564', 'Nürnberg'), ('09162', 'München'), ('09362', 'Regensburg');
"""


def _state(con: duckdb.DuckDBPyConnection, *, award: str, grant: str, service: str, count: int) -> None:
    for table in ("certification", "funding_grant", "pvog_service", "v_procedures_latest"):
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    con.execute("INSERT INTO certification VALUES ($a, 'Digitales Amt', DATE '2023-01-02', 'https://x/a', false), "
                "('09162', 'Digitales Amt', DATE '2024-01-01', NULL, true)", {"a": award})
    con.execute("INSERT INTO funding_grant VALUES ($g, '09564', 'digitales_rathaus', 1000.4, DATE '2023-03-01', NULL, "
                "false), ('demo-1', '09162', 'digitales_rathaus', 5, DATE '2023-03-01', NULL, true)", {"g": grant})
    con.execute("INSERT INTO pvog_service VALUES ('09564', 'L1', 'Hundesteuer', 'ok', true, DATE '2024-01-01', NULL, "
                "false), ('09564', $s, 'Wohngeld', 'ok', true, DATE '2024-01-01', NULL, false)", {"s": service})
    con.execute("INSERT INTO v_procedures_latest VALUES ('09564', $n, DATE '2024-01-18', NULL, false), "
                "('09162', 99, DATE '2024-01-18', NULL, true)", {"n": count})


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A previous release: Parquet files written from the old state (real rows only, as a release holds)."""
    con = duckdb.connect()
    con.execute(SCHEMA)
    _state(con, award="09564", grant="g-old", service="L2", count=290)
    folder = tmp_path / "previous"
    (folder / "parquet").mkdir(parents=True)
    for table in ("certification", "funding_grant", "pvog_service", "v_procedures_latest"):
        con.execute(f"COPY (SELECT * FROM {table} WHERE NOT is_demo) TO '{folder}/parquet/{table}.parquet'")  # noqa: S608
    con.close()
    return folder


def test_every_kind_of_change_is_listed_once(previous: Path) -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    _state(con, award="09362", grant="g-new", service="L3", count=301)
    changes = compute(con, previous, with_demo=False)
    listed = sorted(zip(changes["change"], changes["name"], changes["subject"], changes["before"].fillna(""),
                        changes["after"].fillna(""), strict=True))
    assert listed == sorted([
        ("neue Auszeichnung", "Regensburg", "Digitales Amt", "", "02.01.2023"),
        ("Auszeichnung entfernt", "Nürnberg", "Digitales Amt", "02.01.2023", ""),
        ("neue Förderung", "Nürnberg", "digitales_rathaus g-new", "", "1.000 €"),
        ("Förderung entfernt", "Nürnberg", "digitales_rathaus g-old", "1.000 €", ""),
        ("Leistung online", "Nürnberg", "L3 Wohngeld", "", "online"),
        ("Leistung nicht mehr online", "Nürnberg", "L2 Wohngeld", "online", ""),
        ("Zahl der Online-Verfahren geändert", "Nürnberg", "Online-Verfahren", "290", "301"),
    ])
    assert compute(con, previous, with_demo=False).equals(changes)  # deterministic order


def test_no_changes_without_a_difference_or_a_previous_release(previous: Path) -> None:
    con = duckdb.connect()
    con.execute(SCHEMA)
    _state(con, award="09564", grant="g-old", service="L2", count=290)
    assert compute(con, previous, with_demo=False).empty
    assert compute(con, None, with_demo=False).empty


def test_feed_carries_the_earlier_entries_and_escapes(previous: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(feed.PUBLIC_URL_ENV, "https://dm.example.org/")
    con = duckdb.connect()
    con.execute(SCHEMA)
    con.execute("UPDATE region SET display_name = 'Nürnberg <b>&</b>' WHERE ars = '09564'")
    _state(con, award="09362", grant="g-old", service="L2", count=290)
    first = compute(con, previous, with_demo=False)
    feed.write(previous, "20240101T000000Z-aaaaaa", "2024-01-01T00:00:00+00:00", first)
    _state(con, award="09362", grant="g-old", service="L2", count=301)
    second = compute(con, previous, with_demo=False)
    new = tmp_path / "new"
    new.mkdir()
    feed.write(new, "20240201T000000Z-bbbbbb", "2024-02-01T00:00:00+00:00", second, previous)
    parsed = feedparser.parse((new / "feed.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(first) + len(second) == 5
    assert parsed.entries[0].id.startswith("https://dm.example.org/app/static/release/20240201T000000Z-bbbbbb/")
    assert parsed.entries[-1].id.startswith("https://dm.example.org/app/static/release/20240101T000000Z-aaaaaa/")
    assert any("Nürnberg <b>&</b>" in e.title for e in parsed.entries)
