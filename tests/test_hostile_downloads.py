"""Spreadsheet formula strings in every download a spreadsheet opens (CSV für Excel, CSV, XLSX, and both CSV
folders of the full ZIP): every text column of every downloadable table gets strings starting with `=`, `+`,
`-`, `@`, tab and carriage return (and a column whose header is a formula); every numeric column gets negative
numbers. Read back raw (csv module, openpyxl without evaluating), no cell may start a formula: injected text
comes out with a leading apostrophe, numbers (negative ones too) stay unquoted numbers or numeric cells, and
the only formulas are the ="0916…" keys the CSV for Excel writes from digits itself."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from app import data as appdb
from app import exports
from app.exports.headers import machine_names

FORMULAS = ['=HYPERLINK("http://x","Klick")', "+49 911 1234", "-Anmeldung Hund", "@SUMME(A1)", "\t=1+1",
            "\r=2+2"]
# the plain CSV matrix leaves the carriage return to its own test (one defect, one failing test)
WITHOUT_CR = [*FORMULAS[:5], "=2+2"]
HEADER = "=cmd|' /C calc'!A0"
MIXED = [-3, "=1+1", -2.5, "+x", 7, "@y"]  # an object column of numbers and text
NUMBER = re.compile(r"-?\d+([.,]\d+)?([eE][-+]?\d+)?")
EXCEL_KEY = re.compile(r'="[0-9]+"')
SPREADSHEET_FORMATS = ("csv_excel", "csv", "xlsx")


def is_text(series: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)


def is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def injected(build: appdb.Db, prov: exports.Provenance, name: str,
             formulas: list[str] = FORMULAS) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Six rows of a downloadable table with its provenance columns, every text cell a formula string, every
    number negative, plus a formula-named column and a mixed column; the text and number columns."""
    spec = appdb.DOWNLOADABLE[name]
    rows = appdb.query(build, f'SELECT * FROM "{name}" ORDER BY ALL LIMIT 6')  # noqa: S608 - allow-listed
    if rows.empty:  # a table this build leaves empty (no analyst import): its columns with empty cells
        rows = pd.DataFrame({c: pd.Series([None] * 6, dtype=object) for c in rows.columns})
    rows = pd.concat([rows] * 6, ignore_index=True).head(6) if len(rows) < 6 else rows
    facts = appdb.fact_sources(build, spec.facts) if spec.facts and "source_id" not in rows.columns else None
    frame = exports.with_provenance(rows, prov, spec.kinds, facts=facts, by_prefix=spec.by_prefix)
    frame = frame.drop(columns=[c for c in ("geometry", "content") if c in frame.columns])
    text = [c for c in frame.columns if is_text(frame[c]) and not frame[c].map(lambda v: isinstance(v, bytes)).any()]
    numbers = [c for c in frame.columns if is_number(frame[c])]
    for col in text:
        frame[col] = pd.Series(formulas, index=frame.index, dtype=object)
    for col in numbers:
        floats = pd.api.types.is_float_dtype(frame[col])
        frame[col] = [-3.5, -1.25, -1000.0, -0.5, -2.0, -7.75] if floats else [-3, -1, -1000, -5, -2, -7]
    frame[HEADER] = formulas
    frame["gemischt"] = pd.Series(MIXED, dtype=object)
    return frame, [*text, HEADER], numbers


NAMES = list(appdb.DOWNLOADABLE)


def csv_cells(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv_excel":
        text, sep = data.decode("utf-8-sig"), ";"
    else:
        text, sep = data.decode("utf-8"), ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))


def check_cells(header: list[str], rows: list[list[object]], text: list[str], numbers: list[str], fmt: str,
                where: str, formulas: list[str] = FORMULAS) -> None:
    """Every cell of a read-back table: no formula start but neutralised text, numbers and Excel keys. (XLSX
    reads a carriage return inside a cell back as a line feed: XML normalises line ends.)"""
    header = machine_names(list(header))  # the files for Excel have German headers
    shown = {exports.neutralise_text(c): c for c in [*text, *numbers, "gemischt"]}
    assert exports.neutralise_text(HEADER) in header and HEADER not in header, where
    for cell in header:
        assert not str(cell).startswith(exports.FORMULA_START), (where, cell)
    for i, row in enumerate(rows):
        for name, value in zip(header, row, strict=True):
            column = shown.get(name, name)
            if column in text:
                expected = "'" + formulas[i]
                assert value == (expected.replace("\r", "\n") if fmt == "xlsx" else expected), (where, column, value)
            elif column in numbers and fmt != "xlsx":
                assert NUMBER.fullmatch(str(value)) and str(value).startswith("-"), (where, column, value)
            elif column == "gemischt":
                expected = MIXED[i]
                if isinstance(expected, str):
                    assert value == "'" + expected, (where, value)
                elif fmt == "xlsx":
                    assert value == expected, (where, value)
                else:
                    assert NUMBER.fullmatch(str(value)), (where, value)
            if isinstance(value, str) and value.startswith(exports.FORMULA_START):
                number = NUMBER.fullmatch(value) is not None and column in (*numbers, "gemischt")
                key = fmt == "csv_excel" and EXCEL_KEY.fullmatch(value) and exports.is_key_column(column)
                assert number or key, (where, column, value)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", ["csv_excel", "csv"])
