"""Analyst imports: the corpus of bad and awkward files (manifest.csv), nothing lost, duplicates and
contradictions, reference rows replaced, the rejects report, templates and README, and two real builds:
`python -m etl import` end to end, and a failing import that leaves the published database untouched."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from import_support import CORPUS, region_index, run_steps, table_rows
from openpyxl import load_workbook
from typer.testing import CliRunner

from etl.build import run_build
from etl.cli import app
from etl.context import BuildOptions
from etl.errors import EtlError
from etl.imports.formats import FORMATS
from etl.imports.inbox import add_to_inbox, inbox_entry
from etl.imports.parse import parse_file, programme_lookup
from etl.imports.step import REPORT_COLUMNS
from etl.imports.templates import EXAMPLES, TEMPLATE_DIR, TEMPLATE_NAMES, template_fields, write_templates
from etl.keys import RegionIndex
from etl.sources.reference import read_programmes

ROOT = Path(__file__).resolve().parent.parent
with (CORPUS / "manifest.csv").open(encoding="utf-8", newline="") as _fh:
    MANIFEST = list(csv.DictReader(_fh, delimiter=";"))
FACT_TABLES = ("online_service", "procedure_snapshot", "funding_grant", "certification", "reject")


@pytest.fixture(scope="module")
def index(mirror: Path) -> RegionIndex:
    return region_index(mirror)


@pytest.fixture(scope="module")
def programmes() -> dict[str, str]:
    return programme_lookup(read_programmes())


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------------------------- corpus


def test_every_corpus_file_is_in_the_manifest() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name not in ("manifest.csv", "make_corpus.py")}
    listed = {case["file"] for case in MANIFEST}
    assert files == listed
    assert len(files) >= 20


@pytest.mark.parametrize("case", MANIFEST, ids=lambda c: f"{c['file']}[{c['kind'] or 'auto'}]")
def test_corpus_file(case: dict[str, str], index: RegionIndex, programmes: dict[str, str]) -> None:
    path = CORPUS / case["file"]
    kind = case["kind"] or None
    messages = [m for m in case["message"].split("|") if m]
    if case["expect"] == "error":
        with pytest.raises(EtlError) as err:
            parse_file(path, index, programmes, kind)
        assert case["file"] in str(err.value), "the error names the file"
        assert messages[0] in str(err.value)
        return
    parsed = parse_file(path, index, programmes, kind)
    assert (parsed.rows, parsed.loaded, parsed.rejected) == (int(case["rows"]), int(case["loaded"]),
                                                             int(case["rejected"]))
    target = next(iter(parsed.tables))
    loaded_rows = set(parsed.tables[target]["_row"])
    rejected_rows = {n.row_number for n in parsed.notes if n.kind == "reject"}
    # nothing lost, nothing twice: every data row is either in the table or rejected, once
    assert len(loaded_rows) == len(parsed.tables[target]) == parsed.loaded
    assert len(rejected_rows) == parsed.rejected
    assert not loaded_rows & rejected_rows
    reasons = [n.reason for n in parsed.notes]
    for message in messages:
        assert any(message in reason for reason in reasons), f"{message!r} not in {reasons}"
    for note in parsed.notes:
        assert isinstance(json.loads(note.raw), dict) and note.raw != "{}"
    if case["expect"] == "ok":
        assert parsed.rejected == 0


def test_dates_keep_their_precision(index: RegionIndex, programmes: dict[str, str]) -> None:
    parsed = parse_file(CORPUS / "date_precisions.csv", index, programmes)
    got = {r["ars"]: (r["awarded_on"], r["awarded_on_precision"])
           for r in parsed.tables["certification"].to_dict("records")}
    assert got == {
        "095640000000": (date(2021, 7, 29), "day"),
        "097610000000": (date(2021, 7, 28), "day"),
        "092630000000": (date(2021, 7, 1), "month"),
        "093610000000": (date(2021, 7, 1), "month"),
        "091610000000": (date(2021, 7, 1), "month"),
        "094610000000": (date(2021, 1, 1), "year"),
        "096730141141": (None, "unknown"),
        "096710130130": (None, "unknown"),
        "093730167167": (date(2021, 12, 13), "day"),
    }


def test_typed_spreadsheet_cells(index: RegionIndex, programmes: dict[str, str]) -> None:
    """Excel numbers for keys, date cells, a serial day, a year number, floats that are not German text."""
    parsed = parse_file(CORPUS / "grants_typed_cells.xlsx", index, programmes)
    rows = {r["ars"]: r for r in parsed.tables["funding_grant"].to_dict("records")}
    assert set(rows) == {"095640000000", "094745426", "096620000000", "09678"}
    assert (rows["095640000000"]["approved_on"], rows["095640000000"]["amount_eur"],
            rows["095640000000"]["funding_rate"]) == (date(2020, 12, 15), 4712.4, 0.8)
    assert (rows["094745426"]["approved_on"], rows["094745426"]["approved_on_precision"],
            rows["094745426"]["funding_rate"]) == (date(2020, 12, 15), "day", 0.9)
    assert rows["096620000000"]["amount_eur"] == pytest.approx(4.712)  # a float cell, not "4.712" text
    assert (rows["096620000000"]["approved_on"], rows["096620000000"]["approved_on_precision"]) == (
        date(2020, 12, 1), "month")
    assert (rows["09678"]["approved_on"], rows["09678"]["approved_on_precision"]) == (date(2021, 1, 1), "year")
    assert parsed.described == "XLSX, Blatt 'Daten'"


def test_separators_and_encodings_agree(index: RegionIndex, programmes: dict[str, str]) -> None:
    tab = parse_file(CORPUS / "tab_separated.csv", index, programmes)
    utf16 = parse_file(CORPUS / "utf16_unicode_text.csv", index, programmes)
    columns = ["ars", "as_of", "as_of_precision", "municipal", "central", "total"]
    assert tab.tables["procedure_snapshot"][columns].equals(utf16.tables["procedure_snapshot"][columns])
    assert tab.tables["procedure_snapshot"]["total"].tolist() == [290, 227]  # 150 + 77 summed
    comma = parse_file(CORPUS / "utf8_bom_comma.csv", index, programmes)
    assert comma.tables["funding_grant"]["amount_eur"].tolist() == [9585.45, 4712.40, 20000.0]
    cp1252 = parse_file(CORPUS / "windows1252_names.csv", index, programmes)
    assert "windows-1252" in cp1252.described
    assert set(cp1252.tables["certification"]["ars"]) == {"096710130130", "096730141141", "095770177177"}


def test_procedure_list_yields_counts_per_month_and_stand(tmp_path: Path, index: RegionIndex,
                                                          programmes: dict[str, str]) -> None:
    """The example of data/import/README.md."""
    path = _write(tmp_path / "liste.csv", "Schlüssel;Verfahren;Art;Online seit;Stand\n"
                  "09564000;Wohnsitz anmelden;kommunal;03.2021;30.06.2023\n"
                  "09564000;Hundesteuer;kommunal;15.07.2021;30.06.2023\n"
                  "09564000;Bauantrag;zentral;2022;30.06.2023\n")
    parsed = parse_file(path, index, programmes)
    snap = parsed.tables["procedure_snapshot"]
    got = sorted(zip(snap["as_of"], snap["as_of_precision"], snap["municipal"], snap["central"], snap["total"],
                     strict=True))
    assert got == [(date(2021, 3, 1), "month", 1, 0, 1), (date(2021, 7, 1), "month", 2, 0, 2),
                   (date(2023, 6, 30), "day", 2, 1, 3)]
    assert len(parsed.tables["online_service"]) == 3


def test_procedure_list_without_stand_counts_at_latest_date(tmp_path: Path, index: RegionIndex,
                                                            programmes: dict[str, str]) -> None:
    path = _write(tmp_path / "liste.csv", "Name;Typ;Dienst;Art;Online seit\n"
                  "Hösbach;;Hundesteuer;K;Juli 2021\nHösbach;;Bauantrag;Z;01.09.2021\n")
    snap = parse_file(path, index, programmes).tables["procedure_snapshot"]
    assert sorted(zip(snap["as_of"], snap["as_of_precision"], snap["total"], strict=True)) == [
        (date(2021, 7, 1), "month", 1), (date(2021, 9, 1), "day", 2)]


# ---------------------------------------------------------------------------------------------- steps


def test_same_file_twice_changes_nothing(tmp_path: Path, mirror: Path) -> None:
    source = CORPUS / "excel_dropped_zeros.csv"
    once, once_results = run_steps(mirror, BuildOptions(db=tmp_path / "a.duckdb", imports=(source,),
                                                        reports_dir=tmp_path / "r1"))
    copy = shutil.copyfile(source, tmp_path / "kopie.csv")
    inbox = tmp_path / "inbox"
    add_to_inbox(source, "certifications", inbox)
    assert add_to_inbox(copy, None, inbox)[1] is False, "same content: no second inbox file"
    twice, results = run_steps(mirror, BuildOptions(db=tmp_path / "b.duckdb", imports=(source, copy), inbox=inbox,
                                                    reports_dir=tmp_path / "r2"))
    for table in FACT_TABLES:
        assert table_rows(once, table) == table_rows(twice, table), table
    skipped = [r for r in results if r.step == "imports" and "übersprungen" in r.note]
    assert len(skipped) == 2 and all(r.loaded == 0 for r in skipped)
    assert len(list(inbox.iterdir())) == 1
    assert inbox_entry(next(inbox.iterdir()))[0] == "certifications"


def test_duplicates_across_files_and_contradictions(tmp_path: Path, mirror: Path) -> None:
    head = "Schlüssel;Zertifikat;Verliehen am\n"
    first = _write(tmp_path / "a.csv", head + "09162000;Digitales Amt;01.03.2022\n09184;Digitales Amt;Mai 2022\n")
    same = _write(tmp_path / "b.csv", head + "09162000;Digitales Amt;01.03.2022\n")
    other = _write(tmp_path / "c.csv", head + "09162000;Digitales Amt;01.04.2022\n")
    con, results = run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=(first, same, other),
                                                  reports_dir=tmp_path))
    by_file = {r.source: r for r in results if r.step == "imports"}
    assert (by_file["a.csv"].loaded, by_file["a.csv"].rejected) == (2, 0)
    assert (by_file["b.csv"].loaded, by_file["b.csv"].rejected) == (1, 0)
    assert "1 bereits vorhanden" in by_file["b.csv"].note
    assert (by_file["c.csv"].loaded, by_file["c.csv"].rejected) == (0, 1)
    rows = con.execute("SELECT awarded_on FROM certification WHERE ars = '091620000000'").fetchall()
    assert rows == [(date(2022, 3, 1),)]
    reason = con.execute("SELECT reason FROM reject WHERE file = 'c.csv' AND kind = 'reject'").fetchall()
    assert len(reason) == 1 and "widerspricht a.csv Zeile 2" in reason[0][0]


def test_import_replaces_reference_row(tmp_path: Path, mirror: Path) -> None:
    path = _write(tmp_path / "amt.csv", "Name;Zertifikat;Verliehen am;Quelle\n"
                  "Nürnberg;Digitales Amt;28.07.2021;https://example.org/amt\n")
    con, _ = run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=(path,), reports_dir=tmp_path))
    rows = con.execute("SELECT c.awarded_on, c.awarded_on_precision, s.kind FROM certification c "
                       "JOIN source s USING (source_id) WHERE c.ars = '095640000000'").fetchall()
    assert rows == [(date(2021, 7, 28), "day", "import")]
    kinds = sorted(k for (k,) in con.execute("SELECT kind FROM reject WHERE file = 'amt.csv'").fetchall())
    assert kinds == ["name_match", "replaced"]
    others = con.execute("SELECT count(*) FROM certification WHERE awarded_on = DATE '2021-07-01'").fetchone()
    assert others == (6,), "the other six first awardees keep their reference rows"


def test_rejects_report_and_table_agree(tmp_path: Path, mirror: Path) -> None:
    files = (CORPUS / "names_without_keys.csv", CORPUS / "bad_dates.csv")
    con, results = run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=files,
                                                  reports_dir=tmp_path / "berichte"), build_id="b1")
    report = tmp_path / "berichte" / "importe-b1.csv"
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    with report.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh, delimiter=";"))
    assert tuple(lines[0]) == REPORT_COLUMNS
    table = con.execute("SELECT file, row_number, kind, reason, raw FROM reject "
                        "WHERE source_id LIKE 'import:%' ORDER BY file DESC, row_number, kind").fetchall()
    assert sorted(tuple(line) for line in lines[1:]) == sorted(
        (f, str(n), k, reason, raw) for f, n, k, reason, raw in table)
    imported = {r.source: r for r in results if r.step == "imports"}
    for name in ("names_without_keys.csv", "bad_dates.csv"):
        rejects = sum(1 for line in lines[1:] if line[0] == name and line[2] == "reject")
        assert imported[name].rejected == rejects
        assert str(report) in imported[name].note


# ---------------------------------------------------------------------------------------------- templates


@pytest.mark.parametrize("fmt", list(TEMPLATE_NAMES))
def test_templates_with_their_example_row_load(fmt: str, tmp_path: Path, index: RegionIndex,
                                               programmes: dict[str, str]) -> None:
    fields = template_fields(fmt)
    row = [EXAMPLES[fmt].get(f.name, "") for f in fields]
    stem = TEMPLATE_NAMES[fmt]
    csv_copy = tmp_path / f"{stem}.csv"
    csv_copy.write_bytes((TEMPLATE_DIR / f"{stem}.csv").read_bytes() + ";".join(row).encode() + b"\r\n")
    book = load_workbook(TEMPLATE_DIR / f"{stem}.xlsx")
    book["Daten"].append(row)
    book.save(tmp_path / f"{stem}.xlsx")
    for path in (csv_copy, tmp_path / f"{stem}.xlsx"):
        with pytest.raises(EtlError, match="nur die Kopfzeile"):
            parse_file(TEMPLATE_DIR / path.name, index, programmes)
        parsed = parse_file(path, index, programmes)
        assert (parsed.fmt, parsed.loaded, parsed.rejected, parsed.ignored_columns) == (fmt, 1, 0, [])


def test_templates_match_the_formats(tmp_path: Path) -> None:
    write_templates(tmp_path)
    for stem in TEMPLATE_NAMES.values():
        assert (tmp_path / f"{stem}.csv").read_bytes() == (TEMPLATE_DIR / f"{stem}.csv").read_bytes()
        fresh = next(load_workbook(tmp_path / f"{stem}.xlsx")["Daten"].iter_rows(values_only=True))
        shipped = next(load_workbook(TEMPLATE_DIR / f"{stem}.xlsx")["Daten"].iter_rows(values_only=True))
        assert fresh == shipped


def test_readme_documents_every_column() -> None:
    readme = (ROOT / "data" / "import" / "README.md").read_text(encoding="utf-8")
    for fields in FORMATS.values():
        for field in fields:
            assert field.label in readme, field.label
    for template in TEMPLATE_NAMES.values():
        assert f"templates/{template}" in readme


# ---------------------------------------------------------------------------------------------- real builds


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> dict[str, Path]:
    """`python -m etl import` of a procedure list: inbox copy and a full rebuild into a temp folder."""
    folder = tmp_path_factory.mktemp("cli")
    source = _write(folder / "verfahren.csv", "Schlüssel;Name;Verfahren;Art;Online seit;Stand\n"
                    "9564000;;Wohnsitz anmelden;kommunal;03.2021;30.06.2023\n"
                    ";Markt Hösbach;Hundesteuer;kommunal;Juli 2021;30.06.2023\n"
                    ";Neustadt;Bauantrag;zentral;2022;30.06.2023\n", encoding="cp1252")
    paths = {"source": source, "db": folder / "db" / "dm.duckdb", "inbox": folder / "inbox",
             "reports": folder / "reports"}
    args = ["import", str(source), "--kind", "procedures", "--db", str(paths["db"]), "--mirror", str(mirror),
            "--inbox", str(paths["inbox"]), "--reports", str(paths["reports"]), "--no-demo"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    paths["first_target"] = paths["db"].resolve()
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "Bereits im Eingang" in second.output
    paths["second_target"] = paths["db"].resolve()
    return paths


def test_cli_import_loads_the_file(cli_build: dict[str, Path]) -> None:
    con = duckdb.connect(str(cli_build["db"].resolve()), read_only=True)
    try:
        services = con.execute("SELECT ars, service_name FROM online_service ORDER BY 1").fetchall()
        assert services == [("095640000000", "Wohnsitz anmelden"), ("096710130130", "Hundesteuer")]
        kinds = dict(con.execute("SELECT kind, count(*) FROM reject WHERE source_id LIKE 'import:%' "
                                 "GROUP BY 1").fetchall())
        assert kinds == {"repaired": 1, "name_match": 1, "reject": 1}
        log = con.execute("SELECT loaded, rejected FROM load_log WHERE step = 'imports'").fetchall()
        assert log == [(2, 1)]
        stand = con.execute("SELECT total FROM procedure_snapshot WHERE ars = '095640000000' "
                            "AND as_of = DATE '2023-06-30'").fetchall()
        assert stand == [(1,)]
        assert con.execute("SELECT count(*) FROM certification").fetchone()[0] >= 67, "reference and press facts too"
    finally:
        con.close()
    inbox = list(cli_build["inbox"].iterdir())
    assert len(inbox) == 1 and inbox[0].name.endswith(".procedures.verfahren.csv")
    assert len(list(cli_build["reports"].glob("importe-*.csv"))) == 1


def test_second_import_of_same_file_is_a_noop(cli_build: dict[str, Path]) -> None:
    assert cli_build["second_target"] == cli_build["first_target"]


def test_bad_file_is_refused_before_the_inbox(cli_build: dict[str, Path], mirror: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(CORPUS / "html_error_page.csv"), "--db", str(cli_build["db"]),
                                      "--mirror", str(mirror), "--inbox", str(cli_build["inbox"])])
    assert result.exit_code == 1
    assert "HTML-Seite" in result.output and "html_error_page.csv" in result.output
    assert len(list(cli_build["inbox"].iterdir())) == 1


def test_failing_import_leaves_published_database_untouched(cli_build: dict[str, Path], mirror: Path) -> None:
    db = cli_build["db"]
    before_target = db.resolve()
    before_hash = hashlib.sha256(before_target.read_bytes()).hexdigest()
    before_files = sorted(p.name for p in db.parent.iterdir())
    good = CORPUS / "key_levels.csv"  # loaded first into the new file, must not become visible
    bad = CORPUS / "truncated.xlsx"
    with pytest.raises(EtlError, match="truncated.xlsx"):
        run_build(BuildOptions(db=db, mirror=mirror, imports=(good, bad), inbox=cli_build["inbox"],
                               reports_dir=cli_build["reports"]))
    assert db.resolve() == before_target
    assert hashlib.sha256(before_target.read_bytes()).hexdigest() == before_hash
    assert sorted(p.name for p in db.parent.iterdir()) == before_files
