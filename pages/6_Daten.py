"""Daten: every table as download, the data dictionary, sources and licences, method and the ETL log."""

from __future__ import annotations

import streamlit as st

from app import exports, state
from app.data import downloads as tables
from app.data import pvog
from app.data.downloads import DOWNLOADABLE, Downloadable
from app.data.provenance import Result, provenance
from app.data.registry import Db
from app.data.start import build_info
from app.formatting import day, number
from app.ui import build as guard
from app.ui import downloads
from app.ui import pvog as pvog_ui
from app.ui import release as release_ui
from app.ui.markdown import md
from app.ui.tables import show_table

st.set_page_config(page_title="Daten – Digitalmonitor Kommunen", page_icon="🏛️", layout="wide")

PREVIEW_ROWS = 500
EXCEL_KEYS_NOTE = ("„CSV für Excel“ schreibt Schlüssel (`ars`, `ags`, `state_ars` …, `postcode`, `*_id`) als "
                   "`=\"091620000000\"`: So behält Excel führende Nullen und macht aus 091620000000 keine Zahl "
                   "9,162E+10. Für Skripte und Statistikprogramme die CSV (UTF-8) verwenden, dort stehen die "
                   "Schlüssel unverändert.")
SECTIONS = ("Downloads", "Datenwörterbuch", "Quellen und Lizenzen", "Methode", "Build-Protokoll")
ALL = ""
SECTION = state.Param("bereich", "daten_bereich", SECTIONS[0], choices=SECTIONS)
TABLE = state.Param("tabelle", "daten_tabelle", "region", choices=tuple(DOWNLOADABLE))
OBJECT = state.Param("objekt", "daten_objekt", ALL, pattern=r"[a-z0-9_]{1,64}")
REJECT_KIND = state.Param("ablehnung", "daten_ablehnung", ALL, pattern=r"[a-z_]{1,32}")
PARAMS = (SECTION, TABLE, OBJECT, REJECT_KIND)


def _downloads(build: Db, specs: dict[str, Downloadable], prov: exports.Provenance) -> None:
    st.subheader("Alles auf einmal")
    st.download_button(
        "Gesamtdownload (ZIP: alle Tabellen als CSV, mit README)", data=lambda: downloads.full_zip(build),
        file_name=exports.file_name("alle_tabellen", prov, "zip"), mime="application/zip", key="dl-zip",
        on_click="ignore", icon=":material/folder_zip:", type="primary")
    st.caption("Die ZIP-Datei enthält jede Tabelle zweimal: als CSV (UTF-8, Komma) und als CSV für deutsches "
               "Excel (Semikolon, Dezimalkomma), dazu README.txt mit Ständen, Quellen, Lizenzen und Methode.")
    st.caption(EXCEL_KEYS_NOTE)

    st.subheader("Eine Tabelle")
    state.keep_valid(TABLE, list(specs))
    name = st.selectbox("Tabelle oder Sicht", list(specs), format_func=lambda n: f"{specs[n].label} ({n})",
                        key=TABLE.key)
    spec = specs[name]
    result = tables.table(build, name)
    frame = result.frame
    if tables.is_federal(name) and not pvog.available(build):
        pvog_ui.no_data_note()
    st.markdown(f"**{md(spec.label)}** – {md(spec.description)}. "
                f"{number(len(frame))} Zeilen, {number(len(frame.columns))} Spalten.")
    downloads.download_buttons(result, name, title=spec.label, key=f"table-{name}")
    st.caption("Jede Zeile trägt source_id, attribution, licence, source_edition und is_demo (Demozeilen zusätzlich "
               "demo_note mit dem Demo-Hinweis); register_edition und boundary_edition nennen die Gebietsstände. "
               "GeoJSON gibt es für Tabellen mit Regionalschlüssel (Spalte ars).")
    shown = frame.drop(columns=[c for c in ("geometry", "content") if c in frame.columns])
    if len(shown) > PREVIEW_ROWS:
        st.caption(f"Vorschau: die ersten {number(PREVIEW_ROWS)} von {number(len(shown))} Zeilen.")
    show_table(shown.head(PREVIEW_ROWS), height=360)
    downloads.source_caption(result.subset(shown.head(PREVIEW_ROWS)))
    st.info("Die gefilterte Ansicht einer Seite (Karte, Rangliste, Förderung, Digitales Amt …) laden Sie direkt "
            "auf der Seite herunter: unter jeder Tabelle und in „Daten zur Grafik“ unter jeder Grafik.",
            icon=":material/filter_alt:")


def _dictionary(build: Db) -> None:
    result = tables.dictionary(build)
    if result is None:
        st.info("Dieser Build enthält noch kein Datenwörterbuch.")
        return
    frame = result.frame
    objects = [ALL, *sorted(frame["object"].dropna().unique())]
    state.keep_valid(OBJECT, objects)
    pick = st.selectbox("Tabelle oder Sicht", objects, key=OBJECT.key, format_func=lambda o: o or "(alle)")
    shown = frame if pick == ALL else frame[frame["object"] == pick]
    show_table(shown.rename(columns={"object": "Tabelle/Sicht", "column_name": "Spalte",
                                               "meaning": "Bedeutung", "unit": "Einheit", "source": "Quelle"}),
                         height=480)
    downloads.source_caption(result.subset(shown))
    downloads.download_buttons(result, "datenwoerterbuch", title="Datenwörterbuch",
                               formats=["csv_excel", "csv", "xlsx"], key="dictionary")


