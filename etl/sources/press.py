"""Second pass of the hand-compiled press facts (SOURCES.md §7), read from the mirror by file name and merged with
the first-pass reference rows (etl/reference/, loaded by `reference`): one fact per authority and event, the more
precise date wins.

- Awards "Digitales Amt" -> `certification`; "meets the criterion" rows -> `certification_criterion`.
- Digitales-Rathaus Förderbescheide -> `funding_grant`; group totals ("17 recipients, > 170 k€") -> `milestone`.
- Counts: BayernPortal Online-Verfahren -> `procedure_snapshot`; the federal "flächendeckend online verfügbar" count
  (Dashboard Digitale Verwaltung) -> `pvog_available` (never mixed with the BayernPortal count).
- Bitkom Länderindex 2024 -> `bitkom_laenderindex`; Bitkom Smart City Index -> `smart_city_index`.

Names are resolved to keys by `press_names` (type and Landkreis as context); every name that stays unresolved goes
into `reject` and the build summary. Notes are German (see `press_parse`); the files' English notes are dropped.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pandas as pd

from etl.context import BuildContext, StepResult, Timer, insert
from etl.errors import EtlError
from etl.keys import RegionIndex, UnresolvedRegion
from etl.sources.files import ResolvedFile, SourceSpec
from etl.sources.press_facts import Facts, awards, counts, grants
from etl.sources.press_names import LAND_CODES, PressNames

AWARDS = "digitales_amt_awards_press.csv"
GRANTS = "digitales_rathaus_grants_press.csv"
COUNTS = "online_services_counts_press.csv"
LAENDERINDEX = "bitkom_laenderindex_2024.csv"
SMART_CITY = "bitkom_smart_city_index_press.csv"
SQL = Path(__file__).with_name("press.sql")

PRESS_2026 = SourceSpec(
    id="press_second_pass",
    title="Fakten aus Ministeriums- und Presseberichten, zweiter Durchgang (Dezember 2026), je Zeile mit Quelle",
    publisher="Zusammenstellung von Hand; Quellen je Zeile",
    url="",
    files=(AWARDS, GRANTS, COUNTS, LAENDERINDEX, SMART_CITY),
    licence="Fakten aus den genannten Quellen; bitte die Quelle zitieren",
    attribution="Quelle: die je Zeile genannte Adresse",
    edition="2026-12",
    kind="reference",
)


class Sources:
    """One `source` row per press file and distinct source URL (the facts point to the source of their URL)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, object]] = {}

    def id_for(self, found: ResolvedFile, url: str | None) -> str:
        digest = hashlib.sha256((url or "").encode()).hexdigest()[:10]
        sid = f"press:{Path(found.name).stem}:{digest}"
        self.rows.setdefault(sid, {
            "source_id": sid, "dataset": f"press_{Path(found.name).stem}",
            "title": f"Pressefakten {found.name}" + (f": {url}" if url else ""), "publisher": None, "url": url,
            "file": found.name, "sha256": found.sha256, "bytes": found.bytes, "origin": found.origin,
            "retrieved_at": found.retrieved_at, "licence": PRESS_2026.licence,
            "attribution": f"Quelle: {url}" if url else f"Pressefakten, Zusammenstellung von Hand ({found.name})",
            "edition": None, "kind": "reference", "is_demo": False})
        return sid


def read_rows(found: ResolvedFile) -> list[dict[str, str]]:
    try:
        with found.path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise EtlError(found.path, f"not a readable CSV file ({exc})") from exc
    if not rows:
        raise EtlError(found.path, "contains no rows")
    return rows


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records)


def _replace(ctx: BuildContext, table: str, winners: pd.DataFrame, keys: list[str]) -> int:
    """Delete the real rows of `table` whose keys the merged frame covers, then insert the merged rows."""
    if winners.empty:
        return 0
    ctx.db.register("_winners", winners[keys].drop_duplicates())
    try:
        on = " AND ".join(f"t.{k} = w.{k}" for k in keys)
        ctx.db.execute(f"DELETE FROM {table} t WHERE NOT t.is_demo AND EXISTS "  # noqa: S608 - own table names
                       f"(SELECT 1 FROM _winners w WHERE {on})")
    finally:
        ctx.db.unregister("_winners")
    return insert(ctx.db, table, winners)


def _context(found: dict[str, ResolvedFile], names: PressNames, sources: Sources) -> tuple[pd.DataFrame, Facts]:
    """Bitkom Länderindex 2024 (by Länderschlüssel) and Smart City Index (cities by name)."""
    out = Facts()
    states = []
    for row in read_rows(found[LAENDERINDEX]):
        urls = " ; ".join(u for u in (row.get("source_url"), row.get("source_url_2")) if u)
        states.append({"state_ars": row["land_key"].zfill(2), "year": 2024, "rank": int(row["rank_2024"]),
                       "score": float(row["score_2024_of_100"]), "published_on": pd.Timestamp(row["stand"]).date(),
                       "source_url": urls, "source_id": sources.id_for(found[LAENDERINDEX], urls), "is_demo": False})
    for number, row in enumerate(read_rows(found[SMART_CITY]), start=2):
        try:
            match = names.city(row["city"])
        except UnresolvedRegion as exc:
            out.unresolved.append((number, row["city"], str(exc)))
            continue
        rank = row["rank"].strip()
        bottom = re.fullmatch(r"bottom-(\d+)", rank)
        out.rows.append({"ars": match.ars, "city": row["city"], "year": int(row["year"]),
                         "category": row["category"], "rank": int(rank) if rank.isdigit() else None,
                         "rank_note": f"unter den letzten {bottom[1]}" if bottom else None,
                         "score": float(row["score"]) if row["score"] else None, "source_url": row["source_url"],
                         "source_id": sources.id_for(found[SMART_CITY], row["source_url"]), "is_demo": False})
    return pd.DataFrame(states), out


