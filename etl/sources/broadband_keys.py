"""Keys of the Breitbandatlas (Gebietsstand about 2021) matched to today's register.

A 2021 key is taken as it is when today's register has it. A key today's register no longer has is
followed across the older editions we hold (GV100AD 31.12.2021 and 31.12.2022, VG5000 01.01.2021): when
its old name is the name of exactly one of today's municipalities without a value in the same Land and
the area is the same (within AREA_TOLERANCE), the key changed with the territory unchanged (Eisenach,
16056000 -> 16063105) and the value moves to the new key. Anything else is a merger or a dissolution:
today's municipality shows no value with a note, and the old key is listed as matching nothing.
Bezirk rows of split cities (Berlin, Hamburg, Bremen, München, Köln) are never matched: the whole-city
row stands for the city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.german import format_number
from etl.keys import name_key
from etl.regions import display_name

AREA_TOLERANCE = 0.03  # VG5000 areas (1:5 Mio.) differ from the register's by up to about 1 %
CITY_KINDS = {"Kreisfreie Stadt", "Stadtkreis"}


@dataclass(frozen=True)
class OldKey:
    """A municipality key as an older edition knew it."""

    ags: str
    name: str
    area_km2: float | None
    edition: str
    unincorporated: bool = False


@dataclass
class KeyMatch:
    """The outcome of matching the keys of one file to today's register."""

    to_today: dict[str, tuple[str, str]] = field(default_factory=dict)  # file key -> (today's ARS, how)
    bezirk_rows: dict[str, str] = field(default_factory=dict)  # file key -> whole city AGS
    unmatched: dict[str, str] = field(default_factory=dict)  # file key -> reason (German)
    notes: dict[str, str] = field(default_factory=dict)  # today's ARS -> note (German)


def _fmt_area(value: float | None) -> str:
    return "?" if value is None else format_number(value, 1)


def match_keys(file_keys: list[str], regions: pd.DataFrame, older: dict[str, OldKey]) -> KeyMatch:
    """Map 8-digit file keys to today's municipalities (see the module docstring)."""
    munis = regions[regions["level"] == "municipality"]
    today = {r["ags"]: r for r in munis.to_dict("records")}
    out = KeyMatch()
    keys = set(file_keys)
    gone = sorted(k for k in keys if k not in today)
    without = {ags: r for ags, r in today.items() if ags not in keys and r["is_municipality"]}
    by_name: dict[tuple[str, str], list[str]] = {}
    for ags, row in without.items():
        by_name.setdefault((ags[:2], name_key(row["display_name"])), []).append(ags)
    merged_into: dict[str, list[str]] = {}
    for key, row in today.items():
        if key in keys:
            out.to_today[key] = (row["ars"], "exact")
    for key in gone:
        city = today.get(key[:5] + "000")
        if city is not None and city["kind"] in CITY_KINDS and key[5:] != "000":
            out.bezirk_rows[key] = city["ags"]
            continue
        old = older.get(key)
        if old is None:
            out.unmatched[key] = "Schlüssel in keinem vorliegenden Gemeindeverzeichnis (ab 2021) enthalten"
            continue
        if old.unincorporated:
            out.unmatched[key] = f"gemeindefreies Gebiet {old.name} (Stand {old.edition}), heute aufgelöst"
            continue
        hits = by_name.get((key[:2], name_key(old.name)), [])
        if len(hits) == 1:
            new = today[hits[0]]
            same = (old.area_km2 is not None and new["area_km2"]
                    and abs(new["area_km2"] - old.area_km2) <= AREA_TOLERANCE * old.area_km2)
            if same:
                out.to_today[key] = (new["ars"], "key_change")
                out.notes[new["ars"]] = (f"Schlüssel geändert: Breitbandatlas-Wert unter {key} ({old.name}, "
                                         f"Gebiet unverändert)")
                continue
            merged_into.setdefault(hits[0], []).append(key)
            out.unmatched[key] = (f"{old.name} (Stand {old.edition}, {_fmt_area(old.area_km2)} km²) ist in "
                                  f"{new['display_name']} ({new['ags']}, heute {_fmt_area(new['area_km2'])} km²) "
                                  "aufgegangen")
            continue
        out.unmatched[key] = (f"{old.name} (Stand {old.edition}): seit 2021 in einer Fusion aufgegangen oder "
                              "aufgelöst, kein heutiger Schlüssel")
    mapped = {ars for ars, _how in out.to_today.values()}
    for ags, row in without.items():
        if row["ars"] in mapped:
            continue
        if ags in merged_into:
            olds = ", ".join(merged_into[ags])
            out.notes[row["ars"]] = (f"seit Mitte 2021 durch Zusammenschluss verändert (früher u. a. {olds}): "
                                     "keine Daten für das heutige Gebiet")
        elif ags not in older:
            out.notes[row["ars"]] = ("seit Mitte 2021 durch Zusammenschluss neu gebildet: der Breitbandatlas "
                                     "(Stand Mitte 2021) hat keinen Wert für das heutige Gebiet")
        else:
            out.notes[row["ars"]] = ("im Breitbandatlas (Stand Mitte 2021) ohne Wert unter diesem Schlüssel (der "
                                     "Atlas führt manche Gebiete unter Schlüsseln älterer Gebietsstände)")
    for key, (ars, how) in out.to_today.items():
        old = older.get(key)
        row = today.get(key)
        if how == "exact" and old and row is not None and old.area_km2 and row["area_km2"] \
                and row["area_km2"] > old.area_km2 * (1 + AREA_TOLERANCE):
            out.notes[ars] = (f"Gebiet seit 2021 vergrößert ({_fmt_area(old.area_km2)} -> "
                              f"{_fmt_area(row['area_km2'])} km²): der Wert gilt für das Gebiet von 2021")
    return out


def older_keys(registers: list[tuple[str, pd.DataFrame]], vg5000: pd.DataFrame | None) -> dict[str, OldKey]:
    """Municipality keys of older editions; the oldest register edition (closest to mid-2021) wins.

    `registers`: (edition, GV100AD records) pairs; `vg5000`: columns AGS, GEN, area_km2 (01.01.2021)."""
    out: dict[str, OldKey] = {}
    for edition, rec in sorted(registers, key=lambda p: p[0]):
        gem = rec[rec["rtype"] == "60"]
        for ags, name, area, code in zip(gem["ags"], gem["name"], gem["area_ha"], gem["text_code"], strict=True):
            out.setdefault(ags, OldKey(ags, display_name(name), area / 100.0, edition, code in ("65", "66")))
    if vg5000 is not None:
        for ags, name, area in zip(vg5000["AGS"], vg5000["GEN"], vg5000["area_km2"], strict=True):
            out.setdefault(ags, OldKey(ags, name, float(area), "2021-01-01"))
    return out
