"""Templates of the import formats (data/import/templates/), generated from `etl.imports.formats`.

`python -m etl.imports.templates` rewrites them: a header-only CSV (semicolons, UTF-8 with BOM, as German
Excel saves it) and an XLSX whose first sheet holds the header and whose second sheet explains the
columns with an example row.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from core.keys import PROJECT_DIR
from etl.imports.formats import FORMATS, KIND_LABELS, Field

TEMPLATE_DIR = PROJECT_DIR / "data" / "import" / "templates"
TEMPLATE_NAMES = {"procedures": "verfahren_liste", "procedure_counts": "verfahren_anzahl",
                  "grants": "foerderungen", "certifications": "zertifizierungen"}
# template columns: the fields an analyst fills in (alternatives such as the combined LeiKa/OZG column and
# the "Typ"/"Kreis" hints for name matching are documented in the README)
LEFT_OUT = {"any_id", "note"}

EXAMPLES: dict[str, dict[str, str]] = {
    "procedures": {"key": "09564000", "name": "Nürnberg", "service_name": "Wohnsitz anmelden",
                   "procedure_kind": "kommunal",
                   "online_since": "03.2021", "url": "https://example.org/verfahren/wohnsitz", "as_of": "30.06.2023"},
    "procedure_counts": {"key": "09564000", "name": "Nürnberg", "as_of": "Dezember 2023", "municipal": "",
                         "central": "", "total": "290", "source_url": "https://example.org/bericht"},
    "grants": {"key": "094745426", "name": "VG Dormitz", "program": "Digitales Rathaus", "approved_on": "15.12.2020",
               "amount_eur": "9.585,45", "amount_exact": "ja", "funding_rate": "80 %",
               "purpose": "Online-Dienste im BayernPortal", "status": "bewilligt", "reference": "",
               "source_url": "https://example.org/bescheid"},
    "certifications": {"key": "09671130", "name": "Hösbach", "certificate": "Digitales Amt",
                       "awarded_on": "06.02.2023", "procedures_reported": "", "source_url": "https://example.org/"},
}


def template_fields(fmt: str) -> list[Field]:
    return [f for f in FORMATS[fmt] if f.name not in LEFT_OUT | {"region_type", "district"}]


def write_templates(folder: Path = TEMPLATE_DIR) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, stem in TEMPLATE_NAMES.items():
        fields = template_fields(fmt)
        path = folder / f"{stem}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, delimiter=";", lineterminator="\r\n").writerow([f.label for f in fields])
        written.append(path)
        book = Workbook()
        sheet = book.active
        sheet.title = "Daten"
        sheet.append([f.label for f in fields])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, f in enumerate(fields, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(12, len(f.label) + 4)
            if f.name == "key":  # keys stay text so Excel keeps their leading zero
                for row in range(2, 1002):
                    sheet.cell(row=row, column=i).number_format = "@"
        help_sheet = book.create_sheet("Erläuterung")
        help_sheet.append([f"Vorlage: {KIND_LABELS[fmt]} – Daten ins Blatt 'Daten' ab Zeile 2; "
                           "Beschreibung in data/import/README.md"])
        help_sheet.append(["Spalte", "auch erkannt", "Beispiel"])
        for f in fields:
            help_sheet.append([f.label, ", ".join(f.synonyms[:6]), EXAMPLES[fmt].get(f.name, "")])
        xlsx = folder / f"{stem}.xlsx"
        book.save(xlsx)
        written.append(xlsx)
    return written


if __name__ == "__main__":
    for written_path in write_templates(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_DIR):
        print(written_path)
