"""Streamlit helpers every page can use to publish what it shows: download buttons for a (filtered)
table in every format, a chart with its PNG button and its data one click away, and the demo banner.

Usage on a page (after the page has its build and its filtered frame):

    from app import downloads
    downloads.download_buttons(build, frame, "rangliste_bayern")            # rows carry source_id/is_demo
    downloads.chart(build, fig, frame, "foerderung_karte", display=table)   # chart + data expander

The files are generated only when a button is clicked (deferred `data` callables).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import db, exports
from app.formatting import day, number
from app.tables import german

DEMO_BANNER = exports.DEMO_LABEL
MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:"


@st.cache_data(show_spinner=False, max_entries=4)
def provenance(build: db.Db) -> exports.Provenance:
    """Build stands and the source table of a build (cached per build)."""
    return exports.provenance_from(db.build_info(build), db.source_table(build))


def md(text: object) -> str:
    """Escape data for st.markdown so that names and notes are shown as text, never as markup."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return "–"
    return "".join("\\" + ch if ch in MD_SPECIAL else ch for ch in str(text)).replace("\n", " ")


NO_BUILD = "Noch keine Datenbank. Bitte zuerst `python -m etl build` ausführen (siehe README)."
BROKEN_BUILD = ("Die Daten können gerade nicht gelesen werden: {problem} Bitte die Datenbank neu erstellen "
                "(`python -m etl build`, siehe README) oder den Betrieb verständigen.")
STALE_BUILD = ("Die veröffentlichte Datenbank kann gerade nicht gelesen werden ({problem}). Angezeigt wird der "
               "letzte lesbare Stand (Build {build_id}).")
NEW_BUILD = "Neue Daten veröffentlicht (Build {build_id}): die Seite zeigt jetzt den neuen Stand."
BUILD_CHECK_SECONDS = 20  # how often an open page looks for a newly published build
_SHOWN_BUILD = "_shown_build_id"
BUILD_STAMP = "Datenstand:"  # the sidebar line naming the build a page shows


def require_build() -> db.Db:
    """The published build for this rerun; without a readable one the page says so in German and stops
    (or keeps showing the last readable build with a note). Also starts the check for new builds."""
    try:
        build = db.current()
    except db.NoDatabase as exc:
        if exc.fallback is None:
            st.error(BROKEN_BUILD.format(problem=md(exc)) if _published_exists() else NO_BUILD,
                     icon=":material/error:")
            st.stop()
        build = exc.fallback
        st.warning(STALE_BUILD.format(problem=md(exc), build_id=md(build.build_id)), icon=":material/warning:")
    shown = st.session_state.get(_SHOWN_BUILD)
    if shown is not None and shown != build.build_id:
        st.toast(NEW_BUILD.format(build_id=md(build.build_id)), icon=":material/update:")
    st.session_state[_SHOWN_BUILD] = build.build_id
    with st.sidebar:
        st.caption(md(f"{BUILD_STAMP} {_built_at(build)} · Build {build.build_id}"))
        _watch_build()
    return build


@st.cache_data(show_spinner=False, max_entries=4)
def _built_at(build: db.Db) -> str:
    return day(db.build_info(build).get("built_at"))


def _published_exists() -> bool:
    path = db.published_path()
    return path.exists() or path.is_symlink()


@st.fragment(run_every=BUILD_CHECK_SECONDS)
def _watch_build() -> None:
    """Rerun the whole page once a new build is published, so every open page shows it within a minute
    without a reload; the page's own reruns never mix builds (one `Db` per rerun)."""
    try:
        published = db.current().build_id
    except db.NoDatabase:
        return
    if published != st.session_state.get(_SHOWN_BUILD):
        st.rerun(scope="app")


def demo_banner(build: db.Db, shown: bool | None = None) -> bool:
    """Show the demo banner when the page shows demo values (default: when the build holds demo data)."""
    demo = provenance(build).demo if shown is None else shown
    if demo:
        st.warning(DEMO_BANNER, icon=":material/science:")
    return demo


