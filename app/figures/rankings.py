"""Charts and table frames of the rankings: top and bottom bars, the ranking table, rank and date texts.
Pure functions: DataFrames in, plotly figures or display frames out (numbers stay numeric)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.formatting import number
from app.frames import missing
from app.style import date_text, escape, source_note

BAR = "#0072B2"          # Okabe-Ito blue


HIGHLIGHT = "#D55E00"    # Okabe-Ito vermillion


MEDIAN = "#555555"


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
    if missing(change):
        return "–"
    n = int(change)  # type: ignore[call-overload]
    if n > 0:
        return f"▲ {number(n)}"
    if n < 0:
        return f"▼ {number(-n)}"
    return "= 0"


def position_text(rank: object, peers: object) -> str:
    """'Platz 12 von 87'."""
    if missing(rank):
        return "ohne Rang"
    return f"Platz {number(rank)} von {number(peers)}"


def top_bottom(frame: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The n best and n worst rows by rank (rows without a value left out); fewer rows: no overlap."""
    ranked = frame.dropna(subset=["value"]).sort_values(["rank", "name"], kind="stable")
    top = ranked.head(n)
    rest = ranked.iloc[len(top):]
    bottom = rest.tail(n)
    return top, bottom


# the authorities whose name alone is a place's: a Verwaltungsgemeinschaft often shares its seat's name, and a
# Landratsamt or Bezirk is named after its area ("Freyung-Grafenau" ranked among Gemeinden reads as a town)
TYPE_MARK = {"Verwaltungsgemeinschaft": "VG", "Landkreis": "Landkreis", "Bezirk": "Bezirk"}


LABEL_PX = 5.2  # a bar label character at plotly's 12 px font is 5.5-6 px: the note stays inside the figure


def bar_label(rank: object, name: str, authority_type: object = None) -> str:
    """'12. Dormitz', '3. Dormitz (VG)', '40. Freyung-Grafenau (Landkreis)'; a name that already says its type
    ("Regensburg, Landkreis") keeps it once."""
    mark = TYPE_MARK.get(authority_type) if isinstance(authority_type, str) else None
    suffix = f" ({mark})" if mark and not str(name).endswith(f", {authority_type}") else ""
    return f"{number(rank)}. {escape(name)}{suffix}"


def top_bottom_bars(frame: pd.DataFrame, label: str, decimals: int = 0, n: int = 10,
                    highlight: str | None = None, median: float | None = None, *, attribution: str, demo: bool,
                    height: int = 820, note_width: int | None = None) -> go.Figure:
    """Two horizontal bar charts one above the other on one scale (side by side their names overlapped on a
    phone): the top n and the bottom n (by rank), German
    numbers, the highlighted region in its own colour and the peer-group median as a dashed line; the
    source line (and the demo label when `demo`) below, inside the figure."""
    top, bottom = top_bottom(frame, n)
    fig = make_subplots(rows=2, cols=1, subplot_titles=(f"Die ersten {number(len(top))}",
                                                        f"Die letzten {number(len(bottom))}"),
                        vertical_spacing=0.14)
    has_median = median is not None and not missing(median)
    values = pd.concat([top["value"], bottom["value"]]).astype(float)
    upper = max([*values.tolist(), float(median) if has_median else 0.0, 0.0]) * 1.08 or 1.0  # type: ignore[arg-type]
    types = frame["authority_type"] if "authority_type" in frame else pd.Series(None, index=frame.index)
    for row, part in ((1, top), (2, bottom)):
        labels = [bar_label(r, name, t) for r, name, t in zip(part["rank"], part["name"], types.loc[part.index],
                                                              strict=True)]
        colours = [HIGHLIGHT if a == highlight else BAR for a in part["ars"]]
        fig.add_trace(go.Bar(
            x=part["value"].tolist(), y=labels, orientation="h", marker_color=colours,
            text=[number(v, decimals) for v in part["value"]], textposition="auto",
            customdata=part["ars"].tolist(), showlegend=False,
            # real (with its source) or demo, per bar
            hovertext=[escape(o) if isinstance(o, str) else "" for o in
                       (part["origin"] if "origin" in part else [None] * len(part))],
            hovertemplate="%{y}<br>" + escape(label) + ": %{text}<br><i>%{hovertext}</i><extra></extra>",
        ), row=row, col=1)
        fig.update_yaxes(autorange="reversed", automargin=True, row=row, col=1)
        fig.update_xaxes(range=[0, upper], title={"text": escape(label)}, row=row, col=1)
        if has_median:
            fig.add_vline(x=float(median), line_dash="dash", line_color=MEDIAN, row=row, col=1)  # type: ignore[arg-type]
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=",.")
    fig = source_note(fig, attribution, demo, width=note_width)
    if note_width:  # a phone: the note starts at the figure's edge, left of the bar labels, not at the plot's
        longest = max((len(t) for trace in fig.data for t in (trace.y or ())), default=0)
        fig.layout.annotations[-1].xshift = -min(longest * LABEL_PX, 220)
    return fig