def _sources(build: Db, prov: exports.Provenance) -> None:
    src = prov.sources
    st.markdown("Jede Zahl im Digitalmonitor geht auf eine dieser Dateien zurück. Bitte nennen Sie bei jeder "
                "Veröffentlichung die Namensnennung der verwendeten Quellen.")
    per_dataset = (src.groupby(["dataset", "title", "publisher", "url", "edition", "licence", "attribution",
                                "kind", "is_demo"], dropna=False, sort=False)
                   .agg(files=("file", lambda f: ", ".join(str(x) for x in f.dropna())))
                   .reset_index())
    shown = per_dataset.rename(columns={
        "dataset": "Datensatz", "title": "Titel", "publisher": "Herausgeber", "url": "URL", "edition": "Stand",
        "licence": "Lizenz", "attribution": "Namensnennung", "kind": "Art", "is_demo": "Demodaten",
        "files": "Dateien"})
    shown["Stand"] = shown["Stand"].map(day)  # 2025-11-30 -> 30.11.2025; 'seed=…' stays as it is
    show_table(shown, links=["URL"])
    sources = Result.of(build, src)
    downloads.source_caption(sources)
    downloads.download_buttons(sources, "quellen", title="Quellen und Lizenzen", key="sources",
                               formats=["csv_excel", "csv", "xlsx", "parquet"])
    if prov.demo:
        st.warning("Quellen der Art „demo“ sind synthetisch erzeugt: " + exports.DEMO_LABEL + ".",
                   icon=":material/science:")


def _log(build: Db, prov: exports.Provenance) -> None:
    st.markdown(f"Letzter Build **{md(prov.build_id)}** vom {day(prov.built_at)}.")
    log_result = tables.load_log(build)
    if log_result is not None:
        log = log_result.frame
        st.subheader("Schritte")
        show_table(log.rename(columns={"step": "Schritt", "source": "Quelle", "loaded": "geladen",
                                                 "rejected": "abgelehnt", "seconds": "Sekunden",
                                                 "note": "Hinweis"}))
        downloads.source_caption(log_result)
        downloads.download_buttons(log_result, "build_protokoll", title="Build-Protokoll", key="log",
                                   formats=["csv_excel", "csv", "xlsx"])
    reject_result = tables.rejects(build)
    if reject_result is not None:
        rejects = reject_result.frame
        st.subheader("Abgelehnte, reparierte und per Name zugeordnete Zeilen")
        if rejects.empty:
            st.success("Der letzte Build hat keine Zeile abgelehnt oder repariert.")
        else:
            kinds = [ALL, *sorted(rejects["kind"].dropna().unique())]
            state.keep_valid(REJECT_KIND, kinds)
            pick = st.selectbox("Art", kinds, key=REJECT_KIND.key, format_func=lambda k: k or "(alle)")
            shown = rejects if pick == ALL else rejects[rejects["kind"] == pick]
            st.caption(f"{number(len(shown))} Zeilen, die aus importierten Dateien zuerst. Die Spalte raw zeigt "
                       "die Zeile, wie sie in der Datei stand.")
            show_table(shown.rename(columns={"file": "Datei", "row_number": "Zeile", "reason": "Grund",
                                                       "kind": "Art"}), height=400)
            downloads.source_caption(reject_result.subset(shown))
            downloads.download_buttons(reject_result.subset(shown), "abgelehnte_zeilen", title="Abgelehnte Zeilen",
                                       key="rejects",
                                       formats=["csv_excel", "csv", "xlsx"])
    info = build_info(build)
    with st.expander("Build-Angaben"):
        st.json(info)


def main() -> None:
    build = guard.require_build()
    prov = provenance(build)
    guard.demo_banner(build)
    st.title("Daten")
    st.caption("Alle Tabellen zum Herunterladen, mit Quellen, Lizenzen, Ständen und Methode.")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Datenstand (Build)", day(prov.build_date))
    c2.metric("Gebietsstand Verzeichnis", day(prov.register_edition))
    c3.metric("Grenzen Gemeinden", day(prov.boundary_editions.get("municipality")))
    c4.metric("Grenzen Kreise und Länder", day(prov.boundary_editions.get("district")))

    specs = tables.downloadable(build)
    state.restore(PARAMS)
    section = st.segmented_control("Bereich", SECTIONS, key=SECTION.key, label_visibility="collapsed",
                                   required=True)
    renderers = {
        "Downloads": lambda: _downloads(build, specs, prov),
        "Datenwörterbuch": lambda: _dictionary(build),
        "Quellen und Lizenzen": lambda: _sources(build, prov),
        "Methode": lambda: st.markdown(downloads.method_text()),
        "Build-Protokoll": lambda: _log(build, prov),
    }
    renderers[section or SECTIONS[0]]()
    release_ui.release_links(build)  # the versioned open-data release of this build
    state.publish(PARAMS)


guard.run(main)
