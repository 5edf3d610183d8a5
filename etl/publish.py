"""Atomic publication of a database build.

Each build is written to its own versioned file beside the published path and becomes visible by
replacing a symbolic link in one `rename`. A running dashboard resolves the link on each check and
opens the versioned file it points to, so it never sees a half-written database, keeps serving while a
rebuild runs (readers and the writer touch different files) and picks up a new build without restart.

Faults: the new file is fsynced before the link swap and the folder after each rename, so a crash or
power cut leaves either the old or the new build published. One build at a time holds an exclusive
lock (`flock` on `.<name>.lock` beside the link; a second build is refused with `BuildLocked`); the
lock file also records the build in progress, so the next lock holder removes what a killed build left
behind (`clean_leftovers`). Before writing, `check_free_space` refuses a build the disk cannot hold.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from etl.errors import BuildLocked, EtlError
from etl.faults import checkpoint

KEEP_BUILDS = 3
MIN_FREE_ENV = "DIGITALMONITOR_MIN_FREE_MB"
SPACE_FACTOR = 3  # a build needs room for its new file and its write-ahead log beside the kept builds
FIRST_BUILD_MB = 100  # needed free space when no build exists yet (a build with demo data is ~20 MB)
MB = 1_000_000
BUILD_ID = r"\d{8}T\d{6}Z-[0-9a-f]{6}"


def new_build_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def build_file(published: Path, build_id: str) -> Path:
    return published.with_name(f"{published.stem}-{build_id}{published.suffix or '.duckdb'}")


def check_writable(published: Path) -> None:
    """Fail early, naming the folder, when the database cannot be written there."""
    folder = published.parent
    if folder.exists() and not folder.is_dir():
        raise EtlError(folder, "database folder is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EtlError(folder, f"cannot create the database folder ({exc.strerror})") from exc
    probe = folder / f".write-test-{secrets.token_hex(4)}"
    try:
        probe.write_bytes(b"")
        probe.unlink(missing_ok=True)  # a build cleaning up leftovers may have taken it already
    except OSError as exc:
        raise EtlError(folder, f"database folder is not writable ({exc.strerror})") from exc


def fsync_file(path: Path) -> None:
    """Flush a written file to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or a new link) to the disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(published: Path, new_file: Path) -> None:
    """Point the published path at the new build file in one atomic rename (durable once it returns)."""
    tmp_link = published.with_name(f".{published.name}.{secrets.token_hex(4)}.link")
    os.symlink(new_file.name, tmp_link)
    checkpoint("linked")
    try:
        os.replace(tmp_link, published)
    except BaseException:
        tmp_link.unlink(missing_ok=True)
        raise
    fsync_dir(published.parent)
    checkpoint("swapped")


def lock_file(published: Path) -> Path:
    return published.with_name(f".{published.name}.lock")


class BuildLock:
    """The exclusive build lock of one published path; its file holds the journal of the running build.

    `previous` is the journal a build left when it was killed (pid, build id), else None.
    """

    def __init__(self, path: Path, fd: int, previous: dict[str, object] | None) -> None:
        self.path, self.fd, self.previous = path, fd, previous

    def _write(self, journal: dict[str, object] | None) -> None:
        data = json.dumps(journal).encode() if journal else b""
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)
        os.fsync(self.fd)

    def begin(self, build_id: str) -> None:
        """Record the build id before its files are created (a killed build is cleaned up by the next);
        call after `clean_leftovers`."""
        self._write({"pid": os.getpid(), "build_id": build_id,
                     "started": datetime.now(UTC).isoformat(timespec="seconds")})

    def done(self) -> None:
        """The build is published or its files are removed: nothing left to clean up."""
        self._write(None)


def _journal(fd: int) -> dict[str, object] | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def build_lock(published: Path) -> Iterator[BuildLock]:
    """Hold the exclusive build lock of `published` (never waits: a running build makes this raise
    BuildLocked). The kernel releases the lock when the process dies, even by SIGKILL."""
    path = lock_file(published)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _journal(fd) or {}
            os.close(fd)
            who = f"pid {holder['pid']}, started {holder.get('started', '?')}" if "pid" in holder else f"lock {path}"
            raise BuildLocked(published.parent, f"another build of {published.name} is running ({who}); "
                                                "wait until it has finished and build again") from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file between our open and flock: lock the new one
    previous = _journal(fd)
    lock = BuildLock(path, fd, previous)
    # the killed build's id stays in the journal until `begin`: a build killed while cleaning up passes it on
    left = {"build_id": previous["build_id"]} if previous and "build_id" in previous else {}
    try:
        lock._write({"pid": os.getpid(), "started": datetime.now(UTC).isoformat(timespec="seconds"), **left})
        yield lock
    finally:
        path.unlink(missing_ok=True)  # still locked: a build that opened the old file retries on the new
        os.close(fd)


