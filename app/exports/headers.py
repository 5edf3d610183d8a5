"""What the files for people (CSV für Excel, XLSX) say in German: column headers (measure columns by their
catalogue label with unit, the others from the table below, which follows the data dictionary's meanings),
the AGS beside the ARS in every format, date precisions as words, and the licence of demo rows.
Parquet and the plain CSV keep the machine names (the data dictionary explains them)."""

from __future__ import annotations

import pandas as pd

from core.keys import LEVEL_BY_LENGTH
from core.measures import MEASURES

# what a demo row's licence column says (the demo source row carries no licence: it needs none)
DEMO_LICENCE = "Demodaten – keine Lizenz nötig (synthetisch erzeugt, keine amtlichen Werte)"

PRECISION_WORDS = {"day": "Tag", "month": "Monat", "year": "Jahr"}

# Excel number formats (codes as stored in the file; German Excel shows TT.MM.JJJJ, MM.JJJJ, JJJJ)
PRECISION_FORMATS = {"day": "DD.MM.YYYY", "month": "MM.YYYY", "year": "YYYY"}

HEADERS: dict[str, str] = {
    "ars": "Regionalschlüssel (ARS)",
    "ags": "Gemeindeschlüssel (AGS)",
    "name": "Name",
    "display_name": "Name",
    "level": "Ebene",
    "kind": "Art",
    "region_kind": "Art",
    "authority_type": "Behördentyp",
    "size_class": "Größenklasse (Einwohner)",
    "district_name": "Kreis",
    "state_ars": "Land (ARS)",
    "gov_district_ars": "Regierungsbezirk (ARS)",
    "district_ars": "Kreis (ARS)",
    "association_ars": "Gemeindeverband (ARS)",
    "inherited_from": "übernommen von (ARS)",
    "inherited_from_name": "übernommen von Verwaltungsgemeinschaft",
    "population": "Einwohner",
    "value": "Wert",
    "rank": "Rang",
    "peers": "Behörden in der Vergleichsgruppe",
    "rank_change": "Rangänderung (Plätze)",
    "prev_rank": "Rang beim vorigen Stand",
    "group_median": "Median der Vergleichsgruppe",
    "as_of": "Stand",
    "as_of_precision": "Stand genau auf",
    "prev_as_of": "Voriger Stand",
    "prev_as_of_precision": "Voriger Stand genau auf",
    "awarded_on": "Ausgezeichnet am",
    "awarded_on_precision": "Ausgezeichnet genau auf",
    "approved_on": "Bewilligt am",
    "approved_on_precision": "Bewilligt genau auf",
    "on_date": "Datum",
    "date_precision": "Datum genau auf",
    "program_id": "Förderprogramm",
    "grant_id": "Förderbescheid",
    "amount_eur": "Betrag (€)",
    "amount_exact": "Betrag genau bekannt",
    "municipal": "Verfahren der Kommune",
    "central": "zentrale Verfahren",
    "threshold": "Schwelle",
    "distance": "Abstand zur Schwelle",
    "note": "Hinweis",
    "edition": "Ausgabe",
    "source_url": "Fundstelle (URL)",
    "postcode": "Postleitzahl",
    "source_id": "Quelle (source_id)",
    "attribution": "Quellenangabe",
    "licence": "Lizenz",
    "source_edition": "Stand der Quelle",
    "is_demo": "Demodaten",
    "demo_note": "Demo-Hinweis",
    "register_edition": "Gebietsstand Gemeindeverzeichnis",
    "boundary_edition": "Gebietsstand Grenzen",
    "build_date": "Datenstand (Build)",
}


def ags_of(ars: object) -> str | None:
    """The AGS of a key: a municipality's 8 digits (ARS without the 4 digits of its Gemeindeverband), the key
    itself for Land, Regierungsbezirk and Kreis; none for a Gemeindeverband (it has no AGS)."""
    if not isinstance(ars, str) or not ars.isdigit():
        return None
    level = LEVEL_BY_LENGTH.get(len(ars))
    if level == "municipality":
        return ars[:5] + ars[9:]
    if level in ("state", "gov_district", "district"):
        return ars
    return None


def with_ags(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with an `ags` column right after `ars` (unless it has one or no `ars`)."""
    if "ars" not in frame.columns or "ags" in frame.columns:
        return frame
    out = frame.copy()
    out.insert(out.columns.get_loc("ars") + 1, "ags", out["ars"].map(ags_of))
    return out


def precision_column(frame: pd.DataFrame, column: str) -> str | None:
    """The column holding the precision (day, month, year) of a date column, if the frame has one."""
    for name in (f"{column}_precision", "date_precision" if column == "on_date" else ""):
        if name and name in frame.columns:
            return name
    return None


def dates_beside_precision(frame: pd.DataFrame) -> pd.DataFrame:
    """Each precision column moved right after its date column."""
    cols = list(frame.columns)
    for col in list(cols):
        prec = precision_column(frame, col)
        if prec is not None and prec in cols:
            cols.remove(prec)
            cols.insert(cols.index(col) + 1, prec)
    return frame[cols]


def header(column: object) -> str:
    """The German header of a machine column name (itself when neither the catalogue nor the table knows it)."""
    text = str(column)
    spec = MEASURES.get(text)
    if spec is not None:
        return spec.column
    return HEADERS.get(text, text)


def german(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers in German (a header two columns would share keeps its machine name in brackets) and the
    precision words Tag/Monat/Jahr."""
    out = frame.copy()
    for col in out.columns:
        if str(col).endswith("precision"):
            out[col] = out[col].map(lambda v: PRECISION_WORDS.get(v, v), na_action="ignore")
    names = [header(c) for c in out.columns]
    out.columns = [f"{n} ({c})" if names.count(n) > 1 else n for n, c in zip(names, out.columns, strict=True)]
    return out


def machine_names(columns: list[object]) -> list[str]:
    """The machine names behind German headers (for reading a file back; the first of two names sharing a
    header, e.g. `name` for "Name"); headers it does not know stay as they are."""
    reverse: dict[str, str] = {}
    for key in (*HEADERS, *MEASURES):
        reverse.setdefault(header(key), key)
    out = []
    for col in map(str, columns):
        inner = col.rsplit(" (", 1)[-1][:-1] if col.endswith(")") and " (" in col else ""
        out.append(reverse.get(col) or (inner if inner in HEADERS or inner in MEASURES else col))
    return out
