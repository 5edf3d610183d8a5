"""The server's base URL written into every page the server sends, so that a first visit by a link to a page
(/Karte?…) connects at once.

Streamlit's page code does not know where the server's endpoints are when the page's path is not the root: it asks
<path>/_stcore/health first (404 here), waits 100 ms and asks /_stcore/health next, 0.1-0.15 s on every first load by
a link to a page other than Start (bench/browser.py). Its hook for hosts, window.__streamlit.BACKEND_BASE_URL, names
the server's base; this middleware writes it into the HTML document the server sends for every page path. The
base is the page's own address less the path segments the server saw below its base (server.baseUrlPath), so a
proxy that strips a prefix (/dm/Karte -> /Karte) still gets /dm/. Only that fixed script and a count go in, no
data."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config

HEAD = b"<head>"


def base_path() -> str:
    """The server's path below its origin as the server sees it: "/" or "/<server.baseUrlPath>/"."""
    path = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{path}/" if path else "/"


def segments_below_base(path: str) -> int | None:
    """How many path segments a request's path has below the server's base (None: not below it)."""
    base = base_path()
    if not (path + "/").startswith(base):
        return None
    return len([part for part in path[len(base):].split("/") if part])


def base_url_script(segments: int) -> bytes:
    """The script that names the server's base to Streamlit's page code before that code runs: the page's
    address less its last `segments` path segments."""
    return ("<script>window.__streamlit = window.__streamlit || (() => {"
            "const parts = location.pathname.replace(/\\/+$/, '').split('/');"
            f"return {{BACKEND_BASE_URL: location.origin + parts.slice(0, parts.length - {int(segments)}).join('/')"
            " + '/'};})();</script>").encode()


class BaseUrlInPages:
    """ASGI middleware: a browser's request for a document (GET, Accept: text/html) below the server's base gets
    the document uncompressed (it is about 8 kB) with base_url_script() at the start of its <head>, a tagged ETag
    and Vary: Accept; every other request and response (partial, not modified, not HTML) passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        segments = segments_below_base(scope.get("path", "")) if scope["type"] == "http" else None
        wants_html = scope["type"] == "http" and "text/html" in Headers(scope=scope).get("accept", "")
        if segments is None or scope.get("method") != "GET" or not wants_html:
            await self.app(scope, receive, send)
            return
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        scope = {**scope, "extensions": extensions,
                 "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: Message | None = None
        body = bytearray()

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                if (message.get("status") == 200 and headers.get("content-type", "").startswith("text/html")
                        and "content-encoding" not in headers):
                    start = message  # held back until the whole document is there
                    return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _send_document(send, start, bytes(body), segments)

        await self.app(scope, receive, rewrite)


async def _send_document(send: Send, start: Message, document: bytes, segments: int) -> None:
    if document.count(HEAD) == 1:
        document = document.replace(HEAD, HEAD + base_url_script(segments), 1)
    headers = MutableHeaders(raw=list(start.get("headers", [])))
    etag = headers.get("etag")
    if etag:  # another representation than the file's: a cache must not confirm one with the other's tag
        headers["etag"] = etag[:-1] + '-base"' if etag.endswith('"') else etag + "-base"
    headers["vary"] = "Accept"
    headers["content-length"] = str(len(document))
    await send({**start, "headers": headers.raw})
    await send({"type": "http.response.body", "body": document, "more_body": False})
