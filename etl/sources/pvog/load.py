"""Build step 'Open-PVOG': the accepted snapshots of the cache and the mirror into the `pvog_*` tables.

Entry point `load(ctx)` (the source contract of `etl/sources/__init__.py`). With no PVOG files the tables stay empty
and the step says so; the rest of the build is unchanged.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pandas as pd

from etl.context import BuildContext, StepResult, insert
from etl.sources.files import SourceSpec
from etl.sources.pvog import cache, ozg
from etl.sources.pvog.fetch import BUND_ARS, DEFAULT_BASE_URL, EXPORT, base_url
from etl.sources.pvog.snapshots import Selection, select

SQL_DIR = Path(__file__).resolve().parent.parent.parent / "sql"
BUND_KEY = "DE"
TITLE = "Dashboard Digitale Verwaltung (Open-PVOG)"
PUBLISHER = "Bund (Dashboard Digitale Verwaltung, Portalverbund PVOG)"
LICENCE = "nicht angegeben (öffentliches Angebot des Bundes); Quelle und Abrufdatum werden genannt"
PVOG_SOURCE = SourceSpec(
    id="pvog_dashboard", title=f"{TITLE}: Leistungen je Gebietskörperschaft (Abruf mit etl fetch pvog)",
    publisher=PUBLISHER, url=DEFAULT_BASE_URL + EXPORT, files=("pvog_<ARS>_<Abrufdatum>.csv",), licence=LICENCE,
    attribution=f"{TITLE}, Abrufdatum je Stand", edition="je Abruf", kind="pvog")


def region_key(ars12: str, known: set[str]) -> str | None:
    """The region an API ARS denotes: a Gemeinde's 12 digits, else the natural-length key whose zero padding
    gives it (longest first), the Bund 'DE'; None when the register has no such region."""
    if ars12 == BUND_ARS:
        return BUND_KEY
    if ars12 in known:
        return ars12
    for n in (9, 5, 3, 2):
        if ars12[:n] in known and set(ars12[n:]) <= {"0"}:
            return ars12[:n]
    return None


def _roots(ctx: BuildContext) -> list[Path]:
    roots = [cache.cache_root()]
    mirror = ctx.options.mirror or (Path(os.environ[cache.MIRROR_ENV]) if os.environ.get(cache.MIRROR_ENV) else None)
    if mirror is not None and mirror.resolve() != roots[0].resolve():
        roots.append(mirror)
    return roots


def _fetch_rows(fetches: dict[str, cache.Fetch]) -> pd.DataFrame:
    return pd.DataFrame([{
        "fetch_date": day, "complete": f.is_complete(), "requested": len(f.requested) or None,
        "files": len(f.files), "failed": len(f.failed()), "base_url": f.manifest.get("base_url"),
        "note": None if f.is_complete() else "unvollständig: erst nach Fortsetzung übernommen"}
        for day, f in sorted(fetches.items())])


def _snapshots(sel: Selection, known: set[str], as_of: pd.Series) -> pd.DataFrame:
    snaps = sel.snapshots.copy()
    snaps["ars"] = snaps["ars12"].map(lambda a: region_key(a, known))
    snaps["as_of"] = snaps["snap"].map(as_of).fillna(pd.to_datetime(snaps["fetch_date"]).dt.date)
    accepted = snaps["status"].eq("accepted") & snaps["ars"].notna()
    taken = snaps[accepted]
    newest = taken.groupby("ars")["fetch_date"].transform("max")
    snaps.loc[taken.index, "status"] = "history"
    snaps.loc[taken.index[taken["fetch_date"].eq(newest)], "status"] = "current"
    snaps.loc[snaps["ars"].isna() & snaps["status"].eq("accepted"), ["status", "note"]] = [
        "unmapped", "ARS nicht im Gemeindeverzeichnis"]
    snaps["source_id"] = "pvog:" + snaps["file"]
    return snaps


def _sources(snaps: pd.DataFrame, fetches: dict[str, cache.Fetch]) -> pd.DataFrame:
    rows = []
    for s in snaps.itertuples():
        url = base_url(fetches[s.fetch_date].manifest.get("base_url")) + EXPORT.format(ars=s.ars12)
        rows.append({"source_id": s.source_id, "dataset": PVOG_SOURCE.id, "title": f"{TITLE}, Abruf {s.fetch_date}",
                     "publisher": PUBLISHER, "url": url, "file": s.file, "sha256": s.sha256,
                     "bytes": Path(s.path).stat().st_size, "origin": "pvog-cache",
                     "retrieved_at": pd.Timestamp(s.fetch_date, tz="UTC"), "licence": LICENCE,
                     "attribution": f"{TITLE}, Abruf {s.fetch_date}", "edition": str(s.as_of), "kind": "pvog",
                     "is_demo": False})
    return pd.DataFrame(rows)


def _services(sel: Selection, snaps: pd.DataFrame, known: set[str], catalogue: ozg.Catalogue) -> pd.DataFrame:
    rows = sel.rows
    meta = snaps.set_index("snap")
    keys = {a: region_key(a, known) for a in rows["ars"].unique()}
    ozg_id = rows["ozgid"].where(rows["ozgid"].ne(""), rows["leika_key"].map(catalogue.ozg_of_leika))
    frame = pd.DataFrame({
        "ars": rows["ars"].map(keys), "snap": rows["snap"],
        "as_of": rows["snap"].map(meta["as_of"]), "fetch_date": rows["snap"].map(meta["fetch_date"]),
        "is_current": rows["snap"].map(meta["status"]).eq("current"),
        "leika_key": rows["leika_key"], "leika_name": rows["leika_name"],
        "leika_bezeichnung": rows["leika_bezeichnung"], "ozg_id": ozg_id, "ozg_name": rows["ozg_bezeichnung"],
        "themenfeld": ozg_id.map(catalogue.topic), "lebenslage": ozg_id.map(catalogue.situation),
        "url": rows["url"], "online_status": rows["online_status"], "aktiv": rows["aktiv"],
        "coverage": rows["art_flaechendeckung"], "reason_not_counted": rows["begruendung_nicht_beruecksichtigt"],
        "source_id": rows["snap"].map(meta["source_id"]), "is_demo": False})
    return frame.replace({"": None})


def _rejects(sel: Selection, snaps: pd.DataFrame, unmapped: pd.DataFrame) -> pd.DataFrame:
    rej = pd.concat([sel.rejects, unmapped], ignore_index=True)
    meta = snaps.set_index("snap")
    return pd.DataFrame({"source_id": rej["snap"].map(meta["source_id"]), "file": rej["snap"].map(meta["file"]),
                         "row_number": rej["row_number"].astype("int64"), "reason": rej["reason"], "raw": rej["raw"],
                         "kind": "reject"})


def load_into(con: duckdb.DuckDBPyConnection, regions: pd.DataFrame, roots: list[Path],
              catalogue: ozg.Catalogue) -> tuple[int, int, str]:
    """Create and fill the pvog tables; (service rows, rejects, note)."""
    con.execute((SQL_DIR / "pvog.sql").read_text(encoding="utf-8"))
    fetches = cache.scan(roots)
    insert(con, "pvog_fetch", _fetch_rows(fetches))
    sel = select(fetches)
    if sel.rows.empty:
        con.execute((SQL_DIR / "pvog_counts.sql").read_text(encoding="utf-8"))  # empty tables, same columns
        con.execute((SQL_DIR / "pvog_views.sql").read_text(encoding="utf-8"))  # press values still count
        note = "keine PVOG-Daten" if not fetches else "keine übernehmbaren PVOG-Daten; " + "; ".join(sel.notes[:5])
        return 0, len(sel.rejects), note
    known = set(regions["ars"])
    stand = sel.rows.groupby("snap")["datenstand"].max()
    snaps = _snapshots(sel, known, stand)
    services = _services(sel, snaps, known, catalogue)
    mapped = services["ars"].notna()
    lost = sel.rows.loc[~mapped.to_numpy()]
    unmapped = pd.DataFrame({"snap": lost["snap"], "row_number": lost["row_number"],
                             "reason": "ARS " + lost["ars"] + " nicht im Gemeindeverzeichnis",
                             "raw": lost["leika_key"]})
    services = services[mapped & services["snap"].map(snaps.set_index("snap")["status"]).isin(["current", "history"])]
    insert(con, "pvog_service", services.drop(columns="snap"))
    insert(con, "pvog_snapshot", snaps[["ars", "ars12", "fetch_date", "as_of", "services", "status", "note",
                                        "source_id"]].assign(is_demo=False))
    insert(con, "source", _sources(snaps, fetches))
    rejects = _rejects(sel, snaps, unmapped)
    insert(con, "reject", rejects)
    con.execute((SQL_DIR / "pvog_counts.sql").read_text(encoding="utf-8"))
    con.execute((SQL_DIR / "pvog_views.sql").read_text(encoding="utf-8"))
    current = int((snaps["status"] == "current").sum())
    held = int((snaps["status"] == "held_back").sum())
    note = f"{current} Regionen aktuell, {held} zurückgehalten" + ("; " + "; ".join(sel.notes[:5]) if sel.notes else "")
    return len(services), len(rejects), note


def load(ctx: BuildContext) -> list[StepResult]:
    """The build step: PVOG snapshots from the cache folder and the mirror."""
    start = time.perf_counter()
    assert ctx.con is not None
    catalogue = ozg.read_catalogue(ctx.resolver)
    n, rejected, note = load_into(ctx.con, ctx.regions, _roots(ctx), catalogue)
    return [StepResult("pvog", "Open-PVOG", n, rejected, round(time.perf_counter() - start, 2), note)]
