"""The open-data release (issue 17) on two consecutive real builds (demo data in the database, the release real
only): the first build imports an award for Regensburg, the second one for Aschaffenburg instead — so the second
release must list exactly one award added and one removed. Checks Frictionless validity, every Parquet file
against the database, the DCAT-AP.de JSON-LD, the Atom feed, the split per Land and the pruning."""

# ruff: noqa: S608 - table names from the release's own datapackage, file paths from tmp folders
from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import feedparser
import frictionless
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, FOAF

from etl.build import BuildReport, run_build
from etl.context import BuildOptions
from etl.errors import EtlError
from etl.release import write_release
from etl.release.feed import PUBLIC_URL_ENV
from etl.release.store import latest_release, prune_releases
from etl.release.tables import row_filter

PUBLIC = "https://digitalmonitor.example.org/dashboard"
HEADER = "Schlüssel;Name;Zertifikat;Verliehen am;Online-Verfahren;Quelle\n"
AWARDS = {"first": ("093620000000", "Regensburg"), "second": ("096610000000", "Aschaffenburg")}


def _award_file(folder: Path, which: str) -> Path:
    ars, name = AWARDS[which]
    path = folder / f"award_{which}.csv"
    path.write_text(HEADER + f"{ars};{name};Digitales Amt;01.06.2023;;https://example.org/{which}\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> tuple[BuildReport, BuildReport, Path]:
    """Two consecutive builds with release (public URL set), differing in one imported award."""
    folder = tmp_path_factory.mktemp("release")
    root = folder / "static-release"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PUBLIC_URL_ENV, PUBLIC)
        reports = [run_build(BuildOptions(db=folder / "dm.duckdb", mirror=mirror, demo=True, release=True,
                                          release_dir=root, imports=(_award_file(folder, which),)))
                   for which in ("first", "second")]
    return reports[0], reports[1], root


@pytest.fixture(scope="module")
def release(builds: tuple[BuildReport, BuildReport, Path]) -> Path:
    return builds[2] / builds[1].build_id


def _package(release: Path) -> dict:
    return json.loads((release / "datapackage.json").read_text(encoding="utf-8"))


def test_release_is_written_before_publishing_and_latest_follows(builds: tuple[BuildReport, BuildReport, Path],
                                                                 release: Path) -> None:
    first, second, root = builds
    assert latest_release(root) == release.resolve()
    assert (root / first.build_id / "datapackage.json").is_file()  # kept with its build
    assert any(r.step == "release" for r in second.results)
    assert not list(root.glob(".*.part"))


