"""Which cached Open-PVOG snapshots a build may take: snapshots that never lie.

Only complete fetches count (every requested region tried, at most 5 % failed); an unfinished one is reported and
ignored until a resumed run completes it. Per region the snapshots are taken in date order; one whose service count
fell by more than 20 % and more than 10 services against the last accepted one is held back (the previous one stays
current) unless its fetch was made with `--accept-drop`. A file that does not match its recorded sha256 or is not a
readable export is skipped with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from etl.sources.pvog import cache
from etl.sources.pvog.parse import FormatError, Table, read_table, validate

DROP_SHARE = 0.20
DROP_MIN = 10


@dataclass
class Selection:
    """Rows of every accepted snapshot (column `snap` indexes `snapshots`), rejects, and what was left out."""

    rows: pd.DataFrame
    rejects: pd.DataFrame
    snapshots: pd.DataFrame  # snap, ars12, fetch_date, file, path, sha256, services, status, note
    notes: list[str] = field(default_factory=list)


def is_drop(previous: int, new: int) -> bool:
    lost = previous - new
    return lost > DROP_SHARE * previous and lost > DROP_MIN


def _read(path: Path, expected_sha: str | None) -> tuple[Table | None, str, str]:
    body = path.read_bytes()
    sha = cache.sha256_bytes(body)
    if expected_sha and sha != expected_sha:
        return None, sha, "sha256 weicht vom Manifest ab"
    try:
        return read_table(body), sha, ""
    except FormatError as exc:
        return None, sha, str(exc)


def select(fetches: dict[str, cache.Fetch]) -> Selection:
    notes: list[str] = []
    metas: list[dict] = []
    frames: list[pa.Table] = []
    shape_rejects: list[dict] = []
    for day, fetch in sorted(fetches.items()):
        if not fetch.is_complete():
            notes.append(f"Abruf {day} unvollständig ({len(fetch.missing())} offen, {len(fetch.failed())} "
                         "fehlgeschlagen): nicht übernommen, erst nach Fortsetzung")
            continue
        for ars, path in sorted(fetch.files.items()):
            entry = fetch.done.get(ars, {})
            if fetch.manifest and entry.get("status") != "ok":
                continue  # a file left from an earlier try of a region that later failed
            table, sha, problem = _read(path, entry.get("sha256"))
            snap = len(metas)
            metas.append({"snap": snap, "ars12": ars, "fetch_date": day, "file": path.name, "path": str(path),
                          "sha256": sha, "accept_drop": bool(fetch.manifest.get("accept_drop")),
                          "note": problem, "status": "unreadable" if problem else ""})
            if table is None:
                notes.append(f"{path.name}: {problem}")
                continue
            n = table.data.num_rows
            frames.append(table.data.append_column("snap", pa.repeat(snap, n).cast(pa.int64()))
                          .append_column("row_number", pa.array(table.numbers, pa.int64())))
            shape_rejects += [{"snap": snap, "row_number": n, "reason": r, "raw": raw} for n, r, raw in table.rejects]
    snapshots = pd.DataFrame(metas, columns=["snap", "ars12", "fetch_date", "file", "path", "sha256", "accept_drop",
                                             "note", "status"])
    if not frames:
        return Selection(pd.DataFrame(), pd.DataFrame(columns=["snap", "row_number", "reason", "raw"]),
                         snapshots, notes)
    raw = pa.concat_tables(frames).to_pandas()
    snap_of_row = raw.pop("snap").to_numpy()
    numbers = raw.pop("row_number").to_numpy()
    valid, rejects = validate(raw)
    del raw
    valid["snap"] = snap_of_row[valid.index]
    valid["row_number"] = numbers[valid.index]
    rejects = rejects.assign(snap=snap_of_row[rejects["row_number"].to_numpy()],
                             row_number=numbers[rejects["row_number"].to_numpy()])
    rejects = pd.concat([rejects, pd.DataFrame(shape_rejects, columns=rejects.columns)], ignore_index=True)
    services = valid.groupby("snap")["leika_key"].nunique()
    snapshots["services"] = snapshots["snap"].map(services).fillna(0).astype("int64")
    last: dict[str, int] = {}
    for i, meta in snapshots.iterrows():
        if meta["status"]:
            continue
        prev = last.get(meta["ars12"])
        if prev is not None and is_drop(prev, meta["services"]) and not meta["accept_drop"]:
            snapshots.loc[i, ["status", "note"]] = ["held_back", f"Rückgang {prev} → {meta['services']} Leistungen; "
                                                    "vorheriger Stand bleibt (--accept-drop übernimmt)"]
            notes.append(f"{meta['file']}: zurückgehalten, {prev} → {meta['services']} Leistungen")
            continue
        snapshots.loc[i, "status"] = "accepted"
        last[meta["ars12"]] = meta["services"]
    accepted = set(snapshots.loc[snapshots["status"].eq("accepted"), "snap"])
    if len(accepted) < len(snapshots):
        valid = valid[valid["snap"].isin(accepted)]
    return Selection(valid, rejects, snapshots, notes)
