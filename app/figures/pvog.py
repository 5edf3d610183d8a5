"""Charts and table frames of the federal measures (Open-PVOG) in a region's profile: its counts over time (fetched
snapshots and press values), its own services per Themenfeld, the services its peers offer and it does not.
Pure functions: DataFrames in, plotly figures or display frames out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.figures.profile import LEGEND_ON_TOP
from app.formatting import number
from app.style import date_text, escape, source_note

AVAILABLE, OWN, PRESS = "#0072B2", "#009E73", "#D55E00"  # Okabe-Ito


def history_chart(points: pd.DataFrame, *, attribution: str, demo: bool, height: int = 400) -> go.Figure:
    """Services available to citizens and the region's own services per fetched snapshot (lines), press values of
    the available count as separate markers; the source line inside the figure."""
    fig = go.Figure()
    frame = points.sort_values("as_of")
    fetched, press = frame[frame["origin"] == "Abruf"], frame[frame["origin"] == "Presse"]
    for part, col, name, colour, mode in (
            (fetched, "available", "für Bürger verfügbar (Abruf)", AVAILABLE, "lines+markers"),
            (fetched, "own", "eigene Leistungen (Abruf)", OWN, "lines+markers"),
            (press, "available", "für Bürger verfügbar (Pressewert)", PRESS, "markers")):
        part = part[part[col].notna()]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(part["as_of"]), y=part[col], name=name, mode=mode, line={"color": colour, "width": 2},
            marker={"size": 9 if mode == "markers" else 6, "symbol": "diamond" if mode == "markers" else "circle"},
            text=[date_text(d, p) for d, p in zip(part["as_of"], part["as_of_precision"], strict=True)],
            customdata=[number(v) for v in part[col]],
            hovertemplate=f"{escape(name)}: %{{customdata}}<br>%{{text}}<extra></extra>"))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=",.",
                      yaxis={"title": {"text": "Online-Leistungen"}, "rangemode": "tozero"},
                      xaxis={"tickformat": "%m.%Y"}, legend=LEGEND_ON_TOP, hovermode="closest")
    return source_note(fig, attribution, demo)


def topics_chart(topics: pd.DataFrame, *, attribution: str, demo: bool) -> go.Figure:
    """The region's own working services per Themenfeld (horizontal bars, largest on top)."""
    frame = topics.sort_values(["own", "themenfeld"], ascending=[True, False])
    fig = go.Figure(go.Bar(
        x=frame["own"], y=[escape(t) for t in frame["themenfeld"]], orientation="h", marker={"color": OWN},
        customdata=[number(v) for v in frame["own"]], hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.update_layout(height=max(220, 60 + 28 * len(frame)), margin={"l": 10, "r": 10, "t": 20, "b": 10},
                      separators=",.", xaxis={"title": {"text": "eigene funktionierende Online-Leistungen"},
                                                "tickformat": ",d", "dtick": 1 if frame["own"].max() <= 10 else None},
                      yaxis={"automargin": True})
    return source_note(fig, attribution, demo)


def gap_table(gap: pd.DataFrame) -> pd.DataFrame:
    """The peer-service gap as a German display frame (one row per service)."""
    return pd.DataFrame({
        "Leistung": gap["leika_name"].fillna("(ohne Namen)"),
        "LeiKa-Schlüssel": gap["leika_key"],
        "Vergleichsgemeinden mit Angebot": [f"{number(o)} von {number(p)}" for o, p in
                                            zip(gap["offering"], gap["peers"], strict=True)],
        "Anteil (%)": gap["share_pct"],
        "eigener Eintrag": gap["own_status"].map({"nicht ok": "vorhanden, funktioniert nicht"}).fillna("keiner"),
    })
