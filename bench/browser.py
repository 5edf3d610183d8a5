"""Browser benchmark of the Karte: time until the map is painted, server time of a filter change, and the
websocket bytes of one rerun, against a naive map with the full GeoJSON inline.

    .venv/bin/python -m bench.browser [--db PUBLISHED_DB] [--mirror DIR] [--repeat N]

Without --db a fresh build (with demo data) is made in a temporary folder. Two Streamlit servers start
on free local ports: the dashboard on that build, and bench/naive_map.py (VG5000 GEM at full precision,
inline in a go.Choroplethmap, read from the mirror). Debian's chromium (software WebGL) drives both.

- cold_de_s, warm_de_s: navigation start -> the municipality map of Germany painted (Karte,
  ebene=municipality, land=DE); cold in a fresh browser context (empty cache), warm on a further
  navigation in the same context. cold_by_s, warm_by_s: the same for Bayern (land=09). The server's
  caches are warmed first, so "cold" is the browser's cold start. Medians of N; the report also gives
  when the map element appeared and when the script run finished.
- filter_change_s: click on another state in the Land selectbox -> the script run has finished (the
  app's script state back at notRunning), median of N switches; script_run_s: that run as the browser
  sees it (running -> notRunning); filter_map_frame_s and filter_frames_s: click -> the websocket frame
  with the new map (or the reference to it when the browser has it cached: Streamlit sends a seen
  element of more than 10 kB as a hash), and -> the rerun's last frame (as the browser's network
  layer hands them to Playwright). All of these include the browser competing for the CPU with the server;
  server_filter_change_s is the same switch without a browser (streamlit.testing AppTest in this
  process), server_de_rerun_s the recolouring rerun below.
- rerun_ws_bytes: websocket bytes received for one rerun that recolours the all-Germany municipality map
  (Kennzahl changed), the whole page (map, table, captions); naive_rerun_ws_bytes: the same for the
  naive page (Wert changed; it has nothing but the map); ratio = the two. The report splits ours into
  map and table (ForwardMsgs decoded). filter_ws_bytes: bytes of one state switch.

- naive_cold_by_s, naive_warm_by_s: the naive inline map of Bayern alone (bench/naive_map.py?land=09, MapLibre,
  as the Karte was drawn until issue 16), measured like cold_by_s / warm_by_s; by_paint_ratio = warm_by_s /
  naive_warm_by_s (side by side in one run). naive_svg_warm_by_s, by_svg_paint_ratio: the same against the
  naive inline GeoJSON drawn as SVG, as the dashboard draws its maps (naive_map.py?land=09&svg=1).

Goals: warm_de_s <= 1.5, filter_change_s <= 0.5, ratio <= 0.4, by_paint_ratio <= 0.4.
These are measurements, not assertions.
Ends with one line: cold_de_s=... warm_de_s=... cold_by_s=... warm_by_s=... filter_change_s=...
script_run_s=... filter_map_frame_s=... filter_frames_s=... server_filter_change_s=... server_de_rerun_s=...
filter_ws_bytes=... rerun_ws_bytes=... naive_rerun_ws_bytes=... naive_cold_de_s=... ratio=... naive_cold_by_s=...
naive_warm_by_s=... by_paint_ratio=... naive_svg_warm_by_s=... by_svg_paint_ratio=...
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from devtools import browser as web
from etl.build import run_build
from etl.context import BuildOptions
from etl.sources.files import MIRROR_ENV

ROOT = Path(__file__).resolve().parent.parent

MAP = ".st-key-karte_map"
NAIVE_MAP = ".st-key-naive_map"
DE = {"ebene": "municipality", "land": "DE", "kennzahl": "total"}
BY = {"ebene": "municipality", "land": "09", "kennzahl": "total"}
GOALS = {"warm_de_s": 1.5, "filter_change_s": 0.5, "ratio": 0.4, "by_paint_ratio": 0.4}


def default_mirror() -> Path:
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else ROOT.parent / "shared" / "data"


class Bytes:
    """Websocket bytes a page receives, summed from a reset, also per kind of Streamlit element."""

    def __init__(self, page: Any) -> None:
        self.frames: list[bytes] = []
        self.times: list[float] = []  # time.perf_counter() of each frame, as Playwright reports it
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: bytes | str) -> None:
        self.times.append(time.perf_counter())
        self.frames.append(payload.encode("utf-8") if isinstance(payload, str) else payload)

    def reset(self) -> None:
        self.frames.clear()
        self.times.clear()

    @property
    def last(self) -> float:
        return self.times[-1] if self.times else float("nan")

    def first_of(self, *kinds: str) -> float:
        """Time of the first frame of one of the kinds (element type such as 'plotly_chart', or 'ref_hash')."""
        for when, kind in zip(self.times, self._kinds(), strict=True):
            if kind in kinds:
                return when
        return float("nan")

    @property
    def total(self) -> int:
        return sum(len(f) for f in self.frames)

    def by_element(self) -> dict[str, int]:
        """Bytes per element type of the ForwardMsgs (new_element deltas; everything else as 'other')."""
        out: dict[str, int] = {}
        for frame, kind in zip(self.frames, self._kinds(), strict=True):
            out[kind] = out.get(kind, 0) + len(frame)
        return out

    def _kinds(self) -> list[str]:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        kinds = []
        for frame in self.frames:
            msg = ForwardMsg()
            kind = "other"
            try:
                msg.ParseFromString(frame)
                if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    kind = msg.delta.new_element.WhichOneof("type") or "other"
                elif msg.WhichOneof("type") == "ref_hash":  # an element the browser has cached already
                    kind = "ref_hash"
            except Exception:  # noqa: BLE001, S110 - a frame that is no ForwardMsg counts as other
                pass
            kinds.append(kind)
        return kinds


FIRST_KEY_JS = "document.querySelector(root + ' .js-plotly-plot').data[0].locations[0].slice(0, 2)"
MAP_CREATED_JS = f"(root) => ({web.MAP_FOUND_JS})(root) ? performance.now() : false"


def painted_after_navigation(page: Any, url: str, root: str) -> dict[str, float]:
    """Seconds from navigation start (the page's time origin) to: the map element created, the map
    painted ('painted'), and the page's script run finished."""
    page.goto(url, wait_until="commit")
    created = float(page.wait_for_function(MAP_CREATED_JS, arg=root, polling=10).json_value()) / 1000
    painted = web.wait_map_painted(page, root)
    web.wait_ready(page)
    script_end = float(page.evaluate("window.__dm.tEnd")) / 1000
    return {"map_created": created, "painted": painted, "script_end": script_end}


def navigation_times(browser: Any, url: str, root: str, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Medians of the marks of cold loads (a fresh context each) and of warm loads (in the last one)."""
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _ in range(repeat):
        context = web.new_context(browser)
        page = context.new_page()
        cold.append(painted_after_navigation(page, url, root))
        if len(cold) == repeat:
            for _ in range(repeat):
                warm.append(painted_after_navigation(page, url, root))
        context.close()

    def median(marks: list[dict[str, float]]) -> dict[str, float]:
        return {k: statistics.median(m[k] for m in marks) for k in marks[0]}

    return median(cold), median(warm)


def rerun(page: Any, counter: Bytes, widget_key: str, option: str) -> dict[str, float]:
    """Pick a selectbox option; return the seconds from the click to the run finished in the page
    ('change'), of the run itself as the page sees it ('run'), from the click to the last websocket
    frame of the rerun as the browser's network layer hands it to Playwright ('frames'), and the
    websocket bytes of the rerun ('bytes')."""
    page.locator(f".st-key-{widget_key} button[aria-haspopup='listbox']").first.click()
    option_box = page.get_by_role("option", name=option, exact=True)
    option_box.wait_for()
    before = web.runs_finished(page)
    counter.reset()
    clicked = time.perf_counter()
    option_box.click()
    web.wait_rerun(page, before)
    marks = page.evaluate("({click: window.__dm.tClick, start: window.__dm.tStart, end: window.__dm.tEnd})")
    return {"change": (marks["end"] - marks["click"]) / 1000, "run": (marks["end"] - marks["start"]) / 1000,
            "frames": counter.last - clicked, "map_frame": counter.first_of("plotly_chart", "ref_hash") - clicked,
            "bytes": counter.total}


def measure(browser: Any, app: str, naive: str, repeat: int) -> dict[str, float]:
    de, by = web.page_url(app, "Karte", DE), web.page_url(app, "Karte", BY)
    # warm the server's caches (queries, shapes file) so that "cold" is the browser's cold start
    context = web.new_context(browser)
    page = context.new_page()
    for url in (de, by):
        web.open_app(page, url)
    context.close()

    out: dict[str, float] = {}
    for name, url in (("de", de), ("by", by)):
        cold, warm = navigation_times(browser, url, MAP, repeat)
        out[f"cold_{name}_s"], out[f"warm_{name}_s"] = cold["painted"], warm["painted"]
        for mark in ("map_created", "script_end"):
            out[f"cold_{name}_{mark}_s"], out[f"warm_{name}_{mark}_s"] = cold[mark], warm[mark]

    context = web.new_context(browser)
    page = context.new_page()
    counter = Bytes(page)
    web.open_app(page, by)
    web.wait_map_painted(page, MAP)
    switches = []
    for i in range(repeat * 2):
        target, prefix = ("Baden-Württemberg", "08") if i % 2 == 0 else ("Bayern", "09")
        switches.append(rerun(page, counter, "karte_land", target))
        # let the browser finish drawing the new state before the next switch (it shares the CPU)
        page.wait_for_function(f"(root) => ({web.PAINTED_JS})(root) && {FIRST_KEY_JS} === '{prefix}'", arg=MAP,
                               polling=50)
    out["filter_change_s"] = statistics.median(m["change"] for m in switches)
    out["filter_change_max_s"] = max(m["change"] for m in switches)
    out["script_run_s"] = statistics.median(m["run"] for m in switches)
    out["filter_frames_s"] = statistics.median(m["frames"] for m in switches)
    out["filter_map_frame_s"] = statistics.median(m["map_frame"] for m in switches)
    out["filter_ws_bytes"] = statistics.median(m["bytes"] for m in switches)

    # one recolouring rerun of the all-Germany municipality map: ours and the naive one
    web.open_app(page, de)
    web.wait_map_painted(page, MAP)
    ours = rerun(page, counter, "karte_kennzahl", "kommunale Online-Verfahren")["bytes"]
    ours_by = counter.by_element()
    web.wait_map_painted(page, MAP)
    context.close()

    context = web.new_context(browser)
    page = context.new_page()
    counter = Bytes(page)
    out["naive_cold_de_s"] = painted_after_navigation(page, naive, NAIVE_MAP)["painted"]
    # the default Bayern map against the naive inline map of the same area, measured the same way
    naive_cold_by, naive_warm_by = navigation_times(browser, f"{naive}/?land=09", NAIVE_MAP, repeat)
    out["naive_cold_by_s"], out["naive_warm_by_s"] = naive_cold_by["painted"], naive_warm_by["painted"]
    out["by_paint_ratio"] = out["warm_by_s"] / out["naive_warm_by_s"]
    # like with like: the same inline GeoJSON drawn as an SVG map, as the dashboard draws its maps
    out["naive_svg_warm_by_s"] = navigation_times(browser, f"{naive}/?land=09&svg=1", NAIVE_MAP, repeat)[1]["painted"]
    out["by_svg_paint_ratio"] = out["warm_by_s"] / out["naive_svg_warm_by_s"]
    theirs = rerun(page, counter, "naive_measure", "Zufall")["bytes"]
    theirs_by = counter.by_element()
    web.wait_map_painted(page, NAIVE_MAP)
    context.close()

    out["rerun_ws_bytes"] = ours
    out["naive_rerun_ws_bytes"] = theirs
    out["ratio"] = ours / theirs if theirs else float("nan")
    out["rerun_map_ws_bytes"] = ours_by.get("plotly_chart", 0)
    out["rerun_table_ws_bytes"] = ours_by.get("arrow_data_frame", 0) + ours_by.get("dataframe", 0)
    out["naive_rerun_map_ws_bytes"] = theirs_by.get("plotly_chart", 0)
    out["map_ratio"] = out["rerun_map_ws_bytes"] / out["naive_rerun_map_ws_bytes"] if theirs else float("nan")
    return out


def server_times(published: Path, repeat: int) -> dict[str, float]:
    """Script run times of the Karte page without a browser (streamlit.testing AppTest, in this process):
    the same state switch as in the browser, and the recolouring rerun of the all-Germany map."""
    from streamlit.testing.v1 import AppTest

    os.environ["DIGITALMONITOR_DB"] = str(published)
    app = AppTest.from_file(str(ROOT / "pages" / "1_Karte.py"), default_timeout=300)
    app.run()
    if app.exception:
        raise RuntimeError(f"Karte failed in AppTest: {app.exception[0].message}")

    def timed(key: str, value: str) -> float:
        app.selectbox(key=key).set_value(value)
        start = time.perf_counter()
        app.run()
        return time.perf_counter() - start

    timed("karte_land", "08")  # first visit of each state fills the page's caches
    timed("karte_land", "09")
    switches = [timed("karte_land", "08" if i % 2 == 0 else "09") for i in range(repeat * 2)]
    timed("karte_land", "DE")
    recolour = timed("karte_kennzahl", "municipal")
    return {"server_filter_change_s": statistics.median(switches), "server_de_rerun_s": recolour}


def run(published: Path, mirror: Path, repeat: int, logs: Path) -> None:
    from playwright.sync_api import sync_playwright

    env = {"DIGITALMONITOR_DB": str(published), MIRROR_ENV: str(mirror)}
    with ExitStack() as stack:
        app = stack.enter_context(web.streamlit_server(ROOT / "dashboard.py", env, logs / "app.log"))
        naive = stack.enter_context(web.streamlit_server(ROOT / "bench" / "naive_map.py", env, logs / "naive.log"))
        playwright = stack.enter_context(sync_playwright())
        browser = web.launch(playwright)
        stack.callback(browser.close)
        out = measure(browser, app, naive, repeat)
    out.update(server_times(published, repeat))

    for name, goal in GOALS.items():
        print(f"{name}: {out[name]:.3g} (goal <= {goal}) {'met' if out[name] <= goal else 'MISSED'}")
    for name in ("cold_de", "warm_de", "cold_by", "warm_by"):
        print(f"{name}: map element after {out[name + '_map_created_s']:.2f} s, painted after "
              f"{out[name + '_s']:.2f} s, script run finished after {out[name + '_script_end_s']:.2f} s")
    print(f"Bayern, warm: ours (per-Land shape file) painted after {out['warm_by_s']:.2f} s, naive inline map of "
          f"Bayern {out['naive_warm_by_s']:.2f} s (cold {out['cold_by_s']:.2f} s vs {out['naive_cold_by_s']:.2f} s): "
          f"ratio {out['by_paint_ratio']:.2f}; the naive inline GeoJSON as SVG {out['naive_svg_warm_by_s']:.2f} s: "
          f"ratio {out['by_svg_paint_ratio']:.2f}")
    print(f"naive map, cold, all of Germany: painted after {out['naive_cold_de_s']:.2f} s; state switch: "
          f"{out['filter_ws_bytes']:,.0f} bytes, slowest {out['filter_change_max_s']:.2f} s")
    print(f"recolouring rerun, all-Germany municipalities: map {out['rerun_map_ws_bytes']:,.0f} bytes, table "
          f"{out['rerun_table_ws_bytes']:,.0f} bytes, all {out['rerun_ws_bytes']:,.0f} bytes; naive map "
          f"{out['naive_rerun_map_ws_bytes']:,.0f} bytes (map alone: ratio {out['map_ratio']:.3f})")
    print(f"state switch in the browser: click -> the new map's websocket frame {out['filter_map_frame_s']:.3f} s, "
          f"-> last frame of the rerun {out['filter_frames_s']:.3f} s, -> run finished in the page "
          f"{out['filter_change_s']:.3f} s")
    print(f"without a browser (AppTest): state switch {out['server_filter_change_s']:.3f} s, recolouring the "
          f"all-Germany municipality map {out['server_de_rerun_s']:.3f} s")
    keys = ("cold_de_s", "warm_de_s", "cold_by_s", "warm_by_s", "filter_change_s", "script_run_s",
            "filter_map_frame_s", "filter_frames_s", "server_filter_change_s", "server_de_rerun_s",
            "filter_ws_bytes", "rerun_ws_bytes", "naive_rerun_ws_bytes", "naive_cold_de_s", "ratio",
            "naive_cold_by_s", "naive_warm_by_s", "by_paint_ratio", "naive_svg_warm_by_s", "by_svg_paint_ratio")
    print(" ".join(f"{k}={out[k]:.0f}" if k.endswith("bytes") else f"{k}={out[k]:.3f}" for k in keys))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="published database of a build (default: build one now)")
    parser.add_argument("--mirror", type=Path, default=default_mirror(), help="folder with the source files")
    parser.add_argument("--repeat", type=int, default=3, help="loads and switches per figure (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder:
        published = args.db
        if published is None:
            published = run_build(BuildOptions(db=Path(folder) / "digitalmonitor.duckdb", mirror=args.mirror,
                                               demo=True)).published
        run(published, args.mirror, args.repeat, Path(folder))


if __name__ == "__main__":
    main()
