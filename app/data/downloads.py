"""The allow-list of downloadable tables and views, their rows, and the fact sources behind region-keyed rows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from app.data.cache import cached
from app.data.provenance import Result
from app.data.registry import Db, query
from core.measures import PROCEDURES as PROCEDURE_FACTS


@dataclass(frozen=True)
class Downloadable:
    """A table or view offered on the Daten page.

    `kinds`: the source kinds that feed rows without their own `source_id` (see `app.exports`); None
    marks build metadata, whose source is the build itself. `facts`: the fact tables whose rows about
    the same region (`ars`) are the sources of a row; `by_prefix`: also the facts of every region
    inside it (roll-ups).
    """

    label: str
    description: str
    kinds: tuple[str, ...] | None = ("register", "reference", "import", "demo")
    facts: tuple[str, ...] = ()
    by_prefix: bool = False
    in_full_zip: bool = True  # False: too large for the all-tables ZIP (millions of rows); a download of its own


PROCEDURES = (PROCEDURE_FACTS,)
PVOG_ONLY = ("pvog",)  # source kind of the Open-PVOG fetches (etl/sources/pvog/load.py)
PVOG_SERVICE_NOTE = ("Die einzelnen Leistungen je Region und Abruf (Tabelle pvog_service, bundesweit rund 6,7 Mio. "
                     "Zeilen je Abruf) gibt es nicht als Einzeldownload, sondern in der Offene-Daten-Veröffentlichung "
                     "unten („Offene Daten: versionierte Veröffentlichung“): parquet/pvog_service.parquet, ab einer "
                     "Million Zeilen je Land (pvog_service-land-09.parquet für Bayern)")


# the allow-list of downloadable objects; the order is the order on the Daten page
DOWNLOADABLE: dict[str, Downloadable] = {
    "region": Downloadable("Regionen", "Länder, Bezirke, Kreise, Gemeindeverbände und Gemeinden mit Einwohnern "
                           "und Fläche (neuestes Gemeindeverzeichnis)", ("register",)),
    "population": Downloadable("Bevölkerung je Ausgabe", "Einwohner und Fläche jeder Region in jeder Ausgabe des "
                               "Gemeindeverzeichnisses (Zensusbruch 2022 beachten)", ("register",)),
    "program": Downloadable("Programme", "Förderprogramme und Auszeichnungen mit Budget, Fördersatz, Frist"),
    "funding_grant": Downloadable("Förderbescheide", "Bewilligte Förderungen je Empfänger"),
    "certification": Downloadable("Auszeichnungen", "Digitales Amt: ausgezeichnete Behörden mit Datum"),
    "milestone": Downloadable("Meilensteine", "Veröffentlichte Zahlen und Termine der Programme"),
    "procedure_snapshot": Downloadable("Online-Verfahren je Stichtag", "Zahl der Online-Verfahren je Behörde "
                                       "und Datum"),
    "online_service": Downloadable("Online-Dienste", "Einzelne Online-Dienste je Behörde"),
    "v_authority": Downloadable("Behörden", "Behörden mit Typ und Größenklasse", ("register",)),
    "v_procedures_latest": Downloadable("Online-Verfahren (neuester Stand)", "Neuester Stand je Behörde"),
    "v_procedures_per_10k": Downloadable("Online-Verfahren je 10.000 Einwohner", "Neuester Stand je Behörde, "
                                         "bezogen auf die Einwohnerzahl", facts=PROCEDURES),
    "v_digitales_amt": Downloadable("Digitales Amt: Status", "Schwelle, Berechtigung, Auszeichnung und "
                                    "fehlende Verfahren je bayerischer Behörde",
                                    facts=("procedure_snapshot", "certification", "certification_program")),
    "v_grants_by_region_year": Downloadable("Förderung je Region und Jahr", "Bescheide und Summe je Programm, "
                                            "Empfänger und Jahr", facts=("funding_grant",)),
    "v_grants_per_inhabitant": Downloadable("Förderung je Einwohner", "Summe je Programm und Empfänger, je "
                                            "Einwohner", facts=("funding_grant",)),
    "v_grant_effect": Downloadable("Förderung und Fortschritt", "Online-Verfahren vor und nach jedem Bescheid",
                                   facts=("funding_grant", "procedure_snapshot")),
    "v_ranks": Downloadable("Ranglisten", "Rang je Behörde, Kennzahl und Vergleichsgruppe mit Rangänderung",
                             facts=PROCEDURES),
    "v_rollup": Downloadable("Zusammenfassungen", "Kennzahlen je Gemeindeverband, Kreis und Land", facts=PROCEDURES,
                                  by_prefix=True),
    "v_municipality_map": Downloadable("Gemeindekarte", "Werte je Gemeinde, wie die Karte sie zeigt",
                                          facts=("procedure_snapshot", "certification")),
    # the federal Dashboard Digitale Verwaltung (Open-PVOG): every row names its fetch (source: URL, fetch date);
    # the source states no licence, so none is claimed
    "v_pvog_history": Downloadable("Dashboard Digitale Verwaltung: Zählungen", "Für Bürger verfügbare und eigene "
                                   "Online-Leistungen je Region und Stand (Abrufe und Pressewerte), mit Quelladresse",
                                   PVOG_ONLY),
    "pvog_count": Downloadable("Dashboard Digitale Verwaltung: Zählungen je Abruf", "Eigene, nicht funktionierende "
                               "und für Bürger verfügbare Leistungen je Region und Abruf. " + PVOG_SERVICE_NOTE,
                               PVOG_ONLY),
    "pvog_count_topic": Downloadable("Dashboard Digitale Verwaltung: Themenfelder", "Eigene Leistungen je Region, "
                                     "Abruf und Themenfeld", PVOG_ONLY, facts=("pvog_count",)),
    "pvog_peer_service": Downloadable("Dashboard Digitale Verwaltung: Leistungen der Vergleichsgruppen", "Leistungen, "
                                      "die mindestens die Hälfte der Gemeinden gleicher Größe im Land anbietet",
                                      PVOG_ONLY),
    # pvog_service (one row per region x LeiKa service x fetch: ~6.7 M rows per fetch for all Germany) is not offered
    # here: a download of it would read every row into the app's memory. The open-data release has it as Parquet,
    # per Land above 1 M rows (etl/release/tables.py); PVOG_SERVICE_NOTE (in pvog_count) points there.
    "pvog_snapshot": Downloadable("Dashboard Digitale Verwaltung: Stände", "Jeder Abruf je Region: übernommen, "
                                  "älterer Stand, zurückgehalten oder unlesbar", PVOG_ONLY),
    "pvog_fetch": Downloadable("Dashboard Digitale Verwaltung: Abrufe", "Jeder Abruf: vollständig oder nicht, "
                               "angefragte und fehlgeschlagene Regionen, Basisadresse", PVOG_ONLY),
    "pvog_available": Downloadable("Dashboard Digitale Verwaltung: Pressewerte", "Veröffentlichte Zahlen der "
                                   "flächendeckend verfügbaren Leistungen mit Quelle", ("reference",)),
    # real context (each row with its source_id): Breitbandatlas, Bitkom Länderindex and Smart City Index
    "broadband": Downloadable("Breitband (Breitbandatlas, Stand Mitte 2021)", "Anteil der Haushalte mit mindestens "
                              "100 und 1.000 Mbit/s und der Gewerbestandorte mit 1.000 Mbit/s je Gemeinde, "
                              "nach Einwohnern gewichtet je Gemeindeverband, Kreis und Land; Hinweis bei Fusionen"),
    "bitkom_laenderindex": Downloadable("Bitkom Länderindex", "Rang und Punktzahl (0 bis 100) jedes Landes mit Quelle"),
    "smart_city_index": Downloadable("Smart City Index (Bitkom)", "Rang und Punktzahl der Großstädte je Jahr und "
                                     "Kategorie mit Quelle"),
    "region_mismatch": Downloadable("Schlüsselabgleich", "Schlüssel nur im Verzeichnis oder nur in den Grenzen",
                                    ("register", "boundaries")),
    "source": Downloadable("Quellen", "Jede gelesene Datei mit Herkunft, Prüfsumme, Stand und Lizenz"),
    "data_dictionary": Downloadable("Datenwörterbuch", "Bedeutung, Einheit und Quelle jeder Spalte", None),
    "load_log": Downloadable("Build-Protokoll", "Was jeder Schritt des letzten Builds geladen und abgelehnt hat",
                             None),
    "reject": Downloadable("Abgelehnte Zeilen", "Zeilen, die der Build abgelehnt, repariert oder per Name "
                           "zugeordnet hat"),
    "build_info": Downloadable("Build-Angaben", "Build-Kennung, Zeitpunkt und Stände", None),
}


def is_federal(name: str) -> bool:
    """Whether an allow-listed object holds the federal Open-PVOG measure (its pages show a note without data)."""
    return name in DOWNLOADABLE and (DOWNLOADABLE[name].kinds == PVOG_ONLY or name == "pvog_available")


@cached(max_entries=8)
def existing_objects(db: Db) -> set[str]:
    """Names of the tables and views in this build."""
    return set(query(db, "SELECT table_name FROM information_schema.tables")["table_name"])


def downloadable(db: Db) -> dict[str, Downloadable]:
    """The allow-list, limited to the objects this build has."""
    present = existing_objects(db)
    return {name: spec for name, spec in DOWNLOADABLE.items() if name in present}


@cached(max_entries=8)
def download_table(db: Db, name: str) -> pd.DataFrame:
    """All rows of an allow-listed table or view."""
    if name not in DOWNLOADABLE:
        raise ValueError(f"not downloadable: {name!r}")
    # ORDER BY ALL: the same download gives the same rows in the same order every time
    return query(db, f'SELECT * FROM "{name}" ORDER BY ALL')  # noqa: S608 - name from the allow-list


def region_shapes(db: Db, keys: list[str]) -> pd.DataFrame:
    """Map shape (WKB, EPSG:4326) of each key at the level its length names, with the shape's attribution."""
    return query(db, """
        SELECT s.ars, s.level, s.geometry, coalesce(f.attribution, src.attribution) AS attribution
        FROM region_shape s
        LEFT JOIN shape_file f ON f.level = s.level
        LEFT JOIN source src ON src.source_id = s.source_id
        WHERE s.ars IN (SELECT unnest($keys))
          AND s.level = CASE length(s.ars) WHEN 2 THEN 'state' WHEN 3 THEN 'gov_district' WHEN 5 THEN 'district'
                                           WHEN 9 THEN 'association' ELSE 'municipality' END""",
                 {"keys": [str(k) for k in keys]})


