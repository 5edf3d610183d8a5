"""Data access for the dashboard: the one read-only DuckDB handle per published build, a cursor per
call, `$param` values only, and identifiers only from allow-lists.

The published path is a symbolic link to a versioned build file (see `etl/publish.py`). `current()`
resolves it on every call, so a new build is picked up without a restart; connections are opened on the
versioned file, never on the link (DuckDB may hand back a cached instance for a reused path).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
DB_ENV = "DIGITALMONITOR_DB"
DEFAULT_DB = PROJECT_DIR / "data" / "digitalmonitor.duckdb"
STATIC_SHAPES = PROJECT_DIR / "static" / "shapes"
STATIC_URL = "app/static/shapes"

LEVELS = ("state", "gov_district", "district", "association", "municipality")
LEVEL_LABELS = {"state": "Land", "gov_district": "Regierungsbezirk", "district": "Kreis",
                "association": "Verwaltungsgemeinschaft / Behörde", "municipality": "Gemeinde"}


class NoDatabase(RuntimeError):
    """No build has been published yet."""


@dataclass(frozen=True)
class Db:
    """A published build: its versioned file and build id. Hashable, so it can key caches."""

    path: str
    build_id: str


_lock = threading.Lock()
_connections: dict[str, duckdb.DuckDBPyConnection] = {}


def published_path() -> Path:
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


def _connection(path: str) -> duckdb.DuckDBPyConnection:
    with _lock:
        con = _connections.get(path)
        if con is None:
            con = duckdb.connect(path, read_only=True)
            _connections[path] = con
        return con


def current() -> Db:
    """The build the published path points to now."""
    link = published_path()
    if not link.exists():
        raise NoDatabase(f"Keine Datenbank unter {link}")
    path = str(link.resolve())
    cur = _connection(path).cursor()
    try:
        row = cur.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
    finally:
        cur.close()
    return Db(path=path, build_id=row[0] if row else "unbekannt")


def query(db: Db, sql: str, params: dict[str, object] | None = None) -> pd.DataFrame:
    """Run one parameterised query on its own cursor."""
    cur = _connection(db.path).cursor()
    try:
        return cur.execute(sql, params or {}).df()
    finally:
        cur.close()


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    return level


def build_info(db: Db) -> dict[str, str]:
    return dict(query(db, "SELECT key, value FROM build_info").itertuples(index=False, name=None))


def sources(db: Db) -> pd.DataFrame:
    return query(db, """
        SELECT dataset, title, publisher, url, file, sha256, edition, licence, attribution, retrieved_at, is_demo
        FROM source ORDER BY kind, dataset, file""")


def register_attribution(db: Db) -> str:
    """Attribution of the newest register edition (population, area, names)."""
    row = query(db, """
        SELECT attribution FROM source WHERE kind = 'register' ORDER BY edition DESC LIMIT 1""")
    return str(row["attribution"].iloc[0]) if not row.empty else ""


def municipalities_per_state(db: Db) -> pd.DataFrame:
    return query(db, """
        SELECT s.ars, s.display_name AS land,
               count(*) FILTER (WHERE m.is_municipality) AS gemeinden,
               count(*) FILTER (WHERE NOT m.is_municipality) AS gemeindefreie_gebiete,
               s.population AS einwohner
        FROM region s JOIN region m ON m.state_ars = s.ars AND m.level = 'municipality'
        WHERE s.level = 'state'
        GROUP BY ALL ORDER BY s.ars""")


def density(db: Db, level: str = "municipality", state: str | None = None) -> pd.DataFrame:
    """Population per km² of every region of a level (optionally one state)."""
    return query(db, """
        SELECT ars, display_name AS name, kind, population,
               area_km2, population / nullif(area_km2, 0) AS density
        FROM region
        WHERE level = $level AND ($state IS NULL OR state_ars = $state) AND has_shape
        ORDER BY ars""", {"level": check_level(level), "state": state})


def shape_url(db: Db, level: str) -> str:
    """URL of the level's static GeoJSON for this build, written once from the database if missing."""
    row = query(db, "SELECT file_name FROM shape_file WHERE level = $level", {"level": check_level(level)})
    if row.empty:
        raise NoDatabase(f"Keine Kartenformen für {level}")
    name = str(row["file_name"].iloc[0])
    target = STATIC_SHAPES / name
    if not target.exists():
        content = query(db, "SELECT content FROM shape_file WHERE level = $level", {"level": level})
        STATIC_SHAPES.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(str(content["content"].iloc[0]), encoding="utf-8")
        tmp.replace(target)
    return f"{STATIC_URL}/{name}"


def shape_attribution(db: Db, level: str) -> str:
    row = query(db, "SELECT attribution FROM shape_file WHERE level = $level", {"level": check_level(level)})
    return str(row["attribution"].iloc[0]) if not row.empty else ""


