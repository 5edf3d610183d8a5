"""Website badges (issue 17): the texts of the real facts, never a demo value (checked against the real rows of
the session build, which holds demo data), escaped SVG, and the same badges whether or not a release holds demo
rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import pytest

from core.badge import BadgeFacts, badge_svg, badge_text
from etl.build import BuildReport
from etl.release import write_release

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def releases(build_report: BuildReport, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A real-only release and a demo release of the session build (which holds demo data)."""
    real = write_release(build_report.db_file, tmp_path_factory.mktemp("real"), build_report.build_id)
    demo = write_release(build_report.db_file, tmp_path_factory.mktemp("demo"), build_report.build_id,
                         with_demo=True)
    return real.folder, demo.folder


def _index(release: Path) -> dict[str, dict[str, str]]:
    with (release / "badges" / "index.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {r["ars"]: r for r in csv.DictReader(fh, delimiter=";")}


def test_nuernberg_badge_text(releases: tuple[Path, Path]) -> None:
    row = _index(releases[0])["095640000000"]
    assert row["text"] == ("Digitales Amt seit 28.07.2021 · 290 Online-Verfahren im BayernPortal · "
                           "Stand 18.01.2024")
    assert row["alt"].startswith("Nürnberg: Digitales Amt seit 28.07.2021")
    svg = ET.parse(releases[0] / "badges" / "095640000000.svg").getroot()
    assert svg.get("role") == "img" and svg.get("aria-label") == row["alt"]
    assert svg.find(f"{SVG}title").text == row["alt"]


def test_no_demo_value_reaches_any_badge(releases: tuple[Path, Path], con: duckdb.DuckDBPyConnection) -> None:
    real, demo = releases
    index = _index(real)
    real_keys = {r[0] for r in con.execute(
        "SELECT ars FROM certification WHERE NOT is_demo AND kind = 'Digitales Amt' "
        "UNION SELECT ars FROM procedure_snapshot WHERE NOT is_demo").fetchall()}
    demo_only = {r[0] for r in con.execute(
        "SELECT ars FROM certification WHERE is_demo UNION SELECT ars FROM procedure_snapshot WHERE is_demo"
    ).fetchall()} - real_keys
    assert len(demo_only) > 100  # the session build has demo awards and counts where no real ones exist
    assert set(index) == real_keys
    assert {p.stem for p in (real / "badges").glob("*.svg")} == real_keys
    # every count shown is the newest real count, never a (newer) demo one
    newest = dict(con.execute("SELECT ars, arg_max(total, as_of) FROM procedure_snapshot WHERE NOT is_demo "
                              "GROUP BY ars").fetchall())
    for ars, row in index.items():
        if ars in newest:
            assert f"{newest[ars]:,}".replace(",", ".") + " Online-Verfahren" in row["text"], ars
    demo_counts = con.execute("SELECT p.ars, max(p.total) FROM procedure_snapshot p WHERE p.is_demo "
                              "AND p.ars IN (SELECT ars FROM procedure_snapshot WHERE NOT is_demo) GROUP BY 1"
                              ).fetchall()
    assert all(ars not in index or str(total) not in index[ars]["text"] or total == newest.get(ars)
               for ars, total in demo_counts)
    # a release with demo rows holds exactly the same badges
    assert _index(demo) == index
    for ars in index:
        assert (demo / "badges" / f"{ars}.svg").read_bytes() == (real / "badges" / f"{ars}.svg").read_bytes()


def test_badge_svg_escapes_every_text() -> None:
    facts = BadgeFacts("091", 'Bad <script>alert(1)</script> & "Co"', True, dt.date(2021, 7, 28), "day", 1234,
                       dt.date(2024, 1, 18), "day")
    svg = badge_svg(facts)
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert texts[1].startswith('Bad <script>alert(1)</script> & "Co" · Digitales Amt seit 28.07.2021')
    assert "1.234 Online-Verfahren" in badge_text(facts)


def test_badge_without_count_or_date() -> None:
    only_award = BadgeFacts("09", "X", True, None, "unknown", None, None, None)
    assert badge_text(only_award) == "Digitales Amt"
    only_count = BadgeFacts("09", "X", False, None, None, 77, dt.date(2023, 5, 1), "month")
    assert badge_text(only_count) == "77 Online-Verfahren im BayernPortal · Stand Mai 2023"


def test_a_demo_release_flags_every_resource(releases: tuple[Path, Path]) -> None:
    """Demo rows only when asked for, and then said in every resource (the real release says none)."""
    real, demo = (json.loads((r / "datapackage.json").read_text(encoding="utf-8")) for r in releases)
    assert demo["demo"] is True and demo["title"].startswith("DEMO")
    assert all(r["demo"] is True and r["title"].startswith("DEMO – ") for r in demo["resources"])
    assert real["demo"] is False and not any(r["demo"] or "DEMO" in r["title"] for r in real["resources"])
    snapshot = str(releases[1] / "parquet" / "procedure_snapshot.parquet")
    assert duckdb.execute(f"SELECT bool_or(is_demo) FROM '{snapshot}'").fetchone()[0] is True  # noqa: S608
    real_snapshot = str(releases[0] / "parquet" / "procedure_snapshot.parquet")
    assert duckdb.execute(f"SELECT bool_or(is_demo) FROM '{real_snapshot}'").fetchone()[0] is False  # noqa: S608
