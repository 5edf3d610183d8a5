"""Programme rules for imported grants (issue 14 item 6): cap per applicant and funding rates, on real builds of
the reference and import steps."""

from __future__ import annotations

from pathlib import Path

from etl.context import BuildOptions
from tests.import_support import run_steps

HEADER = "Schlüssel;Name;Programm;Bewilligt am;Betrag EUR;Fördersatz;Quelle\n"


def _grants(tmp_path: Path, mirror: Path, body: str) -> tuple[dict[int, str], set[str], str]:
    path = tmp_path / "foerderungen.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    con, results = run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=(path,), reports_dir=tmp_path))
    rejects = {r[0]: r[1] for r in con.execute(
        "SELECT row_number, reason FROM reject WHERE file = 'foerderungen.csv' AND kind = 'reject'").fetchall()}
    loaded = {r[0] for r in con.execute("SELECT g.ars FROM funding_grant g JOIN source s USING (source_id) "
                                        "WHERE s.kind = 'import'").fetchall()}
    note = next(r.note for r in results if r.source.endswith("foerderungen.csv"))
    return rejects, loaded, note


def test_grant_above_the_cap_is_refused(tmp_path: Path, mirror: Path) -> None:
    rejects, loaded, _ = _grants(tmp_path, mirror, (
        "09564000;Nürnberg;Digitales Rathaus;01.03.2021;25.000,00;80 %;https://example.org/a\n"
        "09761000;Augsburg;Digitales Rathaus;01.03.2021;15.000,00;80 %;https://example.org/b\n"))
    assert "Höchstbetrag" in rejects[2] and "25.000,00 EUR" in rejects[2] and "20.000,00 EUR" in rejects[2]
    assert loaded == {"097610000000"}


def test_grant_with_a_rate_the_programme_does_not_have_is_refused(tmp_path: Path, mirror: Path) -> None:
    rejects, loaded, _ = _grants(tmp_path, mirror, (
        "09564000;Nürnberg;Digitales Rathaus;01.03.2021;7.000,00;70 %;https://example.org/a\n"
        "09761000;Augsburg;Digitales Rathaus;01.03.2021;9.000,00;90 %;https://example.org/b\n"))
    assert "Fördersatz 70 %" in rejects[2] and "80 % oder 90 %" in rejects[2]
    assert loaded == {"097610000000"}


def test_cap_counts_the_applicants_grants_already_loaded(tmp_path: Path, mirror: Path) -> None:
    """VG Uffenheim holds a reference grant of 9,585.45 EUR: another 12,000 EUR would pass the 20,000 cap."""
    rejects, loaded, _ = _grants(tmp_path, mirror, (
        "095755519;VG Uffenheim;Digitales Rathaus;01.06.2021;12.000,00;80 %;https://example.org/a\n"))
    assert "zusammen" in rejects[2] and "9.585,45 EUR" in rejects[2]
    assert loaded == set()
