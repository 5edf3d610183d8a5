"""Provenance of every download: the build's stands and source table (`Provenance`), and the columns
`with_provenance` adds to each row (source, attribution, licence, edition, demo flag and note, stands)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from app.exports.headers import DEMO_LICENCE
from app.frames import missing
from app.style import DEMO_LABEL  # the one demo label of pages, figures and files
from core.keys import LEVEL_BY_LENGTH
from core.measures import DERIVED_KINDS

# column appended to every download, in this order
PROVENANCE_COLUMNS = ("source_id", "attribution", "licence", "source_edition", "is_demo", "demo_note",
                      "register_edition", "boundary_edition", "build_date")


# metadata tables the build writes itself (no source file behind them)
PROJECT_SOURCE = {
    "source_id": "digitalmonitor",
    "attribution": "Digitalmonitor Kommunen (Build-Metadaten)",
    "licence": "Metadaten des Builds; Lizenzen der Quellen siehe Quellenverzeichnis",
}


@dataclass(frozen=True)
class Provenance:
    """What a download says about itself: build, stands and the source table."""

    build_id: str
    built_at: str
    register_edition: str
    boundary_editions: dict[str, str] = field(default_factory=dict)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def build_date(self) -> str:
        """The build day as YYYY-MM-DD ('' unless build_info holds one: it goes into file names)."""
        day = str(self.built_at)[:10]
        return day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day, flags=re.ASCII) else ""

    @cached_property
    def lookup(self) -> dict[str, dict[str, object]]:
        """source_id -> attribution, licence, edition, dataset, is_demo (read-only): once per build's provenance,
        not for every frame a page attributes."""
        return _source_lookup(self)

    @cached_property
    def _derived(self) -> dict[tuple, Any]:
        return {}

    def derived(self, key: tuple, make: Callable[[], Any]) -> Any:
        """An answer derived from the source table alone (sources of kinds, a summary of named sources), made once
        per build's provenance under `key`; callers only read it."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    @property
    def demo(self) -> bool:
        """Whether the build holds demo data."""
        return bool(not self.sources.empty and self.sources["is_demo"].fillna(False).astype(bool).any())

    def stands(self) -> dict[str, str]:
        """The stands of the build as German key/value pairs."""
        out = {"Build": self.build_id, "Datenstand (Build)": self.build_date,
               "Gebietsstand Gemeindeverzeichnis": self.register_edition}
        for level, edition in self.boundary_editions.items():
            out[f"Gebietsstand Grenzen ({LEVEL_LABELS_DE.get(level, level)})"] = edition
        return out


LEVEL_LABELS_DE = {"state": "Länder", "gov_district": "Regierungsbezirke", "district": "Kreise",
                   "association": "Gemeindeverbände", "municipality": "Gemeinden"}


def provenance_from(info: Mapping[str, str], sources: pd.DataFrame) -> Provenance:
    """Provenance from the `build_info` key/values and the `source` table."""
    levels = tuple(LEVEL_BY_LENGTH.values())
    return Provenance(
        build_id=str(info.get("build_id", "")),
        built_at=str(info.get("built_at", "")),
        register_edition=str(info.get("register_edition", "")),
        boundary_editions={lvl: str(info[f"{lvl}_boundary_edition"]) for lvl in levels
                           if f"{lvl}_boundary_edition" in info},
        sources=sources.reset_index(drop=True),
    )


def with_demo_licence(sources: pd.DataFrame) -> pd.DataFrame:
    """Demo sources without a licence say why none is needed (instead of "nicht angegeben" in every file)."""
    if sources.empty or not {"licence", "is_demo"} <= set(sources.columns):
        return sources
    out = sources.copy()
    blank = out["licence"].isna() | (out["licence"].astype(str).str.strip() == "")
    out["licence"] = out["licence"].astype(object).where(~(blank & out["is_demo"].fillna(False).astype(bool)),
                                                         DEMO_LICENCE)
    return out


def _join(values: Iterable[object]) -> str:
    seen: list[str] = []
    for v in values:
        if missing(v):
            continue
        s = str(v)
        if s and s not in seen:
            seen.append(s)
    return "; ".join(seen)


def _sources_of_kinds(prov: Provenance, kinds: Iterable[str], demo: bool) -> pd.DataFrame:
    """The sources of the given kinds (register: its newest edition; demo sources only for demo rows); read-only."""
    kinds = tuple(kinds)
    return prov.derived(("kinds", kinds, demo), lambda: _pick_sources_of_kinds(prov, kinds, demo))


