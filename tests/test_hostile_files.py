"""Hostile files and paths for the ETL.

- Import files over the documented limits (bytes, data rows, unpacked XLSX) are refused before anything is
  parsed, naming the file, its size and the limit; `python -m etl import` exits non-zero and the published
  database stays as it was.
- Non-regular files (FIFO, /dev/zero, folders), symlink loops and dead links, NUL bytes and over-long paths get
  one clear message, never a traceback, and nothing blocks (the FIFO and /dev/zero run in a subprocess with a
  time limit).
- The mirror never hands out a file outside it: no names with folder parts or '..', no symbolic link to another
  file (/etc/passwd), no linked folders; archive members cannot leave the download cache.
- Static shape files and download file names built from database values cannot leave their folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from import_support import run_steps
from openpyxl import Workbook
from published_support import publish_copy
from typer.testing import CliRunner

from app import data as appdb
from app import exports
from etl.build import BuildReport
from etl.cli import app
from etl.context import BuildOptions
from etl.errors import EtlError
from etl.imports.columns import check_file
from etl.imports.files import DEFAULT_MAX_MB, DEFAULT_MAX_ROWS, MAX_MB_ENV, MAX_ROWS_ENV, MB
from etl.sources.files import MIRROR_ENV, SourceResolver
from etl.sources.register import GV100AD_2022, GV100AD_2025

ROOT = Path(__file__).resolve().parent.parent
GRANTS_HEADER = "Schlüssel;Programm;Bewilligt am;Betrag EUR;Zweck;Status\n"
GRANT_ROW = "09474126;Digitales Rathaus;15.12.2020;1.234,50;Zweck {i};bewilligt\n"
COUNTS_HEADER = "Schlüssel;Stand;gesamt\n"
NO_HANG_S = 90  # a refused FIFO or device returns within seconds; only a blocking read would hit this


def refusal(path: Path, kind: str | None = None) -> str:
    """The message of the EtlError a file check raises (the test fails if it is accepted)."""
    with pytest.raises(EtlError) as info:
        check_file(path, kind)
    return str(info.value)


def grants_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(GRANTS_HEADER)
        for i in range(rows):
            fh.write(GRANT_ROW.format(i=i))
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, build_report: BuildReport) -> Path:
    """A published database (a copy of the session build) that refused imports must leave alone."""
    return publish_copy(tmp_path_factory.mktemp("published"), build_report)


def state_of(link: Path) -> tuple[Path, str, list[str]]:
    """Resolved file, its sha256 and every name in its folder."""
    target = link.resolve()
    return target, hashlib.sha256(target.read_bytes()).hexdigest(), sorted(p.name for p in link.parent.iterdir())


def cli_import(path: Path, published: Path, tmp: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", str(path), "--db", str(published), "--inbox", str(tmp / "inbox"),
                                      "--reports", str(tmp / "reports"), "--no-demo", *extra])
    return result.exit_code, result.output


# --------------------------------------------------------------------------------------------- size limits

def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    """A sparse file one byte over the default limit: refused by its size alone (reading it would find NUL
    bytes and say 'Binärdaten'), with the file, its size and the limit in the message."""
    big = tmp_path / "foerderungen_riesig.csv"
    with big.open("wb") as fh:
        fh.write(GRANTS_HEADER.encode())
        fh.truncate(DEFAULT_MAX_MB * MB + 1)
    message = refusal(big)
    assert message.startswith(str(big))
    assert "Datei ist zu groß: 50,0 MB (52.428.801 Bytes)" in message
    assert "höchstens 50,0 MB (52.428.800 Bytes)" in message and MAX_MB_ENV in message
    # exactly at the limit is not "too big" (the NUL bytes are then what the reader refuses)
    with big.open("r+b") as fh:
        fh.truncate(DEFAULT_MAX_MB * MB)
    assert "Binärdaten" in refusal(big)


def test_cli_refuses_an_oversized_file_and_leaves_the_database(tmp_path: Path, published: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid grants file just over a limit lowered to 1 MB through the environment."""
    monkeypatch.setenv(MAX_MB_ENV, "1")
    rows = MB // len(GRANT_ROW.format(i=0)) + 100
    big = grants_file(tmp_path / "foerderungen_gross.csv", rows)
    assert big.stat().st_size > MB
    before = state_of(published)
    code, output = cli_import(big, published, tmp_path)
    assert code == 1, output
    flat = " ".join(output.split())
    assert "foerderungen_gross.csv" in flat and "Datei ist zu groß" in flat
    assert f"({big.stat().st_size:,} Bytes)".replace(",", ".") in flat
    assert "höchstens 1,0 MB (1.048.576 Bytes)" in flat and MAX_MB_ENV in flat
    assert "Traceback" not in output
    assert not (tmp_path / "inbox").exists() or not any((tmp_path / "inbox").iterdir())
    assert state_of(published) == before
    # the same file loads once the limit allows it (the limit, not the content, refused it)
    monkeypatch.setenv(MAX_MB_ENV, "2")
    table, columns = check_file(big)
    assert columns.fmt == "grants" and len(table.rows) == rows