def _remove(path: Path) -> bool:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
        return True
    if path.is_symlink() or path.exists():
        path.unlink(missing_ok=True)
        return True
    return False


def remove_unpublished(published: Path, build_id: str) -> list[Path]:
    """Remove the files of a build that was not published: `.part`, its WAL and temp folder, and the
    versioned file unless the link points at it. Call only while holding the build lock."""
    target = build_file(published, build_id)
    part = target.with_name(target.name + ".part")
    paths = [part, Path(f"{part}.wal"), Path(f"{part}.tmp")]
    if current_build(published) != target:
        paths += [target, Path(f"{target}.wal")]
    return [p for p in paths if _remove(p)]


def clean_leftovers(published: Path, lock: BuildLock) -> list[Path]:
    """Remove what killed builds left beside the published path: the unpublished build the lock's journal
    names, partial `.part` files with their WAL and temp folder, temporary links, write probes and WAL
    files of removed builds. Only the lock holder may call this (no other build is writing)."""
    removed: list[Path] = []
    previous_id = (lock.previous or {}).get("build_id")
    if isinstance(previous_id, str) and re.fullmatch(BUILD_ID, previous_id):
        removed += remove_unpublished(published, previous_id)
    base = re.escape(published.stem) + "-" + BUILD_ID + re.escape(published.suffix or ".duckdb")
    partial = re.compile(base + r"\.part(\.wal|\.tmp)?")
    orphan_wal = re.compile(base + r"\.wal")
    temp = re.compile(r"\." + re.escape(published.name) + r"\.[0-9a-f]{8}\.link|\.write-test-[0-9a-f]{8}")
    for path in sorted(published.parent.iterdir()):
        name = path.name
        if (partial.fullmatch(name) or temp.fullmatch(name)
                or (orphan_wal.fullmatch(name) and not Path(str(path)[: -len(".wal")]).exists())):
            if _remove(path):
                removed.append(path)
    return removed


def space_estimate(published: Path) -> int:
    """Bytes a build needs: 3 × the current build's file, or 100 MB for the first build."""
    current = current_build(published)
    if current is not None and current.is_file():
        return SPACE_FACTOR * current.stat().st_size
    return FIRST_BUILD_MB * MB


def space_needed(published: Path) -> int:
    """Free bytes required before a build starts: DIGITALMONITOR_MIN_FREE_MB if set (0 turns the check
    off), else `space_estimate`."""
    env = os.environ.get(MIN_FREE_ENV)
    if not env:
        return space_estimate(published)
    try:
        mb = float(env)
    except ValueError:
        mb = -1.0
    if not 0 <= mb < float("inf"):
        raise EtlError(None, f"{MIN_FREE_ENV}={env!r} is not a number of megabytes")
    return int(mb * MB)


def megabytes(n: int) -> str:
    return f"{n / MB:,.1f} MB"


def check_free_space(published: Path) -> None:
    """Refuse a build the disk cannot hold, before anything is written, naming the folder."""
    folder = published.parent
    needed = space_needed(published)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise EtlError(folder, f"not enough free space for a new build: {megabytes(free)} free, about "
                               f"{megabytes(needed)} needed; free some space or choose another --db folder")


def disk_full_error(published: Path, reason: str) -> EtlError:
    """The one message for a build that ran out of space (or hit a file size limit) while writing."""
    folder = published.parent
    free = shutil.disk_usage(folder).free if folder.is_dir() else 0
    if reason == os.strerror(errno.EFBIG):
        reason += ": the file size limit of the process (ulimit -f) or of the file system was reached"
    return EtlError(folder, f"no room to write the new database ({reason}); {megabytes(free)} free, a build "
                            f"needs about {megabytes(space_estimate(published))}. The partial file was removed; "
                            "free some space or choose another --db folder and build again")


def prune(published: Path, keep: int = KEEP_BUILDS) -> list[Path]:
    """Remove old build files (a reader that still has one open keeps it until it closes)."""
    current = published.resolve()
    pattern = f"{published.stem}-*{published.suffix or '.duckdb'}"
    builds = sorted(p for p in published.parent.glob(pattern) if p.is_file() and not p.is_symlink())
    old = [p for p in builds if p != current][: max(0, len(builds) - keep)]
    for path in old:
        path.unlink(missing_ok=True)
        Path(str(path) + ".wal").unlink(missing_ok=True)
    return old


def current_build(published: Path) -> Path | None:
    """The versioned file the published path points to (None before the first build)."""
    if not published.exists():
        return None
    return published.resolve()
