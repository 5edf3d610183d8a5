"""Writes the corpus files that cannot be typed by hand: other encodings, spreadsheets and broken binaries.

Run `python tests/import_corpus/make_corpus.py` after changing it; the outputs are committed beside it.
Every file is described in manifest.csv with the error or reject reason it must produce.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def grants_workbook() -> bytes:
    """Typed cells as Excel stores them: numbers for keys (leading zero lost), dates, floats, a serial day."""
    book = Workbook()
    notes = book.active
    notes.title = "Hinweise"
    notes.append(["Förderbescheide, Stand Dezember 2020 – Daten im Blatt 'Daten'"])
    sheet = book.create_sheet("Daten")
    sheet.append(["Förderbescheide Digitales Rathaus"])
    sheet.append([])
    sheet.append(["Schlüssel", "Name", "Programm", "Bewilligt am", "Betrag EUR", "Fördersatz"])
    serial = (date(2020, 12, 15) - date(1899, 12, 30)).days
    assert serial == 44180
    sheet.append([9564000, "Nürnberg", "Digitales Rathaus", datetime(2020, 12, 15), 4712.4, 0.8])
    sheet.append(["094745426", None, "Digitales Rathaus", serial, 20000, 90])
    sheet.append([9662, None, "Digitales Rathaus", "Dezember 2020", 4.712, None])
    sheet.append([None, None, None, None, None, None])
    sheet.append([9678, "Landkreis Schweinfurt", "Digitales Rathaus", 2021, 1000, None])
    sheet.append([9564000, "Nürnberg", "Digitales Rathaus", datetime(2020, 12, 15) + timedelta(days=400), "viel", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    rng = random.Random(20240118)
    garbage = bytes(rng.randrange(256) for _ in range(4096))
    (HERE / "binary_garbage.csv").write_bytes(b"\x00\x01" + garbage)
    (HERE / "old_excel.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))

    workbook = grants_workbook()
    (HERE / "grants_typed_cells.xlsx").write_bytes(workbook)
    (HERE / "truncated.xlsx").write_bytes(workbook[: len(workbook) // 2])

    cp1252 = ("Schlüssel;Name;Typ;Zertifikat;Verliehen am\r\n"
              ";Markt Hösbach;;Digitales Amt;06.02.2023\r\n"
              ";Bad Königshofen i.Grabfeld;Stadt;Digitales Amt;Juli 2021\r\n"
              ";Weißenburg i.Bay.;;Digitales Amt;März 2022\r\n")
    (HERE / "windows1252_names.csv").write_bytes(cp1252.encode("cp1252"))

    comma = ('Schlüssel,Programm,Bewilligt am,Betrag EUR\r\n'
             '09564000,Digitales Rathaus,15.12.2020,"9.585,45"\r\n'
             '09761000,Digitales Rathaus,15.12.2020,4712.40\r\n'
             '09263000,Digitales Rathaus,2020-12-15,20.000\r\n')
    (HERE / "utf8_bom_comma.csv").write_bytes(b"\xef\xbb\xbf" + comma.encode("utf-8"))

    tabbed = "Schlüssel\tStand\tkommunal\tzentral\tgesamt\n09564000\tDezember 2023\t200\t90\t290\n" \
             "09761000\t31.12.2023\t150\t77\t\n"
    (HERE / "tab_separated.csv").write_bytes(tabbed.encode("utf-8"))
    (HERE / "utf16_unicode_text.csv").write_bytes(b"\xff\xfe" + tabbed.encode("utf-16-le"))


if __name__ == "__main__":
    main()
