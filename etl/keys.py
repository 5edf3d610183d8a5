"""Region keys of any level and names, normalised to the `ars` of table `region`.

Accepted keys: 2 (Land), 3 (Regierungsbezirk; a Bavarian Bezirk uses it), 5 (Kreis), 8 (AGS), 9
(Gemeindeverband) and 12 digits (ARS). Repairs, each reported: a leading zero Excel dropped ("9564000");
the 5-digit key of a kreisfreie Stadt -> its municipality; the 9-digit key of a Gemeindeverband with a
single member -> that municipality. Names are a fallback, always reported; a name that fits several
regions needs the kind (Typ) or the Kreis, else it is refused as ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from core.keys import LEVEL_BY_LENGTH
from etl.german import text
from etl.regions import display_name

CITY_DISTRICT_KINDS = {"Kreisfreie Stadt", "Stadtkreis"}

# kind words (Typ column or a name prefix) -> the levels they allow
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "land": ("state",), "bundesland": ("state",),
    "bezirk": ("gov_district",), "regierungsbezirk": ("gov_district",), "reg.-bez.": ("gov_district",),
    "landkreis": ("district",), "kreis": ("district",), "landratsamt": ("district",), "lkr.": ("district",),
    "lkr": ("district",), "lk": ("district",),
    "verwaltungsgemeinschaft": ("association",), "vgem": ("association",), "vg": ("association",),
    "verwaltungsverband": ("association",), "gvv": ("association",), "gemeindeverband": ("association",),
    "gemeinde": ("municipality",), "markt": ("municipality",), "stadt": ("municipality",),
    "kreisfreie stadt": ("municipality",), "stadtkreis": ("municipality",),
    "große kreisstadt": ("municipality",), "kreisangehörige stadt": ("municipality",),
    "stadt (kreisangehörig)": ("municipality",), "kreisangehörige gemeinde": ("municipality",),
    "kommune": ("municipality", "association"),
}
_PREFIX = re.compile(
    r"^(große kreisstadt|kreisfreie stadt|verwaltungsgemeinschaft|verwaltungsverband|gemeindeverband|"
    r"regierungsbezirk|reg\.-bez\.|landratsamt|landkreis|lkr\.?|lk|kreis|bezirk|vgem|vg|gvv|markt|stadt|gemeinde)"
    r"\s+(.+)$", re.IGNORECASE)
_DISTRICT_NOTE = re.compile(r"^(.*?)\s*\((?:lkr\.?|landkreis|lk|kreis)\s*([^)]+)\)$", re.IGNORECASE)
# qualifiers after a place name: "a.d.Saale", "i.Grabfeld", "am Main", "(Vils)", "/ Westerwald"
_STEM = re.compile(r"^(.+?)(?:\s+(?:a\.|i\.|b\.|v\.|o\.|am|an|im|in|bei|ob|vor|ob der)\b.*|\s*\(.*|\s*/.*)$")


class UnresolvedRegion(ValueError):
    """A key or name that does not identify one region; the message goes into the rejects report."""


@dataclass(frozen=True)
class RegionMatch:
    ars: str
    kind: str  # exact | repaired | name_match
    note: str = ""


def clean_key(value: object) -> str | None:
    """A key cell as a digit string: int 9564000 -> '9564000'; "'09564000" -> '09564000'; blanks -> None."""
    raw = text(value)
    if raw is None:
        return None
    raw = raw.strip().lstrip("'").replace(" ", "")
    if re.fullmatch(r"\d+\.0+", raw):
        raw = raw.split(".")[0]
    return raw


def name_key(name: str) -> str:
    """Comparable form of a place name: register suffix dropped, case, ß/ss, umlauts, dots and spaces."""
    value = unicodedata.normalize("NFKC", display_name(name)).casefold()
    value = value.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    value = re.sub(r"\.\s*", ".", value)
    value = re.sub(r"\bst\.(?=\w)", "sankt ", value)
    value = re.sub(r"\s*([-/])\s*", r"\1", value)
    value = re.sub(r"\(\s*", "(", value)
    value = re.sub(r"\s*\)", ")", value)
    return " ".join(value.split())


def stem_key(name: str) -> str:
    """The place name without its qualifier: 'neustadt a.d.donau' -> 'neustadt'."""
    m = _STEM.match(name)
    return m[1] if m else name


def kind_levels(kind: str | None) -> tuple[str, ...] | None:
    """Levels allowed by a Typ value; None when no Typ is given. Raises for an unknown Typ."""
    if kind is None or not kind.strip():
        return None
    token = " ".join(kind.casefold().split())
    if token in KIND_WORDS:
        return KIND_WORDS[token]
    raise UnresolvedRegion(f"Typ '{kind}' unbekannt (erlaubt: Gemeinde, Markt, Stadt, kreisfreie Stadt, "
                           "Verwaltungsgemeinschaft, Landkreis, Bezirk, Land)")


class RegionIndex:
    """Lookups of keys and names in the `region` frame of a build."""

    def __init__(self, regions: pd.DataFrame) -> None:
        frame = regions[["ars", "ags", "level", "name", "display_name", "kind", "district_ars",
                         "is_municipality"]]
        self.rows: dict[str, dict[str, object]] = {r["ars"]: r for r in frame.to_dict("records")}
        munis = frame[(frame["level"] == "municipality")]
        self.by_ags: dict[str, str] = dict(zip(munis["ags"], munis["ars"], strict=True))
        real = munis[munis["is_municipality"].astype(bool)]
        self.members: dict[str, list[str]] = real.groupby(real["ars"].str[:9])["ars"].agg(list).to_dict()
        self.in_district: dict[str, list[str]] = real.groupby(real["ars"].str[:5])["ars"].agg(list).to_dict()
        self.names: dict[str, list[str]] = defaultdict(list)
        self.stems: dict[str, list[str]] = defaultdict(list)
        for ars, name in zip(frame["ars"], frame["display_name"], strict=True):
            key = name_key(name)
            self.names[key].append(ars)
            self.stems[stem_key(key)].append(ars)

    # ------------------------------------------------------------------ keys

    def _lookup(self, key: str) -> tuple[str, str] | None:
        """(ars, repair note) of a key of exact length, or None."""
        n = len(key)
        if n == 8:
            ars = self.by_ags.get(key)
            return (ars, "") if ars else None
        if n not in LEVEL_BY_LENGTH or key not in self.rows:
            if n == 9 and len(self.members.get(key, [])) == 1:
                ars = self.members[key][0]
                return ars, (f"Gemeindeverbandsschlüssel {key} hat nur ein Mitglied: auf die Gemeinde {ars} "
                             f"({self.rows[ars]['display_name']}) umgestellt")
            return None
        row = self.rows[key]
        if n == 5 and row["kind"] in CITY_DISTRICT_KINDS and len(self.in_district.get(key, [])) == 1:
            ars = self.in_district[key][0]
            return ars, (f"Kreisschlüssel {key} der kreisfreien Stadt {row['display_name']} auf die Gemeinde "
                         f"{ars} umgestellt")
        return key, ""

    def by_key(self, value: object) -> RegionMatch:
        key = clean_key(value)
        if key is None:
            raise UnresolvedRegion("Schlüssel fehlt")
        if not key.isdigit():
            raise UnresolvedRegion(f"Schlüssel '{key}' besteht nicht nur aus Ziffern")
        notes = []
        found = self._lookup(key)
        if found is None and not key.startswith("0") and len(key) + 1 in (2, 3, 5, 8, 9, 12):
            found = self._lookup("0" + key)
            if found is not None:
                notes.append(f"führende Null ergänzt: {key} -> 0{key} (von Excel entfernt?)")
        if found is None:
            if len(key) not in (2, 3, 5, 8, 9, 12):
                raise UnresolvedRegion(f"Schlüssel '{key}' hat {len(key)} Stellen (erlaubt: 2, 3, 5, 8, 9 oder 12)")
            raise UnresolvedRegion(f"Schlüssel {key} gibt es im Gemeindeverzeichnis nicht")
        ars, note = found
        if note:
            notes.append(note)
        row = self.rows[ars]
        if row["level"] == "municipality" and not row["is_municipality"]:
            raise UnresolvedRegion(f"Schlüssel {key} ist ein gemeindefreies Gebiet ({row['display_name']}), "
                                   "keine Verwaltung")
        return RegionMatch(ars, "repaired" if notes else "exact", "; ".join(notes))

    # ------------------------------------------------------------------ names

    def _district_filter(self, district: object) -> str:
        """The 5-digit key of a Kreis given as key or name."""
        raw = text(district)
        assert raw is not None
        key = clean_key(raw)
        if key and key.isdigit():
            match = self.by_key(key)
            return match.ars[:5]
        hits = [a for a in self.names.get(name_key(_strip_prefix(raw)[1]), []) if len(a) == 5]
        if len(hits) == 1:
            return hits[0]
        if len({a for a in hits if self.rows[a]["kind"] not in CITY_DISTRICT_KINDS}) == 1:
            return next(a for a in hits if self.rows[a]["kind"] not in CITY_DISTRICT_KINDS)
        raise UnresolvedRegion(f"Kreis '{raw}' nicht eindeutig gefunden")

    def by_name(self, name: object, kind: object = None, district: object = None) -> RegionMatch:
        raw = text(name)
        if raw is None:
            raise UnresolvedRegion("weder Schlüssel noch Name angegeben")
        levels = kind_levels(text(kind))
        base = raw
        if (m := _DISTRICT_NOTE.match(base)) and district is None:
            base, district = m[1], m[2]
        district_ars = self._district_filter(district) if text(district) else None
        prefix_levels, stripped = _strip_prefix(base)
        attempts = [(base, levels)]
        if prefix_levels is not None:
            attempts.append((stripped, tuple(lv for lv in prefix_levels if levels is None or lv in levels)))
        for use_stems in (False, True):
            for candidate_name, allowed in attempts:
                key = name_key(candidate_name)
                pool = self.stems.get(stem_key(key), []) if use_stems else self.names.get(key, [])
                hits = self._narrow(pool, allowed, district_ars)
                if len(hits) == 1:
                    ars = hits[0]
                    row = self.rows[ars]
                    how = "Namensanfang" if use_stems else "Name"
                    return RegionMatch(ars, "name_match", f"{how} '{raw}' -> {ars} {row['name']} ({row['kind']})")
                if len(hits) > 1:
                    listed = ", ".join(f"{a} {self.rows[a]['name']} ({self.rows[a]['kind']})" for a in hits[:6])
                    more = f" und {len(hits) - 6} weitere" if len(hits) > 6 else ""
                    raise UnresolvedRegion(f"Name '{raw}' ist mehrdeutig: {listed}{more} – Schlüssel, Typ oder "
                                           "Kreis angeben")
        raise UnresolvedRegion(f"Name '{raw}' im Gemeindeverzeichnis nicht gefunden")

    def _narrow(self, pool: list[str], levels: tuple[str, ...] | None, district: str | None) -> list[str]:
        hits = []
        for ars in pool:
            row = self.rows[ars]
            if row["level"] == "municipality" and not row["is_municipality"]:
                continue
            if row["level"] == "district" and row["kind"] in CITY_DISTRICT_KINDS:
                # the kreisfreie Stadt is one authority: keep its municipality only
                city = self.in_district.get(ars, [])
                if len(city) == 1:
                    ars, row = city[0], self.rows[city[0]]
            if levels is not None and row["level"] not in levels:
                continue
            if district is not None and not (ars[:5] == district and len(ars) >= 5):
                continue
            if district is not None and row["level"] == "district" and levels is None:
                continue  # a Kreis column narrows the places inside it; 'Typ Landkreis' asks for the Kreis itself
            if ars not in hits:
                hits.append(ars)
        return hits

    def resolve(self, key: object = None, name: object = None, kind: object = None,
                district: object = None) -> RegionMatch:
        """By key when one is given (a wrong key is refused, never guessed from the name), else by name."""
        if clean_key(key) is not None:
            return self.by_key(key)
        return self.by_name(name, kind, district)


def _strip_prefix(name: str) -> tuple[tuple[str, ...] | None, str]:
    """'Landkreis Schweinfurt' -> (('district',), 'Schweinfurt'); no prefix -> (None, name)."""
    m = _PREFIX.match(name.strip())
    if not m:
        return None, name
    token = " ".join(m[1].casefold().split())
    return KIND_WORDS.get(token) or KIND_WORDS[token.rstrip(".")], m[2]
