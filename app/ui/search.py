"""The Gemeindeprofil's search: a text field and our own German result list (no selectbox with Streamlit's
English "No results"). Enter opens the best match, a click on a result opens that one; a search without result
says so in German and closes the profile shown before, so no old profile stands under "Keine Treffer"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data import profile, registry
from app.data.map import DISTRICT_TYPES
from app.state import Param
from app.ui.markdown import md

SEARCH_KEY = "profil_suche"
SHOWN = 8  # results listed; more are reached by typing more
LEVEL_NAMES = {"municipality": "Gemeinde", "association": "Gemeindeverband", "district": "Kreis",
               "gov_district": "Bezirk", "state": "Land"}


def result_label(hit: pd.Series) -> str:
    """'Dormitz · Gemeinde · Forchheim, Landkreis, Bayern': name, kind (with its level where the kind does not
    say it, as for a kreisfreie Stadt's Gemeinde and Kreis rows), Kreis and Land."""
    level = LEVEL_NAMES.get(str(hit["level"]), "")
    kind = hit["kind"] if isinstance(hit["kind"], str) else level
    if kind in DISTRICT_TYPES["kreisfreie_staedte"]:
        kind = f"{kind} (als {level})"
    where = [p for p in (hit["district_name"], hit["state_name"]) if isinstance(p, str) and p != hit["name"]]
    parts = [hit["name"], kind, ", ".join(where)]
    if isinstance(hit["postcode"], str) and hit["postcode"]:
        parts.append(hit["postcode"])
    return " · ".join(p for p in parts if p)


def _choose(region: Param, ars: str) -> None:
    st.session_state[region.key] = ars
    st.session_state[SEARCH_KEY] = ""


def on_search(region: Param) -> None:
    """Enter in the search field: open the best match, or close the profile when nothing matches."""
    text = str(st.session_state.get(SEARCH_KEY, "")).strip()
    if not text:
        return
    try:
        hits = profile.find_regions(registry.current(), text)
    except registry.NoDatabase:
        return  # the page body says so
    st.session_state[region.key] = None if hits.empty else hits["ars"].iloc[0]


def search_box(build: registry.Db, region: Param, where: st.delta_generator.DeltaGenerator) -> None:
    """The search field and its results in `where`; the chosen region lands in the key of `region`."""
    text = where.text_input("Suche: Name, Postleitzahl oder Schlüssel", key=SEARCH_KEY,
                            on_change=on_search, args=(region,),
                            placeholder="z. B. Bad Königshofen, 97631 oder 09673141")
    text = text.strip()
    if not text:
        return
    hits = profile.find_regions(build, text)
    if hits.empty:
        where.warning(md(f"Keine Treffer für „{text}“. Prüfen Sie die Schreibweise, oder suchen Sie nach "
                         "Postleitzahl oder Gemeindeschlüssel."))
        st.session_state[region.key] = None
        return
    current = st.session_state.get(region.key)
    box = where.container(border=True, key="profil_treffer")
    more = len(hits) - SHOWN
    box.caption(f"{len(hits)} Treffer" + (f", die ersten {SHOWN} – für weitere genauer suchen" if more > 0 else "")
                + ":")
    for _, hit in hits.head(SHOWN).iterrows():
        box.button(md(result_label(hit)), key=f"treffer_{hit['ars']}", on_click=_choose, args=(region, hit["ars"]),
                   type="primary" if hit["ars"] == current else "tertiary", width="stretch")
