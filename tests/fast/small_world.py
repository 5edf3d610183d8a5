"""A small generated Germany for the fast query tests: two states, their Regierungsbezirk / Bezirk, districts,
associations and a few hundred municipalities with generated names, population, area and square shapes, two
procedure snapshots per authority, grants and Digitales-Amt awards from a real (reference) and a demo source.

`write_world(path)` writes it with the real schema and metric SQL of etl/ (`etl.database`) and returns the
`World`: the generated frames, from which the tests compute what every query must answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import shapely
from small_pvog import write_pvog

from etl.context import insert
from etl.database import create_schema, create_views
from etl.sources.broadband import SQL as BROADBAND_SQL

BUILD_ID = "fast-20260101T000000Z-000000"
EDITION = "2025-11-30"
REGISTER, BOUNDARIES, REFERENCE, DEMO = "register:fast", "boundaries:fast", "reference:fast", "demo:fast"
BROADBAND = "broadband:fast"
BROADBAND_ATTRIBUTION = "Breitbandatlas, Bundesnetzagentur (Stand Mitte 2021)"
MERGER_NOTE = "seit Mitte 2021 durch Zusammenschluss neu gebildet: keine Daten"
NEWLY_MERGED = "091730001001"  # a municipality of today's register formed by a merger: no broadband value
DEMO_LABEL = "Demodaten — synthetische Werte, nicht amtlich"
REGISTER_ATTRIBUTION = "© Statistisches Bundesamt (Destatis), 2025"
REFERENCE_ATTRIBUTION = "Quelle: https://example.org/referenz"
PREV, LATEST = date(2024, 1, 1), date(2025, 6, 1)
AWARDS_FROM = date(2023, 7, 1)  # one award every 15 days from here
GRANT_DAY = date(2024, 6, 1)  # between the two snapshots: the grant effect sees both
MERGED = "091719999999"  # a municipality shape whose key the register no longer has
AT_THRESHOLD = {"091730010010": 50, "091730011011": 49}  # exactly at and one below the Digitales-Amt threshold

_STEMS = ("Alt", "Berg", "Dorn", "Eich", "Fels", "Grün", "Hohen", "Kirch", "Lind", "Moos", "Neu", "Ober", "Rot",
          "Sand", "Tann", "Unter", "Wald", "Wies")
_ENDS = ("bach", "berg", "dorf", "feld", "hausen", "heim", "hofen", "ing", "kirchen", "stadt", "stetten", "weiler")
_STATES = {"09": ("Bayern", "091", "Oberbayern", "Bezirk", "Verwaltungsgemeinschaft"),
           "08": ("Baden-Württemberg", "081", "Stuttgart", "Regierungsbezirk", "Verwaltungsverband")}
_CITIES = {"09": ("09162", "München", "Kreisfreie Stadt"), "08": ("08111", "Stuttgart", "Stadtkreis")}
DISTRICTS_PER_STATE = 3
ASSOCIATIONS_PER_DISTRICT = 2
MEMBERS_PER_ASSOCIATION = 4
OWN_PER_DISTRICT = 36  # municipalities that are their own authority


@dataclass
class World:
    """What was generated and written."""

    path: Path
    regions: pd.DataFrame
    shapes: pd.DataFrame
    snapshots: pd.DataFrame
    grants: pd.DataFrame
    certifications: pd.DataFrame
    broadband: pd.DataFrame

    def region(self, ars: str) -> pd.Series:
        return self.regions.set_index("ars").loc[ars]

    def of(self, level: str, state: str | None = None) -> pd.DataFrame:
        rows = self.regions[self.regions["level"] == level]
        return rows if state is None else rows[rows["state_ars"] == state]


class _Names:
    """Unique generated place names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, {"München", "Stuttgart"}

    def __call__(self) -> str:
        while True:
            name = self.rng.choice(_STEMS) + self.rng.choice(_ENDS)
            if name not in self.used:
                self.used.add(name)
                return name
            name = f"{name} {self.rng.choice(('am Main', 'an der Iller', 'im Tal', 'ob der Tauber'))}"
            if name not in self.used:
                self.used.add(name)
                return name


