"""Browser helpers shared by the end-to-end tests (tests/browser) and the benchmarks (bench/browser.py, bench/load.py):
a Streamlit server on a free port, Debian's chromium, waits for a settled page and a painted map, widgets.

Facts these helpers rest on (see STYLE.md, "Browser facts on these machines"):
- Debian's chromium (software WebGL, SwiftShader) draws the pages; Playwright cannot download its own browser
  here.
- Streamlit is ready when `stApp` reports `data-test-connection-state="CONNECTED"` and the script state
  is `notRunning`. A rerun is counted by watching that attribute (init script below), so a wait never
  mistakes the state before the rerun for the state after it.
- A plotly map (plotly.js 3, trace `choropleth` on a geo subplot, SVG) lives in `gd._fullLayout.geo._subplot`;
  it is painted when every location whose shape the fetched GeoJSON holds has its SVG path.
"""

from __future__ import annotations

from devtools.browser.app_pages import (
    PAGES_DIR,
    AppPage,
    app_pages,
    declared_pages,
    page_named,
    page_url,
)
from devtools.browser.chromium import (
    CHROMIUM_ARGS,
    CONNECTED,
    EXCEPTION,
    INIT_SCRIPT,
    NOISE,
    NOT_RUNNING,
    PROBE,
    SETTLED_JS,
    TIMEOUT_MS,
    VIEWPORT,
    Console,
    chromium_path,
    exceptions,
    launch,
    new_context,
    open_app,
    reopen,
    runs_finished,
    wait_ready,
    wait_rerun,
)
from devtools.browser.maps import (
    FIGURE_JS,
    LEGEND_JS,
    MAP_FOUND_JS,
    MAP_STATS_JS,
    OUTLINE_COUNTER_JS,
    PAINTED_JS,
    PROJECT_JS,
    coloured_share,
    figure_data,
    full_screenshot,
    has_map,
    legend_items,
    map_canvas,
    map_stats,
    open_from_map,
    outlines_drawn,
    project,
    wait_map_painted,
)
from devtools.browser.server import (
    ROOT,
    SCREENSHOTS,
    free_port,
    streamlit_server,
    wait_until_responds,
)
from devtools.browser.widgets import (
    change_and_rerun,
    choose,
    download_csv,
    key,
    selectbox_value,
    widget_values,
)

__all__ = [
    "AppPage", "CHROMIUM_ARGS", "CONNECTED", "Console", "EXCEPTION", "FIGURE_JS", "INIT_SCRIPT", "LEGEND_JS",
    "MAP_FOUND_JS", "MAP_STATS_JS", "NOISE", "NOT_RUNNING", "OUTLINE_COUNTER_JS", "PAGES_DIR", "PAINTED_JS",
    "PROBE", "PROJECT_JS", "ROOT", "SCREENSHOTS", "SETTLED_JS", "TIMEOUT_MS", "VIEWPORT", "app_pages",
    "change_and_rerun", "choose", "chromium_path", "coloured_share", "declared_pages", "download_csv", "exceptions",
    "figure_data", "free_port", "full_screenshot", "has_map", "key", "launch", "legend_items", "map_canvas",
    "map_stats", "new_context", "open_app", "open_from_map", "outlines_drawn", "page_named", "page_url", "project",
    "reopen", "runs_finished", "selectbox_value", "streamlit_server", "wait_map_painted", "wait_ready",
    "wait_rerun", "wait_until_responds", "widget_values",
]