def _rejects(file: str, facts: Facts, sources: Sources, found: ResolvedFile) -> pd.DataFrame:
    sid = sources.id_for(found, None)
    rows = [{"source_id": sid, "file": file, "row_number": n, "reason": reason, "raw": name, "kind": "reject"}
            for n, name, reason in facts.unresolved + facts.refused]
    return _frame(rows)


def _summary(facts: Facts) -> str:
    if not facts.unresolved:
        return "alle Namen aufgelöst"
    return "nicht aufgelöst: " + "; ".join(f"{name} ({reason})" for _n, name, reason in facts.unresolved)


def load(ctx: BuildContext) -> list[StepResult]:
    """Source entry point: merge the second-pass press facts into the real tables (after `reference`)."""
    t = Timer()
    ctx.db.execute(SQL.read_text())
    found: dict[str, ResolvedFile] = {}
    for name in PRESS_2026.files:
        try:
            hit = ctx.resolver.file(PRESS_2026, name, required=False)
        except EtlError as exc:
            return [StepResult("press", PRESS_2026.id, 0, 0, t.seconds, f"nicht geladen: {exc}")]
        if hit is None:
            return [StepResult("press", PRESS_2026.id, 0, 0, t.seconds,
                               f"nicht geladen: {name} nicht im Spiegelordner")]
        found[name] = hit
    regions = ctx.regions
    names = PressNames(RegionIndex(regions), dict(zip(regions["ars"], regions["population"], strict=True)))
    sources = Sources()
    results: list[StepResult] = []

    a = awards(read_rows(found[AWARDS]), names, lambda u: sources.id_for(found[AWARDS], u), ctx.db)
    _replace(ctx, "certification", a.merged, ["ars", "kind"])
    insert(ctx.db, "certification_criterion", a.extra)
    insert(ctx.db, "reject", _rejects(AWARDS, a, sources, found[AWARDS]))
    dated = int(a.merged["awarded_on"].notna().sum()) if not a.merged.empty else 0
    results.append(StepResult(
        "press", AWARDS, len(a.rows), len(a.unresolved), t.seconds,
        f"{len(a.merged)} Auszeichnungen nach Zusammenführung mit dem ersten Durchgang ({dated} datiert, "
        f"{a.merged['ars'].nunique() if not a.merged.empty else 0} Behörden); {len(a.extra)} Zeilen "
        f"'Kriterium erfüllt' getrennt; {_summary(a)}"))

    g = grants(read_rows(found[GRANTS]), names, lambda u: sources.id_for(found[GRANTS], u), ctx.db)
    _replace(ctx, "funding_grant", g.merged, ["ars", "program_id"])
    insert(ctx.db, "milestone", g.extra)
    insert(ctx.db, "reject", _rejects(GRANTS, g, sources, found[GRANTS]))
    results.append(StepResult(
        "press", GRANTS, len(g.rows), len(g.unresolved), t.seconds,
        f"{len(g.merged)} Einzelbescheide nach Zusammenführung; {len(g.extra)} Sammelangaben als Meilenstein "
        f"(keine Einzelbescheide); {_summary(g)}"))

    c = counts(read_rows(found[COUNTS]), names, lambda u: sources.id_for(found[COUNTS], u), ctx.db, LAND_CODES)
    _replace(ctx, "procedure_snapshot", c.merged, ["ars"])
    insert(ctx.db, "pvog_available", c.extra)
    insert(ctx.db, "milestone", c.milestones)
    insert(ctx.db, "reject", _rejects(COUNTS, c, sources, found[COUNTS]))
    results.append(StepResult(
        "press", COUNTS, len(c.rows), len(c.unresolved) + len(c.refused), t.seconds,
        f"BayernPortal: {len(c.merged)} Anzahlen nach Zusammenführung; Bund (flächendeckend): {len(c.extra)} "
        f"Werte in pvog_available; {len(c.refused)} ohne Stand nicht übernommen; {_summary(c)}"))

    states, cities = _context(found, names, sources)
    insert(ctx.db, "bitkom_laenderindex", states)
    insert(ctx.db, "smart_city_index", _frame(cities.rows))
    insert(ctx.db, "reject", _rejects(SMART_CITY, cities, sources, found[SMART_CITY]))
    results.append(StepResult("press", LAENDERINDEX, len(states), 0, t.seconds, "Bitkom Länderindex 2024, 16 Länder"))
    results.append(StepResult("press", SMART_CITY, len(cities.rows), len(cities.unresolved), t.seconds,
                              f"Bitkom Smart City Index; {_summary(cities)}"))
    insert(ctx.db, "source", pd.DataFrame(list(sources.rows.values())))
    return results
