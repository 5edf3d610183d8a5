"""Shared browser helpers for the end-to-end tests (tests/browser) and the browser benchmark (bench/browser.py).

Facts these helpers rest on (see STYLE.md, "Browser facts on these machines"):
- Debian's chromium with software WebGL (SwiftShader) paints MapLibre maps; Playwright cannot download
  its own browser here.
- Streamlit is ready when `stApp` reports `data-test-connection-state="CONNECTED"` and the script state
  is `notRunning`. A rerun is counted by watching that attribute (init script below), so a wait never
  mistakes the state before the rerun for the state after it.
- A plotly map (plotly.js 3, trace `choroplethmap`) lives in `gd._fullLayout.map._subplot.map` (a
  MapLibre `Map`); it is painted when the map is `loaded()`, not moving, its tiles are loaded, the
  trace's fill layer exists with its source loaded, and features are rendered.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "pages"
SCREENSHOTS = ROOT / "tests" / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 120_000  # software WebGL on a busy two-core machine: a full map takes 5-20 s, more under load

CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
NOT_RUNNING = '[data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'


def chromium_path() -> str | None:
    """Debian's chromium (the only browser these machines can run)."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def launch(playwright: Any) -> Any:
    """Launch Debian's chromium with software WebGL."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium not found (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


# --- the Streamlit server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_responds(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Poll a URL until it answers 200 (or the process dies, or the time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before answering {url}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(script: Path, env: dict[str, str], log_path: Path,
                     extra_args: Sequence[str] = ()) -> Iterator[str]:
    """Run `streamlit run SCRIPT` on a free local port; yield its base URL; terminate it afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false", *extra_args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_responds(f"{base}/_stcore/health", proc)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


# --- pages ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppPage:
    """One page of the app: its title in the navigation and its URL path."""

    script: str
    name: str  # the URL path ("" for the start page)

    @property
    def label(self) -> str:
        return self.name.replace("_", " ") or "Start"


def app_pages() -> list[AppPage]:
    """The start page and every other page, in navigation order: the `st.Page(...)` entries of dashboard.py
    (script path, url_path, title), or, without st.navigation, the files in pages/ (Streamlit's own
    naming rules)."""
    from streamlit.source_util import page_icon_and_name, page_sort_key

    declared = declared_pages()
    if declared:
        return [AppPage(script, name) for script, name, _title in declared]
    scripts = sorted((p for p in PAGES_DIR.glob("*.py") if not p.name.startswith("_")), key=page_sort_key)
    return [AppPage("dashboard.py", "")] + [AppPage(p.name, page_icon_and_name(p)[1]) for p in scripts]


def declared_pages() -> list[tuple[str, str, str]]:
    """(script, URL path, title) of each `st.Page(...)` in dashboard.py; the default page has path ""."""
    import ast

    from streamlit.source_util import page_icon_and_name

    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "Page"):
            continue
        kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        target = node.args[0] if node.args else None
        script = target.value if isinstance(target, ast.Constant) else "dashboard.py"
        if kw.get("default"):
            name = ""
        else:
            name = str(kw.get("url_path") or page_icon_and_name(Path(script))[1])
        out.append((script, name, str(kw.get("title", name))))
    return out


def page_script(name_part: str) -> Path | None:
    """The script of the page whose file name contains name_part (e.g. 'Karte'), if it exists yet."""
    for page in app_pages():
        path = ROOT / page.script
        if name_part.lower() in path.stem.lower() and path.exists():
            return path
    return None


def page_url(base: str, page: AppPage | str, query: dict[str, str] | None = None) -> str:
    from urllib.parse import quote, urlencode

    name = page.name if isinstance(page, AppPage) else page
    url = f"{base}/{quote(name)}"
    return f"{url}?{urlencode(query)}" if query else url


# --- console and exceptions -------------------------------------------------------------------------

NOISE = re.compile(r"ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_ADDRESS_UNREACHABLE"
                   r"|metrics|GL Driver Message|WebGL", re.IGNORECASE)

