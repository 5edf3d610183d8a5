"""Issue 13, done-when: a real local HTTP server serves a few hundred Bavarian regions (keys taken at test time from a
real build's region table, exports generated from them), `fetch pvog` + `build` publish their services and counts,
and each case ends as the issue says — in one run:

- 413 → the region loads through the JSON pages; 429 (Retry-After) and a single 500 → retried, the region loads;
- a persistent timeout and a persistent HTML 502 → that region failed and reported, the others load (3 of ~330
  failed: under 5 %, the fetch is complete);
- a truncated body → that region failed, nothing of it loaded; invalid rows → reject rows, the rest loads;
- a second fetch (through the command line) in which one region lost most of its services → its previous
  snapshot is kept (held back); a failed build in between leaves the published database byte-identical.

Wall time: the session build (conftest, shared), then 3 builds of ≈ 15–20 s on the shared machine (one of them the
failed one through the CLI) and 2 fetches of ≈ 6 s (the timeout region's 3 tries of 2 s); one set per module.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest
from fixtures.pvog.server import PvogServer
from pvog_support import cache_env

from etl.build import run_build
from etl.context import BuildOptions
from etl.sources.pvog import cache
from etl.sources.pvog.client import RetryPolicy
from etl.sources.pvog.fetch import BUND_ARS, FetchOptions, FetchSummary, run_fetch

ROOT = Path(__file__).resolve().parent.parent
DAY1 = date(2026, 11, 2)  # fetch 1 (in-process, dated); fetch 2 runs through the CLI and is dated today
POLICY = RetryPolicy(attempts=3, backoff=0.01, max_wait=2.0)  # short backoff; Retry-After 1 s is still honoured
TIMEOUT = 2.0  # seconds per request phase; the "slow" region sleeps 3 s per request
COLUMNS = ("leika_key", "leika_name", "ars", "ozgid", "url", "online_status", "aktiv", "art_flaechendeckung")
COVERAGE = {"bund": "bundesweit flächendeckend", "state": "landesweit flächendeckend",
            "district": "kreisweit flächendeckend"}
PREFIX = {"bund": "96", "state": "97", "district": "98"}  # LeiKa key ranges per level (others "99"): disjoint
OTHER_LAND = "010010000000"  # listed by the server, never asked for by --land 09
UNKNOWN_ARS = "099999999999"  # well-formed, but no region of the register


@dataclass
class Region:
    ars12: str   # as the API names it
    key: str     # the region key in the build ('DE', natural length, a Gemeinde's 12 digits)
    level: str   # bund, state, gov_district, district, association, municipality
    district: str | None
    services: int  # own services with online_status ok (besides one 'nicht ok' and one not counted)


@dataclass
class World:
    regions: dict[str, Region]  # by ars12
    cases: dict[str, str]       # case -> ars12
    folder: Path
    server: PvogServer
    summary1: FetchSummary | None = None
    db1: Path | None = None     # published file (resolved) after build 1
    sha1: str = ""
    failed_build: subprocess.CompletedProcess | None = None
    fetch2: subprocess.CompletedProcess | None = None
    after_fail: tuple[str, str, list[str]] = ("", "", [])
    db2: Path | None = None
    extra: dict = field(default_factory=dict)


def _rows(region: Region, services: int) -> list[list[str]]:
    prefix = PREFIX.get(region.level, "99")
    coverage = COVERAGE.get(region.level, "in mind. einer Kommune verfügbar")
    rows = [[f"{prefix}{i:012d}", f"Leistung {prefix}-{i}", region.ars12, "", f"https://dienst.example/{region.ars12}/{i}",
             "ok", "ja", coverage] for i in range(services)]
    rows.append([f"{prefix}{services:012d}", "Leistung gestört", region.ars12, "", "", "nicht ok", "ja", coverage])
    rows.append([f"{prefix}{services + 1:012d}", "Testleistung", region.ars12, "", "", "ok", "nein",
                 "nicht in Auswertung berücksichtigt"])
    return rows


def export_csv(region: Region, services: int | None = None, extra: list[list[str]] | None = None,
               sep: str = ";") -> bytes:
    """The CSV export of a generated region: `services` ok services, one not working, one not counted."""
    rows = _rows(region, region.services if services is None else services) + (extra or [])
    return ("\n".join(sep.join(r) for r in [list(COLUMNS), *rows]) + "\n").encode("utf-8")


def json_pages(region: Region, size: int = 100) -> list[bytes]:
    """The same rows as PageDvDataDto pages (what the API answers after a 413)."""
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in _rows(region, region.services)]
    chunks = [rows[i:i + size] for i in range(0, len(rows), size)]
    return [json.dumps({"totalPages": len(chunks), "totalElements": len(rows), "number": n, "size": size,
                        "numberOfElements": len(c), "first": n == 0, "last": n == len(chunks) - 1,
                        "content": c}).encode() for n, c in enumerate(chunks)]


def truncatable(region: Region) -> bytes:
    """An export whose cut (the server sends the first half + 7 bytes) ends inside a row, before its last field."""
    for pad in range(200):
        body = export_csv(region, extra=[["99" + "7" * 12, "Füll" + "x" * pad, region.ars12, "", "", "ok", "ja",
                                          "in mind. einer Kommune verfügbar"]])
        cut = body[: len(body) // 2 + 7]
        if cut.rsplit(b"\n", 1)[-1].count(b";") < len(COLUMNS) - 2:
            return body
    raise AssertionError("no cut inside a row")


INVALID_ROWS = [  # (row, reason at the build)
    (["12345", "Leika zu kurz"], "2 statt 8 Felder"),
    (["9955555555", "Leika zu kurz", "{ars}", "", "", "ok", "ja", "in mind. einer Kommune verfügbar"],
     "leika_key nicht 14 Ziffern"),
    (["99555555555555", "Status kaputt", "{ars}", "", "", "vielleicht", "ja", "in mind. einer Kommune verfügbar"],
     "online_status nicht 'ok' oder 'nicht ok'"),
    (["99555555555556", "Fläche kaputt", "{ars}", "", "", "ok", "ja", "überall"], "art_flaechendeckung unbekannt"),
    (["99555555555557", "ARS fremd", UNKNOWN_ARS, "", "", "ok", "ja", "in mind. einer Kommune verfügbar"],
     f"ARS {UNKNOWN_ARS} nicht im Gemeindeverzeichnis"),
]


def state_of(link: Path) -> tuple[str, str, list[str]]:
    target = link.resolve()
    return target.name, hashlib.sha256(target.read_bytes()).hexdigest(), sorted(p.name for p in link.parent.iterdir())


def _regions(db: Path) -> dict[str, Region]:
    """About 330 served regions: the Bavarian Gemeinden of the first Kreise (in key order) until 250, their
    Verwaltungsgemeinschaften, the Kreise, Bezirke, the Land and the Bund — keys from the build's region table."""
    with duckdb.connect(str(db.resolve()), read_only=True) as con:
        edition = con.execute("SELECT max(edition) FROM region").fetchone()[0]
        munis = con.execute("SELECT ars, district_ars FROM region WHERE state_ars = '09' AND level = 'municipality' "
                            "AND is_municipality AND edition = $e ORDER BY ars", {"e": edition}).fetchall()
        districts: list[str] = []
        for _, d in munis:
            if d not in districts:
                if sum(1 for _, x in munis if x in districts) >= 250:
                    break
                districts.append(d)
        rows = con.execute("SELECT ars, level, district_ars, gov_district_ars FROM region WHERE edition = $e AND "
                           "(ars = '09' OR (level IN ('municipality', 'association', 'district') AND district_ars IN "
                           "(SELECT unnest($d)) AND (level <> 'municipality' OR is_municipality)) OR ars IN "
                           "(SELECT unnest($d)) OR ars IN (SELECT unnest($b)))",
                           {"e": edition, "d": districts, "b": sorted({d[:3] for d in districts})}).fetchall()
    out: dict[str, Region] = {BUND_ARS: Region(BUND_ARS, "DE", "bund", None, 9)}
    for ars, level, district, _ in sorted(rows, key=lambda r: (r[1] != "municipality", r[0])):
        ars12 = ars.ljust(12, "0")
        if ars12 in out:  # a kreisfreie Stadt: the API's padded Kreis key is the Gemeinde
            continue
        out[ars12] = Region(ars12, ars, level, district if level in ("municipality", "association") else None,
                            10 + int(ars12) % 37)
    return out


