"""What a page publishes with what it shows: download buttons for a (filtered) result in every format, a chart
with its PNG button and its data one click away, the source line under a table, and the full download.

Usage on a page (after the page has its build and a query `Result`):

    from app.ui import downloads
    downloads.download_buttons(result, "rangliste_bayern")                  # format selector + one button
    downloads.chart(fig, result, "foerderung_karte", display=table)          # chart + data expander

The files are generated only when a button is clicked (deferred `data` callables).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import exports
from app.data.cache import cached
from app.data.downloads import download_table, downloadable, region_shapes
from app.data.provenance import Result, provenance, tagged
from app.data.registry import Db
from app.figures.layout import chart_theme
from app.formatting import number
from app.style import DEMO_LABEL
from app.ui import chart_spec
from app.ui.markdown import md
from app.ui.tables import show_table
from core.keys import PROJECT_DIR


def source_caption(result: Result, is_demo: bool | None = None) -> str:
    """The attribution line under a table ("Quelle: …", escaped), with the demo label when it shows demo rows."""
    line = result.attribution
    text = "Quelle: " + md(line)
    demo = result.demo if "is_demo" in result.frame.columns else bool(is_demo)
    if demo and DEMO_LABEL not in line:
        text += f" · **{md(DEMO_LABEL)}**"
    st.caption(text)
    return text


def _deferred(result: Result, fmt: str, title: str, is_demo: bool | None) -> Callable[[], bytes]:
    def make() -> bytes:
        rows = tagged(result.build, result.frame, result.kinds, is_demo, result.facts, result.by_prefix)
        shapes = None
        if fmt == "geojson":
            shapes = region_shapes(result.build, rows["ars"].dropna().astype(str).unique().tolist())
        return exports.build(fmt, rows, provenance(result.build), title, shapes)
    return make


def download_buttons(result: Result, name: str, *, title: str | None = None, is_demo: bool | None = None,
                     formats: Iterable[str] | None = None, key: str | None = None) -> None:
    """One format selector and one download button for the result (CSV für Excel, CSV, XLSX, Parquet; GeoJSON if
    it has `ars`); the selector's key is `dlfmt-<key>`, the button's `dl-<key>-<format>`.

    One selector and one button instead of one button per format (issue 16): a page with six tables had thirty
    buttons, a sixth of its rerun. The frame holds raw values (numbers as numbers, the region key as `ars`) and,
    where it has them, `source_id` and `is_demo`. Rows without a `source_id` are credited to the sources of the
    result's fact tables about their region, else to the sources of its kinds (None: build metadata). `is_demo`
    sets the demo flag of a frame without an `is_demo` column. The file name is digitalmonitor_<name>_<build
    date>.<ext>; the file is generated only when clicked.
    """
    prov = provenance(result.build)
    fmts = list(formats) if formats is not None else [f for f in exports.FORMATS
                                                       if f != "geojson" or "ars" in result.frame.columns]
    slug = key or exports.slug(name)
    # one row that wraps: the selector and the button, readable in a narrow box too
    row = st.container(horizontal=True, wrap=True, gap="small", vertical_alignment="bottom")
    fmt = row.selectbox("Format", fmts, format_func=lambda f: exports.FORMATS[f][0], key=f"dlfmt-{slug}",
                        width=190, label_visibility="collapsed") if len(fmts) > 1 else fmts[0]
    label, _ext, mime = exports.FORMATS[fmt]
    row.download_button(
        "Herunterladen", data=_deferred(result, fmt, title or name, is_demo),
        file_name=exports.download_name(name, prov, fmt), mime=mime, key=f"dl-{slug}-{fmt}",
        on_click="ignore", icon=":material/download:", width="content",
        help=f"{label}: {number(len(result.frame))} Zeilen mit Quelle, Lizenz und Demo-Kennzeichen",
    )


def chart_config(name: str, build: Db, **extra: object) -> dict:
    """The plotly config of every chart: the camera saves a PNG named like the downloads, a map finds its base-map
    topology on our server (exports.png_config); `extra` adds to it (the Karte's scroll zoom)."""
    return {**exports.png_config(name, provenance(build)), **extra}


def plotly_chart(fig: go.Figure, name: str, build: Db, *, config: dict | None = None, **options: Any) -> Any:
    """st.plotly_chart, full width, with the chart's config (chart_config, plus `config`) and its theme (a map brings
    its own look: layout.chart_theme); `options` go to st.plotly_chart (key, on_select, ...)."""
    return st.plotly_chart(chart_spec.once(fig), width="stretch", theme=chart_theme(fig),
                           config=chart_config(name, build, **(config or {})), **options)


def chart(fig: go.Figure, result: Result, name: str, *, display: pd.DataFrame | None = None,
          is_demo: bool | None = None, caption: str | None = None, key: str | None = None) -> None:
    """A plotly chart (the modebar camera saves a PNG named like the downloads) with its data one click
    away: an expander with the table (`display`, else the result's frame) and the download buttons."""
    plotly_chart(fig, name, result.build, key=key)
    if caption:
        st.caption(caption)
    with st.expander("Daten zur Grafik", icon=":material/table:"):
        show_table(display if display is not None else result.frame)
        source_caption(result, is_demo)
        download_buttons(result, name, is_demo=is_demo, key=key)


METHOD_FILE = PROJECT_DIR / "docs" / "METHOD.md"


def method_text() -> str:
    """The method notes (docs/METHOD.md) shown on the Daten page and put into the full download."""
    return METHOD_FILE.read_text(encoding="utf-8") if METHOD_FILE.exists() else ""


@cached(max_entries=2)
def full_zip(build: Db) -> bytes:
    """Every downloadable table and view of a build (except the very large ones) as CSV (two variants) with
    README.txt."""
    specs = {name: spec for name, spec in downloadable(build).items() if spec.in_full_zip}
    tables = {name: tagged(build, download_table(build, name), spec.kinds, facts=spec.facts, by_prefix=spec.by_prefix)
              for name, spec in specs.items()}
    descriptions = {name: f"{spec.label}: {spec.description}" for name, spec in specs.items()}
    return exports.to_zip(tables, provenance(build), descriptions, method_text())
