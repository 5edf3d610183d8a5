"""Breitbandatlas of the Bundesnetzagentur, Stand Mitte 2021: broadband availability per municipality, all
Germany — a real context layer beside the administration data (SOURCES.md §8).

Three measures, in % of households resp. businesses: households with >= 100 and >= 1000 Mbit/s over all
technologies ("alle Technologien"), businesses with >= 1000 Mbit/s over wired technologies ("leitungsgebundene
Technologien"; the business file has no "alle" group). Whole-city rows are used, never the Bezirk rows of split
cities; keys of 2021 are matched to today's register (`broadband_keys`); municipalities, roll-ups per
Gemeindeverband, Kreis, Regierungsbezirk and Land (weighted by population) go into table `broadband`
(`broadband.sql`), and every key that matched nothing into `reject` and the build summary.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.context import BuildContext, StepResult, Timer, insert
from etl.errors import EtlError
from etl.sources.broadband_keys import KeyMatch, match_keys, older_keys
from etl.sources.files import ResolvedFile, SourceSpec

HOUSEHOLDS_FILE = "gemeinde_bezirke_privat_2021_mitte.csv"
BUSINESSES_FILE = "gemeinde_bezirke_gew_2021_mitte.csv"
ATTRIBUTION = "Breitbandatlas, Bundesnetzagentur (Stand Mitte 2021)"
AS_OF = "2021-06-01"  # "Stand Mitte 2021": June 2021, month precision

BREITBANDATLAS_2021 = SourceSpec(
    id="bnetza_breitbandatlas_2021",
    title="Breitbandatlas: Breitbandverfügbarkeit je Gemeinde, Stand Mitte 2021 (Datenpaket 3)",
    publisher="Bundesnetzagentur, Zentrale Informationsstelle des Bundes (Erhebung 2021 im Auftrag des BMVI)",
    url="https://gigabitgrundbuch.bund.de/GIGA/DE/Breitbandatlas/start.html",
    files=(HOUSEHOLDS_FILE, BUSINESSES_FILE),
    licence="Weiterverwendung mit Quellenangabe (Bundesnetzagentur); im Datenpaket keine Lizenz genannt",
    attribution=ATTRIBUTION,
    edition=AS_OF,
    kind="context",
    product="Breitbandatlas",
)

# file -> {source column: our column}
COLUMNS: dict[str, dict[str, str]] = {
    HOUSEHOLDS_FILE: {"alle Technologien ≥ 100 Mbit/s": "households_100mbit",
                      "alle Technologien ≥ 1000 Mbit/s": "households_gigabit"},
    BUSINESSES_FILE: {"leitungsg. Technologien ≥ 1000 Mbit/s": "businesses_gigabit"},
}
# a row whose lowest tier is 0 % reports nothing (no households in the grid, or no delivery)
LOWEST_TIER = {HOUSEHOLDS_FILE: "alle Technologien ≥ 1 Mbit/s", BUSINESSES_FILE: "leitungsg. Technologien ≥ 1 Mbit/s"}
MEASURE_COLUMNS = ("households_100mbit", "households_gigabit", "businesses_gigabit")
SQL = Path(__file__).with_name("broadband.sql")


def source_id(name: str) -> str:
    return f"{BREITBANDATLAS_2021.id}:{name}"


def read_file(path: Path, name: str) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """The measure columns of one file by 8-digit AGS, and the rows refused (key or value out of range)."""
    try:
        raw = pd.read_csv(path, dtype={"AGS": str}, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise EtlError(path, f"not a readable Breitbandatlas CSV ({exc})") from exc
    wanted = {"AGS", LOWEST_TIER[name], *COLUMNS[name]}
    missing = sorted(wanted - set(raw.columns))
    if missing:
        raise EtlError(path, f"column(s) {', '.join(missing)} missing (is this the Breitbandatlas file {name}?)")
    frame = raw[list(wanted)].rename(columns=COLUMNS[name])
    frame["row_number"] = range(2, len(frame) + 2)
    rejects: list[dict[str, object]] = []
    values = list(COLUMNS[name].values())
    numeric = frame[values].apply(pd.to_numeric, errors="coerce")
    bad_key = ~frame["AGS"].fillna("").str.fullmatch(r"\d{8}")
    bad_value = numeric.isna().any(axis=1) | ((numeric < 0) | (numeric > 100)).any(axis=1)
    dup = frame["AGS"].duplicated(keep="first")
    for row in frame[bad_key | bad_value | dup].itertuples():
        reason = ("Schlüssel ist kein 8-stelliger AGS" if bad_key[row.Index] else
                  "Schlüssel doppelt" if dup[row.Index] else "Wert fehlt oder liegt nicht zwischen 0 und 100 %")
        rejects.append({"source_id": source_id(name), "file": name, "row_number": row.row_number,
                        "reason": reason, "raw": str(row.AGS), "kind": "reject"})
    frame[values] = numeric
    frame = frame[~(bad_key | bad_value | dup)]
    silent = frame[LOWEST_TIER[name]] == 0
    frame.loc[silent, values] = None
    return frame.drop(columns=[LOWEST_TIER[name]]).set_index("AGS"), rejects


def _vg5000_areas(ctx: BuildContext) -> pd.DataFrame | None:
    """AGS, name and area (km²) of the VG5000 municipality layer (01.01.2021), when the build read it."""
    layer = ctx.layers.get("municipality")
    if layer is None or layer.frame.empty:
        return None
    frame = layer.frame
    areas = frame.geometry.area / 1e6  # the layer is in a metric CRS (EPSG:25832)
    return pd.DataFrame({"AGS": frame["ags"], "GEN": frame["gen"], "area_km2": areas}).dropna(subset=["AGS"])


def municipality_rows(files: dict[str, pd.DataFrame], matches: dict[str, KeyMatch],
                      regions: pd.DataFrame) -> pd.DataFrame:
    """One row per municipality of today's register: the values of its 2021 key, or NULL with a note."""
    munis = regions[(regions["level"] == "municipality") & regions["is_municipality"].astype(bool)]
    out = pd.DataFrame({"ars": munis["ars"].to_numpy(), "level": "municipality"})
    out["source_key"] = None
    out["key_match"] = "none"
    notes: dict[str, list[str]] = {}
    for name, frame in files.items():
        match = matches[name]
        by_ars = {ars: key for key, (ars, _how) in match.to_today.items()}
        keys = out["ars"].map(by_ars)
        for col in frame.columns.drop("row_number"):
            out[col] = keys.map(frame[col]).astype("Float64")
        hows = out["ars"].map({ars: how for ars, how in match.to_today.values()})
        if name == HOUSEHOLDS_FILE:
            out["source_key"] = keys
            out["key_match"] = hows.fillna("none")
        for ars, note in match.notes.items():
            if note not in notes.get(ars, []):  # the business file's own notes only where they differ
                notes.setdefault(ars, []).append(note if name == HOUSEHOLDS_FILE else f"Gewerbe: {note}")
        silent = keys.notna() & out[list(frame.columns.drop("row_number"))].isna().all(axis=1)
        for ars in out.loc[silent, "ars"]:
            what = "Haushalte" if name == HOUSEHOLDS_FILE else "Gewerbe"
            notes.setdefault(ars, []).append(f"{what}: im Breitbandatlas ohne Versorgungsangabe (alle Werte 0 %)")
    cities = {today_ags for m in matches.values() for today_ags in m.bezirk_rows.values()}
    for ags in cities:
        ars = munis.loc[munis["ags"] == ags, "ars"]
        if len(ars) and ags not in files[BUSINESSES_FILE].index:
            notes.setdefault(ars.iloc[0], []).append(
                "Gewerbe: der Breitbandatlas gibt hier nur Werte der Stadtbezirke an, keinen Wert der Gesamtstadt")
    out["note"] = out["ars"].map(lambda a: "; ".join(dict.fromkeys(notes[a])) if a in notes else None)
    for col in MEASURE_COLUMNS:
        out[col] = out[col].round(2)
    out["municipalities"] = 1
    out["municipalities_with_data"] = out["households_100mbit"].notna().astype(int)
    pop = munis.set_index("ars")["population"]
    out["population_with_data"] = out["ars"].map(pop).where(out["households_100mbit"].notna()).astype("Int64")
    out["as_of"] = pd.Timestamp(AS_OF).date()
    out["as_of_precision"] = "month"
    out["source_id"] = source_id(HOUSEHOLDS_FILE)
    out["is_demo"] = False
    return out


