"""Where a query's rows come from: the `Result` a query returns (its frame with the fact tables and source
kinds behind it, and the attribution text, computed once per build and arguments inside the query's cache),
and the cached provenance of a build that downloads and captions need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pandas as pd

from app import exports
from app.data.cache import cached, shared
from app.data.registry import Db, query
from app.data.start import build_info
from core.measures import CERTIFICATION_RULES, DERIVED_KINDS, FACT_TABLES


def source_table(db: Db) -> pd.DataFrame:
    """The whole `source` table (provenance of every file read)."""
    return query(db, "SELECT * FROM source ORDER BY kind, dataset, file")


def fact_sources(db: Db, tables: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Distinct (ars, source_id) of the rows of allow-listed fact tables."""
    parts = []
    for table in tables:
        if table == CERTIFICATION_RULES:
            parts.append("""SELECT DISTINCT r.ars, p.source_id FROM program p
                            JOIN region r ON r.state_ars = p.state_ars WHERE p.kind = 'certification'""")
            continue
        if table not in FACT_TABLES:
            raise ValueError(f"not a fact table: {table!r}")
        parts.append(f'SELECT DISTINCT ars, source_id FROM "{table}"')  # noqa: S608 - allow-listed
    if not parts:
        return pd.DataFrame({"ars": pd.Series(dtype=str), "source_id": pd.Series(dtype=str)})
    return query(db, " UNION ".join(parts))  # noqa: S608 - parts from the allow-list


@shared(max_entries=4)
def provenance(build: Db) -> exports.Provenance:
    """Build stands and the source table of a build: one object per build, shared read-only by every caller (a
    copying cache unpickled it per download button, chart and banner on every rerun)."""
    return exports.provenance_from(build_info(build), source_table(build))


@shared(max_entries=16)
def _fact_sources(build: Db, facts: tuple[str, ...]) -> pd.DataFrame:
    """Shared read-only (the attribution of every query reads it: a copying cache unpickled every fact's key each
    time)."""
    return fact_sources(build, facts)


def facts_for(build: Db, frame: pd.DataFrame, facts: Iterable[str]) -> pd.DataFrame | None:
    """The fact sources of a region-keyed frame without its own source column (None when not needed)."""
    facts = tuple(facts)
    if not facts or "source_id" in frame.columns or "ars" not in frame.columns:
        return None
    return _fact_sources(build, facts)


def tagged(build: Db, frame: pd.DataFrame, kinds: Iterable[str] | None = DERIVED_KINDS, is_demo: bool | None = None,
           facts: Iterable[str] = (), by_prefix: bool = False) -> pd.DataFrame:
    """The frame with the provenance columns every download carries (see `app.exports.with_provenance`)."""
    return exports.with_provenance(frame, provenance(build), None if kinds is None else tuple(kinds), is_demo,
                                   facts=facts_for(build, frame, facts), by_prefix=by_prefix)


def attribution(build: Db, frame: pd.DataFrame | None = None, kinds: Iterable[str] | None = DERIVED_KINDS,
                extra: Iterable[str] = (), facts: Iterable[str] = (), by_prefix: bool = False,
                is_demo: bool | None = None) -> str:
    """The attributions (and licences) behind a frame, short enough for a caption or a figure.
    `kinds=None` marks build metadata (load log, dictionary): its source is the build itself."""
    return _attribution(build, frame, None if kinds is None else tuple(kinds), tuple(extra), tuple(facts), by_prefix,
                        is_demo)


@cached(max_entries=256)
def _attribution(build: Db, frame: pd.DataFrame | None, kinds: tuple[str, ...] | None, extra: tuple[str, ...],
                 facts: tuple[str, ...], by_prefix: bool, is_demo: bool | None) -> str:
    prov = provenance(build)
    base = frame if frame is not None else pd.DataFrame({"is_demo": [prov.demo]})
    if kinds is None and "source_id" not in base.columns:
        return "; ".join(dict.fromkeys([*extra, exports.PROJECT_SOURCE["attribution"]]))
    tokens = exports.source_tokens(base, prov, kinds, is_demo, facts=facts_for(build, base, facts), by_prefix=by_prefix)
    names, licences = exports.named_summary(prov, tokens)
    parts = list(dict.fromkeys([*extra, *names]))
    short = list(dict.fromkeys(lic.split("(")[-1].rstrip(")") if lic.endswith(")") else lic for lic in licences))
    return "; ".join(parts) + (f" · Lizenz: {', '.join(short)}" if short else "")


@dataclass(frozen=True, eq=False)
class Result:
    """A query's rows with what they rest on: `facts` (fact tables whose rows about the same region are the
    sources of a row), `kinds` (source kinds of rows without a fact source; None: build metadata),
    `by_prefix` (roll-ups: also the facts of every region inside) and the `attribution` text."""

    build: Db
    frame: pd.DataFrame
    facts: tuple[str, ...] = ()
    kinds: tuple[str, ...] | None = DERIVED_KINDS
    by_prefix: bool = False
    attribution: str = field(default="")

    @classmethod
    def of(cls, build: Db, frame: pd.DataFrame, facts: Iterable[str] = (),
           kinds: Iterable[str] | None = DERIVED_KINDS, by_prefix: bool = False) -> Result:
        """A result with its attribution computed now (call it inside a cached query)."""
        facts, kinds = tuple(facts), None if kinds is None else tuple(kinds)
        text = attribution(build, _keys(frame), kinds, facts=facts, by_prefix=by_prefix)
        return cls(build, frame, facts, kinds, by_prefix, text)

    @property
    def demo(self) -> bool:
        """Whether any row is a demo value."""
        return "is_demo" in self.frame.columns and bool(self.frame["is_demo"].fillna(False).astype(bool).any())

    def with_frame(self, frame: pd.DataFrame) -> Result:
        """The same rows in another shape (renamed or fewer columns), with the same provenance."""
        return replace(self, frame=frame)

    def subset(self, frame: pd.DataFrame) -> Result:
        """The same provenance for some of the rows (e.g. a filtered view), with their own attribution."""
        return Result.of(self.build, frame, self.facts, self.kinds, self.by_prefix) if len(frame) != len(
            self.frame) else replace(self, frame=frame)


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns an attribution depends on (a smaller frame to hash and trace)."""
    cols = [c for c in ("ars", "source_id", "is_demo") if c in frame.columns]
    if not cols:
        return frame
    return frame[cols].drop_duplicates() if len(frame) > 1 else frame[cols]
