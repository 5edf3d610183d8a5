"""The one German date text, with the precision a date is known to: 29.07.2021, Juli 2021 or 2021.

Shared by the dashboard (app.formatting.day), the badge (core.badge) and the ETL's notes (press facts), so that a
date known only to its month reads the same on a page, in a badge and in the build's notes."""

from __future__ import annotations

import datetime as dt

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember")


def german_date(value: dt.date, precision: object = "day") -> str:
    """29.07.2021 (day, and any precision not known here), 'Juli 2021' (month) or '2021' (year)."""
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return f"{MONTHS[value.month - 1]} {value.year}"
    return f"{value.day:02d}.{value.month:02d}.{value.year}"
