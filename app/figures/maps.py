"""Choropleth builders: classification (mapclassify), discrete colour-blind-safe classes, a grey
"keine Daten" class, German legend and hover text. Pure functions: DataFrames in, plotly figures out.

A map frame has one row per shape with the columns `ars`, `name`, `kind`, `value` and optionally
`inherited_from_name` (a municipality showing its Verwaltungsgemeinschaft's value) and `note`. `ranked()`
adds `rank` and `peers`; only own values are ranked, an inherited value is shown without a rank.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import mapclassify
import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go

from app.figures.layout import LEGEND_PX, legend_trace, map_layout, stepped_colourscale
from app.formatting import number
from app.style import NO_DATA_GREY, PX_PER_NOTE_CHAR, STATUS_COLOURS, escape, source_note

SCHEMES = {"quantiles": "Quantile (gleich viele Gebiete je Klasse)",
           "natural_breaks": "Natürliche Brüche (Fisher-Jenks)",
           "equal_interval": "Gleiche Abstände"}


CLASS_COUNTS = (3, 4, 5, 6, 7)


NO_DATA = "keine Daten"


HOVER_CHARS = 70  # a note line in a map's hover label

# Okabe-Ito, the colour-blind-safe palette for categories (the Digitales-Amt status: app.style.STATUS_COLOURS)
OKABE_ITO = ("#009E73", "#E69F00", "#0072B2", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


# Fisher-Jenks is quadratic in the number of values; larger inputs are represented by evenly spaced
# quantiles (deterministic, unlike random sampling)
JENKS_MAX_POINTS = 256


@dataclass(frozen=True)
class Classes:
    """Result of a classification: upper bounds, German labels, and the class of every row (-1 = no data)."""

    bins: tuple[float, ...]
    labels: tuple[str, ...]
    index: pd.Series

    @property
    def k(self) -> int:
        return len(self.bins)


def colours(k: int) -> list[str]:
    """k discrete steps of viridis, light (few) to dark (many)."""
    if k <= 0:
        return []
    if k == 1:
        return ["rgb(33, 145, 140)"]
    return list(reversed(plotly.colors.sample_colorscale("Viridis", [i / (k - 1) for i in range(k)])))


def _natural_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Fisher-Jenks upper bounds. Above JENKS_MAX_POINTS distinct values the breaks are computed on evenly
    spaced quantiles, and each bound is then set at the widest gap in the data between the class's last
    quantile and the next class's first, so a cluster is not cut between two of its quantiles."""
    distinct = np.unique(values)
    reduced = len(distinct) > JENKS_MAX_POINTS
    points = np.unique(np.quantile(values, np.linspace(0, 1, JENKS_MAX_POINTS))) if reduced else distinct
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        bins = mapclassify.FisherJenks(points, k=min(k, len(points))).bins
    if reduced:
        ordered = np.sort(values)
        snapped = []
        for upper in bins[:-1]:
            following = points[np.searchsorted(points, upper, side="right")]
            between = ordered[(ordered >= upper) & (ordered <= following)]
            snapped.append(between[int(np.argmax(np.diff(between)))] if len(between) > 1 else upper)
        bins = np.array(snapped)
    else:
        bins = bins[:-1]
    return np.append(bins, values.max())


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5, decimals: int = 0) -> Classes:
    """Classes of the non-missing values (missing values get class -1, never a colour class).

    Integer data (decimals == 0 and all values whole numbers) gets whole-number bounds, so a label
    "13 – 25" never promises values that cannot exist. A value of 0 always falls into the lowest class.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown classification {scheme!r}")
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    valid = numeric.dropna()
    index = pd.Series(-1, index=values.index, dtype="int64")
    if valid.empty:
        return Classes((), (), index)
    data = valid.to_numpy()
    k = max(1, min(int(k), len(np.unique(data))))
    if k == 1:
        bins = np.array([data.max()])
    elif scheme == "quantiles":
        bins = mapclassify.Quantiles(data, k=k).bins
    elif scheme == "natural_breaks":
        bins = _natural_breaks(data, k)
    else:
        bins = mapclassify.EqualInterval(data, k=k).bins
    integral = decimals == 0 and bool(np.all(np.equal(np.mod(data, 1), 0)))
    if integral:
        bins = np.floor(bins)
    bins = np.unique(np.append(bins[:-1], data.max()))
    bins = bins[bins >= data.min()]
    index.loc[valid.index] = np.searchsorted(bins, data, side="left")
    lowest = float(data.min())
    labels = []
    for i, upper in enumerate(bins):
        if i == 0:
            lower_text = number(lowest, decimals)
        elif integral:
            lower_text = number(math.floor(bins[i - 1]) + 1, 0)
        else:
            lower_text = "> " + number(bins[i - 1], decimals)
        upper_text = number(upper, decimals)
        labels.append(upper_text if lower_text == upper_text else f"{lower_text} – {upper_text}")
    return Classes(tuple(float(b) for b in bins), tuple(labels), index)


@dataclass(frozen=True)
class Hover:
    """Hover data of a map: one customdata row per region and one template for all rows. A row holds the
    name, the kind, the value text (with its unit, or "keine Daten"), the rank line ("<br>Platz 12 von
    2.056", empty without a rank) and the extra lines (value inherited from a VG, note). The label lives
    once in the template, not in every row, which keeps a map of all 11,000 municipalities small."""

    rows: list[list[str]]
    template: str


def hover(frame: pd.DataFrame, label: str, unit: str = "", decimals: int = 0,
          categorical: bool = False) -> Hover:
    """German hover for every row: name, kind, value, rank, and where an inherited value comes from.
    Plain lists, not row lookups, and each distinct note or origin wrapped once: a cold map of Bayern's 2,230
    municipalities built its hover in 50 ms row by row."""
    n = len(frame)
    suffix = escape(f" {unit}") if unit else ""
    missing = frame["value"].isna().tolist()
    none = [None] * n
    column = lambda name: frame[name].tolist() if name in frame.columns else none  # noqa: E731
    inherited, notes, origin = column("inherited_from_name"), column("note"), column("origin")
    ranks = frame["rank"].tolist() if "rank" in frame.columns and not categorical else None
    peers = int(frame["peers"].iloc[0]) if ranks is not None and "peers" in frame.columns and n else None
    peers_text = f" von {number(peers)}" if peers is not None else ""
    note_lines = _memo(lambda note: "".join(f"<br>{escape(line)}" for line in textwrap.wrap(note, HOVER_CHARS)))
    origin_line = _memo(lambda text: f"<br><i>{escape(textwrap.shorten(text, 90, placeholder=' …'))}</i>")
    rows = []
    for i, (name, kind, value) in enumerate(zip(frame["name"].tolist(), frame["kind"].tolist(),
                                                frame["value"].tolist(), strict=True)):
        extra = ""
        source = inherited[i]
        if not missing[i] and isinstance(source, str) and source:
            extra += f"<br><i>von VG {escape(source)} übernommen</i>"
        note = notes[i]
        if isinstance(note, str) and note:  # wrapped: a hover label wider than the map is cut at its edges
            extra += note_lines(note)
        if not missing[i] and isinstance(origin[i], str):
            extra += origin_line(origin[i])
        if missing[i]:
            text = NO_DATA
        elif categorical:
            text = escape(value) + suffix
        else:
            text = number(value, decimals) + suffix
        rank = ranks[i] if ranks is not None else None
        rank_line = ""
        if peers is not None and not missing[i] and rank is not None and not pd.isna(rank):
            rank_line = f"<br>Platz {number(rank)}{peers_text}"
        rows.append([escape(name), escape(kind) if isinstance(kind, str) else "", text, rank_line, extra])
    template = ("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>" + escape(label)
                + ": %{customdata[2]}%{customdata[3]}%{customdata[4]}<extra></extra>")
    return Hover(rows, template)


def _memo(make: Callable[[str], str]) -> Callable[[str], str]:
    """`make` computed once per distinct text (a note repeats on most regions of a map)."""
    seen: dict[str, str] = {}

    def get(text: str) -> str:
        if text not in seen:
            seen[text] = make(text)
        return seen[text]
    return get


MAP_WIDTH = 520  # the map area beside its table at 1400 px (the source note inside the map wraps to it)


def choropleth(frame: pd.DataFrame, geojson_url: str, bounds: tuple[float, float, float, float], *,
               label: str, attribution: str, demo: bool, unit: str = "", decimals: int = 0,
               scheme: str = "quantiles", k: int = 5, categories: tuple[str, ...] = (), height: int = 650,
               width: int = MAP_WIDTH, pan: bool = True) -> go.Figure:
    """A choropleth of every region in one trace (so the browser fetches and processes the GeoJSON once):
    z is the class index, a stepped colourscale gives each class its colour and the last index the grey
    of "keine Daten". Legend entries (German class bounds, then "keine Daten") are empty marker traces
    that draw nothing. With `categories` the value is categorical and each category gets an Okabe-Ito
    colour in the given order. A value without a rank (inherited from a VG) keeps its class colour; its
    hover names no rank. `width` is the expected width of the map area (for the note); the legend sits
    below it. `pan`: the map can be dragged (the Länder map is not: plotly reports the end of a drag as a click,
    which there drills down). The source line `attribution` (and the demo label when `demo`) is written into
    the map, so a saved PNG keeps it."""
    categorical = bool(categories)
    data = hover(frame, label, unit, decimals, categorical)
    if categorical:
        present = frame["value"].where(frame["value"].isin(categories))
        index = pd.Series(-1, index=frame.index, dtype="int64")
        for i, category in enumerate(categories):
            index[present.eq(category)] = i
        palette = [STATUS_COLOURS.get(c, OKABE_ITO[i % len(OKABE_ITO)]) for i, c in enumerate(categories)]
        labels = list(categories)
    else:
        classes = classify(frame["value"], scheme, k, decimals)
        index = classes.index
        palette = colours(classes.k)
        labels = list(classes.labels)
    missing = index.eq(-1)
    if missing.any():
        index = index.where(~missing, len(palette))
        palette = [*palette, NO_DATA_GREY]
        labels = [*labels, NO_DATA]
    z = index.astype(int).tolist()
    used = set(z)
    traces: list[go.Choropleth | go.Scattergeo] = [go.Choropleth(
        # text arrays as object arrays: plotly.py checks a list element by element (0.2 s for all municipalities),
        # an array at once; both go out as the same JSON lists
        geojson=geojson_url, featureidkey="properties.ars", locations=frame["ars"].to_numpy(dtype=object), z=z,
        colorscale=stepped_colourscale(palette), zmin=-0.5, zmax=len(palette) - 0.5, showscale=False,
        marker={"line": {"width": 0.3, "color": "white"}, "opacity": 0.9}, showlegend=False,
        # a click selects its region (st.plotly_chart on_select), which must not fade all the others
        selected={"marker": {"opacity": 0.9}}, unselected={"marker": {"opacity": 0.9}},
        customdata=np.array(data.rows, dtype=object), hovertemplate=data.template,
    )]
    traces += [legend_trace(text, colour, i, i)
               for i, (text, colour) in enumerate(zip(labels, palette, strict=True)) if i in used]
    fig = map_layout(go.Figure(traces), bounds, height, pan=pan)
    title = f"{label} ({unit})" if unit and not categorical else label
    fig.update_layout(
        legend={"title": {"text": escape(title), "side": "top"}, "orientation": "h", "x": 0, "y": 0,
                "xanchor": "left", "yanchor": "top", "itemclick": False, "itemdoubleclick": False},
        # a click selects its region: st.plotly_chart(on_select=...) would set these itself after the first
        # drawing, and plotly.js would draw the map a second time
        clickmode="event+select", hovermode="closest",
    )
    return source_note(fig, attribution, demo, inside_map=True, width=max(50, width // PX_PER_NOTE_CHAR),
                       plot_height=height - LEGEND_PX)


def display_order(frame: pd.DataFrame, categories: tuple[str, ...] = ()) -> pd.Index:
    """The rows' index in the order the map's table shows them (and its download writes them): best first
    (categories in their order), regions without a value last."""
    order = {c: i for i, c in enumerate(categories)}
    sortable = frame.assign(_missing=frame["value"].isna(),
                            _category=frame["value"].map(lambda v: order.get(v, len(order))))
    keys = ["_missing", "_category", "name"] if categories else (
        ["_missing", "rank", "name"] if "rank" in frame.columns else ["_missing", "name"])
    return sortable.sort_values(keys, kind="stable").index


def map_table(frame: pd.DataFrame, label: str, unit: str = "", profile_url: str | None = None,
              categories: tuple[str, ...] = ()) -> pd.DataFrame:
    """The map's data as a table (the accessible alternative): best first (categories in their order),
    regions without a value last. Values stay numeric; `profile_url` (e.g. "Gemeindeprofil") adds a link
    column to each profile."""
    ordered = frame.loc[display_order(frame, categories)]
    heading = f"{label} ({unit})" if unit else label
    table = pd.DataFrame({
        "Rang": ordered["rank"].astype("Int64") if "rank" in ordered.columns else pd.NA,
        "Name": ordered["name"],
        heading: ordered["value"],
        "Art": ordered["kind"],
        "Einwohner": ordered["population"].astype("Int64"),
    })
    if "rank" not in ordered.columns or ordered["rank"].isna().all():
        table = table.drop(columns=["Rang"])
    if "inherited_from_name" in ordered and ordered["inherited_from_name"].notna().any():
        table["übernommen von VG"] = ordered["inherited_from_name"]
    if "note" in ordered and ordered["note"].notna().any():
        table["Hinweis"] = ordered["note"]
    if "origin" in ordered:
        table.insert(table.columns.get_loc(heading) + 1, "Herkunft", ordered["origin"])
    if profile_url:
        table["Profil"] = [f"{profile_url}?ars={a}" for a in ordered["ars"]]
    table["Schlüssel"] = ordered["ars"]
    return table.reset_index(drop=True)


def selected_ars(selection: object) -> str | None:
    """The region key of the first point of a plotly selection event (st.plotly_chart on_select)."""
    points = []
    if isinstance(selection, dict):
        points = (selection.get("selection") or {}).get("points") or []
    else:
        sel = getattr(selection, "selection", None)
        points = getattr(sel, "points", None) or (sel.get("points") if isinstance(sel, dict) else None) or []
    for point in points:
        key = point.get("location")
        if isinstance(key, str) and key:
            return key
    return None
