"""Shared fixtures: the real source files (the mirror, $DIGITALMONITOR_MIRROR, default ../shared/data), one database
built from them per session, and a Streamlit server on it. The ETL is imported only by the fixtures that build,
so tests that need no build (tests/fast) run without the mirror."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from devtools.browser import streamlit_server

if TYPE_CHECKING:
    from app.data import Db
    from app.exports import Provenance
    from etl.build import BuildReport

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()
MIRROR_ENV = "DIGITALMONITOR_MIRROR"
# builds the tests start through the command line write no open-data release (about 3 s and a release/ folder
# each); tests/test_release.py asks for it with BuildOptions(release=True)
os.environ.setdefault("DIGITALMONITOR_RELEASE", "0")


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The mirror of official files ($DIGITALMONITOR_MIRROR, default ../shared/data beside the checkout)."""
    folder = Path(os.environ.get(MIRROR_ENV) or SHARED_DATA).resolve()
    if not folder.is_dir():
        pytest.fail(f"no mirror of the source files at {folder} (set {MIRROR_ENV})")
    return folder


@pytest.fixture(scope="session")
def build_report(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> BuildReport:
    """One full build (with demo data) from the mirror, shared by all tests of the session."""
    from etl.build import run_build
    from etl.context import BuildOptions

    folder = tmp_path_factory.mktemp("db")
    return run_build(BuildOptions(db=folder / "digitalmonitor.duckdb", mirror=mirror, demo=True))


@pytest.fixture(scope="session")
def real_build_report(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> BuildReport:
    """One build as DEMO=0 makes it (real sources only), shared by the tests that read it and never change it."""
    from etl.build import run_build
    from etl.context import BuildOptions

    folder = tmp_path_factory.mktemp("real_build")
    return run_build(BuildOptions(db=folder / "dm.duckdb", mirror=mirror, demo=False, reports_dir=folder / "r"))


@pytest.fixture(scope="session")
def pvog_db_path(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """One build with the Open-PVOG fixture days fetched from a local server (tests/pvog_support.py), shared by
    the page and browser tests of the federal measures; the published path."""
    from pvog_support import build_with_pvog

    return build_with_pvog(tmp_path_factory.mktemp("pvog_build"), mirror)


@pytest.fixture(scope="session")
def db_path(build_report: BuildReport) -> Path:
    """The published (symlinked) database path of the session build."""
    return build_report.published


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the session build, closed after the test."""
    connection = duckdb.connect(str(db_path.resolve()), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="session")
def app_url(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard's server (`streamlit run app_server.py`, as scripts/run.sh starts it) on a free port against the
    session build; terminated at the end."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server(ROOT / "dashboard.py", {"DIGITALMONITOR_DB": str(db_path)}, log) as url:
        yield url


@pytest.fixture
def app_db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the dashboard's data access at the session build."""
    monkeypatch.setenv("DIGITALMONITOR_DB", str(db_path))
    return db_path


@pytest.fixture
def build(app_db: Path) -> Db:
    """The session build as the dashboard sees it (DIGITALMONITOR_DB points at it for the test)."""
    from app import data

    return data.current()


@pytest.fixture
def prov(build: Db) -> Provenance:
    """Provenance of the session build (stands, sources, licences) as downloads and captions use it."""
    from app import data, exports

    return exports.provenance_from(data.build_info(build), data.source_table(build))


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault(MIRROR_ENV, str(SHARED_DATA))
