"""The ETL command line, run as a user runs it: `python -m etl …` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl.build import BuildReport
from etl.sources.registry import ALL_SOURCES

ROOT = Path(__file__).resolve().parent.parent


def etl(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": str(columns), "TERM": "dumb"}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "expected"), [
    ((), ["build", "sources", "info"]),
    (("build",), ["--mirror", "--db", "--demo", "--import", "DIGITALMONITOR_MIRROR", "DIGITALMONITOR_DB"]),
    (("sources",), ["official sources"]),
    (("info",), ["--db", "DIGITALMONITOR_DB"]),
])
def test_help_exits_zero_and_names_the_options(args: tuple[str, ...], expected: list[str]) -> None:
    result = etl(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: python -m etl" in result.stdout
    for word in [*expected, "--help"]:
        assert word in result.stdout, word


def test_sources_lists_every_source_with_url_and_attribution() -> None:
    result = etl("sources", columns=2000)
    assert result.returncode == 0, result.stderr
    for spec in ALL_SOURCES:
        for value in (spec.id, spec.url, spec.licence, spec.attribution):
            assert value in result.stdout, value


def test_sources_in_a_narrow_terminal_wraps_but_never_cuts() -> None:
    result = etl("sources", columns=100)
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert "vg5000_01-01.gk3.shape.ebenen.zip" in "".join(
        line.split("│")[3].strip() for line in result.stdout.splitlines() if line.count("│") == 7)


def test_info_shows_the_published_build(build_report: BuildReport) -> None:
    result = etl("info", "--db", str(build_report.published))
    assert result.returncode == 0, result.stderr
    assert build_report.build_id in result.stdout
    assert "region: 12601" in result.stdout
    assert "shape_file: 5" in result.stdout


def test_info_without_a_database_says_so(tmp_path: Path) -> None:
    result = etl("info", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1
    assert "Keine Datenbank" in " ".join(result.stderr.split())
