"""The website badge of an authority: its real facts (never demo values), the German text and the static SVG.

Shared by the ETL (which writes one SVG per authority into the open-data release) and the dashboard (which
shows the badge, its text alternative and the embed snippet on the profile). Pure functions, no database.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from core.dates import german_date

# One row per authority with a real "Digitales Amt" award or a real BayernPortal count. `$ars` NULL: all.
# Real only: rows with is_demo are never read, so no demo value can reach a badge.
BADGE_SQL = """
WITH award AS (
    SELECT ars, arg_min(awarded_on, coalesce(awarded_on, DATE '9999-12-31')) AS awarded_on,
           arg_min(awarded_on_precision, coalesce(awarded_on, DATE '9999-12-31')) AS awarded_on_precision
    FROM certification WHERE NOT is_demo AND kind = 'Digitales Amt' GROUP BY ars),
latest AS (
    SELECT ars, arg_max(total, as_of) AS total, max(as_of) AS as_of,
           arg_max(as_of_precision, as_of) AS as_of_precision
    FROM procedure_snapshot WHERE NOT is_demo GROUP BY ars)
SELECT r.ars, r.display_name, a.ars IS NOT NULL AS certified, a.awarded_on, a.awarded_on_precision,
       l.total, l.as_of, l.as_of_precision
FROM region r LEFT JOIN award a USING (ars) LEFT JOIN latest l USING (ars)
WHERE (a.ars IS NOT NULL OR l.ars IS NOT NULL) AND ($ars IS NULL OR r.ars = $ars)
ORDER BY r.ars
"""

PUBLIC_URL_ENV = "DIGITALMONITOR_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
RELEASE_PATH = "app/static/release"  # where Streamlit serves static/release/
COUNT_LABEL = "Online-Verfahren im BayernPortal"
FONT_PX = 11
CHAR_PX = 6.2  # average advance of an 11 px sans-serif character (generous: text never overflows)


@dataclass(frozen=True)
class BadgeFacts:
    ars: str
    name: str
    certified: bool
    awarded_on: dt.date | None
    awarded_on_precision: str | None
    total: int | None
    as_of: dt.date | None
    as_of_precision: str | None


def public_url() -> str:
    """The dashboard's public address without a trailing slash (the setting, else localhost:8501)."""
    return (os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")


def embed_snippet(f: BadgeFacts) -> str:
    """HTML for a municipal website: the badge from the stable `latest` release, linked to the profile."""
    base, key = public_url(), quote(f.ars)
    href, src = f"{base}/Gemeindeprofil?ars={key}", f"{base}/{RELEASE_PATH}/latest/badges/{key}.svg"
    return f"<a href={quoteattr(href)}><img src={quoteattr(src)} alt={quoteattr(alt_text(f))}></a>"


def known_date(day: dt.date | None, precision: str | None) -> str | None:
    """28.07.2021, Juli 2021 or 2021 by precision (the one date text of core.dates); None when unknown."""
    if day is None or precision in (None, "unknown"):
        return None
    return german_date(day, precision)


def german_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def badge_text(f: BadgeFacts) -> str:
    """E.g. 'Digitales Amt seit 28.07.2021 · 290 Online-Verfahren im BayernPortal · Stand 18.01.2024'."""
    parts: list[str] = []
    if f.certified:
        since = known_date(f.awarded_on, f.awarded_on_precision)
        parts.append(f"Digitales Amt seit {since}" if since else "Digitales Amt")
    if f.total is not None:
        parts.append(f"{german_int(int(f.total))} {COUNT_LABEL}")
    stand = known_date(f.as_of, f.as_of_precision) if f.total is not None else None
    if stand:
        parts.append(f"Stand {stand}")
    return " · ".join(parts)


def alt_text(f: BadgeFacts) -> str:
    """The text alternative: who, what, and where the facts come from."""
    return f"{f.name}: {badge_text(f)} (Quelle: Digitalmonitor Kommunen)"


def badge_svg(f: BadgeFacts) -> str:
    """A self-contained SVG badge (no scripts, no external references); every text escaped."""
    left, right = "Digitalmonitor", f"{f.name} · {badge_text(f)}"
    lw = round(len(left) * CHAR_PX + 16)
    rw = round(len(right) * CHAR_PX + 16)
    width, height = lw + rw, 22
    title = escape(alt_text(f))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(alt_text(f))}>'
        f"<title>{title}</title>"
        f'<rect width="{width}" height="{height}" rx="4" fill="#1f4e79"/>'
        f'<rect x="{lw}" width="{rw}" height="{height}" rx="4" fill="#2e7d32"/>'
        f'<rect x="{lw}" width="6" height="{height}" fill="#2e7d32"/>'
        f'<g fill="#ffffff" font-family="DejaVu Sans,Verdana,Arial,sans-serif" font-size="{FONT_PX}">'
        f'<text x="8" y="15">{escape(left)}</text>'
        f'<text x="{lw + 8}" y="15">{escape(right)}</text></g></svg>\n'
    )
