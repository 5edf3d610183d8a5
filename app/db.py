"""Data access for the dashboard: the one read-only DuckDB handle per published build, a cursor per
call, `$param` values only, and identifiers only from allow-lists.

The published path is a symbolic link to a versioned build file (see `etl/publish.py`). `current()`
resolves it on every call, so a new build is picked up without a restart; connections are opened on the
versioned file, never on the link (DuckDB may hand back a cached instance for a reused path).
"""

from __future__ import annotations

import os
import re
import threading
import time
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


class NoDatabase(RuntimeError):
    """No usable build: none published yet, or the published file is missing or unreadable.

    `fallback` is the last build this process read successfully, if any: the page can keep showing it
    (with a note) while the published file is broken.
    """

    def __init__(self, message: str, fallback: Db | None = None) -> None:
        super().__init__(message)
        self.fallback = fallback


@dataclass(frozen=True)
class Db:
    """A published build: its versioned file and build id. Hashable, so it can key caches."""

    path: str
    build_id: str


_lock = threading.Lock()
_connections: dict[str, duckdb.DuckDBPyConnection] = {}  # insertion order = age
_superseded: dict[str, float] = {}  # path -> when a newer build was first opened
_build_ids: dict[str, str] = {}  # path -> build id (a build file never changes)
_last_good: dict[str, Db] = {}  # published path -> the last build read from it
KEEP_CONNECTIONS = 2  # the current build and the one before stay open
CLOSE_GRACE_S = 300  # an older handle is closed only this long after it was superseded (reruns finish)
SHAPE_FILES_MAX_AGE_S = 3600  # shape files of other builds are removed after an hour


def published_path() -> Path:
    env = os.environ.get(DB_ENV)
    return Path(env) if env else DEFAULT_DB


def _connection(path: str) -> duckdb.DuckDBPyConnection:
    with _lock:
        con = _connections.get(path)
        if con is None:
            con = duckdb.connect(path, read_only=True)
            now = time.monotonic()
            for older in _connections:
                _superseded.setdefault(older, now)
            _connections[path] = con
            # close handles of builds two or more generations old once no rerun can still be using them,
            # so pruned files free their space
            for old in list(_connections)[:-KEEP_CONNECTIONS]:
                if now - _superseded.get(old, now) >= CLOSE_GRACE_S:
                    _connections.pop(old).close()
                    _superseded.pop(old, None)
        return con


def _open(path: str) -> Db:
    """Open a build file and read its id; any failure becomes a German NoDatabase message."""
    try:
        build_id = _build_ids.get(path)
        if build_id is None:
            cur = _connection(path).cursor()
            try:
                row = cur.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
            finally:
                cur.close()
            if not row:
                raise NoDatabase(f"Die Datenbank {Path(path).name} ist unvollständig (keine Build-Kennung).")
            build_id = _build_ids[path] = str(row[0])
    except duckdb.Error as exc:
        with _lock:
            con = _connections.pop(path, None)
        if con is not None:
            con.close()
        raise NoDatabase(f"Die Datenbank {Path(path).name} ist beschädigt oder nicht lesbar "
                         f"({type(exc).__name__}).") from exc
    return Db(path=path, build_id=build_id)


def current() -> Db:
    """The build the published path points to now.

    Raises NoDatabase with a German message when nothing is published, the link points to a file that
    is gone, or the file is not a readable build; its `fallback` is then the last good build, if any.
    """
    link = published_path()
    fallback = _last_good.get(str(link))
    if fallback is not None and fallback.path not in _connections:
        fallback = None  # its handle is closed and its file may be gone
    for _attempt in range(3):  # a rebuild may swap the link between resolving and opening: look again
        if not link.exists():
            if link.is_symlink():
                raise NoDatabase(f"Die veröffentlichte Datenbank {link.name} verweist auf eine fehlende Datei.",
                                 fallback)
            raise NoDatabase(f"Keine Datenbank unter {link}", fallback)
        path = str(link.resolve())
        try:
            build = _open(path)
        except NoDatabase as exc:
            if Path(path).exists() and str(link.resolve()) == path:
                raise NoDatabase(str(exc), fallback) from exc
            continue
        _last_good[str(link)] = build
        return build
    raise NoDatabase(f"Die veröffentlichte Datenbank {link.name} wechselt gerade; bitte neu laden.", fallback)


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
    """Population per km² of every shape of a level (optionally one state); shapes of keys the newest
    register no longer has (merged since) and unpopulated areas come with density NULL."""
    return query(db, """
        SELECT s.ars, coalesce(r.display_name, 'Gebiet ohne aktuellen Schlüssel (fusioniert)') AS name,
               coalesce(r.kind, '–') AS kind, r.population, r.area_km2,
               r.population / nullif(r.area_km2, 0) AS density
        FROM region_shape s LEFT JOIN region r USING (ars)
        WHERE s.level = $level AND s.detail = 'map' AND ($state IS NULL OR starts_with(s.ars, $state))
        ORDER BY s.ars""", {"level": check_level(level), "state": state})


