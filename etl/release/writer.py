"""Write the open-data release of one build: tables (Parquet, CSV für Excel), shapes (GeoParquet), what changed
(table + Atom feed), badges, `datapackage.json`, DCAT-AP.de JSON-LD and a README. Written into a partial folder
and renamed when complete; any error fails the build (it is raised, the partial folder removed)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.release import badges, changes, datapackage, dcat, feed, readme
from etl.release.licences import SourceLicence, source_licences
from etl.release.store import part_folder, previous_release, release_folder
from etl.release.tables import SPLIT_ROWS, ReleasedTable, released_objects, write_shapes, write_table


@dataclass
class ReleaseReport:
    folder: Path
    tables: int
    files: int
    changes: int
    badges: int
    seconds: float


def _sources_of(con: duckdb.DuckDBPyConnection, table: ReleasedTable, licences: list[SourceLicence],
                with_demo: bool) -> list[SourceLicence]:
    """The datasets a table's rows come from (by their source_id); all sources for tables without one."""
    names = {c for c, _ in table.columns}
    if "source_id" not in names or table.geo:
        datasets = {"bkg"} if table.geo else set()
        return [s for s in licences if any(s.dataset.startswith(d) for d in datasets)]
    demo = "true" if with_demo else "NOT s.is_demo"
    rows = con.execute(f'SELECT DISTINCT s.dataset FROM "{table.name}" t JOIN source s USING (source_id) '  # noqa: S608
                       f"WHERE {demo}").fetchall()
    used = {r[0] for r in rows}
    return [s for s in licences if s.dataset in used]


def write_release(db_file: Path, root: Path, build_id: str, with_demo: bool = False,
                  split_rows: int = SPLIT_ROWS) -> ReleaseReport:
    """Write the release of the database file `db_file` to `<root>/<build_id>/` (compared with `latest`)."""
    start = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    part = part_folder(root, build_id)
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir()
    previous = previous_release(root, build_id)
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        built_at = dict(con.execute("SELECT key, value FROM build_info").fetchall()).get("built_at", "")
        licences = source_licences(con, with_demo)
        entries = datapackage.dictionary(con)
        tables = [write_table(con, name, part, with_demo, split_rows) for name in released_objects(con)]
        tables.append(write_shapes(con, part))
        changed = changes.compute(con, previous, with_demo)
        changes_table = ReleasedTable(name="changes", rows=len(changed),
                                      columns=[(c, "VARCHAR") for c in changes.COLUMNS if c != "as_of"])
        changes_table.columns.insert(6, ("as_of", "DATE"))
        changed.to_parquet(part / "changes.parquet", index=False)
        changed.to_csv(part / "changes.csv", sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")
        changes_table.parquet, changes_table.csv = ["changes.parquet"], ["changes.csv"]
        feed.write(part, build_id, built_at, changed, previous)
        n_badges = badges.write(con, part)
        resources = []
        for t in [*tables, changes_table]:
            resources += datapackage.resources(part, t, _sources_of(con, t, licences, with_demo) if
                                               t.name != "changes" else [], with_demo, entries)
        datapackage.write(part, build_id, built_at, resources, licences, with_demo)
        feed_resource = {"path": "feed.atom", "title": "Änderungen als Atom-Feed", "format": "atom",
                         "mediatype": "application/atom+xml", "bytes": (part / "feed.atom").stat().st_size,
                         "licenses": resources[0]["licenses"] if resources else [], "rights": ""}
        dcat.write(part, feed.release_url(build_id), build_id, built_at, [*resources, feed_resource], with_demo)
        readme.write(part, build_id, built_at, tables, len(changed), n_badges, with_demo)
    except BaseException:
        con.close()
        shutil.rmtree(part, ignore_errors=True)
        raise
    con.close()
    target = release_folder(root, build_id)
    shutil.rmtree(target, ignore_errors=True)
    part.rename(target)
    files = sum(1 for p in target.rglob("*") if p.is_file())
    return ReleaseReport(folder=target, tables=len(tables) + 1, files=files, changes=len(changed),
                         badges=n_badges, seconds=round(time.perf_counter() - start, 2))
