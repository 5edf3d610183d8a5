"""Where releases live: `<root>/<build id>/` per build, `<root>/latest` a symbolic link switched atomically when
the build is published, old releases pruned with their builds. The default root is `static/release/` (served by
Streamlit under `app/static/release/…`) for the default database, else `release/` beside the database."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

from core.keys import DEFAULT_DB, PROJECT_DIR
from etl.publish import BUILD_ID, fsync_dir

RELEASE_DIR_ENV = "DIGITALMONITOR_RELEASE_DIR"
STATIC_RELEASE = PROJECT_DIR / "static" / "release"
LATEST = "latest"


def release_root(published: Path, explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit
    if os.environ.get(RELEASE_DIR_ENV):
        return Path(os.environ[RELEASE_DIR_ENV])
    if published.absolute() == DEFAULT_DB.absolute():
        return STATIC_RELEASE
    return published.parent / "release"


def part_folder(root: Path, build_id: str) -> Path:
    return root / f".{build_id}.part"


def release_folder(root: Path, build_id: str) -> Path:
    return root / build_id


def latest_release(root: Path) -> Path | None:
    """The release `latest` points to (None before the first)."""
    link = root / LATEST
    return link.resolve() if link.is_dir() else None


def previous_release(root: Path, build_id: str) -> Path | None:
    """The release a new one is compared with: `latest`, or the newest older one when `latest` is this build."""
    latest = latest_release(root)
    if latest is not None and latest.name != build_id:
        return latest
    older = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
                   and re.fullmatch(BUILD_ID, p.name) and p.name < build_id) if root.is_dir() else []
    return older[-1] if older else None


def link_latest(root: Path, build_id: str) -> None:
    """Point `latest` at the build's release in one rename (after the build is published)."""
    tmp = root / f".latest.{secrets.token_hex(4)}.link"
    os.symlink(build_id, tmp)
    try:
        os.replace(tmp, root / LATEST)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(root)


def remove_release(root: Path, build_id: str) -> None:
    """Remove a build's release and its partial folder (a build that was not published)."""
    for folder in (part_folder(root, build_id), release_folder(root, build_id)):
        if folder.is_dir() and (root / LATEST).resolve() != folder.resolve():
            shutil.rmtree(folder, ignore_errors=True)


def prune_releases(root: Path, keep_ids: set[str]) -> list[Path]:
    """Remove releases of builds that are no longer kept, and partial folders of other builds."""
    if not root.is_dir():
        return []
    current = latest_release(root)
    removed = []
    for path in root.iterdir():
        m = re.fullmatch(r"\.?(" + BUILD_ID + r")(\.part)?", path.name)
        if m is None or not path.is_dir() or path.is_symlink() or path == current:
            continue
        if m.group(1) not in keep_ids or m.group(2):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
