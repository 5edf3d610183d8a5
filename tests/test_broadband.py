"""Breitbandatlas (Stand Mitte 2021) on the real files: coverage of today's municipalities, whole-city rows,
2021 keys matched to today's register, mergers since 2021, roll-ups weighted by population."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from etl.context import BuildContext, BuildOptions
from etl.regions import build_regions
from etl.sources import broadband
from etl.sources.boundaries import LEVEL_LAYERS, read_layer
from etl.sources.files import SourceResolver
from etl.sources.register import REGISTER_EDITIONS, read_gv100ad

SCHEMA = Path(broadband.__file__).resolve().parent.parent / "schema.sql"


@pytest.fixture(scope="module")
def loaded(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection,
                                                                                   list]]:
    """The broadband step on the real files, in an in-memory database holding the real regions."""
    resolver = SourceResolver(mirror)
    ctx = BuildContext(options=BuildOptions(db=tmp_path_factory.mktemp("bb") / "x.duckdb", mirror=mirror),
                       build_id="test", resolver=resolver)
    for spec in REGISTER_EDITIONS:
        found = resolver.file(spec, spec.files[0])
        assert found is not None
        ctx.registers.append(read_gv100ad(found.path))
    spec, layer = LEVEL_LAYERS["municipality"]
    ctx.layers["municipality"] = read_layer(resolver.layer(spec, layer).path, layer, spec.product)
    ctx.regions = build_regions(ctx.registers[0])
    con = duckdb.connect()
    con.execute(SCHEMA.read_text())
    con.register("_regions", ctx.regions.assign(has_shape=True, source_id="register"))
    con.execute("INSERT INTO region BY NAME SELECT * FROM _regions")
    ctx.con = con
    results = broadband.load(ctx)
    yield con, results
    con.close()


def value(con: duckdb.DuckDBPyConnection, ars: str, column: str = "households_gigabit") -> object:
    return con.execute(f"SELECT {column} FROM broadband WHERE ars = ?", [ars]).fetchone()[0]  # noqa: S608


def test_at_least_10600_of_todays_municipalities_have_a_value(loaded: tuple) -> None:
    con, results = loaded
    n_munis, hh100, hh1000, biz = con.execute("""
        SELECT count(*), count(households_100mbit), count(households_gigabit), count(businesses_gigabit)
        FROM broadband WHERE level = 'municipality'""").fetchone()
    real = con.execute("SELECT count(*) FROM region WHERE level = 'municipality' AND is_municipality").fetchone()[0]
    assert n_munis == real  # every municipality of today's register has a row, with a value or a note
    assert hh100 >= 10_600 and hh1000 >= 10_600
    assert biz >= 10_500
    assert con.execute("""SELECT count(*) FROM broadband WHERE level = 'municipality'
                          AND households_100mbit IS NULL AND note IS NULL""").fetchone()[0] == 0


def test_whole_city_rows_not_bezirk_rows(loaded: tuple) -> None:
    con, results = loaded
    # the atlas gives Berlin, Hamburg, München, Köln, Bremen whole and by Bezirk; the whole-city row is used
    for ars in ("110000000000", "020000000000", "091620000000", "053150000000", "040110000000"):
        assert value(con, ars, "households_100mbit") is not None, ars
    assert value(con, "091620000000", "source_key") == "09162000"
    # the business file has no whole-city row for them: no value, with a note, never a mean of Bezirke
    assert value(con, "110000000000", "businesses_gigabit") is None
    assert "Stadtbezirke" in value(con, "110000000000", "note")
    # Bezirk keys are not reported as unmatched
    listed = con.execute("SELECT list(raw) FROM reject WHERE source_id LIKE 'bnetza%'").fetchone()[0]
    assert not any(k.startswith(("11000", "09162", "02000")) for k in listed)
    household = next(r for r in results if r.source == broadband.HOUSEHOLDS_FILE)
    assert "Stadtbezirkszeilen nicht verwendet" in household.note


def test_key_change_without_territory_change_keeps_the_value(loaded: tuple) -> None:
    con, _ = loaded
    # Eisenach left kreisfrei status on 01.07.2021: 16056000 in the atlas, 16063105 today, same territory
    row = con.execute("SELECT source_key, key_match, households_100mbit FROM broadband "
                      "WHERE ars = '160630105105'").fetchone()
    assert row[0] == "16056000" and row[1] == "key_change" and row[2] is not None


def test_municipality_formed_by_merger_since_2021_has_no_value_and_a_note(loaded: tuple) -> None:
    con, results = loaded
    # Jahnatal (Landkreis Mittelsachsen) was formed on 01.01.2023 from Ostrau and Zschaitz-Ottewig
    ars = con.execute("SELECT ars FROM region WHERE ags = '14522275'").fetchone()[0]
    row = con.execute("SELECT households_100mbit, households_gigabit, businesses_gigabit, key_match, note "
                      "FROM broadband WHERE ars = ?", [ars]).fetchone()
    assert row[:4] == (None, None, None, "none")
    assert "Zusammenschluss" in row[4]
    # its predecessors' keys matched nothing and are listed in the rejects (the summary names a few and the count)
    for old in ("14522450", "14522620"):
        reason = con.execute("SELECT reason FROM reject WHERE raw = ? AND file = ?",
                             [old, broadband.HOUSEHOLDS_FILE]).fetchone()[0]
        assert "Jahnatal" in reason or "aufgegangen" in reason


def test_rollups_are_population_weighted(loaded: tuple) -> None:
    con, _ = loaded
    expected = con.execute("""
        SELECT sum(b.households_gigabit * r.population) / sum(r.population)
        FROM broadband b JOIN region r USING (ars)
        WHERE b.level = 'municipality' AND r.district_ars = '09675'
          AND b.households_gigabit IS NOT NULL""").fetchone()[0]
    assert value(con, "09675") == pytest.approx(expected, abs=0.01)
    plain = con.execute("""SELECT avg(households_gigabit) FROM broadband b JOIN region r USING (ars)
                           WHERE b.level = 'municipality' AND r.district_ars = '09675'""").fetchone()[0]
    assert abs(plain - expected) > 0.05  # the weights make a difference here, so the test can fail
    levels = dict(con.execute("SELECT level, count(*) FROM broadband GROUP BY level").fetchall())
    assert levels["state"] == 16 and levels["district"] >= 400
    # a kreisfreie Stadt: the Kreis value is the city's value
    assert value(con, "09162") == value(con, "091620000000")


def test_attribution_and_source_are_registered() -> None:
    spec = broadband.BREITBANDATLAS_2021
    assert spec.attribution == "Breitbandatlas, Bundesnetzagentur (Stand Mitte 2021)"
    assert spec.url.startswith("https://") and "breitbandatlas" in spec.url.lower()
    assert set(spec.files) == {broadband.HOUSEHOLDS_FILE, broadband.BUSINESSES_FILE}


def test_the_summary_names_a_few_unmatched_keys_and_the_reject_table_holds_all(loaded: tuple) -> None:
    con, results = loaded
    for result in results:
        count = int(result.note.split(" Schlüssel ohne heutige Gemeinde")[0].rsplit("; ", 1)[1])
        rejected = con.execute("SELECT count(*) FROM reject WHERE reason LIKE 'Schlüssel ohne heutige Gemeinde%' "
                               "AND file = ?", [result.source]).fetchone()[0]
        assert count > broadband.SHOWN_KEYS and rejected == count == result.rejected  # every key in the rejects
        named = result.note.split("Schlüssel ohne heutige Gemeinde: ")[1]
        assert len(named.split(", ")) == broadband.SHOWN_KEYS and named.endswith("(alle im Ablehnungsbericht)")
