"""What every map shares: the sequential colour scale, the view of a bounding box, the one map layout and its
plotly config, stepped colourscales and legend entries that draw nothing."""

from __future__ import annotations

import plotly.graph_objects as go

# colour-blind-safe sequential scale (viridis, reversed so that more is darker)
SEQUENTIAL = "Viridis"


# plotly.js fetches the topology of its (hidden) base map for every geo subplot, by default from cdn.plot.ly,
# which ministry networks and this project's machines cannot reach: an empty topology of our own is served
# instead (static/topojson/world_110m.json). Every chart gets it with its config (app/ui/downloads.chart_config).
MAP_CONFIG = {"topojsonURL": "app/static/topojson/"}

# hover labels: dark text on white, left-aligned (plotly's default takes the region's fill colour, which the
# maps draw half transparent)
HOVER_LABEL = {"bgcolor": "white", "bordercolor": "#666", "font": {"color": "#222"}, "align": "left"}

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
    fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, separators=",.",
                      dragmode="pan" if pan else False, hoverlabel=HOVER_LABEL)
    return fig