def _env(folder: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), cache.CACHE_ENV: str(folder / "pvog"), "DIGITALMONITOR_RELEASE": "0"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, mirror: Path, db_path: Path) -> Iterator[World]:
    """The keys come from the session build's region table (conftest: one real build, shared with other modules);
    then fetch 1 → build 1, fetch 2 (CLI) → a failed build (CLI) → build 2, all into this module's own folder."""
    folder = tmp_path_factory.mktemp("pvog_scale")
    link = folder / "db" / "digitalmonitor.duckdb"
    options = BuildOptions(db=link, mirror=mirror, inbox=folder / "inbox", reports_dir=folder / "reports")
    server = PvogServer()
    with cache_env(folder / "pvog"):
        try:
            clock = [time.perf_counter()]

            def lap(name: str) -> None:
                clock.append(time.perf_counter())
                w.extra.setdefault("seconds", {})[name] = round(clock[-1] - clock[-2], 1)

            regions = _regions(db_path)
            munis = [r for r in regions.values() if r.level == "municipality" and r.district in regions_keys(regions)]
            cases = {name: munis[10 * (i + 1)].ars12 for i, name in enumerate(
                ("413", "429", "500", "timeout", "502", "truncated", "invalid", "drop"))}
            regions[cases["413"]].services = 150  # two JSON pages of 100
            regions[cases["drop"]].services = 50
            for r in regions.values():
                server.add(r.ars12, export_csv(r), f"Region {r.key}")
            server.add(OTHER_LAND, b"leika_key;ars;online_status;art_flaechendeckung\n", "Flensburg")
            server.pages[cases["413"]] = json_pages(regions[cases["413"]])
            invalid = [[c.replace("{ars}", cases["invalid"]) for c in row] for row, _ in INVALID_ROWS]
            server.add(cases["invalid"], export_csv(regions[cases["invalid"]], extra=invalid))
            server.add(cases["truncated"], truncatable(regions[cases["truncated"]]))
            server.scripts.update({cases["413"]: ["413"], cases["429"]: ["429", "ok"],
                                   cases["500"]: ["500", "ok"], cases["timeout"]: ["slow"],
                                   cases["502"]: ["502"], cases["truncated"]: ["truncated"]})
            server.slow = TIMEOUT + 1.0
            server.start()
            w = World(regions, cases, folder, server)
            lap("keys + server")
            # fetch 1 (the function the CLI calls, with short retries) and build 1
            w.summary1 = run_fetch(FetchOptions(base_url=server.url, lands=("09",), cache_dir=folder / "pvog",
                                                policy=POLICY, timeout=TIMEOUT), today=DAY1)
            lap("fetch 1")
            w.db1 = run_build(options).published.resolve()
            lap("build 1")
            w.extra["hits1"] = dict(server.hits)
            before = state_of(link)
            w.sha1 = before[1]
            # fetch 2 through the command line: every region answers, the drop region lost 30 of 50 services
            server.scripts.clear()
            server.add(cases["drop"], export_csv(regions[cases["drop"]], services=20))
            w.fetch2 = subprocess.run([sys.executable, "-m", "etl", "fetch", "pvog", "--land", "09", "--base-url",
                                       server.url, "--cache", str(folder / "pvog"), "--timeout", str(TIMEOUT)],
                                      cwd=ROOT, env=_env(folder), capture_output=True, text=True, timeout=120)
            lap("fetch 2 (CLI)")
            # a failed build (an analyst file no import format fits) with the new fetch waiting: nothing published
            bad = folder / "kaputt.csv"
            bad.write_text("Spalte A;Spalte B\nx;1\n", encoding="utf-8")
            w.failed_build = subprocess.run([sys.executable, "-m", "etl", "build", "--mirror", str(mirror), "--db",
                                             str(link), "--inbox", str(folder / "inbox"), "--reports",
                                             str(folder / "reports"), "--import", str(bad)],
                                            cwd=ROOT, env=_env(folder), capture_output=True, text=True, timeout=300)
            lap("failed build (CLI)")
            w.extra["before_fail"] = before
            w.after_fail = state_of(link)
            w.db2 = run_build(options).published.resolve()
            lap("build 2")
            print("pvog scale phases (s):", w.extra["seconds"])  # noqa: T201 - shown with -s
            yield w
        finally:
            server.stop()


