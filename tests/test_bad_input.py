"""Bad input: one clear message naming the file and the problem, a non-zero exit code, and the
previous database untouched. Each test links the real files into a tmp mirror and breaks one."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from published_support import publish_copy

from etl import publish
from etl.build import BuildReport, run_build
from etl.context import BuildOptions
from etl.errors import EtlError
from etl.sources.boundaries import BKG_VG5000_2021
from etl.sources.files import SourceResolver

ROOT = Path(__file__).resolve().parent.parent
GV2025 = "GV100AD_30112025.txt"
NUERNBERG_LINE = 10929  # line number of 09564000 in the 2025 edition


def link_mirror(real: Path, target: Path) -> Path:
    """A mirror whose files are symbolic links to the real ones (break one by replacing it)."""
    for path in real.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(real)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    return target


def find(mirror: Path, name: str) -> Path:
    (path,) = [p for p in mirror.rglob(name)]
    return path


def own_copy(mirror: Path, name: str) -> Path:
    """Replace the link by a private copy of the real file, to be broken."""
    path = find(mirror, name)
    real = path.resolve()
    path.unlink()
    shutil.copyfile(real, path)
    return path


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def cut_register_inside_line(mirror: Path, chars: int) -> None:
    """Cut the 2025 register `chars` characters into the Nürnberg line."""
    path = own_copy(mirror, GV2025)
    lines = lines_of(path)
    line = lines[NUERNBERG_LINE - 1].decode("utf-8")
    path.write_bytes(b"".join(lines[: NUERNBERG_LINE - 1]) + line[:chars].encode("utf-8"))


def edit_nuernberg_line(mirror: Path, edit: Callable[[str], str]) -> None:
    path = own_copy(mirror, GV2025)
    lines = lines_of(path)
    lines[NUERNBERG_LINE - 1] = edit(lines[NUERNBERG_LINE - 1].decode("utf-8")).encode("utf-8")
    path.write_bytes(b"".join(lines))


def cut_in_half(mirror: Path, name: str) -> None:
    path = own_copy(mirror, name)
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


HTML = ("<!DOCTYPE html>\n<html lang=\"de\"><head><title>Statistisches Bundesamt</title></head>\n"
        "<body><h1>Die Seite wurde nicht gefunden</h1></body></html>\n")


def html_page(mirror: Path) -> None:
    find(mirror, GV2025).unlink()
    (mirror / "gemeindeverzeichnis" / GV2025).write_text(HTML, encoding="utf-8")


@dataclass(frozen=True)
class Case:
    breaks: Callable[[Path], None]
    file: str  # the file the message names
    problem: str  # what the message says


CASES = {
    "register_missing": Case(lambda m: find(m, "GV100AD_31122022.txt").unlink(), "GV100AD_31122022.txt",
                             "not found in the mirror"),
    "shp_cut_in_half": Case(lambda m: cut_in_half(m, "VG5000_GEM.shp"), "VG5000_GEM.shp",
                            "features have no geometry (truncated file?)"),
    "geojson_cut_in_half": Case(lambda m: cut_in_half(m, "VG250_LAN.geojson"), "VG250_LAN.geojson",
                                "cannot read boundary layer"),
    "register_cut_early_in_a_line": Case(lambda m: cut_register_inside_line(m, 100), GV2025,
                                         f"line {NUERNBERG_LINE}: last record is 100 characters long"),
    "register_cut_late_in_a_line": Case(lambda m: cut_register_inside_line(m, 180), GV2025,
                                        f"line {NUERNBERG_LINE}: last record is 180 characters long"),
    "letters_in_population": Case(
        lambda m: edit_nuernberg_line(m, lambda s: s[:139] + "00000529S08" + s[150:]), GV2025,
        f"line {NUERNBERG_LINE}: population is not a number: '00000529S08'"),
    "shortened_line": Case(lambda m: edit_nuernberg_line(m, lambda s: s[:60] + s[120:]), GV2025,
                           f"line {NUERNBERG_LINE}: municipality record is 160 characters long"),
    "html_page": Case(html_page, GV2025, "is an HTML page, not a GV100AD register file"),
    "empty_file": Case(lambda m: own_copy(m, "GV100AD_31122021.txt").write_bytes(b""), "GV100AD_31122021.txt",
                       "source file is empty"),
}


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory, build_report: BuildReport) -> Path:
    """A published database (a copy of the session build) that failed builds must leave alone."""
    return publish_copy(tmp_path_factory.mktemp("previous"), build_report)


def state_of(link: Path) -> tuple[Path, str, str, list[str]]:
    """Resolved file, its sha256, its build id, and every name in its folder."""
    target = link.resolve()
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
    assert row is not None
    return target, digest, str(row[0]), sorted(p.name for p in link.parent.iterdir())


@pytest.mark.parametrize("name", list(CASES))
def test_build_fails_with_a_clear_message_and_keeps_the_database(
        name: str, tmp_path: Path, mirror: Path, previous: Path) -> None:
    case = CASES[name]
    broken = link_mirror(mirror, tmp_path / "mirror")
    case.breaks(broken)
    before = state_of(previous)
    with pytest.raises(EtlError) as info:
        run_build(BuildOptions(db=previous, mirror=broken))
    error = info.value
    assert error.file is not None and Path(error.file).name == case.file
    assert case.problem in str(error)
    assert str(error).startswith(error.file)
    assert state_of(previous) == before


@pytest.mark.parametrize(("missing", "layer", "file", "problem"), [
    ("VG5000_GEM.dbf", "GEM", "VG5000_GEM.shp", "shapefile without its .dbf file (VG5000_GEM.dbf is missing)"),
    ("VG5000_GEM.shx", "GEM", "VG5000_GEM.shp", "shapefile without its .shx file"),
    ("VG5000_GEM.shp", "GEM", "VG5000_GEM", "boundary layer GEM of 'Verwaltungsgebiete 1:5 000 000"),
])
def test_incomplete_layer_is_refused_before_reading(
        missing: str, layer: str, file: str, problem: str, tmp_path: Path, mirror: Path) -> None:
    """The resolver runs before anything is read or written (see the cases above for the database)."""
    broken = link_mirror(mirror, tmp_path / "mirror")
    find(broken, missing).unlink()
    resolver = SourceResolver(broken)
    with pytest.raises(EtlError) as info:
        resolver.layer(BKG_VG5000_2021, layer)
    assert Path(str(info.value.file)).name == file
    assert problem in str(info.value)


def run_cli(mirror: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "etl", "build", "--mirror", str(mirror), "--db", str(db)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("name", "breaks", "file", "problem"), [
    ("register_missing", CASES["register_missing"].breaks, "GV100AD_31122022.txt", "not found in the mirror"),
    ("html_page", html_page, GV2025, "is an HTML page"),
    # text from the file that looks like console markup must come through as it is
    ("markup_in_a_field", lambda m: edit_nuernberg_line(m, lambda s: s[:139] + "[/bold]    " + s[150:]), GV2025,
     f"line {NUERNBERG_LINE}: population is not a number: '[/bold]"),
])
def test_cli_exits_non_zero_with_one_message(name: str, breaks: Callable[[Path], None], file: str, problem: str,
                                            tmp_path: Path, mirror: Path, previous: Path) -> None:
    broken = link_mirror(mirror, tmp_path / "mirror")
    breaks(broken)
    before = state_of(previous)
    result = run_cli(broken, previous)
    stderr = " ".join(result.stderr.split())
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert stderr.count("Fehler:") == 1
    assert file in stderr and problem in stderr
    assert "Die bisherige Datenbank bleibt unverändert." in stderr
    assert result.stdout == ""
    assert state_of(previous) == before


def test_database_folder_below_a_regular_file(tmp_path: Path, mirror: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be\n")
    with pytest.raises(EtlError) as info:
        run_build(BuildOptions(db=blocker / "digitalmonitor.duckdb", mirror=mirror))
    assert info.value.file == str(blocker)
    assert "database folder is a file, not a folder" in str(info.value)
    assert blocker.read_text() == "a file where the database folder should be\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_cli_reports_an_unusable_database_folder(tmp_path: Path, mirror: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    result = run_cli(mirror, blocker / "digitalmonitor.duckdb")
    assert result.returncode == 1
    assert f"{blocker}: database folder is a file, not a folder" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a chmod 0o500 folder anyway; "
                    "test_database_folder_below_a_regular_file covers the unwritable folder as root")
def test_read_only_database_folder_keeps_the_previous_build(
        tmp_path: Path, mirror: Path, build_report: BuildReport) -> None:
    link = tmp_path / "db" / "digitalmonitor.duckdb"
    link.parent.mkdir()
    old = publish.build_file(link, build_report.build_id)
    shutil.copyfile(build_report.db_file, old)
    publish.publish(link, old)
    before = state_of(link)
    link.parent.chmod(0o500)
    try:
        with pytest.raises(EtlError) as info:
            run_build(BuildOptions(db=link, mirror=mirror))
    finally:
        link.parent.chmod(0o700)
    assert info.value.file == str(link.parent)
    assert "database folder is not writable" in str(info.value)
    assert state_of(link) == before
