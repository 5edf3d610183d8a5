"""Forgiving region search (Gemeindeprofil): names folded (ä → ae or a, ß → ss, accents, punctuation), then exact,
prefix, word-prefix and substring matches, then near matches with rapidfuzz for typos; postcodes and keys by prefix.

"Nurnberg", "muenchen", "Bad Koenigshofen" and "Nürnbrg" all find their town. The index (one row per searchable
region with its folded names) is built once per build and shared by all sessions.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from app.data.cache import cached, shared
from app.data.registry import Db, query

COLUMNS = ["ars", "name", "kind", "level", "postcode", "district_name", "state_name"]
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PUNCT = re.compile(r"[^\w]+")
FUZZY_CUTOFF = 80  # rapidfuzz ratio (0–100) below which a near match is not shown ("Atlantis" finds nothing)
_TIER_EXACT, _TIER_PREFIX, _TIER_WORD, _TIER_PART, _TIER_FUZZY = range(5)


def _clean(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", text).split())


def fold(text: str) -> tuple[str, str]:
    """Two spellings without case, accents or punctuation: umlauts written out ("nuernberg") and dropped
    ("nurnberg"); a searcher may type either."""
    low = unicodedata.normalize("NFC", str(text)).casefold()
    written = unicodedata.normalize("NFKD", low.translate(UMLAUTS))
    dropped = unicodedata.normalize("NFKD", low.replace("ß", "ss"))
    strip = lambda s: "".join(c for c in s if not unicodedata.combining(c))  # noqa: E731
    return _clean(strip(written)), _clean(strip(dropped))


@shared(max_entries=4)
def _index(db: Db) -> pd.DataFrame:
    """Every searchable region (no Regierungsbezirk except the Bavarian Bezirke) with its folded names."""
    frame = query(db, """
        SELECT r.ars, r.display_name AS name, r.name AS register_name, r.kind, r.level, r.postcode, r.ags,
               k.display_name AS district_name, s.display_name AS state_name, r.population
        FROM region r
        LEFT JOIN region k ON k.ars = r.district_ars
        LEFT JOIN region s ON s.ars = r.state_ars
        WHERE r.level <> 'gov_district' OR r.kind = 'Bezirk'
        ORDER BY r.ars""")
    folded = [fold(n) for n in frame["name"]]
    frame["written"] = [f[0] for f in folded]
    frame["dropped"] = [f[1] for f in folded]
    frame["register"] = [fold(n)[0] for n in frame["register_name"]]
    frame["base"] = [fold(n.split(",")[0])[0] for n in frame["register_name"]]  # the name without ", Stadt"
    frame["is_municipality_level"] = frame["level"] == "municipality"
    frame["population"] = frame["population"].fillna(0)
    return frame


def _tiers(index: pd.DataFrame, forms: tuple[str, ...]) -> pd.Series:
    """How well each region's folded names match the folded search text (NaN: not by its letters)."""
    tiers = []
    for q in forms:
        for col in ("written", "dropped", "base", "register"):
            names = index[col]
            tier = np.select([names == q, names.str.startswith(q), (" " + names).str.contains(" " + q, regex=False),
                              names.str.contains(q, regex=False)],
                             [_TIER_EXACT, _TIER_PREFIX, _TIER_WORD, _TIER_PART], default=np.nan)
            # the full register name ("münchen" of the Landkreis) must not outrank the city's own name
            tiers.append(np.maximum(tier, _TIER_PREFIX) if col == "register" else tier)  # NaN stays NaN
    return pd.Series(np.fmin.reduce(tiers), index=index.index)


@shared(max_entries=4)
def _written(db: Db) -> list[str]:
    """The index's folded names as a plain list, in its row order: rapidfuzz reads a list at C speed, a pandas
    column element by element (most searches look for typos, as one exact hit is fewer than five)."""
    return _index(db)["written"].tolist()


def _near(index: pd.DataFrame, names: list[str], q: str, limit: int) -> list[int]:
    """Rows (positions in `index`, whose names are `names`) whose folded name is a near spelling of the text
    (typos): the whole name or, for a text of at least five letters, the name's beginning of the same length."""
    scores: dict[int, float] = {}
    for _name, score, at in process.extract(q, names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit):
        scores[at] = max(scores.get(at, 0.0), score)
    if len(q) >= 5:
        heads = [name[: len(q)] for name in names]
        for _name, score, at in process.extract(q, heads, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF + 4,
                                                limit=limit):
            scores[at] = max(scores.get(at, 0.0), score)
    return [int(index.index[at]) for at in sorted(scores, key=lambda k: -scores[k])]


@cached(max_entries=256)
def find(db: Db, text: str, limit: int = 50) -> pd.DataFrame:
    """Regions matching a search text, best first: ars, name, kind, level, postcode, district_name, state_name.
    Digits: key (ARS or AGS) or postcode by prefix, an exact one first. Letters: exact, prefix, word prefix,
    substring, then near matches (typos); within each, Gemeinden first, then by population."""
    text = (text or "").strip()
    index = _index(db)
    if not text:
        return index.iloc[0:0][COLUMNS].reset_index(drop=True)
    if text.isdigit():
        hit = (index["ars"].str.startswith(text) | index["ags"].fillna("").str.startswith(text)
               | index["postcode"].fillna("").str.startswith(text))
        key, postcode = (index["ars"] == text) | (index["ags"] == text), index["postcode"] == text
        found = index[hit].assign(tier=np.where(key, 0, np.where(postcode, 1, 2))[hit.to_numpy()])
        found = found.sort_values(["tier", "is_municipality_level", "ars"], ascending=[True, False, True])
        return found.head(limit)[COLUMNS].reset_index(drop=True)
    forms = tuple(f for f in dict.fromkeys(fold(text)) if f)
    if not forms:  # only punctuation or symbols: no letters to look for
        return index.iloc[0:0][COLUMNS].reset_index(drop=True)
    found = index.assign(tier=_tiers(index, forms)).dropna(subset=["tier"])
    if len(found) < 5 and len(forms[0]) >= 4:  # typos only when the letters found (almost) nothing
        rows = [key for key in _near(index, _written(db), forms[0], limit) if key not in found.index]
        found = pd.concat([found, index.loc[rows].assign(tier=_TIER_FUZZY)])
    found = found.sort_values(["tier", "is_municipality_level", "population", "name"],
                              ascending=[True, False, False, True])
    return found.head(limit)[COLUMNS].reset_index(drop=True)
