"""Official source files and how to obtain them (download cache or local mirror).

A `SourceSpec` describes one official dataset once: its URL, the file names inside the archive, licence
and attribution (each source module defines its own specs). `SourceResolver` finds a file in a mirror
folder (by file name, anywhere below it), in the download cache `data/raw/`, or downloads and unpacks
the official archive into that cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.keys import PROJECT_DIR
from etl.errors import EtlError

RAW_DIR = PROJECT_DIR / "data" / "raw"
MIRROR_ENV = "DIGITALMONITOR_MIRROR"

DL_DE_BY_2 = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"

# File endings accepted for a boundary layer, in order of preference, and the side files a
# shapefile cannot be read without.
LAYER_ENDINGS = (".shp", ".gpkg", ".geojson", ".json")
SHAPEFILE_SIDECARS = (".dbf", ".shx", ".prj")


@dataclass(frozen=True)
class SourceSpec:
    """One official dataset: where it comes from and how it must be credited."""

    id: str
    title: str
    publisher: str
    url: str
    files: tuple[str, ...]
    licence: str
    attribution: str
    edition: str
    kind: str
    product: str = ""
    # for boundary sources: BKG layer name -> file stem; the file ending may be any of LAYER_ENDINGS
    layers: dict[str, str] = field(default_factory=dict)
    simplified_attribution: str = ""


@dataclass(frozen=True)
class ResolvedFile:
    """A source file found on disk, with its checksum and where it came from."""

    spec: SourceSpec
    name: str
    path: Path
    sha256: str
    bytes: int
    origin: str  # "mirror" or "download"
    retrieved_at: datetime


def plain_name(name: str) -> str:
    """A source file is looked up by its plain file name: no folder part, no '..', no NUL byte."""
    text = str(name)
    if (not text or text in (".", "..") or "/" in text or "\\" in text or "\x00" in text
            or len(text.encode("utf-8", "surrogateescape")) > 255):
        shown = repr(text) if len(text) <= 120 else repr(text[:100]) + f"… ({len(text)} characters)"
        raise EtlError(shown, "not a plain file name; source files are looked up by name inside the mirror "
                       "or the download cache only")
    return text


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class SourceResolver:
    """Finds source files in a mirror folder or the download cache, downloading when allowed."""

    def __init__(self, mirror: Path | None = None, raw_dir: Path = RAW_DIR) -> None:
        env = os.environ.get(MIRROR_ENV)
        self.mirror = mirror or (Path(env) if env else None)
        if self.mirror is not None and not _is_dir(self.mirror):
            raise EtlError(self.mirror, "mirror folder does not exist")
        self.raw_dir = raw_dir
        self._index: dict[str, list[Path]] | None = None
        self._outside: dict[str, tuple[Path, Path]] = {}  # name -> (link in the mirror, where it points)
        self.resolved: list[ResolvedFile] = []

    def _mirror_index(self) -> dict[str, list[Path]]:
        """Every regular file below the mirror by its lower-case name (symbolic links to folders are not
        followed). A symbolic link may lead out of the mirror only to a file of its own name (a mirror made of
        links to the official files); one named like a source file but leading to another file (to
        /etc/passwd, say) is never read."""
        if self._index is None:
            self._index = {}
            assert self.mirror is not None
            root = self.mirror.resolve()
            for path in sorted(self.mirror.rglob("*")):
                if not path.is_file():
                    continue
                target = path.resolve()
                if not target.is_relative_to(root) and target.name.lower() != path.name.lower():
                    self._outside.setdefault(path.name.lower(), (path, target))
                    continue
                self._index.setdefault(path.name.lower(), []).append(path)
        return self._index

    def _find(self, spec: SourceSpec, name: str) -> tuple[Path, str] | None:
        name = plain_name(name)
        if self.mirror is not None:
            hits = self._mirror_index().get(name.lower(), [])
            if not hits and name.lower() in self._outside:
                link, target = self._outside[name.lower()]
                raise EtlError(link, f"symbolic link leads out of the mirror to another file ({target}); a link "
                               "may only lead to a file of its own name")
            # a file name that occurs twice is taken from the folder named after the edition
            return (hits[0], "mirror") if hits else None
        folder = self.raw_dir / spec.id
        root = folder.resolve()
        cached = folder / name
        if cached.is_file() and cached.resolve().is_relative_to(root):
            return cached, "download"
        for path in folder.rglob("*") if folder.is_dir() else []:
            if path.name.lower() == name.lower() and path.is_file() and path.resolve().is_relative_to(root):
                return path, "download"
        return None

    def _download(self, spec: SourceSpec, progress: object | None = None) -> None:
        """Download the official archive once into data/raw and unpack it beside."""
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        archive = self.raw_dir / f"{spec.id}.zip"
        if not archive.exists():
            tmp = archive.with_suffix(".part")
            try:
                with urllib.request.urlopen(spec.url, timeout=60) as resp, tmp.open("wb") as out:
                    shutil.copyfileobj(resp, out)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise EtlError(
                    spec.url,
                    f"download failed ({exc}); offline installs pass --mirror DIR or set {MIRROR_ENV}",
                ) from exc
            tmp.replace(archive)
            (self.raw_dir / f"{spec.id}.zip.sha256").write_text(sha256_of(archive) + "\n")
        target = self.raw_dir / spec.id
        try:
            with zipfile.ZipFile(archive) as zf:
                root = target.resolve()
                for member in zf.namelist():
                    # no member may land outside the cache folder (".." parts, absolute names)
                    if (member.startswith(("/", "\\")) or "\x00" in member or ".." in Path(member).parts
                            or not (root / member).resolve().is_relative_to(root)):
                        raise EtlError(archive, f"archive member {member!r} would be written outside {target}; "
                                       "archive refused (delete it to download again)")
                zf.extractall(target)
        except zipfile.BadZipFile as exc:
            raise EtlError(archive, f"not a readable ZIP archive ({exc}); delete it to download again") from exc

    def file(self, spec: SourceSpec, name: str, required: bool = True) -> ResolvedFile | None:
        """Locate one file of a source by its plain name; raise a clear error if a required file is missing."""
        name = plain_name(name)
        found = self._find(spec, name)
        if found is None and self.mirror is None:
            self._download(spec)
            found = self._find(spec, name)
        if found is None:
            if not required:
                return None
            where = f"mirror {self.mirror}" if self.mirror else f"download cache {self.raw_dir}"
            raise EtlError(name, f"source file of '{spec.title}' not found in the {where}")
        path, origin = found
        if path.stat().st_size == 0:
            raise EtlError(path, "source file is empty (truncated download or copy?)")
        resolved = ResolvedFile(
            spec=spec,
            name=path.name,
            path=path,
            sha256=sha256_of(path),
            bytes=path.stat().st_size,
            origin=origin,
            retrieved_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
        )
        self.resolved.append(resolved)
        return resolved

    def layer(self, spec: SourceSpec, layer: str) -> ResolvedFile:
        """Locate a boundary layer in any supported format (shapefile with its side files, GPKG, GeoJSON)."""
        stem = spec.layers[layer]
        for ending in LAYER_ENDINGS:
            found = self.file(spec, stem + ending, required=False) if self._exists(spec, stem + ending) else None
            if found is None:
                continue
            if ending == ".shp":
                for side in SHAPEFILE_SIDECARS:
                    if not self._exists(spec, stem + side):
                        raise EtlError(found.path, f"shapefile without its {side} file ({stem}{side} is missing)")
                    self.file(spec, stem + side)
            return found
        where = f"mirror {self.mirror}" if self.mirror else f"download cache {self.raw_dir}"
        raise EtlError(stem, f"boundary layer {layer} of '{spec.title}' not found in the {where} "
                       f"(looked for {', '.join(stem + e for e in LAYER_ENDINGS)})")

    def _exists(self, spec: SourceSpec, name: str) -> bool:
        if self.mirror is None and not (self.raw_dir / spec.id).is_dir():
            self._download(spec)
        return self._find(spec, name) is not None
