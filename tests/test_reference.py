"""The project's reference facts (etl/reference/) in a real build: awards, grants, counts, programmes and
milestones, each row with the source URL of the press or ministry page it comes from."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl.german import parse_date
from etl.keys import clean_key
from etl.sources.reference import REFERENCE_DIR

# display names as shown: a kreisfreie Stadt that shares its name with a Landkreis carries its type
FIRST_AWARDEES = {"095640000000": "Nürnberg", "097610000000": "Augsburg, Stadt", "092630000000": "Straubing",
                  "093610000000": "Amberg, Stadt", "091610000000": "Ingolstadt", "094610000000": "Bamberg, Stadt",
                  "096730141141": "Bad Königshofen i.Grabfeld"}
PRESS = "compiled_from_press"


def _press(mirror: Path, name: str) -> list[dict[str, str]]:
    with (mirror / PRESS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _ars(con: duckdb.DuckDBPyConnection, key: str) -> str:
    """The region key a press row's key stands for (an AGS names a municipality's 12-digit ARS)."""
    if len(key) != 8:
        return key
    row = con.execute("SELECT ars FROM region WHERE ags = $k AND level = 'municipality'", {"k": key}).fetchone()
    assert row is not None, key
    return str(row[0])


def test_seven_first_awardees_certified_on_28_july_2021(con: duckdb.DuckDBPyConnection) -> None:
    """First pass 'Juli 2021' (month), second pass 28.07.2021 (day): the more precise date wins."""
    rows = con.execute("""
        SELECT c.ars, r.display_name, c.awarded_on, c.awarded_on_precision, c.source_url, s.url, s.kind, c.is_demo
        FROM certification c JOIN region r ON r.ars = c.ars JOIN source s ON s.source_id = c.source_id
        WHERE c.kind = 'Digitales Amt' AND c.awarded_on <= DATE '2021-07-31'
          AND c.awarded_on_precision <> 'year'""").fetchall()
    assert {r[0]: r[1] for r in rows} == FIRST_AWARDEES
    for _, _, awarded, precision, url, source_url, kind, is_demo in rows:
        assert (awarded, precision) == (date(2021, 7, 28), "day")
        assert url.startswith("https://") and url == source_url
        assert kind == "reference" and is_demo is False


def test_hoesbach_200th_award_on_the_day(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT awarded_on, awarded_on_precision, source_url FROM certification "
                      "WHERE ars = '096710130130'").fetchall()
    assert len(row) == 1
    assert row[0][:2] == (date(2023, 2, 6), "day")
    assert "bayerns-200-digitales-amt" in row[0][2]


def test_awards_keyed_on_association_district_and_bezirk(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(con.execute("""
        SELECT c.ars, (r.level, c.awarded_on, c.awarded_on_precision, c.procedures_reported)
        FROM certification c JOIN region r USING (ars)
        WHERE c.ars IN ('094745426', '09678', '096', '096620000000', '09676')""").fetchall())
    assert rows["094745426"] == ("association", date(2022, 9, 23), "day", 64)  # VG Dormitz
    assert rows["09678"] == ("district", None, "unknown", None)  # Landkreis Schweinfurt
    assert rows["096"] == ("gov_district", date(2023, 4, 24), "day", 44)  # Bezirk Unterfranken (second pass)
    assert rows["096620000000"] == ("municipality", date(2021, 1, 1), "year", None)  # Stadt Schweinfurt
    assert rows["09676"] == ("district", date(2023, 5, 26), "day", None)  # Landratsamt Miltenberg (second pass)


def test_every_first_pass_award_is_kept_with_a_date_at_least_as_precise(con: duckdb.DuckDBPyConnection,
                                                                       mirror: Path) -> None:
    press = _press(mirror, "digitales_amt_awards_partial.csv")
    rank = {"unknown": 0, "year": 1, "month": 2, "day": 3}
    loaded = {r[0]: r[1:] for r in con.execute(
        "SELECT c.ars, c.awarded_on, c.awarded_on_precision, c.source_url FROM certification c "
        "JOIN source s USING (source_id) WHERE s.kind = 'reference'").fetchall()}
    assert len(press) == 22
    for row in press:
        key = row["ags"] or row["gemeindeverband_schluessel"] or ("096" if row["kommune"] == "Bezirk Unterfranken"
                                                                 else "")
        expected = parse_date(row["award_date"])
        awarded, precision, url = loaded[_ars(con, key)]
        assert rank[precision] >= rank[expected.precision], row["kommune"]
        if expected.value is not None:  # the same event: the same month (or year) as the first pass
            assert awarded.year == expected.value.year, row["kommune"]
            assert expected.precision == "year" or awarded.month == expected.value.month, row["kommune"]
        assert url.startswith("https://")


def test_every_first_pass_grant_is_kept(con: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    press = _press(mirror, "digitales_rathaus_grants_partial.csv")
    loaded = {r[0]: r[1:] for r in con.execute(
        "SELECT g.ars, g.program_id, g.approved_on, g.amount_eur, g.status FROM funding_grant g "
        "JOIN source s USING (source_id) WHERE s.kind = 'reference'").fetchall()}
    assert len(press) == 28
    for row in press:
        program, approved, amount, status = loaded[_ars(con, row["ags"] or row["gemeindeverband_schluessel"])]
        assert (program, status) == ("digitales_rathaus", "bewilligt"), row["empfaenger"]
        expected = parse_date(row["bescheid_date"])
        if expected.value is not None and approved is not None:
            assert approved.year == expected.value.year, row["empfaenger"]
        if row["foerderbetrag_eur"]:
            assert amount == pytest.approx(float(row["foerderbetrag_eur"]), abs=100), row["empfaenger"]


def test_first_pass_counts_kept_once_where_a_date_is_known(con: duckdb.DuckDBPyConnection, mirror: Path) -> None:
    """Each dated count is one event: the same value for the same authority, loaded once (the more precise date)."""
    press = _press(mirror, "bayernportal_online_verfahren_counts_partial.csv")
    loaded = con.execute(
        "SELECT p.ars, p.as_of, p.as_of_precision, p.total FROM procedure_snapshot p "
        "JOIN source s USING (source_id) WHERE s.kind = 'reference'").fetchall()
    dated = [r for r in press if r["stand"]]
    assert {r["kommune"] for r in press if not r["stand"]} == {"Erding", "Oberding", "Dorfen", "Taufkirchen (Vils)",
                                                                "Finsing"}, "rows without a year stay out"
    assert len(dated) == 12
    for row in dated:
        ars = _ars(con, row["ags"] or row["gemeindeverband_schluessel"])
        same = [r for r in loaded if r[0] == ars and r[3] == int(row["online_verfahren"])]
        assert len(same) == 1, row["kommune"]
    assert ("095640000000", date(2024, 1, 18), "day", 290) in loaded  # 'Dezember 2023' -> reported 18.01.2024


def test_programme_facts(con: duckdb.DuckDBPyConnection) -> None:
    rows = {r[0]: r for r in con.execute("""
        SELECT program_id, state_ars, kind, in_force_on, budget_eur, max_per_applicant_eur, funding_rate,
               funding_rate_special, threshold, threshold_bezirk, min_services, closes_on, support, target,
               legal_basis, source_url, is_demo
        FROM program""").fetchall()}
    assert set(rows) == {"digitales_rathaus", "digital_aufs_amt", "digitales_amt"}
    assert rows["digitales_rathaus"][1:12] == ("09", "funding", date(2019, 10, 1), 42_680_000.0, 20_000.0, 0.8, 0.9,
                                               None, None, 20, date(2023, 9, 30))
    assert "FöRdR" in rows["digitales_rathaus"][14]
    assert rows["digital_aufs_amt"][1:3] == ("08", "funding")
    assert (rows["digital_aufs_amt"][4], rows["digital_aufs_amt"][11]) == (400_000.0, date(2025, 12, 15))
    assert "Digitalakademie@bw" in rows["digital_aufs_amt"][12]
    assert "kleinere und mittlere Kommunen" in rows["digital_aufs_amt"][13]
    assert rows["digitales_amt"][1:3] == ("09", "certification")
    assert rows["digitales_amt"][8:10] == (50, 30)
    assert all(r[15].startswith("https://") and r[16] is False for r in rows.values())


def test_milestones_carry_the_days_of_the_award_counts(con: duckdb.DuckDBPyConnection) -> None:
    rows = {(r[0], r[1], r[2]) for r in con.execute(
        "SELECT on_date, date_precision, value FROM milestone WHERE program_id = 'digitales_amt'").fetchall()}
    for day, count in ((date(2021, 7, 28), 7), (date(2022, 7, 18), 100), (date(2023, 2, 6), 200),
                       (date(2024, 1, 18), 400)):
        assert (day, "day", float(count)) in rows
    assert con.execute("SELECT count(*) FROM milestone WHERE source_url NOT LIKE 'https://%'").fetchone() == (0,)


def test_reference_rows_point_to_a_source_with_their_url(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("certification", "funding_grant", "procedure_snapshot", "program", "milestone"):
        mismatched = con.execute(
            f"SELECT count(*) FROM {table} t JOIN source s USING (source_id) "  # noqa: S608 - fixed table names
            "WHERE s.kind = 'reference' AND (s.url IS DISTINCT FROM t.source_url "
            "OR (s.file NOT LIKE 'etl/reference/%' AND s.dataset NOT LIKE 'press_%'))"
        ).fetchone()
        assert mismatched == (0,), table
    assert con.execute("SELECT count(*) FROM reject WHERE source_id LIKE 'reference:%'").fetchone() == (0,)
    steps = con.execute("SELECT sum(rejected) FROM load_log WHERE step = 'reference'").fetchone()
    assert steps == (0,)


def test_reference_files_are_rewritten_not_copied(mirror: Path) -> None:
    press = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (mirror / PRESS).glob("*.csv")}
    ours = list(REFERENCE_DIR.glob("*.csv"))
    assert len(ours) == 5
    for path in ours:
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in press
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert ";" in header and "Quelle" in header
    readme = (REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    for path in ours:
        assert path.name in readme


def test_reference_keys_are_written_in_full(con: duckdb.DuckDBPyConnection) -> None:
    """No reference key needs a repair or a name match: each is the region key itself or an AGS."""
    for name in ("zertifizierungen.csv", "foerderungen.csv", "verfahren_anzahl.csv"):
        with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as fh:
            keys = [clean_key(r["Schlüssel"]) for r in csv.DictReader(fh, delimiter=";")]
        assert all(k and len(k) in (3, 5, 8, 9) for k in keys), name
