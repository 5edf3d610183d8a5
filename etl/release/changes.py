"""What changed against the previous release: new or withdrawn awards and grants, Open-PVOG services that went
online or stopped working, and changed counts of online procedures per region. The previous side is read from
the previous release's Parquet files, the new side from the new database (the same rows the release holds)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

COLUMNS = ["change", "ars", "name", "subject", "before", "after", "as_of", "source_url"]
LABELS = {
    "award_new": "neue Auszeichnung", "award_gone": "Auszeichnung entfernt",
    "grant_new": "neue Förderung", "grant_gone": "Förderung entfernt",
    "service_online": "Leistung online", "service_offline": "Leistung nicht mehr online",
    "count_changed": "Zahl der Online-Verfahren geändert",
}


def _files(release: Path, table: str) -> list[str]:
    """The Parquet files of a table in a release (one file, or one per Land)."""
    folder = release / "parquet"
    return sorted(str(p) for p in [folder / f"{table}.parquet", *folder.glob(f"{table}-land-*.parquet")]
                  if p.is_file())


def _prev(release: Path | None, table: str, columns: str) -> str:
    """A FROM clause for the previous release's table, or an empty relation with the given columns."""
    files = _files(release, table) if release is not None else []
    if not files:
        return f"(SELECT {columns} WHERE false)"
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"read_parquet([{listed}], union_by_name = true)"


def compute(con: duckdb.DuckDBPyConnection, previous: Path | None, with_demo: bool) -> pd.DataFrame:
    """One row per change (German labels), sorted by kind and key; empty for the first release."""
    if previous is None:
        return pd.DataFrame(columns=COLUMNS)
    real = "true" if with_demo else "NOT is_demo"
    cert_prev = _prev(previous, "certification",
                      "NULL::VARCHAR ars, NULL::VARCHAR kind, NULL::DATE awarded_on, NULL::VARCHAR source_url")
    grant_prev = _prev(previous, "funding_grant", "NULL::VARCHAR grant_id, NULL::VARCHAR ars, "
                       "NULL::VARCHAR program_id, NULL::DOUBLE amount_eur, NULL::DATE approved_on, "
                       "NULL::VARCHAR source_url")
    svc_prev = _prev(previous, "pvog_service", "NULL::VARCHAR ars, NULL::VARCHAR leika_key, "
                     "NULL::VARCHAR leika_name, NULL::VARCHAR online_status, NULL::BOOLEAN is_current, "
                     "NULL::DATE as_of, NULL::VARCHAR url")
    cnt_prev = _prev(previous, "v_procedures_latest", "NULL::VARCHAR ars, NULL::INTEGER total, NULL::DATE as_of, "
                     "NULL::VARCHAR source_url")
    sql = f"""
    WITH cert_now AS (SELECT DISTINCT ars, kind, awarded_on, source_url FROM certification WHERE {real}),
    cert_prev AS (SELECT DISTINCT ars, kind, awarded_on, source_url FROM {cert_prev}),
    grant_now AS (SELECT grant_id, ars, program_id, amount_eur, approved_on, source_url FROM funding_grant
                  WHERE {real}),
    grant_prev AS (SELECT grant_id, ars, program_id, amount_eur, approved_on, source_url FROM {grant_prev}),
    svc_now AS (SELECT DISTINCT ars, leika_key, any_value(leika_name) OVER (PARTITION BY ars, leika_key) name,
                       as_of, url FROM pvog_service WHERE {real} AND is_current AND online_status = 'ok'),
    svc_prev AS (SELECT DISTINCT ars, leika_key, any_value(leika_name) OVER (PARTITION BY ars, leika_key) name,
                        as_of, url FROM {svc_prev} WHERE is_current AND online_status = 'ok'),
    cnt_now AS (SELECT ars, total, as_of, source_url FROM v_procedures_latest WHERE {real}),
    cnt_prev AS (SELECT ars, total, as_of, source_url FROM {cnt_prev}),
    changes AS (
        SELECT 'award_new' k, n.ars, n.kind subject, NULL::VARCHAR before, strftime(n.awarded_on, '%d.%m.%Y') after,
               n.awarded_on as_of, n.source_url
        FROM cert_now n ANTI JOIN cert_prev p ON p.ars = n.ars AND p.kind = n.kind
        UNION ALL
        SELECT 'award_gone', p.ars, p.kind, strftime(p.awarded_on, '%d.%m.%Y'), NULL, p.awarded_on, p.source_url
        FROM cert_prev p ANTI JOIN cert_now n ON p.ars = n.ars AND p.kind = n.kind
        UNION ALL
        SELECT 'grant_new', n.ars, n.program_id || ' ' || n.grant_id, NULL,
               euro_text(n.amount_eur),
               n.approved_on, n.source_url
        FROM grant_now n ANTI JOIN grant_prev p ON p.grant_id = n.grant_id
        UNION ALL
        SELECT 'grant_gone', p.ars, p.program_id || ' ' || p.grant_id,
               euro_text(p.amount_eur), NULL,
               p.approved_on, p.source_url
        FROM grant_prev p ANTI JOIN grant_now n ON p.grant_id = n.grant_id
        UNION ALL
        SELECT 'service_online', n.ars, n.leika_key || ' ' || coalesce(n.name, ''), NULL, 'online', n.as_of, n.url
        FROM svc_now n ANTI JOIN svc_prev p ON p.ars = n.ars AND p.leika_key = n.leika_key
        WHERE n.ars IN (SELECT ars FROM svc_prev)
        UNION ALL
        SELECT 'service_offline', p.ars, p.leika_key || ' ' || coalesce(p.name, ''), 'online', NULL, p.as_of, p.url
        FROM svc_prev p ANTI JOIN svc_now n ON p.ars = n.ars AND p.leika_key = n.leika_key
        WHERE p.ars IN (SELECT ars FROM svc_now)
        UNION ALL
        SELECT 'count_changed', coalesce(n.ars, p.ars), 'Online-Verfahren', CAST(p.total AS VARCHAR),
               CAST(n.total AS VARCHAR), coalesce(n.as_of, p.as_of), coalesce(n.source_url, p.source_url)
        FROM cnt_now n FULL JOIN cnt_prev p ON p.ars = n.ars
        WHERE n.total IS DISTINCT FROM p.total)
    SELECT c.k, c.ars, coalesce(r.display_name, c.ars) AS name, c.subject, c.before, c.after, c.as_of,
           c.source_url
    FROM changes c LEFT JOIN region r USING (ars)
    ORDER BY c.k, c.ars, c.subject
    """  # noqa: S608 - table names and file paths from the release, no user input
    # the German amount text of both grant rows (1.234 €), as etl.german.format_number writes it
    con.execute("CREATE OR REPLACE TEMP MACRO euro_text(x) AS replace(format('{:,.0f}', x), ',', '.') || ' €'")
    frame = con.execute(sql).df()
    frame.insert(0, "change", frame.pop("k").map(LABELS))
    return frame[COLUMNS]