def test_frictionless_validates_the_release(release: Path) -> None:
    report = frictionless.validate(str(release / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:10]
    package = _package(release)
    assert package["demo"] is False and all(r["demo"] is False for r in package["resources"])
    names = {Path(r["path"]).stem for r in package["resources"]}
    assert {"certification", "funding_grant", "procedure_snapshot", "region", "v_digitales_amt",
            "region_shape", "changes", "measure"} <= names
    certification = next(r for r in package["resources"] if r["path"] == "csv/certification.csv")
    fields = {f["name"]: f for f in certification["schema"]["fields"]}
    assert fields["awarded_on"]["description"].startswith("Datum der Auszeichnung")
    assert all(s["path"].startswith("http") for s in certification["sources"])
    broadband = next(r for r in package["resources"] if r["path"] == "csv/broadband.csv")
    assert "keine Lizenz" in broadband["rights"]


def _compare(con: duckdb.DuckDBPyConnection, table: str, files: list[str]) -> int:
    """Rows of the Parquet files equal the database rows the release holds (real only); returns the count."""
    cols = [c for c, *_ in con.execute(f'DESCRIBE "{table}"').fetchall()]
    where = row_filter([(c, "") for c in cols], with_demo=False)
    listed = ", ".join(f"'{f}'" for f in files)
    sel = ", ".join(f'"{c}"' for c in cols)
    db_rows = f'SELECT {sel} FROM "{table}" WHERE {where}'
    pq_rows = f"SELECT {sel} FROM read_parquet([{listed}])"
    assert con.execute(f"SELECT count(*) FROM (({db_rows}) EXCEPT ALL ({pq_rows}))").fetchone()[0] == 0, table
    assert con.execute(f"SELECT count(*) FROM (({pq_rows}) EXCEPT ALL ({db_rows}))").fetchone()[0] == 0, table
    return con.execute(f"SELECT count(*) FROM ({pq_rows})").fetchone()[0]


def _parquet_tables(release: Path) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for resource in _package(release)["resources"]:
        path = resource["path"]
        if resource["format"] == "parquet" and path.startswith("parquet/"):
            tables.setdefault(Path(path).stem.split("-land-")[0], []).append(str(release / path))
    return tables


def test_every_parquet_reads_back_equal_to_the_database(builds: tuple[BuildReport, BuildReport, Path],
                                                       release: Path) -> None:
    con = duckdb.connect(str(builds[1].db_file), read_only=True)
    try:
        tables = _parquet_tables(release)
        assert len(tables) > 20
        counted = {t: _compare(con, t, files) for t, files in tables.items()}
        assert counted["certification"] > 0 and counted["procedure_snapshot"] > 0
        real = con.execute("SELECT count(*) FROM procedure_snapshot WHERE NOT is_demo").fetchone()[0]
        assert counted["procedure_snapshot"] == real  # no demo row in the release
        geo = str(release / "geo" / "region_shape.parquet")
        same = con.execute(f"""SELECT count(*) FROM region_shape s JOIN read_parquet('{geo}') g
                              USING (ars, level, detail) WHERE s.geometry = g.geometry::BLOB""").fetchone()[0]
        assert same == con.execute("SELECT count(*) FROM region_shape").fetchone()[0]
        meta = json.loads(duckdb.execute(f"SELECT decode(value) FROM parquet_kv_metadata('{geo}') "
                                     "WHERE decode(key) = 'geo'").fetchone()[0])
        assert meta["primary_column"] == "geometry"  # GeoParquet metadata
    finally:
        con.close()


def test_large_tables_are_split_per_land(builds: tuple[BuildReport, BuildReport, Path], tmp_path: Path) -> None:
    report = write_release(builds[1].db_file, tmp_path, builds[1].build_id, split_rows=5_000)
    split = sorted(p.name for p in (report.folder / "parquet").glob("region-land-*.parquet"))
    assert split[:2] == ["region-land-01.parquet", "region-land-02.parquet"] and len(split) == 16
    assert not (report.folder / "parquet" / "region.parquet").exists()
    assert frictionless.validate(str(report.folder / "datapackage.json")).valid
    con = duckdb.connect(str(builds[1].db_file), read_only=True)
    try:
        assert _compare(con, "region", _parquet_tables(report.folder)["region"]) > 12_000
    finally:
        con.close()


def test_dcat_jsonld_names_licence_publisher_and_every_download_url(release: Path) -> None:
    graph = rdflib.Graph().parse(release / "dcat.jsonld", format="json-ld")
    datasets = list(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert str(graph.value(dataset, DCTERMS.license)).startswith("http://dcat-ap.de/def/licenses/")
    publisher = graph.value(dataset, DCTERMS.publisher)
    assert str(graph.value(publisher, FOAF.name)) == "Digitalmonitor Kommunen"
    urls = {str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(dataset, DCAT.distribution)}
    base = f"{PUBLIC}/app/static/release/{release.name}/"
    expected = {base + r["path"] for r in _package(release)["resources"]} | {base + "feed.atom"}
    assert urls == expected
    for dist in graph.objects(dataset, DCAT.distribution):
        assert graph.value(dist, DCTERMS.license) is not None and graph.value(dist, DCTERMS.rights) is not None


def test_change_feed_lists_exactly_the_added_and_removed_award(release: Path) -> None:
    with (release / "changes.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["change"], r["ars"]) for r in rows] == [("Auszeichnung entfernt", AWARDS["first"][0]),
                                                       ("neue Auszeichnung", AWARDS["second"][0])]
    feed = feedparser.parse((release / "feed.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and len(feed.entries) == 2
    titles = sorted(e.title for e in feed.entries)
    assert titles[0].startswith("Auszeichnung entfernt: Regensburg") and "Aschaffenburg" in titles[1]
    assert all(e.id.startswith(PUBLIC + "/") and e.link.startswith(PUBLIC + "/") for e in feed.entries)
    assert feed.feed.id == f"{PUBLIC}/app/static/release/latest/feed.atom"


def test_releases_are_pruned_with_their_builds(builds: tuple[BuildReport, BuildReport, Path],
                                               tmp_path: Path) -> None:
    first, second, _ = builds
    root = tmp_path / "root"
    for build_id in (first.build_id, second.build_id):
        (root / build_id).mkdir(parents=True)
    (root / f".{second.build_id}.part").mkdir()
    removed = prune_releases(root, {second.build_id})
    assert sorted(p.name for p in removed) == sorted([first.build_id, f".{second.build_id}.part"])
    assert [p.name for p in root.iterdir()] == [second.build_id]


@pytest.fixture
def served(builds: tuple[BuildReport, BuildReport, Path], release: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The second build as the dashboard's database, its release copied to where the app serves it."""
    from app.data.release import STATIC_RELEASE

    target = STATIC_RELEASE / release.name
    shutil.copytree(release, target)
    monkeypatch.setenv("DIGITALMONITOR_DB", str(builds[1].published))
    monkeypatch.setenv(PUBLIC_URL_ENV, PUBLIC)
    try:
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


def test_pages_show_what_is_new_the_release_links_and_the_badge(served: Path) -> None:
    from app_support import open_page, table

    start = open_page()
    assert "Was ist neu" in [s.value for s in start.subheader]
    changes = table(start, "Änderung")
    shown = [(change, name.split(",")[0]) for change, name in zip(changes["Änderung"], changes["Behörde"],
                                                                 strict=True)]  # 'Regensburg, Stadt'
    assert shown == [("Auszeichnung entfernt", "Regensburg"), ("neue Auszeichnung", "Aschaffenburg")]
    daten = open_page("pages/6_Daten.py")
    links = "\n".join(m.value for m in daten.markdown)
    assert f"app/static/release/{served.name}/datapackage.json" in links and "feed.atom" in links
    profile = open_page("pages/3_Gemeindeprofil.py", ars=AWARDS["second"][0])
    snippets = [c.value for c in profile.code if "/badges/" in c.value]
    assert len(snippets) == 1
    snippet = snippets[0]
    assert snippet.startswith(f'<a href="{PUBLIC}/Gemeindeprofil?ars={AWARDS["second"][0]}">')
    assert f'{PUBLIC}/app/static/release/latest/badges/{AWARDS["second"][0]}.svg' in snippet
    assert "Digitales Amt seit 01.06.2023" in snippet
    regensburg = open_page("pages/3_Gemeindeprofil.py", ars=AWARDS["first"][0])
    assert not [c for c in regensburg.code if "/badges/" in c.value]  # its award was withdrawn: no badge


def test_a_release_that_fails_fails_the_build(builds: tuple[BuildReport, BuildReport, Path], mirror: Path) -> None:
    """A release folder that cannot be created stops the build before publishing: the previous build stays."""
    second = builds[1]
    blocker = second.published.parent / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    before = sorted(p.name for p in second.published.parent.iterdir())
    with pytest.raises(EtlError, match="cannot write the open-data release"):
        run_build(BuildOptions(db=second.published, mirror=mirror, release=True, release_dir=blocker / "release"))
    assert second.published.resolve() == second.db_file
    assert sorted(p.name for p in second.published.parent.iterdir()) == before
