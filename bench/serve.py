"""Load through the balancer: scripts/serve.sh with 1 and then 2 processes in the same run, a stress mix and a
reader mix each, and a process killed during the 2-process stress mix.

    .venv/bin/python -m bench.serve [--sessions 20] [--duration 60] [--replicas 1 2] [--db PUBLISHED_DB]
                                      [--solo-only] [--solo-rounds 3]

Per number of processes: `solo` (one session, no pause, every page and the profile search three times: the warm
server time of each view, solo_<view>_s = median; goal <= 0.15 s), `stress` (--sessions sessions rerun with no
pause, bench.load's walk: Karte, Rangliste, profile search or link, Start), `reader` (the same walk with 5-15 s
pauses). Printed per mix: p50/p95 overall and per view, errors, reruns, peak RSS per server process (MB, r1/r2),
the load generator's own CPU (percent of one core; it shares the machine's cores). With 2 processes, one of them is
SIGKILLed halfway through the stress mix: its sessions reconnect (the balancer's cookie points to a dead server,
HAProxy redispatches), reopen their page with their URL query string and count as `kept` when the app answers with
the same view; failed = reruns lost to the kill (not counted as errors). Without --db a build with demo data is
made first. Progress to stderr; stdout gets one key=value line.
Goals (issue 16, 2 processes): stress p95 <= 3 s, 0 errors,
reader p95 <= 0.5 s, every killed session keeps its view.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import psutil

from bench.load import ROOT, Record, Walk, build_database, default_mirror, log, quantile
from devtools.browser.server import free_port, wait_until_responds
from devtools.st_client import StreamlitError, StreamlitSession

# the Rangliste with a view in its link: opened bare it highlights the town of the session's last profile search,
# so each round after the first showed another view (a cold one) and the median was no warm time
SOLO_VIEWS = [("start", "", ""), ("karte", "Karte", "ebene=municipality&land=09"),
              ("rangliste", "Rangliste", "land=09"), ("profil", "Gemeindeprofil", "ars=091620000000"),
              ("foerderung", "Foerderung", ""),
              ("digitales_amt", "Digitales_Amt", ""), ("daten", "Daten", "")]


class KillRecord(Record):
    """A Record that counts what a killed process cost apart from the errors."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = 0
        self.reconnects = 0
        self.kept = 0

    def error(self, where: str, text: str) -> None:
        if "disconnect" in text:
            with self.lock:
                self.failed += 1
            return
        super().error(where, text)


def same_view(before: str, after: str) -> bool:
    """The view after a reconnect is the one before: every parameter of the URL before is in the URL after (a
    request cut off by the kill may carry a short URL that the app then completes with its defaults)."""
    return set(parse_qsl(before)) <= set(parse_qsl(after))


class ReconnectingWalk(Walk):
    """bench.load's walk; when the connection drops, it reconnects like the browser (same cookies) and
    reopens its page with its URL query string."""

    async def run(self, rounds: int, deadline: float | None) -> None:
        session = self._session({})
        try:
            await session.connect()
        except Exception as exc:  # noqa: BLE001 - any failure to connect is an error of the run
            self.record.error(self.name, f"cannot connect: {type(exc).__name__}: {exc}")
            return
        done = 0
        try:
            while (deadline is None and done < rounds) or (deadline is not None and time.monotonic() < deadline):
                await self.round(session, done)
                done += 1
                if not session.connected:
                    session = await self._reconnect(session)
        finally:
            await session.close()

    def _session(self, cookies: dict[str, str]) -> StreamlitSession:
        return StreamlitSession(self.url, timeout=self.timeout, auto_rerun=False, fetch_assets=False,
                                cookies=cookies)

    async def _reconnect(self, old: StreamlitSession) -> StreamlitSession:
        # the URL the browser shows: the page last asked for with its query (a request the killed process never
        # answered still changed the URL, not yet the page the server reported)
        path, query = old.url_path or old.page_path(old.page_script_hash), old.query_string
        await old.close()
        record: KillRecord = self.record  # type: ignore[assignment]
        for _attempt in range(30):
            new = self._session(old.cookies)
            try:
                await new.connect()
                result = await new.open(path, query)
            except Exception:  # noqa: BLE001 - the balancer may not have noticed yet: try again
                await asyncio.sleep(0.5)
                continue
            kept = result.ok and same_view(query, result.query_string)
            with record.lock:
                record.reconnects += 1
                record.kept += kept
            log(f"  {self.name} reconnected ({old.cookies.get('dm_replica')} -> {new.cookies.get('dm_replica')}), "
                f"view {'kept' if kept else 'LOST'}: {path}?{query} -> ?{result.query_string}")
            return new
        raise StreamlitError(f"{self.name}: could not reconnect")


class Served:
    """scripts/serve.sh with N processes; per-process RSS sampled every 0.5 s."""

    def __init__(self, db: Path, replicas: int, folder: Path) -> None:
        self.port, backend = free_port(), free_port()
        self.log = folder / f"serve-{replicas}.log"
        env = {**os.environ, "PORT": str(self.port), "REPLICAS": str(replicas), "BACKEND_PORT": str(backend),
               "DIGITALMONITOR_DB": str(db), "SERVE_RUN_DIR": str(folder / f"run-{replicas}")}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        self.replicas = replicas
        self.peak: dict[str, float] = {}
        self.stop = threading.Event()
        deadline = time.monotonic() + 300
        while self.text().count("in rotation") < replicas:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve.sh did not come up:\n{self.text()}")
            time.sleep(0.5)
        wait_until_responds(self.url + "/_stcore/health")
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pid(self, replica: str) -> int:
        return int(re.findall(rf"{replica}: started pid (\d+)", self.text())[-1])

    def _sample(self) -> None:
        while not self.stop.wait(0.5):
            for i in range(1, self.replicas + 1):
                try:
                    rss = psutil.Process(self.pid(f"r{i}")).memory_info().rss / 2**20
                except (psutil.Error, IndexError):
                    continue
                self.peak[f"r{i}"] = max(self.peak.get(f"r{i}", 0.0), rss)

    def close(self) -> None:
        self.stop.set()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