def test_row_limit_default_refuses_a_file_with_one_row_too_many(tmp_path: Path) -> None:
    """500,001 short data rows (about 13 MB, under the byte limit): refused while reading, before parsing."""
    path = tmp_path / "anzahlen_viele.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(COUNTS_HEADER)
        fh.writelines("09564000;31.12.2023;290\n" for _ in range(DEFAULT_MAX_ROWS + 1))
    assert path.stat().st_size < DEFAULT_MAX_MB * MB
    message = refusal(path)
    assert message.startswith(str(path))
    assert "Datei hat 500.001 Datenzeilen; erlaubt sind höchstens 500.000" in message and MAX_ROWS_ENV in message


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_row_limit_from_the_environment(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_ROWS_ENV, "3")

    def write(rows: int) -> Path:
        path = tmp_path / f"foerderungen_{rows}.{fmt}"
        if fmt == "csv":
            return grants_file(path, rows)
        book = Workbook()
        sheet = book.active
        sheet.append(GRANTS_HEADER.strip().split(";"))
        for i in range(rows):
            sheet.append(GRANT_ROW.format(i=i).strip().split(";"))
        book.save(path)
        return path

    table, _columns = check_file(write(3))
    assert len(table.rows) == 3
    message = refusal(write(4))
    assert f"foerderungen_4.{fmt}" in message
    assert "Datei hat 4 Datenzeilen; erlaubt sind höchstens 3" in message and MAX_ROWS_ENV in message
    # far over the limit, reading stops early (header and title rows come on top of the limit)
    assert "Datei hat mehr als 3 Datenzeilen; erlaubt sind höchstens 3" in refusal(write(40))


def test_xlsx_that_unpacks_beyond_ten_times_the_limit_is_refused(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_MB_ENV, "1")
    book = Workbook()
    book.active.append(GRANTS_HEADER.strip().split(";"))
    book.active.append(GRANT_ROW.format(i=1).strip().split(";"))
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "bombe.xlsx"
    path.write_bytes(buffer.getvalue())
    assert check_file(path)[1].fmt == "grants"
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/fuellung.bin", b"\0" * (10 * MB + 1))
    assert path.stat().st_size < MB  # small on disk, eleven MB unpacked
    message = refusal(path)
    assert "bombe.xlsx" in message and "entpackt zu groß" in message and "höchstens 10,0 MB" in message


@pytest.mark.parametrize("value", ["0", "-5", "viel", "1e9"])
def test_an_invalid_limit_setting_is_named(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_ROWS_ENV, value)
    message = refusal(grants_file(tmp_path / "klein.csv", 1))
    assert f"{MAX_ROWS_ENV}={value!r} ist keine positive ganze Zahl" in message


# --------------------------------------------------------------------------------------------- odd paths

def _fifo(tmp: Path) -> Path:
    path = tmp / "pipe.csv"
    os.mkfifo(path)
    return path


def _loop(tmp: Path) -> Path:
    (tmp / "a.csv").symlink_to(tmp / "b.csv")
    (tmp / "b.csv").symlink_to(tmp / "a.csv")
    return tmp / "a.csv"


def _dangling(tmp: Path) -> Path:
    (tmp / "weg.csv").symlink_to(tmp / "gibt_es_nicht.csv")
    return tmp / "weg.csv"


