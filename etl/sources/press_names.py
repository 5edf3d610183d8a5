"""Names of authorities in the press files resolved to region keys through the project's name matcher
(`etl.keys.RegionIndex`), with the type and the Landkreis (or, for a kreisfreie Stadt, the city itself) as
context. A name that stays ambiguous or unknown is returned as unresolved with the matcher's reason."""

from __future__ import annotations

import re

from etl.keys import CITY_DISTRICT_KINDS, RegionIndex, RegionMatch, UnresolvedRegion, name_key, stem_key

BAVARIA = "09"
# press types -> the Typ words of the name matcher
TYPE_WORDS = {
    "vg": "Verwaltungsgemeinschaft", "verwaltungsgemeinschaft": "Verwaltungsgemeinschaft",
    "kreisstadt": "Stadt", "große kreisstadt": "Große Kreisstadt", "stadt": "Stadt", "markt": "Markt",
    "gemeinde": "Gemeinde", "kreisfreie stadt": "kreisfreie Stadt", "landkreis": "Landkreis",
    "bezirk": "Bezirk", "land": "Land",
}
LAND_CODES = {"BW": "08", "BY": "09", "BE": "11", "BB": "12", "HB": "04", "HH": "02", "HE": "06", "MV": "13",
              "NI": "03", "NW": "05", "RP": "07", "SL": "10", "SN": "14", "ST": "15", "SH": "01", "TH": "16"}
_MEMBERS = re.compile(r"\s*\([^)]*,[^)]*\)\s*$")  # "VG Iphofen (Iphofen, Markt Einersheim, …)"
_TITLES = re.compile(r"^(landeshauptstadt|freistaat|freie und hansestadt|große kreisstadt)\s+", re.IGNORECASE)
_DISTRICT_PREFIX = re.compile(r"^(lk|lkr\.?|landkreis)\s+", re.IGNORECASE)


def clean_name(name: str) -> str:
    """'VG Dormitz (Dormitz, Hetzles, Kleinsendelbach)' -> 'VG Dormitz'; 'Landeshauptstadt München' -> 'München'."""
    return _TITLES.sub("", _MEMBERS.sub("", name.strip())).strip()


class PressNames:
    """Resolve (name, type, Landkreis) of a press row within one Land."""

    def __init__(self, index: RegionIndex, population: dict[str, int]) -> None:
        self.index = index
        self.population = population
        self.districts: dict[tuple[str, str], list[str]] = {}
        for ars, row in index.rows.items():
            if row["level"] == "district" and row["kind"] not in CITY_DISTRICT_KINDS:
                key = (ars[:2], stem_key(name_key(str(row["display_name"]))))
                self.districts.setdefault(key, []).append(ars)

    def district_key(self, text: str | None, state: str) -> str | None:
        """The 5-digit key of a Landkreis named 'LK Landsberg a.Lech' (stem match: 'Landsberg am Lech')."""
        if not text or not _DISTRICT_PREFIX.match(text.strip()):
            return None
        stem = stem_key(name_key(_DISTRICT_PREFIX.sub("", text.strip())))
        hits = self.districts.get((state, stem), [])
        return hits[0] if len(hits) == 1 else None

    def resolve(self, name: str, kind: str | None, district: str | None, state: str = BAVARIA) -> RegionMatch:
        """The region of a press name; raises UnresolvedRegion with the reason when none or several fit."""
        base = clean_name(name)
        typ = TYPE_WORDS.get((kind or "").strip().casefold())
        kreis = self.district_key(district, state)
        if typ == "kreisfreie Stadt":
            plain = name_key(re.sub(r"^stadt\s+", "", base, flags=re.IGNORECASE))
            cities = [a for a in self.index.names.get(plain, []) if len(a) == 12 and a[:2] == state
                      and self.index.rows[a]["kind"] in CITY_DISTRICT_KINDS]
            if len(cities) == 1:
                return RegionMatch(cities[0], "name_match", f"kreisfreie Stadt '{name}' -> {cities[0]}")
        attempts = [(base, typ, kreis), (base, typ, None), (base, None, kreis)]
        reasons: list[str] = []
        for candidate, use_typ, use_kreis in attempts:
            try:
                match = self.index.by_name(candidate, use_typ, use_kreis)
            except UnresolvedRegion as exc:
                reasons.append(str(exc))
                continue
            if match.ars[:2] == state:
                return match
            reasons.append(f"'{candidate}' liegt nicht im Land {state}")
        raise UnresolvedRegion(reasons[0] if reasons else f"Name '{name}' nicht gefunden")

    def city(self, name: str, state: str | None = None) -> RegionMatch:
        """A city of a national index (Bitkom Smart City Index covers Großstädte): among several places of the
        name, the largest one."""
        base = clean_name(name)
        for typ in ("kreisfreie Stadt", "Stadt"):
            try:
                match = self.index.by_name(base, typ)
            except UnresolvedRegion:
                continue
            if len(match.ars) == 12:
                return match
        key = name_key(base)
        pool = [a for a in self.index.names.get(key, []) + self.index.stems.get(stem_key(key), [])
                if len(a) == 12 and (state is None or a[:2] == state)]
        if not pool:
            raise UnresolvedRegion(f"Stadt '{name}' im Gemeindeverzeichnis nicht gefunden")
        best = max(pool, key=lambda a: self.population.get(a, 0) or 0)
        return RegionMatch(best, "name_match", f"größte Stadt des Namens '{name}'")
