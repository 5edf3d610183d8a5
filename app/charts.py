"""Charts and table frames for the rankings and the municipality profile. Pure functions: DataFrames in,
plotly figures or display frames out (German labels; the numbers stay numeric so tables sort numerically).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.formatting import number
from app.style import date_text, escape, source_note

BAR = "#0072B2"          # Okabe-Ito blue
HIGHLIGHT = "#D55E00"    # Okabe-Ito vermillion
MEDIAN = "#555555"
MUNICIPAL = "#0072B2"
CENTRAL = "#E69F00"
# up to five regions side by side (the region itself and four others), Okabe-Ito
SERIES = ("#000000", "#0072B2", "#E69F00", "#009E73", "#CC79A7")
# above the plot: below it sits the source line
LEGEND_ON_TOP = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def latest_date_text(frame: pd.DataFrame, column: str = "as_of", precision: str = "as_of_precision") -> str:
    """The newest date of a column in German, as precisely as it is known ('Dezember 2023' for a month);
    rows of that date with different precisions give the coarsest. '–' without any date."""
    dates = pd.to_datetime(frame[column]) if column in frame else pd.Series(dtype="datetime64[ns]")
    if dates.dropna().empty:
        return "–"
    newest = dates.max()
    known = frame.loc[dates == newest, precision].dropna() if precision in frame else pd.Series(dtype=str)
    coarsest = next((p for p in ("year", "month", "day") if p in set(known)), "day")
    return date_text(newest, coarsest)


def rank_change_text(change: object) -> str:
    """Rank change as an arrow and the number of places: ▲ 3 (moved up), ▼ 2, = 0; '–' without a previous rank."""
    if _missing(change):
        return "–"
    n = int(change)  # type: ignore[call-overload]
    if n > 0:
        return f"▲ {number(n)}"
    if n < 0:
        return f"▼ {number(-n)}"
    return "= 0"


def position_text(rank: object, peers: object) -> str:
    """'Platz 12 von 87'."""
    if _missing(rank):
        return "ohne Rang"
    return f"Platz {number(rank)} von {number(peers)}"


def top_bottom(frame: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The n best and n worst rows by rank (rows without a value left out); fewer rows: no overlap."""
    ranked = frame.dropna(subset=["value"]).sort_values(["rank", "name"], kind="stable")
    top = ranked.head(n)
    rest = ranked.iloc[len(top):]
    bottom = rest.tail(n)
    return top, bottom


def bar_label(rank: object, name: str, authority_type: object = None) -> str:
    """'12. Dormitz' (a Verwaltungsgemeinschaft marked '(VG)', since it often shares its seat's name)."""
    suffix = " (VG)" if authority_type == "Verwaltungsgemeinschaft" else ""
    return f"{number(rank)}. {escape(name)}{suffix}"


def top_bottom_bars(frame: pd.DataFrame, label: str, decimals: int = 0, n: int = 10,
                    highlight: str | None = None, median: float | None = None, *, attribution: str, demo: bool,
                    height: int = 480) -> go.Figure:
    """Two horizontal bar charts side by side on one scale: the top n and the bottom n (by rank), German
    numbers, the highlighted region in its own colour and the peer-group median as a dashed line; the
    source line (and the demo label when `demo`) below, inside the figure."""
    top, bottom = top_bottom(frame, n)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"Die ersten {number(len(top))}",
                                                        f"Die letzten {number(len(bottom))}"),
                        horizontal_spacing=0.22)
    has_median = median is not None and not _missing(median)
    values = pd.concat([top["value"], bottom["value"]]).astype(float)
    upper = max([*values.tolist(), float(median) if has_median else 0.0, 0.0]) * 1.08 or 1.0  # type: ignore[arg-type]
    types = frame["authority_type"] if "authority_type" in frame else pd.Series(None, index=frame.index)
    for col, part in ((1, top), (2, bottom)):
        labels = [bar_label(r, name, t) for r, name, t in zip(part["rank"], part["name"], types.loc[part.index],
                                                              strict=True)]
        colours = [HIGHLIGHT if a == highlight else BAR for a in part["ars"]]
        fig.add_trace(go.Bar(
            x=part["value"].tolist(), y=labels, orientation="h", marker_color=colours,
            text=[number(v, decimals) for v in part["value"]], textposition="auto",
            customdata=part["ars"].tolist(), showlegend=False,
            hovertemplate="%{y}<br>" + escape(label) + ": %{text}<extra></extra>",
        ), row=1, col=col)
        fig.update_yaxes(autorange="reversed", row=1, col=col)
        fig.update_xaxes(range=[0, upper], title={"text": escape(label)}, row=1, col=col)
        if has_median:
            fig.add_vline(x=float(median), line_dash="dash", line_color=MEDIAN, row=1, col=col)  # type: ignore[arg-type]
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=",.")
    return source_note(fig, attribution, demo)


