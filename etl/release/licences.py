"""Licences of the sources as the release names them: a known licence gets its URL; where a source states
none (press facts, Breitbandatlas, Open-PVOG) the release says so in words (`dct:rights`) and invents none."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

PROJECT_LICENCE = ("dl-de/by-2-0", "Datenlizenz Deutschland – Namensnennung – Version 2.0",
                   "https://www.govdata.de/dl-de/by-2-0")

# a marker in the source's licence text -> (short name, title, URL)
KNOWN: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("dl-de/by-2-0", PROJECT_LICENCE),
    ("dl-de/zero-2-0", ("dl-de/zero-2-0", "Datenlizenz Deutschland – Zero – Version 2.0",
                        "https://www.govdata.de/dl-de/zero-2-0")),
    ("CC BY 4.0", ("CC-BY-4.0", "Creative Commons Namensnennung 4.0", "https://creativecommons.org/licenses/by/4.0/")),
    ("MIT", ("MIT", "MIT-Lizenz", "https://opensource.org/licenses/MIT")),
)
NO_LICENCE = "Die Quelle nennt keine Lizenz; Weiterverwendung der Fakten mit Quellenangabe."


@dataclass(frozen=True)
class SourceLicence:
    dataset: str
    title: str
    url: str | None
    publisher: str | None
    licence_text: str
    attribution: str | None
    edition: str | None
    is_demo: bool
    licence: tuple[str, str, str] | None  # (name, title, URL) when the source states a known licence

    @property
    def rights(self) -> str:
        """What may be done with it, in words (the source's own statement, or that it states no licence)."""
        if self.licence is not None:
            return f"{self.licence[1]}; Namensnennung: {self.attribution or self.title}"
        stated = self.licence_text.strip()
        return f"{NO_LICENCE} Angabe der Quelle: {stated}" if stated else NO_LICENCE


def known_licence(text: str | None) -> tuple[str, str, str] | None:
    for marker, licence in KNOWN:
        if text and marker in text and "keine Lizenz" not in text:
            return licence
    return None


def source_licences(con: duckdb.DuckDBPyConnection, with_demo: bool) -> list[SourceLicence]:
    """One entry per dataset of the `source` table (files of one dataset share title, URL and licence)."""
    rows = con.execute("""
        SELECT dataset, any_value(title), any_value(url), any_value(publisher), coalesce(any_value(licence), ''),
               any_value(attribution), max(edition), bool_or(is_demo)
        FROM source WHERE $demo OR NOT is_demo GROUP BY dataset ORDER BY dataset""", {"demo": with_demo}).fetchall()
    return [SourceLicence(d, t, u, p, lic, a, e, bool(demo), known_licence(lic))
            for d, t, u, p, lic, a, e, demo in rows]