def _pick_sources_of_kinds(prov: Provenance, kinds: tuple[str, ...], demo: bool) -> pd.DataFrame:
    src = prov.sources
    if src.empty:
        return src
    pick = src["kind"].isin(kinds)
    if "register" in kinds and prov.register_edition:
        pick &= (src["kind"] != "register") | (src["edition"].astype(str) == prov.register_edition)
    if not demo:
        pick &= ~src["is_demo"].fillna(False).astype(bool)
    return src[pick]


def _source_lookup(prov: Provenance) -> dict[str, dict[str, object]]:
    """source_id -> attribution (or its title when none is given), licence, edition, dataset, is_demo."""
    out: dict[str, dict[str, object]] = {}
    for row in prov.sources.to_dict("records"):
        attribution = row.get("attribution")
        if missing(attribution) or not str(attribution):
            attribution = row.get("title")
        licence = row.get("licence")
        if missing(licence) or not str(licence):
            licence = DEMO_LICENCE if bool(row.get("is_demo") or False) else "nicht angegeben"
        out[str(row["source_id"])] = {"attribution": attribution, "licence": licence,
                                      "edition": row.get("edition"), "dataset": row.get("dataset"),
                                      "is_demo": bool(row.get("is_demo") or False)}
    return out


def summary(sources: pd.DataFrame, per_dataset: int = 2) -> tuple[list[str], list[str]]:
    """(attributions, licences) of a set of sources, short enough for a caption or a figure: a dataset
    with more than `per_dataset` attributions (e.g. one press report per row) is named by its count."""
    if sources.empty:
        return [], []
    names: list[str] = []
    for dataset, group in sources.groupby("dataset", sort=False, dropna=False):
        attrs = list(dict.fromkeys(str(a) for a in group["attribution"].fillna(group["title"]).dropna()))
        if len(attrs) > per_dataset:
            names.append(f"{len(attrs)} Einzelquellen ({dataset}), Nachweis je Zeile in den Daten")
        else:
            names.extend(attrs)
    licences = sources["licence"].dropna().astype(str) if "licence" in sources.columns else pd.Series(dtype=str)
    return list(dict.fromkeys(names)), list(dict.fromkeys(licences))


