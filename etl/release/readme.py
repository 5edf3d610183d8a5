"""The README of a release (German): what it holds, the file formats, licences, the change feed, the badges."""

from __future__ import annotations

from pathlib import Path

from etl.release.tables import ReleasedTable
from etl.release.titles import title_of


def text(build_id: str, built_at: str, tables: list[ReleasedTable], changes: int, badges: int,
         with_demo: bool) -> str:
    lines = [
        f"# Digitalmonitor Kommunen – offene Daten, Veröffentlichung {build_id}",
        "",
        f"Erstellt {built_at}. " + ("**Enthält synthetische Demodaten** (Spalte `is_demo` = true); "
                                    "nicht für Auswertungen verwenden." if with_demo else
                                    "Nur echte Werte aus den genannten Quellen, keine Demodaten."),
        "",
        "## Dateien",
        "- `parquet/<tabelle>.parquet` – jede Tabelle und Kennzahl; große Tabellen je Land "
        "(`<tabelle>-land-<Landesschlüssel>.parquet`).",
        "- `csv/<tabelle>.csv` – CSV für Excel (Trennzeichen `;`, Dezimalkomma, UTF-8 mit BOM); fehlt, wo eine "
        "Tabelle mehr als 1.048.575 Zeilen hat. Schlüssel (`ars`, `ags`) sind Text mit führenden Nullen: in Excel "
        "über Daten › Aus Text/CSV öffnen und die Schlüsselspalten als Text einlesen.",
        "- `geo/region_shape.parquet` – Kartenformen als GeoParquet (WGS84). © GeoBasis-DE / BKG (Daten verändert).",
        f"- `changes.csv`, `changes.parquet`, `feed.atom` – {changes} Änderungen gegenüber der vorigen "
        "Veröffentlichung (neue Auszeichnungen und Förderungen, Leistungen online/offline, geänderte Zahlen).",
        f"- `badges/<Schlüssel>.svg` – {badges} Signets für Websites von Behörden mit echter Auszeichnung oder "
        "echter Zahl (nie Demowerte); `badges/index.csv` mit Text und Textalternative.",
        "- `datapackage.json` (Frictionless Data Package) und `dcat.jsonld` (DCAT-AP.de) – Beschreibung, "
        "Spalten, Einheiten, Quellen und Lizenzen.",
        "",
        "## Lizenzen",
        "Jede Ressource nennt in `datapackage.json` ihre Quellen und Lizenzen; wo eine Quelle keine Lizenz nennt "
        "(Pressefakten, Breitbandatlas, Open-PVOG), steht das unter `rights` bzw. `dct:rights`. Bitte die Quellen "
        "nennen.",
        "",
        "## Tabellen",
        "| Datei | Titel | Zeilen |",
        "|---|---|---|",
    ]
    for t in tables:
        lines.append(f"| `{t.parquet[0]}` | {title_of(t.name)[0]} | {t.rows} |")
    return "\n".join(lines) + "\n"


def write(folder: Path, build_id: str, built_at: str, tables: list[ReleasedTable], changes: int, badges: int,
          with_demo: bool) -> Path:
    path = folder / "README.md"
    path.write_text(text(build_id, built_at, tables, changes, badges, with_demo), encoding="utf-8")
    return path