def _link_to(target: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        (tmp / "verweis.csv").symlink_to(target(tmp))
        return tmp / "verweis.csv"
    return make


def _folder(tmp: Path) -> Path:
    (tmp / "ordner.csv").mkdir()
    return tmp / "ordner.csv"


ODD_PATHS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, "ist eine benannte Pipe (FIFO), keine Datei"),
    "dev_zero": (lambda tmp: Path("/dev/zero"), "ist eine Gerätedatei, keine Datei"),
    "link_to_dev_zero": (_link_to(lambda tmp: Path("/dev/zero")), "ist eine Gerätedatei, keine Datei"),
    "link_to_fifo": (_link_to(_fifo), "ist eine benannte Pipe (FIFO), keine Datei"),
    "folder": (_folder, "ist ein Ordner, keine Datei"),
    "folder_via_dotdot": (lambda tmp: tmp / "unter" / "..", "ist ein Ordner, keine Datei"),
    "symlink_loop": (_loop, "symbolischer Verweis im Kreis (Symlink-Schleife)"),
    "dangling_symlink": (_dangling, "symbolischer Verweis ins Leere"),
    "missing_via_dotdot": (lambda tmp: tmp / ".." / ".." / "gibt_es_nicht.csv", "Datei nicht gefunden"),
    "nul_byte": (lambda tmp: tmp / "a\x00b.csv", "Dateiname enthält ein Nullbyte"),
    "long_name": (lambda tmp: tmp / ("x" * 300 + ".csv"), "Pfad oder Dateiname zu lang"),
    "long_path": (lambda tmp: tmp.joinpath(*["verzeichnis" * 20] * 30, "a.csv"), "Pfad oder Dateiname zu lang"),
}


@pytest.mark.parametrize("case", list(ODD_PATHS))
def test_odd_import_paths_get_one_clear_message(case: str, tmp_path: Path) -> None:
    make, problem = ODD_PATHS[case]
    (tmp_path / "unter").mkdir()
    path = make(tmp_path)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(_message_of(path)), daemon=True)
    worker.start()
    worker.join(NO_HANG_S)
    assert not worker.is_alive(), f"checking {case} did not return: it blocks"
    (message,) = result
    assert isinstance(message, str), message
    assert problem in message
    if case.startswith("long"):
        assert "Zeichen)" in message and len(message) < 500  # the path is shortened in the message
    if case == "nul_byte":
        assert "a\\x00b.csv" in message


def _message_of(path: Path) -> object:
    try:
        check_file(path)
    except EtlError as exc:
        return str(exc)
    except Exception as exc:  # any other exception is the failure the test reports
        return exc
    return "accepted"


def test_a_relative_path_with_dotdot_to_a_real_file_loads(tmp_path: Path) -> None:
    """'..' in an import path is the analyst's own path, not a trick: it is read where it leads."""
    grants_file(tmp_path / "foerderungen.csv", 2)
    (tmp_path / "unter").mkdir()
    table, columns = check_file(tmp_path / "unter" / ".." / "foerderungen.csv")
    assert columns.fmt == "grants" and len(table.rows) == 2


@pytest.mark.parametrize("case", ["fifo", "dev_zero"])
def test_cli_refuses_fifo_and_device_without_hanging(case: str, tmp_path: Path, published: Path) -> None:
    """The real command in a subprocess: a FIFO without writer would block an open(), /dev/zero never ends."""
    (tmp_path / "unter").mkdir()
    path = ODD_PATHS[case][0](tmp_path)
    before = state_of(published)
    proc = subprocess.run([sys.executable, "-m", "etl", "import", str(path), "--db", str(published),
                           "--inbox", str(tmp_path / "inbox"), "--no-demo"],
                          cwd=ROOT, capture_output=True, text=True, timeout=NO_HANG_S)
    assert proc.returncode == 1, proc.stderr
    flat = " ".join(proc.stderr.split())
    assert f"Fehler: {path}: {ODD_PATHS[case][1]}" in flat
    assert "Traceback" not in proc.stderr
    assert state_of(published) == before


