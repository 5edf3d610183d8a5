"""Figures of the Förderung page: grant totals on a map, funding against progress. Every figure carries its
source line (and the demo label) inside the image, so a saved PNG keeps its attribution."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.figures.layout import SEQUENTIAL, map_layout
from app.formatting import euro, number
from app.style import date_text, escape, source_note

GRANT_MEASURES = {
    "amount_eur": ("Fördersumme", "€"),
    "grants": ("Bescheide", "Bescheide"),
    "eur_per_inhabitant": ("Euro je Einwohner", "€/Einw."),
}


def grant_map(totals: pd.DataFrame, geojson_url: str, bounds: tuple[float, float, float, float], measure: str,
              attribution: str, demo: bool, height: int = 600, note_width: int | None = None) -> go.Figure:
    """Choropleth of grant totals per region (columns ars, name, grants, amount_eur, eur_per_inhabitant); the
    source note inside the map wrapped at `note_width` characters (default: a computer's map)."""
    if measure not in GRANT_MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    label, unit = GRANT_MEASURES[measure]
    values = totals[measure].astype(float)
    hover = [
        f"<b>{escape(n)}</b><br>{number(g)} Bescheide<br>{euro(a)}<br>{number(e, 2)} € je Einwohner"
        for n, g, a, e in zip(totals["name"], totals["grants"], totals["amount_eur"], totals["eur_per_inhabitant"],
                              strict=True)
    ]
    fig = go.Figure(go.Choropleth(
        geojson=geojson_url, featureidkey="properties.ars", locations=totals["ars"], z=values,
        colorscale=SEQUENTIAL, reversescale=True, zmin=0, marker_line_width=0.3, marker_line_color="white",
        text=hover, hovertemplate="%{text}<extra></extra>",
        colorbar={"title": {"text": unit}, "tickformat": ",.0f" if measure != "eur_per_inhabitant" else ",.2f"},
    ))
    map_layout(fig, bounds, height)
    return source_note(fig, attribution, demo, inside_map=True, width=note_width)


def grant_effect_scatter(effect: pd.DataFrame, attribution: str, demo: bool, height: int = 420) -> go.Figure:
    """Amount of each grant against the procedures added after it (grants with both snapshots only)."""
    data = effect.dropna(subset=["added", "amount_eur"])
    hover = [
        f"<b>{escape(n)}</b><br>Bescheid {date_text(d)}: {euro(a)}<br>Verfahren {number(b)} → {number(t)} "
        f"({'+' if x >= 0 else ''}{number(x)})<br>{euro(e)} je zusätzlichem Verfahren"
        for n, d, a, b, t, x, e in zip(data["name"], data["approved_on"], data["amount_eur"], data["total_before"],
                                       data["total_after"], data["added"], data["eur_per_added_procedure"],
                                       strict=True)
    ]
    fig = go.Figure(go.Scatter(
        x=data["amount_eur"], y=data["added"], mode="markers", text=hover, hovertemplate="%{text}<extra></extra>",
        marker={"size": 8, "color": "#0072B2", "opacity": 0.7, "line": {"width": 0.5, "color": "white"}},
    ))
    fig.update_layout(
        height=height, separators=",.", template="plotly_white", margin={"l": 60, "r": 20, "t": 20},
        xaxis={"title": {"text": "Förderbetrag (€)"}, "tickformat": ",.0f", "rangemode": "tozero"},
        yaxis={"title": {"text": "zusätzliche Online-Verfahren"}, "zeroline": True},
    )
    return source_note(fig, attribution, demo)
