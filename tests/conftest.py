"""Shared fixtures: the real source files in ../shared/data and one database built from them per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from devtools.browser import streamlit_server
from etl.build import BuildReport, run_build
from etl.context import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The mirror of official files beside the checkout (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"../shared/data not found beside the checkout (looked in {SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def build_report(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> BuildReport:
    """One full build (with demo data) from the mirror, shared by all tests of the session."""
    folder = tmp_path_factory.mktemp("db")
    return run_build(BuildOptions(db=folder / "digitalmonitor.duckdb", mirror=mirror, demo=True))


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
    """`streamlit run dashboard.py` on a free port against the session build; terminated at the end."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server(ROOT / "dashboard.py", {"DIGITALMONITOR_DB": str(db_path)}, log) as url:
        yield url


@pytest.fixture
def app_db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the dashboard's data access at the session build."""
    monkeypatch.setenv("DIGITALMONITOR_DB", str(db_path))
    return db_path


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("DIGITALMONITOR_MIRROR", str(SHARED_DATA))
