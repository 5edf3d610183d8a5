"""Charts and table frames of the municipality profile: procedures over time, the side-by-side comparison.
Pure functions: DataFrames in, plotly figures or display frames out."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from app.formatting import number
from app.frames import missing
from app.style import date_text, escape, source_note
from core.measures import MEASURES

MUNICIPAL = "#0072B2"


CENTRAL = "#E69F00"


# up to five regions side by side (the region itself and four others), Okabe-Ito
SERIES = ("#000000", "#0072B2", "#E69F00", "#009E73", "#CC79A7")


# above the plot: below it sits the source line
LEGEND_ON_TOP = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}


def _dates(frame: pd.DataFrame) -> list[str]:
    """The German date of every row, as precisely as it is known (column as_of_precision, else days), and
    whether the value is real (with its source address) or demo (columns is_demo, source_url, when present)."""
    precisions = frame["as_of_precision"] if "as_of_precision" in frame else ["day"] * len(frame)
    dates = [date_text(d, p) for d, p in zip(frame["as_of"], precisions, strict=True)]
    if "is_demo" not in frame:
        return dates
    urls = frame["source_url"] if "source_url" in frame else [None] * len(frame)
    return [f"{d} · " + ("Demodaten" if demo else "echt" + (f": {escape(u[:80])}" if isinstance(u, str) else ""))
            for d, demo, u in zip(dates, frame["is_demo"].fillna(False).astype(bool), urls, strict=True)]


def history_chart(history: pd.DataFrame, *, attribution: str, demo: bool, title: str = "",
                  height: int = 440, note_width: int | None = None) -> go.Figure:
    """Procedures over time of one authority: municipal and central stacked (areas), or the total as a line
    where a source gives only totals; the source line (and the demo label) inside the figure, wrapped to
    `note_width` characters (a phone's: app.ui.device.note_chars)."""
    fig = go.Figure()
    frame = history.sort_values("as_of")
    dates = pd.to_datetime(frame["as_of"])
    split = frame["municipal"].notna() & frame["central"].notna()
    if split.any():
        part = frame[split]
        for col, name, colour in (("municipal", "kommunal", MUNICIPAL), ("central", "zentral (Land/Bund)", CENTRAL)):
            fig.add_trace(go.Scatter(
                x=pd.to_datetime(part["as_of"]), y=part[col], name=name, stackgroup="one", mode="lines",
                line={"color": colour, "width": 1}, fillcolor=colour,
                text=_dates(part), customdata=[number(v) for v in part[col]],
                hovertemplate=f"{name}: %{{customdata}}<br>%{{text}}<extra></extra>",
            ))
    if not split.all():
        fig.add_trace(go.Scatter(
            x=dates, y=frame["total"], name="gesamt", mode="lines+markers", line={"color": "#000000", "width": 2},
            marker={"size": 4}, text=_dates(frame),
            customdata=[number(v) for v in frame["total"]],
            hovertemplate="gesamt: %{customdata}<br>%{text}<extra></extra>",
        ))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 10},
                      title={"text": escape(title)} if title else None, separators=",.", hovermode="x unified",
                      yaxis={"title": {"text": "Online-Verfahren"}, "rangemode": "tozero"},
                      xaxis={"tickformat": "%m.%Y"}, legend=LEGEND_ON_TOP)
    return source_note(fig, attribution, demo, width=note_width)


def compare_history_chart(history: pd.DataFrame, names: dict[str, str], *, attribution: str, demo: bool,
                          height: int = 440, note_width: int | None = None) -> go.Figure:
    """Total procedures over time of several authorities, one line each (in the order of `names`); the
    source line (and the demo label) inside the figure."""
    fig = go.Figure()
    for i, (ars, name) in enumerate(names.items()):
        part = history[history["ars"] == ars].sort_values("as_of")
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(part["as_of"]), y=part["total"], name=escape(name),
            mode="lines" if len(part) > 2 else "lines+markers",
            line={"color": SERIES[i % len(SERIES)], "width": 3 if i == 0 else 2},
            text=_dates(part), customdata=[[escape(name), number(v)] for v in part["total"]],
            # the name is data, never pasted into the template
            hovertemplate="%{customdata[0]}: %{customdata[1]}<br>%{text}<extra></extra>",
        ))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=",.",
                      yaxis={"title": {"text": "Online-Verfahren gesamt"}, "rangemode": "tozero"},
                      xaxis={"tickformat": "%m.%Y"}, legend=LEGEND_ON_TOP)
    return source_note(fig, attribution, demo, width=note_width)


# (column, row label, format): "measure" = a number with the catalogue's decimals, an int = that many decimals
COMPARE_ROWS = (
    ("kind", "Art", None), ("district_name", "Kreis", None), ("size_class", "Größenklasse", None),
    ("population", "Einwohner", "measure"), ("area_km2", "Fläche (km²)", "measure"),
    ("density", "Einwohner je km²", "measure"), ("total", "Online-Verfahren gesamt", "measure"),
    ("municipal", "kommunal", "measure"), ("central", "zentral", "measure"),
    ("total_per_10k", "je 10.000 Einwohner", "measure"), ("as_of", "Stand", "date"),
    ("da_status", "Digitales Amt", None), ("distance", "fehlende Verfahren bis zur Schwelle", "measure"),
    ("grants", "Förderbescheide", "measure"), ("grant_eur", "Fördersumme (€)", 0),
    ("eur_per_inhabitant", "Förderung je Einwohner (€)", "measure"),
)


def distinct_names(facts: pd.DataFrame) -> dict[str, str]:
    """ars -> display name, with the kind (and if still ambiguous the key) added where names repeat."""
    names = [str(n) for n in facts["name"]]
    kinds = [str(k) for k in facts["kind"]]
    out: dict[str, str] = {}
    for ars, name, kind in zip(facts["ars"], names, kinds, strict=True):
        label = f"{name} ({kind})" if names.count(name) > 1 else name
        if label in out.values():
            label = f"{label} {ars}"
        out[str(ars)] = label
    return out


def compare_table(facts: pd.DataFrame) -> pd.DataFrame:
    """Regions side by side (one column per region, German text cells): the facts of `authority_facts`."""
    columns: dict[str, list[str]] = {}
    labels = distinct_names(facts)
    total_row = [c for c, _l, _f in COMPARE_ROWS].index("total")
    for i, ars in enumerate(facts["ars"]):
        key = labels[str(ars)]
        cells = []
        row = facts.iloc[i]
        for col, _label, fmt in COMPARE_ROWS:
            value = row.get(col)
            if missing(value):
                cells.append("–")
            elif fmt == "date":
                cells.append(date_text(value, row.get(f"{col}_precision")))
            elif fmt == "measure":
                cells.append(number(value, MEASURES[col].decimals))
            elif isinstance(fmt, int):
                cells.append(number(value, fmt))
            else:
                cells.append(str(value))
        inherited = row.get("inherited_from_name")
        if isinstance(inherited, str) and inherited:
            cells[total_row] = f"{cells[total_row]} (von VG {inherited} übernommen)"
        columns[key] = cells
    return pd.DataFrame(columns, index=[label for _c, label, _f in COMPARE_ROWS])
