"""Load test of the dashboard: N concurrent sessions walk through map, rankings and profile views.

    .venv/bin/python -m bench.load [--sessions 20] [--browsers 1] [--rounds 2 | --duration S] [--db PUBLISHED_DB]

Without --db a fresh build with demo data is made in a temporary folder (`python -m etl build --demo --mirror
$DIGITALMONITOR_MIRROR`, default ../shared/data beside the checkout). The dashboard starts with
`streamlit run app_server.py` on a free local port (devtools/browser/server.py).

On two cores, twenty browsers would measure the browsers, so most sessions are light websocket clients
(devtools/st_client/) that send the rerun messages a browser sends, and only --browsers sessions are real
chromium tabs (Playwright, Debian's chromium with software WebGL) that measure when the maps are painted.

Each light session walks, per round, with think times of --think seconds between steps:
karte_de (Karte, all of Germany, municipalities; a new tab in the first round), karte_land (a state chosen in
the Land selectbox), karte_measure (another Kennzahl), rangliste (the navigation to Rangliste),
rangliste_filter (Land, Größenklasse, Behördentyp or Kennzahl changed), profil_open + profil_search (the profile
page, then a municipality typed into the search) or profil_link (a profile permalink ?ars=...), start.
A browser session walks Karte (Germany), a state switch, Karte Bayern by permalink, Rangliste and Start.
Light sessions also send the fragment reruns that `st.fragment(run_every=...)` asks for, as browsers do
(auto_reruns, not in the latencies), and fetch each map's GeoJSON file once, as a browser with an empty cache
does (asset_fetches, asset_p95_s, asset_max_s; --no-assets skips this). One light session walks every view
twice before the measured phase (warmup_s; --no-warmup measures a cold server).

Measured: every rerun of the light sessions from sending the request to its script_finished (p50_s, p95_s,
max_s, and p95 per view). errors: exception elements, runs not finished successfully, page not found,
st.error messages, disconnects, timeouts (--timeout), failed GeoJSON fetches, steps that could not be done
(a widget missing), failed browser steps. The server process and its children are sampled every 0.2 s with
psutil (peak_rss_mb; CPU in percent of one core, so up to 200 on two cores). In the browsers: navigation ->
map painted (browser_paint_*), click -> run finished (browser_change_p50_s), navigation -> Rangliste ready
(browser_rangliste_load_s), console errors (browser_console_errors, e.g. a GeoJSON fetch that failed).
Progress goes to stderr; stdout gets exactly one key=value line.

Goal: 20 sessions, p95_s <= 2, errors = 0, peak_rss_mb <= 1024.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from devtools import browser as web
from devtools.st_client import RerunResult, StreamlitError, StreamlitSession

ROOT = Path(__file__).resolve().parent.parent

MIRROR_ENV = "DIGITALMONITOR_MIRROR"
MAP = ".st-key-karte_map"
KARTE_DE = "ebene=municipality&land=DE"
GOALS = {"p95_s": 2.0, "errors": 0, "peak_rss_mb": 1024}
RANG_FILTERS = ("rang_land", "rang_groesse", "rang_typ", "rang_kennzahl")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def default_mirror() -> Path:
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else ROOT.parent / "shared" / "data"


# --- what the sessions record -----------------------------------------------------------------------

@dataclass
class Record:
    """Everything the sessions measured, shared by the asyncio tasks and the browser threads."""

    reruns: list[tuple[str, float]] = field(default_factory=list)  # (view, seconds) of light sessions
    auto: list[float] = field(default_factory=list)
    assets: list[float] = field(default_factory=list)  # seconds of the GeoJSON fetches of light sessions
    errors: list[str] = field(default_factory=list)
    timeouts: int = 0
    disconnects: int = 0
    bytes: int = 0
    paints: list[tuple[str, float]] = field(default_factory=list)  # (view, seconds) in the browsers
    changes: list[float] = field(default_factory=list)
    loads: list[tuple[str, float]] = field(default_factory=list)
    console_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, where: str, text: str) -> None:
        with self.lock:
            self.errors.append(f"{where}: {text}")
        log(f"  ERROR {where}: {text[:300]}")

    def result(self, where: str, view: str, result: RerunResult, measured: bool = True) -> None:
        """Count one rerun result (latency, bytes, errors)."""
        with self.lock:
            self.bytes += result.bytes
            if result.auto:
                self.auto.append(result.seconds)
            elif measured:
                self.reruns.append((view, result.seconds))
            self.timeouts += result.status == "timeout"
            self.disconnects += result.status == "disconnected"
        problems = list(result.errors) + [f"st.error: {text}" for kind, text in result.alerts if kind == "error"]
        if result.status not in ("success", "fragment_success") and not result.errors:
            problems.append(f"run ended with status {result.status}")
        for problem in problems:
            self.error(f"{where} {view}", problem)


# --- light sessions ---------------------------------------------------------------------------------

class Walk:
    """One light session's walk through the views."""

    def __init__(self, name: str, url: str, record: Record, rng: random.Random, think: tuple[float, float],
                 timeout: float, pool: list[str], measured: bool = True, verbose: bool = False,
                 assets: bool = True) -> None:
        self.name, self.url, self.record, self.rng, self.think = name, url, record, rng, think
        self.timeout, self.pool, self.measured, self.verbose, self.assets = timeout, pool, measured, verbose, assets

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think))

    async def step(self, view: str, request: Any) -> RerunResult | None:
        """Run one request and record it; a step that cannot be done (missing widget) is an error."""
        try:
            result = await request
        except StreamlitError as exc:
            self.record.error(f"{self.name} {view}", str(exc))
            return None
        self.record.result(self.name, view, result, self.measured)
        if self.verbose:
            log(f"  {self.name} {view}: {result.status} {result.seconds:.2f} s, {result.bytes / 1e6:.2f} MB, "
                f"{result.cache_refs} cached; {result.query_string}")
        return result

    def other(self, session: StreamlitSession, key: str, exclude: tuple[str, ...] = ()) -> str:
        """A random option of a select widget other than its current value."""
        widget = session.widget(key)
        choices = [o for o in widget.options if o != widget.value and o not in exclude]
        if not choices:
            raise StreamlitError(f"{key}: no other option than {widget.value!r}")
        return self.rng.choice(choices)

    async def run(self, rounds: int, deadline: float | None) -> None:
        session = StreamlitSession(self.url, timeout=self.timeout, auto_rerun=True, fetch_assets=self.assets,
                                   on_result=lambda r: r.auto and self.record.result(self.name, "auto", r))
        try:
            await session.connect()
        except Exception as exc:  # noqa: BLE001 - refused, handshake rejected, timed out: all count as errors
            self.record.error(self.name, f"cannot connect: {type(exc).__name__}: {exc}")
            with self.record.lock:
                self.record.disconnects += 1
            return
        try:
            done = 0
            while (deadline is None and done < rounds) or (deadline is not None and time.monotonic() < deadline):
                await self.round(session, done)
                done += 1
                if not session.connected:
                    break
        finally:
            await session.close()
            self._count_assets(session)

    def _count_assets(self, session: StreamlitSession) -> None:
        for fetch in session.assets:
            with self.record.lock:
                self.record.bytes += fetch.bytes
                if self.measured:
                    self.record.assets.append(fetch.seconds)
            if fetch.status != 200:
                self.record.error(f"{self.name} asset", f"{fetch.url}: HTTP {fetch.status} {fetch.error}")

    async def round(self, s: StreamlitSession, n: int) -> None:
        steps = [
            ("karte_de", lambda: s.open("Karte", KARTE_DE)),
            ("karte_land", lambda: s.set_widget("karte_land", self.other(s, "karte_land", ("Deutschland",)))),
            ("karte_measure", lambda: s.set_widget("karte_kennzahl", self.other(s, "karte_kennzahl"))),
            ("rangliste", lambda: s.open("Rangliste")),
            ("rangliste_filter", self._filter(s)),
            *self._profile(s, n),
            ("start", lambda: s.open("")),
        ]
        for view, make in steps:
            if not s.connected:
                self.record.error(self.name, f"disconnected before {view}")
                return
            try:
                request = make()
            except StreamlitError as exc:
                self.record.error(f"{self.name} {view}", str(exc))
                continue
            result = await self.step(view, request)
            if view == "rangliste" and result is not None and result.ok:
                with contextlib.suppress(StreamlitError):
                    self._names = [re.sub(r" \([^)]*\)$", "", o) for o in s.widget("rang_gemeinde").options[1:]]
            if view in ("profil_search", "profil_link") and result is not None and "ars=" in result.query_string:
                self.pool.append(result.query_string.split("ars=")[1].split("&")[0])
            await self.pause()

    def _filter(self, s: StreamlitSession) -> Any:
        def make() -> Any:
            # a filter with another option (a build with procedure counts for Bayern alone offers one Land)
            for key in self.rng.sample(RANG_FILTERS, len(RANG_FILTERS)):
                try:
                    value = self.other(s, key)
                except StreamlitError:
                    continue
                return s.set_widget(key, value)
            raise StreamlitError("no Rangliste filter with another option")
        return make

    def _profile(self, s: StreamlitSession, n: int) -> list[tuple[str, Any]]:
        """Every other round (and always when no key is known yet) a search by name, else a permalink."""
        if n % 2 == 1 and self.pool:
            return [("profil_link", lambda: s.open("Gemeindeprofil", f"ars={self.rng.choice(self.pool)}"))]
        return [("profil_open", lambda: s.open("Gemeindeprofil")),
                ("profil_search", lambda: s.set_widget("profil_suche", self._name()))]

    def _name(self) -> str:
        names = getattr(self, "_names", None) or ["Dormitz"]
        return self.rng.choice(names)


