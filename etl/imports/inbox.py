"""The analyst inbox (data/import/inbox/): files copied there under a content-addressed name are loaded in
every build. `import_into_inbox` is the library side of `python -m etl import`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb

from core.keys import PROJECT_DIR
from etl.context import BuildOptions
from etl.imports.files import check_path
from etl.imports.parse import check_file
from etl.sources.files import sha256_of

INBOX = PROJECT_DIR / "data" / "import" / "inbox"
_INBOX_NAME = re.compile(r"^([0-9a-f]{16})\.(procedures|grants|certifications|auto)\.(.+)$")


def inbox_entry(path: Path) -> tuple[str | None, str]:
    """(kind, original name) of a file in the inbox; files dropped there by hand are recognised by columns."""
    m = _INBOX_NAME.match(path.name)
    if not m:
        return None, path.name
    return (None if m[2] == "auto" else m[2]), m[3]


def inbox_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and not p.name.lower().startswith("readme"))


def add_to_inbox(path: Path, kind: str | None, folder: Path = INBOX) -> tuple[Path, bool]:
    """Copy a file into the inbox under a content-addressed name; (path, False) when it is there already."""
    check_path(path)
    sha = sha256_of(path)[:16]
    for existing in inbox_files(folder):
        if existing.name.startswith(sha + ".") or sha256_of(existing)[:16] == sha:
            return existing, False
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", path.name).strip("._") or "import"
    target = folder / f"{sha}.{kind or 'auto'}.{safe}"
    part = target.with_name("." + target.name + ".part")
    shutil.copyfile(path, part)
    part.replace(target)
    return target, True


def import_into_inbox(path: Path, kind: str | None, folder: Path = INBOX) -> tuple[Path, bool]:
    """Check the file (readable, columns recognised) before it enters the inbox, then copy it there."""
    check_file(path, kind)
    return add_to_inbox(path, kind, folder)


def import_sources(options: BuildOptions) -> list[tuple[Path, str | None, str]]:
    """(path, kind, shown name) of every file to import: --import files first, then the inbox."""
    found: list[tuple[Path, str | None, str]] = [(Path(p), None, Path(p).name) for p in options.imports]
    if options.inbox is not None:
        for path in inbox_files(Path(options.inbox)):
            kind, name = inbox_entry(path)
            found.append((path, kind, name))
    return found


def current_demo_flag(published: Path) -> bool:
    """Whether the published build holds demo data (a rebuild after an import keeps it that way)."""
    if not published.exists():
        return False
    con = duckdb.connect(str(published.resolve()), read_only=True)
    try:
        row = con.execute("SELECT value FROM build_info WHERE key = 'demo'").fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return bool(row and row[0] == "true")