# Opening a page by its own URL (/Karte), Streamlit's client first probes /Karte/_stcore/health and
# /Karte/_stcore/host-config to find its base path; the 404s are expected.
PROBE = re.compile(r"^/[^/]+/_stcore/(health|host-config)$")


@dataclass
class Console:
    """Error-level console messages and uncaught page errors, without chromium's network noise."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        text = msg.text
        where = (msg.location or {}).get("url", "")
        host = urlsplit(where).hostname or ""
        external = bool(host) and host not in ("127.0.0.1", "localhost")
        if NOISE.search(text) or external or PROBE.search(urlsplit(where).path):
            return
        self.errors.append(f"{text} ({where})")


# --- script runs ------------------------------------------------------------------------------------

# Counts script runs by watching the attribute Streamlit's e2e tests use. Mutation records carry the old
# value, so a run that starts and ends between two observer callbacks is still counted. Times are
# performance.now() (ms since this document's navigation started); tClick is the last click.
INIT_SCRIPT = """
(() => {
  const s = window.__dm = {started: 0, finished: 0, tStart: 0, tEnd: 0, tClick: 0, state: null};
  document.addEventListener('click', () => { s.tClick = performance.now(); }, true);
  const attr = 'data-test-script-state';
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type !== 'attributes' || r.attributeName !== attr) continue;
      if (r.oldValue === 'running') { s.finished++; s.tEnd = performance.now(); }
    }
    const el = document.querySelector('[' + attr + ']');
    const now = el ? el.getAttribute(attr) : null;
    if (now === 'running' && s.state !== 'running') { s.started++; s.tStart = performance.now(); }
    s.state = now;
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true,
                        attributeFilter: [attr]});
})();
"""


def new_context(browser: Any, **kwargs: Any) -> Any:
    """A fresh browser context (empty cache) with the run counter installed."""
    context = browser.new_context(viewport=kwargs.pop("viewport", VIEWPORT), locale="de-DE", **kwargs)
    context.add_init_script(INIT_SCRIPT)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# settled: a run after n has finished, nothing is stale (left from before the run), and no element still
# shows the skeleton Streamlit draws while an element's code chunk loads (lazily, on first use)
SETTLED_JS = """(n) => window.__dm && window.__dm.finished > n &&
                !!document.querySelector('[data-test-script-state="notRunning"]') &&
                !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')"""


def wait_ready(page: Any) -> None:
    """Connected, a script run has finished since the document loaded, and the page has settled."""
    page.wait_for_selector(CONNECTED, timeout=TIMEOUT_MS)
    page.wait_for_selector(NOT_RUNNING, timeout=TIMEOUT_MS)
    page.wait_for_function(SETTLED_JS, arg=0, timeout=TIMEOUT_MS, polling=20)


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def runs_finished(page: Any) -> int:
    return int(page.evaluate("window.__dm ? window.__dm.finished : 0"))


def wait_rerun(page: Any, finished_before: int) -> None:
    """Wait until a script run after `finished_before` has ended and nothing runs any more."""
    page.wait_for_function(SETTLED_JS, arg=finished_before, timeout=TIMEOUT_MS, polling=20)


def reopen(browser: Any, link: str, capture: Any) -> tuple[Any, ...]:
    """Open a copied permalink in a fresh browser context (empty cache, no session) and return what
    `capture(page)` reads there; the page must keep the link and show no error."""
    other = new_context(browser)
    try:
        fresh = other.new_page()
        fresh_console = Console()
        fresh_console.attach(fresh)
        open_app(fresh, link)
        restored = capture(fresh)
        assert fresh.url == link
        assert exceptions(fresh) == [] and fresh_console.errors == []
        return restored
    finally:
        other.close()


def exceptions(page: Any) -> list[str]:
    return [el.inner_text() for el in page.query_selector_all(EXCEPTION)]


# --- maps -------------------------------------------------------------------------------------------

