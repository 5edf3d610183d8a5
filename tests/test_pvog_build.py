"""`fetch pvog` from a local HTTP server on two days, then a real build: what is published in the pvog_* tables
(counts, history, a held-back drop, rejects, provenance), and a build without any PVOG files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from pvog_support import KOLBERMOOR, cache_env, fetch_fixture_days
from test_pvog_fetch import BAD_AIBLING, NUERNBERG

from etl.build import run_build
from etl.context import BuildOptions
from etl.sources.pvog import cache
from etl.sources.pvog.snapshots import select


@pytest.fixture(scope="module")
def pvog_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("pvog")
    with cache_env(folder):
        yield folder


@pytest.fixture(scope="module")
def fetched(pvog_dir: Path) -> Path:
    """Day 1: three regions with their parents (Nürnberg through JSON pages). Day 2: Kolbermoor lost 20 of 50
    services (held back)."""
    fetch_fixture_days(pvog_dir)
    return pvog_dir


@pytest.fixture(scope="module")
def pvog_db(pvog_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The session's build with the same two fixture days (tests/pvog_support.py; its demo data writes no
    pvog_* rows)."""
    con = duckdb.connect(str(pvog_db_path.resolve()), read_only=True)
    yield con
    con.close()


def test_counts_own_available_working(pvog_db: duckdb.DuckDBPyConnection) -> None:
    rows = pvog_db.execute("SELECT ars, fetch_date::VARCHAR, as_of::VARCHAR, own, own_not_working, available, "
                           "is_current FROM pvog_count WHERE ars IN ($a, $n) ORDER BY ars, fetch_date",
                           {"a": BAD_AIBLING, "n": NUERNBERG}).fetchall()
    # own: Hund, Jagd; not working: Gewerbe; available adds Kreis (Führerschein, Kfz), Land (Fischerei; Jagd and
    # Führerschein already counted) and Bund (Elterngeld, BAföG) — not the Land's pilot nor the Bund's
    # 'landesweit' row, nor the test row 'nicht in Auswertung berücksichtigt'
    assert rows == [
        (BAD_AIBLING, "2026-06-01", "2025-06-01", 2, 1, 7, False),
        (BAD_AIBLING, "2026-07-01", "2025-06-01", 2, 1, 7, True),
        (NUERNBERG, "2026-06-01", "2026-06-01", 2, 1, 7, False),   # JSON pages: no datenstand, fetch date
        (NUERNBERG, "2026-07-01", "2026-07-01", 1, 0, 6, True),    # CSV export of day 2: one service
    ]
    (bund,) = pvog_db.execute("SELECT own FROM pvog_count WHERE ars = 'DE' AND is_current").fetchone()
    assert bund == 3  # Elterngeld, BAföG, Führerschein (ok, counted); the test row is not
    (rlk,) = pvog_db.execute("SELECT own FROM pvog_count WHERE ars = '09187' AND is_current").fetchone()
    assert rlk == 3


def test_drop_is_held_back(pvog_db: duckdb.DuckDBPyConnection) -> None:
    snaps = pvog_db.execute("SELECT fetch_date::VARCHAR, services, status FROM pvog_snapshot WHERE ars = $k "
                            "ORDER BY fetch_date", {"k": KOLBERMOOR}).fetchall()
    assert snaps == [("2026-06-01", 50, "current"), ("2026-07-01", 30, "held_back")]
    assert pvog_db.execute("SELECT own FROM pvog_count WHERE ars = $k AND is_current",
                           {"k": KOLBERMOOR}).fetchone() == (50,)
    (n,) = pvog_db.execute("SELECT count(*) FROM pvog_service WHERE ars = $k", {"k": KOLBERMOOR}).fetchone()
    assert n == 50  # the held-back rows are not loaded


