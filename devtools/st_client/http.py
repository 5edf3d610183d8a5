"""The plain HTTP requests a browser makes besides the websocket: health (sets the XSRF cookie), host config,
and files a page references (a map's GeoJSON)."""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

XSRF_COOKIE = "_streamlit_xsrf"


@dataclass
class AssetFetch:
    """One HTTP fetch of a file a page references (a map's GeoJSON), as the browser does it."""

    url: str
    seconds: float
    bytes: int
    status: int  # HTTP status, 0 when the request failed
    error: str = ""


def get(url: str, timeout: float) -> tuple[int, Any]:
    """GET a URL; its status and headers (the body is read and dropped)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the app's own URL
        response.read()
        return response.status, response.headers


def health_cookies(base_url: str, timeout: float, send: dict[str, str] | None = None) -> dict[str, str]:
    """The cookies the health request sets (sending `send`): the XSRF cookie, behind a load balancer also
    its sticky-session cookie."""
    request = urllib.request.Request(base_url + "/_stcore/health", headers=cookie_header(send or {}))  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the app's own URL
        response.read()
        headers = response.headers
    found = dict(send or {})
    for header in headers.get_all("set-cookie") or []:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        found.update({name: morsel.value for name, morsel in cookie.items()})
    return found


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


def xsrf_token(base_url: str, timeout: float) -> str | None:
    """The XSRF cookie the health endpoint sets (None with XSRF protection off)."""
    return health_cookies(base_url, timeout).get(XSRF_COOKIE)


def fetch(url: str, timeout: float) -> AssetFetch:
    """GET a file as the browser does (gzip accepted); the body is read, not decoded."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            size = len(response.read())
            return AssetFetch(url, time.perf_counter() - start, size, response.status)
    except Exception as exc:  # noqa: BLE001 - a failed fetch is a result, as in the browser's console
        return AssetFetch(url, time.perf_counter() - start, 0, getattr(exc, "code", 0) or 0,
                          f"{type(exc).__name__}: {exc}")