# `root` narrows the search to a keyed element (e.g. '.st-key-karte_map'); the first plotly graph div
# holding a MapLibre subplot wins.
_FIND_MAP = """
const findMap = (root) => {
  const scope = root ? document.querySelector(root) : document;
  if (!scope) return null;
  for (const gd of scope.querySelectorAll('.js-plotly-plot')) {
    const fl = gd._fullLayout;
    if (!fl) continue;
    for (const k of Object.keys(fl)) {
      if (/^map\\d*$/.test(k) && fl[k] && fl[k]._subplot && fl[k]._subplot.map) {
        return {gd, map: fl[k]._subplot.map};
      }
    }
  }
  return null;
};
// the fill layer of each choroplethmap trace (app/maps.py draws all regions in one trace; its legend
// entries are empty scattermap traces, which add no fill layer)
const fillLayers = (map) => map.getStyle().layers.filter((l) => l.type === 'fill' && l.id.startsWith('plotly-trace'));
"""


def _with_helpers(function: str) -> str:
    """A JS expression evaluating to `function`, with findMap and fillLayers in scope."""
    return f"(() => {{ {_FIND_MAP} return {function.strip()}; }})()"


PAINTED_JS = _with_helpers("""
(root) => {
  const found = findMap(root);
  if (!found) return false;
  const m = found.map;
  if (!m.loaded() || m.isMoving() || !m.areTilesLoaded()) return false;
  const fills = fillLayers(m);
  return fills.length > 0 && fills.every((l) => m.isSourceLoaded(l.source)) &&
         m.queryRenderedFeatures({layers: fills.map((l) => l.id)}).length > 0;
}
""")

MAP_STATS_JS = _with_helpers("""
(root) => {
  const {gd, map} = findMap(root);
  const rendered = map.queryRenderedFeatures({layers: fillLayers(map).map((l) => l.id)});
  // plotly puts each location's centroid into the feature properties ('ct'): one key per location,
  // while a polygon cut by tile borders comes back in several pieces.
  const unique = new Set(rendered.map((f) => JSON.stringify(f.properties.ct)));
  const traces = gd.data.filter((t) => t.type === 'choroplethmap');
  const canvas = map.getCanvas().getBoundingClientRect();
  return {
    locations: traces.reduce((n, t) => n + (t.locations ? t.locations.length : 0), 0),
    // locations plotly can draw: those with a value (a NaN z gets no polygon at all)
    with_value: gd.calcdata.filter((cd) => cd[0] && cd[0].trace.type === 'choroplethmap')
                  .reduce((n, cd) => n + cd.filter((c) => c.ct !== undefined).length, 0),
    rendered_features: unique.size,
    geojson: traces.length && typeof traces[0].geojson === 'string' ? traces[0].geojson : null,
    canvas: {x: canvas.x, y: canvas.y, width: canvas.width, height: canvas.height},
    center: map.getCenter(), zoom: map.getZoom(),
  };
}
""")

PROJECT_JS = _with_helpers("""
([root, lon, lat]) => {
  const {map} = findMap(root);
  const p = map.project([lon, lat]);
  const r = map.getCanvas().getBoundingClientRect();
  return {x: r.x + p.x, y: r.y + p.y};
}
""")

FIGURE_JS = """
(root) => {
  const scope = root ? document.querySelector(root) : document;
  const gd = scope && scope.querySelector('.js-plotly-plot');
  if (!gd || !gd.data) return null;
  const list = (v) => (v === undefined || v === null ? null : Array.from(v));
  return gd.data.map((t) => ({type: t.type, name: t.name === undefined ? null : t.name,
                              locations: list(t.locations), z: list(t.z), x: list(t.x), y: list(t.y),
                              text: Array.isArray(t.text) ? list(t.text) : t.text === undefined ? null : t.text}));
}
"""


LEGEND_JS = """
(root) => {
  const scope = root ? document.querySelector(root) : document;
  const gd = scope && scope.querySelector('.js-plotly-plot');
  if (!gd) return null;
  return Array.from(gd.querySelectorAll('.legend .traces')).map((item) => {
    const point = item.querySelector('.legendpoints path');
    return {text: (item.querySelector('.legendtext') || {}).textContent || '',
            colour: point ? getComputedStyle(point).fill : null};
  });
}
"""


def legend_items(page: Any, root: str | None = None) -> list[dict[str, Any]] | None:
    """The legend entries the browser shows (text and fill colour of the symbol), in order."""
    return page.evaluate(LEGEND_JS, root)


