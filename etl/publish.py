"""Atomic publication of a database build.

Each build is written to its own versioned file beside the published path and becomes visible by
replacing a symbolic link in one `rename`. A running dashboard resolves the link on each check and
opens the versioned file it points to, so it never sees a half-written database, keeps serving while a
rebuild runs (readers and the writer touch different files) and picks up a new build without restart.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from etl.errors import EtlError

PROJECT_DIR = Path(__file__).resolve().parent.parent
DB_ENV = "DIGITALMONITOR_DB"
DEFAULT_DB = PROJECT_DIR / "data" / "digitalmonitor.duckdb"
KEEP_BUILDS = 3


def db_path(option: Path | None = None) -> Path:
    """The published database path: --db, else DIGITALMONITOR_DB, else data/digitalmonitor.duckdb."""
    if option is not None:
        return option
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


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
        probe.unlink()
    except OSError as exc:
        raise EtlError(folder, f"database folder is not writable ({exc.strerror})") from exc


def publish(published: Path, new_file: Path) -> None:
    """Point the published path at the new build file in one atomic rename."""
    tmp_link = published.with_name(f".{published.name}.{secrets.token_hex(4)}.link")
    os.symlink(new_file.name, tmp_link)
    os.replace(tmp_link, published)


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
