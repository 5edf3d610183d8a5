"""A plotly map (an SVG geo subplot) in the page: painted or not, what it drew, where a place is, what the legend says,
and a full-page screenshot that waits for the maps."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from devtools.browser.chromium import TIMEOUT_MS, VIEWPORT

# --- maps -------------------------------------------------------------------------------------------

# `root` narrows the search to a keyed element (e.g. '.st-key-karte_map'); the first plotly graph div
# holding a geo subplot (app/figures/layout.map_layout: every map of the app is an SVG map) wins. The naive
# map of bench/naive_map.py is a MapLibre map (`libre`: plotly's `map` subplot).
_FIND_MAP = """
const findMap = (root) => {
  const scope = root ? document.querySelector(root) : document;
  if (!scope) return null;
  for (const gd of scope.querySelectorAll('.js-plotly-plot')) {
    const fl = gd._fullLayout;
    if (fl && fl.geo && fl.geo._subplot) return {gd, geo: fl.geo._subplot};
    if (fl && fl.map && fl.map._subplot && fl.map._subplot.map) return {gd, libre: fl.map._subplot.map};
  }
  return null;
};
// the choropleth traces' calcdata: one entry per location; plotly gives an entry whose shape it found in the
// GeoJSON its feature ('geojson') and centroid ('ct'), and draws one path per such entry
const shapeCalcdata = (gd) => (gd.calcdata || []).filter((cd) => cd[0] && cd[0].trace.type === 'choropleth');
const shapePaths = (gd) => Array.from(gd.querySelectorAll('.geo path.choroplethlocation'));
// a path outside the visible area (the map moved or zoomed) has an empty outline
const drawnPaths = (gd) => shapePaths(gd).filter((p) => (p.getAttribute('d') || '').length > 1);
"""


def _with_helpers(function: str) -> str:
    """A JS expression evaluating to `function`, with the helpers above in scope."""
    return f"(() => {{ {_FIND_MAP} return {function.strip()}; }})()"


# painted: the shapes are fetched (every location with a shape has its feature) and each has its path; a
# MapLibre map: loaded, not moving, its tiles and the fill layers' sources loaded, features rendered
PAINTED_JS = _with_helpers("""
(root) => {
  const found = findMap(root);
  if (!found) return false;
  const m = found.libre;
  if (m) {
    if (!m.loaded() || m.isMoving() || !m.areTilesLoaded()) return false;
    const fills = m.getStyle().layers.filter((l) => l.type === 'fill' && l.id.startsWith('plotly-trace'));
    return fills.length > 0 && fills.every((l) => m.isSourceLoaded(l.source)) &&
           m.queryRenderedFeatures({layers: fills.map((l) => l.id)}).length > 0;
  }
  const cds = shapeCalcdata(found.gd);
  if (!cds.length) return false;
  const shapes = cds.reduce((n, cd) => n + cd.filter((c) => c.geojson).length, 0);
  // plotly binds each path to its calcdata entry; an entry without a shape gets an empty path as well
  const withShape = shapePaths(found.gd).filter((p) => p.__data__ && p.__data__.geojson).length;
  return shapes > 0 && withShape >= shapes && drawnPaths(found.gd).length > 0;
}
""")

MAP_STATS_JS = _with_helpers("""
(root) => {
  const {gd, geo} = findMap(root);
  const traces = gd.data.filter((t) => t.type === 'choropleth');
  const area = geo.bgRect.node().getBoundingClientRect();
  return {
    locations: traces.reduce((n, t) => n + (t.locations ? t.locations.length : 0), 0),
    // locations plotly can draw: those whose shape is in the GeoJSON
    with_value: shapeCalcdata(gd).reduce((n, cd) => n + cd.filter((c) => c.ct !== undefined).length, 0),
    rendered_features: drawnPaths(gd).length,
    geojson: traces.length && typeof traces[0].geojson === 'string' ? traces[0].geojson : null,
    canvas: {x: area.x, y: area.y, width: area.width, height: area.height},
  };
}
""")

# a point's place on the page: the projection gives SVG user coordinates of the layer holding the paths
PROJECT_JS = _with_helpers("""
([root, lon, lat]) => {
  const {gd, geo} = findMap(root);
  const [px, py] = geo.projection([lon, lat]);
  const layer = gd.querySelector('.geo path.choroplethlocation') || geo.bgRect.node();
  const svg = layer.ownerSVGElement;
  const point = svg.createSVGPoint();
  point.x = px;
  point.y = py;
  const screen = point.matrixTransform(layer.parentNode.getScreenCTM());
  return {x: screen.x, y: screen.y};
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


# the browser has drawn what the document holds once two animation frames have passed
NEXT_FRAMES_JS = ("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame("
                  "() => r(performance.now()))))")


def wait_map_painted(page: Any, root: str | None = None, timeout: float = TIMEOUT_MS) -> float:
    """Wait until the map is painted; return when (seconds since this document's navigation started): two
    animation frames after the map's paths (SVG) or rendered features (MapLibre) are there."""
    page.wait_for_function(f"(root) => ({PAINTED_JS})(root)", arg=root, timeout=timeout, polling=20)
    return float(page.evaluate(NEXT_FRAMES_JS)) / 1000


# an init script (context.add_init_script): counts every outline ('d') the document's choropleth paths get, so a
# test sees how often plotly.js drew the regions
OUTLINE_COUNTER_JS = """
window.__dmOutlines = 0;
new MutationObserver((mutations) => {
  for (const m of mutations) {
    if (m.target.classList && m.target.classList.contains('choroplethlocation')) window.__dmOutlines += 1;
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['d']});
"""


def outlines_drawn(page: Any) -> int:
    """How many outlines the choropleth paths got since the document loaded (needs OUTLINE_COUNTER_JS)."""
    return int(page.evaluate("window.__dmOutlines"))


def open_from_map(page: Any, x: float, y: float) -> None:
    """Click a region of the Karte map and open its profile from the dialog the click shows."""
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    button = page.locator('[data-testid="stDialog"]').get_by_role("button", name="Profil öffnen")
    button.wait_for()
    button.click()


def map_stats(page: Any, root: str | None = None) -> dict[str, Any]:
    return dict(page.evaluate(MAP_STATS_JS, root))


def project(page: Any, lon: float, lat: float, root: str | None = None) -> tuple[float, float]:
    point = page.evaluate(PROJECT_JS, [root, lon, lat])
    return float(point["x"]), float(point["y"])


def figure_data(page: Any, root: str | None = None) -> list[dict[str, Any]] | None:
    return page.evaluate(FIGURE_JS, root)


MAP_AREA = ".js-plotly-plot .geo .bg rect"  # the map's area (the geo subplot's background), one per map
# a map is there as soon as plotly made its subplot, before the shapes are fetched and drawn (`root` as above)
MAP_FOUND_JS = _with_helpers("(root) => findMap(root) !== null")


def has_map(page: Any) -> bool:
    return bool(page.evaluate(MAP_FOUND_JS, None))


def map_canvas(page: Any, root: str | None = None) -> Any:
    """The map's area (a locator; its screenshot is the drawn map without legend)."""
    scope = f"{root} " if root else ""
    return page.locator(f"{scope}{MAP_AREA}").first


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
        if has_map(page):
            wait_map_painted(page, maps_root)
        page.screenshot(path=str(path))
    finally:
        if grown != size["height"]:
            page.set_viewport_size(size)