def attribution(build: db.Db, frame: pd.DataFrame | None = None, kinds: Iterable[str] | None = exports.DERIVED_KINDS,
                extra: Iterable[str] = (), facts: Iterable[str] = (), by_prefix: bool = False,
                is_demo: bool | None = None) -> str:
    """The attributions (and licences) behind a frame, short enough for a caption or a figure.
    `kinds=None` marks build metadata (load log, dictionary): its source is the build itself. Cached: the same
    table shown to many readers is traced to its sources once."""
    return _attribution(build, frame, None if kinds is None else tuple(kinds), tuple(extra), tuple(facts), by_prefix,
                        is_demo)


@st.cache_data(show_spinner=False, max_entries=256)
def _attribution(build: db.Db, frame: pd.DataFrame | None, kinds: tuple[str, ...] | None, extra: tuple[str, ...],
                 facts: tuple[str, ...], by_prefix: bool, is_demo: bool | None) -> str:
    prov = provenance(build)
    base = frame if frame is not None else pd.DataFrame({"is_demo": [prov.demo]})
    if kinds is None and "source_id" not in base.columns:
        return "; ".join(dict.fromkeys([*extra, exports.PROJECT_SOURCE["attribution"]]))
    tagged = exports.with_provenance(base, prov, kinds, is_demo, facts=_facts(build, base, facts),
                                     by_prefix=by_prefix)
    names, licences = exports.summary(exports.used_sources(tagged, prov))
    parts = list(dict.fromkeys([*extra, *names]))
    short = list(dict.fromkeys(lic.split("(")[-1].rstrip(")") if lic.endswith(")") else lic for lic in licences))
    return "; ".join(parts) + (f" · Lizenz: {', '.join(short)}" if short else "")


def source_caption(build: db.Db, frame: pd.DataFrame, kinds: Iterable[str] | None = exports.DERIVED_KINDS,
                   extra: Iterable[str] = (), facts: Iterable[str] = (), by_prefix: bool = False,
                   is_demo: bool | None = None) -> str:
    """The attribution line under a table ("Quelle: …", escaped), with the demo label when it shows demo rows."""
    line = attribution(build, frame, kinds, extra, facts, by_prefix, is_demo)
    text = "Quelle: " + md(line)
    demo = bool(frame["is_demo"].fillna(False).astype(bool).any()) if "is_demo" in frame.columns else bool(is_demo)
    if demo and DEMO_BANNER not in line:
        text += f" · **{md(DEMO_BANNER)}**"
    st.caption(text)
    return text


def _facts(build: db.Db, frame: pd.DataFrame, facts: Iterable[str]) -> pd.DataFrame | None:
    """The fact sources of a region-keyed frame without its own source column (None when not needed)."""
    facts = tuple(facts)
    if not facts or "source_id" in frame.columns or "ars" not in frame.columns:
        return None
    return _fact_sources(build, facts)


@st.cache_data(show_spinner=False, max_entries=16)
def _fact_sources(build: db.Db, facts: tuple[str, ...]) -> pd.DataFrame:
    return db.fact_sources(build, facts)


def show_table(frame: pd.DataFrame, decimals: dict[str, int] | None = None, height: int | str = "auto",
               links: Iterable[str] = ()) -> None:
    """A table with German numbers (values stay numeric, so sorting is numeric) and dates as 29.07.2021."""
    config: dict[str, object] = {}
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            config[str(col)] = st.column_config.DateColumn(format="DD.MM.YYYY")
    for col in links:
        if col in frame.columns:
            config[col] = st.column_config.LinkColumn(display_text="Quelle")
    st.dataframe(german(frame, decimals), hide_index=True, width="stretch", height=height,  # type: ignore[arg-type]
                 column_config=config or None)


def _deferred(build: db.Db, frame: pd.DataFrame, fmt: str, title: str, kinds: Iterable[str] | None,
              is_demo: bool | None, facts: tuple[str, ...], by_prefix: bool) -> Callable[[], bytes]:
    def make() -> bytes:
        prov = provenance(build)
        tagged = exports.with_provenance(frame, prov, kinds, is_demo, facts=_facts(build, frame, facts),
                                         by_prefix=by_prefix)
        shapes = None
        if fmt == "geojson":
            shapes = db.region_shapes(build, tagged["ars"].dropna().astype(str).unique().tolist())
        return exports.build(fmt, tagged, prov, title, shapes)
    return make


