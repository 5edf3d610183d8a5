"""`fetch pvog`: ask the Open-PVOG API for the export of every region wanted and cache the answers.

Plan: the ARS list (`/public/v1/dash/open-ars`, paged), limited by Land or to given keys, plus the parents of every
region (Kreis, Bezirk, Land, Bund). Each region: the CSV export; on HTTP 413 the JSON pages of the same region. A
worker pool of `concurrency` threads shares one client; every finished region is journalled, so a killed run
resumes with the regions still missing. An answer that is not a readable export fails its region, never the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from etl.sources.pvog import cache
from etl.sources.pvog.client import Answer, FetchFailed, RetryPolicy, get, make_client
from etl.sources.pvog.parse import FormatError, json_rows_to_csv, read_csv, read_json_page, validate

DEFAULT_BASE_URL = "https://api.ozg-umsetzung.de/api"
URL_ENV = "DIGITALMONITOR_PVOG_URL"
ARS_LIST = "/public/v1/dash/open-ars"
EXPORT = "/public/v1/dash/open-pvog/{ars}/export"
PAGED = "/public/v1/dash/open-pvog/{ars}"
EXPORT_PARAMS = {"filetype": "csv", "includeAbove": "false", "includeBelow": "false"}
BUND_ARS = "000000000000"
ARS_PAGE_SIZE = 1000
MAX_PAGES = 2000


@dataclass
class FetchOptions:
    base_url: str | None = None
    lands: tuple[str, ...] = ()
    ars: tuple[str, ...] = ()
    concurrency: int = 4
    timeout: float = 30.0
    accept_drop: bool = False
    cache_dir: Path | None = None
    policy: RetryPolicy = RetryPolicy()


@dataclass
class FetchSummary:
    day: str
    folder: Path
    requested: int
    fetched: int
    skipped: int
    failed: dict[str, str]
    rows: int
    rejects: int
    complete: bool


def base_url(option: str | None) -> str:
    return option or os.environ.get(URL_ENV) or DEFAULT_BASE_URL


def pad(key: str) -> str:
    """A natural-length key (or a 12-digit ARS) as the API's 12-digit ARS."""
    key = key.strip()
    if not key.isdigit() or len(key) > 12:
        raise ValueError(f"kein Regionalschlüssel: {key!r}")
    return key.ljust(12, "0")


def parents(ars: str, listed: set[str] | None) -> list[str]:
    """Kreis, Bezirk (where the API lists it, or in Bayern), Land and Bund of a region, as 12-digit ARS."""
    out = [BUND_ARS, pad(ars[:2]), pad(ars[:5])]
    bezirk = pad(ars[:3])
    if (listed is not None and bezirk in listed) or (listed is None and ars.startswith("09")):
        out.append(bezirk)
    return [a for a in out if a != ars]


def list_ars(client: httpx.Client, policy: RetryPolicy, size: int = ARS_PAGE_SIZE) -> list[tuple[str, str]]:
    """(ARS, name) of every region the API lists, page by page (PageArsDto; a bare list is taken too)."""
    found: list[tuple[str, str]] = []
    for page in range(MAX_PAGES):
        ans = get(client, ARS_LIST, {"page": str(page), "size": str(size)}, policy, pass_status=frozenset())
        try:
            data = httpx.Response(200, content=ans.body).json()
        except ValueError:
            raise FetchFailed(f"ARS-Liste Seite {page}: keine JSON-Antwort ({ans.content_type})") from None
        content = data if isinstance(data, list) else data.get("content") if isinstance(data, dict) else None
        if not isinstance(content, list):
            raise FetchFailed(f"ARS-Liste Seite {page}: kein Feld 'content'")
        for item in content:
            if isinstance(item, dict) and str(item.get("ars", "")).isdigit():
                found.append((str(item["ars"]).ljust(12, "0"), str(item.get("arsName") or item.get("ars_name") or "")))
        total = data.get("totalPages") if isinstance(data, dict) else None
        if (not content or isinstance(data, list) or (isinstance(data, dict) and data.get("last") is True)
                or (isinstance(total, int) and page + 1 >= total)):
            break
    return found


def plan(client: httpx.Client, options: FetchOptions) -> list[str]:
    """The 12-digit ARS to fetch: given keys, or the listed ones of the given Länder (all without a filter),
    always with their parents."""
    listed: set[str] | None = None
    if options.ars and not options.lands:
        wanted = [pad(a) for a in options.ars]
    else:
        listed = {a for a, _ in list_ars(client, options.policy)}
        lands = tuple(land.zfill(2) for land in options.lands)
        wanted = sorted(a for a in listed if not lands or a.startswith(lands)) + [pad(a) for a in options.ars]
    out = dict.fromkeys(wanted)
    for ars in wanted:
        out.update(dict.fromkeys(parents(ars, listed)))
    return list(out)


def _paged(client: httpx.Client, ars: str, policy: RetryPolicy) -> bytes:
    rows: list[dict] = []
    total = 1
    page = 0
    while page < min(total, MAX_PAGES):
        ans = get(client, PAGED.format(ars=ars), {"page": str(page), "size": "100"}, policy, frozenset())
        content, total = read_json_page(ans.body)
        rows.extend(content)
        page += 1
    return json_rows_to_csv(rows)