@pytest.mark.parametrize(("case", "code", "problem"), [
    ("long_path", 1, ODD_PATHS["long_path"][1]), ("symlink_loop", 1, ODD_PATHS["symlink_loop"][1]),
    ("nul_byte", 2, "Invalid value for 'file': Value error, embedded null byte"),  # refused by the CLI itself
])
def test_cli_reports_odd_paths_without_traceback(case: str, code: int, problem: str, tmp_path: Path,
                                                 published: Path) -> None:
    (tmp_path / "unter").mkdir()
    path = ODD_PATHS[case][0](tmp_path)
    before = state_of(published)
    exit_code, output = cli_import(path, published, tmp_path)
    assert exit_code == code and problem in " ".join(output.split()), output
    assert "Traceback" not in output
    assert state_of(published) == before


def test_build_step_refuses_a_fifo_among_the_imports(tmp_path: Path, mirror: Path) -> None:
    """The imports step of a build (on the small test database) refuses before hashing or reading."""
    fifo = _fifo(tmp_path)
    good = grants_file(tmp_path / "gut.csv", 1)
    result: list[object] = []

    def run() -> None:
        try:
            run_steps(mirror, BuildOptions(db=tmp_path / "x.duckdb", imports=(good, fifo),
                                           reports_dir=tmp_path / "reports"))
            result.append("accepted")
        except Exception as exc:  # checked below
            result.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(NO_HANG_S)
    assert not worker.is_alive(), "the build step blocks on the FIFO"
    (error,) = result
    assert isinstance(error, EtlError) and "pipe.csv: ist eine benannte Pipe (FIFO)" in str(error)


# --------------------------------------------------------------------------------------------- the mirror

REGISTER = GV100AD_2025.files[0]


@pytest.fixture
def hostile_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A mirror with one real file, a link named like a source file that leads to /etc/passwd, a linked folder
    holding another source file, and a file of that name beside (outside) the mirror."""
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    root = tmp_path / "spiegel"
    (root / "gemeindeverzeichnis").mkdir(parents=True)
    (root / "gemeindeverzeichnis" / "GV100AD_31122021.txt").write_text("echt\n", encoding="utf-8")
    (root / "gemeindeverzeichnis" / REGISTER).symlink_to("/etc/passwd")
    outside = tmp_path / "draussen"
    outside.mkdir()
    (outside / GV100AD_2022.files[0]).write_text("ausserhalb\n", encoding="utf-8")
    (root / "verlinkt").symlink_to(outside, target_is_directory=True)
    (tmp_path / GV100AD_2022.files[0]).write_text("daneben\n", encoding="utf-8")
    return root


def test_mirror_link_to_another_file_is_never_read(hostile_mirror: Path) -> None:
    resolver = SourceResolver(hostile_mirror)
    with pytest.raises(EtlError) as info:
        resolver.file(GV100AD_2025, REGISTER)
    assert info.value.file == str(hostile_mirror / "gemeindeverzeichnis" / REGISTER)
    assert "leads out of the mirror to another file (/etc/passwd)" in str(info.value)
    assert resolver.resolved == []


def test_mirror_does_not_follow_linked_folders_or_look_beside_it(hostile_mirror: Path) -> None:
    resolver = SourceResolver(hostile_mirror)
    with pytest.raises(EtlError, match="not found in the mirror"):
        resolver.file(GV100AD_2022, GV100AD_2022.files[0])
    found = resolver.file(GV100AD_2025, "GV100AD_31122021.txt")
    assert found is not None and found.path == hostile_mirror / "gemeindeverzeichnis" / "GV100AD_31122021.txt"
    assert found.path.resolve().is_relative_to(hostile_mirror.resolve())


def test_mirror_made_of_links_to_files_of_the_same_name_still_works(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Mirrors of links to the official files (tests/test_bad_input.py builds them) stay allowed."""
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    store = tmp_path / "ablage"
    store.mkdir()
    (store / REGISTER).write_text("echt\n", encoding="utf-8")
    root = tmp_path / "spiegel"
    root.mkdir()
    (root / REGISTER).symlink_to(store / REGISTER)
    found = SourceResolver(root).file(GV100AD_2025, REGISTER)
    assert found is not None and found.path == root / REGISTER


@pytest.mark.parametrize("name", ["../" + REGISTER, "/etc/passwd", "gemeindeverzeichnis/" + REGISTER, "..", ".",
                                  "", "a\x00b.txt", "..\\" + REGISTER, "x" * 300])