def test_accept_drop_takes_the_new_snapshot(fetched: Path) -> None:
    fetches = cache.scan([fetched])
    fetches["2026-07-01"].manifest["accept_drop"] = True
    snaps = select(fetches).snapshots
    assert snaps.loc[snaps["ars12"].eq(KOLBERMOOR), "status"].tolist() == ["accepted", "accepted"]


def test_rejects_themenfeld_and_provenance(pvog_db: duckdb.DuckDBPyConnection) -> None:
    reasons = [r for (r,) in pvog_db.execute(
        "SELECT reason FROM reject WHERE file = $f ORDER BY row_number", {"f": f"pvog_{BAD_AIBLING}_2026-07-01.csv"}
    ).fetchall()]
    assert reasons == ["leika_key nicht 14 Ziffern", "online_status nicht 'ok' oder 'nicht ok'",
                       "ARS 999999999999 nicht im Gemeindeverzeichnis", "3 statt 9 Felder"]
    ozg, topic = pvog_db.execute("SELECT ozg_id, themenfeld FROM pvog_service WHERE ars = $a AND is_current "
                                 "AND leika_key = '99041006017000'", {"a": BAD_AIBLING}).fetchone()
    assert ozg == "10000" and topic  # LeiKa -> OZG 10000 (Elterngeld) -> Lebenslage Geburt -> its Themenfeld
    src = pvog_db.execute("SELECT url, sha256, kind, is_demo, retrieved_at::DATE::VARCHAR FROM source "
                          "WHERE source_id = $s", {"s": f"pvog:pvog_{BAD_AIBLING}_2026-07-01.csv"}).fetchone()
    assert src[0].endswith(f"/public/v1/dash/open-pvog/{BAD_AIBLING}/export") and len(src[1]) == 64
    assert src[2:] == ("pvog", False, "2026-07-01")
    assert pvog_db.execute("SELECT count(*) FROM pvog_service WHERE is_demo").fetchone() == (0,)
    topics = pvog_db.execute("SELECT sum(own) FROM pvog_count_topic WHERE ars = $a AND is_current",
                             {"a": BAD_AIBLING}).fetchone()
    assert topics == (2,)


def test_build_without_pvog_files(tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "leer"))
    report = run_build(BuildOptions(db=tmp_path / "db" / "digitalmonitor.duckdb", mirror=mirror))
    con = duckdb.connect(str(report.published.resolve()), read_only=True)
    try:
        for table in ("pvog_service", "pvog_count", "pvog_snapshot", "pvog_count_topic"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608 - fixed names
        (note,) = con.execute("SELECT note FROM load_log WHERE step = 'pvog'").fetchone()
        assert note == "keine PVOG-Daten"
        assert con.execute("SELECT count(*) FROM region").fetchone()[0] > 10000
    finally:
        con.close()


def test_services_peers_offer_and_a_municipality_does_not(pvog_db: duckdb.DuckDBPyConnection) -> None:
    """Bad Aibling and Kolbermoor are the Bavarian group 5.000 bis unter 20.000: each is the other's one peer."""
    (peers,) = pvog_db.execute("SELECT DISTINCT peers FROM pvog_peer_service WHERE state_ars = '09' "
                               "AND size_class = '5.000 bis unter 20.000'").fetchone()
    assert peers == 2
    missing = pvog_db.execute(
        "SELECT g.leika_key FROM pvog_peer_service g JOIN region r ON r.ars = $a AND g.state_ars = r.state_ars "
        "AND g.size_class = '5.000 bis unter 20.000' WHERE g.leika_key NOT IN (SELECT leika_key FROM pvog_service "
        "WHERE ars = $a AND is_current AND online_status = 'ok') ORDER BY 1", {"a": BAD_AIBLING}).fetchall()
    assert len(missing) == 50 and missing[0] == ("99000000000000",)  # Kolbermoor's 50, not its own two
    assert pvog_db.execute("SELECT count(*) FROM pvog_peer_service WHERE state_ars = '09' AND size_class = "
                           "'100.000 und mehr'").fetchone() == (0,)  # Nürnberg alone: no peers
