"""The tables and views of a build's database, as two calls on an open connection: `create_schema`
(etl/schema.sql: empty tables) and `create_views` (etl/metrics.sql: the metric views and their helper
tables, over whatever the tables hold). The build calls them; so can a test that writes a small database
of its own: create_schema, insert rows (`etl.context.insert`), create_views."""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA = Path(__file__).with_name("schema.sql")
METRICS_SQL = Path(__file__).with_name("metrics.sql")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Every table of the data model, empty."""
    con.execute(SCHEMA.read_text(encoding="utf-8"))


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Run metrics.sql in the open database; return the names of the `v_` views it created."""
    con.execute(METRICS_SQL.read_text(encoding="utf-8"))
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
                       "AND view_name LIKE 'v\\_%' ESCAPE '\\' ORDER BY 1").fetchall()
    return [name for (name,) in rows]