@pytest.mark.parametrize("where", ["mirror", "download_cache"])
def test_source_names_with_folder_parts_are_refused(name: str, where: str, hostile_mirror: Path,
                                                    tmp_path: Path) -> None:
    resolver = SourceResolver(hostile_mirror) if where == "mirror" else SourceResolver(None, tmp_path / "raw")
    with pytest.raises(EtlError) as info:
        resolver.file(GV100AD_2025, name)
    assert "not a plain file name" in str(info.value)
    assert resolver.resolved == []
    assert not (tmp_path / "raw").exists()  # no download was even tried


@pytest.mark.parametrize("member", ["../../entkommen.txt", "/tmp/absolut.txt", "ok/../../entkommen.txt"])
def test_download_cache_refuses_archive_members_outside_it(member: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """An official archive already in data/raw is unpacked without download; a member leaving the folder
    refuses the whole archive."""
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    raw = tmp_path / "deep" / "raw"
    raw.mkdir(parents=True)
    archive = raw / f"{GV100AD_2025.id}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(REGISTER, "inhalt\n")
        zf.writestr(member, "entkommen\n")
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(EtlError) as info:
        SourceResolver(None, raw).file(GV100AD_2025, REGISTER)
    assert f"archive member {member!r} would be written outside" in str(info.value)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


# --------------------------------------------------------------------------------------------- names from data

def _shape_db(path: Path, file_name: str) -> appdb.Db:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE shape_file (level VARCHAR, file_name VARCHAR, bytes BIGINT, features INTEGER, "
                    "attribution VARCHAR, content VARCHAR)")
        con.execute("INSERT INTO shape_file VALUES ('municipality', $n, 2, 0, 'x', '{}')", {"n": file_name})
    finally:
        con.close()
    return appdb.Db(path=str(path), build_id="")  # "" keeps the pruning of old shape files out of the test


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_static_shape_file_name_from_the_database_cannot_leave_the_folder(how: str, tmp_path: Path) -> None:
    """`shape_file.file_name` comes from the database: a name that leads out of static/shapes must neither be
    written nor served."""
    escaped = tmp_path / "entkommen.json"
    name = str(escaped) if how == "absolute" else os.path.relpath(escaped, appdb.STATIC_SHAPES)
    build = _shape_db(tmp_path / f"shapes_{how}.duckdb", name)
    try:
        url: str | None = appdb.shape_url(build, "municipality")
    except (ValueError, appdb.NoDatabase):
        url = None
    assert not escaped.exists(), f"shape_url wrote {escaped} outside {appdb.STATIC_SHAPES}"
    if url is not None:
        served = url.removeprefix(appdb.STATIC_URL + "/")
        assert url.startswith(appdb.STATIC_URL + "/") and "/" not in served and ".." not in served


HOSTILE_DATES = ["../../etc/passwd", "/etc/passwd", "..\\..\\win", "2026-01-01/../../x", "a\x00b"]


@pytest.mark.parametrize("built_at", HOSTILE_DATES)
def test_download_names_from_database_values_stay_plain(built_at: str) -> None:
    """Every file name of a download comes from the table name (slugged) and the build date, which is read
    from the database's build_info: neither may put a folder part into a name or a ZIP member."""
    import pandas as pd

    prov = exports.Provenance(build_id="x", built_at=built_at, register_edition="")
    names = [exports.file_name("../../Förderung: alle", prov, "csv"), exports.download_name("region", prov, "xlsx"),
             exports.download_name("region", prov, "csv_excel"),
             exports.png_config("../karte", prov)["toImageButtonOptions"]["filename"]]
    members = zipfile.ZipFile(io.BytesIO(exports.to_zip({"region": pd.DataFrame({"a": [1]})}, prov))).namelist()
    for name in [*names, *members]:
        for bad in ("..", "\\", "\x00"):
            assert bad not in name, f"{bad!r} in the download name {name!r}"
    for name in names:
        assert "/" not in name, f"'/' in the download name {name!r}"
    for member in members:
        parts = member.split("/")
        assert member == "README.txt" or (parts[0] in ("csv", "csv_excel") and len(parts) == 2), member
