"""Figures of the Digitales-Amt page: awards over time against the published milestones, the status map,
the authorities a few procedures short. Each carries its source line inside the image."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.figures.layout import LEGEND_PX, legend_trace, map_layout, stepped_colourscale
from app.formatting import number
from app.frames import missing
from app.style import STATUS_COLOURS, date_text, escape, source_note

STATUS_ORDER = tuple(STATUS_COLOURS)


def cumulative_awards(awards: pd.DataFrame) -> pd.DataFrame:
    """Dated awards as a cumulative count per date (columns on_date, new, cumulative); undated are left out."""
    dated = awards.dropna(subset=["awarded_on"])
    if dated.empty:
        return pd.DataFrame({"on_date": pd.Series(dtype="datetime64[us]"), "new": pd.Series(dtype="int64"),
                             "cumulative": pd.Series(dtype="int64")})
    per_day = (pd.to_datetime(dated["awarded_on"]).value_counts().sort_index()
               .rename_axis("on_date").reset_index(name="new"))
    per_day["cumulative"] = per_day["new"].cumsum()
    return per_day


def awards_over_time(awards: pd.DataFrame, milestones: pd.DataFrame, attribution: str, demo: bool,
                     height: int = 440) -> go.Figure:
    """Cumulative count of dated awards as a step line; published milestones as labelled markers."""
    line = cumulative_awards(awards)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=line["on_date"], y=line["cumulative"], mode="lines", line={"shape": "hv", "color": "#0072B2", "width": 2},
        name="Auszeichnungen mit Datum (kumuliert)",
        customdata=[date_text(d) for d in line["on_date"]],
        hovertemplate="%{customdata}: %{y:,.0f} Auszeichnungen<extra></extra>",
    ))
    ms = milestones.dropna(subset=["on_date", "value"]) if not milestones.empty else milestones
    if not ms.empty:
        labels = [f"{number(v)} ({date_text(d, p)})" for v, d, p in
                  zip(ms["value"], ms["on_date"], ms["date_precision"], strict=True)]
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(ms["on_date"]), y=ms["value"], mode="markers+text", text=labels,
            textposition="top left", name="veröffentlichte Zahl",
            marker={"symbol": "diamond", "size": 11, "color": "#D55E00"},
            customdata=[escape(f) for f in ms["fact"]], hovertemplate="%{customdata}<br>%{text}<extra></extra>",
        ))
    fig.update_layout(
        height=height, separators=",.", template="plotly_white", margin={"l": 60, "r": 20, "t": 30},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
        xaxis={"title": {"text": ""}, "tickformat": "%m.%Y"},
        yaxis={"title": {"text": "Auszeichnungen"}, "rangemode": "tozero", "tickformat": ",.0f"},
    )
    return source_note(fig, attribution, demo)


def status_map(frame: pd.DataFrame, geojson_url: str, bounds: tuple[float, float, float, float], attribution: str,
               demo: bool, height: int = 620, key: str = "ars", note_width: int | None = None,
               legend_below: bool = False) -> go.Figure:
    """Categorical map of the Digitales-Amt status (columns `key` (the shape key), name, status, total,
    distance; optional inherited_from_name): every region in one trace (the browser fetches the shapes once;
    plotly.js lets a second trace on the same URL wait only ~5 s), z = the status's place in STATUS_ORDER on a
    stepped colourscale, and one legend entry per status shown (with its count) that draws nothing: in the map's
    empty top left, or below it (`legend_below`, a phone's narrow map). The source note is wrapped at `note_width`
    characters (default: a computer's map)."""
    status = frame["status"].fillna("keine Daten")
    order = {label: i for i, label in enumerate(STATUS_ORDER)}
    inherited = frame["inherited_from_name"] if "inherited_from_name" in frame.columns else [None] * len(frame)
    hover = [
        f"<b>{escape(n)}</b><br>{escape(s)}<br>{number(t)} Online-Verfahren"
        + (f"<br>es fehlen {number(d)}" if not missing(d) and d > 0 else "")
        + (f"<br>Werte der VG {escape(v)}" if isinstance(v, str) and v else "")
        for n, s, t, d, v in zip(frame["name"], status, frame["total"], frame["distance"], inherited, strict=True)
    ]
    n = len(STATUS_ORDER)
    fig = go.Figure(go.Choropleth(
        geojson=geojson_url, featureidkey="properties.ars", locations=frame[key],
        z=[order.get(s, order["keine Daten"]) for s in status], zmin=-0.5, zmax=n - 0.5,
        colorscale=stepped_colourscale([STATUS_COLOURS[label] for label in STATUS_ORDER]), showscale=False,
        showlegend=False, name="Status", marker_line_width=0.2, marker_line_color="white",
        text=hover, hovertemplate="%{text}<extra></extra>",
    ))
    counts = status.value_counts()
    for i, label in enumerate(STATUS_ORDER):
        if counts.get(label, 0):
            fig.add_trace(legend_trace(f"{label} ({number(counts[label])})", STATUS_COLOURS[label], i, i))
    map_layout(fig, bounds, height)
    place = ({"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "top"} if legend_below else
             {"x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)"})
    fig.update_layout(legend={**place, "itemclick": False, "itemdoubleclick": False})
    return source_note(fig, attribution, demo, inside_map=True, width=note_width,
                       plot_height=height - LEGEND_PX if legend_below else None)


def distance_bars(close: pd.DataFrame, attribution: str, demo: bool, height: int = 340) -> go.Figure:
    """How many eligible-not-yet authorities are N procedures short (columns distance)."""
    counts = close["distance"].value_counts().sort_index()
    fig = go.Figure(go.Bar(
        x=counts.index.astype(int), y=counts.to_numpy(), marker_color="#E69F00",
        hovertemplate="%{x} Verfahren fehlen: %{y} Behörden<extra></extra>",
    ))
    fig.update_layout(
        height=height, separators=",.", template="plotly_white", margin={"l": 60, "r": 20, "t": 20},
        xaxis={"title": {"text": "fehlende Online-Verfahren bis zur Schwelle"}, "dtick": 1},
        yaxis={"title": {"text": "Behörden"}, "tickformat": ",.0f"},
    )
    return source_note(fig, attribution, demo)


def short_text(distance: object) -> str:
    """3 -> '3 Verfahren fehlen', 1 -> '1 Verfahren fehlt'."""
    if missing(distance):
        return "–"
    n = int(distance)  # type: ignore[call-overload]
    return "1 Verfahren fehlt" if n == 1 else f"{number(n)} Verfahren fehlen"