def regions_keys(regions: dict[str, Region]) -> set[str]:
    return {r.key for r in regions.values()}


def expected_available(w: World, r: Region, loaded: set[str]) -> int:
    """Own services plus those of its Kreis (for Gemeinden and Gemeindeverbände, when the Kreis has a snapshot),
    Land and Bund (every generated parent row reaches its children: kreisweit, landesweit, bundesweit)."""
    by_key = {x.key: x for x in w.regions.values()}
    total = r.services
    if r.level != "bund":
        total += by_key["DE"].services
    if r.level not in ("bund", "state"):
        total += by_key["09"].services
    if r.district and r.district in loaded:
        total += by_key[r.district].services
    return total


def connect(path: Path | None) -> duckdb.DuckDBPyConnection:
    assert path is not None
    return duckdb.connect(str(path), read_only=True)


def test_fetch_summary_and_the_cases(world: World) -> None:
    s, c = world.summary1, world.cases
    assert s is not None
    served = len(world.regions)
    assert 300 <= served <= 400 and {r.level for r in world.regions.values()} == {
        "bund", "state", "gov_district", "district", "association", "municipality"}
    assert s.complete and s.requested == served and s.fetched == served - 3 and s.skipped == 0
    assert set(s.failed) == {c["timeout"], c["502"], c["truncated"]}
    assert "Zeitüberschreitung" in s.failed[c["timeout"]]
    assert "HTTP 502" in s.failed[c["502"]]
    assert "abgeschnitten" in s.failed[c["truncated"]]
    ok = [r for r in world.regions.values() if r.ars12 not in s.failed]
    assert s.rows == sum(r.services + 2 for r in ok) + 1  # + the invalid region's row with a foreign ARS
    assert s.rejects == 4  # field count, leika_key, online_status, coverage (the foreign ARS: at the build)
    hits = world.extra["hits1"]
    assert hits[f"export:{c['429']}"] == 2 and hits[f"export:{c['500']}"] == 2
    assert hits[f"export:{c['502']}"] == 3 and hits[f"export:{c['timeout']}"] == 3
    assert hits[f"page:{c['413']}:0"] == hits[f"page:{c['413']}:1"] == 1
    assert hits.get(f"export:{OTHER_LAND}", 0) == 0
    manifest = json.loads((world.folder / "pvog" / DAY1.isoformat() /
                           f"pvog_manifest_{DAY1.isoformat()}.json").read_text())
    assert manifest["complete"] and manifest["failed"] == 3
    assert manifest["regions"][c["413"]]["via"] == "json-seiten"


