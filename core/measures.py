"""The one measure catalogue: what each measure is called, its unit and decimals, where it exists and what it
rests on. Pages, figures, tables, downloads (and the ETL's data dictionary) read it; nothing else repeats a
label, a unit, a number format or a fact-table name of a measure.

Adding a measure: one `Measure` entry here, its SQL (a metric view in `etl`, the value expression in
`app/data/map_sql.py`), and tests (see README, "How to add a measure").
"""

from __future__ import annotations

from dataclasses import dataclass

# the map levels (shape layers); "association" is the layer of the administering authorities
AUTHORITY_LEVELS = ("municipality", "association")
ROLLUP_LEVELS = ("district", "state")
ALL_MAP_LEVELS = (*AUTHORITY_LEVELS, *ROLLUP_LEVELS)

# fact tables and rule tables a measure can rest on (the allow-list of `app.data.downloads.fact_sources`)
PROCEDURES = "procedure_snapshot"
SERVICES = "online_service"
GRANTS = "funding_grant"
CERTIFICATIONS = "certification"
CERTIFICATION_RULES = "certification_program"  # the threshold of a programme holds for its whole state
PVOG_COUNTS = "pvog_count"  # the federal Dashboard Digitale Verwaltung (Open-PVOG), etl/sql/pvog_counts.sql
PVOG_PRESS = "pvog_available"  # press values of its "flächendeckend" count (etl/sources/press.py)
BROADBAND = "broadband"  # Breitbandatlas (Stand Mitte 2021), etl/sources/broadband.sql: municipalities and roll-ups
FACT_TABLES = (PROCEDURES, SERVICES, GRANTS, CERTIFICATIONS, PVOG_COUNTS, PVOG_PRESS, BROADBAND)

# source kinds behind a measure with no fact table of its own (population, area: the register alone)
REGISTER_ONLY = ("register",)
# source kinds that feed a derived view whose rows carry no source of their own
DERIVED_KINDS = ("register", "reference", "import", "demo")
# the federal measure: its fetched snapshots (kind pvog) and the press values of its count (kind reference)
PVOG_KINDS = ("register", "pvog", "reference")

DA_STATUS = ("zertifiziert", "berechtigt, nicht zertifiziert", "noch nicht")


