"""Real or demo, per value: a short German text for each row of a region-keyed frame that says whether its value
is demo or real, and for a real value its source (the attribution of the fact rows about that region, or of the
regions inside it for roll-ups). Tables show it as column "Herkunft", map hovers as a line."""

from __future__ import annotations

import pandas as pd

from app.data.cache import cached
from app.data.provenance import fact_sources, source_table
from app.data.registry import Db

DEMO_ORIGIN = "Demodaten (synthetisch, nicht amtlich)"
REAL = "echt"
REGISTER_ORIGIN = "echt · amtliches Gemeindeverzeichnis"


@cached(max_entries=16)
def _real_attributions(build: Db, facts: tuple[str, ...]) -> pd.DataFrame:
    """Distinct (ars, attribution) of the real (not demo) fact rows of the allow-listed tables."""
    rows = fact_sources(build, facts)
    sources = source_table(build)[["source_id", "attribution", "is_demo"]]
    real = rows.merge(sources[~sources["is_demo"].fillna(False).astype(bool)], on="source_id")
    return real[["ars", "attribution"]].dropna().drop_duplicates()


def _text(attributions: list[str]) -> str:
    first = attributions[0].removeprefix("Quelle: ")
    return f"{REAL} · {first}" + (f" u. a. ({len(attributions)} Quellen)" if len(attributions) > 1 else "")


@cached(max_entries=32)
def _by_key(build: Db, facts: tuple[str, ...], lengths: tuple[int, ...]) -> dict[str, str]:
    """The real-source text per region key (`lengths`: also per prefix of these lengths, for roll-ups)."""
    real = _real_attributions(build, facts)
    keys = [real["ars"]] + [real["ars"].str[:n] for n in lengths]
    both = pd.concat([pd.DataFrame({"key": k, "attribution": real["attribution"]}) for k in keys]).drop_duplicates()
    return {str(key): _text(sorted(group)) for key, group in both.groupby("key")["attribution"]}


def origins(build: Db, frame: pd.DataFrame, facts: tuple[str, ...], by_prefix: bool = False) -> pd.Series:
    """Per row of `frame` (ars, value, is_demo): the demo label, its real source, or None without a value.
    `by_prefix`: a roll-up row rests on the facts of every region inside it."""
    if frame.empty:
        return pd.Series(None, index=frame.index, dtype=object)
    has_value = frame["value"].notna() if "value" in frame.columns else pd.Series(True, index=frame.index)
    demo = (frame["is_demo"].fillna(False).astype(bool) if "is_demo" in frame.columns
            else pd.Series(False, index=frame.index))
    if facts:
        lengths = tuple(sorted({len(str(k)) for k in frame["ars"]})) if by_prefix else ()
        real = frame["ars"].map(_by_key(build, tuple(facts), lengths)).fillna(
            f"{REAL} · Quelle siehe Tabellenunterschrift")
    else:
        real = pd.Series(REGISTER_ORIGIN, index=frame.index)
    out = real.where(~demo, DEMO_ORIGIN).astype(object)
    return out.where(has_value, None)