async def solo(url: str, rounds: int = 3) -> dict[str, float]:
    """One session alone, every page `rounds` times: the median rerun time per view."""
    times: dict[str, list[float]] = {view: [] for view, _page, _query in SOLO_VIEWS}
    async with StreamlitSession(url, timeout=120) as session:
        for _ in range(rounds):
            for view, page, query in SOLO_VIEWS:
                result = await session.open(page, query)
                if not result.ok:
                    log(f"  solo {view}: {result.status} {result.errors[:1]}")
                times[view].append(result.seconds)
            await session.open("Gemeindeprofil")
            try:  # the profile search: a name typed into the search box
                result = await session.set_widget("profil_suche", "Dormitz")
                times.setdefault("profil_search", []).append(result.seconds)
            except StreamlitError as exc:
                log(f"  solo profil_search: {exc}")
    return {view: statistics.median(s) for view, s in times.items() if s}


async def mix(url: str, sessions: int, think: tuple[float, float], duration: float, record: KillRecord,
              kill: Any = None) -> float:
    """`sessions` walks for `duration` seconds; returns the load generator's CPU in percent of one core."""
    me = psutil.Process()
    cpu = sum(me.cpu_times()[:2])
    start = time.monotonic()
    deadline = start + duration
    pool: list[str] = []

    async def one(i: int) -> None:
        await asyncio.sleep(2.0 * i / sessions)
        await ReconnectingWalk(f"s{i + 1}", url, record, random.Random(i), think, 60.0, pool,
                               assets=False).run(0, deadline)

    tasks = [one(i) for i in range(sessions)]
    if kill is not None:
        tasks.append(kill(duration / 2))
    await asyncio.gather(*tasks)
    return 100 * (sum(me.cpu_times()[:2]) - cpu) / (time.monotonic() - start)


def figures(prefix: str, record: KillRecord, client_cpu: float) -> dict[str, str]:
    times = [s for _v, s in record.reruns]
    out = {f"{prefix}_reruns": str(len(times)), f"{prefix}_p50_s": f"{quantile(times, 0.5):.2f}",
           f"{prefix}_p95_s": f"{quantile(times, 0.95):.2f}", f"{prefix}_errors": str(len(record.errors)),
           f"{prefix}_client_cpu_pct": f"{client_cpu:.0f}"}
    for view in sorted({v for v, _s in record.reruns}):
        seconds = [s for v, s in record.reruns if v == view]
        out[f"{prefix}_{view}_p50_s"] = f"{quantile(seconds, 0.5):.2f}"
        out[f"{prefix}_{view}_p95_s"] = f"{quantile(seconds, 0.95):.2f}"
    return out


def run_replicas(db: Path, n: int, args: argparse.Namespace, folder: Path) -> dict[str, str]:
    served = Served(db, n, folder)
    out: dict[str, str] = {}
    try:
        log(f"{n} process(es) behind HAProxy at {served.url}")
        views = asyncio.run(solo(served.url, args.solo_rounds))
        out.update({f"p{n}_solo_{v}_s": f"{s:.2f}" for v, s in views.items()})
        log(f"  solo (warm server time per view): {views}")
        for name, think in () if args.solo_only else (("stress", (0.0, 0.0)), ("reader", (5.0, 15.0))):
            record = KillRecord()
            kill = None
            if name == "stress" and n > 1:
                async def kill(after: float) -> None:
                    await asyncio.sleep(after)
                    pid = served.pid("r1")
                    log(f"  SIGKILL r1 (pid {pid})")
                    os.kill(pid, signal.SIGKILL)
            duration = args.duration * (2 if name == "reader" else 1)
            log(f"  {name}: {args.sessions} sessions, {duration:.0f} s")
            cpu = asyncio.run(mix(served.url, args.sessions, think, duration, record, kill))
            out.update(figures(f"p{n}_{name}", record, cpu))
            if kill is not None:
                out.update({f"p{n}_kill_failed_reruns": str(record.failed),
                            f"p{n}_kill_reconnects": str(record.reconnects), f"p{n}_kill_kept": str(record.kept)})
            log("  " + " ".join(f"{k}={v}" for k, v in out.items() if k.startswith(f"p{n}_{name}")))
        out.update({f"p{n}_rss_mb_{r}": f"{mb:.0f}" for r, mb in sorted(served.peak.items())})
        out[f"p{n}_restarts"] = str(served.text().count("restarting"))
    finally:
        served.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the stress mix (reader: twice)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--db", type=Path, help="published database of a build (default: build one now)")
    parser.add_argument("--mirror", type=Path, default=default_mirror())
    parser.add_argument("--solo-only", action="store_true", help="only the warm server time per view (no mixes)")
    parser.add_argument("--solo-rounds", type=int, default=3, help="rounds of the solo walk (median per view)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        folder = Path(tmp)
        db = args.db or build_database(args.mirror, folder)
        out: dict[str, str] = {"sessions": str(args.sessions), "cores": str(os.cpu_count()),
                               "loadavg_1m": f"{os.getloadavg()[0]:.1f}"}
        for n in args.replicas:
            out.update(run_replicas(db, n, args, folder))
    print(" ".join(f"{k}={v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
