"""Import headers matched by meaning (issue 14 item 6): the headers analysts write, the mapping in the build
summary, and ambiguous headers refused with a message naming them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl.context import BuildOptions
from etl.errors import EtlError
from etl.imports.columns import check_file
from tests.import_support import run_steps


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_counts_with_headers_as_analysts_write_them(tmp_path: Path, mirror: Path) -> None:
    path = _write(tmp_path / "zahlen.csv", (
        "Schlüssel;Stand;Anzahl kommunaler Online-Verfahren;davon zentral;Onlinedienste gesamt;Quelle\n"
        "09761000;30.06.2023;40;25;65;https://example.org/a\n"))
    _, columns = check_file(path)
    assert columns.fmt == "procedure_counts"
    assert columns.meant == {"Anzahl kommunaler Online-Verfahren": "kommunal", "Onlinedienste gesamt": "gesamt"}
    con, results = run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=(path,), reports_dir=tmp_path))
    row = con.execute("SELECT municipal, central, total FROM procedure_snapshot WHERE ars = '097610000000' "
                      "AND as_of = DATE '2023-06-30'").fetchone()
    assert row == (40, 25, 65)
    note = next(r.note for r in results if r.source.endswith("zahlen.csv"))
    assert "Spalten nach Bedeutung: 'Anzahl kommunaler Online-Verfahren' -> kommunal" in note


def test_other_spellings(tmp_path: Path) -> None:
    counts = _write(tmp_path / "a.csv", "Name;Stand;Online-Verfahren kommunal;Online-Verfahren zentral\n"
                                        "Augsburg;2023;1;2\n")
    assert check_file(counts)[1].meant == {"Online-Verfahren kommunal": "kommunal",
                                           "Online-Verfahren zentral": "zentral"}
    awards = _write(tmp_path / "b.csv", "Name;Auszeichnung;Datum der Auszeichnung;Quelle\n"
                                        "Augsburg;Digitales Amt;28.07.2021;https://example.org/\n")
    _, columns = check_file(awards)
    assert columns.fmt == "certifications" and columns.meant == {"Datum der Auszeichnung": "Verliehen am"}
    grants = _write(tmp_path / "c.csv", "Name;Programm;Bescheid erteilt am;Förderbetrag (EUR)\n"
                                        "Augsburg;Digitales Rathaus;01.03.2021;5.000\n")
    _, columns = check_file(grants)
    assert columns.fmt == "grants" and "Bescheid erteilt am" in columns.meant
    assert columns.has("amount_eur")


def test_ambiguous_headers_are_refused_by_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "Name;Stand;Online-Verfahren kommunal;Anzahl kommunaler Verfahren\n"
                                      "Augsburg;2023;1;2\n")
    with pytest.raises(EtlError) as err:
        check_file(path)
    assert "'Online-Verfahren kommunal'" in str(err.value) and "'Anzahl kommunaler Verfahren'" in str(err.value)
    assert "nicht eindeutig" in str(err.value)


def test_award_date_by_meaning_is_loaded(tmp_path: Path, mirror: Path) -> None:
    path = _write(tmp_path / "amt.csv", "Name;Auszeichnung;Datum der Auszeichnung;Quelle\n"
                                        "Nürnberg;Digitales Amt;28.07.2021;https://example.org/amt\n")
    con, _ = run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=(path,), reports_dir=tmp_path))
    assert con.execute("SELECT awarded_on FROM certification WHERE ars = '095640000000'").fetchone() \
        == (date(2021, 7, 28),)
