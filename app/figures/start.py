"""The Start page's density map of all municipalities."""

from __future__ import annotations

import math

import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from app.figures.layout import SEQUENTIAL, map_layout
from app.formatting import number
from app.style import NO_DATA_GREY, escape, source_note


def density_map(frame: pd.DataFrame, geojson_url: str, bounds: tuple[float, float, float, float], *,
                attribution: str, demo: bool, height: int = 650, note_width: int | None = None) -> go.Figure:
    """Choropleth of population density (log colour scale, German hover text), its source line (and the
    demo label when `demo`) inside the map, wrapped at `note_width` characters (default: a computer's map)."""
    values = frame["density"].astype(float)
    log_values = values.where(values > 0).map(math.log10)
    hover = [
        f"<b>{escape(name)}</b><br>{escape(kind)}<br>{number(d, 1)} Einw./km²<br>{number(p)} Einwohner"
        for name, kind, d, p in zip(frame["name"], frame["kind"], values, frame["population"], strict=True)
    ]
    ticks = [1, 10, 100, 1000, 10000]
    # one trace for all shapes: plotly.js lets a second trace wait only ~5 s for a geojson URL the first is
    # still fetching. Unpopulated areas and shapes without a current key sit below the scale, in grey.
    painted = log_values.notna()
    low = float(log_values.min()) if painted.any() else 0.0
    high = max(float(log_values.max()) if painted.any() else 1.0, low + 1e-9)
    grey_share = 0.02
    below = low - (high - low) * grey_share / (1 - grey_share)
    steps = plotly.colors.sample_colorscale(SEQUENTIAL, [i / 10 for i in range(11)])[::-1]
    scale = [[0.0, NO_DATA_GREY], [grey_share, NO_DATA_GREY]] + [
        [grey_share + (1 - grey_share) * i / 10, colour] for i, colour in enumerate(steps)]
    scale[2][0] = grey_share + 1e-9
    fig = go.Figure(go.Choropleth(
        geojson=geojson_url, featureidkey="properties.ars", locations=frame["ars"],
        z=log_values.where(painted, below), zmin=below, zmax=high, colorscale=scale,
        marker_line_width=0.2, marker_line_color="white",
        text=[h if ok else f"{h}<br>keine Einwohner / keine Daten" for h, ok in zip(hover, painted, strict=True)],
        hovertemplate="%{text}<extra></extra>", name="Einwohnerdichte",
        colorbar={"title": {"text": "Einw./km²"}, "tickvals": [math.log10(t) for t in ticks],
                  "ticktext": [number(t) for t in ticks]},
    ))
    map_layout(fig, bounds, height)
    return source_note(fig, attribution, demo, inside_map=True, width=note_width)
