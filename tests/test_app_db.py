"""Data access housekeeping: old build handles are closed, shape files of old builds are removed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from app.data import shapes
from app.data.registry import Db, QueryInterrupted, query, registry


def test_handles_of_old_builds_are_closed_once_no_rerun_can_use_them(tmp_path: Path) -> None:
    files = []
    for i in range(4):
        path = tmp_path / f"b{i}.duckdb"
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
        files.append(str(path))
    first = registry.connection(files[0])
    registry.connection(files[1])
    registry.connection(files[2])  # two builds later: a rerun that began on the first build may still be running
    assert first.execute("SELECT x FROM t").fetchone() == (1,)
    registry._superseded[files[0]] -= registry.grace_s + 1  # ... until the grace period has passed
    registry.connection(files[3])
    with pytest.raises(duckdb.ConnectionException):
        first.execute("SELECT x FROM t")
    assert files[0] not in registry._connections and files[0] not in registry._superseded
    assert registry.connection(files[3]).execute("SELECT x FROM t").fetchone() == (1,)


def test_shape_files_of_old_builds_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "STATIC_SHAPES", tmp_path)
    old = tmp_path / "municipality-OLD.json"
    recent = tmp_path / "district-RECENT.json"
    current = tmp_path / "state-CURRENT.json"
    for path in (old, recent, current):
        path.write_text("{}")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    os.utime(current, (hours_ago, hours_ago))
    shapes._prune_shape_files("CURRENT")
    assert not old.exists()
    assert recent.exists()   # another build's file, but young: an open page may still fetch it
    assert current.exists()  # the current build's file stays whatever its age


def test_a_slow_query_is_interrupted_and_the_build_stays_usable(tmp_path: Path) -> None:
    path = tmp_path / "slow.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'build_id' AS key, 'SLOW' AS value")
    build = Db(path=str(path), build_id="SLOW")
    started = time.monotonic()
    with pytest.raises(QueryInterrupted, match="abgebrochen"):
        query(build, "SELECT count(*) FROM range(100000000000) a", timeout_s=0.3)
    assert time.monotonic() - started < 5
    assert query(build, "SELECT value FROM build_info")["value"].tolist() == ["SLOW"]
