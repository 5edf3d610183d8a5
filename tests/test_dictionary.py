"""The data dictionary of the session build: every column of every table and view is described."""

from __future__ import annotations

import csv

import duckdb

from core.measures import MEASURES
from etl.dictionary import ANY, ENTRIES, database_columns, dictionary_rows, load_entries


def test_every_column_has_an_entry(con: duckdb.DuckDBPyConnection) -> None:
    columns = set(database_columns(con))
    described = set(con.execute("SELECT object, column_name FROM data_dictionary").fetchall())
    missing = sorted(f"{o}.{c}" for o, c in columns - described)
    assert not missing, f"columns without a data_dictionary entry: {missing}"
    assert described <= columns  # no entry for a column that does not exist
    objects = {o for o, _ in columns}
    assert {"region", "procedure_snapshot", "data_dictionary", "v_ranks", "v_municipality_map"} <= objects


def test_entries_are_meaningful(con: duckdb.DuckDBPyConnection) -> None:
    (empty,) = con.execute("SELECT count(*) FROM data_dictionary WHERE trim(meaning) = ''").fetchone()
    assert empty == 0
    meaning, unit = con.execute("SELECT meaning, unit FROM data_dictionary WHERE object = 'v_procedures_per_10k' "
                                "AND column_name = 'total_per_10k'").fetchone()
    assert "10.000 Einwohner" in meaning and unit == "je 10.000 Einwohner"
    (n_views,) = con.execute("SELECT count(DISTINCT object) FROM data_dictionary WHERE object LIKE 'v\\_%' "
                             "ESCAPE '\\'").fetchone()
    assert n_views == 13  # with v_pvog_history, v_pvog_latest, v_pvog_map (etl/sql/pvog_views.sql)


def test_a_new_column_without_entry_is_reported() -> None:
    entries = load_entries()
    frame, missing = dictionary_rows([("region", "ars"), ("new_table", "mystery_column")], entries)
    assert missing == ["new_table.mystery_column"]
    assert frame["column_name"].tolist() == ["ars"]


def test_entries_file_has_no_duplicates() -> None:
    with ENTRIES.open(encoding="utf-8", newline="") as fh:
        keys = [(r["object"], r["column_name"]) for r in csv.DictReader(fh)]
    assert len(keys) == len(set(keys))
    assert any(obj == ANY for obj, _ in keys)


def test_the_measure_catalogue_is_a_table(con: duckdb.DuckDBPyConnection) -> None:
    """One `measure` row per entry of core/measures.py, in the catalogue's words."""
    rows = con.execute("SELECT key, label, unit, decimals, higher_is_better, levels, facts, caveat FROM measure "
                       "ORDER BY key").fetchall()
    expected = sorted((m.key, m.label, m.unit or None, m.decimals, m.higher_is_better, ",".join(m.levels) or None,
                       ",".join(m.facts) or None, m.caveat or None) for m in MEASURES.values())
    assert rows == expected