def bounds(db: Db, level: str, state: str | None = None) -> tuple[float, float, float, float]:
    """Bounding box (min lon, min lat, max lon, max lat) of a level's shapes, optionally one state."""
    row = query(db, """
        SELECT min(min_lon), min(min_lat), max(max_lon), max(max_lat)
        FROM region_shape WHERE level = $level AND ($state IS NULL OR starts_with(ars, $state))""",
                {"level": check_level(level), "state": state})
    return tuple(float(v) for v in row.iloc[0])  # type: ignore[return-value]


def states(db: Db) -> pd.DataFrame:
    return query(db, "SELECT ars, display_name AS name FROM region WHERE level = 'state' ORDER BY ars")


# --- publish pages (Förderung, Digitales Amt, Daten) ---

@dataclass(frozen=True)
class Downloadable:
    """A table or view offered on the Daten page.

    `kinds`: the source kinds that feed rows without their own `source_id` (see `app.exports`); None
    marks build metadata, whose source is the build itself.
    """

    label: str
    description: str
    kinds: tuple[str, ...] | None = ("register", "reference", "import", "demo")


# the allow-list of downloadable objects; the order is the order on the Daten page
DOWNLOADABLE: dict[str, Downloadable] = {
    "region": Downloadable("Regionen", "Länder, Bezirke, Kreise, Gemeindeverbände und Gemeinden mit Einwohnern "
                           "und Fläche (neuestes Gemeindeverzeichnis)", ("register",)),
    "population": Downloadable("Bevölkerung je Ausgabe", "Einwohner und Fläche jeder Region in jeder Ausgabe des "
                               "Gemeindeverzeichnisses (Zensusbruch 2022 beachten)", ("register",)),
    "program": Downloadable("Programme", "Förderprogramme und Auszeichnungen mit Budget, Fördersatz, Frist"),
    "funding_grant": Downloadable("Förderbescheide", "Bewilligte Förderungen je Empfänger"),
    "certification": Downloadable("Auszeichnungen", "Digitales Amt: ausgezeichnete Behörden mit Datum"),
    "milestone": Downloadable("Meilensteine", "Veröffentlichte Zahlen und Termine der Programme"),
    "procedure_snapshot": Downloadable("Online-Verfahren je Stichtag", "Zahl der Online-Verfahren je Behörde "
                                       "und Datum"),
    "online_service": Downloadable("Online-Dienste", "Einzelne Online-Dienste je Behörde"),
    "v_authority": Downloadable("Behörden", "Behörden mit Typ und Größenklasse"),
    "v_procedures_latest": Downloadable("Online-Verfahren (neuester Stand)", "Neuester Stand je Behörde"),
    "v_procedures_per_10k": Downloadable("Online-Verfahren je 10.000 Einwohner", "Neuester Stand je Behörde, "
                                         "bezogen auf die Einwohnerzahl"),
    "v_digitales_amt": Downloadable("Digitales Amt: Status", "Schwelle, Berechtigung, Auszeichnung und "
                                    "fehlende Verfahren je bayerischer Behörde"),
    "v_grants_by_region_year": Downloadable("Förderung je Region und Jahr", "Bescheide und Summe je Programm, "
                                            "Empfänger und Jahr"),
    "v_grants_per_inhabitant": Downloadable("Förderung je Einwohner", "Summe je Programm und Empfänger, je "
                                            "Einwohner"),
    "v_grant_effect": Downloadable("Förderung und Fortschritt", "Online-Verfahren vor und nach jedem Bescheid"),
    "v_ranks": Downloadable("Ranglisten", "Rang je Behörde, Kennzahl und Vergleichsgruppe mit Rangänderung"),
    "v_rollup": Downloadable("Zusammenfassungen", "Kennzahlen je Gemeindeverband, Kreis und Land"),
    "v_municipality_map": Downloadable("Gemeindekarte", "Werte je Gemeinde, wie die Karte sie zeigt"),
    "region_mismatch": Downloadable("Schlüsselabgleich", "Schlüssel nur im Verzeichnis oder nur in den Grenzen",
                                    ("register", "boundaries")),
    "source": Downloadable("Quellen", "Jede gelesene Datei mit Herkunft, Prüfsumme, Stand und Lizenz"),
    "data_dictionary": Downloadable("Datenwörterbuch", "Bedeutung, Einheit und Quelle jeder Spalte", None),
    "load_log": Downloadable("Build-Protokoll", "Was jeder Schritt des letzten Builds geladen und abgelehnt hat",
                             None),
    "reject": Downloadable("Abgelehnte Zeilen", "Zeilen, die der Build abgelehnt, repariert oder per Name "
                           "zugeordnet hat"),
    "build_info": Downloadable("Build-Angaben", "Build-Kennung, Zeitpunkt und Stände", None),
}


