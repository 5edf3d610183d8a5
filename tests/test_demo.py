"""Demo data of the session build (`--demo`): coverage, flags, determinism, real-wins-whole and the programme rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from etl import steps
from etl.context import BuildContext, BuildOptions
from etl.sources.demo import DEMO_SEED, MONTHS, generate, source_id
from etl.sources.demo import load as demo_step
from etl.sources.files import SourceResolver

SCHEMA = Path(__file__).resolve().parent.parent / "etl" / "schema.sql"
NUERNBERG = "095640000000"
TITLE = "Demodaten — synthetische Werte, nicht amtlich"


def _regions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM region").df()


def _real_keys(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {k for (k,) in con.execute(sql).fetchall()}


def test_demo_covers_every_municipality_and_association_of_by_and_bw(con: duckdb.DuckDBPyConnection) -> None:
    munis, assoc = con.execute(
        "SELECT count(*) FILTER (WHERE level = 'municipality' AND is_municipality), "
        "count(*) FILTER (WHERE level = 'association') FROM region WHERE state_ars IN ('08', '09')").fetchone()
    assert munis == 3157  # Bayern 2,056 + Baden-Württemberg 1,101
    assert assoc == 311 + 270  # Verwaltungsgemeinschaften BY; Verwaltungsgemeinschaften and -verbände BW
    expected = _real_keys(con, "SELECT ars FROM region WHERE state_ars IN ('08', '09') AND "
                               "((level = 'municipality' AND is_municipality) OR level = 'association')")
    assert len(expected) == munis + assoc
    # and every Landratsamt or Bezirk with a real award (its series is held at the threshold from the award on)
    awarded_authorities = _real_keys(con, "SELECT c.ars FROM certification c JOIN region r USING (ars) "
                                          "WHERE NOT c.is_demo AND r.level IN ('district', 'gov_district')")
    assert len(awarded_authorities) >= 15
    expected |= awarded_authorities
    real = _real_keys(con, "SELECT ars FROM procedure_snapshot WHERE NOT is_demo "
                           "UNION SELECT ars FROM online_service WHERE NOT is_demo")
    per_region = dict(con.execute(
        "SELECT ars, count(*) FROM procedure_snapshot WHERE is_demo GROUP BY ars").fetchall())
    assert set(per_region) == expected - real
    assert set(per_region.values()) == {MONTHS}
    months = [d for (d,) in con.execute(
        "SELECT DISTINCT as_of FROM procedure_snapshot WHERE is_demo ORDER BY 1").fetchall()]
    assert len(months) == 72
    assert (str(months[0]), str(months[-1])) == ("2020-01-01", "2025-12-01")


def test_no_demo_values_for_gemeindefreie_gebiete(con: duckdb.DuckDBPyConnection) -> None:
    (unincorporated,) = con.execute(
        "SELECT count(*) FROM region WHERE level = 'municipality' AND NOT is_municipality AND state_ars = '09'"
    ).fetchone()
    assert unincorporated > 100
    for table in ("procedure_snapshot", "funding_grant", "certification"):
        (n,) = con.execute(
            f"SELECT count(*) FROM {table} f JOIN region r USING (ars) "  # noqa: S608 - fixed names
            "WHERE f.is_demo AND r.level = 'municipality' AND NOT r.is_municipality").fetchone()
        assert n == 0, table


def test_every_demo_row_is_flagged_and_points_to_a_demo_source(con: duckdb.DuckDBPyConnection) -> None:
    sources = con.execute("SELECT source_id, title, edition, origin, is_demo FROM source WHERE kind = 'demo'").df()
    assert len(sources) == 1
    src = sources.iloc[0]
    assert src["source_id"] == source_id(DEMO_SEED)
    assert TITLE in src["title"] and bool(src["is_demo"]) and src["origin"] == "generated"
    assert str(DEMO_SEED) in src["title"] + src["edition"]
    for table in ("procedure_snapshot", "funding_grant", "certification"):
        flagged_elsewhere, unflagged_demo = con.execute(
            f"SELECT count(*) FILTER (WHERE f.is_demo AND coalesce(s.kind, '') <> 'demo'), "  # noqa: S608
            f"count(*) FILTER (WHERE NOT f.is_demo AND s.kind = 'demo') "
            f"FROM {table} f LEFT JOIN source s USING (source_id)").fetchone()
        assert (flagged_elsewhere, unflagged_demo) == (0, 0), table
        (demo_rows,) = con.execute(f"SELECT count(*) FROM {table} WHERE is_demo").fetchone()  # noqa: S608
        assert demo_rows > 0, table


def test_generator_is_deterministic(con: duckdb.DuckDBPyConnection) -> None:
    regions = _regions(con)
    first, second = generate(regions, seed=7), generate(regions, seed=7)
    for a, b in ((first.snapshots, second.snapshots), (first.grants, second.grants),
                 (first.certifications, second.certifications)):
        pd.testing.assert_frame_equal(a, b)
    other = generate(regions, seed=8)
    assert not first.snapshots["total"].equals(other.snapshots["total"])


def test_central_packages_jump_on_the_same_dates_across_a_state(con: duckdb.DuckDBPyConnection) -> None:
    jumps = con.execute("""
        WITH d AS (
            SELECT s.ars, r.state_ars, s.as_of,
                   s.central - lag(s.central) OVER (PARTITION BY s.ars ORDER BY s.as_of) AS step
            FROM procedure_snapshot s JOIN region r USING (ars) WHERE s.is_demo
        )
        SELECT state_ars, ars, list(as_of ORDER BY as_of) FILTER (WHERE step > 0) AS dates,
               min(step) AS min_step
        FROM d GROUP BY state_ars, ars
    """).df()
    assert (jumps["min_step"] >= 0).all()  # central never falls
    for state, grp in jumps.groupby("state_ars"):
        patterns = {tuple(d) for d in grp["dates"]}
        assert len(patterns) == 1, state
        assert len(next(iter(patterns))) >= 5, state
    (bad,) = con.execute("SELECT count(*) FROM procedure_snapshot WHERE is_demo AND total <> municipal + central"
                         ).fetchone()
    assert bad == 0


def test_real_data_wins_whole_per_measure(con: duckdb.DuckDBPyConnection) -> None:
    measures = {
        "procedures": ("SELECT ars FROM procedure_snapshot WHERE NOT is_demo "
                       "UNION SELECT ars FROM online_service WHERE NOT is_demo",
                       "SELECT ars FROM procedure_snapshot WHERE is_demo"),
        "grants": ("SELECT ars FROM funding_grant WHERE NOT is_demo", "SELECT ars FROM funding_grant WHERE is_demo"),
        "certifications": ("SELECT ars FROM certification WHERE NOT is_demo",
                           "SELECT ars FROM certification WHERE is_demo"),
    }
    for name, (real_sql, demo_sql) in measures.items():
        assert not _real_keys(con, real_sql) & _real_keys(con, demo_sql), name


def test_nuernberg_has_real_counts_and_no_demo_series(con: duckdb.DuckDBPyConnection) -> None:
    assert "Referenzdaten" in [label for label, _ in steps.STEPS]
    real, demo = con.execute(
        "SELECT count(*) FILTER (WHERE NOT is_demo), count(*) FILTER (WHERE is_demo) "
        "FROM procedure_snapshot WHERE ars = $a", {"a": NUERNBERG}).fetchone()
    assert real > 0 and demo == 0


def test_demo_step_leaves_out_a_region_with_a_real_value(con: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    """The demo step on a fresh database that already holds one real count for Nürnberg."""
    regions = _regions(con)
    fresh = duckdb.connect(":memory:")
    try:
        fresh.execute(SCHEMA.read_text(encoding="utf-8"))
        fresh.execute("INSERT INTO procedure_snapshot (ars, as_of, as_of_precision, total, source_id, is_demo) "
                      "VALUES ($a, DATE '2022-05-01', 'month', 241, 'test:real', false)", {"a": NUERNBERG})
        fresh.execute("INSERT INTO certification (ars, kind, awarded_on_precision, source_id, is_demo) "
                      "VALUES ('094745426', 'Digitales Amt', 'unknown', 'test:real', false)")
        ctx = BuildContext(con=fresh, options=BuildOptions(db=Path("unused.duckdb"), demo=True),
                           build_id="test", regions=regions, resolver=SourceResolver(mirror))
        demo_step(ctx)
        rows = dict(fresh.execute("SELECT is_demo, count(*) FROM procedure_snapshot WHERE ars = $a GROUP BY 1",
                                  {"a": NUERNBERG}).fetchall())
        assert rows == {False: 1}
        (dormitz_demo,) = fresh.execute(
            "SELECT count(*) FROM certification WHERE ars = '094745426' AND is_demo").fetchone()
        assert dormitz_demo == 0
        (others,) = fresh.execute("SELECT count(DISTINCT ars) FROM procedure_snapshot WHERE is_demo").fetchone()
        (expected,) = con.execute("SELECT count(DISTINCT ars) FROM procedure_snapshot WHERE is_demo").fetchone()
        assert others >= expected - 1 and others > 3000
    finally:
        fresh.close()


def test_demo_grants_follow_digitales_rathaus(con: duckdb.DuckDBPyConnection) -> None:
    grants = con.execute("SELECT g.*, r.state_ars FROM funding_grant g JOIN region r USING (ars) WHERE g.is_demo").df()
    (total_by,) = con.execute(
        "SELECT count(*) FROM funding_grant WHERE program_id = 'digitales_rathaus'").fetchone()
    assert 1500 <= total_by <= 1700  # roughly 1,600 applications overall, real ones included
    assert (grants["state_ars"] == "09").all()
    assert (grants["program_id"] == "digitales_rathaus").all()
    assert grants["amount_eur"].between(0.01, 20_000).all()
    assert set(grants["funding_rate"].round(2)) == {0.8, 0.9}
    approved = pd.to_datetime(grants["approved_on"])
    assert approved.min() >= pd.Timestamp("2019-10-01") and approved.max() <= pd.Timestamp("2023-09-30")
    assert grants["ars"].is_unique


def test_certifications_follow_the_50_30_rule(con: duckdb.DuckDBPyConnection) -> None:
    certs = con.execute("""
        SELECT c.ars, c.awarded_on, c.awarded_on_precision, c.is_demo, r.state_ars, r.association_ars, s.total,
               s.is_demo AS count_is_demo, s.as_of,
               CASE WHEN r.level = 'gov_district' THEN 30 ELSE 50 END AS threshold
        FROM certification c
        JOIN region r USING (ars)
        ASOF LEFT JOIN procedure_snapshot s ON s.ars = c.ars AND c.awarded_on >= s.as_of
        WHERE c.kind = 'Digitales Amt'
    """).df()
    demo = certs[certs["is_demo"]]
    assert len(demo) > 300
    assert (demo["state_ars"] == "09").all()
    assert demo["association_ars"].isna().all()  # a VG member is certified through its VG
    assert (demo["total"] >= demo["threshold"]).all()
    assert (pd.to_datetime(demo["awarded_on"]) >= pd.Timestamp("2021-07-01")).all()
    # a real award dated to the day with a real count before it (VG Dormitz: 64 on 2022-09-01, award 2022-09-23)
    real = certs[~certs["is_demo"] & certs["total"].notna() & (certs["awarded_on_precision"] == "day")]
    real = real[~real["count_is_demo"].astype(bool)]
    # only a count from the three months before the award speaks to it (LRA Neustadt a.d.Waldnaab: 48 in
    # January 2023, award on 02.10.2024)
    real = real[(pd.to_datetime(real["awarded_on"]) - pd.to_datetime(real["as_of"])).dt.days <= 92]
    assert (real["total"] >= real["threshold"]).all()
    assert "094745426" in set(real["ars"])
    # first awards not before July 2021 (a date known to the year only is stored as 1 January)
    dated = certs.dropna(subset=["awarded_on"])
    on = pd.to_datetime(dated["awarded_on"])
    year_only = dated["awarded_on_precision"] == "year"
    assert ((on >= pd.Timestamp("2021-07-01")) | (year_only & (on.dt.year >= 2021))).all()
    (eligible_uncertified,) = con.execute(
        "SELECT count(*) FROM v_digitales_amt WHERE eligible_not_certified AND is_demo").fetchone()
    assert eligible_uncertified > 0


def test_demo_members_follow_their_vg_for_the_digitales_amt(con: duckdb.DuckDBPyConnection) -> None:
    """Demo members have procedure histories of their own but no award; their status is their VG's, so none
    sits in "berechtigt, nicht zertifiziert" for ever, and every demo award of a VG certifies its members."""
    members = con.execute("""
        SELECT d.ars, d.status, d.certified_via_association, d.eligible_not_certified, own.total AS own_total,
               vg.ars AS vg, vg.status AS vg_status, vg.certified AS vg_certified, c.is_demo AS vg_award_demo
        FROM v_digitales_amt d
        JOIN v_authority a USING (ars)
        JOIN v_procedures_latest own USING (ars)
        JOIN v_digitales_amt vg ON vg.ars = a.association_ars
        LEFT JOIN certification c ON c.ars = vg.ars AND c.kind = 'Digitales Amt'
        WHERE own.is_demo AND NOT d.certified""").df()
    assert len(members) > 900
    assert not members["eligible_not_certified"].any()
    assert (members["status"] == members["vg_status"]).all()
    demo_awarded = members[members["vg_award_demo"].fillna(False).astype(bool)]
    assert demo_awarded["vg"].nunique() > 50  # demo awards follow the milestones: about 400 by 2024
    assert (demo_awarded["status"] == "zertifiziert").all() and demo_awarded["certified_via_association"].all()
    # own counts of 50 or more do not make a member eligible on its own
    assert (members["own_total"] >= 50).sum() > 300


# ------------------------------------------------------------------ demo that respects the truth (issue 14)

DATED = """
    SELECT count(*) FROM certification
    WHERE kind = 'Digitales Amt' AND ((awarded_on_precision IN ('day', 'month') AND awarded_on <= $d)
          OR (awarded_on_precision = 'year' AND year(awarded_on) < year($d)))"""


def test_cumulative_dated_awards_follow_the_published_milestones(con: duckdb.DuckDBPyConnection) -> None:
    """Real + demo awards dated on or before each milestone day: within 5 % of the published count."""
    for day, published in ((date(2022, 7, 18), 100), (date(2023, 2, 6), 200), (date(2024, 1, 18), 400)):
        (count,) = con.execute(DATED, {"d": day}).fetchone()
        assert abs(count - published) <= 0.05 * published, (day, count)
    (kickoff,) = con.execute(DATED, {"d": date(2021, 7, 28)}).fetchone()
    assert kickoff == 7  # the first seven, all real
    (late,) = con.execute(DATED, {"d": date(2024, 10, 31)}).fetchone()
    assert late > 400  # "über 400" in autumn 2024


def test_bad_koenigshofen_is_above_the_threshold_from_its_award_on(con: duckdb.DuckDBPyConnection) -> None:
    """Real award on 28.07.2021, no real counts: its demo series is at least 50 from July 2021 on."""
    award = con.execute("SELECT awarded_on, awarded_on_precision, is_demo FROM certification "
                        "WHERE ars = '096730141141'").fetchall()
    assert award == [(date(2021, 7, 28), "day", False)]
    series = con.execute("SELECT as_of, total, is_demo FROM procedure_snapshot WHERE ars = '096730141141' "
                         "ORDER BY as_of").fetchall()
    assert series and all(is_demo for _, _, is_demo in series)
    assert all(total >= 50 for as_of, total, _ in series if as_of >= date(2021, 7, 1))
    (status,) = con.execute("SELECT status FROM v_digitales_amt WHERE ars = '096730141141'").fetchone()
    assert status == "zertifiziert"


def test_every_real_award_without_real_counts_sits_on_a_series_above_its_threshold(
        con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        SELECT c.ars, r.level, c.awarded_on, c.awarded_on_precision,
               min(s.total) FILTER (WHERE c.awarded_on IS NULL OR s.as_of >= date_trunc('month', c.awarded_on))
                   AS lowest_after,
               max_by(s.total, s.as_of) AS last
        FROM certification c JOIN region r USING (ars) JOIN procedure_snapshot s USING (ars)
        WHERE NOT c.is_demo AND s.is_demo
          AND c.ars NOT IN (SELECT ars FROM procedure_snapshot WHERE NOT is_demo)
        GROUP BY ALL""").fetchall()
    levels = {level for _, level, _, _, _, _ in rows}
    assert {"municipality", "association", "district"} <= levels
    for ars, level, awarded_on, precision, lowest_after, last in rows:
        threshold = 30 if level == "gov_district" else 50
        assert last >= threshold, ars
        if precision in ("day", "month"):
            assert lowest_after >= threshold, (ars, awarded_on)
    # no real award is left without counts: either real ones or a demo series
    (bare,) = con.execute("""SELECT count(*) FROM certification c WHERE NOT c.is_demo
                             AND c.ars NOT IN (SELECT ars FROM procedure_snapshot)""").fetchone()
    assert bare == 0


def test_demo_grants_respect_the_programme(con: duckdb.DuckDBPyConnection) -> None:
    program = con.execute("SELECT budget_eur, max_per_applicant_eur, closes_on FROM program "
                          "WHERE program_id = 'digitales_rathaus'").fetchone()
    assert program == (42_680_000.0, 20_000.0, date(2023, 9, 30))
    per_applicant = con.execute("""SELECT max(s), sum(s) FROM (SELECT ars, sum(amount_eur) AS s FROM funding_grant
                                   WHERE program_id = 'digitales_rathaus' GROUP BY ars)""").fetchone()
    assert per_applicant[0] <= 20_000.0 and per_applicant[1] <= 42_680_000.0
    rates = {r for (r,) in con.execute("SELECT DISTINCT round(funding_rate, 2) FROM funding_grant "
                                       "WHERE is_demo").fetchall()}
    assert rates == {0.8, 0.9}
    (by_deadline,) = con.execute("SELECT count(*) FROM funding_grant WHERE program_id = 'digitales_rathaus' "
                                 "AND (approved_on <= DATE '2023-09-30' OR approved_on IS NULL)").fetchone()
    assert abs(by_deadline - 1600) <= 0.05 * 1600
