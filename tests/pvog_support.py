"""A real build with Open-PVOG data for the page and browser tests: the hand-written fixtures of tests/fixtures/pvog
served by the local test server, fetched on two days with `etl fetch pvog` (Nürnberg through 413 + JSON pages,
Kolbermoor's drop held back), then a full build from the mirror."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from fixtures.pvog.server import PvogServer
from test_pvog_fetch import BAD_AIBLING, FAST, NUERNBERG, fixture, region_csv

KOLBERMOOR = "091870150150"
ROSENHEIM = "09187"
DAY1, DAY2 = date(2026, 6, 1), date(2026, 7, 1)


@contextmanager
def cache_env(folder: Path) -> Iterator[None]:
    """DIGITALMONITOR_PVOG_DIR set to `folder` for the block, the previous value restored after it."""
    from etl.sources.pvog import cache

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(folder))
        yield


def fetch_fixture_days(cache_dir: Path) -> None:
    """Two complete fetches into `cache_dir` (DIGITALMONITOR_PVOG_DIR is set to it for the fetch)."""
    from etl.sources.pvog.fetch import FetchOptions, run_fetch

    srv = PvogServer()
    for ars, name in (("000000000000", "bund_semikolon.csv"), ("090000000000", "bayern_komma.csv"),
                      ("091870000000", "lk_rosenheim_semikolon.csv"), (BAD_AIBLING, "bad_aibling_mit_fehlern.csv")):
        srv.add(ars, fixture(name))
    for ars in ("091000000000", "095000000000", NUERNBERG):
        srv.add(ars, region_csv(ars, 1))
    srv.pages[NUERNBERG] = [fixture("nuernberg_seite0.json"), fixture("nuernberg_seite1.json")]
    srv.scripts[NUERNBERG] = ["413"]
    srv.add(KOLBERMOOR, region_csv(KOLBERMOOR, 50, ","))
    srv.start()
    try:
        with cache_env(cache_dir):
            opts = FetchOptions(base_url=srv.url, ars=(BAD_AIBLING, KOLBERMOOR, NUERNBERG), policy=FAST)
            assert run_fetch(opts, today=DAY1).complete
            srv.add(KOLBERMOOR, region_csv(KOLBERMOOR, 30, ","))
            srv.scripts[NUERNBERG] = ["ok"]
            assert run_fetch(opts, today=DAY2).complete
    finally:
        srv.stop()


def build_with_pvog(folder: Path, mirror: Path) -> Path:
    """Fetch the fixtures into `folder/pvog` and build (with demo data) into `folder/db`; the published path."""
    from etl.build import run_build
    from etl.context import BuildOptions

    fetch_fixture_days(folder / "pvog")
    with cache_env(folder / "pvog"):
        report = run_build(BuildOptions(db=folder / "db" / "digitalmonitor.duckdb", mirror=mirror, demo=True))
    return report.published
