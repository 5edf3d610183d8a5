"""Open-PVOG at all-Germany scale: parse + load of a synthetic snapshot and the size it adds to the database.

Writes one complete fetch (manifest, one CSV per region) for the real register's municipalities (or the first N)
plus their Kreise, Länder and the Bund, each with S services, into a temporary cache; then times the build step's
work (`load_into`: read, validate, select snapshots, insert, counts) into a database file holding the real region
table, and one map query (current `available` per municipality, as a Karte rerun would read it).

With `--karte BUILD` (a published database file, e.g. data/digitalmonitor.duckdb) the snapshot is loaded into a copy
of that build instead (its geography, shapes and metric views are what the Karte needs), and the app itself is timed
there: the Karte query of pvog_available for every municipality of Germany (`app.data.map.map_frame`, uncached, warm
database) and the Karte page run in Streamlit's AppTest (first run, then a warm rerun with the caches filled).

    .venv/bin/python -m bench.pvog [--regions 10800] [--services 600] [--mirror DIR] [--karte BUILD]

Ends with one line: regions=… rows=… write_seconds=… load_seconds=… load_cpu_seconds=… peak_rss_mb=… db_mb=…
csv_mb=… map_query_ms=… [karte_query_ms=… karte_first_run_s=… karte_rerun_s=…]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from core.keys import DB_ENV
from etl.context import insert
from etl.database import create_schema
from etl.regions import build_regions
from etl.sources.files import MIRROR_ENV, SourceResolver
from etl.sources.pvog import cache
from etl.sources.pvog.fetch import BUND_ARS
from etl.sources.pvog.load import load_into
from etl.sources.pvog.ozg import read_catalogue
from etl.sources.register import REGISTER_EDITIONS, read_gv100ad

HEADER = ("leika_key;leika_name;leika_bezeichnung;ars;ozgid;ozg_bezeichnung;url;online_status;aktiv;"
          "art_flaechendeckung;begruendung_nicht_beruecksichtigt;datenstand_pvog_import\n")
COVER = {"DE": "bundesweit flächendeckend", "state": "landesweit flächendeckend",
         "district": "kreisweit flächendeckend", "municipality": "in mind. einer Kommune verfügbar"}


def region_body(ars12: str, level: str, services: int, rnd: random.Random) -> bytes:
    cover = COVER[level]
    lines = [HEADER]
    for i in rnd.sample(range(services * 2), services):
        status = "ok" if rnd.random() < 0.93 else "nicht ok"
        lines.append(f"99{i:06d}000000;Leistung {i};Leistung {i} beantragen;{ars12};"
                     f"{10000 + i % 557};OZG-Leistung {i % 557};https://portal.example/{ars12}/{i};{status};ja;"
                     f"{cover};;2025-06-01\n")
    return "".join(lines).encode()


def write_fetch(root: Path, munis: list[str], parents: dict[str, str], services: int) -> tuple[float, int]:
    """One complete fetch in root; (seconds, bytes)."""
    start = time.perf_counter()
    rnd = random.Random(13)
    fetch = cache.open_fetch(root, [*munis, *parents], "https://api.ozg-umsetzung.de/api", False,
                             __import__("datetime").date(2026, 6, 1))
    total = 0
    for ars12, level in [*((m, "municipality") for m in munis), *parents.items()]:
        body = region_body(ars12, level, services, rnd)
        (fetch.folder / cache.data_name(ars12, fetch.day)).write_bytes(body)
        fetch.done[ars12] = {"ars": ars12, "status": "ok", "file": cache.data_name(ars12, fetch.day),
                             "sha256": cache.sha256_bytes(body), "rows": services}
        total += len(body)
    cache.write_manifest(fetch)
    return time.perf_counter() - start, total


def _drop_pvog(con: duckdb.DuckDBPyConnection) -> None:
    """Remove a build's federal tables and views (the synthetic snapshot replaces them)."""
    for (name, kind) in con.execute("SELECT table_name, table_type FROM information_schema.tables WHERE "
                                    "table_name LIKE '%pvog%' AND table_name <> 'pvog_available'").fetchall():
        con.execute(f'DROP {"VIEW" if kind == "VIEW" else "TABLE"} IF EXISTS "{name}" CASCADE')
    con.execute("DELETE FROM source WHERE kind = 'pvog'")