def _row(ars: str, level: str, name: str, kind: str, **parents: object) -> dict[str, object]:
    row: dict[str, object] = {"ars": ars, "level": level, "name": name, "display_name": name, "kind": kind,
                              "state_ars": ars[:2], "gov_district_ars": None, "district_ars": None,
                              "association_ars": None, "population": None, "male": None, "area_km2": None,
                              "postcode": None, "is_municipality": False, "member_count": None}
    row.update(parents)
    return row


def _municipality(rng: random.Random, ars: str, name: str, postcode: int, kind: str = "Gemeinde",
                  association: str | None = None, population: int | None = None) -> dict[str, object]:
    people = population if population is not None else rng.choice(
        (rng.randint(300, 4999), rng.randint(5000, 19999), rng.randint(20000, 60000)))
    register_name = f"{name}, M" if kind == "Markt" else name
    row = _row(ars, "municipality", register_name, kind, gov_district_ars=ars[:3], district_ars=ars[:5],
               association_ars=association, population=people, male=people // 2,
               area_km2=round(rng.uniform(4.0, 90.0), 2), postcode=f"{postcode:05d}", is_municipality=True)
    row["display_name"] = name
    return row


def generate_regions(seed: int = 12) -> pd.DataFrame:
    """States, their one Regierungsbezirk (a Bezirk in Bayern), districts, associations, municipalities and
    one gemeindefreies Gebiet; upper levels carry the sums of their municipalities."""
    rng = random.Random(seed)
    names = _Names(rng)
    rows: list[dict[str, object]] = []
    for state, (state_name, gov, gov_name, gov_kind, association_kind) in _STATES.items():
        postcode = 80000 if state == "09" else 70000
        rows.append(_row(state, "state", state_name, "Land"))
        rows.append(_row(gov, "gov_district", gov_name, gov_kind, gov_district_ars=gov))
        city_district, city_name, city_kind = _CITIES[state]
        rows.append(_row(city_district, "district", city_name, city_kind, gov_district_ars=gov))
        rows.append(_municipality(rng, f"{city_district}0000000", city_name, postcode, city_kind,
                                  population=rng.randint(150_000, 1_500_000)))
        for d in range(DISTRICTS_PER_STATE):
            district = f"{gov}{71 + d:02d}"
            rows.append(_row(district, "district", f"Landkreis {names()}", "Landkreis", gov_district_ars=gov))
            for a in range(ASSOCIATIONS_PER_DISTRICT):
                association = f"{district}5{a:03d}"
                rows.append(_row(association, "association", names(), association_kind, gov_district_ars=gov,
                                 district_ars=district, member_count=MEMBERS_PER_ASSOCIATION))
                for m in range(MEMBERS_PER_ASSOCIATION):
                    postcode += 1
                    rows.append(_municipality(rng, f"{association}{m + 1:03d}", names(), postcode,
                                              association=association, population=rng.randint(400, 4000)))
            for g in range(OWN_PER_DISTRICT):
                postcode += 1
                kind = ("Stadt", "Markt", "Gemeinde", "Gemeinde")[g % 4]
                rows.append(_municipality(rng, f"{district}0{g + 1:03d}{g + 1:03d}", names(), postcode, kind))
    rows.append(_row("091730000900", "municipality", "Forst Generiert", "Gemeindefreies Gebiet",
                     gov_district_ars="091", district_ars="09173", area_km2=12.5))
    frame = pd.DataFrame(rows)
    municipalities = frame[frame["is_municipality"]]
    for i, row in frame.iterrows():
        if row["level"] == "municipality":
            continue
        key = str(row["ars"])
        inside = municipalities[municipalities["ars"].str.startswith(key)]
        frame.loc[i, ["population", "male", "area_km2"]] = (
            inside["population"].sum(), inside["male"].sum(), round(float(inside["area_km2"].sum()), 2))
    frame["ags"] = frame["ars"].map(lambda k: k[:5] + k[9:] if len(k) == 12 else k)
    frame[["population", "male"]] = frame[["population", "male"]].astype("Int64")
    return frame.assign(has_shape=True, edition=EDITION, source_id=REGISTER)