def shape_url(db: Db, level: str) -> str:
    """URL of the level's static GeoJSON for this build, written once from the database if missing."""
    row = query(db, "SELECT file_name FROM shape_file WHERE level = $level", {"level": check_level(level)})
    if row.empty:
        raise NoDatabase(f"Keine Kartenformen für {level}")
    name = str(row["file_name"].iloc[0])
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.json", name, flags=re.ASCII):
        raise NoDatabase(f"Ungültiger Name einer Kartendatei in der Datenbank: {name!r}")
    target = STATIC_SHAPES / name
    if not target.exists():
        content = query(db, "SELECT content FROM shape_file WHERE level = $level", {"level": level})
        STATIC_SHAPES.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(str(content["content"].iloc[0]), encoding="utf-8")
        tmp.replace(target)
        _prune_shape_files(db.build_id)
    return f"{STATIC_URL}/{name}"


def _prune_shape_files(build_id: str) -> None:
    """Remove shape files of other builds once they are an hour old (open pages may still fetch them)."""
    now = time.time()
    for path in STATIC_SHAPES.glob("*.json"):
        if build_id not in path.name and now - path.stat().st_mtime > SHAPE_FILES_MAX_AGE_S:
            path.unlink(missing_ok=True)


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


def headline(db: Db) -> dict[str, object]:
    """Headline figures of the Start page, each with whether demo values are part of it."""
    row = query(db, """
        WITH da AS (SELECT * FROM v_digitales_amt),
             pl AS (SELECT * FROM v_procedures_latest),
             gr AS (SELECT * FROM funding_grant WHERE program_id = 'digitales_rathaus')
        SELECT (SELECT count(*) FROM pl) AS authorities_with_data,
               (SELECT coalesce(bool_or(is_demo), false) FROM pl) AS procedures_demo,
               (SELECT max(as_of) FROM pl) AS latest_as_of,
               (SELECT count(*) FROM da WHERE certified) AS certified,
               (SELECT count(DISTINCT ars) FROM certification
                 WHERE kind = 'Digitales Amt' AND NOT is_demo) AS certified_real,
               (SELECT count(*) FROM da WHERE eligible_not_certified) AS eligible_not_certified,
               (SELECT coalesce(bool_or(is_demo), false) FROM da WHERE certified OR eligible_not_certified)
                   AS digitales_amt_demo,
               (SELECT count(*) FROM gr) AS grants,
               (SELECT sum(amount_eur) FROM gr) AS grants_eur,
               (SELECT coalesce(bool_or(is_demo), false) FROM gr) AS grants_demo""")
    return row.iloc[0].to_dict()


def recent_awards(db: Db, months: int = 6) -> pd.DataFrame:
    """Digitales-Amt awards in the last months before the newest award date."""
    return query(db, """
        SELECT c.ars, r.display_name AS name, r.kind, c.awarded_on, c.awarded_on_precision, c.is_demo,
               c.source_url
        FROM certification c JOIN region r USING (ars)
        WHERE c.kind = 'Digitales Amt' AND c.awarded_on IS NOT NULL
          AND c.awarded_on > (SELECT max(awarded_on) FROM certification) - to_months($months)
        ORDER BY c.awarded_on DESC, r.display_name""", {"months": months})


# --- publish pages (Förderung, Digitales Amt, Daten) ---

@dataclass(frozen=True)
class Downloadable:
    """A table or view offered on the Daten page.

    `kinds`: the source kinds that feed rows without their own `source_id` (see `app.exports`); None
    marks build metadata, whose source is the build itself. `facts`: the fact tables whose rows about
    the same region (`ars`) are the sources of a row; `by_prefix`: also the facts of every region
    inside it (roll-ups).
    """

    label: str
    description: str
    kinds: tuple[str, ...] | None = ("register", "reference", "import", "demo")
    facts: tuple[str, ...] = ()
    by_prefix: bool = False