def with_provenance(frame: pd.DataFrame, prov: Provenance, kinds: Iterable[str] | None = DERIVED_KINDS,
                    is_demo: bool | None = None, facts: pd.DataFrame | None = None,
                    by_prefix: bool = False) -> pd.DataFrame:
    """The frame with the provenance columns appended (existing ones are kept, not overwritten).

    - Rows with a `source_id` get the attribution, licence and edition of that source.
    - Rows of a derived view keyed on `ars` get the sources of the facts about that region (`facts`:
      ars, source_id; with `by_prefix` every fact whose key starts with the row's key, for roll-ups;
      a row with `inherited_from` also its Verwaltungsgemeinschaft's), plus the register (and
      boundaries) among `kinds`. Demo sources count only for demo rows.
    - Other derived rows get the sources of `kinds`; `kinds=None` marks build metadata (load log,
      dictionary) whose source is the build itself.
    Without an `is_demo` column the flag is `is_demo`, or – when not given – whether any demo source
    feeds the frame.
    """
    out = frame.copy()
    lookup = prov.lookup
    out["is_demo"] = pd.Series(_demo_flags(frame, prov, kinds, is_demo), index=out.index, dtype=bool)
    if "demo_note" not in out.columns:
        out["demo_note"] = [DEMO_LABEL if d else None for d in out["is_demo"]]

    def describe(ids: Iterable[str]) -> dict[str, str]:
        known = [lookup[i] for i in ids if i in lookup]
        return {"attribution": _join(k["attribution"] for k in known), "licence": _join(k["licence"] for k in known),
                "source_edition": _join(k["edition"] for k in known)}

    if "source_id" in out.columns:
        cache = {sid: describe([sid]) for sid in out["source_id"].dropna().astype(str).unique()}
        for col in ("attribution", "licence", "source_edition"):
            if col not in out.columns:
                out[col] = [cache[str(s)][col] if isinstance(s, str) else None for s in out["source_id"]]
    elif kinds is None:
        for col, value in PROJECT_SOURCE.items():
            if col not in out.columns:
                out[col] = value
        if "source_edition" not in out.columns:
            out["source_edition"] = prov.build_date
    elif facts is not None and "ars" in out.columns:
        by_sig: dict[tuple[str, ...], dict[str, str]] = {}
        rows: list[dict[str, str]] = []
        for ids in _fact_row_ids(out, prov, tuple(kinds), facts, by_prefix, out["is_demo"].tolist()):
            sig = tuple(ids)
            if sig not in by_sig:
                by_sig[sig] = {"source_id": "; ".join(ids), **describe(ids)}
            rows.append(by_sig[sig])
        for col in ("source_id", "attribution", "licence", "source_edition"):
            if col not in out.columns:
                out[col] = [r[col] for r in rows]
    else:
        values: dict[bool, dict[str, str]] = {}
        for demo in (False, True):
            chosen = _sources_of_kinds(prov, kinds, demo)
            attributions, licences = summary(chosen)
            values[demo] = {"source_id": _kind_datasets(chosen),
                            "attribution": _join(attributions), "licence": _join(licences),
                            "source_edition": _join(chosen["edition"]) if not chosen.empty else ""}
        for col in ("source_id", "attribution", "licence", "source_edition"):
            if col not in out.columns:
                out[col] = [values[d][col] for d in out["is_demo"]]
    for col in ("attribution", "licence", "source_edition"):
        if col not in out.columns:
            out[col] = None
    out["register_edition"] = prov.register_edition
    if "ars" in out.columns:
        out["boundary_edition"] = [
            prov.boundary_editions.get(LEVEL_BY_LENGTH.get(len(str(a)), ""), None) if isinstance(a, str) else None
            for a in out["ars"]]
    out["build_date"] = prov.build_date
    # a demo row says which licence applies to it (its values are synthetic; the register's licence stays)
    out["licence"] = [lic if not demo or (isinstance(lic, str) and DEMO_LICENCE in lic)
                      else _join([DEMO_LICENCE, *([] if missing(lic) or lic == "nicht angegeben" else [lic])])
                      for lic, demo in zip(out["licence"], out["is_demo"], strict=True)]
    rest = [c for c in out.columns if c not in PROVENANCE_COLUMNS]
    return out[rest + [c for c in PROVENANCE_COLUMNS if c in out.columns]]


def source_tokens(frame: pd.DataFrame, prov: Provenance, kinds: Iterable[str] | None = DERIVED_KINDS,
                  is_demo: bool | None = None, facts: pd.DataFrame | None = None, by_prefix: bool = False) -> set[str]:
    """The source ids (or, for rows credited to source kinds, datasets) that `with_provenance` writes into the
    frame's `source_id` column, without writing the frame: all a caption's attribution needs (`sources_named`).
    A page attributes every query it shows; the whole tagging of a one-row frame cost 8 ms of pandas."""
    if "source_id" in frame.columns:
        values: Iterable[object] = frame["source_id"].tolist()
    elif kinds is None:
        values = [PROJECT_SOURCE["source_id"]]
    elif facts is not None and "ars" in frame.columns:
        demos = _demo_flags(frame, prov, kinds, is_demo)
        values = ["; ".join(ids) for ids in _fact_row_ids(frame, prov, tuple(kinds), facts, by_prefix, demos)]
    else:
        values = [_kind_datasets(_sources_of_kinds(prov, kinds, demo))
                  for demo in set(_demo_flags(frame, prov, kinds, is_demo))]
    return {t.strip() for v in values if not missing(v) for t in str(v).split(";")}


def _demo_flags(frame: pd.DataFrame, prov: Provenance, kinds: Iterable[str] | None,
                is_demo: bool | None) -> list[bool]:
    """Each row's demo flag: its `is_demo`, else `is_demo`, else whether a demo source of `kinds` feeds the frame."""
    if "is_demo" in frame.columns:
        return frame["is_demo"].astype("boolean").fillna(False).astype(bool).tolist()
    if is_demo is None:
        feeding = _sources_of_kinds(prov, kinds, True) if kinds is not None else pd.DataFrame()
        is_demo = bool(not feeding.empty and feeding["is_demo"].fillna(False).astype(bool).any())
    return [bool(is_demo)] * len(frame)


