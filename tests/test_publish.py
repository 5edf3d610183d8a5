"""Atomic publication: readers keep their build during a rebuild, the app sees the new one, pruning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from published_support import publish_copy

import app.data
from etl import publish
from etl.build import BuildReport

ROOT = Path(__file__).resolve().parent.parent


def build_id_of(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
    assert row is not None
    return str(row[0])


def test_reader_keeps_reading_during_a_rebuild_and_the_app_sees_the_new_build(
        tmp_path: Path, build_report: BuildReport, mirror: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link = publish_copy(tmp_path, build_report)
    old_file = link.resolve()
    monkeypatch.setenv(app.data.DB_ENV, str(link))
    old_db = app.data.current()
    assert old_db.build_id == build_report.build_id

    reader = duckdb.connect(str(old_file), read_only=True)
    try:
        count_sql = "SELECT count(*), sum(population) FROM region WHERE level = 'municipality'"
        before = reader.execute(count_sql).fetchone()
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "etl", "build", "--mirror", str(mirror), "--db", str(link)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        reads_during = 0
        while proc.poll() is None:
            assert reader.execute(count_sql).fetchone() == before
            assert build_id_of(reader) == build_report.build_id
            reads_during += 1
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert reads_during > 0
        # the rebuild has finished and is published; the reader still has its build
        assert reader.execute(count_sql).fetchone() == before
        assert build_id_of(reader) == build_report.build_id
    finally:
        reader.close()

    new_file = link.resolve()
    assert new_file != old_file
    assert link.is_symlink() and os.readlink(link) == new_file.name  # relative: the folder can move
    assert f"-> {new_file.name}" in " ".join(err.split())
    with duckdb.connect(str(new_file), read_only=True) as fresh:
        new_id = build_id_of(fresh)
    assert new_file.name == f"digitalmonitor-{new_id}.duckdb"
    assert new_id != build_report.build_id
    # the dashboard's data access picks the new build up without a restart
    db = app.data.current()
    assert (db.build_id, db.path) == (new_id, str(new_file))
    assert app.data.build_info(db)["demo"] == "false"
    # a page that started on the old build finishes on it
    assert app.data.build_info(old_db)["build_id"] == build_report.build_id
    assert old_file.exists()  # fewer than KEEP_BUILDS builds: nothing pruned
    assert not list(tmp_path.glob("*.part"))


def fake_builds(folder: Path, ids: list[str]) -> list[Path]:
    link = folder / "digitalmonitor.duckdb"
    files = [publish.build_file(link, i) for i in ids]
    for f in files:
        f.write_bytes(b"not a database, only a name")
    return files


def test_prune_keeps_the_newest_builds_and_never_the_current_one(tmp_path: Path) -> None:
    ids = [f"2026010{d}T000000Z-00000{d}" for d in range(1, 6)]
    files = fake_builds(tmp_path, ids)
    link = tmp_path / "digitalmonitor.duckdb"
    publish.publish(link, files[0])  # the oldest is current (e.g. pointed back to after a bad build)
    Path(str(files[1]) + ".wal").write_bytes(b"")
    other = tmp_path / "other.duckdb"
    other.write_bytes(b"")
    removed = publish.prune(link, keep=3)
    assert removed == [files[1], files[2]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [link.name, files[0].name, files[3].name, files[4].name, other.name])
    assert link.resolve() == files[0]
    assert publish.prune(link, keep=0) == [files[3], files[4]]
    assert link.resolve() == files[0] and files[0].exists()


def test_prune_after_publishing_removes_the_oldest(tmp_path: Path) -> None:
    files = fake_builds(tmp_path, [f"2026010{d}T000000Z-abcdef" for d in range(1, 5)])
    link = tmp_path / "digitalmonitor.duckdb"
    publish.publish(link, files[-1])
    assert publish.prune(link) == [files[0]]
    assert [f.exists() for f in files] == [False, True, True, True]
    assert publish.current_build(link) == files[-1]


def test_no_build_before_the_first_publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link = tmp_path / "digitalmonitor.duckdb"
    assert publish.current_build(link) is None
    monkeypatch.setenv(app.data.DB_ENV, str(link))
    with pytest.raises(app.data.NoDatabase):
        app.data.current()
