"""The files for people (issue 15 point 8): German headers in the CSV für Excel and the XLSX (machine names in
Parquet and the plain CSV), the AGS beside the ARS, XLSX dates as date cells formatted as precisely as known
beside their precision, demo rows with the licence that applies, the title naming the filter, rows in the
order the page shows them. Real Rangliste rows of the session build, read back from the real files."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pyarrow.parquet as pq

from app import exports
from app.data import Db, rankings
from app.data.provenance import provenance, tagged
from app.exports.headers import DEMO_LICENCE, ags_of

EXPORT_COLUMNS = ["ars", "name", "authority_type", "size_class", "district_name", "population", "value", "rank",
                  "peers", "rank_change", "prev_rank", "as_of", "as_of_precision", "prev_as_of", "prev_as_of_precision",
                  "group_median", "is_demo"]  # as pages/2_Rangliste.py exports them


def _rows(build: Db) -> pd.DataFrame:
    result = rankings.ranking(build, "total", "09", None, None, None)
    frame = result.frame[EXPORT_COLUMNS].rename(columns={"value": "total"})
    return tagged(build, frame, result.kinds, None, result.facts, result.by_prefix)


def test_xlsx_german_headers_ags_dates_title_and_order(build: Db) -> None:
    rows = _rows(build)
    assert len(rows) > 20
    book = openpyxl.load_workbook(io.BytesIO(exports.build("xlsx", rows, provenance(build), "Rangliste Bayern")))
    assert "Bayern" in book.properties.title
    stand = {r[0].value: r[1].value for r in book["Stand"].iter_rows(min_row=2)}
    assert stand["Titel"] == "Rangliste Bayern"
    sheet = book["Daten"]
    head = [c.value for c in sheet[1]]
    assert head[:3] == ["Regionalschlüssel (ARS)", "Gemeindeschlüssel (AGS)", "Name"]
    assert "Online-Verfahren" in " ".join(head) or any("Verfahren" in h for h in head), head
    assert {"Stand", "Stand genau auf", "Lizenz", "Demodaten", "Rang"} <= set(head)
    assert not {"ars", "as_of", "licence", "is_demo"} & set(head)
    assert head.index("Stand genau auf") == head.index("Stand") + 1  # the precision beside its date
    col = {h: i for i, h in enumerate(head)}
    data = list(sheet.iter_rows(min_row=2))
    assert [r[col["Regionalschlüssel (ARS)"]].value for r in data] == rows["ars"].tolist()  # page order kept
    ranks = [r[col["Rang"]].value for r in data]
    assert ranks == sorted(ranks)
    for r in data:
        ars, ags = r[col["Regionalschlüssel (ARS)"]].value, r[col["Gemeindeschlüssel (AGS)"]].value
        assert ags == ags_of(ars) and (len(ars) != 12 or ags == ars[:5] + ars[9:])
        when, precision = r[col["Stand"]], r[col["Stand genau auf"]].value
        if when.value is not None:
            assert when.is_date
            assert when.number_format == {"Tag": "DD.MM.YYYY", "Monat": "MM.YYYY", "Jahr": "YYYY"}[precision]
        licence = r[col["Lizenz"]].value
        assert licence and "nicht angegeben" not in licence
        if r[col["Demodaten"]].value:
            assert DEMO_LICENCE in licence


def test_year_and_month_dates_are_date_cells_of_their_precision(build: Db) -> None:
    frame = pd.DataFrame({"ars": ["091620000000", "096730141141", "09673"],
                          "as_of": pd.to_datetime(["2021-01-01", "2023-05-01", "2024-03-17"]),
                          "as_of_precision": ["year", "month", "day"], "total": [3.0, 4.0, 5.0],
                          "source_id": ["x", "x", "x"], "is_demo": [False, False, True]})
    book = openpyxl.load_workbook(io.BytesIO(exports.build("xlsx", frame, provenance(build), "Test")))
    sheet = book["Daten"]
    head = [c.value for c in sheet[1]]
    cells = [r[head.index("Stand")] for r in sheet.iter_rows(min_row=2)]
    assert all(c.is_date for c in cells)
    assert [c.number_format for c in cells] == ["YYYY", "MM.YYYY", "DD.MM.YYYY"]
    assert [r[head.index("Stand genau auf")].value for r in sheet.iter_rows(min_row=2)] == ["Jahr", "Monat", "Tag"]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == ["09162000", "09673141", "09673"]
    # the CSV für Excel: German date text as precise as known (German Excel reads 07.2021 as July 2021)
    excel = list(csv.DictReader(io.StringIO(exports.build("csv_excel", frame, provenance(build), "Test")
                                            .decode("utf-8-sig")), delimiter=";"))
    assert [r["Stand"] for r in excel] == ["2021", "05.2023", "17.03.2024"]
    plain = list(csv.DictReader(io.StringIO(exports.build("csv", frame, provenance(build), "Test").decode())))
    assert [r["as_of"][:10] for r in plain] == ["2021-01-01", "2023-05-01", "2024-03-17"]  # ISO, with precision


def test_csv_for_excel_german_plain_csv_and_parquet_machine_names(build: Db) -> None:
    rows = _rows(build)
    prov = provenance(build)
    excel = exports.build("csv_excel", rows, prov, "Rangliste Bayern").decode("utf-8-sig")
    head, first, *_ = csv.reader(io.StringIO(excel), delimiter=";")
    assert head[:2] == ["Regionalschlüssel (ARS)", "Gemeindeschlüssel (AGS)"] and "Lizenz" in head
    assert first[1] == f'="{ags_of(rows["ars"].iloc[0])}"'  # the AGS is a key: text in Excel
    plain = next(csv.reader(io.StringIO(exports.build("csv", rows, prov, "x").decode("utf-8"))))
    assert plain[:2] == ["ars", "ags"] and "licence" in plain and "Lizenz" not in plain
    table = pq.read_table(io.BytesIO(exports.build("parquet", rows, prov, "x"))).to_pandas()
    assert list(table.columns[:2]) == ["ars", "ags"] and "total" in table.columns
