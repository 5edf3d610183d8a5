"""The three user tasks of issue 15 as one scripted scenario, timed per step on the server.

    .venv/bin/python -m bench.user_tasks [--db PUBLISHED_DB] [--url http://127.0.0.1:8501]

- Analyst: Karte → Landkreis level → the laggard Landkreis's profile → its data on the Daten page.
- Mayor: Gemeindeprofil → find Bad Königshofen by name (typed without umlaut), postcode and key → rank among peers
  (Rangliste with the town highlighted) → compare with two neighbours of its Kreis → the shared link in a new session.
- Journalist: Digitales Amt (awards over time, real vs demo) → Daten (downloads with sources).

Each step is one request over Streamlit's websocket (devtools/st_client, as the browser sends it); its time is from
sending the request to the run's script_finished. Without --url a server is started on --db (default
$DIGITALMONITOR_DB or data/digitalmonitor.duckdb) and warmed up as scripts/run.sh does. The keys the steps need
(the laggard, the town's neighbours) are read from the database. Goal: every step ≤ 1 s (the last round; the
first of a fresh server meets cold query caches). stdout ends with one key=value line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from core.keys import DB_ENV, published_db
from devtools.browser.server import ROOT, streamlit_server
from devtools.st_client import RerunResult, StreamlitSession

TOWN = "096730141141"  # Bad Königshofen i.Grabfeld
GOAL_S = 1.0


def _keys(db: Path) -> dict[str, object]:
    """The laggard Landkreis in Bayern (fewest procedures per 10,000 inhabitants) and two neighbours of the town."""
    con = duckdb.connect(str(db.resolve()), read_only=True)
    try:
        laggard = con.execute("""
            SELECT r.ars FROM region r JOIN v_procedures_latest p USING (ars)
            WHERE r.level = 'district' AND r.kind = 'Landkreis' AND r.state_ars = '09' AND r.population > 0
            ORDER BY p.total * 1.0 / r.population, r.ars LIMIT 1""").fetchone()
        neighbours = [k for (k,) in con.execute("""
            SELECT ars FROM region WHERE level = 'municipality' AND is_municipality AND district_ars = $d
              AND ars <> $town ORDER BY abs(population - (SELECT population FROM region WHERE ars = $town)), ars
            LIMIT 2""", {"d": TOWN[:5], "town": TOWN}).fetchall()]
    finally:
        con.close()
    return {"laggard": laggard[0] if laggard else "09473", "neighbours": neighbours}


def _option(session: StreamlitSession, key: str, contains: str) -> str:
    widget = session.widget(key)
    return next(o for o in widget.options if contains in o)


async def _scenario(url: str, keys: dict[str, object]) -> list[tuple[str, RerunResult]]:
    steps: list[tuple[str, RerunResult]] = []
    compare = "&".join(f"vergleich={k}" for k in keys["neighbours"])  # type: ignore[attr-defined]
    async with StreamlitSession(url) as s:
        await s.open("")  # the tab opens on Start (not timed: the user arrives)
        steps.append(("analyst_karte", await s.open("Karte")))
        steps.append(("analyst_landkreise", await s.set_widget("karte_ebene", _option(s, "karte_ebene", "Kreis"))))
        steps.append(("analyst_profil", await s.open("Gemeindeprofil", f"ars={keys['laggard']}")))
        steps.append(("analyst_export", await s.open("Daten")))
        steps.append(("mayor_profil", await s.open("Gemeindeprofil")))
        steps.append(("mayor_name", await s.set_widget("profil_suche", "Bad Koenigshofen")))
        steps.append(("mayor_postcode", await s.set_widget("profil_suche", "97631")))
        steps.append(("mayor_key", await s.set_widget("profil_suche", "09673141")))
        steps.append(("mayor_rangliste", await s.open("Rangliste", f"gemeinde={TOWN}")))
        steps.append(("mayor_compare", await s.open("Gemeindeprofil", f"ars={TOWN}&{compare}")))
        steps.append(("journalist_digitales_amt", await s.open("Digitales_Amt")))
        steps.append(("journalist_daten", await s.open("Daten", "bereich=Quellen")))
    async with StreamlitSession(url) as shared:
        steps.append(("mayor_shared_link", await shared.open("Gemeindeprofil", f"ars={TOWN}&{compare}")))
    return steps


@contextlib.contextmanager
def _server(url: str | None, db: Path) -> Iterator[str]:
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp, streamlit_server(
            ROOT / "dashboard.py", {DB_ENV: str(db)}, Path(tmp) / "server.log") as started:
        yield started


def main() -> int:
    parser = argparse.ArgumentParser(description="The three user tasks of issue 15, timed per step on the server.")
    parser.add_argument("--db", type=Path, default=published_db())
    parser.add_argument("--url", help="a running (warmed-up) server instead of starting one")
    parser.add_argument("--rounds", type=int, default=2, help="scenario runs; the last is reported (default 2: "
                                                             "the first meets cold query caches)")
    args = parser.parse_args()
    keys = _keys(args.db)
    with _server(args.url, args.db) as url:
        rounds = [asyncio.run(_scenario(url, keys)) for _ in range(args.rounds)]
    errors = 0
    for n, steps in enumerate(rounds, start=1):
        print(f"round {n} ({'cold caches' if n == 1 and not args.url else 'warm caches'}):", file=sys.stderr)
        for name, result in steps:
            flag = "" if result.ok else "  FEHLER: " + "; ".join(result.errors or [result.status])
            errors += 0 if result.ok else 1
            over = "  > 1 s" if result.seconds > GOAL_S else ""
            print(f"  {name:<26} {result.seconds:6.3f} s{over}{flag}", file=sys.stderr)
    first, last = rounds[0], rounds[-1]
    slowest = max(last, key=lambda step: step[1].seconds)
    print(f"steps={len(last)} total_s={sum(r.seconds for _n, r in last):.2f} max_step_s={slowest[1].seconds:.3f} "
          f"slowest={slowest[0]} over_1s={sum(r.seconds > GOAL_S for _n, r in last)} "
          f"first_round_max_s={max(r.seconds for _n, r in first):.3f} errors={errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