@dataclass(frozen=True)
class Measure:
    """One measure. `levels`: the map levels that offer it (empty: shown in profiles and tables only);
    `rankable`: it has ranks in `v_ranks`; `categories`: the values of a categorical measure in legend
    order; `facts`: the fact tables its values rest on (none: the register alone); `can_be_demo`: demo
    generation may fill it; `caveat`: what a reader must keep in mind when comparing values."""

    key: str
    label: str
    unit: str = ""
    decimals: int = 0
    higher_is_better: bool = True
    levels: tuple[str, ...] = ()
    rankable: bool = False
    categories: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    can_be_demo: bool = True
    caveat: str = ""
    note: str = ""

    @property
    def ascending(self) -> bool:
        """Rank 1 is the smallest value (fewer is better)."""
        return not self.higher_is_better

    @property
    def column(self) -> str:
        """The table header of the measure: label with its unit."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def kinds(self) -> tuple[str, ...]:
        """The source kinds of rows without a fact source (see `app.exports.with_provenance`)."""
        if PVOG_COUNTS in self.facts:
            return PVOG_KINDS
        return DERIVED_KINDS if self.facts else REGISTER_ONLY


_PROCEDURES = (PROCEDURES,)
PER_10K_CAVEAT = ("je 10.000 Einwohner begünstigt kleine Gemeinden; auf Kreisebene mit Vorsicht: ein Landkreis zählt "
                  "die Verfahren aller seiner Behörden, eine kreisfreie Stadt nur ihre eigenen – beide getrennt "
                  "vergleichen (Kreistyp)")
PVOG_CAVEAT = ("Zählung des Bundes (Dashboard Digitale Verwaltung, LeiKa-Leistungen mit Status ok), "
               "nicht die BayernPortal-Zählung hinter dem Digitalen Amt; Kreise und Länder zeigen den Stand "
               "ihres eigenen Abrufs, keine Summe ihrer Gemeinden")
PVOG_NOTE = ("Dashboard Digitale Verwaltung des Bundes (Open-PVOG), Stand je Abruf; wo eine Region keinen "
             "Abruf hat, der neueste Pressewert der flächendeckenden Zahl")

BROADBAND_NOTE = "Breitbandatlas, Bundesnetzagentur (Stand Mitte 2021); Kreise und Länder nach Einwohnern gewichtet"
BROADBAND_CAVEAT = ("Stand Mitte 2021, Gemeinden nach heutigem Gebietsstand; seither durch Zusammenschluss "
                    "gebildete Gemeinden ohne Wert")

# in the order of the Karte selectbox; the first real measure of a level is what a newcomer sees first
MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("households_gigabit", "Haushalte mit Gigabit (≥ 1.000 Mbit/s, alle Technologien)", "%", 1,
            levels=ALL_MAP_LEVELS, rankable=True, facts=(BROADBAND,), can_be_demo=False, caveat=BROADBAND_CAVEAT,
            note=BROADBAND_NOTE),
    Measure("households_100mbit", "Haushalte mit mindestens 100 Mbit/s (alle Technologien)", "%", 1,
            levels=ALL_MAP_LEVELS, rankable=True, facts=(BROADBAND,), can_be_demo=False, caveat=BROADBAND_CAVEAT,
            note=BROADBAND_NOTE),
    Measure("businesses_gigabit", "Gewerbestandorte mit Gigabit (≥ 1.000 Mbit/s, leitungsgebunden)", "%", 1,
            levels=ALL_MAP_LEVELS, rankable=True, facts=(BROADBAND,), can_be_demo=False, caveat=BROADBAND_CAVEAT,
            note=BROADBAND_NOTE),
    Measure("total", "Online-Verfahren gesamt", "Verfahren", levels=ALL_MAP_LEVELS, rankable=True,
            facts=_PROCEDURES),
    Measure("municipal", "kommunale Online-Verfahren", "Verfahren", levels=AUTHORITY_LEVELS, rankable=True,
            facts=_PROCEDURES),
    Measure("central", "zentrale Online-Verfahren (Land/Bund)", "Verfahren", levels=AUTHORITY_LEVELS,
            rankable=True, facts=_PROCEDURES),
    Measure("total_per_10k", "Online-Verfahren je 10.000 Einwohner", "je 10.000 Einw.", 1, levels=ALL_MAP_LEVELS,
            rankable=True, facts=_PROCEDURES, caveat=PER_10K_CAVEAT),
    Measure("da_status", "Digitales Amt: Status (Bayern)", levels=AUTHORITY_LEVELS, categories=DA_STATUS,
            facts=(PROCEDURES, CERTIFICATIONS),
            note="Mitgliedsgemeinden einer Verwaltungsgemeinschaft zeigen deren Status."),
    Measure("distance", "Digitales Amt: fehlende Verfahren bis zur Schwelle (Bayern)", "Verfahren",
            higher_is_better=False, levels=AUTHORITY_LEVELS, facts=_PROCEDURES),
    Measure("share_meeting_threshold", "Anteil der Gemeinden mit mindestens 50 Verfahren", "%", 1,
            levels=ROLLUP_LEVELS, facts=_PROCEDURES, note="bezogen auf die Gemeinden mit Daten"),
    Measure("coverage", "Einwohneranteil in Gemeinden mit mindestens 50 Verfahren", "%", 1, levels=ROLLUP_LEVELS,
            facts=_PROCEDURES, note="bezogen auf die Gemeinden mit Daten"),
    Measure("eur_per_inhabitant", "Förderung je Einwohner", "€", 2, levels=ALL_MAP_LEVELS, facts=(GRANTS,),
            caveat="Euro je Einwohner ist nachrangig: kleine Gebiete erscheinen bei gleichem Betrag größer"),
    Measure("population", "Einwohner", "Einw.", levels=ALL_MAP_LEVELS, can_be_demo=False),
    Measure("density", "Einwohner je km²", "Einw./km²", 1, levels=ALL_MAP_LEVELS, can_be_demo=False),
    Measure("area_km2", "Fläche", "km²", 2, can_be_demo=False),
    Measure("amount_eur", "Fördersumme", "€", 2, facts=(GRANTS,)),
    Measure("grants", "Bescheide", "Bescheide", facts=(GRANTS,)),
    # the federal measure (Open-PVOG): never mixed with the BayernPortal count above; real values only
    Measure("pvog_available", "Online-Leistungen für Bürger verfügbar (Bund/Land/Kreis/Gemeinde, flächendeckend)",
            "Leistungen", levels=ALL_MAP_LEVELS, rankable=True, facts=(PVOG_COUNTS, PVOG_PRESS),
            can_be_demo=False, caveat=PVOG_CAVEAT, note=PVOG_NOTE),
    Measure("pvog_own", "eigene Online-Leistungen (Dashboard Digitale Verwaltung)", "Leistungen",
            levels=ALL_MAP_LEVELS, rankable=True, facts=(PVOG_COUNTS,), can_be_demo=False, caveat=PVOG_CAVEAT,
            note=PVOG_NOTE),
)}

RANK_MEASURES = tuple(key for key, m in MEASURES.items() if m.rankable)
BROADBAND_MEASURES = tuple(key for key, m in MEASURES.items() if BROADBAND in m.facts)
PVOG_MEASURES = tuple(key for key, m in MEASURES.items() if PVOG_COUNTS in m.facts)
MAP_MEASURES = tuple(key for key, m in MEASURES.items() if m.levels)


def measure(key: str) -> Measure:
    """The catalogue entry of a key; an unknown key is a ValueError (keys come from URLs)."""
    try:
        return MEASURES[key]
    except KeyError:
        raise ValueError(f"unknown measure {key!r}") from None


def on_level(level: str) -> tuple[str, ...]:
    """The measures a map level offers, in catalogue order."""
    if level not in ALL_MAP_LEVELS:
        raise ValueError(f"unknown map level {level!r}")
    return tuple(key for key, m in MEASURES.items() if level in m.levels)
