"""The open-data release on the pages: its links (Daten), what is new (Start) and the website badge with its
embed snippet (Gemeindeprofil). Texts from the release are shown as table cells or escaped markdown."""

from __future__ import annotations

import streamlit as st

from app.data import release
from app.data.registry import Db
from app.formatting import day, number
from app.ui.markdown import md
from app.ui.tables import NO_VALUE

CHANGE_COLUMNS = {"change": "Änderung", "name": "Behörde", "subject": "Betrifft", "before": "vorher",
                  "after": "jetzt", "as_of": "Stand", "source_url": "Quelle"}


def release_links(build: Db) -> None:
    """Links to this build's release and to the stable `latest` files."""
    st.subheader("Offene Daten: versionierte Veröffentlichung")
    links = release.links(build)
    if not links:
        st.caption("Für diesen Datenstand gibt es keine Veröffentlichung (`python -m etl release`).")
        return
    st.markdown("  \n".join(f"[{label}]({url})" for label, url, _ in links))
    st.caption(md(f"Parquet je Tabelle, CSV für Excel, Kartenformen als GeoParquet, Signets – Datenstand "
                  f"{build.build_id}. Dauerhafte Adressen der neuesten Veröffentlichung: "
                  + ", ".join(stable for _, _, stable in links[:3])))


def whats_new(build: Db, limit: int = 12) -> None:
    """'Was ist neu': the change list of this build's release against the previous one."""
    st.subheader("Was ist neu")
    changes = release.changes(build)
    if changes.empty:
        st.caption("Keine Änderungen gegenüber der vorigen Veröffentlichung." if release.links(build) else
                   "Für diesen Datenstand gibt es keine Veröffentlichung mit Änderungsliste.")
        return
    head = changes.head(limit)  # every column is text: no Styler
    shown = head.assign(as_of=[day(d) for d in head["as_of"]])[list(CHANGE_COLUMNS)].rename(columns=CHANGE_COLUMNS)
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=NO_VALUE,
                 column_config={"Quelle": st.column_config.LinkColumn("Quelle")})
    feed = next((url for _label, url, _ in release.links(build) if url.endswith("/feed.atom")), None)
    st.caption(md(f"{number(len(changes))} Änderungen gegenüber der vorigen Veröffentlichung.")
               + (f" [Als Atom-Feed abonnieren]({feed})" if feed else ""))


def badge_block(build: Db, ars: str) -> None:
    """The authority's badge (real values only), its text alternative and the HTML to embed it."""
    badge = release.badge(build, ars)
    if badge is None:
        return
    st.subheader("Signet für die eigene Website")
    st.image(str(badge.file), caption=badge.alt)
    st.caption("Zum Einbinden auf der Website der Behörde (zeigt immer den neuesten Stand, nur echte Werte):")
    st.code(badge.snippet, language="html")
