"""The Open-PVOG download cache: one folder per fetch date, a journal per fetch, a manifest.

`data/raw/pvog/<fetch date>/` holds `pvog_<ARS>_<date>.csv` (each written to a temporary name and renamed, so a
file exists only complete), `pvog_journal_<date>.jsonl` (one line per region finished or failed, flushed and
fsynced: a killed fetch resumes from it) and `pvog_manifest_<date>.json` (what was asked for, whether the fetch is
complete, sha256 and rows per region). The same names dropped anywhere in the mirror folder are read the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.keys import PROJECT_DIR

CACHE_ENV = "DIGITALMONITOR_PVOG_DIR"
MIRROR_ENV = "DIGITALMONITOR_MIRROR"
DATA_FILE = re.compile(r"^pvog_(\d{12})_(\d{4}-\d{2}-\d{2})\.csv$", re.IGNORECASE)
MANIFEST_FILE = re.compile(r"^pvog_manifest_(\d{4}-\d{2}-\d{2})\.json$", re.IGNORECASE)
JOURNAL_FILE = re.compile(r"^pvog_journal_(\d{4}-\d{2}-\d{2})\.jsonl$", re.IGNORECASE)
FAILED_SHARE = 0.05  # more failed regions than this: the fetch is incomplete


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else PROJECT_DIR / "data" / "raw" / "pvog"


def data_name(ars: str, day: str) -> str:
    return f"pvog_{ars}_{day}.csv"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


@dataclass
class Fetch:
    """One fetch date: what was asked, what finished, where its files are."""

    day: str
    folder: Path
    manifest: dict = field(default_factory=dict)
    done: dict[str, dict] = field(default_factory=dict)  # ARS12 -> last journal entry
    files: dict[str, Path] = field(default_factory=dict)  # ARS12 -> data file

    @property
    def requested(self) -> list[str]:
        return list(self.manifest.get("requested", []))

    def failed(self) -> list[str]:
        return [a for a, e in self.done.items() if e.get("status") != "ok"]

    def missing(self) -> list[str]:
        return [a for a in self.requested if a not in self.done]

    def is_complete(self) -> bool:
        """Every requested region tried, at most 5 % of them failed. A hand-made folder without a manifest counts
        as complete: each of its files is whole (they are checked when parsed)."""
        if not self.manifest:
            return True
        if self.missing():
            return False
        asked = max(1, len(self.requested))
        return len([a for a in self.failed() if a in set(self.requested)]) / asked <= FAILED_SHARE


class Journal:
    """Append-only record of finished regions; thread-safe, each line fsynced."""

    def __init__(self, fetch: Fetch) -> None:
        self.path = fetch.folder / f"pvog_journal_{fetch.day}.jsonl"
        self.fetch = fetch
        self._lock = threading.Lock()

    def record(self, entry: dict) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            self.fetch.done[entry["ars"]] = entry


def read_journal(path: Path) -> dict[str, dict]:
    """Last entry per ARS; a line cut off by a kill is ignored."""
    done: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("ars"), str):
            done[entry["ars"]] = entry
    return done


def write_manifest(fetch: Fetch) -> None:
    fetch.manifest["regions"] = {a: {k: e.get(k) for k in ("status", "file", "sha256", "rows", "rejects", "via",
                                                           "error")} for a, e in sorted(fetch.done.items())}
    fetch.manifest["failed"] = len(fetch.failed())
    fetch.manifest["complete"] = fetch.is_complete()
    path = fetch.folder / f"pvog_manifest_{fetch.day}.json"
    write_atomic(path, json.dumps(fetch.manifest, ensure_ascii=False, indent=1).encode("utf-8"))


def _plain_files(root: Path) -> list[Path]:
    """Regular files below root; a symbolic link leading out of root only to a file of its own name."""
    top = root.resolve()
    found = []
    for path in sorted(root.rglob("pvog_*")):
        if not path.is_file():
            continue
        target = path.resolve()
        if target.is_relative_to(top) or target.name.lower() == path.name.lower():
            found.append(path)
    return found


def scan(roots: list[Path]) -> dict[str, Fetch]:
    """Every fetch date found below the roots (cache folder and mirror), by plain file names."""
    fetches: dict[str, Fetch] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for path in _plain_files(root):
            name = path.name
            for pattern in (DATA_FILE, MANIFEST_FILE, JOURNAL_FILE):
                m = pattern.match(name)
                if m:
                    day = m.groups()[-1]
                    fetch = fetches.setdefault(day, Fetch(day=day, folder=path.parent))
                    if pattern is DATA_FILE:
                        fetch.files.setdefault(m.group(1), path)
                    elif pattern is MANIFEST_FILE and not fetch.manifest:
                        fetch.manifest = json.loads(path.read_text(encoding="utf-8"))
                    elif pattern is JOURNAL_FILE:
                        fetch.done.update(read_journal(path))
                    break
    for fetch in fetches.values():  # the manifest of a finished run is the record when the journal is gone
        for ars, entry in fetch.manifest.get("regions", {}).items():
            fetch.done.setdefault(ars, {"ars": ars, **entry})
    return fetches


def open_fetch(root: Path, requested: list[str], base_url: str, accept_drop: bool, today: date) -> Fetch:
    """The newest unfinished fetch in the cache (resumed) or a new one dated today."""
    fetches = scan([root])
    unfinished = [f for d, f in sorted(fetches.items()) if f.manifest and not f.manifest.get("complete")
                  and not f.is_complete()]
    if unfinished:
        fetch = unfinished[-1]
        extra = [a for a in requested if a not in set(fetch.requested)]
        fetch.manifest["requested"] = fetch.requested + extra
        fetch.manifest["accept_drop"] = bool(fetch.manifest.get("accept_drop")) or accept_drop
        return fetch
    day = today.isoformat()
    folder = root / day
    folder.mkdir(parents=True, exist_ok=True)
    fetch = fetches.get(day) or Fetch(day=day, folder=folder)
    fetch.folder = folder
    old = set(fetch.requested)
    fetch.manifest.update({"source": "Open-PVOG (Dashboard Digitale Verwaltung)", "fetch_date": day,
                           "base_url": base_url, "accept_drop": accept_drop or bool(fetch.manifest.get("accept_drop")),
                           "requested": sorted(old | set(requested))})
    return fetch
