"""Faults the ETL must survive, each on the real build (`python -m etl build` in a subprocess, real signals):
a SIGKILL at the named checkpoints of a build and at a random moment, a second build while one runs,
a full disk (a small tmpfs), a file size limit (RLIMIT_FSIZE) and the free-space check. In every case the
previous database stays intact — same file, same bytes, opens read-only — and the dashboard's data calls
still work on it; what a killed build left behind is removed by the next build."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from published_support import publish_copy

import app.data
from etl import faults, publish
from etl.build import BuildReport, run_build
from etl.context import BuildOptions
from etl.errors import EtlError

ROOT = Path(__file__).resolve().parent.parent
KILLED = -signal.SIGKILL


@dataclass(frozen=True)
class Fingerprint:
    file: str
    sha256: str
    build_id: str
    rows: tuple[tuple[str, int], ...]


def fingerprint(link: Path) -> Fingerprint:
    """The published file, its sha256, its build id and the row count of every table (opened read-only)."""
    assert link.is_symlink(), f"{link} is no longer a symbolic link"
    return file_fingerprint(link.resolve())


def file_fingerprint(target: Path) -> Fingerprint:
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
        assert row is not None
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        counts = []
        for t in tables:
            (n,) = con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0]  # noqa: S608 - from the catalogue
            counts.append((t, int(n)))
        rows = tuple(counts)
    assert target.name == f"digitalmonitor-{row[0]}.duckdb"
    return Fingerprint(target.name, digest, str(row[0]), rows)


def dashboard_build_id(link: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What every page does: the current build through app.data and a query on it."""
    monkeypatch.setenv(app.data.DB_ENV, str(link))
    db = app.data.current()
    per_state = app.data.municipalities_per_state(db)
    assert len(per_state) == 16 and int(per_state["gemeinden"].sum()) > 10_000
    return app.data.build_info(db)["build_id"]


def build_command(link: Path, mirror: Path) -> list[str]:
    inbox = link.parent.parent / "empty-inbox"  # no analyst files from the checkout's data/import/inbox
    inbox.mkdir(exist_ok=True)
    return [sys.executable, "-m", "etl", "build", "--mirror", str(mirror), "--db", str(link), "--inbox", str(inbox),
            "--reports", str(link.parent.parent / "reports")]


