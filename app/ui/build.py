"""The build guard of every page: the build this rerun shows, German messages for a missing or broken
database, the sidebar stamp, the check for newly published builds, and the demo banner."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.data import provenance
from app.data.registry import Db, NoDatabase, QueryInterrupted, current, published_path
from app.data.start import build_info
from app.formatting import day
from app.style import DEMO_LABEL
from app.ui import chart_width, readable
from app.ui.markdown import md

DEMO_BANNER = DEMO_LABEL
NO_BUILD = "Noch keine Datenbank. Bitte zuerst `python -m etl build` ausführen (siehe README)."
BROKEN_BUILD = ("Die Daten können gerade nicht gelesen werden: {problem} Bitte die Datenbank neu erstellen "
                "(`python -m etl build`, siehe README) oder den Betrieb verständigen.")
STALE_BUILD = ("Die veröffentlichte Datenbank kann gerade nicht gelesen werden ({problem}). Angezeigt wird der "
               "letzte lesbare Stand (Build {build_id}).")
NEW_BUILD = "Neue Daten veröffentlicht (Build {build_id}): die Seite zeigt jetzt den neuen Stand."
BUILD_CHECK_SECONDS = 20  # how often an open page looks for a newly published build
_SHOWN_BUILD = "_shown_build_id"
BUILD_STAMP = "Datenstand:"  # the sidebar line naming the build a page shows


def require_build() -> Db:
    """The published build for this rerun; without a readable one the page says so in German and stops
    (or keeps showing the last readable build with a note). Also starts the check for new builds."""
    try:
        build = current()
    except NoDatabase as exc:
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
        st.caption(md(f"{BUILD_STAMP} {day(build_info(build).get('built_at'))} · Build {build.build_id}"))
        _watch_build()
    return build


def _published_exists() -> bool:
    path = published_path()
    return path.exists() or path.is_symlink()


@st.fragment(run_every=BUILD_CHECK_SECONDS)
def _watch_build() -> None:
    """Rerun the whole page once a new build is published, so every open page shows it within a minute
    without a reload; the page's own reruns never mix builds (one `Db` per rerun)."""
    try:
        published = current().build_id
    except NoDatabase:
        return
    if published != st.session_state.get(_SHOWN_BUILD):
        st.rerun(scope="app")


def demo_banner(build: Db, shown: bool | None = None) -> bool:
    """Show the demo banner when the page shows demo values (default: when the build holds demo data)."""
    demo = provenance.provenance(build).demo if shown is None else shown
    if demo:
        st.warning(DEMO_BANNER, icon=":material/science:")
    return demo


def run(page: Callable[[], None]) -> None:
    """Run a page's body; a query stopped by its time limit ends the page with a German note, not an error.
    Labels wrap instead of being cut (app.ui.readable), charts are whole pixels wide (app.ui.chart_width)."""
    readable.wrap_labels()
    chart_width.whole_pixel_charts()
    try:
        page()
    except QueryInterrupted as exc:
        st.warning(md(exc), icon=":material/hourglass_disabled:")
