"""The region, population, region_mismatch and source tables of the session build (real files)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyogrio

from etl.build import BuildReport
from etl.regions import display_name

GEM = Path("boundaries") / "bkg_vg5000_2021-01-01" / "VG5000_GEM.shp"


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_one_region_per_key_of_the_newest_register(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(rows(con, "SELECT level, count(*) FROM region GROUP BY level"))
    assert counts == {"state": 16, "gov_district": 29, "district": 400, "association": 1203,
                      "municipality": 10953}
    assert rows(con, "SELECT DISTINCT edition FROM region") == [("2025-11-30",)]


def test_bavaria_2056_municipalities_and_165_gemeindefreie_gebiete(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, """
        SELECT count(*) FILTER (WHERE is_municipality), count(*) FILTER (WHERE NOT is_municipality)
        FROM region WHERE level = 'municipality' AND state_ars = '09'""") == [(2056, 165)]
    assert rows(con, """
        SELECT count(*) FROM region WHERE level = 'municipality' AND state_ars = '08' AND is_municipality
        """) == [(1101,)]


def test_gemeindefreie_gebiete_are_no_municipalities(con: duckdb.DuckDBPyConnection) -> None:
    kinds = dict(rows(con, """
        SELECT kind, bool_or(is_municipality) FROM region WHERE level = 'municipality' GROUP BY kind"""))
    assert kinds.pop("Gemeindefreies Gebiet") is False
    assert all(kinds.values())
    assert rows(con, "SELECT is_municipality FROM region WHERE ags = '09572453'") == [(False,)]  # Dormitzer Forst
    assert rows(con, "SELECT count(*) FROM region WHERE level <> 'municipality' AND is_municipality") == [(0,)]


def test_nuernberg_region_and_population_history(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, """
        SELECT ars, level, display_name, kind, population, state_ars, gov_district_ars, district_ars
        FROM region WHERE ags = '09564000'""") == [
        ("095640000000", "municipality", "Nürnberg", "Kreisfreie Stadt", 529508, "09", "095", "09564")]
    history = rows(con, """
        SELECT edition, census_base, population FROM population WHERE ars = '095640000000' ORDER BY edition""")
    assert history == [("2021-12-31", "Zensus 2011", 510632), ("2022-12-31", "Zensus 2011", 523026),
                       ("2025-11-30", "Zensus 2022", 529508)]
    assert rows(con, "SELECT DISTINCT edition, census_base FROM population ORDER BY 1") == [
        ("2021-12-31", "Zensus 2011"), ("2022-12-31", "Zensus 2011"), ("2025-11-30", "Zensus 2022")]


def test_keys_keep_their_length_and_leading_zeros(con: duckdb.DuckDBPyConnection) -> None:
    lengths = dict(rows(con, "SELECT level, list(DISTINCT length(ars)) FROM region GROUP BY level"))
    assert lengths == {"state": [2], "gov_district": [3], "district": [5], "association": [9],
                       "municipality": [12]}
    assert rows(con, """
        SELECT count(*) FROM region WHERE level = 'municipality' AND NOT regexp_full_match(ags, '[0-9]{8}')
        """) == [(0,)]
    assert rows(con, "SELECT ars, display_name FROM region WHERE level = 'state' ORDER BY ars LIMIT 1") == [
        ("01", "Schleswig-Holstein")]
    assert rows(con, "SELECT count(*) FROM region WHERE ars LIKE '01%'")[0][0] > 1000
    # the same key text in every table that carries it
    assert rows(con, """
        SELECT count(*) FROM population p LEFT JOIN region r USING (ars)
        WHERE p.edition = '2025-11-30' AND r.ars IS NULL""") == [(0,)]


def test_bavarian_verwaltungsgemeinschaften_are_associations(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, """
        SELECT count(*) FROM region WHERE level = 'association' AND state_ars = '09'""") == [(311,)]
    assert rows(con, """
        SELECT DISTINCT kind FROM region WHERE level = 'association' AND state_ars = '09'""") == [
        ("Verwaltungsgemeinschaft",)]
    assert rows(con, "SELECT name, member_count FROM region WHERE ars = '094745426'") == [("Dormitz (VGem)", 3)]
    members = rows(con, """
        SELECT display_name FROM region WHERE association_ars = '094745426' AND level = 'municipality'
        ORDER BY 1""")
    assert members == [("Dormitz",), ("Hetzles",), ("Kleinsendelbach",)]
    assert rows(con, "SELECT count(*) FROM region WHERE level = 'association' AND member_count < 2") == [(0,)]


def test_upper_levels_sum_their_municipalities(con: duckdb.DuckDBPyConnection) -> None:
    total = rows(con, "SELECT sum(population) FROM region WHERE level = 'municipality'")[0][0]
    assert total == 83_577_140
    assert rows(con, "SELECT sum(population) FROM region WHERE level = 'state'")[0][0] == total
    assert rows(con, "SELECT kind FROM region WHERE ars = '095'") == [("Bezirk",)]


def test_register_and_boundary_keys_that_differ_are_listed(con: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    """Both directions, computed here from the files, equal region_mismatch: nothing is dropped silently."""
    shipped = set(pyogrio.read_dataframe(mirror / GEM, columns=["AGS"], read_geometry=False)["AGS"])
    register = {ags for (ags,) in rows(con, "SELECT ags FROM region WHERE level = 'municipality'")}
    listed = rows(con, "SELECT ags, issue FROM region_mismatch WHERE level = 'municipality'")
    only_register = {ags for ags, issue in listed if issue.startswith("im Verzeichnis")}
    only_shape = {ags for ags, issue in listed if issue.startswith("Gebietsform")}
    assert only_register == register - shipped
    assert only_shape == shipped - register
    assert (len(only_register), len(only_shape)) == (10, 54)
    assert "09564000" not in only_register | only_shape
    no_shape = {ags for (ags,) in rows(con, "SELECT ags FROM region WHERE level = 'municipality' AND NOT has_shape")}
    assert no_shape == only_register


def test_mismatches_are_counted_in_the_build_summary(
        con: duckdb.DuckDBPyConnection, build_report: BuildReport) -> None:
    listed = rows(con, "SELECT count(*) FROM region_mismatch")[0][0]
    assert listed > 0
    assert rows(con, "SELECT rejected FROM load_log WHERE step = 'regions'") == [(listed,)]
    summary = [r for r in build_report.results if r.step == "regions"]
    assert [r.rejected for r in summary] == [listed]


def test_sources_carry_the_attribution(con: duckdb.DuckDBPyConnection) -> None:
    attribution = dict(rows(con, "SELECT file, attribution FROM source WHERE kind IN ('boundaries', 'register')"))
    assert attribution["VG5000_GEM.shp"] == "© GeoBasis-DE / BKG (2021) (Daten verändert)"
    assert attribution["VG250_KRS.geojson"] == "© GeoBasis-DE / BKG (2025) (Daten verändert)"
    assert attribution["GV100AD_30112025.txt"] == "© Statistisches Bundesamt (Destatis), 2025"
    assert attribution["GV100AD_31122021.txt"] == "© Statistisches Bundesamt (Destatis), 2021"
    licences = {lic for (lic,) in rows(con, """
        SELECT DISTINCT licence FROM source WHERE kind IN ('boundaries', 'register')""")}
    assert licences == {"Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"}
    assert rows(con, "SELECT sha256 FROM source WHERE file = 'GV100AD_30112025.txt'") == [
        ("ca027d4cd476c8fe9442a0a14f553d64ae0e877e9fc82856ec89d6572d8c02b0",)]
    shape_attr = dict(rows(con, "SELECT level, attribution FROM shape_file"))
    assert shape_attr["municipality"] == "© GeoBasis-DE / BKG (2021) (Daten verändert)"
    assert all(a.endswith("(Daten verändert)") for a in shape_attr.values())


def test_display_names_drop_the_designation() -> None:
    assert display_name("Höchberg, M") == "Höchberg"
    assert display_name("Halle (Saale), Stadt") == "Halle (Saale)"
    assert display_name("Dormitz (VGem)") == "Dormitz"


def test_lone_gemeindeverband_shapes_map_to_their_region(con: duckdb.DuckDBPyConnection) -> None:
    """A Gemeindeverband shape of one lone municipality or gemeindefreies Gebiet is keyed on that region,
    not listed as merged: only keys the register really lacks remain in region_mismatch."""
    wrongly_listed = rows(con, """
        SELECT count(*) FROM region_mismatch x
        WHERE x.level = 'association' AND x.issue LIKE 'Gebietsform%'
          AND (SELECT count(*) FROM region r WHERE r.level = 'municipality' AND r.ars[1:9] = x.ars) = 1""")
    assert wrongly_listed == [(0,)]
    # e.g. the gemeindefreie Gebiete of Bavaria are on the association map under their own 12-digit key
    assert rows(con, """
        SELECT count(*) FROM region_shape s JOIN region r USING (ars)
        WHERE s.level = 'association' AND r.state_ars = '09' AND NOT r.is_municipality""")[0][0] > 100