def _fact_row_ids(frame: pd.DataFrame, prov: Provenance, kinds: tuple[str, ...], facts: pd.DataFrame,
                  by_prefix: bool, demos: list[bool]) -> list[list[str]]:
    """Per row of a region-keyed frame: the sources of the facts about its region (and its VG's, `inherited_from`),
    sorted, then the register and boundaries among `kinds`; demo sources only for demo rows."""
    base = _sources_of_kinds(prov, [k for k in kinds if k in ("register", "boundaries")], False)
    base_ids = [str(i) for i in base["source_id"]] if not base.empty else []
    keys = frame["ars"].tolist()
    inherited = frame["inherited_from"].tolist() if "inherited_from" in frame.columns else [None] * len(frame)
    fact_ids = _fact_index(_about(facts, [*keys, *inherited], by_prefix), kinds, prov.lookup)
    rows = []
    for key, extra, demo in zip(keys, inherited, demos, strict=True):
        ids = list(_facts_for(fact_ids, key, by_prefix, demo))
        if isinstance(extra, str) and extra:
            ids += [i for i in _facts_for(fact_ids, extra, False, demo) if i not in ids]
        rows.append(sorted(ids) + base_ids)
    return rows


def _kind_datasets(chosen: pd.DataFrame) -> str:
    """The `source_id` of a row credited to the sources of its kinds: their datasets."""
    return _join(chosen["dataset"]) if not chosen.empty else ""


@dataclass
class _FactIndex:
    keys: list[str]                       # sorted region keys
    ids: dict[str, list[tuple[str, bool]]]  # key -> [(source_id, is_demo)]


def _about(facts: pd.DataFrame, keys: Iterable[object], by_prefix: bool) -> pd.DataFrame:
    """The fact rows about these region keys (with `by_prefix` also about every region inside them): _fact_index goes
    row by row in Python, and a profile's few rows would otherwise walk every fact of the build, each time."""
    wanted = {key for key in keys if isinstance(key, str) and key}
    ars = facts["ars"].astype(str)
    mask = ars.isin(wanted)
    if by_prefix:
        for length in {len(key) for key in wanted}:
            mask |= ars.str[:length].isin({key for key in wanted if len(key) == length})
    return facts[mask]


def _fact_index(facts: pd.DataFrame, kinds: tuple[str, ...], lookup: dict[str, dict[str, object]]) -> _FactIndex:
    """Fact sources per region key, limited to sources of `kinds` (demo only if 'demo' is among them)."""
    ids: dict[str, list[tuple[str, bool]]] = {}
    allowed = {sid for sid, info in lookup.items()
               if info["dataset"] is not None and (not info["is_demo"] or "demo" in kinds)}
    for key, sid in zip(facts["ars"].astype(str), facts["source_id"].astype(str), strict=True):
        if sid in allowed or sid not in lookup:
            entry = (sid, bool(lookup.get(sid, {}).get("is_demo", False)))
            bucket = ids.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)
    return _FactIndex(sorted(ids), ids)


def _facts_for(index: _FactIndex, key: object, by_prefix: bool, demo: bool) -> Iterable[str]:
    if not isinstance(key, str) or not key:
        return []
    if by_prefix:
        start = bisect.bisect_left(index.keys, key)
        stop = bisect.bisect_left(index.keys, key + "\uffff")
        keys = index.keys[start:stop]
    else:
        keys = [key] if key in index.ids else []
    out: list[str] = []
    for k in keys:
        for sid, is_demo in index.ids[k]:
            if (demo or not is_demo) and sid not in out:
                out.append(sid)
    return out


def used_sources(frame: pd.DataFrame, prov: Provenance) -> pd.DataFrame:
    """The rows of the source table that the frame's `source_id` values name (by id or dataset)."""
    if prov.sources.empty or "source_id" not in frame.columns:
        return prov.sources
    return sources_named(prov, {t.strip() for v in frame["source_id"].dropna().astype(str) for t in v.split(";")})


def named_summary(prov: Provenance, tokens: set[str]) -> tuple[list[str], list[str]]:
    """`summary` of the sources named by these tokens (see `source_tokens`), once per set of tokens."""
    names, licences = prov.derived(("summary", frozenset(tokens)), lambda: summary(sources_named(prov, tokens)))
    return list(names), list(licences)


def sources_named(prov: Provenance, tokens: set[str]) -> pd.DataFrame:
    """The rows of the source table named by these source ids or datasets (all rows when none is named)."""
    src = prov.sources
    if src.empty:
        return src
    picked = src[src["source_id"].isin(tokens) | src["dataset"].isin(tokens)]
    return picked if not picked.empty else src
