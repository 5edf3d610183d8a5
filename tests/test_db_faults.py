"""A missing, dangling, corrupt or incomplete database: every page says so in German instead of showing a
traceback, and a page that has read a good build keeps showing it (with a note) while the published file
is broken."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from app_support import open_page as run

from app import data as db
from app.ui.build import NO_BUILD

PAGES = [None, "pages/1_Karte.py", "pages/2_Rangliste.py", "pages/3_Gemeindeprofil.py", "pages/4_Foerderung.py",
         "pages/5_Digitales_Amt.py", "pages/6_Daten.py"]


def published(folder: Path, target_name: str) -> Path:
    link = folder / "digitalmonitor.duckdb"
    os.symlink(target_name, link)
    return link


def corrupt_builds(folder: Path, good: Path) -> dict[str, Path]:
    """Links to files that are not readable builds, each in its own folder."""
    cases: dict[str, Path] = {}

    def case(name: str) -> Path:
        sub = folder / name
        sub.mkdir()
        return sub

    sub = case("truncated")
    (sub / "digitalmonitor-x.duckdb").write_bytes(good.read_bytes()[: 64 * 1024])
    cases["truncated"] = published(sub, "digitalmonitor-x.duckdb")
    sub = case("garbage")
    (sub / "digitalmonitor-x.duckdb").write_bytes(os.urandom(300_000))
    cases["garbage"] = published(sub, "digitalmonitor-x.duckdb")
    sub = case("html")
    (sub / "digitalmonitor-x.duckdb").write_text("<!doctype html><title>404</title>", encoding="utf-8")
    cases["html"] = published(sub, "digitalmonitor-x.duckdb")
    sub = case("empty_database")
    duckdb.connect(str(sub / "digitalmonitor-x.duckdb")).close()
    cases["empty_database"] = published(sub, "digitalmonitor-x.duckdb")
    sub = case("zero_bytes")
    (sub / "digitalmonitor-x.duckdb").write_bytes(b"")
    cases["zero_bytes"] = published(sub, "digitalmonitor-x.duckdb")
    sub = case("dangling")
    cases["dangling"] = published(sub, "digitalmonitor-gone.duckdb")
    return cases


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> dict[str, Path]:
    return corrupt_builds(tmp_path_factory.mktemp("broken"), db_path.resolve())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p or "Start")
def test_missing_database_every_page_says_how_to_build(page: str | None, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(db.DB_ENV, str(tmp_path / "digitalmonitor.duckdb"))
    at = run(page)
    assert [e.value for e in at.error] == [NO_BUILD]


@pytest.mark.parametrize("case", ["truncated", "garbage", "html", "empty_database", "zero_bytes", "dangling"])
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p or "Start")
def test_broken_database_every_page_shows_a_german_message(page: str | None, case: str, broken: dict[str, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(db.DB_ENV, str(broken[case]))
    at = run(page)
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("Die Daten können gerade nicht gelesen werden:")
    expected = "verweist auf eine fehlende Datei" if case == "dangling" else "ist beschädigt oder nicht lesbar"
    assert expected in errors[0].replace("\\", "")
    assert not at.get("plotly_chart") and not at.dataframe


def test_a_broken_publication_keeps_the_last_good_build_on_screen(tmp_path: Path, db_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    good = db_path.resolve()
    shutil.copyfile(good, tmp_path / good.name)
    link = published(tmp_path, good.name)
    monkeypatch.setenv(db.DB_ENV, str(link))
    before = run("pages/2_Rangliste.py")
    assert not before.warning or all("nicht gelesen" not in w.value for w in before.warning)
    build_id = db.current().build_id

    (tmp_path / "digitalmonitor-broken.duckdb").write_bytes(os.urandom(100_000))
    tmp_link = tmp_path / ".next"
    os.symlink("digitalmonitor-broken.duckdb", tmp_link)
    os.replace(tmp_link, link)
    after = run("pages/2_Rangliste.py")
    notes = [w.value for w in after.warning if "kann gerade nicht gelesen werden" in w.value]
    assert len(notes) == 1 and build_id in notes[0].replace("\\", "")
    assert after.dataframe, "the ranking of the last good build is still shown"
    assert not after.error


def test_a_shape_file_name_from_the_database_cannot_leave_the_static_folder(tmp_path: Path, db_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard writes each level's shapes to static/shapes/<file_name from the database>: a name with
    folder parts is refused, and nothing is written."""
    good = db_path.resolve()
    shutil.copyfile(good, tmp_path / good.name)
    con = duckdb.connect(str(tmp_path / good.name))
    con.execute("UPDATE shape_file SET file_name = '../../escaped.json' WHERE level = 'state'")
    con.execute("UPDATE shape_file SET file_name = 'x/../../escaped2.json' WHERE level = 'district'")
    con.close()
    monkeypatch.setenv(db.DB_ENV, str(published(tmp_path, good.name)))
    build = db.current()
    for level in ("state", "district"):
        with pytest.raises(db.NoDatabase, match="Ungültiger Name einer Kartendatei"):
            db.shape_url(build, level)
    assert not (db.STATIC_SHAPES.parent.parent / "escaped.json").exists()
    assert not (db.STATIC_SHAPES.parent / "escaped2.json").exists()
    assert db.shape_url(build, "municipality").endswith(".json")