@cached(max_entries=8)
def table(db: Db, name: str) -> Result:
    """An allow-listed table or view with the provenance its spec names."""
    spec = DOWNLOADABLE[name]
    return Result.of(db, download_table(db, name), spec.facts, spec.kinds, spec.by_prefix)


def _present(db: Db, name: str) -> Result | None:
    return table(db, name) if name in existing_objects(db) else None


def dictionary(db: Db) -> Result | None:
    """The data dictionary of the build (None when the build has none)."""
    return _present(db, "data_dictionary")


def load_log(db: Db) -> Result | None:
    """What each step of the build loaded and rejected (None when the build has no log)."""
    return _present(db, "load_log")


@cached(max_entries=8)
def rejects(db: Db) -> Result | None:
    """The rows the build rejected, repaired or matched by name (None when the build has no such table); the rows
    of analyst imports first, so the person who imported a file finds its rows above those of the official
    sources."""
    if "reject" not in existing_objects(db):
        return None
    spec = DOWNLOADABLE["reject"]
    frame = query(db, """
        SELECT r.* FROM reject r LEFT JOIN source s USING (source_id)
        ORDER BY coalesce(s.kind = 'import', false) DESC, r.source_id, r.file, r.row_number, r.kind, r.reason,
                 r.raw""")
    return Result.of(db, frame, spec.facts, spec.kinds, spec.by_prefix)
