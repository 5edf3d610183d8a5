"""The server's base URL written into every page the server sends, so that a first visit by a link to a page
(/Karte?…) connects at once.

Streamlit's page code does not know where the server's endpoints are when the page's path is not the root: it asks
<path>/_stcore/health first (404 here), waits 100 ms and asks /_stcore/health next, 0.1-0.15 s on every first load by
a link to a page other than Start (bench/browser.py). Its hook for hosts, window.__streamlit.BACKEND_BASE_URL, names
the server's base; this middleware writes it (from server.baseUrlPath) into the HTML document the server sends for
every page path. Only that fixed script goes in, no data."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from streamlit import config

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

HEAD = b"<head>"


def base_path() -> str:
    """The server's path below its origin: "/" or "/<server.baseUrlPath>/"."""
    path = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"


def base_url_script() -> bytes:
    """The script that names the server's base to Streamlit's page code (before that code runs)."""
    return (f"<script>window.__streamlit = window.__streamlit || "
            f"{{BACKEND_BASE_URL: location.origin + {json.dumps(base_path())}}};</script>").encode()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((value for key, value in headers if key.lower() == name), b"")


class BaseUrlInPages:
    """ASGI middleware: a browser's request for a document (Accept: text/html) gets the document uncompressed (it is
    about 8 kB) with base_url_script() at the start of its <head>; every other request passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or b"text/html" not in _header(
                scope.get("headers", []), b"accept"):
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: Message | None = None
        body = bytearray()

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                html = _header(headers, b"content-type").startswith(b"text/html")
                if not html or _header(headers, b"content-encoding"):
                    await send(message)  # not a document we can rewrite: as it is
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            document = bytes(body)
            if document.count(HEAD) == 1:
                document = document.replace(HEAD, HEAD + base_url_script(), 1)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(document)).encode())]})
            await send({"type": "http.response.body", "body": document, "more_body": False})

        await self.app(scope, receive, rewrite)