def around(table: pd.DataFrame, chosen: pd.Series, n: int = 5) -> pd.DataFrame:
    """The chosen row with up to n rows before and after it, in the table's order: where the chosen authority
    stands without scrolling a grid of 2,000 rows to it (a grid cannot be scrolled from the server)."""
    where = np.flatnonzero(chosen.to_numpy(dtype=bool))
    if not len(where):
        return table.iloc[0:0]
    at = int(where[0])
    return table.iloc[max(0, at - n):at + n + 1]


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
        # real (with its source) or demo, per value
        **({"Herkunft": frame["origin"]} if "origin" in frame.columns else {}),
    }).reset_index(drop=True)


def peer_strip(frame: pd.DataFrame, label: str, decimals: int = 0, highlight: str | None = None,
               median: float | None = None, *, attribution: str, demo: bool, height: int = 300,
               note_width: int | None = None) -> go.Figure:
    """The whole peer group as one strip of dots (each authority a dot at its value, spread up and down so that
    equal values stay visible), the chosen authority as a large dot labelled with its name and 'Platz X von Y',
    the group median as a dashed line; the source line below, inside the figure."""
    rows = frame.dropna(subset=["value"]).sort_values(["rank", "name"], kind="stable").reset_index(drop=True)
    spread = [((i * 0.618034) % 1.0) - 0.5 for i in range(len(rows))]  # fixed, not random: the same every rerun
    mine = rows["ars"] == highlight if highlight is not None else pd.Series(False, index=rows.index)
    texts = [f"{number(r)}. {escape(n)}: {number(v, decimals)}"
             for r, n, v in zip(rows["rank"], rows["name"], rows["value"], strict=True)]
    fig = go.Figure(go.Scatter(
        x=rows["value"].astype(float).tolist(), y=spread, mode="markers", name="Vergleichsgruppe",
        marker={"color": BAR, "size": 7, "opacity": 0.45}, hovertext=texts, customdata=rows["ars"].tolist(),
        hovertemplate="%{hovertext}<extra></extra>", showlegend=False))
    if has_median := median is not None and not missing(median):
        fig.add_vline(x=float(median), line_dash="dash", line_color=MEDIAN,  # type: ignore[arg-type]
                      annotation_text=f"Median {number(median, decimals)}", annotation_position="top")
    if mine.any():
        row = rows[mine].iloc[0]
        where = position_text(row["rank"], row["peers"] if "peers" in rows else len(rows))
        at = spread[int(rows.index[mine][0])]
        fig.add_trace(go.Scatter(
            x=[float(row["value"])], y=[at], mode="markers", name=escape(row["name"]),
            marker={"color": HIGHLIGHT, "size": 16, "line": {"color": "white", "width": 2}}, showlegend=False,
            hovertext=[f"{escape(row['name'])}: {where}"], hovertemplate="%{hovertext}<extra></extra>"))
        fig.add_annotation(x=float(row["value"]), y=at, yref="y", text=f"<b>{escape(row['name'])}</b><br>{where}",
                           showarrow=True, arrowhead=0, ay=-45, ax=0, font={"color": HIGHLIGHT},
                           bgcolor="rgba(255,255,255,0.85)")
    fig.update_yaxes(visible=False, range=[-0.7, 1.4 if mine.any() or has_median else 0.7], fixedrange=True)
    fig.update_xaxes(title={"text": escape(label)}, zeroline=False)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, separators=",.",
                      plot_bgcolor="white")
    return source_note(fig, attribution, demo, width=note_width)
