"""The naive municipality map, for comparison in bench/browser.py (run with `streamlit run`, not a page).

The full-precision VG5000 GEM GeoJSON (read from the mirror at run time, reprojected to WGS84) is put
inline into a `go.Choroplethmap`, so every rerun that changes the figure sends all shapes again. A
selectbox switches the values shown, like a measure change on the Karte page. `?land=09` shows Bayern alone
(the naive counterpart of the Karte's Land view, whose shapes come from a per-Land static file). `?svg=1` draws
the same inline GeoJSON as an SVG map (`go.Choropleth` on a geo subplot, as the dashboard's maps are drawn), so
the benchmark can also compare like with like.

`streamlit run bench/naive_map.py` puts bench/ first on sys.path (and `python -m streamlit` the project folder
after it), so no bench script may be named like a project package (tests/test_architecture.py checks it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pyogrio
import streamlit as st

from app.figures.layout import MAP_CONFIG
from etl.sources.boundaries import BKG_VG5000_2021
from etl.sources.files import SourceResolver


@st.cache_data(show_spinner=False)
def shapes() -> tuple[dict, list[str], list[str], list[float]]:
    """GeoJSON of all municipalities (full precision), their keys, names and areas in km²."""
    path = SourceResolver().layer(BKG_VG5000_2021, "GEM").path  # the mirror (DIGITALMONITOR_MIRROR)
    frame = pyogrio.read_dataframe(path, columns=["ARS", "GEN"])
    area = (frame.geometry.area / 1e6).round(2).tolist()  # EPSG:31467 is metric
    frame = frame.to_crs(4326)
    return frame[["ARS", "GEN", "geometry"]].__geo_interface__, frame["ARS"].tolist(), frame["GEN"].tolist(), area


TOPOLOGY = Path(__file__).resolve().parent.parent / "static" / "topojson" / "world_110m.json"


def serve_topology() -> None:
    """Streamlit serves static files from the folder beside the main script (bench/static/, git-ignored): put the
    dashboard's empty base-map topology there for the SVG variant (app/figures/layout.MAP_CONFIG)."""
    target = Path(__file__).resolve().parent / "static" / "topojson" / TOPOLOGY.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TOPOLOGY, target)


serve_topology()
st.set_page_config(page_title="Naive Karte", layout="wide")
geojson, keys, names, area = shapes()
land = st.query_params.get("land")  # ?land=09: the same area as the Karte's Land view, still inline
if land:
    keep = [i for i, k in enumerate(keys) if k.startswith(land)]
    geojson = {**geojson, "features": [geojson["features"][i] for i in keep]}
    keys, names, area = [keys[i] for i in keep], [names[i] for i in keep], [area[i] for i in keep]
measure = st.selectbox("Wert", ["Fläche", "Zufall"], key="naive_measure")
values = np.array(area) if measure == "Fläche" else np.random.default_rng(1).random(len(keys))
svg = st.query_params.get("svg") == "1"
trace = go.Choropleth if svg else go.Choroplethmap
fig = go.Figure(trace(
    geojson=geojson, featureidkey="properties.ARS", locations=keys, z=values, text=names,
    colorscale="Viridis", marker_line_width=0.2, marker_line_color="white",
    hovertemplate="<b>%{text}</b><br>%{z}<extra></extra>"))
if svg:
    fig.update_geos(visible=False, projection_type="mercator", fitbounds="locations")
else:
    view = ({"center": {"lon": 11.4, "lat": 49.0}, "zoom": 6.2} if land == "09"
            else {"center": {"lon": 10.4, "lat": 51.1}, "zoom": 4.9})
    fig.update_layout(map={"style": "white-bg", **view})
fig.update_layout(height=650, margin={"l": 0, "r": 0, "t": 0, "b": 0})
st.plotly_chart(fig, key="naive_map", width="stretch", config=MAP_CONFIG)
