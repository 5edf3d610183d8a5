"""Charts a whole number of pixels wide. Streamlit's plotly chart is drawn first at the width the browser lays out
(plotly.js reads it rounded to 1/1000 px) and then given the width Streamlit measures (to 1/64 px): at a width such
as 618.65625 px the two differ and plotly.js draws the chart a second time, for a map every region once more (0.1 s
for Bayern, 0.5 s for all municipalities). A chart's frame rounded down to whole pixels makes both the same. Only
fixed CSS, no data; set once per page run by `app.ui.build.run`."""

from __future__ import annotations

import streamlit as st

CHART_WIDTH_CSS = """<style>
[data-testid="stFullScreenFrame"]:has(> [data-testid="stPlotlyChart"]) { width: round(down, 100%, 1px); }
</style>"""


def whole_pixel_charts() -> None:
    """Round every plotly chart's width down to whole pixels (style only, no visible element)."""
    st.html(CHART_WIDTH_CSS)