def test_build_publishes_every_served_region(world: World) -> None:
    c = world.cases
    failed = {c["timeout"], c["502"], c["truncated"]}
    loaded = {r.key for r in world.regions.values() if r.ars12 not in failed}
    with connect(world.db1) as con:
        counts = {a: (own, nw, av, cur) for a, own, nw, av, cur in con.execute(
            "SELECT ars, own, own_not_working, available, is_current FROM pvog_count").fetchall()}
        services = dict(con.execute("SELECT ars, count(*) FROM pvog_service GROUP BY ars").fetchall())
        snaps = con.execute("SELECT ars, status FROM pvog_snapshot").fetchall()
        fetch_row = con.execute("SELECT fetch_date::VARCHAR, complete, requested, failed FROM pvog_fetch").fetchall()
    assert set(counts) == loaded and set(services) == loaded
    assert sorted({s for _, s in snaps}) == ["current"] and len(snaps) == len(loaded)
    assert fetch_row == [(DAY1.isoformat(), True, len(world.regions), 3)]
    wrong = {}
    for r in world.regions.values():
        if r.key not in loaded:
            continue
        expected = (r.services, 1, expected_available(world, r, loaded), True)
        if counts[r.key] != expected or services[r.key] != r.services + 2:
            wrong[r.key] = (counts[r.key], services[r.key], expected)
    assert not wrong, wrong
    assert counts[world.regions[c["413"]].key][0] == 150  # loaded through the JSON pages
    for case in ("429", "500"):
        assert world.regions[c[case]].key in loaded


