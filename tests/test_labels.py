"""Unambiguous display names (etl/labels.py) in the session build: no two regions of one level share a shown name,
Stadt and Landkreis of one name carry their type, namesake Gemeinden their Kreis."""

from __future__ import annotations

import duckdb


def test_no_two_regions_of_a_level_share_a_display_name(con: duckdb.DuckDBPyConnection) -> None:
    dupes = con.execute("""SELECT level, display_name, count(*) FROM region GROUP BY ALL HAVING count(*) > 1
                           LIMIT 5""").fetchall()
    assert dupes == []


def test_stadt_and_landkreis_and_namesake_municipalities(con: duckdb.DuckDBPyConnection) -> None:
    names = dict(con.execute("SELECT ars, display_name FROM region WHERE ars IN "
                             "('09162', '091620000000', '09184', '09463', '09473', '05914', '059140000000')"
                             ).fetchall())
    assert names == {"09162": "München, Stadt", "091620000000": "München, Stadt", "09184": "München, Landkreis",
                     "09463": "Coburg, Stadt", "09473": "Coburg, Landkreis", "05914": "Hagen, Stadt",
                     "059140000000": "Hagen, Stadt"}
    neuenkirchen = [r[0] for r in con.execute(
        "SELECT display_name FROM region WHERE level = 'municipality' AND name LIKE 'Neuenkirchen%' "
        "ORDER BY 1").fetchall()]
    assert len(neuenkirchen) >= 10
    assert "Neuenkirchen (Kreis Steinfurt)" in neuenkirchen
    # a name no other Gemeinde carries stays plain
    assert con.execute("SELECT display_name FROM region WHERE ars = '096730141141'").fetchone() == (
        "Bad Königshofen i.Grabfeld",)
