"""Unambiguous display names (issue 15): every name the dashboard shows tells its region apart from any other
region of the same or a neighbouring level, as INKAR writes them.

- Kreise that share a name with another Kreis or a Gemeinde get their type: "München, Landkreis" /
  "München, Stadt" (the kreisfreie Stadt's Gemeinde row carries the same label as its Kreis row).
- Gemeinden and Gemeindeverbände that share a name with another region of their level get their Kreis:
  "Neustadt (Lkr. Coburg)", "Neuenkirchen (Kreis Steinfurt)"; within one Kreis the kind ("Winkelhaid
  (gemeindefreies Gebiet)"), and as a last resort the key.

The plain name (without the kind the register appends) stays the one that press and ministry facts are matched by
(`etl.regions.display_name`); the `region` table stores the unambiguous one as `display_name`.
"""

from __future__ import annotations

import pandas as pd

# how a Kreis's type is written after its name, and how a Gemeinde names its Kreis in brackets
KIND_SUFFIX = {"Kreisfreie Stadt": "Stadt", "Stadtkreis": "Stadt", "Landkreis": "Landkreis", "Kreis": "Kreis",
               "Regionalverband": "Regionalverband"}
KREIS_PREFIX = {"Landkreis": "Lkr.", "Kreis": "Kreis", "Regionalverband": "Regionalverband"}
UNINCORPORATED = "gemeindefreies Gebiet"


def _dupes(names: pd.Series) -> pd.Series:
    return names.duplicated(keep=False)


def unique_names(regions: pd.DataFrame) -> pd.Series:
    """The unambiguous display name of every row of a `build_regions` frame (same index)."""
    label = regions["display_name"].astype(str).copy()
    level, kind = regions["level"], regions["kind"].fillna("")
    districts = level == "district"
    municipalities = level == "municipality"
    # Kreise: a name shared with another Kreis or with any Gemeinde (other than the kreisfreie Stadt itself)
    muni_names = set(label[municipalities & ~regions["ars"].str[:5].isin(regions.loc[districts, "ars"]
                                                                         .where(kind != "Landkreis"))])
    clash = districts & (_dupes(label.where(districts)) & label.where(districts).notna()
                         | label.isin(muni_names) & (kind == "Landkreis"))
    suffix = kind.map(KIND_SUFFIX).fillna(kind)
    label[clash] = label[clash] + ", " + suffix[clash]
    # a kreisfreie Stadt's Gemeinde row (ARS = Kreis + 0000000) as its Kreis
    district_label = dict(zip(regions.loc[districts, "ars"], label[districts], strict=True))
    city = municipalities & regions["ars"].str.endswith("0000000") & regions["ars"].str[:5].map(
        lambda k: k in district_label and k in set(regions.loc[districts & (kind != "Landkreis"), "ars"]))
    label[city] = regions.loc[city, "ars"].str[:5].map(district_label)
    # a kreisfreie Stadt whose name another Gemeinde carries (Hagen, Hamm, Amberg): ", Stadt" on both its rows
    taken = label.where(municipalities & ~city)
    shared_city = city & label.isin(set(taken.dropna())) & ~label.str.contains(",", regex=False)
    for key in regions.loc[shared_city, "ars"].str[:5]:
        label[regions["ars"].isin([key, key + "0000000"])] += ", Stadt"
    # Gemeinden and Gemeindeverbände: the Kreis in brackets, then the kind, then the key
    district_kind = dict(zip(regions.loc[districts, "ars"], kind[districts], strict=True))
    plain_district = dict(zip(regions.loc[districts, "ars"], regions.loc[districts, "display_name"], strict=True))
    for lvl in ("municipality", "association"):
        rows = (level == lvl) & ~city
        same = rows & _dupes(label.where(level == lvl)) & label.where(level == lvl).notna()
        keys = regions.loc[same, "ars"].str[:5]
        kreis = [f"{KREIS_PREFIX.get(district_kind.get(k, ''), '')} {plain_district.get(k, '')}".strip()
                 for k in keys]
        label[same] = [f"{n} ({k})" if k else n for n, k in zip(label[same], kreis, strict=True)]
        unincorporated = (level == "municipality") & ~regions["is_municipality"].astype(bool)
        what = kind.where(~unincorporated, UNINCORPORATED)
        for which in (unincorporated, rows):  # first only the gemeindefreie Gebiet beside its namesake
            still = rows & which & _dupes(label.where(rows)) & label.where(rows).notna()
            label[still] = [f"{n[:-1]}, {w})" if n.endswith(")") else f"{n} ({w})"
                            for n, w in zip(label[still], what[still], strict=True)]
        last = rows & _dupes(label.where(rows)) & label.where(rows).notna()
        label[last] = label[last] + " [" + regions.loc[last, "ars"] + "]"
    return label