def ranking_table(frame: pd.DataFrame, value_label: str) -> pd.DataFrame:
    """The ranking as displayed: numeric columns stay numeric (the page shows Rangänderung as ▲/▼, see
    `rank_change_text`)."""
    return pd.DataFrame({
        "Rang": frame["rank"].astype("Int64"),
        "Rangänderung": frame["rank_change"].astype("Int64"),
        "Name": frame["name"],
        "Behördentyp": frame["authority_type"],
        "Größenklasse": frame["size_class"],
        "Kreis": frame["district_name"],
        "Einwohner": frame["population"],
        value_label: frame["value"],
        "Median der Vergleichsgruppe": frame["group_median"],
    }).reset_index(drop=True)


def _dates(frame: pd.DataFrame) -> list[str]:
    """The German date of every row, as precisely as it is known (column as_of_precision, else days)."""
    precisions = frame["as_of_precision"] if "as_of_precision" in frame else ["day"] * len(frame)
    return [date_text(d, p) for d, p in zip(frame["as_of"], precisions, strict=True)]


def history_chart(history: pd.DataFrame, *, attribution: str, demo: bool, title: str = "",
                  height: int = 440) -> go.Figure:
    """Procedures over time of one authority: municipal and central stacked (areas), or the total as a line
    where a source gives only totals; the source line (and the demo label) inside the figure."""
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
    return source_note(fig, attribution, demo)


def compare_history_chart(history: pd.DataFrame, names: dict[str, str], *, attribution: str, demo: bool,
                          height: int = 440) -> go.Figure:
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
    return source_note(fig, attribution, demo)


COMPARE_ROWS = (
    ("kind", "Art", None), ("district_name", "Kreis", None), ("size_class", "Größenklasse", None),
    ("population", "Einwohner", 0), ("area_km2", "Fläche (km²)", 1), ("density", "Einwohner je km²", 1),
    ("total", "Online-Verfahren gesamt", 0), ("municipal", "kommunal", 0), ("central", "zentral", 0),
    ("total_per_10k", "je 10.000 Einwohner", 1), ("as_of", "Stand", "date"),
    ("da_status", "Digitales Amt", None), ("distance", "fehlende Verfahren bis zur Schwelle", 0),
    ("grants", "Förderbescheide", 0), ("grant_eur", "Fördersumme (€)", 0),
    ("eur_per_inhabitant", "Förderung je Einwohner (€)", 2),
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
            if _missing(value):
                cells.append("–")
            elif fmt == "date":
                cells.append(date_text(value, row.get(f"{col}_precision")))
            elif isinstance(fmt, int):
                cells.append(number(value, fmt))
            else:
                cells.append(str(value))
        inherited = row.get("inherited_from_name")
        if isinstance(inherited, str) and inherited:
            cells[total_row] = f"{cells[total_row]} (von VG {inherited} übernommen)"
        columns[key] = cells
    return pd.DataFrame(columns, index=[label for _c, label, _f in COMPARE_ROWS])