def test_csv_downloads_neutralise_every_text_column(name: str, fmt: str, build: appdb.Db,
                                                    prov: exports.Provenance) -> None:
    """The plain CSV without the carriage-return string: see the test below for that one."""
    if name not in appdb.existing_objects(build):
        pytest.skip(f"{name} is not in this build")
    formulas = FORMULAS if fmt == "csv_excel" else WITHOUT_CR
    frame, text, numbers = injected(build, prov, name, formulas)
    assert text and len(frame) == 6
    data = exports.build(fmt, frame, prov, name)
    cells = csv_cells(data, fmt)
    check_cells(cells[0], cells[1:], text, numbers, fmt, f"{fmt}/{name}", formulas)
    # the raw file: numbers unquoted, so the spreadsheet reads them as numbers (the mixed column ends each row)
    raw = data.decode("utf-8-sig")
    assert re.search(r"[;,]-3\r?\n", raw), raw[:300]


def test_plain_csv_keeps_a_carriage_return_inside_its_cell(build: appdb.Db, prov: exports.Provenance) -> None:
    """A text with a carriage return ('\\r=2+2' from a spreadsheet cell) must stay inside one quoted cell: a
    bare CR is a line break to Excel and most CSV readers, so the rest would start a new row with a formula."""
    broken = []
    for name in NAMES:
        if name not in appdb.existing_objects(build):
            continue
        frame, text, numbers = injected(build, prov, name)
        cells = csv_cells(exports.build("csv", frame, prov, name), "csv")
        if len(cells) != 7 or any(cell.startswith(exports.FORMULA_START[:4]) and not NUMBER.fullmatch(cell)
                                  for row in cells[1:] for cell in row):
            broken.append(name)
    assert broken == []


@pytest.mark.parametrize("name", NAMES)
def test_xlsx_download_holds_no_formula_cell(name: str, build: appdb.Db, prov: exports.Provenance) -> None:
    if name not in appdb.existing_objects(build):
        pytest.skip(f"{name} is not in this build")
    frame, text, numbers = injected(build, prov, name)
    book = openpyxl.load_workbook(io.BytesIO(exports.build("xlsx", frame, prov, name)))  # formulas not evaluated
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    data = book["Daten"]
    header = machine_names([c.value for c in data[1]])
    rows = [[c.value for c in row] for row in data.iter_rows(min_row=2)]
    check_cells(header, rows, text, numbers, "xlsx", f"xlsx/{name}")
    for col in numbers:
        index = header.index(exports.neutralise_text(col))
        assert all(row[index].data_type == "n" and row[index].value < 0 for row in data.iter_rows(min_row=2)), col
    mixed = header.index("gemischt")
    assert [row[mixed].data_type for row in data.iter_rows(min_row=2)] == ["n", "s", "n", "s", "n", "s"]


def test_full_zip_neutralises_both_csv_folders(build: appdb.Db, prov: exports.Provenance) -> None:
    tables = {}
    expected = {}
    for name in ("region", "funding_grant", "v_ranks", "reject", "load_log"):
        frame, text, numbers = injected(build, prov, name, WITHOUT_CR)  # csv/ has the CR problem tested above
        tables[name] = frame
        expected[exports.file_name(name, prov, "csv")] = (text, numbers)
    archive = zipfile.ZipFile(io.BytesIO(exports.to_zip(tables, prov)))
    checked = 0
    for member in archive.namelist():
        if member == "README.txt":
            continue
        folder, file = member.split("/")
        fmt = "csv_excel" if folder == "csv_excel" else "csv"
        cells = csv_cells(archive.read(member), fmt)
        check_cells(cells[0], cells[1:], *expected[file], fmt, member, WITHOUT_CR)
        checked += 1
    assert checked == 2 * len(tables)
