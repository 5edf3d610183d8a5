"""Column headers matched by meaning when they are none of the documented names: analysts write "Anzahl
kommunaler Online-Verfahren", "Online-Verfahren kommunal", "davon zentral", "Onlinedienste gesamt",
"Förderbetrag (EUR)" or "Datum der Auszeichnung". A header is read as the words it contains (normalised by
`header_key`); each field of a format has a rule of words it needs and words it must not have. A header that
fits exactly one field of the format maps to it; one that fits several is ambiguous and named in the error."""

from __future__ import annotations

from collections.abc import Callable

from etl.imports.formats import Field, header_key

DATE_WORDS = ("am", "vom", "seit", "wann", "tag")
Rule = Callable[[str], bool]


def _has(text: str, *words: str) -> bool:
    return any(w in text for w in words)


def _dated(text: str) -> bool:
    return "datum" in text or any(word in DATE_WORDS for word in text.split())


RULES: dict[str, Rule] = {
    "municipal": lambda t: _has(t, "kommunal", "gemeindlich") and not _has(t, "zentral"),
    "central": lambda t: _has(t, "zentral", "landesweit") and not _has(t, "kommunal", "gemeindlich"),
    "total": lambda t: (_has(t, "gesamt", "insgesamt", "summe", "total")
                        or _has(t, "verfahren", "dienst", "leistung")) and not _has(
                            t, "kommunal", "zentral", "gemeindlich", "landesweit", "name", "art") and not _dated(t),
    "as_of": lambda t: _has(t, "stand", "stichtag"),
    "amount_eur": lambda t: _has(t, "betrag", "zuwendung", "foerdersumme", "eur") and not _has(t, "exakt", "satz"),
    "funding_rate": lambda t: _has(t, "satz", "quote", "prozent"),
    "approved_on": lambda t: _has(t, "bewillig", "bescheid") and _dated(t),
    "awarded_on": lambda t: _has(t, "auszeichnung", "verleih", "verliehen", "zertifizier", "ausgezeichnet")
                            and _dated(t),
    "certificate": lambda t: _has(t, "zertifikat", "auszeichnung", "praedikat", "siegel") and not _dated(t),
    "procedures_reported": lambda t: _has(t, "verfahren", "dienst") and not _dated(t),
    "program": lambda t: _has(t, "programm"),
    "source_url": lambda t: _has(t, "quelle", "url", "link", "fundstelle"),
    "note": lambda t: _has(t, "bemerkung", "anmerkung", "hinweis", "kommentar"),
}


def by_meaning(header: str, fields: tuple[Field, ...]) -> list[Field]:
    """The fields of a format whose rule the header fits (none, one, or several = ambiguous)."""
    text = header_key(header)
    if not text:
        return []
    return [f for f in fields if f.name in RULES and RULES[f.name](text)]