def unmatched_rows(matches: dict[str, KeyMatch], files: dict[str, pd.DataFrame]) -> list[dict[str, object]]:
    """A `reject` row for every key of a file that matched no municipality of today's register."""
    rows = []
    for name, match in matches.items():
        numbers = files[name]["row_number"]
        for key, reason in sorted(match.unmatched.items()):
            rows.append({"source_id": source_id(name), "file": name, "row_number": int(numbers[key]),
                         "reason": f"Schlüssel ohne heutige Gemeinde: {reason}", "raw": key, "kind": "reject"})
    return rows


def _resolve(ctx: BuildContext) -> dict[str, ResolvedFile] | str:
    """Both files, or the reason why the layer is left out (not in the mirror, not downloadable)."""
    found: dict[str, ResolvedFile] = {}
    for name in BREITBANDATLAS_2021.files:
        try:
            resolved = ctx.resolver.file(BREITBANDATLAS_2021, name, required=False)
        except EtlError as exc:  # no mirror and the official page is not a download archive
            return f"nicht geladen: {exc}"
        if resolved is None:
            return f"nicht geladen: {name} nicht gefunden (Spiegelordner angeben)"
        found[name] = resolved
    return found


def load(ctx: BuildContext) -> list[StepResult]:
    """Source entry point: table `broadband` (municipalities and roll-ups); unmatched keys into `reject`."""
    t = Timer()
    resolved = _resolve(ctx)
    create, rollup = SQL.read_text().split("-- @rollup\n", 1)
    ctx.db.execute(create)
    if isinstance(resolved, str):
        return [StepResult("broadband", BREITBANDATLAS_2021.id, 0, 0, t.seconds, resolved)]
    files: dict[str, pd.DataFrame] = {}
    rejects: list[dict[str, object]] = []
    for name, found in resolved.items():
        files[name], refused = read_file(found.path, name)
        rejects.extend(refused)
    older = older_keys([(reg.edition, reg.records) for reg in ctx.registers[1:]], _vg5000_areas(ctx))
    matches = {name: match_keys(list(frame.index), ctx.regions, older) for name, frame in files.items()}
    rows = municipality_rows(files, matches, ctx.regions)
    insert(ctx.db, "broadband", rows)
    ctx.db.execute(rollup)
    unmatched = unmatched_rows(matches, files)
    insert(ctx.db, "reject", pd.DataFrame(rejects + unmatched))
    results = []
    for name, match in matches.items():
        keys = sorted(match.unmatched)
        with_value = int(rows[list(COLUMNS[name].values())[0]].notna().sum())
        changed = sum(1 for _ars, how in match.to_today.values() if how == "key_change")
        results.append(StepResult(
            "broadband", name, with_value, len(keys), t.seconds,
            f"{with_value} von {len(rows)} Gemeinden mit Wert; {changed} Schlüsseländerungen übernommen; "
            f"{len(match.bezirk_rows)} Stadtbezirkszeilen nicht verwendet (Gesamtstadt); "
            f"{sum(r['file'] == name for r in rejects)} Zeilen abgewiesen; "
            f"{len(keys)} Schlüssel ohne heutige Gemeinde" + _examples(keys)))
    return results


SHOWN_KEYS = 8  # the summary names a few; the reject table and report list every one


def _examples(keys: list[str]) -> str:
    """': 16066062, 16066067, … (alle im Ablehnungsbericht)' instead of a thousand keys in the summary."""
    if not keys:
        return ""
    more = " … (alle im Ablehnungsbericht)" if len(keys) > SHOWN_KEYS else ""
    return ": " + ", ".join(keys[:SHOWN_KEYS]) + more
