"""A light Streamlit client: talks to a running server over its websocket exactly as the browser does, without
rendering anything, so that a load test can run many sessions on a small machine.

    async with StreamlitSession("http://127.0.0.1:8501") as s:
        first = await s.open("Karte", query="ebene=municipality&land=DE")
        second = await s.set_widget("karte_land", "Bayern")      # widget key or label; option as shown
        print(second.seconds, second.bytes, second.query_string, second.errors)

The protocol (streamlit 1.67, read from its runtime and its frontend bundle):

- Before connecting, the browser asks `/_stcore/health` (which sets the `_streamlit_xsrf` cookie) and
  `/_stcore/host-config`. It then opens `/_stcore/stream` with the subprotocols `streamlit, <xsrf cookie
  value>` (the server only uses the token to trust auth cookies, but checks Origin/Host) and sends one
  `BackMsg.rerun_script` with a `ClientState`: the query string, the widget states, the page (`page_name`
  = the URL path on a first load, later `page_script_hash` of the page), `context_info` (time zone, locale,
  URL) and `cached_message_hashes`.
- The server answers with `ForwardMsg`s: `new_session` at the start of every run (its `config` carries
  `max_cached_message_age`), `session_status_changed`, `navigation` (the `st.navigation` pages with their
  hashes and URL paths), `page_not_found`, deltas (`new_element`, `add_block`) placed by
  `metadata.delta_path`, `page_info_changed` (the query string the app set), `auto_rerun` (a fragment with
  `run_every`), and `script_finished` with a status; `FINISHED_EARLY_FOR_RERUN` ends a run that a further
  run replaces (`st.rerun`, `st.switch_page`), so the request is only done at the next final status.
- Message cache: a delta of at least `global.minCachedMessageSize` bytes comes with `metadata.cacheable`
  and a `hash`. The browser keeps such messages and lists their hashes in every rerun request; the server
  then sends a `ref_hash` message instead, which the browser resolves from its cache (with the delta path
  of the reference). After each finished run that began with a `new_session`, entries not seen for more
  than `max_cached_message_age` runs are dropped (for a fragment run only entries of that fragment).
- Widgets: every widget element carries an id (`$$ID-<hash>-<user key>`). The browser holds one
  `WidgetState` per widget on the page (its default, a value it chose, or the `raw_value`/`value` the
  server forces with `set_value`) and sends all of them with every rerun; a changed widget is simply a
  different value under the same id, in the field its type uses (selectbox: `string_value` with the shown
  option; multiselect: `string_array_value`; checkbox: `bool_value`; number_input: `double_value`, ...).
- `auto_rerun` elements make the browser send `rerun_script` with the fragment id and `is_auto_rerun`
  every `interval` seconds; a page change clears these timers.
- Not over the websocket: a plotly map whose trace names its GeoJSON by URL makes the browser fetch that
  file (once per browser, then from its HTTP cache); `fetch_assets=True` does the same.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

XSRF_COOKIE = "_streamlit_xsrf"
STREAM_PATH = "/_stcore/stream"
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "success",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "early_for_rerun",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment_success",
}
ALERT_FORMATS = {1: "error", 2: "warning", 3: "info", 4: "success"}
# element types whose body is text shown to the reader
TEXT_ELEMENTS = ("heading", "markdown", "alert", "text", "metric", "exception")
_MD_ESCAPE = re.compile(r"\\(.)")
_GEOJSON_URL = re.compile(r'"geojson":\s*"([^"]+)"')


@dataclass
class AssetFetch:
    """One HTTP fetch of a file a page references (a map's GeoJSON), as the browser does it."""

    url: str
    seconds: float
    bytes: int
    status: int  # HTTP status, 0 when the request failed
    error: str = ""


@dataclass
class Widget:
    """A widget as the browser holds it: its id, user key, label, element type, options and current value."""

    id: str
    type: str
    label: str
    key: str | None = None
    options: list[str] = field(default_factory=list)
    value: Any = None
    disabled: bool = False
    fragment_id: str = ""
    script_hash: str = ""
    kind: str = ""  # select_slider for a slider with options, toggle for a checkbox drawn as toggle


@dataclass
class RerunResult:
    """What one request (a page load, a widget change, a rerun) produced, from sending it to the run's end."""

    seconds: float
    bytes: int = 0
    messages: int = 0
    status: str = "pending"  # success, fragment_success, compile_error, timeout, disconnected, error
    page: str = ""  # URL path of the page that ran ("" for the default page)
    page_script_hash: str = ""
    query_string: str = ""
    texts: list[str] = field(default_factory=list)  # headings, markdown, captions, alerts, metrics in page order
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (error/warning/info/success, text)
    errors: list[str] = field(default_factory=list)  # exceptions, page not found, runs that did not succeed
    warnings: list[str] = field(default_factory=list)  # exception elements marked as warnings
    widgets: list[Widget] = field(default_factory=list)  # widgets drawn in this run
    elements: dict[str, int] = field(default_factory=dict)  # element type -> count in this run
    cache_refs: int = 0  # elements the server sent as a reference to the client's cache
    fragment_id: str = ""
    auto: bool = False

    @property
    def ok(self) -> bool:
        return self.status in ("success", "fragment_success") and not self.errors

    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class _CacheEntry:
    payload: bytes
    run_count: int
    fragment_id: str


@dataclass
class _Run:
    """The messages of one request until its final script_finished."""

    started: float
    fragment_id: str
    auto: bool
    done: asyncio.Future[str]
    bytes: int = 0
    messages: int = 0
    cache_refs: int = 0
    elements: dict[tuple[int, ...], tuple[str, str]] = field(default_factory=dict)  # path -> (type, text)
    alerts: dict[tuple[int, ...], tuple[str, str]] = field(default_factory=dict)
    widgets: dict[str, Widget] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _plain(markdown: str) -> str:
    """Markdown text without backslash escapes."""
    return _MD_ESCAPE.sub(r"\1", markdown)


def user_key(widget_id: str) -> str | None:
    """The user key of a widget id `$$ID-<hash>-<key>` (None without a key)."""
    if not widget_id.startswith("$$ID-"):
        return None
    key = widget_id.split("-", maxsplit=2)[-1]
    return None if key == "None" else key


class StreamlitError(RuntimeError):
    """The session cannot do what was asked (not connected, unknown widget or option)."""


class StreamlitSession:
    """One browser tab's worth of Streamlit session, driven from asyncio.

    `open`, `set_widget` and `rerun` each send one rerun request and wait for its run to end (or `timeout`
    seconds); they never raise for what the app does (errors are in the result), only for misuse. With
    `auto_rerun=True` the session also sends the fragment reruns that `st.fragment(run_every=...)` asks
    for, as the browser does; their results go to `on_result` and `background`.
    """

    def __init__(self, base_url: str, *, timeout: float = 60.0, auto_rerun: bool = False,
                 fetch_assets: bool = False, locale: str = "de-DE", timezone: str = "Europe/Berlin",
                 on_result: Callable[[RerunResult], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.auto_rerun = auto_rerun
        self.locale = locale
        self.timezone = timezone
        self.on_result = on_result
        self.fetch_assets = fetch_assets
        self.assets: list[AssetFetch] = []  # fetches done (or failed); each URL once per session
        self._asset_tasks: dict[str, asyncio.Task[None]] = {}
        self.background: list[RerunResult] = []
        self.bytes_received = 0
        self.session_id = ""
        self.query_string = ""
        self.page_script_hash = ""  # the page that ran last
        self.main_script_hash = ""
        self.pages: list[dict[str, Any]] = []  # from the navigation message: page_name, url_pathname, hash
        self.widgets: dict[str, Widget] = {}  # widget id -> widget drawn in the last runs (the page's widgets)
        self._states: dict[str, WidgetState] = {}  # widget id -> the value the browser would send
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._run: _Run | None = None
        self._lock = asyncio.Lock()
        self._cache: dict[str, _CacheEntry] = {}
        self._cache_runs = 0
        self._max_cache_age = 2
        self._new_session_seen = False
        self._timers: dict[str, tuple[float, asyncio.Task[None]]] = {}
        self._closed_reason: str | None = None
        self._requested = ""  # the page name of the last request (for page_not_found)

    # --- connection ---------------------------------------------------------------------------------

    async def __aenter__(self) -> StreamlitSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """What the browser does before its first rerun: health and host-config requests (the first sets
        the XSRF cookie), then the websocket with the token as second subprotocol."""
        token = await asyncio.to_thread(self._xsrf_token)
        await asyncio.to_thread(self._get, "/_stcore/host-config")
        split = urlsplit(self.base_url)
        scheme = "wss" if split.scheme == "https" else "ws"
        headers = {"Cookie": f"{XSRF_COOKIE}={token}"} if token else {}
        self._ws = await connect(f"{scheme}://{split.netloc}{split.path}{STREAM_PATH}",
                                 subprotocols=["streamlit", token or "PLACEHOLDER_AUTH_TOKEN"],  # type: ignore[list-item]
                                 origin=f"{split.scheme}://{split.netloc}",  # type: ignore[arg-type]
                                 additional_headers=headers, max_size=None, ping_interval=None,
                                 open_timeout=self.timeout)
        self._reader = asyncio.create_task(self._read(), name="st-client-reader")

    async def close(self) -> None:
        for _interval, task in self._timers.values():
            task.cancel()
        self._timers.clear()
        if self._asset_tasks:
            await asyncio.gather(*self._asset_tasks.values(), return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._closed_reason is None

    def _get(self, path: str) -> tuple[int, Any]:
        with urllib.request.urlopen(self.base_url + path, timeout=self.timeout) as response:  # noqa: S310
            response.read()
            return response.status, response.headers

    def _fetch(self, url: str) -> AssetFetch:
        """GET a file as the browser does (gzip accepted); the body is read, not decoded."""
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                size = len(response.read())
                return AssetFetch(url, time.perf_counter() - start, size, response.status)
        except Exception as exc:  # noqa: BLE001 - a failed fetch is a result, as in the browser's console
            return AssetFetch(url, time.perf_counter() - start, 0, getattr(exc, "code", 0) or 0,
                              f"{type(exc).__name__}: {exc}")

    def _start_asset_fetches(self, spec: str) -> None:
        for ref in dict.fromkeys(_GEOJSON_URL.findall(spec)):
            url = ref if "://" in ref else f"{self.base_url}/{ref.lstrip('/')}"
            if url not in self._asset_tasks:
                self._asset_tasks[url] = asyncio.create_task(self._fetch_asset(url))

    async def _fetch_asset(self, url: str) -> None:
        self.assets.append(await asyncio.to_thread(self._fetch, url))

    def _xsrf_token(self) -> str | None:
        _status, headers = self._get("/_stcore/health")
        for header in headers.get_all("set-cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            if XSRF_COOKIE in cookie:
                return cookie[XSRF_COOKIE].value
        return None  # XSRF protection off

    # --- requests -----------------------------------------------------------------------------------

    async def open(self, page: str = "", query: str = "") -> RerunResult:
        """Go to a page (its URL path such as "Karte", its title, or "" for the default page) with a query
        string (without "?"): on a new session like typing the URL, later like a link with query parameters.
        An unknown page is sent by name, so the server answers with page_not_found (an error in the result)."""
        query = query.lstrip("?")
        self._stop_timers()
        if not self.pages:  # first load: the URL path, as the browser sends it before it knows the pages
            return await self._request(query=query, page_name=page, widgets=False)
        target = self.page_hash(page)
        if target is None:
            return await self._request(query=query, page_name=page, widgets=False)
        # a page change sends only the widgets of the main script (none of the old page's)
        return await self._request(query=query, page_script_hash=target, widgets="main")

    async def rerun(self) -> RerunResult:
        """Rerun the current page with the current widget values (the "R" key in the browser)."""
        return await self._request(query=self.query_string, page_script_hash=self.page_script_hash)

    async def set_widget(self, name: str, value: Any) -> RerunResult:
        """Change a widget (by user key, id or label) to `value` and rerun, as a user's change does.

        Select widgets take the option as shown (their format_func text); multiselect and button groups a
        list of those; text inputs a string; checkboxes a bool; number inputs a number; buttons True."""
        widget = self.widget(name)
        self._states[widget.id] = _state_for(widget, value)
        widget.value = value
        return await self._request(query=self.query_string, page_script_hash=self.page_script_hash)

    async def send_raw(self, payload: bytes) -> RerunResult:
        """Send any bytes as a websocket frame (for protocol tests) and wait for a run's end or the
        disconnect the server answers a malformed message with."""
        return await self._request(query=self.query_string, raw=payload)

    def widget(self, name: str) -> Widget:
        """The widget of the current page with this user key, id or label."""
        for match in (lambda w: w.id == name, lambda w: w.key == name, lambda w: w.label == name):
            found = [w for w in self.widgets.values() if match(w)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise StreamlitError(f"{len(found)} widgets match {name!r}; use the key or id")
        known = ", ".join(sorted(f"{w.key or w.id} ({w.label})" for w in self.widgets.values()))
        raise StreamlitError(f"no widget {name!r} on the page; widgets: {known or 'none'}")

    def page_hash(self, page: str) -> str | None:
        """The script hash of a page by URL path, title or hash ("" or "Start" for the default page)."""
        for entry in self.pages:
            if page in (entry["url_pathname"], entry["page_name"], entry["page_script_hash"]):
                return str(entry["page_script_hash"])
            if page.lower() in ("", "start") and entry["is_default"]:
                return str(entry["page_script_hash"])
        return None

    def page_path(self, script_hash: str) -> str:
        for entry in self.pages:
            if entry["page_script_hash"] == script_hash:
                return str(entry["url_pathname"])
        return ""

    async def _request(self, *, query: str, page_script_hash: str = "", page_name: str = "",
                       fragment_id: str = "", auto: bool = False, widgets: bool | str = True,
                       raw: bytes | None = None) -> RerunResult:
        async with self._lock:
            if not self.connected:
                reason = self._closed_reason or "not connected"
                return RerunResult(seconds=0.0, status="disconnected", errors=[f"disconnected: {reason}"])
            state = ClientState(query_string=query, page_script_hash=page_script_hash, page_name=page_name,
                                fragment_id=fragment_id, is_auto_rerun=auto,
                                cached_message_hashes=list(self._cache))
            for widget_id, widget_state in self._states.items():
                widget = self.widgets.get(widget_id)
                if widgets is True or (widgets == "main" and widget is not None
                                       and widget.script_hash == self.main_script_hash):
                    state.widget_states.widgets.append(widget_state)
            info = state.context_info
            info.timezone, info.locale, info.is_embedded, info.color_scheme = self.timezone, self.locale, False, "light"
            path = page_name if page_name or not page_script_hash else self.page_path(page_script_hash)
            info.url = f"{self.base_url}/{quote(path)}" + (f"?{query}" if query else "")
            run = _Run(started=time.perf_counter(), fragment_id=fragment_id, auto=auto,
                       done=asyncio.get_running_loop().create_future())
            self._run = run
            self._new_session_seen = False
            self.query_string = query  # the browser's URL now holds this query until the app changes it
            self._requested = page_name
            assert self._ws is not None
            try:
                await self._ws.send(BackMsg(rerun_script=state).SerializeToString() if raw is None else raw)
                status = await asyncio.wait_for(asyncio.shield(run.done), self.timeout)
            except TimeoutError:
                status = "timeout"
                run.errors.append(f"timeout: no end of the run within {self.timeout:.0f} s")
            except ConnectionClosed as exc:
                status = "disconnected"
                run.errors.append(f"disconnected: {exc}")
            finally:
                self._run = None
            seconds = time.perf_counter() - run.started
            if status == "compile_error":
                run.errors.append("the script ended with an error (FINISHED_WITH_COMPILE_ERROR)")
            result = self._result(run, status, seconds)
        if auto:
            self.background.append(result)
        if self.on_result is not None:
            self.on_result(result)
        return result

    def _result(self, run: _Run, status: str, seconds: float) -> RerunResult:
        ordered = sorted(run.elements.items())
        counts: dict[str, int] = {}
        for _path, (kind, _text) in ordered:
            counts[kind] = counts.get(kind, 0) + 1
        return RerunResult(
            seconds=seconds, bytes=run.bytes, messages=run.messages, status=status,
            page=self.page_path(self.page_script_hash), page_script_hash=self.page_script_hash,
            query_string=self.query_string, texts=[text for _path, (_kind, text) in ordered if text],
            alerts=[alert for _path, alert in sorted(run.alerts.items())], errors=list(run.errors),
            warnings=list(run.warnings), widgets=list(run.widgets.values()), elements=counts,
            cache_refs=run.cache_refs, fragment_id=run.fragment_id, auto=run.auto)

    # --- auto reruns (st.fragment(run_every=...)) -------------------------------------------------------

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        current = self._timers.get(fragment_id)
        if current is not None and current[0] == interval:
            return
        if current is not None:
            current[1].cancel()
        self._timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    def _stop_timers(self, fragment_ids: Sequence[str] | None = None) -> None:
        for fragment_id in list(fragment_ids if fragment_ids is not None else self._timers):
            entry = self._timers.pop(fragment_id, None)
            if entry is not None:
                entry[1].cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while self.connected:
            await asyncio.sleep(interval)
            await self._request(query=self.query_string, page_script_hash=self.page_script_hash,
                                fragment_id=fragment_id, auto=True)

    # --- incoming messages --------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                payload = frame if isinstance(frame, bytes) else frame.encode("utf-8")
                self._handle(payload)
        except ConnectionClosed as exc:
            self._closed_reason = f"connection closed ({exc})"
        except Exception as exc:  # noqa: BLE001 - a client bug ends the session with a reason
            self._closed_reason = f"{type(exc).__name__}: {exc}"
        finally:
            if self._closed_reason is None:
                self._closed_reason = "connection closed"
            run = self._run
            if run is not None and not run.done.done():
                run.errors.append(f"disconnected: {self._closed_reason}")
                run.done.set_result("disconnected")

    def _handle(self, payload: bytes) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        self.bytes_received += len(payload)
        run = self._run
        if run is not None:
            run.bytes += len(payload)
            run.messages += 1
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            msg = self._resolve(msg, run)
            kind = msg.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._remember(msg, payload)
        if kind == "new_session":
            self._on_new_session(msg)
            if run is not None:  # a further run of the same request (st.rerun, switch_page) redraws the page
                run.elements.clear()
                run.alerts.clear()
                run.widgets.clear()
        elif kind == "navigation":
            self._on_pages(msg.navigation.app_pages)
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            if run is not None:
                run.errors.append(f"page not found: {msg.page_not_found.page_name or self._requested or '?'}")
        elif kind == "auto_rerun":
            if self.auto_rerun and msg.auto_rerun.fragment_id:
                self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "session_event":
            if msg.session_event.WhichOneof("type") == "script_compilation_exception" and run is not None:
                exc = msg.session_event.script_compilation_exception
                run.errors.append(f"{exc.type}: {exc.message}")
        elif kind == "delta":
            self._on_delta(msg, run)
        elif kind == "script_finished":
            self._on_finished(msg, run)

    def _resolve(self, ref: ForwardMsg, run: _Run | None) -> ForwardMsg:
        """A reference to a cached message: the cached message with the reference's metadata."""
        entry = self._cache.get(ref.ref_hash)
        if entry is None:
            if run is not None:
                run.errors.append(f"message cache miss for {ref.ref_hash}")
            return ForwardMsg()
        entry.run_count = self._cache_runs
        msg = ForwardMsg()
        msg.ParseFromString(entry.payload)
        msg.metadata.CopyFrom(ref.metadata)
        if run is not None:
            run.cache_refs += 1
        return msg

    def _remember(self, msg: ForwardMsg, payload: bytes) -> None:
        entry = self._cache.get(msg.hash)
        if entry is not None:
            entry.run_count = self._cache_runs
        else:
            self._cache[msg.hash] = _CacheEntry(payload, self._cache_runs, msg.delta.fragment_id)

    def _on_new_session(self, msg: ForwardMsg) -> None:
        session = msg.new_session
        self._new_session_seen = True
        self.page_script_hash = session.page_script_hash
        self.main_script_hash = session.main_script_hash
        if session.initialize.session_id:
            self.session_id = session.initialize.session_id
        if session.config.max_cached_message_age:
            self._max_cache_age = session.config.max_cached_message_age
        if session.app_pages and not self.pages:
            self._on_pages(session.app_pages)

    def _on_pages(self, pages: Sequence[Any]) -> None:
        self.pages = [{"page_script_hash": p.page_script_hash, "page_name": p.page_name,
                       "url_pathname": p.url_pathname, "is_default": p.is_default} for p in pages]

    def _on_delta(self, msg: ForwardMsg, run: _Run | None) -> None:
        if run is None or msg.delta.WhichOneof("type") != "new_element":
            return
        path = tuple(msg.metadata.delta_path)
        element = msg.delta.new_element
        kind = element.WhichOneof("type") or "unknown"
        body = getattr(element, kind, None)
        text = ""
        run.alerts.pop(path, None)
        if kind in ("heading", "markdown", "text"):
            text = _plain(body.body)
        elif kind == "alert":
            text = _plain(body.body)
            run.alerts[path] = (ALERT_FORMATS.get(body.format, "alert"), text)
        elif kind == "metric":
            text = f"{_plain(body.label)}: {body.body}"
        elif kind == "exception":
            text = f"{body.type}: {body.message}" if body.type else body.message
            (run.warnings if body.is_warning else run.errors).append(text)
        run.elements[path] = (kind, text)
        if kind == "plotly_chart" and self.fetch_assets:
            self._start_asset_fetches(body.spec)
        widget_id = getattr(body, "id", "") if body is not None else ""
        if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
            widget = self._on_widget(kind, body, msg.delta.fragment_id, msg.metadata.active_script_hash)
            run.widgets[widget.id] = widget

    def _on_widget(self, kind: str, proto: Any, fragment_id: str, script_hash: str) -> Widget:
        """Register a widget and its value as the browser's widget manager would."""
        widget = Widget(id=proto.id, type=kind, label=getattr(proto, "label", ""), key=user_key(proto.id),
                        disabled=bool(getattr(proto, "disabled", False)), fragment_id=fragment_id,
                        script_hash=script_hash)
        if kind in ("selectbox", "radio", "multiselect"):
            widget.options = list(proto.options)
        elif kind == "button_group":
            widget.options = [option.content for option in proto.options]
        elif kind == "slider" and proto.options:
            widget.options, widget.kind = list(proto.options), "select_slider"
        elif kind == "checkbox" and proto.type == 1:
            widget.kind = "toggle"
        known = self._states.get(widget.id)
        forced = _forced_value(kind, proto, widget)
        if forced is not _NOTHING:
            widget.value = forced
        elif known is not None:
            widget.value = _value_of(known)
        else:
            widget.value = _default_value(kind, proto, widget)
        state = _state_for(widget, widget.value, strict=False) if widget.value is not None else None
        if state is not None:
            self._states[widget.id] = state
        else:
            self._states.pop(widget.id, None)
        self.widgets[widget.id] = widget
        return widget

    def _on_finished(self, msg: ForwardMsg, run: _Run | None) -> None:
        status = FINISHED.get(msg.script_finished, "error")
        fragment_ids = list(msg.metadata.run.fragment_ids)
        if status in ("success", "fragment_success") and run is not None:
            self._drop_inactive(run, fragment_ids)
        if status != "early_for_rerun" and self._new_session_seen:
            self._age_cache(fragment_ids)
        if run is None or run.done.done() or status == "early_for_rerun":
            return
        if status == "fragment_success" and not run.fragment_id:
            return  # a fragment's run that is not this full rerun
        run.done.set_result(status)

    def _drop_inactive(self, run: _Run, fragment_ids: list[str]) -> None:
        """After a full run the page holds only the widgets that run drew (the browser removes the others);
        a fragment run replaces only the fragment's widgets."""
        for widget_id, widget in list(self.widgets.items()):
            stale = widget_id not in run.widgets and (not fragment_ids or widget.fragment_id in fragment_ids)
            if stale:
                del self.widgets[widget_id]
                self._states.pop(widget_id, None)

    def _age_cache(self, fragment_ids: list[str]) -> None:
        self._cache_runs += 1
        for key, entry in list(self._cache.items()):
            if fragment_ids and entry.fragment_id not in fragment_ids:
                continue
            if self._cache_runs - entry.run_count > self._max_cache_age:
                del self._cache[key]


# --- widget values ----------------------------------------------------------------------------------

_NOTHING = object()


def _forced_value(kind: str, proto: Any, widget: Widget) -> Any:
    """The value the server sets (`set_value`), or _NOTHING."""
    if not getattr(proto, "set_value", False):
        return _NOTHING
    if kind in ("selectbox", "radio"):
        return proto.raw_value if proto.HasField("raw_value") else None
    if kind in ("multiselect", "button_group"):
        return list(proto.raw_values)
    if kind in ("text_input", "text_area", "number_input"):
        return proto.value if proto.HasField("value") else None
    if kind == "checkbox":
        return bool(proto.value)
    if kind == "slider":
        return list(proto.raw_value) if widget.kind == "select_slider" else list(proto.value)
    return _NOTHING


def _default_value(kind: str, proto: Any, widget: Widget) -> Any:
    """The value a widget starts with in the browser."""
    if kind in ("selectbox", "radio"):
        if proto.HasField("default") and 0 <= proto.default < len(widget.options):
            return widget.options[proto.default]
        return None
    if kind in ("multiselect", "button_group"):
        return [widget.options[i] for i in proto.default if 0 <= i < len(widget.options)]
    if kind in ("text_input", "text_area", "number_input"):
        return proto.default if proto.HasField("default") else None
    if kind == "checkbox":
        return bool(proto.default)
    if kind == "slider":
        if widget.kind == "select_slider":
            return [widget.options[int(i)] for i in proto.default if 0 <= int(i) < len(widget.options)]
        return list(proto.default)
    return None  # charts and tables with selections, buttons, uploads: nothing until the user acts


def _state_for(widget: Widget, value: Any, strict: bool = True) -> WidgetState | None:
    """The WidgetState the browser sends for `value` (ValueError for a value the widget cannot take)."""
    state = WidgetState(id=widget.id)
    kind = widget.type
    if kind in ("selectbox", "radio"):
        if strict and value not in widget.options:
            raise StreamlitError(f"{widget.label!r}: no option {value!r}; options: {widget.options[:20]}")
        state.string_value = str(value)
    elif kind in ("multiselect", "button_group") or (kind == "slider" and widget.kind == "select_slider"):
        values = [str(v) for v in ([value] if isinstance(value, str) else value)]
        missing = [v for v in values if v not in widget.options]
        if strict and missing:
            raise StreamlitError(f"{widget.label!r}: no option {missing}; options: {widget.options[:20]}")
        state.string_array_value.SetInParent()
        state.string_array_value.data.extend(values)
    elif kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind == "number_input":
        state.double_value = float(value)
    elif kind == "slider":
        state.double_array_value.SetInParent()
        state.double_array_value.data.extend(float(v) for v in ([value] if isinstance(value, int | float) else value))
    elif kind == "button":
        state.trigger_value = bool(value)
    else:
        if strict:
            raise StreamlitError(f"{widget.label or widget.id!r}: widgets of type {kind} are not supported")
        return None
    return state


def _value_of(state: WidgetState) -> Any:
    field_name = state.WhichOneof("value")
    if field_name is None:
        return None
    value = getattr(state, field_name)
    if field_name.endswith("_array_value"):
        return list(value.data)
    return value


# --- command line -----------------------------------------------------------------------------------

def _summary(label: str, result: RerunResult) -> str:
    widgets = ", ".join(f"{w.key or w.label}={w.value!r}" for w in result.widgets if w.value is not None)
    return (f"{label}: {result.status} {result.seconds:.3f} s, {result.bytes:,} bytes in {result.messages} messages"
            f" ({result.cache_refs} cached refs); page={result.page!r} query={result.query_string!r}\n"
            f"  elements: {result.elements}\n  widgets: {widgets}\n"
            + "".join(f"  error: {e}\n" for e in result.errors)
            + "".join(f"  text: {t[:110]}\n" for t in result.texts[:12]))


async def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open a page of a running Streamlit app as a light client, "
                                                 "optionally change widgets, and print what each run sent.")
    parser.add_argument("url", help="base URL, e.g. http://127.0.0.1:8501")
    parser.add_argument("--page", default="", help="URL path of the page (default: the start page)")
    parser.add_argument("--query", default="", help="query string without '?'")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change a widget (user key or label) after opening; repeatable")
    parser.add_argument("--repeat", type=int, default=1, help="open the page this many times (first is cold)")
    args = parser.parse_args(argv)
    failed = False
    async with StreamlitSession(args.url) as session:
        for n in range(args.repeat):
            result = await session.open(args.page, args.query)
            failed |= not result.ok
            print(_summary(f"open #{n + 1}", result))
        for change in args.set:
            name, _, value = change.partition("=")
            result = await session.set_widget(name, value)
            failed |= not result.ok
            print(_summary(f"set {name}", result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
