"""Incoming `ForwardMsg`s: the browser's message cache, one request's run, and the text of an element."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from devtools.st_client.results import Widget

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "success",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "early_for_rerun",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment_success",
}
ALERT_FORMATS = {1: "error", 2: "warning", 3: "info", 4: "success"}
GEOJSON_URL = re.compile(r'"geojson":\s*"([^"]+)"')
_MD_ESCAPE = re.compile(r"\\(.)")


def plain(markdown: str) -> str:
    """Markdown text without backslash escapes."""
    return _MD_ESCAPE.sub(r"\1", markdown)


@dataclass
class Run:
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

    def redraw(self) -> None:
        """A further run of the same request (st.rerun, switch_page) redraws the page."""
        self.elements.clear()
        self.alerts.clear()
        self.widgets.clear()

    def add_element(self, path: tuple[int, ...], kind: str, body: Any) -> None:
        """Record an element's type and the text it shows (alerts and exceptions also as such)."""
        text = ""
        self.alerts.pop(path, None)
        if kind in ("heading", "markdown", "text"):
            text = plain(body.body)
        elif kind == "alert":
            text = plain(body.body)
            self.alerts[path] = (ALERT_FORMATS.get(body.format, "alert"), text)
        elif kind == "metric":
            text = f"{plain(body.label)}: {body.body}"
        elif kind == "exception":
            text = f"{body.type}: {body.message}" if body.type else body.message
            (self.warnings if body.is_warning else self.errors).append(text)
        self.elements[path] = (kind, text)


@dataclass
class _CacheEntry:
    payload: bytes
    run_count: int
    fragment_id: str


class MessageCache:
    """The browser's cache of large deltas: the server sends a `ref_hash` for a message whose hash the client
    listed; entries not seen for more than `max_age` finished runs are dropped."""

    def __init__(self) -> None:
        self.max_age = 2
        self._entries: dict[str, _CacheEntry] = {}
        self._runs = 0

    def hashes(self) -> list[str]:
        return list(self._entries)

    def resolve(self, ref: ForwardMsg) -> ForwardMsg | None:
        """The cached message a reference names, with the reference's metadata (None on a miss)."""
        entry = self._entries.get(ref.ref_hash)
        if entry is None:
            return None
        entry.run_count = self._runs
        msg = ForwardMsg()
        msg.ParseFromString(entry.payload)
        msg.metadata.CopyFrom(ref.metadata)
        return msg

    def remember(self, msg: ForwardMsg, payload: bytes) -> None:
        entry = self._entries.get(msg.hash)
        if entry is not None:
            entry.run_count = self._runs
        else:
            self._entries[msg.hash] = _CacheEntry(payload, self._runs, msg.delta.fragment_id)

    def age(self, fragment_ids: list[str]) -> None:
        """After a finished run: one run older (for a fragment run only that fragment's entries)."""
        self._runs += 1
        for key, entry in list(self._entries.items()):
            if fragment_ids and entry.fragment_id not in fragment_ids:
                continue
            if self._runs - entry.run_count > self.max_age:
                del self._entries[key]