def wait_map_painted(page: Any, root: str | None = None, timeout: float = TIMEOUT_MS) -> float:
    """Wait until the map is painted; return when (seconds since this document's navigation started)."""
    handle = page.wait_for_function(f"(root) => ({PAINTED_JS})(root) ? performance.now() : false",
                                    arg=root, timeout=timeout, polling=20)
    return float(handle.json_value()) / 1000


def map_stats(page: Any, root: str | None = None) -> dict[str, Any]:
    return dict(page.evaluate(MAP_STATS_JS, root))


def project(page: Any, lon: float, lat: float, root: str | None = None) -> tuple[float, float]:
    point = page.evaluate(PROJECT_JS, [root, lon, lat])
    return float(point["x"]), float(point["y"])


def figure_data(page: Any, root: str | None = None) -> list[dict[str, Any]] | None:
    return page.evaluate(FIGURE_JS, root)


def map_canvas(page: Any, root: str | None = None) -> Any:
    scope = f"{root} " if root else ""
    return page.locator(f"{scope}.js-plotly-plot canvas.maplibregl-canvas").first


def coloured_share(png: bytes, min_saturation: int = 40) -> tuple[float, float]:
    """(share of clearly coloured pixels, share of pixels that are neither white nor grey) of a PNG.

    Coloured: max(r, g, b) - min(r, g, b) >= min_saturation (every colour of the Viridis scale is);
    white background, grey 'no data' fills and white borders are not.
    """
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    white = (rgb > 245).all(axis=2)
    return float((spread >= min_saturation).mean()), float((~white).mean())


# --- screenshots ------------------------------------------------------------------------------------

def full_screenshot(page: Any, path: Path, maps_root: str | None = None) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so grow the viewport to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = int(page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]') ||
                             document.querySelector('[data-testid="stAppViewContainer"]');
                   return m ? m.scrollHeight : document.body.scrollHeight; }"""))
    size = page.viewport_size or VIEWPORT
    grown = max(size["height"], min(height + 40, 6000))
    if grown != size["height"]:
        page.set_viewport_size({"width": size["width"], "height": grown})
    try:
        if page.query_selector(".js-plotly-plot canvas.maplibregl-canvas"):
            wait_map_painted(page, maps_root)
        page.screenshot(path=str(path))
    finally:
        if grown != size["height"]:
            page.set_viewport_size(size)


# --- widgets (Streamlit renders `key=` as the CSS class st-key-<key>) --------------------------------

def key(name: str) -> str:
    return f".st-key-{name}"


def choose(page: Any, widget_key: str, option: str, search: str | None = None) -> None:
    """Pick an option of a selectbox (a react-aria combobox in Streamlit 1.67) by its visible text;
    `search` is typed first to filter a long list."""
    if search:
        box = page.locator(f"{key(widget_key)} input[role='combobox']").first
        box.click()
        box.fill(search)
    else:
        page.locator(f"{key(widget_key)} button[aria-haspopup='listbox']").first.click()
    page.get_by_role("option", name=option, exact=True).click()


def selectbox_value(page: Any, widget_key: str) -> str:
    return str(page.locator(f"{key(widget_key)} input[role='combobox']").first.input_value())


def change_and_rerun(page: Any, widget_key: str, option: str, search: str | None = None) -> None:
    """Pick a selectbox option and wait for the rerun it starts to finish."""
    before = runs_finished(page)
    choose(page, widget_key, option, search)
    wait_rerun(page, before)


def widget_values(page: Any, keys: Sequence[str]) -> dict[str, str]:
    """The visible text of keyed widgets: label, shown text and the values of their inputs."""
    return {k: page.locator(key(k)).first.evaluate(
        "el => [el.innerText.trim(), ...Array.from(el.querySelectorAll('input'), (i) => i.value)].join(' | ')")
        for k in keys}


def download_csv(page: Any, button_key: str) -> bytes:
    """The file behind a keyed download button (opening the expander around it if needed)."""
    button = page.locator(f"{key(button_key)} button").first
    if not button.is_visible():
        page.locator("details", has=page.locator(key(button_key))).locator("summary").first.click()
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()
