"""`fetch pvog` against a real local HTTP server: paging, 413 → JSON pages, retries, failures, kill + resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fixtures.pvog.server import FIXTURES, PvogServer

from etl.sources.pvog import cache
from etl.sources.pvog.client import RetryPolicy, retry_after
from etl.sources.pvog.fetch import BUND_ARS, FetchOptions, plan, run_fetch
from etl.sources.pvog.snapshots import select

ROOT = Path(__file__).resolve().parent.parent
FAST = RetryPolicy(attempts=3, backoff=0.01, max_wait=2.0)
ROSENHEIM_LK, BAD_AIBLING, NUERNBERG, BAYERN = "091870000000", "091870117117", "095640000000", "090000000000"
DAY = date(2026, 12, 6)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def region_csv(ars: str, services: int, sep: str = ";") -> bytes:
    """A small export for a generated region: `services` own services, all ok."""
    head = sep.join(["leika_key", "leika_name", "ars", "online_status", "aktiv", "art_flaechendeckung"])
    rows = [sep.join([f"99{i:012d}", f"Leistung {i}", ars, "ok", "ja", "in mind. einer Kommune verfügbar"])
            for i in range(services)]
    return ("\n".join([head, *rows]) + "\n").encode()


@pytest.fixture
def server() -> Iterator[PvogServer]:
    srv = PvogServer()
    srv.add(BUND_ARS, fixture("bund_semikolon.csv"), "Bundesrepublik Deutschland")
    srv.add(BAYERN, fixture("bayern_komma.csv"), "Freistaat Bayern")
    srv.add("091000000000", region_csv("091000000000", 3), "Oberbayern")
    srv.add(ROSENHEIM_LK, fixture("lk_rosenheim_semikolon.csv"), "Rosenheim")
    srv.add(BAD_AIBLING, fixture("bad_aibling_mit_fehlern.csv"), "Bad Aibling")
    srv.add(NUERNBERG, region_csv(NUERNBERG, 2), "Nürnberg")
    srv.add("095000000000", region_csv("095000000000", 2), "Mittelfranken")
    srv.pages[NUERNBERG] = [fixture("nuernberg_seite0.json"), fixture("nuernberg_seite1.json")]
    srv.add("010010000000", region_csv("010010000000", 4, ","), "Flensburg")  # another Land
    srv.add("010000000000", region_csv("010000000000", 1, ","), "Schleswig-Holstein")
    yield srv.start()
    srv.stop()


def options(server: PvogServer, tmp_path: Path, **kw: object) -> FetchOptions:
    return FetchOptions(base_url=server.url, cache_dir=tmp_path / "pvog", policy=FAST, timeout=1.0, **kw)


def test_ars_list_is_paged_and_parents_are_added(server: PvogServer, tmp_path: Path) -> None:
    for i in range(2500):  # more than two pages of 1000
        server.names[f"0917{i:08d}"] = f"Region {i}"
    from etl.sources.pvog.client import make_client
    with make_client(server.url) as client:
        wanted = plan(client, options(server, tmp_path, lands=("09",)))
    assert server.hits["ars:0"] == server.hits["ars:1"] == server.hits["ars:2"] == 1 and server.hits["ars:3"] == 0
    assert BAD_AIBLING in wanted and "091700000001" in wanted and "010010000000" not in wanted
    assert {BUND_ARS, BAYERN, "091000000000", ROSENHEIM_LK} <= set(wanted)
    with make_client(server.url) as client:  # keys only: no list needed, parents still added
        wanted = plan(client, options(server, tmp_path, ars=(BAD_AIBLING,)))
    assert wanted == [BAD_AIBLING, BUND_ARS, BAYERN, ROSENHEIM_LK, "091000000000"]


def test_layouts_413_paging_and_cache(server: PvogServer, tmp_path: Path) -> None:
    server.scripts[NUERNBERG] = ["413"]
    summary = run_fetch(options(server, tmp_path, lands=("09",)), today=DAY)
    assert summary.complete and not summary.failed and summary.requested == 7
    folder = tmp_path / "pvog" / "2026-12-06"
    assert (folder / f"pvog_{ROSENHEIM_LK}_2026-12-06.csv").read_bytes() == fixture("lk_rosenheim_semikolon.csv")
    assert server.hits[f"page:{NUERNBERG}:0"] == server.hits[f"page:{NUERNBERG}:1"] == 1
    manifest = json.loads((folder / "pvog_manifest_2026-12-06.json").read_text())
    assert manifest["complete"] and manifest["regions"][NUERNBERG]["via"] == "json-seiten"
    assert manifest["regions"][NUERNBERG]["rows"] == 3
    body = (folder / f"pvog_{BAYERN}_2026-12-06.csv").read_bytes()
    assert manifest["regions"][BAYERN]["sha256"] == cache.sha256_bytes(body)
    assert manifest["regions"][BAYERN]["rows"] == 4
    assert manifest["regions"][BAD_AIBLING]["rows"] == 4 and manifest["regions"][BAD_AIBLING]["rejects"] == 3
    sel = select(cache.scan([tmp_path / "pvog"]))
    assert set(sel.rows["ars"]) >= {NUERNBERG, BAYERN, BUND_ARS, ROSENHEIM_LK}
    assert sorted(sel.rows.loc[sel.rows["ars"] == NUERNBERG, "online_status"]) == ["nicht ok", "ok", "ok"]


def test_429_and_500_are_retried_honouring_retry_after(server: PvogServer, tmp_path: Path) -> None:
    server.scripts[ROSENHEIM_LK] = ["429", "ok"]
    server.scripts[BAD_AIBLING] = ["500", "ok"]
    start = time.monotonic()
    summary = run_fetch(options(server, tmp_path, ars=(BAD_AIBLING,)), today=DAY)
    assert time.monotonic() - start >= 1.0  # Retry-After: 1 was waited for, not the 0.01 s backoff
    assert summary.complete and not summary.failed
    assert server.hits[f"export:{ROSENHEIM_LK}"] == 2 and server.hits[f"export:{BAD_AIBLING}"] == 2
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 10) == 10.0


def test_timeout_html_502_json_and_truncated_fail_their_region_only(server: PvogServer, tmp_path: Path) -> None:
    server.slow = 2.5
    server.scripts.update({ROSENHEIM_LK: ["slow"], BAD_AIBLING: ["502"], NUERNBERG: ["truncated"],
                           "095000000000": ["json"]})
    summary = run_fetch(options(server, tmp_path, lands=("09",)), today=DAY)
    assert set(summary.failed) == {ROSENHEIM_LK, BAD_AIBLING, NUERNBERG, "095000000000"}
    assert "Zeitüberschreitung" in summary.failed[ROSENHEIM_LK]
    assert "HTTP 502" in summary.failed[BAD_AIBLING]
    assert "abgeschnitten" in summary.failed[NUERNBERG]
    assert "JSON statt CSV" in summary.failed["095000000000"]
    assert server.hits[f"export:{BAD_AIBLING}"] == 3  # retried, then given up
    assert not summary.complete  # 4 of 7 failed: more than 5 %
    folder = tmp_path / "pvog" / "2026-12-06"
    assert not (folder / f"pvog_{NUERNBERG}_2026-12-06.csv").exists()
    sel = select(cache.scan([tmp_path / "pvog"]))
    assert sel.rows.empty and "unvollständig" in sel.notes[0]  # no build takes any of it
    server.scripts.clear()
    again = run_fetch(options(server, tmp_path, lands=("09",)), today=date(2026, 12, 7))
    assert again.complete and again.day == "2026-12-06" and again.skipped == 3 and again.fetched == 4
    assert server.hits[f"export:{BAYERN}"] == 1  # a finished region is not asked again
    assert set(select(cache.scan([tmp_path / "pvog"])).rows["ars"]) >= {ROSENHEIM_LK, NUERNBERG}


def test_kill_during_fetch_then_resume(server: PvogServer, tmp_path: Path) -> None:
    for i in range(1, 121):
        key = f"0918711{i:05d}"
        server.add(key, region_csv(key, 5), f"Gemeinde {i}")
    server.delay = 0.05
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "etl", "fetch", "pvog", "--land", "09", "--base-url", server.url,
           "--cache", str(tmp_path / "pvog"), "--concurrency", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = list((tmp_path / "pvog").glob("*/pvog_journal_*.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 20:
            journal = found[0]
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert journal is not None
    done_before = cache.read_journal(journal)
    assert 20 <= len(done_before) < 127
    sel = select(cache.scan([tmp_path / "pvog"]))
    assert sel.rows.empty and "unvollständig" in sel.notes[0]  # the killed fetch is not taken
    server.delay = 0.0
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for ars in done_before:
        assert server.hits[f"export:{ars}"] == 1, ars  # not fetched twice
    sel = select(cache.scan([tmp_path / "pvog"]))
    assert sel.snapshots["status"].eq("accepted").sum() == 127 and not sel.notes


def test_probe_reports_what_the_api_answers(server: PvogServer, tmp_path: Path) -> None:
    from etl.sources.pvog.fetch import probe
    lines = "\n".join(probe(options(server, tmp_path, ars=(BAYERN,))))
    assert "ARS-Liste: HTTP 200, application/json" in lines and "totalElements=9" in lines
    assert f"Export {BAYERN}: HTTP 200, text/csv" in lines and "Trennzeichen: ," in lines
    assert "Zeilen 4, gültig 4, abgelehnt 0" in lines
    assert not (tmp_path / "pvog").exists()  # a probe stores nothing
    server.scripts[NUERNBERG] = ["413"]
    assert "413 → JSON-Seiten: 2 Seiten" in "\n".join(probe(options(server, tmp_path, ars=(NUERNBERG,))))


def test_mirror_files_are_found_by_plain_name(tmp_path: Path) -> None:
    """Files dropped anywhere in the mirror (no manifest) are read like the cache; a link named like a PVOG file
    that leads to another file is never read."""
    mirror = tmp_path / "mirror"
    (mirror / "a" / "b").mkdir(parents=True)
    (mirror / "a" / "b" / f"pvog_{ROSENHEIM_LK}_2026-05-01.csv").write_bytes(fixture("lk_rosenheim_semikolon.csv"))
    (mirror / f"pvog_{BAYERN}_2026-05-01.csv").write_bytes(fixture("bayern_komma.csv"))
    outside = tmp_path / "secret.csv"
    outside.write_bytes(fixture("bund_semikolon.csv"))
    (mirror / f"pvog_{BUND_ARS}_2026-05-01.csv").symlink_to(outside)
    fetches = cache.scan([mirror])
    assert set(fetches) == {"2026-05-01"} and fetches["2026-05-01"].is_complete()
    sel = select(fetches)
    assert sorted(sel.snapshots["ars12"]) == [BAYERN, ROSENHEIM_LK]
    assert len(sel.rows) == 8
