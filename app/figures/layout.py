"""What every map shares: the sequential colour scale, the view of a bounding box, the one map layout and its
plotly config, stepped colourscales and legend entries that draw nothing."""

from __future__ import annotations

import hashlib

import numpy as np
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

# colour-blind-safe sequential scale (viridis, reversed so that more is darker)
SEQUENTIAL = "Viridis"


# plotly.js fetches the topology of its (hidden) base map for every geo subplot, by default from cdn.plot.ly,
# which ministry networks and this project's machines cannot reach: an empty topology of our own is served
# instead (static/topojson/world_110m.json). Every chart gets it with its config (app/ui/downloads.chart_config).
MAP_CONFIG = {"topojsonURL": "app/static/topojson/"}

# Streamlit's chart theme (light), written into every map's layout: a map goes to st.plotly_chart with theme=None
# (chart_theme), since the theme arrives in the browser as a template object that Streamlit copies once more after
# the first drawing, and plotly.js then draws every region a second time (0.1-0.15 s for Bayern)
FONT = {"family": '"Source Sans", sans-serif', "size": 12, "color": "#808495"}
LEGEND_STYLE = {"font": {"size": 12, "color": "#262730"}, "title": {"font": {"size": 12, "color": "#808495"}},
                "valign": "top", "borderwidth": 0}

# hover labels: dark text on white, left-aligned (plotly's default takes the region's fill colour, which the
# maps draw half transparent)
HOVER_LABEL = {"bgcolor": "white", "bordercolor": "#666", "align": "left",
               "font": {"color": "#222", "family": FONT["family"], "size": 12}}

# the drag mode of a map that stays still: a plotly.js geo subplot moves on a drag only with "pan" (and draws a
# selection box with "select" or "lasso"), and st.plotly_chart(on_select=...) replaces a false drag mode with "pan";
# "orbit" (a 3D scene's mode) is one the geo subplot ignores, clicks still select
STILL = "orbit"

# the legend below a map: title and two or three rows of classes (phone)
LEGEND_PX = 90

# a thin frame of the bounds' size around the regions
PAD = 0.02


def view_ranges(bounds: tuple[float, float, float, float]) -> tuple[list[float], list[float]]:
    """Longitude and latitude range of a map showing the bounding box, padded by PAD on every side."""
    min_lon, min_lat, max_lon, max_lat = bounds
    pad_lon, pad_lat = (max_lon - min_lon) * PAD, (max_lat - min_lat) * PAD
    return [min_lon - pad_lon, max_lon + pad_lon], [min_lat - pad_lat, max_lat + pad_lat]


def stepped_colourscale(palette: list[str]) -> list[list[object]]:
    """A discrete colourscale for z = 0 .. len(palette) - 1 with zmin -0.5 and zmax len - 0.5: each
    integer lies in the middle of its own band, so it gets exactly its colour."""
    n = len(palette)
    scale: list[list[object]] = []
    for i, colour in enumerate(palette):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def legend_trace(label: str, colour: str, rank: int, z: int) -> go.Scattergeo:
    """A legend entry that draws and fetches nothing: one point without coordinates (plotly.js hides a
    trace without any point, legend entry included); `meta` is its class index in the data trace's z."""
    return go.Scattergeo(lat=[None], lon=[None], mode="markers", marker={"color": colour, "size": 12}, name=label,
                         showlegend=True, legendrank=rank, hoverinfo="skip", meta=z)


def map_layout(fig: go.Figure, bounds: tuple[float, float, float, float], height: int, pan: bool = True) -> go.Figure:
    """The one layout of every map: an SVG map (plotly geo, Mercator) of the bounds without a base map, no
    margins, German separators; dragged with the mouse unless `pan` is false.

    SVG, not WebGL (plotly's MapLibre maps): the maps have no base map tiles to gain from MapLibre, and on a
    computer without a graphics card (virtual desktops, this project's test machines: software WebGL) MapLibre
    repaints every region for each frame while it loads, about 0.1-0.3 s a frame for Bayern, where the browser
    draws the same regions as SVG once (bench/browser.py)."""
    lon_range, lat_range = view_ranges(bounds)
    fig.update_geos(visible=False, projection_type="mercator", lonaxis_range=lon_range, lataxis_range=lat_range,
                    bgcolor="rgba(0,0,0,0)")
    fig.layout.template = None  # the look is this layout's own (FONT); st.plotly_chart gets theme=None
    _plain_lists(fig)
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, separators=",.",
                      dragmode="pan" if pan else STILL, hoverlabel=HOVER_LABEL, font=FONT, legend=LEGEND_STYLE,
                      paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF", datarevision=data_revision(fig))
    return fig


# a map trace's data arrays: the attributes plotly.js compares only when the datarevision changes
ARRAYS = ("locations", "z", "text", "customdata", "lat", "lon")


def _plain_lists(fig: go.Figure) -> None:
    """Numbers as JSON lists, not as plotly.py's typed arrays ("bdata"): Streamlit copies the figure through JSON
    once more after the first drawing, which turns a typed array into an object, and plotly.js, seeing new data,
    draws every region again."""
    for trace in fig.data:
        for name in ARRAYS:
            value = getattr(trace, name, None)
            if isinstance(value, np.ndarray) and value.dtype.kind != "O":  # text (object) arrays go out as lists
                trace[name] = None  # plotly.py keeps the array when given an equal value
                trace[name] = value.tolist()


def data_revision(fig: go.Figure) -> str:
    """A hash of the traces' data arrays (ARRAYS), as layout.datarevision. Streamlit hands plotly.js a copy of the
    figure once more after the first drawing; without a datarevision plotly.js takes every copied array for new
    data and draws every region again. With it, plotly.js compares the arrays only when the revision changes (and
    every other attribute, such as a colour bar set later by app.style.source_note, as always)."""
    arrays = [[trace.type, *(getattr(trace, name, None) for name in ARRAYS)] for trace in fig.data]
    return hashlib.blake2b(to_json_plotly(arrays).encode(), digest_size=8).hexdigest()


def chart_theme(fig: go.Figure) -> str | None:
    """The theme argument of st.plotly_chart: None for a map (its layout has the look, see FONT), else Streamlit's."""
    return None if any(trace.type == "choropleth" for trace in fig.data) else "streamlit"
