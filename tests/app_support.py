"""Shared by the tests of the dashboard: a data-layer handle on any build file, a page run in Streamlit's AppTest
from the entrypoint (as Streamlit runs it), and reading what a page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from app import data, exports

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "dashboard.py"
TIMEOUT = 180  # a cold all-Germany page on a busy two-core machine
EXCEL_KEY = re.compile(r'="([0-9]+)"')


def handle(path: Path) -> data.Db:
    """The data layer's handle on a build file (a published link or the versioned file)."""
    real = str(path.resolve())
    return data.Db(path=real, build_id=data.build_info(data.Db(path=real, build_id=""))["build_id"])


def run(page: str | None = None, **params: str | list[str]) -> AppTest:
    """Run a page (its script, e.g. "pages/1_Karte.py"; None or "dashboard.py" for Start) from dashboard.py with
    query parameters. A page file that is missing or renamed fails here, it is never skipped."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=TIMEOUT)
    if page and page != "dashboard.py":
        assert (ROOT / page).is_file(), f"{page} is missing (renamed?)"
        at.switch_page(page)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def ok(at: AppTest) -> AppTest:
    """The run, after checking that it showed no exception."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str | None = None, **params: str | list[str]) -> AppTest:
    """`run` a page and check that it showed no exception."""
    return ok(run(page, **params))


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first st.dataframe of the page that has the column."""
    frames = [f.value for f in at.dataframe if isinstance(f.value, pd.DataFrame) and column in f.value.columns]
    assert frames, f"no table with column {column!r}"
    return frames[0]


def unwrap_excel_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """A CSV for Excel holds digit keys as ="0916…" text formulas: back to the plain key."""
    out = frame.copy()
    for col in out.columns:
        if exports.is_key_column(col) and pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: m.group(1) if isinstance(v, str) and (m := EXCEL_KEY.fullmatch(v)) else v)
    return out
