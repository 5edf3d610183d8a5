"""One browser tab's worth of Streamlit session over the websocket (see the package docstring)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from devtools.st_client import http
from devtools.st_client.http import XSRF_COOKIE, AssetFetch
from devtools.st_client.messages import FINISHED, GEOJSON_URL, MessageCache, Run
from devtools.st_client.results import RerunResult, StreamlitError, Widget
from devtools.st_client.widgets import (
    NOTHING,
    default_value,
    forced_value,
    state_for,
    value_of,
    widget_from_proto,
)

STREAM_PATH = "/_stcore/stream"


class StreamlitSession:
    """One browser tab's worth of Streamlit session, driven from asyncio.

    `open`, `set_widget` and `rerun` each send one rerun request and wait for its run to end (or `timeout`
    seconds); they never raise for what the app does (errors are in the result), only for misuse. With
    `auto_rerun=True` the session also sends the fragment reruns that `st.fragment(run_every=...)` asks
    for, as the browser does; their results go to `on_result` and `background`.
    """

    def __init__(self, base_url: str, *, timeout: float = 60.0, auto_rerun: bool = False,
                 fetch_assets: bool = False, locale: str = "de-DE", timezone: str = "Europe/Berlin",
                 on_result: Callable[[RerunResult], None] | None = None,
                 cookies: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.auto_rerun = auto_rerun
        self.locale = locale
        self.timezone = timezone
        self.on_result = on_result
        self.fetch_assets = fetch_assets
        self.cookies: dict[str, str] = dict(cookies or {})  # kept like a browser's (XSRF, sticky session)
        self.assets: list[AssetFetch] = []  # fetches done (or failed); each URL once per session
        self._asset_tasks: dict[str, asyncio.Task[None]] = {}
        self.background: list[RerunResult] = []
        self.bytes_received = 0
        self.session_id = ""
        self.query_string = ""
        self.url_path = ""
        self.page_script_hash = ""  # the page that ran last
        self.main_script_hash = ""
        self.pages: list[dict[str, Any]] = []  # from the navigation message: page_name, url_pathname, hash
        self.widgets: dict[str, Widget] = {}  # widget id -> widget drawn in the last runs (the page's widgets)
        self._states: dict[str, WidgetState] = {}  # widget id -> the value the browser would send
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._run: Run | None = None
        self._lock = asyncio.Lock()
        self._cache = MessageCache()
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
        self.cookies = await asyncio.to_thread(http.health_cookies, self.base_url, self.timeout, self.cookies)
        token = self.cookies.get(XSRF_COOKIE)
        await asyncio.to_thread(http.get, self.base_url + "/_stcore/host-config", self.timeout)
        split = urlsplit(self.base_url)
        scheme = "wss" if split.scheme == "https" else "ws"
        headers = http.cookie_header(self.cookies)  # the XSRF cookie; a balancer's sticky cookie too
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

    def _start_asset_fetches(self, spec: str) -> None:
        for ref in dict.fromkeys(GEOJSON_URL.findall(spec)):
            url = ref if "://" in ref else f"{self.base_url}/{ref.lstrip('/')}"
            if url not in self._asset_tasks:
                self._asset_tasks[url] = asyncio.create_task(self._fetch_asset(url))

    async def _fetch_asset(self, url: str) -> None:
        self.assets.append(await asyncio.to_thread(http.fetch, url, self.timeout))

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
        self._states[widget.id] = state_for(widget, value)
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
                                cached_message_hashes=self._cache.hashes())
            for widget_id, widget_state in self._states.items():
                widget = self.widgets.get(widget_id)
                if widgets is True or (widgets == "main" and widget is not None
                                       and widget.script_hash == self.main_script_hash):
                    state.widget_states.widgets.append(widget_state)
            info = state.context_info
            info.timezone, info.locale, info.is_embedded, info.color_scheme = self.timezone, self.locale, False, "light"
            path = page_name if page_name or not page_script_hash else self.page_path(page_script_hash)
            info.url = f"{self.base_url}/{quote(path)}" + (f"?{query}" if query else "")
            run = Run(started=time.perf_counter(), fragment_id=fragment_id, auto=auto,
                       done=asyncio.get_running_loop().create_future())
            self._run = run
            self._new_session_seen = False
            self.query_string = query  # the browser's URL now holds this query until the app changes it
            self.url_path = path  # ... and this page, even before the server has answered
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

    def _result(self, run: Run, status: str, seconds: float) -> RerunResult:
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
            self._cache.remember(msg, payload)
        if kind == "new_session":
            self._on_new_session(msg)
            if run is not None:
                run.redraw()
        elif kind == "navigation":
            self._on_pages(msg.navigation.app_pages)
            self.page_script_hash = msg.navigation.page_script_hash
            self.url_path = self.page_path(self.page_script_hash)  # the app may have switched the page
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

    def _resolve(self, ref: ForwardMsg, run: Run | None) -> ForwardMsg:
        """A reference to a cached message: the cached message (an empty one, and an error, on a miss)."""
        msg = self._cache.resolve(ref)
        if run is not None:
            if msg is None:
                run.errors.append(f"message cache miss for {ref.ref_hash}")
            else:
                run.cache_refs += 1
        return msg if msg is not None else ForwardMsg()

    def _on_new_session(self, msg: ForwardMsg) -> None:
        session = msg.new_session
        self._new_session_seen = True
        self.page_script_hash = session.page_script_hash
        self.main_script_hash = session.main_script_hash
        if session.initialize.session_id:
            self.session_id = session.initialize.session_id
        if session.config.max_cached_message_age:
            self._cache.max_age = session.config.max_cached_message_age
        if session.app_pages and not self.pages:
            self._on_pages(session.app_pages)

    def _on_pages(self, pages: Sequence[Any]) -> None:
        self.pages = [{"page_script_hash": p.page_script_hash, "page_name": p.page_name,
                       "url_pathname": p.url_pathname, "is_default": p.is_default} for p in pages]

    def _on_delta(self, msg: ForwardMsg, run: Run | None) -> None:
        if run is None or msg.delta.WhichOneof("type") != "new_element":
            return
        path = tuple(msg.metadata.delta_path)
        element = msg.delta.new_element
        kind = element.WhichOneof("type") or "unknown"
        body = getattr(element, kind, None)
        run.add_element(path, kind, body)
        if kind == "plotly_chart" and self.fetch_assets:
            self._start_asset_fetches(body.spec)
        widget_id = getattr(body, "id", "") if body is not None else ""
        if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
            widget = self._on_widget(kind, body, msg.delta.fragment_id, msg.metadata.active_script_hash)
            run.widgets[widget.id] = widget

    def _on_widget(self, kind: str, proto: Any, fragment_id: str, script_hash: str) -> Widget:
        """Register a widget and its value as the browser's widget manager would."""
        widget = widget_from_proto(kind, proto, fragment_id, script_hash)
        known = self._states.get(widget.id)
        forced = forced_value(kind, proto, widget)
        if forced is not NOTHING:
            widget.value = forced
        elif known is not None:
            widget.value = value_of(known)
        else:
            widget.value = default_value(kind, proto, widget)
        state = state_for(widget, widget.value, strict=False) if widget.value is not None else None
        if state is not None:
            self._states[widget.id] = state
        else:
            self._states.pop(widget.id, None)
        self.widgets[widget.id] = widget
        return widget

    def _on_finished(self, msg: ForwardMsg, run: Run | None) -> None:
        status = FINISHED.get(msg.script_finished, "error")
        fragment_ids = list(msg.metadata.run.fragment_ids)
        if status in ("success", "fragment_success") and run is not None:
            self._drop_inactive(run, fragment_ids)
        if status != "early_for_rerun" and self._new_session_seen:
            self._cache.age(fragment_ids)
        if run is None or run.done.done() or status == "early_for_rerun":
            return
        if status == "fragment_success" and not run.fragment_id:
            return  # a fragment's run that is not this full rerun
        run.done.set_result(status)

    def _drop_inactive(self, run: Run, fragment_ids: list[str]) -> None:
        """After a full run the page holds only the widgets that run drew (the browser removes the others);
        a fragment run replaces only the fragment's widgets."""
        for widget_id, widget in list(self.widgets.items()):
            stale = widget_id not in run.widgets and (not fragment_ids or widget.fragment_id in fragment_ids)
            if stale:
                del self.widgets[widget_id]
                self._states.pop(widget_id, None)