def build_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (faults.KILL_ENV, publish.MIN_FREE_ENV)}
    return {**env, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb", **extra}


def run_etl(link: Path, mirror: Path, preexec_fn: Callable[[], None] | None = None,
            **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(build_command(link, mirror), cwd=ROOT, env=build_env(**env), capture_output=True,
                          text=True, timeout=300, preexec_fn=preexec_fn)


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def journal(link: Path) -> dict[str, object]:
    """The build the lock file records (left behind by a killed build)."""
    return json.loads(publish.lock_file(link).read_text() or "{}")


def one_line(text: str) -> str:
    return " ".join(text.split())


# checkpoint → the names a build killed there must leave beside the previous build, and those it may
# leave (`i` is its build id; DuckDB may have checkpointed its WAL into the .part file already)
def part(i: str) -> set[str]:
    return {f"digitalmonitor-{i}.duckdb.part"}


def part_extras(i: str) -> set[str]:
    return {f"digitalmonitor-{i}.duckdb.part.wal", f"digitalmonitor-{i}.duckdb.part.tmp"}


def nothing(i: str) -> set[str]:
    return set()


KILL_SEQUENCE: list[tuple[str, Callable[[str], set[str]], Callable[[str], set[str]]]] = [
    ("locked", nothing, nothing),
    ("register", nothing, nothing),
    ("metrics", part, part_extras),  # inside the open new file (like `writing` and `imports`, only later)
    ("closed", lambda i: {f"digitalmonitor-{i}.duckdb"}, nothing),
    ("linked", lambda i: {f"digitalmonitor-{i}.duckdb", "<temp link>"}, nothing),
    ("swapped", lambda i: {f"digitalmonitor-{i}.duckdb"}, nothing),  # published: the new build
]
TEMP_LINK = re.compile(r"\.digitalmonitor\.duckdb\.[0-9a-f]{8}\.link")


def test_a_build_passes_every_declared_checkpoint_in_order(build_report: BuildReport) -> None:
    """Every checkpoint of etl/faults.py is reached, in the declared order: a stage renamed or dropped fails
    here instead of silently leaving the kill tests without their checkpoint."""
    assert build_report.checkpoints == faults.CHECKPOINTS


def test_sigkill_at_each_checkpoint_keeps_the_previous_database_served(
        tmp_path: Path, mirror: Path, build_report: BuildReport, monkeypatch: pytest.MonkeyPatch) -> None:
    """One folder, builds killed one after the other: each run first removes what the one before left."""
    link = publish_copy(tmp_path / "db", build_report)
    previous = fingerprint(link)
    baseline = names(link.parent)
    lock_name = publish.lock_file(link).name
    assert dashboard_build_id(link, monkeypatch) == previous.build_id
    assert len({point for point, _, _ in KILL_SEQUENCE}) >= 6

    new: Fingerprint | None = None
    for point, required, allowed in KILL_SEQUENCE:
        result = run_etl(link, mirror, **{faults.KILL_ENV: point})
        assert result.returncode == KILLED, f"{point}: exit {result.returncode}\n{result.stderr}"
        build_id = str(journal(link)["build_id"])  # the killed build's id, from the lock file's journal
        left = {TEMP_LINK.sub("<temp link>", n) for n in names(link.parent) - baseline - {lock_name}}
        # what this build left, and nothing of the builds killed before it (each run cleaned up first)
        assert required(build_id) <= left <= required(build_id) | allowed(build_id), (point, left)
        if point != "swapped":
            assert fingerprint(link) == previous, point
            assert dashboard_build_id(link, monkeypatch) == previous.build_id, point
            continue
        # killed after the swap: the complete new build is published, the previous one kept (not pruned)
        new = fingerprint(link)
        assert new.build_id == build_id and new.file != previous.file
        assert dict(new.rows)["region"] == dict(previous.rows)["region"]
        assert dict(new.rows)["shape_file"] == 5
        assert file_fingerprint(link.parent / previous.file) == previous
        assert dashboard_build_id(link, monkeypatch) == build_id

    # the next build after a kill past the swap keeps the build the link points to (its journal names it)
    assert new is not None
    result = run_etl(link, mirror, **{faults.KILL_ENV: "locked"})
    assert result.returncode == KILLED, result.stderr
    assert names(link.parent) == baseline | {new.file, lock_name}
    assert fingerprint(link) == new


def wait_for_lock_holder(link: Path, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the first build ended early: {proc.communicate()[1]}"
        try:
            if journal(link).get("pid") == proc.pid:
                return
        except (FileNotFoundError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError("the first build did not take the build lock")


def test_second_build_is_refused_while_one_runs_and_a_kill_from_outside_keeps_the_database(
        tmp_path: Path, mirror: Path, build_report: BuildReport, monkeypatch: pytest.MonkeyPatch) -> None:
    link = publish_copy(tmp_path / "db", build_report)
    previous = fingerprint(link)
    baseline = names(link.parent)
    first = subprocess.Popen(build_command(link, mirror), cwd=ROOT, env=build_env(), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_lock_holder(link, first)
        second = run_etl(link, mirror)
        assert first.poll() is None, "the first build must still hold the lock"
        err = one_line(second.stderr)
        assert second.returncode == 75, second.stderr
        assert err.count("Fehler:") == 1 and "Traceback" not in err
        assert f"{link.parent}: another build of digitalmonitor.duckdb is running (pid {first.pid}," in err
        assert "Die bisherige Datenbank bleibt unverändert." in err
        assert fingerprint(link) == previous

        delay = random.uniform(0.0, 8.0)  # somewhere between reading the sources and publishing
        time.sleep(delay)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # killed (or, on a fast machine, finished just before the signal): never a half state
    assert first.returncode in (KILLED, 0), f"after {delay:.2f} s: exit {first.returncode}"
    after = fingerprint(link)
    if after.file == previous.file:
        assert after == previous, f"killed after {delay:.2f} s"
    else:
        assert dict(after.rows)["region"] == dict(previous.rows)["region"], f"killed after {delay:.2f} s"
    assert dashboard_build_id(link, monkeypatch) == after.build_id

    # the next build removes whatever the killed one left, publishes, and leaves no lock file
    third = run_etl(link, mirror)
    assert third.returncode == 0, third.stderr
    final = fingerprint(link)
    assert final.build_id not in (previous.build_id, after.build_id)
    assert names(link.parent) == baseline | {after.file, final.file}, f"killed after {delay:.2f} s"
    assert dashboard_build_id(link, monkeypatch) == final.build_id


# --- a full disk ---

MB = publish.MB
FREE_ON_SMALL_DISK = 4 * MB  # far less than the ~20 MB a new build writes


@pytest.fixture
def small_disk(tmp_path: Path, build_report: BuildReport) -> Iterator[Path]:
    """A tmpfs holding a published previous build and a ballast file, with 4 MB left free."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    size_mb = build_report.db_file.stat().st_size // MB + 16
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        link = publish_copy(mount / "db", build_report)
        ballast = shutil.disk_usage(mount).free - FREE_ON_SMALL_DISK
        with (mount / "ballast.bin").open("wb") as fh:
            for _ in range(ballast // MB):
                fh.write(b"\xa5" * MB)
            fh.write(b"\xa5" * (ballast % MB))
        yield link
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)


def assert_refused_cleanly(result: subprocess.CompletedProcess[str], link: Path, previous: Fingerprint,
                           listing: set[str]) -> str:
    err = one_line(result.stderr)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in err and err.count("Fehler:") == 1, err
    assert f"Fehler: {link.parent}: " in err
    assert "Die bisherige Datenbank bleibt unverändert." in err
    assert result.stdout == ""
    assert fingerprint(link) == previous  # same bytes, opens read-only, every table readable
    assert names(link.parent) == listing  # no partial file, WAL, temp link or lock file left
    return err


def test_full_disk_during_a_build(small_disk: Path, mirror: Path) -> None:
    link = small_disk
    previous, listing = fingerprint(link), names(link.parent)
    # bypass the free-space check so that the build really runs out of space while writing
    result = run_etl(link, mirror, **{publish.MIN_FREE_ENV: "0"})
    err = assert_refused_cleanly(result, link, previous, listing)
    assert "no room to write the new database (No space left on device)" in err
    needed = re.escape(publish.megabytes(3 * link.resolve().stat().st_size))
    assert re.search(rf"; [34]\.\d MB free, a build needs about {needed}\. The partial file was removed", err), err


def test_file_size_limit_during_a_build(tmp_path: Path, mirror: Path, build_report: BuildReport) -> None:
    """Runs everywhere: RLIMIT_FSIZE makes every write beyond 4 MB fail with EFBIG (SIGXFSZ ignored)."""
    link = publish_copy(tmp_path / "db", build_report)
    previous, listing = fingerprint(link), names(link.parent)

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4 * MB, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    result = run_etl(link, mirror, preexec_fn=limit_file_size)
    err = assert_refused_cleanly(result, link, previous, listing)
    assert "no room to write the new database (File too large: the file size limit of the process" in err
    assert f"a build needs about {publish.megabytes(3 * link.resolve().stat().st_size)}." in err


def test_free_space_check_refuses_before_reading(small_disk: Path, mirror: Path) -> None:
    link = small_disk
    previous, listing = fingerprint(link), names(link.parent)
    needed = re.escape(publish.megabytes(3 * link.resolve().stat().st_size))
    started = time.monotonic()
    result = run_etl(link, mirror)
    err = assert_refused_cleanly(result, link, previous, listing)
    assert re.search(rf"not enough free space for a new build: [34]\.\d MB free, about {needed} needed", err), err
    assert time.monotonic() - started < 8  # refused before the sources are read (~10 s)


def test_free_space_minimum_from_the_environment(tmp_path: Path, mirror: Path, build_report: BuildReport,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check where no tmpfs can be mounted: a minimum larger than any disk."""
    link = publish_copy(tmp_path / "db", build_report)
    previous, listing = fingerprint(link), names(link.parent)
    monkeypatch.setenv(publish.MIN_FREE_ENV, str(10**9))
    with pytest.raises(EtlError) as info:
        run_build(BuildOptions(db=link, mirror=mirror))
    assert info.value.file == str(link.parent)
    assert "MB free, about 1,000,000,000.0 MB needed" in str(info.value)
    assert fingerprint(link) == previous and names(link.parent) == listing
