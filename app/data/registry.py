"""The build registry: the one read-only DuckDB handle per published build, a cursor per query, a time limit
on every query.

The published path is a symbolic link to a versioned build file (see `etl/publish.py`). `current()` resolves
it on every call, so a new build is picked up without a restart; handles are opened on the versioned file,
never on the link (DuckDB may hand back a cached instance for a reused path). The registry's whole state
(open handles, when each was superseded, build ids, the last good build) sits behind one lock.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core.keys import LEVELS, published_db

KEEP_CONNECTIONS = 2  # the current build and the one before stay open
CLOSE_GRACE_S = 300  # an older handle is closed only this long after it was superseded (reruns finish)
TIMEOUT_ENV = "DIGITALMONITOR_QUERY_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 30.0  # one slow query must not hold a session (or the server's cores) for longer


class NoDatabase(RuntimeError):
    """No usable build: none published yet, or the published file is missing or unreadable.

    `fallback` is the last build this process read successfully, if any: the page can keep showing it
    (with a note) while the published file is broken.
    """

    def __init__(self, message: str, fallback: Db | None = None) -> None:
        super().__init__(message)
        self.fallback = fallback


class QueryInterrupted(RuntimeError):
    """A query ran longer than its time limit and was interrupted (German message for the page)."""


@dataclass(frozen=True)
class Db:
    """A published build: its versioned file and build id. Hashable, so it can key caches."""

    path: str
    build_id: str


def published_path() -> Path:
    return published_db()


def query_timeout() -> float:
    """The time limit of one query in seconds (`DIGITALMONITOR_QUERY_TIMEOUT_S`, 0 = none)."""
    try:
        return float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


class BuildRegistry:
    """Open builds of this process: one read-only handle per build file, closed once superseded long enough."""

    def __init__(self, keep: int = KEEP_CONNECTIONS, grace_s: float = CLOSE_GRACE_S) -> None:
        self.keep = keep
        self.grace_s = grace_s
        self._lock = threading.Lock()
        self._connections: dict[str, duckdb.DuckDBPyConnection] = {}  # insertion order = age
        self._superseded: dict[str, float] = {}  # path -> when a newer build was first opened
        self._build_ids: dict[str, str] = {}  # path -> build id (a build file never changes)
        self._last_good: dict[str, Db] = {}  # published path -> the last build read from it

    def connection(self, path: str) -> duckdb.DuckDBPyConnection:
        """The handle of a build file, opened on first use; opening one closes handles two or more
        generations old whose grace period has passed, so pruned files free their space."""
        with self._lock:
            con = self._connections.get(path)
            if con is None:
                con = duckdb.connect(path, read_only=True)
                now = time.monotonic()
                for older in self._connections:
                    self._superseded.setdefault(older, now)
                self._connections[path] = con
                for old in list(self._connections)[:-self.keep]:
                    if now - self._superseded.get(old, now) >= self.grace_s:
                        self._connections.pop(old).close()
                        self._superseded.pop(old, None)
                        self._build_ids.pop(old, None)
            return con

    def _forget(self, path: str) -> None:
        with self._lock:
            con = self._connections.pop(path, None)
            self._superseded.pop(path, None)
            self._build_ids.pop(path, None)
        if con is not None:
            con.close()

    def open(self, path: str) -> Db:
        """Open a build file and read its id; any failure becomes a German NoDatabase message."""
        with self._lock:
            build_id = self._build_ids.get(path)
        if build_id is not None:
            return Db(path=path, build_id=build_id)
        try:
            cur = self.connection(path).cursor()
            try:
                row = cur.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
            finally:
                cur.close()
        except duckdb.Error as exc:
            self._forget(path)
            raise NoDatabase(f"Die Datenbank {Path(path).name} ist beschädigt oder nicht lesbar "
                             f"({type(exc).__name__}).") from exc
        if not row:
            raise NoDatabase(f"Die Datenbank {Path(path).name} ist unvollständig (keine Build-Kennung).")
        with self._lock:
            build_id = self._build_ids.setdefault(path, str(row[0]))
        return Db(path=path, build_id=build_id)

    def _fallback(self, link: Path) -> Db | None:
        with self._lock:
            fallback = self._last_good.get(str(link))
            if fallback is not None and fallback.path not in self._connections:
                return None  # its handle is closed and its file may be gone
            return fallback

    def current(self) -> Db:
        """The build the published path points to now.

        Raises NoDatabase with a German message when nothing is published, the link points to a file that
        is gone, or the file is not a readable build; its `fallback` is then the last good build, if any.
        """
        link = published_path()
        fallback = self._fallback(link)
        for _attempt in range(3):  # a rebuild may swap the link between resolving and opening: look again
            if not link.exists():
                if link.is_symlink():
                    raise NoDatabase(f"Die veröffentlichte Datenbank {link.name} verweist auf eine fehlende "
                                     "Datei.", fallback)
                raise NoDatabase(f"Keine Datenbank unter {link}", fallback)
            path = str(link.resolve())
            try:
                build = self.open(path)
            except NoDatabase as exc:
                if Path(path).exists() and str(link.resolve()) == path:
                    raise NoDatabase(str(exc), fallback) from exc
                continue
            with self._lock:
                self._last_good[str(link)] = build
            return build
        raise NoDatabase(f"Die veröffentlichte Datenbank {link.name} wechselt gerade; bitte neu laden.", fallback)

    def query(self, db: Db, sql: str, params: dict[str, object] | None = None,
              timeout_s: float | None = None) -> pd.DataFrame:
        """Run one parameterised query on its own cursor, interrupted after `timeout_s` seconds."""
        limit = query_timeout() if timeout_s is None else timeout_s
        cur = self.connection(db.path).cursor()
        timer = threading.Timer(limit, cur.interrupt) if limit > 0 else None
        try:
            if timer is not None:
                timer.daemon = True
                timer.start()
            return cur.execute(sql, params or {}).df()
        except duckdb.InterruptException as exc:
            raise QueryInterrupted(f"Die Abfrage hat länger als {limit:g} s gedauert und wurde abgebrochen; "
                                   "bitte die Auswahl eingrenzen oder später erneut versuchen.") from exc
        finally:
            if timer is not None:
                timer.cancel()
            cur.close()


registry = BuildRegistry()


def current() -> Db:
    """The build the published path points to now (see `BuildRegistry.current`)."""
    return registry.current()


def query(db: Db, sql: str, params: dict[str, object] | None = None, timeout_s: float | None = None) -> pd.DataFrame:
    """Run one parameterised query on its own cursor under the time limit."""
    return registry.query(db, sql, params, timeout_s)


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return level