def existing_objects(db: Db) -> set[str]:
    """Names of the tables and views in this build."""
    return set(query(db, "SELECT table_name FROM information_schema.tables")["table_name"])


def downloadable(db: Db) -> dict[str, Downloadable]:
    """The allow-list, limited to the objects this build has."""
    present = existing_objects(db)
    return {name: spec for name, spec in DOWNLOADABLE.items() if name in present}


def download_table(db: Db, name: str) -> pd.DataFrame:
    """All rows of an allow-listed table or view."""
    if name not in DOWNLOADABLE:
        raise ValueError(f"not downloadable: {name!r}")
    return query(db, f'SELECT * FROM "{name}"')  # noqa: S608 - name from the allow-list


def source_table(db: Db) -> pd.DataFrame:
    """The whole `source` table (provenance of every file read)."""
    return query(db, "SELECT * FROM source ORDER BY kind, dataset, file")


def region_shapes(db: Db, keys: list[str]) -> pd.DataFrame:
    """Map shape (WKB, EPSG:4326) of each key at the level its length names, with the shape's attribution."""
    return query(db, """
        SELECT s.ars, s.level, s.geometry, coalesce(f.attribution, src.attribution) AS attribution
        FROM region_shape s
        LEFT JOIN shape_file f ON f.level = s.level
        LEFT JOIN source src ON src.source_id = s.source_id
        WHERE s.ars IN (SELECT unnest($keys))
          AND s.level = CASE length(s.ars) WHEN 2 THEN 'state' WHEN 3 THEN 'gov_district' WHEN 5 THEN 'district'
                                           WHEN 9 THEN 'association' ELSE 'municipality' END""",
                 {"keys": [str(k) for k in keys]})


def programs(db: Db) -> pd.DataFrame:
    """Programmes (funding first), with the name of their state and the attribution of their source."""
    return query(db, """
        SELECT p.*, s.display_name AS state_name, src.attribution, src.licence
        FROM program p
        LEFT JOIN region s ON s.ars = p.state_ars
        LEFT JOIN source src ON src.source_id = p.source_id
        ORDER BY p.kind = 'funding' DESC, p.state_ars, p.name""")


def _recipient_sql() -> str:
    return """
        SELECT g.grant_id, g.program_id, g.ars, r.display_name AS name, r.level, r.kind,
               CASE WHEN r.level = 'district' THEN r.ars ELSE r.district_ars END AS district_ars,
               r.state_ars, g.approved_on, g.approved_on_precision, g.amount_eur, g.amount_exact,
               g.funding_rate, g.purpose, g.status, g.source_url, g.source_id, g.is_demo
        FROM funding_grant g
        LEFT JOIN region r ON r.ars = g.ars"""


def grants(db: Db, program_id: str | None = None) -> pd.DataFrame:
    """Every grant of a programme (all programmes with None) with its recipient, district and state."""
    return query(db, f"""
        WITH g AS ({_recipient_sql()})
        SELECT g.*, d.display_name AS district_name, s.display_name AS state_name
        FROM g
        LEFT JOIN region d ON d.ars = g.district_ars
        LEFT JOIN region s ON s.ars = g.state_ars
        WHERE $program IS NULL OR g.program_id = $program
        ORDER BY g.approved_on DESC NULLS LAST, g.amount_eur DESC NULLS LAST, g.grant_id""",  # noqa: S608
                 {"program": program_id})


def grant_totals(db: Db, program_id: str | None, level: str) -> pd.DataFrame:
    """Grants summed per district or state of the recipient, for every region of that level in the
    states the programme has grants in (regions without grants: 0). Grants to a Bezirk count only for
    their state."""
    if level not in ("district", "state"):
        raise ValueError(f"unknown level {level!r}")
    key = "district_ars" if level == "district" else "state_ars"
    return query(db, f"""
        WITH g AS ({_recipient_sql()}),
        picked AS (SELECT * FROM g WHERE $program IS NULL OR program_id = $program),
        per AS (
            SELECT {key} AS ars, count(*) AS grants, sum(amount_eur) AS amount_eur,
                   count(*) FILTER (WHERE amount_eur IS NULL) AS grants_without_amount,
                   bool_or(is_demo) AS is_demo
            FROM picked WHERE {key} IS NOT NULL GROUP BY 1
        )
        SELECT r.ars, r.display_name AS name, r.kind, r.state_ars, r.population,
               coalesce(per.grants, 0) AS grants, coalesce(per.amount_eur, 0) AS amount_eur,
               coalesce(per.grants_without_amount, 0) AS grants_without_amount,
               coalesce(per.amount_eur, 0) / nullif(r.population, 0) AS eur_per_inhabitant,
               coalesce(per.is_demo, false) AS is_demo
        FROM region r
        LEFT JOIN per USING (ars)
        WHERE r.level = $level AND r.state_ars IN (SELECT DISTINCT state_ars FROM picked)
        ORDER BY amount_eur DESC, r.ars""",  # noqa: S608 - key from a fixed pair
                 {"program": program_id, "level": level})