def generate_shapes(regions: pd.DataFrame) -> pd.DataFrame:
    """One square per region and map layer (the association layer: associations plus municipalities that are
    their own authority), laid out on a grid per layer, plus the shape of a merged municipality."""
    layers = {level: regions[regions["level"] == level]["ars"].tolist()
              for level in ("state", "gov_district", "district", "municipality")}
    layers["association"] = regions[(regions["level"] == "association") | (
        (regions["level"] == "municipality") & regions["association_ars"].isna())]["ars"].tolist()
    layers["municipality"].append(MERGED)
    rows = []
    for level, keys in layers.items():
        for i, ars in enumerate(sorted(keys)):
            lon, lat = 8.0 + (i % 20) * 0.1, 47.5 + (i // 20) * 0.1
            square = shapely.box(lon, lat, lon + 0.09, lat + 0.09)
            rows.append({"ars": ars, "level": level, "detail": "map", "in_register": ars != MERGED,
                         "min_lon": lon, "min_lat": lat, "max_lon": lon + 0.09, "max_lat": lat + 0.09,
                         "geometry": shapely.to_wkb(square), "source_id": BOUNDARIES})
    return pd.DataFrame(rows)


def authorities(regions: pd.DataFrame) -> pd.DataFrame:
    """The regions metric_authority holds: municipalities, associations, Landkreise and the Bezirk."""
    r = regions
    return r[((r["level"] == "municipality") & r["is_municipality"]) | (r["level"] == "association")
             | ((r["level"] == "district") & r["kind"].isin(["Landkreis", "Kreis"]))
             | ((r["level"] == "gov_district") & (r["kind"] == "Bezirk"))]


def generate_snapshots(regions: pd.DataFrame, seed: int = 13) -> pd.DataFrame:
    """Two snapshots per authority with data: members of an association have none of their own (they inherit
    their association's), every seventh other authority has none at all. Demo values, except the two cities and
    every fifth authority, which are real (reference); each real authority also has a demo row on the latest
    date with a larger total, which the real row must beat."""
    rng = random.Random(seed)
    rows = []
    candidates = authorities(regions)
    candidates = candidates[candidates["association_ars"].isna()].sort_values("ars").reset_index(drop=True)
    for i, auth in candidates.iterrows():
        if i % 7 == 3:
            continue
        real = auth["kind"] in ("Kreisfreie Stadt", "Stadtkreis") or i % 5 == 0
        municipal = rng.randint(5, 80)
        central = rng.randint(5, 60)
        for as_of in (PREV, LATEST):
            rows.append({"ars": auth["ars"], "as_of": as_of, "as_of_precision": "day", "municipal": municipal,
                         "central": central, "total": municipal + central,
                         "source_id": REFERENCE if real else DEMO, "is_demo": not real})
            municipal += rng.randint(0, 25)
            central += rng.randint(0, 10)
        if real:
            rows.append({**rows[-1], "total": rows[-1]["total"] + 500, "municipal": rows[-1]["municipal"] + 500,
                         "source_id": DEMO, "is_demo": True})
    frame = pd.DataFrame(rows)
    frame = frame[~frame["ars"].isin(AT_THRESHOLD)]
    edge = [{"ars": ars, "as_of": as_of, "as_of_precision": "day", "municipal": total - 20, "central": 20,
             "total": total, "source_id": DEMO, "is_demo": True}
            for ars, latest in AT_THRESHOLD.items() for as_of, total in ((PREV, latest - 10), (LATEST, latest))]
    return pd.concat([frame, pd.DataFrame(edge)], ignore_index=True)


def add_grant_day_snapshots(snapshots: pd.DataFrame, grants: pd.DataFrame) -> pd.DataFrame:
    """Counts on the day of a grant, which are 'before' it, never 'after': a third count for the first recipient
    with data; for the second, its latest count moved to that day (so it has none after the grant)."""
    first, second = [a for a in dict.fromkeys(grants["ars"]) if a in set(snapshots["ars"])][:2]
    last = snapshots[(snapshots["ars"] == first) & (snapshots["as_of"] == PREV)].iloc[0]
    row = {**last.to_dict(), "as_of": GRANT_DAY, "total": last["total"] + 3, "municipal": last["municipal"] + 3}
    moved = snapshots.copy()
    moved.loc[(moved["ars"] == second) & (moved["as_of"] == LATEST), "as_of"] = GRANT_DAY
    return pd.concat([moved, pd.DataFrame([row])], ignore_index=True)


def latest_totals(snapshots: pd.DataFrame, on: date = LATEST) -> pd.DataFrame:
    """One row per authority at a date: its latest snapshot on or before it, a real row before a demo row."""
    rows = snapshots[snapshots["as_of"] <= on].sort_values(["ars", "as_of", "is_demo", "total"],
                                                           ascending=[True, False, True, False])
    return rows.drop_duplicates("ars").set_index("ars")


def generate_grants(regions: pd.DataFrame, seed: int = 14) -> pd.DataFrame:
    """Digitales-Rathaus grants to every third Bavarian municipality (a real one for every fourth of them),
    Digital-aufs-Amt grants to every fifth municipality in Baden-Württemberg."""
    rng = random.Random(seed)
    rows = []
    municipalities = regions[(regions["level"] == "municipality") & regions["is_municipality"]].sort_values("ars")
    for i, m in enumerate(municipalities.itertuples()):
        state = m.state_ars
        if (state == "09" and i % 3) or (state == "08" and i % 5):
            continue
        real = len(rows) % 4 == 0
        rows.append({"grant_id": f"g{len(rows):04d}", "program_id": "digitales_rathaus" if state == "09"
                     else "digital_aufs_amt", "ars": m.ars, "approved_on": GRANT_DAY, "approved_on_precision": "day",
                     "amount_eur": float(rng.randint(20, 200) * 100), "amount_exact": True, "funding_rate": 0.8,
                     "purpose": "Online-Dienste", "status": "bewilligt", "source_id": REFERENCE if real else DEMO,
                     "is_demo": not real})
    return pd.DataFrame(rows)


def generate_certifications(regions: pd.DataFrame, snapshots: pd.DataFrame) -> pd.DataFrame:
    """Digitales Amt for every second Bavarian authority at or above the threshold (the first real, the others
    demo), and for the first association (its members are then certified via the association)."""
    latest = latest_totals(snapshots)
    bavarian = authorities(regions)
    bavarian = bavarian[(bavarian["state_ars"] == "09") & bavarian["ars"].isin(latest.index)].sort_values("ars")
    eligible = [a for a in bavarian["ars"] if latest.loc[a, "total"] >= (30 if len(a) == 3 else 50)
                and a not in AT_THRESHOLD]
    first_vg = regions[(regions["level"] == "association") & (regions["state_ars"] == "09")]["ars"].min()
    chosen = list(dict.fromkeys([*eligible[::2], first_vg]))
    return pd.DataFrame([{"ars": ars, "kind": "Digitales Amt", "awarded_on": AWARDS_FROM + timedelta(days=15 * i),
                          "awarded_on_precision": "day", "source_id": REFERENCE if i == 0 else DEMO,
                          "is_demo": i != 0} for i, ars in enumerate(chosen)])


def generate_broadband(regions: pd.DataFrame, seed: int = 15) -> pd.DataFrame:
    """Breitbandatlas rows of every municipality (not the gemeindefreie Gebiet): percentages, and none with a
    merger note for `NEWLY_MERGED`. The roll-ups are the ETL's own SQL (`write_world`)."""
    rng = random.Random(seed)
    rows = []
    for ars in sorted(regions.query("level == 'municipality' and is_municipality")["ars"]):
        merged = ars == NEWLY_MERGED
        hundred = None if merged else round(rng.uniform(40, 100), 2)
        rows.append({"ars": ars, "level": "municipality", "households_100mbit": hundred,
                     "households_gigabit": None if merged else round(rng.uniform(0, hundred), 2),
                     "businesses_gigabit": None if merged else round(rng.uniform(0, 100), 2),
                     "municipalities": 1, "municipalities_with_data": 0 if merged else 1,
                     "source_key": None if merged else ars[:5] + ars[9:], "key_match": "none" if merged else "exact",
                     "note": MERGER_NOTE if merged else None, "as_of": date(2021, 6, 1), "as_of_precision": "month",
                     "source_id": BROADBAND, "is_demo": False})
    return pd.DataFrame(rows)


def _sources() -> pd.DataFrame:
    common = {"publisher": None, "url": None, "sha256": None, "bytes": None, "retrieved_at": None, "licence": None}
    return pd.DataFrame([
        {**common, "source_id": REGISTER, "dataset": "destatis_gv100ad_20251130", "title": "GV100AD (generiert)",
         "file": "GV100AD_30112025.txt", "origin": "generated", "attribution": REGISTER_ATTRIBUTION,
         "licence": "dl-de/by-2-0", "edition": EDITION, "kind": "register", "is_demo": False},
        {**common, "source_id": BOUNDARIES, "dataset": "bkg_vg250_2025", "title": "Grenzen (generiert)",
         "file": "VG250_GEM.shp", "origin": "generated", "attribution": "© GeoBasis-DE / BKG (2025) (Daten verändert)",
         "edition": "2025-01-01", "kind": "boundaries", "is_demo": False},
        {**common, "source_id": REFERENCE, "dataset": "reference_test", "title": "Referenzdaten (Test)",
         "file": "reference.csv", "origin": "project", "attribution": REFERENCE_ATTRIBUTION,
         "kind": "reference", "is_demo": False},
        {**common, "source_id": BROADBAND, "dataset": "bnetza_breitbandatlas_2021",
         "title": "Breitbandatlas (generiert)", "file": "gemeinde_bezirke_privat_2021_mitte.csv",
         "origin": "generated", "attribution": BROADBAND_ATTRIBUTION,
         "edition": "2021-06-01", "kind": "context", "is_demo": False},
        {**common, "source_id": DEMO, "dataset": "demo", "title": "Demodaten", "file": None, "origin": "generated",
         "attribution": DEMO_LABEL, "edition": "seed=1", "kind": "demo", "is_demo": True},
    ])


def _programs() -> pd.DataFrame:
    base = {"source_url": "https://example.org/programm", "source_id": REFERENCE, "is_demo": False}
    return pd.DataFrame([
        {**base, "program_id": "digitales_rathaus", "name": "Digitales Rathaus", "state_ars": "09", "kind": "funding"},
        {**base, "program_id": "digital_aufs_amt", "name": "Digital aufs Amt", "state_ars": "08", "kind": "funding"},
        {**base, "program_id": "digitales_amt", "name": "Digitales Amt", "state_ars": "09", "kind": "certification",
         "threshold": 50, "threshold_bezirk": 30},
    ])


def write_world(path: Path) -> World:
    """Generate the world and write it as a build database (schema, rows, metric views) at `path`."""
    regions = generate_regions()
    shapes = generate_shapes(regions)
    snapshots = generate_snapshots(regions)
    grants = generate_grants(regions)
    snapshots = add_grant_day_snapshots(snapshots, grants)
    certifications = generate_certifications(regions, snapshots)
    broadband = generate_broadband(regions)
    con = duckdb.connect(str(path))
    try:
        create_schema(con)
        info = {"build_id": BUILD_ID, "built_at": "2026-01-01T00:00:00+00:00", "register_edition": EDITION,
                "demo": "true"}
        insert(con, "build_info", pd.DataFrame({"key": list(info), "value": list(info.values())}))
        insert(con, "source", _sources())
        insert(con, "region", regions)
        insert(con, "region_shape", shapes)
        insert(con, "program", _programs())
        insert(con, "procedure_snapshot", snapshots)
        insert(con, "funding_grant", grants)
        insert(con, "certification", certifications)
        create, rollup = BROADBAND_SQL.read_text(encoding="utf-8").split("-- @rollup\n", 1)
        con.execute(create)
        insert(con, "broadband", broadband)
        con.execute(rollup)
        create_views(con)
        write_pvog(con)  # the federal Open-PVOG tables (tests/fast/small_pvog.py)
    finally:
        con.close()
    return World(path, regions, shapes, snapshots, grants, certifications, broadband)
