"""What every map shares: the sequential colour scale, centre and zoom for a bounding box, the one map layout,
stepped colourscales and legend entries that draw nothing."""

from __future__ import annotations

import math

import plotly.graph_objects as go

# colour-blind-safe sequential scale (viridis, reversed so that more is darker)
SEQUENTIAL = "Viridis"


def fit_zoom(bounds: tuple[float, float, float, float], width_px: int = 900,
             height_px: int = 650) -> tuple[dict[str, float], float]:
    """Centre and zoom so that a bounding box fills a web-mercator map of the given size."""
    min_lon, min_lat, max_lon, max_lat = bounds

    def merc_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(max_lon - min_lon, 1e-6) / 360.0
    lat_span = max(merc_y(max_lat) - merc_y(min_lat), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(width_px / 512 / lon_span), math.log2(height_px / 512 / lat_span))
    centre = {"lon": (min_lon + max_lon) / 2, "lat": (min_lat + max_lat) / 2}
    return centre, round(zoom - 0.15, 2)


def stepped_colourscale(palette: list[str]) -> list[list[object]]:
    """A discrete colourscale for z = 0 .. len(palette) - 1 with zmin -0.5 and zmax len - 0.5: each
    integer lies in the middle of its own band, so it gets exactly its colour."""
    n = len(palette)
    scale: list[list[object]] = []
    for i, colour in enumerate(palette):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def legend_trace(label: str, colour: str, rank: int, z: int) -> go.Scattermap:
    """A legend entry that draws and fetches nothing: one point without coordinates (plotly.js hides a
    trace without any point, legend entry included); `meta` is its class index in the data trace's z."""
    return go.Scattermap(lat=[None], lon=[None], mode="markers", marker={"color": colour, "size": 12}, name=label,
                         showlegend=True, legendrank=rank, hoverinfo="skip", meta=z)


def map_layout(fig: go.Figure, bounds: tuple[float, float, float, float], height: int, width: int = 900,
               map_height: int | None = None) -> go.Figure:
    """The one layout of every map: plain background (works offline), centred and zoomed on the bounds,
    no margins, German separators. `map_height`: the height the map area keeps (when a legend takes the rest)."""
    centre, zoom = fit_zoom(bounds, width_px=width, height_px=map_height or height)
    fig.update_layout(map={"style": "white-bg", "center": centre, "zoom": zoom}, height=height,
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, separators=",.")
    return fig