def grant_effect(db: Db, program_id: str | None = None) -> pd.DataFrame:
    """Procedures before and after each grant (v_grant_effect) with the recipient's name."""
    return query(db, """
        SELECT e.grant_id, e.program_id, e.ars, r.display_name AS name, r.kind, e.approved_on, e.amount_eur,
               e.before_as_of, e.total_before, e.after_as_of, e.total_after, e.added,
               e.eur_per_added_procedure, e.is_demo
        FROM v_grant_effect e
        LEFT JOIN region r USING (ars)
        WHERE $program IS NULL OR e.program_id = $program
        ORDER BY e.approved_on, e.grant_id""", {"program": program_id})


def milestones(db: Db, program_id: str | None = None) -> pd.DataFrame:
    """Published milestones (dated facts) of a programme, with the attribution of their source."""
    return query(db, """
        SELECT m.on_date, m.date_precision, m.program_id, m.fact, m.value, m.note, m.source_url, m.source_id,
               src.attribution, src.licence, coalesce(src.is_demo, false) AS is_demo
        FROM milestone m
        LEFT JOIN source src ON src.source_id = m.source_id
        WHERE $program IS NULL OR m.program_id = $program
        ORDER BY m.on_date NULLS LAST, m.fact""", {"program": program_id})


def awards(db: Db, kind: str = "Digitales Amt") -> pd.DataFrame:
    """One award per authority (its earliest; undated last) with name, type and district."""
    return query(db, """
        WITH c AS (
            SELECT * FROM certification WHERE kind = $kind
            QUALIFY row_number() OVER (PARTITION BY ars ORDER BY awarded_on NULLS LAST, is_demo, source_id) = 1
        )
        SELECT c.ars, r.display_name AS name, r.kind AS region_kind, c.awarded_on, c.awarded_on_precision,
               c.procedures_reported, c.note, c.source_url, c.source_id, c.is_demo
        FROM c LEFT JOIN region r USING (ars)
        ORDER BY c.awarded_on NULLS LAST, c.ars""", {"kind": kind})


def digitales_amt(db: Db, gov_district: str | None = None, district: str | None = None) -> pd.DataFrame:
    """Digitales-Amt status of every Bavarian authority with its Regierungsbezirk and Kreis."""
    return query(db, """
        SELECT d.ars, d.display_name AS name, d.authority_type, d.level, a.population,
               a.gov_district_ars, gd.display_name AS gov_district_name,
               coalesce(a.district_ars, CASE WHEN d.level = 'district' THEN d.ars END) AS district_ars,
               k.display_name AS district_name,
               d.total, d.threshold, d.eligible, d.certified, d.awarded_on, d.awarded_on_precision,
               d.eligible_not_certified, d.distance, d.status, d.is_demo
        FROM v_digitales_amt d
        JOIN v_authority a USING (ars)
        LEFT JOIN region gd ON gd.ars = a.gov_district_ars
        LEFT JOIN region k ON k.ars = coalesce(a.district_ars, CASE WHEN d.level = 'district' THEN d.ars END)
        WHERE ($gov IS NULL OR a.gov_district_ars = $gov OR d.ars = $gov)
          AND ($district IS NULL OR a.district_ars = $district OR d.ars = $district)
        ORDER BY d.distance NULLS LAST, d.total DESC NULLS LAST, d.ars""",
                 {"gov": gov_district, "district": district})


def digitales_amt_map(db: Db) -> pd.DataFrame:
    """Digitales-Amt status of every Bavarian municipality as the municipality map shows it."""
    return query(db, """
        SELECT m.ars, r.display_name AS name, r.kind, m.total, m.da_status, m.distance, m.inherited,
               m.inherited_from, v.display_name AS inherited_from_name, m.is_demo
        FROM v_municipality_map m
        JOIN region r USING (ars)
        LEFT JOIN region v ON v.ars = m.inherited_from
        WHERE r.state_ars = '09'
        ORDER BY m.ars""")


def districts(db: Db, state: str) -> pd.DataFrame:
    """Regierungsbezirke and Kreise of a state (for filters)."""
    return query(db, """
        SELECT ars, display_name AS name, level, kind, gov_district_ars
        FROM region WHERE state_ars = $state AND level IN ('gov_district', 'district')
        ORDER BY ars""", {"state": state})
