"""HTTP access to the Open-PVOG API: one httpx client with timeouts, a small connection pool and retries.

httpx (not requests/urllib3) because it gives per-phase timeouts (connect/read/write/pool), a bounded HTTP/1.1
pool that several worker threads can share, and distinct exception types (TimeoutException, TransportError),
so a failure can be told to the person running the fetch in one sentence. Retries are a small loop of our own:
429 and 5xx are retried with exponential backoff, honouring `Retry-After` (seconds or HTTP date, capped).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

USER_AGENT = ("Digitalmonitor-Kommunen/1.0 (ETL; Open-PVOG Abruf; "
              "+https://github.com/digitalmonitor-kommunen)")
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0  # seconds; a server asking for longer fails the region instead of stalling the fetch


class FetchFailed(Exception):
    """A request that did not give a usable answer after its retries; the message is for the reader."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4          # total tries per request
    backoff: float = 1.0       # first wait; doubled each retry
    max_wait: float = 30.0


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    url: str


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header ('5' or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else datetime.now(UTC).timestamp()))


def make_client(base_url: str, timeout: float = 30.0, concurrency: int = 4) -> httpx.Client:
    """A client shared by the worker threads: HTTP/1.1, at most `concurrency` connections."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        headers={"User-Agent": USER_AGENT, "Accept": "text/csv, application/json;q=0.9, */*;q=0.1"},
        follow_redirects=True,
    )


def get(client: httpx.Client, path: str, params: dict[str, str] | None = None,
        policy: RetryPolicy = RetryPolicy(), pass_status: frozenset[int] = frozenset({413}),
        sleep=time.sleep) -> Answer:
    """GET with retries on 429/5xx and transport errors. A status in `pass_status` (413: export too large) is
    returned to the caller; any other non-2xx after the retries raises FetchFailed with one sentence."""
    wait = policy.backoff
    last = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            resp = client.get(path, params=params)
        except httpx.TimeoutException as exc:
            last = f"Zeitüberschreitung ({type(exc).__name__})"
        except httpx.TransportError as exc:
            last = f"Verbindungsfehler ({type(exc).__name__}: {exc})"
        else:
            if resp.status_code < 300 or resp.status_code in pass_status:
                return Answer(resp.status_code, resp.headers.get("content-type", ""), resp.content, str(resp.url))
            last = f"HTTP {resp.status_code}"
            if resp.status_code not in RETRY_STATUS:
                raise FetchFailed(f"{last} für {resp.url}")
            asked = retry_after(resp.headers.get("retry-after"))
            if asked is not None:
                if asked > MAX_RETRY_AFTER:
                    raise FetchFailed(f"{last}, Retry-After {asked:.0f} s ist länger als {MAX_RETRY_AFTER:.0f} s")
                wait = asked
        if attempt < policy.attempts:
            sleep(min(wait, policy.max_wait) if wait is not None else 0)
            wait = policy.backoff * 2 ** attempt
    raise FetchFailed(f"{last} nach {policy.attempts} Versuchen ({path})")