def test_failed_regions_leave_nothing(world: World) -> None:
    c = world.cases
    day_dir = world.folder / "pvog" / DAY1.isoformat()
    with connect(world.db1) as con:
        for case in ("timeout", "502", "truncated"):
            key = world.regions[c[case]].key
            for table in ("pvog_service", "pvog_snapshot", "pvog_count"):
                n = con.execute(f"SELECT count(*) FROM {table} WHERE ars = $k", {"k": key}).fetchone()  # noqa: S608
                assert n == (0,), (case, table)
            assert not (day_dir / cache.data_name(c[case], DAY1.isoformat())).exists()


def test_invalid_rows_are_rejected_and_the_rest_loads(world: World) -> None:
    region = world.regions[world.cases["invalid"]]
    with connect(world.db1) as con:
        reasons = sorted(r for (r,) in con.execute("SELECT reason FROM reject WHERE file = $f", {
            "f": cache.data_name(region.ars12, DAY1.isoformat())}).fetchall())
        own = con.execute("SELECT own FROM pvog_count WHERE ars = $k", {"k": region.key}).fetchone()
    assert reasons == sorted(r for _, r in INVALID_ROWS)
    assert own == (region.services,)


def test_cli_fetch_then_a_failed_build_keeps_the_published_database(world: World) -> None:
    assert world.fetch2 is not None and world.fetch2.returncode == 0, world.fetch2.stderr
    said = " ".join(world.fetch2.stderr.split())
    assert f"{len(world.regions)} Regionen angefragt" in said and "0 fehlgeschlagen" in said
    assert world.failed_build is not None and world.failed_build.returncode != 0
    assert "kaputt.csv" in world.failed_build.stderr + world.failed_build.stdout
    before = world.extra["before_fail"]
    assert world.after_fail[:2] == before[:2]  # same file, same bytes
    assert world.after_fail[2] == before[2]    # nothing left behind beside it


def test_a_drop_keeps_the_previous_snapshot(world: World) -> None:
    c = world.cases
    drop = world.regions[c["drop"]]
    with connect(world.db2) as con:
        snaps = con.execute("SELECT fetch_date::VARCHAR, services, status FROM pvog_snapshot WHERE ars = $k "
                            "ORDER BY fetch_date", {"k": drop.key}).fetchall()
        own = con.execute("SELECT own, fetch_date::VARCHAR FROM pvog_count WHERE ars = $k AND is_current",
                          {"k": drop.key}).fetchone()
        statuses = dict(con.execute("SELECT status, count(*) FROM pvog_snapshot GROUP BY ALL").fetchall())
        back = con.execute("SELECT count(*) FROM pvog_count WHERE is_current AND ars IN (SELECT unnest($k))",
                           {"k": [world.regions[c[x]].key for x in ("timeout", "502", "truncated")]}).fetchone()
    assert snaps == [(DAY1.isoformat(), 52, "current"), (date.today().isoformat(), 22, "held_back")]
    assert own == (50, DAY1.isoformat())
    served = len(world.regions)
    assert statuses == {"current": served, "history": served - 4, "held_back": 1}
    assert back == (3,)  # the regions that failed on day 1 load from the second fetch


def test_daten_offers_no_all_rows_service_download_but_points_to_the_release(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """pvog_service (6.7 M rows per fetch for all Germany) is not a single download that reads every row into the
    app's memory; the federal counts are, with a note pointing to the open-data release's Parquet per Land."""
    from app_support import open_page

    monkeypatch.setenv("DIGITALMONITOR_DB", str(world.folder / "db" / "digitalmonitor.duckdb"))
    at = open_page("pages/6_Daten.py", tabelle="pvog_count")
    choice = next(s for s in at.selectbox if s.key == "daten_tabelle")
    assert choice.value == "pvog_count" and "pvog_service" not in choice.options
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # markdown-escaped on the page
    assert "nicht als Einzeldownload" in text and "pvog_service-land-09.parquet" in text
