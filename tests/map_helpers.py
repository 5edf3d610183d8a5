"""Reading choropleths built by `app.figures.maps` back in tests: rendered hover texts, legend entries, the
regions of each class (a go.Figure or the JSON spec st.plotly_chart sends)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.figures.maps import hover


def render_hover(template: str, row: list[str]) -> str:
    """The text plotly shows for one row (for tests and the table)."""
    text = template.replace("<extra></extra>", "")
    for i, value in enumerate(row):
        text = text.replace(f"%{{customdata[{i}]}}", value)
    return text


def hover_texts(frame: pd.DataFrame, label: str, unit: str = "", decimals: int = 0,
                categorical: bool = False) -> list[str]:
    """The rendered hover text of every row."""
    data = hover(frame, label, unit, decimals, categorical)
    return [render_hover(data.template, row) for row in data.rows]


def _spec_data(fig: go.Figure | dict) -> list[dict]:
    """The traces of a figure as plain JSON-like dicts (a go.Figure or its JSON spec, e.g. st.plotly_chart's)."""
    return list((fig if isinstance(fig, dict) else fig.to_plotly_json())["data"])


def legend_entries(fig: go.Figure | dict) -> list[tuple[str, str]]:
    """(label, colour) of every legend entry of a choropleth built here, in legend order."""
    shown = [t for t in _spec_data(fig) if t.get("type") == "scattergeo" and t.get("showlegend") is not False]
    return [(t["name"], t["marker"]["color"]) for t in sorted(shown, key=lambda t: t.get("legendrank", 1000))]


def class_locations(fig: go.Figure | dict) -> dict[str, list[str]]:
    """Legend label -> region keys of that class, in legend order (a go.Figure or its JSON spec)."""
    traces = _spec_data(fig)
    shape = next(t for t in traces if t.get("type") == "choropleth")
    legend = sorted((t for t in traces if t.get("type") == "scattergeo" and t.get("showlegend") is not False),
                    key=lambda t: t.get("legendrank", 1000))
    return {t["name"]: [loc for loc, z in zip(shape["locations"], shape["z"], strict=True) if int(z) == t["meta"]]
            for t in legend}