# --- browser sessions (threads with their own Playwright) --------------------------------------------

def browser_session(name: str, url: str, record: Record, rounds: int, deadline: float | None,
                    think: tuple[float, float], seed: int, shots: Path | None) -> None:
    """A real chromium tab: paint times of the Karte and Start maps, click -> run finished of a state switch.
    The first failing step ends the session (an error; with --screenshots a screenshot of the page)."""
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    step = ["launch"]
    try:
        with sync_playwright() as playwright:
            chromium = web.launch(playwright)
            context = web.new_context(chromium)
            page = context.new_page()
            console = web.Console()
            console.attach(page)
            try:
                done = 0
                while (deadline is None and done < rounds) or (deadline is not None and time.monotonic() < deadline):
                    browser_round(name, page, url, record, rng, think, step)
                    done += 1
            except Exception:
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    with contextlib.suppress(Exception):
                        page.screenshot(path=str(shots / f"{name}_{step[0]}.png"), timeout=30_000)
                raise
            finally:
                with record.lock:
                    record.console_errors += len(console.errors)
                for text in console.errors[:5]:
                    log(f"  console error in {name}: {text[:200]}")
                context.close()
                chromium.close()
    except Exception as exc:  # noqa: BLE001 - a broken browser session is an error of the run, not a crash
        record.error(f"{name} {step[0]}", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


def browser_round(name: str, page: Any, url: str, record: Record, rng: random.Random,
                  think: tuple[float, float], step: list[str]) -> None:
    """One walk; `step[0]` names the step in progress (for the error message)."""
    def paint(view: str, target: str, root: str | None) -> None:
        step[0] = view
        page.goto(target, wait_until="commit")
        painted = web.wait_map_painted(page, root)
        web.wait_ready(page)
        with record.lock:
            record.paints.append((view, painted))
        log(f"  {name} {view}: map painted {painted:.1f} s after navigation start")
        check(view)

    def check(view: str) -> None:
        for text in web.exceptions(page):
            record.error(f"{name} {view}", f"exception element: {text[:300]}")

    paint("karte_de", web.page_url(url, "Karte", {"ebene": "municipality", "land": "DE"}), MAP)
    time.sleep(rng.uniform(*think))
    step[0] = "karte_land"
    before = web.runs_finished(page)
    web.choose(page, "karte_land", "Bayern")
    web.wait_rerun(page, before)
    marks = page.evaluate("({click: window.__dm.tClick, end: window.__dm.tEnd})")
    with record.lock:
        record.changes.append((marks["end"] - marks["click"]) / 1000)
    web.wait_map_painted(page, MAP)
    check("karte_land")
    time.sleep(rng.uniform(*think))
    paint("karte_by", web.page_url(url, "Karte", {"ebene": "municipality", "land": "09"}), MAP)
    time.sleep(rng.uniform(*think))
    step[0] = "rangliste"
    page.goto(web.page_url(url, "Rangliste"), wait_until="commit")
    web.wait_ready(page)
    with record.lock:
        record.loads.append(("rangliste", float(page.evaluate("window.__dm.tEnd")) / 1000))
    check("rangliste")
    time.sleep(rng.uniform(*think))
    paint("start", web.page_url(url, ""), None)
    time.sleep(rng.uniform(*think))


# --- the server ---------------------------------------------------------------------------------------

def build_database(mirror: Path, folder: Path) -> Path:
    db = folder / "digitalmonitor.duckdb"
    log(f"building a fresh database with demo data from {mirror} ...")
    started = time.monotonic()
    out = folder / "build.log"
    with open(out, "wb") as handle:
        cmd = [sys.executable, "-m", "etl", "build", "--demo", "--mirror", str(mirror), "--db", str(db)]
        done = subprocess.run(cmd, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        log(out.read_text(encoding="utf-8", errors="replace")[-3000:])
        raise SystemExit(f"the build failed (exit code {done.returncode})")
    log(f"built in {time.monotonic() - started:.0f} s: {db}")
    return db


@contextlib.contextmanager
def dashboard(db: Path, log_path: Path, port: int | None) -> Iterator[tuple[str, psutil.Process]]:
    """The dashboard on the harness's server (on `port` if given); yields its URL and its process."""
    before = {p.pid for p in psutil.Process().children()}
    with web.streamlit_server(ROOT / "dashboard.py", {"DIGITALMONITOR_DB": str(db)}, log_path, port=port) as url:
        started = [p for p in psutil.Process().children() if p.pid not in before]
        server = next((p for p in started if "streamlit" in " ".join(p.cmdline())), None)
        if server is None:
            raise RuntimeError("the streamlit server process was not found among this process's children")
        yield url, server


class Sampler(threading.Thread):
    """RSS and CPU of the server and its children every `interval` seconds."""

    def __init__(self, server: psutil.Process, interval: float = 0.2) -> None:
        super().__init__(daemon=True, name="sampler")
        self.server, self.interval = server, interval
        self.samples: list[tuple[float, float, float]] = []  # (monotonic time, rss bytes, cpu percent)
        self.stop = threading.Event()
        self._procs: dict[int, psutil.Process] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            rss = cpu = 0.0
            try:
                procs = [self.server, *self.server.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for proc in procs:
                known = self._procs.setdefault(proc.pid, proc)
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    rss += known.memory_info().rss
                    cpu += known.cpu_percent(None)  # since the last call (0 on the first)
            self.samples.append((time.monotonic(), rss, cpu))
            self.stop.wait(self.interval)

    def between(self, start: float, end: float) -> list[tuple[float, float, float]]:
        return [s for s in self.samples if start <= s[0] <= end]


# --- the run ------------------------------------------------------------------------------------------

def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def light_phase(url: str, args: argparse.Namespace, record: Record, deadline: float | None,
                      light: int, pool: list[str]) -> None:
    async def one(i: int) -> None:
        await asyncio.sleep(args.ramp * i / max(light, 1))
        walk = Walk(f"light{i + 1}", url, record, random.Random(args.seed + i), tuple(args.think), args.timeout,
                    pool, verbose=args.verbose, assets=args.assets)
        await walk.run(args.rounds, deadline)
        log(f"  light{i + 1} done")

    await asyncio.gather(*(one(i) for i in range(light)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions in all (default 20)")
    parser.add_argument("--browsers", type=int, default=1, help="of these, real chromium tabs (default 1)")
    parser.add_argument("--rounds", type=int, default=2, help="walks per session (default 2)")
    parser.add_argument("--duration", type=float, help="walk for this many seconds instead of --rounds")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"),
                        help="think time between steps, uniform in seconds (default 0.5 2.0)")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which the sessions start (default 2)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a rerun may take before it counts as "
                                                                      "a timeout (default 60)")
    parser.add_argument("--db", type=Path, help="published database of a build (default: build one now)")
    parser.add_argument("--mirror", type=Path, default=default_mirror(), help="source files for the build "
                                                                               "(default $DIGITALMONITOR_MIRROR "
                                                                               "or ../shared/data)")
    parser.add_argument("--port", type=int, help="port for the dashboard (default: a free one)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="measure from a cold server (no warm-up walk)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the walks")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here")
    parser.add_argument("--verbose", action="store_true", help="log every step of the light sessions")
    parser.add_argument("--screenshots", type=Path, help="save a screenshot here when a browser step fails")
    parser.add_argument("--no-assets", dest="assets", action="store_false",
                        help="light sessions do not fetch the maps' GeoJSON files (browsers fetch them once each)")
    args = parser.parse_args()
    browsers = max(0, min(args.browsers, args.sessions))
    light = args.sessions - browsers
    if browsers and web.chromium_path() is None:
        raise SystemExit("Debian's chromium is not installed (apt-get install chromium), or use --browsers 0")

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        db = args.db or build_database(args.mirror, folder)
        server_log = args.server_log or folder / "server.log"
        with dashboard(db, server_log, args.port) as (url, server):
            log(f"dashboard at {url} (pid {server.pid}); {light} light sessions, {browsers} browser(s)")
            sampler = Sampler(server)
            sampler.start()
            out = asyncio.run(run(url, args, light, browsers, sampler))
            sampler.stop.set()
            sampler.join()
        tail = server_log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        if out["errors"]:
            log("server log (last lines):\n" + "\n".join(tail))
    print(" ".join(f"{k}={v}" for k, v in out.items()))


async def run(url: str, args: argparse.Namespace, light: int, browsers: int, sampler: Sampler) -> dict[str, Any]:
    record = Record()
    pool: list[str] = []
    warmup_s = 0.0
    if args.warmup:
        log("warm-up: one light session walks every view once ...")
        started = time.monotonic()
        await Walk("warmup", url, Record(), random.Random(0), (0.0, 0.0), args.timeout * 3, pool,
                   measured=False, verbose=args.verbose).run(2, None)
        warmup_s = time.monotonic() - started
        log(f"warm-up took {warmup_s:.1f} s")

    start = time.monotonic()
    deadline = start + args.duration if args.duration else None
    log(f"load: {args.sessions} sessions, " + (f"{args.duration:.0f} s" if deadline else f"{args.rounds} round(s)"))
    threads = [threading.Thread(target=browser_session, name=f"browser{i + 1}",
                                args=(f"browser{i + 1}", url, record, args.rounds, deadline, tuple(args.think),
                                      args.seed + 1000 + i, args.screenshots), daemon=True)
               for i in range(browsers)]
    for thread in threads:
        thread.start()
    me = psutil.Process()
    client_cpu = me.cpu_times()
    await light_phase(url, args, record, deadline, light, pool)
    for thread in threads:
        await asyncio.to_thread(thread.join)
    end = time.monotonic()
    client_used = sum(me.cpu_times()[:2]) - sum(client_cpu[:2])
    return summary(args, record, sampler, start, end, light, browsers, warmup_s, client_used)


def summary(args: argparse.Namespace, record: Record, sampler: Sampler, start: float, end: float, light: int,
            browsers: int, warmup_s: float, client_cpu_s: float) -> dict[str, Any]:
    times = [s for _view, s in record.reruns]
    loaded = sampler.between(start, end)
    cpu = [c for _t, _rss, c in loaded[1:]]
    paints = [s for _view, s in record.paints]

    def f(value: float) -> str:
        return "nan" if value != value else f"{value:.3f}"  # noqa: PLR0124 - NaN check

    out: dict[str, Any] = {
        "sessions": args.sessions, "light": light, "browsers": browsers,
        "rounds": "-" if args.duration else args.rounds, "duration_s": f"{end - start:.1f}",
        "reruns": len(times), "p50_s": f(quantile(times, 0.5)), "p95_s": f(quantile(times, 0.95)),
        "max_s": f(max(times, default=float("nan"))), "errors": len(record.errors),
        "timeouts": record.timeouts, "disconnects": record.disconnects,
        "peak_rss_mb": f"{max((rss for _t, rss, _c in sampler.samples), default=0) / 2**20:.0f}",
        "cpu_peak_pct": f"{max(cpu, default=0):.0f}", "cpu_mean_pct": f"{statistics.fmean(cpu) if cpu else 0:.0f}",
        "client_cpu_pct": f"{100 * client_cpu_s / (end - start):.0f}",
        "mb_received": f"{record.bytes / 2**20:.0f}", "auto_reruns": len(record.auto),
        "asset_fetches": len(record.assets), "asset_p95_s": f(quantile(record.assets, 0.95)),
        "asset_max_s": f(max(record.assets, default=float("nan"))),
        "browser_paint_p50_s": f(quantile(paints, 0.5)), "browser_paint_max_s": f(max(paints, default=float("nan"))),
        "browser_change_p50_s": f(quantile(record.changes, 0.5)),
        "browser_rangliste_load_s": f(quantile([s for v, s in record.loads if v == "rangliste"], 0.5)),
        "browser_console_errors": record.console_errors, "warmup_s": f"{warmup_s:.1f}",
    }
    views = sorted({view for view, _s in record.reruns})
    for view in views:
        out[f"p95_{view}_s"] = f(quantile([s for v, s in record.reruns if v == view], 0.95))
    for view in sorted({view for view, _s in record.paints}):
        out[f"paint_{view}_max_s"] = f(max(s for v, s in record.paints if v == view))
    met = (float(out["p95_s"]) <= GOALS["p95_s"] and out["errors"] <= GOALS["errors"]
           and float(out["peak_rss_mb"]) <= GOALS["peak_rss_mb"])
    out["goals_met"] = "yes" if met else "no"
    for view in views:
        seconds = [s for v, s in record.reruns if v == view]
        log(f"  {view:<17} n={len(seconds):<4} p50={quantile(seconds, 0.5):.2f} s  p95={quantile(seconds, 0.95):.2f} s"
            f"  max={max(seconds):.2f} s")
    log(f"goals: p95 <= {GOALS['p95_s']} s, 0 errors, peak RSS <= {GOALS['peak_rss_mb']} MB: "
        f"{'met' if met else 'MISSED'}")
    return out


if __name__ == "__main__":
    main()
