"""Open-PVOG rows for the small generated world: a few snapshots of the Bund, Bayern, one Landkreis, one
Verwaltungsgemeinschaft, München and three peer municipalities (one with an older snapshot), and press values of
the federal "flächendeckend" count; written with the ETL's own SQL (etl/sql/pvog*.sql). The expected values
below are worked out by hand from these rows."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from etl.context import insert
from etl.sources.pvog.load import SQL_DIR

PVOG_SOURCE, PRESS_SOURCE = "pvog:fast", "press:fast"
PVOG_ATTRIBUTION = "Dashboard Digitale Verwaltung (Open-PVOG), Abruf 2026-06-01"
PVOG_LICENCE = "nicht angegeben (öffentliches Angebot des Bundes); Quelle und Abrufdatum werden genannt"
OLD, NEW = date(2026, 5, 1), date(2026, 6, 1)
ROTSTADT, WALDING, UNTERFELD = "091710003003", "091710011011", "091710012012"  # 5.000 bis unter 20.000, Kreis 09171
MUENCHEN, STUTTGART, VG = "091620000000", "081110000000", "091715000"
PRESS_MUENCHEN = date(2025, 3, 1)

BUND, LAND, KREIS, ANY = ("bundesweit flächendeckend", "landesweit flächendeckend", "kreisweit flächendeckend",
                          "in mind. einer Kommune verfügbar")
# (region, fetch date) -> [(LeiKa key, online_status, coverage, Themenfeld)]
SERVICES: dict[tuple[str, date], list[tuple[str, str, str, str | None]]] = {
    ("DE", NEW): [("99000000000001", "ok", BUND, "Familie & Kind"), ("99000000000002", "ok", BUND, "Bildung"),
                  ("99000000000003", "ok", LAND, "Bildung")],  # landesweit from the Bund: reaches nobody's count
    ("09", NEW): [("99000000000011", "ok", LAND, "Mobilität & Reisen"), ("99000000000012", "nicht ok", LAND, None)],
    ("09171", NEW): [("99000000000021", "ok", KREIS, "Mobilität & Reisen")],
    (VG, NEW): [("99000000000031", "ok", ANY, "Bauen & Wohnen")],
    (MUENCHEN, NEW): [("99000000000041", "ok", ANY, "Engagement & Hobby")],
    (ROTSTADT, OLD): [("99000000000101", "ok", ANY, "Familie & Kind")],
    (ROTSTADT, NEW): [("99000000000101", "ok", ANY, "Familie & Kind"), ("99000000000102", "ok", ANY, "Bauen & Wohnen"),
                      ("99000000000103", "ok", ANY, "Bauen & Wohnen"), ("99000000000104", "nicht ok", ANY, None)],
    (WALDING, NEW): [("99000000000101", "ok", ANY, "Familie & Kind"), ("99000000000102", "ok", ANY, "Bauen & Wohnen")],
    (UNTERFELD, NEW): [("99000000000101", "ok", ANY, "Familie & Kind")],
}
# press values of the "flächendeckend" count: München's is older than its fetch (history only), Stuttgart has no
# fetch (its latest value), Baden-Württemberg's is the Land's latest value
PRESS = [(MUENCHEN, PRESS_MUENCHEN, 1700), (STUTTGART, date(2025, 9, 1), 1650), ("08", date(2025, 9, 1), 1500)]

# what the counts must be: (own, available) of each region's current snapshot
# available = own + Bund (2 bundesweit) + Land 09 (1 ok) + Kreis 09171 (1 ok) where they reach the region
EXPECTED = {"DE": (3, 3), "09": (1, 3), "09171": (1, 4), VG: (1, 5), MUENCHEN: (1, 4),
            ROTSTADT: (3, 7), WALDING: (2, 6), UNTERFELD: (1, 5)}
# the services at least half of each municipality's other peers offer and it does not
GAPS = {ROTSTADT: [], WALDING: ["99000000000103"], UNTERFELD: ["99000000000102", "99000000000103"]}


def _sources() -> pd.DataFrame:
    common = {"publisher": None, "sha256": None, "bytes": None, "edition": None, "is_demo": False,
              "retrieved_at": None, "origin": "generated"}
    return pd.DataFrame([
        {**common, "source_id": PVOG_SOURCE, "dataset": "pvog_dashboard", "title": "Dashboard Digitale Verwaltung",
         "file": "pvog_fast.csv", "url": "https://api.ozg-umsetzung.de/api/public/v1/dash/open-pvog/x/export",
         "attribution": PVOG_ATTRIBUTION, "licence": PVOG_LICENCE, "kind": "pvog"},
        {**common, "source_id": PRESS_SOURCE, "dataset": "press_test", "title": "Pressefakten (Test)",
         "file": "press.csv", "url": "https://example.org/presse", "attribution": "Quelle: https://example.org/presse",
         "licence": None, "kind": "reference"},
    ])


def write_pvog(con: duckdb.DuckDBPyConnection) -> None:
    """The pvog tables, counts and views with the rows above (into an open world database)."""
    con.execute((SQL_DIR / "pvog.sql").read_text(encoding="utf-8"))
    insert(con, "source", _sources())
    snaps, services = [], []
    newest = {}
    for ars, day in SERVICES:
        newest[ars] = max(newest.get(ars, day), day)
    for (ars, day), rows in SERVICES.items():
        current = newest[ars] == day
        snaps.append({"ars": ars, "ars12": (ars + "0" * 12)[:12] if ars != "DE" else "000000000000",
                      "fetch_date": day, "as_of": day, "services": len(rows),
                      "status": "current" if current else "history", "note": None, "source_id": PVOG_SOURCE,
                      "is_demo": False})
        services += [{"ars": ars, "as_of": day, "fetch_date": day, "is_current": current, "leika_key": key,
                      "leika_name": f"Leistung {key[-3:]}", "leika_bezeichnung": None, "ozg_id": None,
                      "ozg_name": None, "themenfeld": topic, "lebenslage": None,
                      "url": f"https://example.org/dienst/{key}", "online_status": status, "aktiv": "ja",
                      "coverage": coverage, "reason_not_counted": None, "source_id": PVOG_SOURCE, "is_demo": False}
                     for key, status, coverage, topic in rows]
    insert(con, "pvog_snapshot", pd.DataFrame(snaps))
    insert(con, "pvog_service", pd.DataFrame(services))
    con.execute((SQL_DIR / "pvog_counts.sql").read_text(encoding="utf-8"))
    views = (SQL_DIR / "pvog_views.sql").read_text(encoding="utf-8")
    con.execute(views)  # creates pvog_available (the press step's table) when missing
    insert(con, "pvog_available", pd.DataFrame([
        {"ars": ars, "as_of": day, "as_of_precision": "day", "available": n, "note": None,
         "source_id": PRESS_SOURCE, "source_url": "https://example.org/presse", "is_demo": False}
        for ars, day, n in PRESS]))
    con.execute(views)  # as the build: the press values are in before the federal rows are materialised
