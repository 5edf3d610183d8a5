"""Caching of query results across sessions, applied once here (pages call the data layer directly).

Results are keyed on the build (`Db` is hashable and a build file never changes). Outside a running app
(tests, scripts) Streamlit falls back to an in-memory cache, so every function stays callable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

# outside a running app (tests, scripts) every decorated query would log that it caches in memory
logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
logging.getLogger("streamlit.runtime.caching.cache_resource_api").setLevel(logging.ERROR)

F = TypeVar("F", bound=Callable)


def cached(max_entries: int = 32) -> Callable[[F], F]:
    """Cache a query's result per build and arguments (a copy per caller: callers may change it)."""
    return st.cache_data(show_spinner=False, max_entries=max_entries)  # type: ignore[return-value]


def shared(max_entries: int = 32) -> Callable[[F], F]:
    """Cache one object shared by every caller (figures, which st.plotly_chart only reads)."""
    return st.cache_resource(show_spinner=False, max_entries=max_entries)  # type: ignore[return-value]