def _karte(db: Path, municipalities: int) -> str:
    """The Karte on the loaded build: warm query of pvog_available for all municipalities, first and warm page run."""
    from streamlit.testing.v1 import AppTest

    from app import data
    from app.data.map import map_frame

    os.environ[DB_ENV] = str(db)
    handle = data.current()
    frame = map_frame(handle, "municipality", "pvog_available")
    assert frame["value"].notna().sum() >= 0.9 * municipalities, "the synthetic snapshot is not on the map"
    t = time.perf_counter()
    for _ in range(5):
        map_frame(handle, "municipality", "pvog_available")
    query_ms = (time.perf_counter() - t) / 5 * 1000
    root = Path(__file__).resolve().parent.parent
    at = AppTest.from_file(str(root / "dashboard.py"), default_timeout=600)
    at.switch_page("pages/1_Karte.py")
    for key, value in {"ebene": "municipality", "kennzahl": "pvog_available", "land": "DE"}.items():
        at.query_params[key] = value
    t = time.perf_counter()
    at.run()
    first_s = time.perf_counter() - t
    assert not at.exception, [e.value for e in at.exception]
    reruns = []
    for _ in range(3):
        t = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t)
    assert not at.exception, [e.value for e in at.exception]
    return f" karte_query_ms={query_ms:.0f} karte_first_run_s={first_s:.1f} karte_rerun_s={min(reruns):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=10800)
    parser.add_argument("--services", type=int, default=600)
    parser.add_argument("--mirror", type=Path, default=Path(os.environ.get(MIRROR_ENV, "../shared/data")))
    parser.add_argument("--karte", type=Path, default=None, help="a build to load into and time the Karte on")
    args = parser.parse_args()
    resolver = SourceResolver(args.mirror)
    spec = REGISTER_EDITIONS[0]
    regions = build_regions(read_gv100ad(resolver.file(spec, spec.files[0]).path))
    munis = sorted(regions.loc[regions["level"].eq("municipality"), "ars"])[: args.regions]
    parents = {BUND_ARS: "DE"}
    for m in munis:
        parents.setdefault(m[:2].ljust(12, "0"), "state")
        if m[:5].ljust(12, "0") not in munis:
            parents.setdefault(m[:5].ljust(12, "0"), "district")
    with tempfile.TemporaryDirectory(prefix="bench-pvog-") as tmp:
        root = Path(tmp) / "pvog"
        write_s, csv_bytes = write_fetch(root, munis, parents, args.services)
        db = Path(tmp) / "bench.duckdb"
        base_mb = 0.0
        if args.karte is not None:
            shutil.copyfile(args.karte.resolve(), db)
            base_mb = db.stat().st_size / 1e6
            con = duckdb.connect(str(db))
            _drop_pvog(con)
            regions = con.execute("SELECT * FROM region").df()
        else:
            con = duckdb.connect(str(db))
            create_schema(con)
            insert(con, "region", regions.assign(has_shape=True, source_id=f"{spec.id}:{spec.files[0]}"))
        start, cpu = time.perf_counter(), time.process_time()
        rows, rejects, _note = load_into(con, regions, [root], read_catalogue(resolver))
        con.execute("CHECKPOINT")
        load_s, load_cpu = time.perf_counter() - start, time.process_time() - cpu
        query = ("SELECT r.ars, c.available FROM region r LEFT JOIN pvog_count c ON c.ars = r.ars AND c.is_current "
                 "WHERE r.level = 'municipality'")
        con.execute(query).fetchall()
        t = time.perf_counter()
        for _ in range(5):
            con.execute(query).fetchall()
        map_ms = (time.perf_counter() - t) / 5 * 1000
        con.close()
        db_mb = db.stat().st_size / 1e6 - base_mb
        karte = _karte(db, len(munis)) if args.karte is not None else ""
    print(f"regions={len(munis) + len(parents)} rows={rows} rejects={rejects} write_seconds={write_s:.1f} "
          f"load_seconds={load_s:.1f} load_cpu_seconds={load_cpu:.1f} "
          f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
          f"db_mb={db_mb:.0f} csv_mb={csv_bytes / 1e6:.0f} map_query_ms={map_ms:.1f}{karte}")


if __name__ == "__main__":
    main()
