"""The one copy of what every figure shares: the escape for plotly text, German dates by precision, the
no-data grey, the Digitales-Amt status colours, the demo label, and the source line written into a
figure (so a PNG saved from the modebar keeps its attribution). Pure: no database, no Streamlit.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go

from app.formatting import day

# German dates by precision: the one date text of pages and figures is `app.formatting.day`
date_text = day

DEMO_LABEL = "Demodaten — synthetische Werte, nicht amtlich"

# the grey of "keine Daten" on every map
NO_DATA_GREY = "#bdbdbd"

# the Digitales-Amt status in Okabe-Ito colours (distinguishable with the common colour-vision
# deficiencies), in legend order; the same on the Karte and on the Digitales-Amt page
STATUS_COLOURS = {
    "zertifiziert": "#0072B2",
    "berechtigt, nicht zertifiziert": "#E69F00",
    "noch nicht": "#56B4E9",
    "keine Daten": NO_DATA_GREY,
}


def escape(value: object) -> str:
    """Plotly text (hover, labels, legend, annotations) is HTML-like: data must not inject tags."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MAP_NOTE_CHARS = 90  # characters of a 10 px note line in a map about 420 px wide (about 4.6 px each)
PX_PER_NOTE_CHAR = 5
MODEBAR_PX = 44  # plotly's modebar over the top right of a chart


def source_note(fig: go.Figure, attribution: str, demo: bool, inside_map: bool = False,
                width: int | None = None, plot_height: int | None = None) -> go.Figure:
    """Write the source line (and the demo label) into the figure itself, wrapped to `width` characters (default:
    150 below a chart, 90 inside a map, whose area is narrower: a line plotly cannot wrap is cut at its edge).
    Inside a map the note sits in the lower left and the map area starts above it; `plot_height` is the height of
    the plot area when a legend below takes part of the figure's height."""
    width = width or (MAP_NOTE_CHARS if inside_map else 150)
    lines = textwrap.wrap(("" if not demo else f"{DEMO_LABEL} · ") + f"Quelle: {attribution}", width) or [""]
    lines = [escape(line) for line in lines]
    if demo:
        lines[0] = lines[0].replace(DEMO_LABEL, f"<b>{DEMO_LABEL}</b>", 1)
    text = "<br>".join(lines)
    if inside_map:
        fig.add_annotation(text=text, xref="paper", yref="paper", x=0.005, y=0.005, xanchor="left",
                           yanchor="bottom", showarrow=False, align="left", font={"size": 10, "color": "#333"},
                           bgcolor="rgba(255,255,255,0.85)")
        plot = plot_height or fig.layout.height
        if plot:  # the map keeps clear of its note: the note's lines (13 px each) below the map area
            bottom = min(0.4, (13 * len(lines) + 8) / plot)
            fig.update_geos(domain={"y": [bottom, 1]})
            # a colour bar beside the map as well, and below the modebar (drawn over the plot's top right)
            fig.update_traces(colorbar={"y": bottom, "yanchor": "bottom", "len": 1 - bottom - MODEBAR_PX / plot,
                                        "lenmode": "fraction"},
                              selector=lambda trace: trace.type == "choropleth" and trace.showscale is not False)
    else:
        fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                           yshift=-58, showarrow=False, align="left", font={"size": 10, "color": "#555"})
        fig.update_layout(margin={"b": 80 + 14 * len(lines)})
    return fig
