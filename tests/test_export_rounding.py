"""CSV and XLSX downloads carry measure values rounded as the pages show them; Parquet keeps full precision
(issue 15 point 8), read back from the real files."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pyarrow.parquet as pq

from app import exports
from app.data import Db
from app.data.provenance import provenance
from core.measures import MEASURES


def test_measures_rounded_in_csv_and_xlsx_full_in_parquet(build: Db) -> None:
    prov = provenance(build)
    assert MEASURES["total_per_10k"].decimals == 1
    frame = pd.DataFrame({"ars": ["091620000000", "096730141141"], "name": ["München, Stadt", "Bad Königshofen"],
                          "total_per_10k": [11.474306760633212, 137.5678], "share": [0.123456, 0.5]})
    rows = list(csv.DictReader(io.StringIO(exports.build("csv", frame, prov, "Test").decode("utf-8"))))
    assert [r["total_per_10k"] for r in rows] == ["11.5", "137.6"]
    assert rows[0]["share"] == "0.123456"  # no catalogue measure: untouched
    excel = exports.build("csv_excel", frame, prov, "Test").decode("utf-8-sig")
    assert ";11,5;" in excel and "11,47" not in excel
    book = openpyxl.load_workbook(io.BytesIO(exports.build("xlsx", frame, prov, "Test")))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert 11.5 in values and 11.474306760633212 not in values
    table = pq.read_table(io.BytesIO(exports.build("parquet", frame, prov, "Test"))).to_pandas()
    assert table["total_per_10k"].tolist() == [11.474306760633212, 137.5678]
