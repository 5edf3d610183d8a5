"""What a request to the app produced, and the widgets a session holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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



def user_key(widget_id: str) -> str | None:
    """The user key of a widget id `$$ID-<hash>-<key>` (None without a key)."""
    if not widget_id.startswith("$$ID-"):
        return None
    key = widget_id.split("-", maxsplit=2)[-1]
    return None if key == "None" else key


class StreamlitError(RuntimeError):
    """The session cannot do what was asked (not connected, unknown widget or option)."""

