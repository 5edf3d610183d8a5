"""Labels that wrap instead of being cut (issue 15 point 5): Streamlit draws metric labels and values, page links
and button labels on one line and cuts them with an ellipsis ("Dezembe…", "5.000 bis un…", "C."). One style rule,
set once per page run by `app.ui.build.run`, lets them wrap onto a second line. Only fixed CSS, no data."""

from __future__ import annotations

import streamlit as st

WRAP_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stPageLink-NavLink"] *, [data-testid^="stBaseButton"] *, [data-testid="stTab"] * {
  white-space: normal !important; text-overflow: clip !important; overflow-wrap: break-word;
}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *,
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { overflow: visible !important; }
[data-testid="stMetricValue"] { line-height: 1.15; height: auto !important; }
</style>"""


def wrap_labels() -> None:
    """Let metric, page-link and button labels wrap instead of being cut (style only, no visible element)."""
    st.html(WRAP_CSS)