PROCEDURES = ("procedure_snapshot",)


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
    "v_authority": Downloadable("Behörden", "Behörden mit Typ und Größenklasse", ("register",)),
    "v_procedures_latest": Downloadable("Online-Verfahren (neuester Stand)", "Neuester Stand je Behörde"),
    "v_procedures_per_10k": Downloadable("Online-Verfahren je 10.000 Einwohner", "Neuester Stand je Behörde, "
                                         "bezogen auf die Einwohnerzahl", facts=PROCEDURES),
    "v_digitales_amt": Downloadable("Digitales Amt: Status", "Schwelle, Berechtigung, Auszeichnung und "
                                    "fehlende Verfahren je bayerischer Behörde",
                                    facts=("procedure_snapshot", "certification", "certification_program")),
    "v_grants_by_region_year": Downloadable("Förderung je Region und Jahr", "Bescheide und Summe je Programm, "
                                            "Empfänger und Jahr", facts=("funding_grant",)),
    "v_grants_per_inhabitant": Downloadable("Förderung je Einwohner", "Summe je Programm und Empfänger, je "
                                            "Einwohner", facts=("funding_grant",)),
    "v_grant_effect": Downloadable("Förderung und Fortschritt", "Online-Verfahren vor und nach jedem Bescheid",
                                   facts=("funding_grant", "procedure_snapshot")),
    "v_ranks": Downloadable("Ranglisten", "Rang je Behörde, Kennzahl und Vergleichsgruppe mit Rangänderung",
                             facts=PROCEDURES),
    "v_rollup": Downloadable("Zusammenfassungen", "Kennzahlen je Gemeindeverband, Kreis und Land", facts=PROCEDURES,
                                  by_prefix=True),
    "v_municipality_map": Downloadable("Gemeindekarte", "Werte je Gemeinde, wie die Karte sie zeigt",
                                          facts=("procedure_snapshot", "certification")),
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
    # ORDER BY ALL: the same download gives the same rows in the same order every time
    return query(db, f'SELECT * FROM "{name}" ORDER BY ALL')  # noqa: S608 - name from the allow-list


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
        SELECT g.*, d.display_name AS district_name, d.kind AS district_kind, s.display_name AS state_name
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
    """Digitales-Amt status of every Bavarian authority with its Regierungsbezirk and Kreis; each authority
    once: a member municipality whose VG is its Digitales-Amt authority (via_association) is left out."""
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
        WHERE NOT d.via_association
          AND ($gov IS NULL OR a.gov_district_ars = $gov OR d.ars = $gov)
          AND ($district IS NULL OR a.district_ars = $district OR d.ars = $district)
        ORDER BY d.distance NULLS LAST, d.total DESC NULLS LAST, d.ars""",
                 {"gov": gov_district, "district": district})


def digitales_amt_map(db: Db) -> pd.DataFrame:
    """Digitales-Amt status of every Bavarian municipality as the municipality map shows it; total is the
    count that decides the status (a member's VG's when the status is the VG's)."""
    return query(db, """
        SELECT m.ars, r.display_name AS name, r.kind,
               CASE WHEN m.status_inherited THEN d.total ELSE m.total END AS total, m.da_status, m.distance,
               m.inherited, m.inherited_from, v.display_name AS inherited_from_name, m.is_demo
        FROM v_municipality_map m
        JOIN region r USING (ars)
        LEFT JOIN v_digitales_amt d USING (ars)
        LEFT JOIN region v ON v.ars = m.inherited_from
        WHERE r.state_ars = '09'
        ORDER BY m.ars""")


def districts(db: Db, state: str) -> pd.DataFrame:
    """Regierungsbezirke and Kreise of a state (for filters)."""
    return query(db, """
        SELECT ars, display_name AS name, level, kind, gov_district_ars
        FROM region WHERE state_ars = $state AND level IN ('gov_district', 'district')
        ORDER BY ars""", {"state": state})


# fact tables keyed on a region, with a source per row (the allow-list for fact_sources)
FACT_TABLES = ("procedure_snapshot", "online_service", "funding_grant", "certification")
# the rules of a certification programme (threshold) hold for every region of its state
CERTIFICATION_RULES = "certification_program"


def fact_sources(db: Db, tables: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Distinct (ars, source_id) of the rows of allow-listed fact tables."""
    parts = []
    for table in tables:
        if table == CERTIFICATION_RULES:
            parts.append("""SELECT DISTINCT r.ars, p.source_id FROM program p
                            JOIN region r ON r.state_ars = p.state_ars WHERE p.kind = 'certification'""")
            continue
        if table not in FACT_TABLES:
            raise ValueError(f"not a fact table: {table!r}")
        parts.append(f'SELECT DISTINCT ars, source_id FROM "{table}"')  # noqa: S608 - allow-listed
    if not parts:
        return pd.DataFrame({"ars": pd.Series(dtype=str), "source_id": pd.Series(dtype=str)})
    return query(db, " UNION ".join(parts))  # noqa: S608 - parts from the allow-list


# --- explore pages (Karte, Rangliste, Gemeindeprofil) ---

@dataclass(frozen=True)
class Measure:
    """A map measure: label, unit, decimals; `categories` for a categorical measure (in legend order);
    `ascending`: fewer is better (rank 1 = smallest)."""

    label: str
    unit: str = ""
    decimals: int = 0
    categories: tuple[str, ...] = ()
    ascending: bool = False
    note: str = ""


DA_STATUS = ("zertifiziert", "berechtigt, nicht zertifiziert", "noch nicht")

# the allow-list of map measures, in the order of the selectbox
MAP_MEASURES: dict[str, Measure] = {
    "total": Measure("Online-Verfahren gesamt", "Verfahren"),
    "municipal": Measure("kommunale Online-Verfahren", "Verfahren"),
    "central": Measure("zentrale Online-Verfahren (Land/Bund)", "Verfahren"),
    "total_per_10k": Measure("Online-Verfahren je 10.000 Einwohner", "je 10.000 Einw.", 1),
    "da_status": Measure("Digitales Amt: Status (Bayern)", categories=DA_STATUS),
    "distance": Measure("Digitales Amt: fehlende Verfahren bis zur Schwelle (Bayern)", "Verfahren",
                        ascending=True),
    "share_meeting_threshold": Measure("Anteil der Gemeinden mit mindestens 50 Verfahren", "%", 1),
    "coverage": Measure("Einwohneranteil in Gemeinden mit mindestens 50 Verfahren", "%", 1),
    "eur_per_inhabitant": Measure("Förderung je Einwohner", "€", 2),
    "population": Measure("Einwohner", "Einw."),
    "density": Measure("Einwohner je km²", "Einw./km²", 1),
}

# the map levels (shape layers) and their labels; "association" is the layer of the administering
# authorities: Verwaltungsgemeinschaften plus every municipality that is its own authority
MAP_LEVELS = {"municipality": "Gemeinden", "association": "Verwaltungsgemeinschaften / Behörden",
              "district": "Kreise", "state": "Länder"}

_AUTHORITY_MEASURES = ("total", "municipal", "central", "total_per_10k", "da_status", "distance",
                       "eur_per_inhabitant", "population", "density")
_ROLLUP_MEASURES = ("total", "total_per_10k", "share_meeting_threshold", "coverage", "eur_per_inhabitant",
                    "population", "density")
LEVEL_MEASURES: dict[str, tuple[str, ...]] = {"municipality": _AUTHORITY_MEASURES,
                                              "association": _AUTHORITY_MEASURES,
                                              "district": _ROLLUP_MEASURES, "state": _ROLLUP_MEASURES}

# value and demo flag of each measure per kind of level: (value SQL, is_demo SQL, inherited SQL);
# the names refer to the columns of the level's `facts` CTE below
_PROCEDURES_INHERITED = "f.procedures_inherited"
_MEASURE_SQL: dict[str, dict[str, tuple[str, str, str]]] = {
    "municipality": {
        "total": ("f.total", "f.procedures_demo", _PROCEDURES_INHERITED),
        "municipal": ("f.municipal", "f.procedures_demo", _PROCEDURES_INHERITED),
        "central": ("f.central", "f.procedures_demo", _PROCEDURES_INHERITED),
        "total_per_10k": ("f.total_per_10k", "f.procedures_demo", _PROCEDURES_INHERITED),
        "da_status": ("f.da_status", "f.map_demo", "f.inherited"),
        "distance": ("f.distance", "f.map_demo", "f.status_inherited"),
        "eur_per_inhabitant": ("f.eur_per_inhabitant", "f.grants_demo", "false"),
        "population": ("b.population", "false", "false"),
        "density": ("b.population / nullif(b.area_km2, 0)", "false", "false"),
    },
    "authority": {
        "total": ("f.total", "f.procedures_demo", "false"),
        "municipal": ("f.municipal", "f.procedures_demo", "false"),
        "central": ("f.central", "f.procedures_demo", "false"),
        "total_per_10k": ("f.total_per_10k", "f.procedures_demo", "false"),
        "da_status": ("f.da_status", "f.da_demo", "false"),
        "distance": ("f.distance", "f.da_demo", "false"),
        "eur_per_inhabitant": ("f.eur_per_inhabitant", "f.grants_demo", "false"),
        "population": ("b.population", "false", "false"),
        "density": ("b.population / nullif(b.area_km2, 0)", "false", "false"),
    },
    "rollup": {
        "total": ("f.total", "f.procedures_demo", "false"),
        "total_per_10k": ("f.total * 10000.0 / nullif(b.population, 0)", "f.procedures_demo", "false"),
        "share_meeting_threshold": ("100 * f.share_meeting_threshold", "f.procedures_demo", "false"),
        "coverage": ("100 * f.coverage", "f.procedures_demo", "false"),
        "eur_per_inhabitant": ("f.grant_eur / nullif(b.population, 0)", "f.grants_demo", "false"),
        "population": ("b.population", "false", "false"),
        "density": ("b.population / nullif(b.area_km2, 0)", "false", "false"),
    },
}

_GRANTS_SQL = """
    SELECT ars, sum(amount_eur) AS amount_eur, sum(amount_eur) / nullif(any_value(population), 0)
           AS eur_per_inhabitant, bool_or(is_demo) AS grants_demo
    FROM v_grants_per_inhabitant GROUP BY ars"""

_FACTS_SQL = {
    "municipality": f"""
        SELECT m.ars, m.total, m.municipal, m.central, m.total_per_10k,
               CASE WHEN m.da_status = 'keine Daten' THEN NULL ELSE m.da_status END AS da_status,
               m.distance, m.inherited, m.procedures_inherited, m.status_inherited, m.inherited_from,
               v.display_name AS inherited_from_name,
               m.is_demo AS map_demo, m.is_demo AND m.total IS NOT NULL AS procedures_demo,
               g.eur_per_inhabitant, coalesce(g.grants_demo, false) AS grants_demo
        FROM v_municipality_map m
        LEFT JOIN region v ON v.ars = m.inherited_from
        LEFT JOIN ({_GRANTS_SQL}) g ON g.ars = m.ars""",  # noqa: S608 - constant
    "authority": f"""
        SELECT a.ars, p.total, p.municipal, p.central, p.total_per_10k, p.is_demo AS procedures_demo,
               CASE WHEN d.status = 'keine Daten' THEN NULL ELSE d.status END AS da_status,
               d.distance, d.is_demo AS da_demo,
               g.eur_per_inhabitant, coalesce(g.grants_demo, false) AS grants_demo
        FROM v_authority a
        LEFT JOIN v_procedures_per_10k p USING (ars)
        LEFT JOIN v_digitales_amt d USING (ars)
        LEFT JOIN ({_GRANTS_SQL}) g USING (ars)""",  # noqa: S608 - constant
    "rollup": """
        SELECT u.ars,
               max(u.value) FILTER (WHERE u.rule = 'sum') AS total,
               max(u.value) FILTER (WHERE u.rule = 'share_meeting_threshold') AS share_meeting_threshold,
               max(u.value) FILTER (WHERE u.rule = 'population_weighted_coverage') AS coverage,
               max(u.authorities) FILTER (WHERE u.rule = 'sum') AS authorities,
               max(u.authorities_with_data) FILTER (WHERE u.rule = 'sum') AS authorities_with_data,
               bool_or(u.is_demo) AS procedures_demo,
               max(gr.grant_eur) AS grant_eur, coalesce(bool_or(gr.grants_demo), false) AS grants_demo
        FROM v_rollup u
        LEFT JOIN (
            SELECT CASE $level WHEN 'state' THEN a.state_ars
                               ELSE coalesce(a.district_ars, CASE WHEN a.level = 'district' THEN a.ars END) END
                       AS ars,
                   sum(g.amount_eur) AS grant_eur, bool_or(g.is_demo) AS grants_demo
            FROM funding_grant g JOIN v_authority a USING (ars)
            GROUP BY 1
        ) gr USING (ars)
        WHERE u.level = $level
        GROUP BY u.ars""",
}


def measure_for(level: str, measure: str) -> str:
    """The measure if the level offers it, else the level's first measure."""
    options = LEVEL_MEASURES[check_map_level(level)]
    return measure if measure in options else options[0]


def check_map_level(level: str) -> str:
    if level not in MAP_LEVELS:
        raise ValueError(f"unknown map level {level!r}")
    return level


UNINCORPORATED_NOTE = "gemeindefreies Gebiet: keine Gemeinde, daher ohne Wert und Rang"


def map_frame(db: Db, level: str, measure: str, state: str | None = None) -> pd.DataFrame:
    """One row per shape of the level (optionally one state): ars, name, kind, population, value (of the
    measure), is_demo, inherited_from_name (a municipality showing its VG's value) and note.

    Shapes without a value keep a row (value NULL), so the map can draw them as "keine Daten". A
    gemeindefreies Gebiet is neither a municipality nor an authority: it gets no value (so no rank), only
    the note `UNINCORPORATED_NOTE`."""
    check_map_level(level)
    if measure not in LEVEL_MEASURES[level]:
        raise ValueError(f"measure {measure!r} not offered at level {level!r}")
    family = {"municipality": "municipality", "association": "authority"}.get(level, "rollup")
    value_sql, demo_sql, inherited_sql = _MEASURE_SQL[family][measure]
    note_sql = ("CASE WHEN f.authorities IS NOT NULL THEN 'Behörden mit Daten: ' || f.authorities_with_data "
                "|| ' von ' || f.authorities END" if family == "rollup" else "NULL")
    sql = f"""
        WITH b AS (
            SELECT s.ars, coalesce(r.display_name, 'Gebiet ' || s.ars) AS name,
                   coalesce(r.kind, 'nicht im aktuellen Gemeindeverzeichnis') AS kind,
                   r.population, r.area_km2,
                   coalesce(r.level = 'municipality' AND NOT r.is_municipality, false) AS unincorporated
            FROM region_shape s LEFT JOIN region r ON r.ars = s.ars
            WHERE s.level = $level AND ($state IS NULL OR starts_with(s.ars, $state))
        ),
        f AS ({_FACTS_SQL[family]})
        SELECT b.ars, b.name, b.kind, b.population,
               CASE WHEN NOT b.unincorporated THEN ({value_sql}) END AS value,
               coalesce(NOT b.unincorporated AND ({demo_sql}) AND ({value_sql}) IS NOT NULL, false) AS is_demo,
               CASE WHEN NOT b.unincorporated AND {inherited_sql}
                    THEN {"f.inherited_from_name" if family == "municipality" else "NULL"} END AS inherited_from_name,
               CASE WHEN b.unincorporated THEN $unincorporated ELSE {note_sql} END AS note
        FROM b LEFT JOIN f USING (ars)
        ORDER BY b.ars"""  # noqa: S608 - every fragment from the allow-lists above
    params: dict[str, object] = {"level": level, "state": state, "unincorporated": UNINCORPORATED_NOTE}
    return query(db, sql, params)


# peer groups of the rankings (v_ranks.group_kind) and the measures ranked there
RANK_MEASURES = {"total": "Online-Verfahren gesamt", "municipal": "kommunale Online-Verfahren",
                 "central": "zentrale Online-Verfahren (Land/Bund)",
                 "total_per_10k": "Online-Verfahren je 10.000 Einwohner"}
SIZE_CLASSES = ("unter 5.000", "5.000 bis unter 20.000", "20.000 bis unter 100.000", "100.000 und mehr")
AUTHORITY_TYPES = ("kreisangehörige Gemeinde", "kreisfreie Stadt", "Verwaltungsgemeinschaft", "Landkreis",
                   "Bezirk")
GROUP_KINDS = {"state": "Land", "district": "Kreis", "size_class": "Größenklasse im Land",
               "authority_type": "Behördentyp im Land"}


def peer_group(state: str, district: str | None = None, size_class: str | None = None,
               authority_type: str | None = None) -> tuple[str, str]:
    """The v_ranks peer group a set of filters names: the district if one is chosen, else the size class
    or authority type within the state, else the state."""
    if district:
        return "district", district
    if size_class:
        return "size_class", f"{state}:{size_class}"
    if authority_type:
        return "authority_type", f"{state}:{authority_type}"
    return "state", state


def rankings(db: Db, measure: str, state: str, district: str | None = None, size_class: str | None = None,
             authority_type: str | None = None) -> pd.DataFrame:
    """Ranks within the peer group of the filters (see `peer_group`), further filtered by the remaining
    filters: ars, name, kind, authority_type, size_class, district_name, population, value, rank, peers,
    rank_change, prev_rank, as_of, as_of_precision, prev_as_of, prev_as_of_precision, group_median (of the
    whole peer group, before the remaining filters), is_demo."""
    if measure not in RANK_MEASURES:
        raise ValueError(f"unknown ranking measure {measure!r}")
    group_kind, group_key = peer_group(state, district, size_class, authority_type)
    return query(db, """
        WITH g AS (
            SELECT *, median(value) OVER () AS group_median
            FROM v_ranks WHERE measure = $measure AND group_kind = $kind AND group_key = $key
        ),
        prec AS (
            SELECT ars, as_of, max(as_of_precision) AS as_of_precision   -- the coarsest: year > month > day
            FROM procedure_snapshot WHERE ars IN (SELECT ars FROM g) GROUP BY ALL
        )
        SELECT g.ars, a.display_name AS name, r.kind, a.authority_type, a.size_class,
               k.display_name AS district_name, a.population, g.value, g.rank, g.peers, g.rank_change,
               g.prev_rank, g.as_of, p.as_of_precision, g.prev_as_of, pp.as_of_precision AS prev_as_of_precision,
               g.group_median, g.is_demo
        FROM g
        JOIN v_authority a USING (ars)
        JOIN region r USING (ars)
        LEFT JOIN region k ON k.ars = a.district_ars
        LEFT JOIN prec p ON p.ars = g.ars AND p.as_of = g.as_of
        LEFT JOIN prec pp ON pp.ars = g.ars AND pp.as_of = g.prev_as_of
        WHERE a.state_ars = $state
          AND ($district IS NULL OR a.district_ars = $district)
          AND ($size IS NULL OR a.size_class = $size)
          AND ($type IS NULL OR a.authority_type = $type)
        ORDER BY g.rank, a.display_name""",
                 {"measure": measure, "kind": group_kind, "key": group_key, "state": state,
                  "district": district, "size": size_class, "type": authority_type})


def ranking_states(db: Db) -> pd.DataFrame:
    """States that have ranked authorities (key, name)."""
    return query(db, """
        SELECT DISTINCT s.ars, s.display_name AS name
        FROM v_ranks v JOIN v_authority a USING (ars) JOIN region s ON s.ars = a.state_ars
        WHERE v.group_kind = 'state' ORDER BY s.ars""")


def state_districts(db: Db, state: str) -> pd.DataFrame:
    """The districts (Kreise) of a state, key and name."""
    return query(db, """
        SELECT ars, display_name AS name, kind FROM region
        WHERE level = 'district' AND state_ars = $state ORDER BY display_name""", {"state": state})


def find_regions(db: Db, text: str, limit: int = 50) -> pd.DataFrame:
    """Regions whose name contains the text, whose postcode or key (ARS or AGS) starts with it:
    ars, name, kind, level, postcode, district_name, state_name. An exact key, name or postcode first,
    then municipalities, then names that start with the text."""
    text = (text or "").strip()
    if not text:
        return query(db, """
            SELECT ars, display_name AS name, kind, level, postcode, NULL AS district_name,
                   NULL AS state_name FROM region WHERE false""")
    return query(db, """
        SELECT r.ars, r.display_name AS name, r.kind, r.level, r.postcode,
               k.display_name AS district_name, s.display_name AS state_name
        FROM region r
        LEFT JOIN region k ON k.ars = r.district_ars
        LEFT JOIN region s ON s.ars = r.state_ars
        WHERE (r.level <> 'gov_district' OR r.kind = 'Bezirk')
          AND (contains(lower(r.display_name), lower($text)) OR contains(lower(r.name), lower($text))
                 OR starts_with(coalesce(r.postcode, ''), $text) OR starts_with(r.ars, $text)
                 OR starts_with(coalesce(r.ags, ''), $text))
        ORDER BY r.ars <> $text AND coalesce(r.ags, '') <> $text, lower(r.display_name) <> lower($text),
                 coalesce(r.postcode, '') <> $text, r.level <> 'municipality',
                 NOT starts_with(lower(r.display_name), lower($text)), r.display_name, r.ars
        LIMIT $limit""", {"text": text, "limit": int(limit)})


def region_labels(db: Db, keys: list[str]) -> pd.DataFrame:
    """ars, name, kind, level, district_name, state_name of the given keys (for selectbox labels)."""
    return query(db, """
        SELECT r.ars, r.display_name AS name, r.kind, r.level, k.display_name AS district_name,
               s.display_name AS state_name
        FROM region r
        LEFT JOIN region k ON k.ars = r.district_ars
        LEFT JOIN region s ON s.ars = r.state_ars
        WHERE r.ars IN (SELECT unnest($keys)) ORDER BY r.ars""", {"keys": [str(k) for k in keys]})


def region_profile(db: Db, ars: str) -> pd.DataFrame:
    """Headline facts of one region (one row, empty when the key is unknown)."""
    return query(db, """
        SELECT r.ars, r.ags, r.level, r.name, r.display_name, r.kind, r.population, r.area_km2,
               r.population / nullif(r.area_km2, 0) AS density, r.postcode, r.is_municipality,
               r.member_count, r.edition, a.authority_type, a.size_class,
               r.state_ars, s.display_name AS state_name,
               r.gov_district_ars, gd.display_name AS gov_district_name,
               r.district_ars, k.display_name AS district_name, k.kind AS district_kind,
               r.association_ars, v.display_name AS association_name, v.kind AS association_kind
        FROM region r
        LEFT JOIN v_authority a USING (ars)
        LEFT JOIN region s ON s.ars = r.state_ars
        LEFT JOIN region gd ON gd.ars = r.gov_district_ars
        LEFT JOIN region k ON k.ars = r.district_ars
        LEFT JOIN region v ON v.ars = r.association_ars
        WHERE r.ars = $ars""", {"ars": ars})


def members(db: Db, ars: str) -> pd.DataFrame:
    """Member municipalities of an association (or the municipalities of a district / state)."""
    return query(db, """
        SELECT ars, display_name AS name, kind, population, area_km2
        FROM region
        WHERE level = 'municipality' AND is_municipality
          AND (association_ars = $ars OR district_ars = $ars OR (length($ars) = 2 AND state_ars = $ars))
        ORDER BY display_name""", {"ars": ars})


def procedure_history(db: Db, keys: list[str]) -> pd.DataFrame:
    """Procedure counts over time of the given authorities (one row per key and date; a real value wins
    over a demo value of the same date): ars, as_of, as_of_precision, municipal, central, total, is_demo,
    source_url."""
    return query(db, """
        SELECT ars, as_of, as_of_precision, municipal, central, total, is_demo, source_url
        FROM procedure_snapshot
        WHERE ars IN (SELECT unnest($keys))
        QUALIFY row_number() OVER (PARTITION BY ars, as_of ORDER BY is_demo, total DESC, source_id) = 1
        ORDER BY ars, as_of""", {"keys": [str(k) for k in keys]})


def authority_facts(db: Db, keys: list[str]) -> pd.DataFrame:
    """The latest measures of the given regions side by side: ars, name, kind, authority_type,
    size_class, district_name, population, area_km2, density, as_of, as_of_precision, total, municipal, central,
    total_per_10k, da_status, distance, threshold, awarded_on, awarded_on_precision, grants, grant_eur,
    eur_per_inhabitant, is_demo. Regions without an own value get their VG's procedures
    (inherited_from_name) as on the municipality map."""
    return query(db, """
        WITH k AS (SELECT unnest($keys) AS ars, generate_subscripts($keys, 1) AS pos),
        gr AS (
            SELECT ars, count(*) AS grants, sum(amount_eur) AS grant_eur, bool_or(is_demo) AS grants_demo
            FROM funding_grant GROUP BY ars
        )
        SELECT r.ars, r.display_name AS name, r.kind, a.authority_type, a.size_class,
               kr.display_name AS district_name, r.population, r.area_km2,
               r.population / nullif(r.area_km2, 0) AS density,
               coalesce(p.as_of, pv.as_of) AS as_of, coalesce(p.as_of_precision, pv.as_of_precision) AS as_of_precision,
               coalesce(p.total, m.total) AS total, coalesce(p.municipal, m.municipal) AS municipal,
               coalesce(p.central, m.central) AS central,
               coalesce(p.total * 10000.0 / nullif(r.population, 0), m.total_per_10k) AS total_per_10k,
               CASE WHEN d.certified_via_association THEN 'zertifiziert (über die VG ' || v.display_name || ')'
                    WHEN d.via_association THEN d.status || ' (Stand der VG ' || v.display_name || ')'
                    ELSE coalesce(d.status, m.da_status) END AS da_status,
               coalesce(d.distance, m.distance) AS distance,
               d.threshold, d.awarded_on, d.awarded_on_precision,
               CASE WHEN p.total IS NULL AND m.procedures_inherited THEN v.display_name END
                   AS inherited_from_name,
               coalesce(gr.grants, 0) AS grants, gr.grant_eur,
               gr.grant_eur / nullif(r.population, 0) AS eur_per_inhabitant,
               coalesce(p.is_demo, false) OR coalesce(m.is_demo, false) OR coalesce(d.is_demo, false)
                   OR coalesce(gr.grants_demo, false) AS is_demo
        FROM k
        JOIN region r USING (ars)
        LEFT JOIN v_authority a USING (ars)
        LEFT JOIN region kr ON kr.ars = r.district_ars
        LEFT JOIN v_procedures_latest p USING (ars)
        LEFT JOIN v_municipality_map m USING (ars)
        LEFT JOIN v_procedures_latest pv ON pv.ars = m.inherited_from AND m.procedures_inherited
        LEFT JOIN region v ON v.ars = m.inherited_from
        LEFT JOIN v_digitales_amt d USING (ars)
        LEFT JOIN gr USING (ars)
        ORDER BY k.pos""", {"keys": [str(k) for k in keys]})


def region_ranks(db: Db, ars: str) -> pd.DataFrame:
    """Every rank of one authority (v_ranks) with a readable group name."""
    return query(db, """
        SELECT v.measure, v.group_kind, v.group_key,
               CASE v.group_kind WHEN 'state' THEN s.display_name WHEN 'district' THEN k.display_name
                    ELSE split_part(v.group_key, ':', 2) || ' (' || s.display_name || ')' END AS group_name,
               v.value, v.rank, v.peers, v.rank_change, v.prev_as_of, v.as_of, v.is_demo
        FROM v_ranks v
        JOIN v_authority a USING (ars)
        LEFT JOIN region s ON s.ars = a.state_ars
        LEFT JOIN region k ON k.ars = v.group_key AND v.group_kind = 'district'
        WHERE v.ars = $ars
        ORDER BY v.measure, CASE v.group_kind WHEN 'district' THEN 1 WHEN 'size_class' THEN 2
                                              WHEN 'authority_type' THEN 3 ELSE 4 END""", {"ars": ars})


def peers(db: Db, ars: str) -> pd.DataFrame:
    """Authorities of the same size class and type in the same district (or, without a district, state)
    with their latest procedures: ars, name, kind, population, total, total_per_10k, is_demo, is_self."""
    return query(db, """
        WITH me AS (SELECT * FROM v_authority WHERE ars = $ars)
        SELECT a.ars, a.display_name AS name, a.kind, a.authority_type, a.population, p.total,
               p.total_per_10k, coalesce(p.is_demo, false) AS is_demo, a.ars = $ars AS is_self
        FROM v_authority a
        JOIN me ON a.state_ars = me.state_ars AND a.size_class IS NOT DISTINCT FROM me.size_class
               AND a.authority_type = me.authority_type
               AND (me.district_ars IS NULL OR a.district_ars = me.district_ars)
        LEFT JOIN v_procedures_per_10k p ON p.ars = a.ars
        ORDER BY p.total DESC NULLS LAST, a.display_name""", {"ars": ars})


def region_grants(db: Db, keys: list[str]) -> pd.DataFrame:
    """Grants to the given regions (e.g. a municipality and its VG), newest first."""
    return query(db, """
        SELECT g.ars, r.display_name AS recipient, p.name AS program, g.approved_on, g.approved_on_precision,
               g.amount_eur, g.purpose, g.status, g.source_url, g.is_demo
        FROM funding_grant g
        LEFT JOIN region r USING (ars)
        LEFT JOIN program p USING (program_id)
        WHERE g.ars IN (SELECT unnest($keys))
        ORDER BY g.approved_on DESC NULLS LAST, g.grant_id""", {"keys": [str(k) for k in keys]})


def compare_candidates(db: Db, state: str) -> pd.DataFrame:
    """Authorities of a state (key, name, kind) for the comparison picker, municipalities first."""
    return query(db, """
        SELECT a.ars, a.display_name AS name, a.kind, a.authority_type, k.display_name AS district_name
        FROM v_authority a LEFT JOIN region k ON k.ars = a.district_ars
        WHERE a.state_ars = $state
        ORDER BY a.display_name, a.ars""", {"state": state})
