"""The analyst import formats: columns with their accepted (German) names, how a file's kind is recognised,
and the pandera rules every parsed row must pass. Documented for analysts in data/import/README.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa

from core.keys import KEY_PATTERN

KINDS = ("procedures", "grants", "certifications")
KIND_LABELS = {"procedures": "Online-Verfahren (Liste)", "procedure_counts": "Online-Verfahren (Anzahlen)",
               "grants": "Förderungen", "certifications": "Zertifizierungen"}
PROCEDURE_KINDS = {"kommunal": "municipal", "k": "municipal", "municipal": "municipal", "gemeindlich": "municipal",
                   "zentral": "central", "z": "central", "central": "central", "landesweit": "central"}
GRANT_STATUSES = ("beantragt", "bewilligt", "ausgezahlt", "abgelehnt", "zurückgezogen")
CERTIFICATES = {"digitales amt": "Digitales Amt"}
EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True)
class Field:
    """One column of an import format: its canonical name, the template header and accepted synonyms."""

    name: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False  # the column must exist (values may still be optional)
    multi: bool = False  # several columns may map here; the first non-blank value wins


def header_key(header: str) -> str:
    """'Online seit' / 'online_seit' / 'ONLINE-SEIT' -> 'online seit'; 'Betrag (EUR)' -> 'betrag eur'."""
    value = unicodedata.normalize("NFKC", str(header)).casefold().replace("ß", "ss")
    value = value.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", value).split())


REGION_FIELDS = (
    Field("key", "Schlüssel", ("schluessel", "regionalschluessel", "ars", "ags", "gemeindeschluessel",
                               "amtlicher gemeindeschluessel", "amtlicher regionalschluessel", "gemeindekennziffer",
                               "gkz", "kennziffer", "kreisschluessel", "gemeindeverbandsschluessel",
                               "gemeindeverband schluessel", "verbandsschluessel", "vg schluessel", "region key",
                               "key"), multi=True),
    Field("name", "Name", ("name", "kommune", "gemeinde", "region", "behoerde", "empfaenger",
                           "zuwendungsempfaenger", "gebietskoerperschaft", "gemeindename", "kommunenname")),
    Field("region_type", "Typ", ("typ", "kommunentyp", "gebietsart", "ebene", "art der kommune", "region type")),
    Field("district", "Kreis", ("kreis", "landkreis", "lkr")),
)
SOURCE = Field("source_url", "Quelle", ("quelle", "quelle url", "quellen url", "source", "source url", "beleg",
                                         "fundstelle", "nachweis"))
NOTE = Field("note", "Bemerkung", ("bemerkung", "anmerkung", "hinweis", "note", "notiz", "kommentar"))
STAND = Field("as_of", "Stand", ("stand", "stichtag", "datenstand", "as of", "stand am"))

PROCEDURE_LIST = (
    Field("service_name", "Verfahren", ("verfahren", "verfahrensname", "onlinedienst", "online dienst", "dienst",
                                        "leistung", "leistungsname", "online verfahren name", "service",
                                        "service name", "bezeichnung"), required=True),
    Field("procedure_kind", "Art", ("art", "verfahrensart", "kommunal zentral", "kommunal oder zentral",
                                    "zustaendigkeit", "kind"), required=True),
    Field("leika_id", "LeiKa-ID", ("leika", "leika id", "leika schluessel", "leistungsschluessel", "leika nr")),
    Field("ozg_id", "OZG-ID", ("ozg", "ozg id", "ozg leistung id", "ozg nr")),
    Field("any_id", "LeiKa/OZG-ID", ("leika ozg id", "leika ozg", "id")),
    Field("online_since", "Online seit", ("online seit", "seit", "online since", "freigeschaltet am",
                                          "verfuegbar seit", "online ab")),
    Field("url", "URL", ("url", "link", "internetadresse", "webadresse", "adresse")),
    Field(STAND.name, STAND.label, STAND.synonyms),
)
PROCEDURE_COUNTS = (
    Field(STAND.name, STAND.label, (*STAND.synonyms, "datum", "stand datum"), required=True),
    Field("municipal", "kommunal", ("kommunal", "kommunale verfahren", "kommunale online verfahren", "municipal",
                                    "davon kommunal", "anzahl kommunal")),
    Field("central", "zentral", ("zentral", "zentrale verfahren", "zentrale online verfahren", "central",
                                 "davon zentral", "anzahl zentral")),
    Field("total", "gesamt", ("gesamt", "insgesamt", "summe", "anzahl", "total", "online verfahren",
                              "anzahl online verfahren", "verfahren gesamt", "online verfahren gesamt")),
    SOURCE, NOTE,
)
GRANTS = (
    Field("program", "Programm", ("programm", "foerderprogramm", "program", "programme", "programm id"),
          required=True),
    Field("approved_on", "Bewilligt am", ("bewilligt am", "bewilligungsdatum", "bescheid vom", "bescheiddatum",
                                          "bescheid datum", "datum", "approved on", "bewilligung", "bescheid date"),
          required=True),
    Field("amount_eur", "Betrag EUR", ("betrag eur", "betrag", "betrag in eur", "foerderbetrag",
                                       "foerderbetrag eur", "foerderbetrag in eur", "zuwendung", "zuwendung eur",
                                       "bewilligter betrag", "amount", "amount eur"), required=True),
    Field("amount_exact", "Betrag exakt", ("betrag exakt", "exakt", "amount exact")),
    Field("funding_rate", "Fördersatz", ("foerdersatz", "foerdersatz %", "foerderquote", "funding rate", "satz")),
    Field("purpose", "Zweck", ("zweck", "verwendungszweck", "vorhaben", "massnahme", "gegenstand", "purpose")),
    Field("status", "Status", ("status",)),
    Field("reference", "Aktenzeichen", ("aktenzeichen", "foerderkennzeichen", "bescheidnummer", "bescheid nr",
                                        "grant id")),
    SOURCE, NOTE,
)
CERTIFICATIONS = (
    Field("certificate", "Zertifikat", ("zertifikat", "auszeichnung", "praedikat", "zertifizierung", "siegel",
                                        "certificate"), required=True),
    Field("awarded_on", "Verliehen am", ("verliehen am", "ausgezeichnet am", "zertifiziert am", "verleihung",
                                         "datum", "award date", "awarded on"), required=True),
    Field("procedures_reported", "Online-Verfahren", ("online verfahren", "anzahl verfahren", "gemeldete verfahren",
                                                      "online verfahren reported", "verfahren")),
    SOURCE, NOTE,
)
FORMATS: dict[str, tuple[Field, ...]] = {
    "procedures": (*REGION_FIELDS, *PROCEDURE_LIST),
    "procedure_counts": (*REGION_FIELDS, *PROCEDURE_COUNTS),
    "grants": (*REGION_FIELDS, *GRANTS),
    "certifications": (*REGION_FIELDS, *CERTIFICATIONS),
}
# the field that marks a format when no --kind is given
MARKERS = {"procedures": "service_name", "procedure_counts": "as_of", "grants": "program",
           "certifications": "certificate"}


def synonyms(fmt: str) -> dict[str, Field]:
    """Normalised header -> field, for one format."""
    table: dict[str, Field] = {}
    for field in FORMATS[fmt]:
        for name in (field.name, field.label, *field.synonyms):
            table.setdefault(header_key(name), field)
    return table


ALL_HEADERS = {key for fmt in FORMATS for key in synonyms(fmt)}


def score_header(cells: list[str]) -> int:
    """How many cells of a row are known column names (to find the header row and the separator)."""
    return sum(1 for cell in cells if cell is not None and header_key(str(cell)) in ALL_HEADERS)


# ---------------------------------------------------------------------------------------------- rules


def _in_range(values: pd.Series) -> pd.Series:
    latest = date.today() + timedelta(days=366)
    return values.map(lambda d: d is None or pd.isna(d) or EARLIEST <= d <= latest)


DATE_RULE = pa.Check(_in_range, error=f"Datum vor {EARLIEST:%Y} oder mehr als ein Jahr in der Zukunft")
ARS = pa.Column(str, pa.Check.str_matches(KEY_PATTERN, error="Regionalschlüssel ungültig"))
URL = pa.Check.str_matches(r"^https?://\S+", error="URL muss mit http:// oder https:// beginnen")
COUNT = [pa.Check.ge(0, error="Anzahl negativ"), pa.Check.le(5000, error="Anzahl über 5.000 unplausibel")]


def _sum_matches(frame: pd.DataFrame) -> pd.Series:
    both = frame["municipal"].notna() & frame["central"].notna()
    return ~both | (frame["municipal"].fillna(0) + frame["central"].fillna(0) == frame["total"])


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "online_service": pa.DataFrameSchema({
        "ars": ARS,
        "service_name": pa.Column(str, pa.Check.str_length(1, 500, error="Verfahrensname fehlt oder zu lang")),
        "kind": pa.Column(str, pa.Check.isin(["municipal", "central"], error="Art nicht kommunal/zentral")),
        "leika_id": pa.Column(str, pa.Check.str_matches(r"^\d{14}$", error="LeiKa-ID hat nicht 14 Ziffern"),
                              nullable=True),
        "ozg_id": pa.Column(str, pa.Check.str_matches(r"^\d{5}$", error="OZG-ID hat nicht 5 Ziffern"),
                            nullable=True),
        "online_since": pa.Column(nullable=True, checks=DATE_RULE),
        "url": pa.Column(str, URL, nullable=True),
    }),
    "procedure_snapshot": pa.DataFrameSchema({
        "ars": ARS,
        "as_of": pa.Column(nullable=False, checks=DATE_RULE),
        "as_of_precision": pa.Column(str, pa.Check.isin(["day", "month", "year"], error="Stand ohne Datum")),
        "municipal": pa.Column("Int64", COUNT, nullable=True),
        "central": pa.Column("Int64", COUNT, nullable=True),
        "total": pa.Column("Int64", COUNT, nullable=False),
        "source_url": pa.Column(str, URL, nullable=True),
    }, checks=[pa.Check(_sum_matches, error="gesamt ist nicht kommunal + zentral")]),
    "funding_grant": pa.DataFrameSchema({
        "ars": ARS,
        "approved_on": pa.Column(nullable=True, checks=DATE_RULE),
        "amount_eur": pa.Column(float, [pa.Check.ge(0, error="Betrag negativ"),
                                        pa.Check.le(1e9, error="Betrag über 1 Mrd. EUR unplausibel")], nullable=True),
        "funding_rate": pa.Column(float, pa.Check.in_range(0, 1, include_min=False, error="Fördersatz ungültig"),
                                  nullable=True),
        "status": pa.Column(str, pa.Check.isin(GRANT_STATUSES, error=f"Status nicht {'/'.join(GRANT_STATUSES)}")),
        "source_url": pa.Column(str, URL, nullable=True),
    }),
    "certification": pa.DataFrameSchema({
        "ars": ARS,
        "kind": pa.Column(str, pa.Check.str_length(1, 200, error="Zertifikat fehlt")),
        "awarded_on": pa.Column(nullable=True, checks=DATE_RULE),
        "awarded_on_precision": pa.Column(str, pa.Check.isin(["day", "month", "year", "unknown"])),
        "procedures_reported": pa.Column("Int64", COUNT, nullable=True),
        "source_url": pa.Column(str, URL, nullable=True),
    }),
}

# natural keys: a second row with the same key is a duplicate (same values) or a contradiction
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "online_service": ("ars", "service_key", "kind"),
    "procedure_snapshot": ("ars", "as_of", "as_of_precision"),
    "funding_grant": ("grant_id",),
    "certification": ("ars", "kind"),
}