def download_buttons(build: db.Db, frame: pd.DataFrame, name: str, *, title: str | None = None,
                     kinds: Iterable[str] | None = exports.DERIVED_KINDS, is_demo: bool | None = None,
                     facts: Iterable[str] = (), by_prefix: bool = False,
                     formats: Iterable[str] | None = None, key: str | None = None) -> None:
    """One button per format for the frame (CSV for Excel, CSV, XLSX, Parquet; GeoJSON if it has `ars`).

    `frame` holds raw values (numbers as numbers, the region key as `ars`) and, where it has them,
    `source_id` and `is_demo`. Rows without a `source_id` are credited to the sources of the `facts`
    tables about their region (see `db.fact_sources`), else to the sources of `kinds`; `kinds=None`
    marks build metadata. `is_demo` sets the demo flag of a frame without an `is_demo` column. The file
    name is digitalmonitor_<name>_<build date>.<ext>; files are generated only when clicked.
    """
    prov = provenance(build)
    fmts = list(formats) if formats is not None else [f for f in exports.FORMATS
                                                       if f != "geojson" or "ars" in frame.columns]
    kinds = tuple(kinds) if kinds is not None else None
    cols = st.columns(len(fmts))
    for col, fmt in zip(cols, fmts, strict=True):
        label, _ext, mime = exports.FORMATS[fmt]
        col.download_button(
            label, data=_deferred(build, frame, fmt, title or name, kinds, is_demo, tuple(facts), by_prefix),
            file_name=exports.download_name(name, prov, fmt), mime=mime, key=f"dl-{key or exports.slug(name)}-{fmt}",
            on_click="ignore", icon=":material/download:", width="stretch",
            help=f"{number(len(frame))} Zeilen mit Quelle, Lizenz und Demo-Kennzeichen",
        )


def chart(build: db.Db, fig: go.Figure, frame: pd.DataFrame, name: str, *, display: pd.DataFrame | None = None,
          decimals: dict[str, int] | None = None, kinds: Iterable[str] | None = exports.DERIVED_KINDS,
          is_demo: bool | None = None, facts: Iterable[str] = (), by_prefix: bool = False,
          caption: str | None = None, key: str | None = None) -> None:
    """A plotly chart (the modebar camera saves a PNG named like the downloads) with its data one click
    away: an expander with the table (`display`, else `frame`) and the download buttons for `frame`."""
    prov = provenance(build)
    st.plotly_chart(fig, width="stretch", config=exports.png_config(name, prov), key=key)
    if caption:
        st.caption(caption)
    with st.expander("Daten zur Grafik", icon=":material/table:"):
        show_table(display if display is not None else frame, decimals)
        source_caption(build, frame, kinds, facts=facts, by_prefix=by_prefix, is_demo=is_demo)
        download_buttons(build, frame, name, kinds=kinds, is_demo=is_demo, facts=facts, by_prefix=by_prefix,
                         key=key)


METHOD_FILE = db.PROJECT_DIR / "docs" / "METHOD.md"


def method_text() -> str:
    """The method notes (docs/METHOD.md) shown on the Daten page and put into the full download."""
    return METHOD_FILE.read_text(encoding="utf-8") if METHOD_FILE.exists() else ""


@st.cache_data(show_spinner=False, max_entries=2)
def full_zip(build: db.Db) -> bytes:
    """Every downloadable table and view of a build as CSV (two variants) with README.txt."""
    prov = provenance(build)
    specs = db.downloadable(build)
    tables = {}
    for name, spec in specs.items():
        frame = db.download_table(build, name)
        tables[name] = exports.with_provenance(frame, prov, spec.kinds, facts=_facts(build, frame, spec.facts),
                                               by_prefix=spec.by_prefix)
    descriptions = {name: f"{spec.label}: {spec.description}" for name, spec in specs.items()}
    return exports.to_zip(tables, prov, descriptions, method_text())