def fetch_region(client: httpx.Client, ars: str, fetch: cache.Fetch, policy: RetryPolicy) -> dict:
    """Fetch, check and cache one region; the journal entry says what happened."""
    entry: dict = {"ars": ars, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        ans: Answer = get(client, EXPORT.format(ars=ars), EXPORT_PARAMS, policy)
        via = "export"
        body = ans.body
        if ans.status == 413:
            via, body = "json-seiten", _paged(client, ars, policy)
        frame, bad = read_csv(body)
        valid, rejects = validate(frame)
    except (FetchFailed, FormatError) as exc:
        return {**entry, "status": "failed", "error": str(exc)}
    name = cache.data_name(ars, fetch.day)
    cache.write_atomic(fetch.folder / name, body)
    return {**entry, "status": "ok", "file": name, "sha256": cache.sha256_bytes(body), "rows": len(valid),
            "rejects": len(bad) + len(rejects), "via": via}


def run_fetch(options: FetchOptions, on_plan: Callable[[int, int], None] | None = None,
              on_region: Callable[[dict], None] | None = None, today: date | None = None) -> FetchSummary:
    """Plan, resume or start the fetch, fetch what is missing, write the manifest (also when interrupted)."""
    url = base_url(options.base_url)
    root = options.cache_dir or cache.cache_root()
    with make_client(url, options.timeout, options.concurrency) as client:
        wanted = plan(client, options)
        fetch = cache.open_fetch(root, wanted, url, options.accept_drop, today or datetime.now(UTC).date())
        todo = [a for a in fetch.requested if fetch.done.get(a, {}).get("status") != "ok"]
        skipped = len(fetch.requested) - len(todo)
        journal = cache.Journal(fetch)
        cache.write_manifest(fetch)
        if on_plan:
            on_plan(len(todo), skipped)
        fetched = 0
        try:
            with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
                futures = [pool.submit(fetch_region, client, a, fetch, options.policy) for a in todo]
                for future in as_completed(futures):
                    entry = future.result()
                    journal.record(entry)
                    fetched += entry["status"] == "ok"
                    if on_region:
                        on_region(entry)
        finally:
            cache.write_manifest(fetch)
    failed = {a: fetch.done[a].get("error", "") for a in fetch.failed() if a in set(fetch.requested)}
    oks = [fetch.done[a] for a in fetch.requested if fetch.done.get(a, {}).get("status") == "ok"]
    return FetchSummary(fetch.day, fetch.folder, len(fetch.requested), fetched, skipped, failed,
                        sum(int(e.get("rows") or 0) for e in oks), sum(int(e.get("rejects") or 0) for e in oks),
                        fetch.is_complete())


def probe(options: FetchOptions) -> list[str]:
    """What the API answers: the first page of the ARS list and one region's export (lines for the console)."""
    url = base_url(options.base_url)
    lines = [f"Basis-URL: {url}"]
    policy = RetryPolicy(attempts=2, backoff=1.0)
    with make_client(url, options.timeout, 1) as client:
        first = options.ars[0] if options.ars else None
        try:
            ans = get(client, ARS_LIST, {"page": "0", "size": "5"}, policy, frozenset())
            lines.append(f"ARS-Liste: HTTP {ans.status}, {ans.content_type}, {len(ans.body)} Byte")
            data = httpx.Response(200, content=ans.body).json()
            if isinstance(data, dict):
                lines.append(f"  Felder: {', '.join(sorted(data))}; totalElements={data.get('totalElements')}, "
                             f"totalPages={data.get('totalPages')}")
                content = data.get("content") or []
                lines.append(f"  erste Einträge: {content[:3]}")
                first = first or (str(content[0].get("ars")) if content and isinstance(content[0], dict) else None)
        except (FetchFailed, ValueError) as exc:
            lines.append(f"ARS-Liste: nicht lesbar ({exc})")
        ars = pad(first or "091620000000")
        try:
            start = time.perf_counter()
            ans = get(client, EXPORT.format(ars=ars), EXPORT_PARAMS, policy)
            lines.append(f"Export {ars}: HTTP {ans.status}, {ans.content_type}, {len(ans.body)} Byte, "
                         f"{time.perf_counter() - start:.2f} s (× Regionen / Parallelität ≈ Dauer eines Abrufs)")
            if ans.status == 413:
                content, total = read_json_page(get(client, PAGED.format(ars=ars), {"page": "0", "size": "100"},
                                                    policy, frozenset()).body)
                lines.append(f"  413 → JSON-Seiten: {total} Seiten, Felder {sorted(content[0]) if content else []}")
            else:
                head = ans.body[:300].decode("utf-8", "replace").split("\n", 1)[0]
                lines.append(f"  Trennzeichen: {';' if head.count(';') >= head.count(',') else ','}; Kopf: {head}")
                frame, bad = read_csv(ans.body)
                valid, rejects = validate(frame)
                lines.append(f"  Spalten: {', '.join(frame.columns)}; Zeilen {len(frame)}, gültig {len(valid)}, "
                             f"abgelehnt {len(rejects) + len(bad)}")
        except (FetchFailed, FormatError) as exc:
            lines.append(f"Export {ars}: {exc}")
    return lines
