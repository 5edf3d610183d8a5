"""The full download: every table as CSV (two variants) in one ZIP with README.txt (stands, sources, licences,
method)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import pandas as pd

from app.exports.files import file_name, to_csv, to_csv_excel
from app.exports.provenance import Provenance
from app.frames import missing
from app.style import DEMO_LABEL  # the one demo label of pages, figures and files


def readme_text(prov: Provenance, files: Mapping[str, int], descriptions: Mapping[str, str] | None = None,
                method: str = "") -> str:
    """README.txt of the full download: stands, formats, sources and licences, files, method."""
    descriptions = descriptions or {}
    lines = ["Digitalmonitor Kommunen – vollständiger Datenexport", "=" * 52, ""]
    lines += [f"{k}: {v}" for k, v in prov.stands().items()]
    lines += ["", "Formate", "-------",
              "csv/        CSV, UTF-8, Trennzeichen Komma, Dezimalpunkt (für Skripte und Statistikprogramme)",
              "csv_excel/  CSV für deutsches Excel: UTF-8 mit BOM, Trennzeichen Semikolon, Dezimalkomma;",
              "            Schlüsselspalten (ars, ags, *_ars, postcode, *_id) stehen dort als =\"091620000000\",",
              "            damit Excel führende Nullen behält und keine Zahl wie 9,162E+10 daraus macht.",
              "            Für Skripte und Statistikprogramme die Dateien in csv/ verwenden.",
              "Jede Zeile nennt ihre Quelle (source_id), die Namensnennung (attribution), die Lizenz (licence),",
              "den Stand der Quelle (source_edition) und ob sie Demodaten enthält (is_demo, auf Demozeilen",
              "zusätzlich demo_note mit dem Hinweis „" + DEMO_LABEL + "“); register_edition ist",
              "der Gebietsstand des Gemeindeverzeichnisses, boundary_edition der Gebietsstand der Grenzen.",
              "Textzellen, die mit =, +, -, @, Tabulator oder Wagenrücklauf beginnen, sind mit einem Apostroph",
              "versehen, damit Tabellenprogramme sie nicht als Formel ausführen (die Schlüssel in csv_excel/ sind",
              "vom Export aus Ziffern erzeugt und ausgenommen).", ""]
    if prov.demo:
        lines += ["ACHTUNG: " + DEMO_LABEL + ".",
                  "Zeilen mit is_demo = True sind synthetisch erzeugt und dürfen nicht als amtliche Werte",
                  "zitiert werden.", ""]
    lines += ["Dateien", "-------"]
    for name, rows in files.items():
        desc = descriptions.get(name, "")
        lines.append(f"{name}: {rows} Zeilen" + (f" – {desc}" if desc else ""))
    lines += ["", "Quellen und Lizenzen", "--------------------"]
    src = prov.sources
    if not src.empty:
        for dataset, group in src.groupby("dataset", sort=False):
            first = group.iloc[0]
            lines.append(f"* {first.get('title', dataset)} ({dataset})")
            for label, col in (("Herausgeber", "publisher"), ("URL", "url"), ("Stand", "edition"),
                               ("Lizenz", "licence"), ("Namensnennung", "attribution")):
                value = first.get(col)
                if not missing(value) and str(value):
                    lines.append(f"    {label}: {value}")
            lines.append(f"    Dateien: {', '.join(str(f) for f in group['file'].dropna())}")
            if bool(group["is_demo"].fillna(False).astype(bool).any()):
                lines.append("    Demodaten: ja (synthetisch)")
    if method:
        lines += ["", "Methode", "-------", method.strip()]
    return "\n".join(lines) + "\n"


def to_zip(tables: Mapping[str, pd.DataFrame], prov: Provenance, descriptions: Mapping[str, str] | None = None,
           method: str = "") -> bytes:
    """ZIP of every table (frames already carrying provenance) as CSV and CSV for Excel, with README.txt."""
    buf = io.BytesIO()
    files: dict[str, int] = {}
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, frame in tables.items():
            fname = file_name(name, prov, "csv")
            zf.writestr(f"csv/{fname}", to_csv(frame))
            zf.writestr(f"csv_excel/{fname}", to_csv_excel(frame))
            files[fname] = len(frame)
        zf.writestr("README.txt", readme_text(prov, files, {file_name(n, prov, "csv"): d for n, d in
                                                            (descriptions or {}).items()}, method))
    return buf.getvalue()
