"""app.base_url: a browser's request for a page gets the server's base URL written into the document's <head>
(uncompressed, with the right length, a tagged ETag); anything else passes untouched. tests/browser/test_pages.py
checks that a first visit by a link to a page then asks the server at its root straight away, and what the script
computes behind a proxy that strips a prefix."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from streamlit import config

from app.base_url import BaseUrlInPages, base_path, base_url_script, segments_below_base

DOCUMENT = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


class Server:
    """A minimal ASGI app (not ours): answers every request with one status, body and headers, and keeps the
    request's headers."""

    def __init__(self, body: bytes, content_type: bytes, chunks: int = 1, status: int = 200,
                 headers: tuple[tuple[bytes, bytes], ...] = ((b"etag", b'"abc"'),)) -> None:
        self.body, self.content_type, self.chunks = body, content_type, chunks
        self.status, self.headers = status, headers
        self.seen: list[dict[bytes, bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.seen.append(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": self.status, "headers": [
            (b"content-type", self.content_type), (b"content-length", str(len(self.body)).encode()), *self.headers]})
        size = -(-len(self.body) // self.chunks)
        for i in range(self.chunks):
            await send({"type": "http.response.body", "body": self.body[i * size:(i + 1) * size],
                        "more_body": i < self.chunks - 1})


def fetch(server: Server, path: str = "/Karte", accept: bytes = b"text/html,*/*",
          method: str = "GET") -> tuple[int, dict[bytes, bytes], bytes]:
    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(b"accept", accept), (b"accept-encoding", b"gzip, br")]}
    # in a thread of its own: a browser test before may have left an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, BaseUrlInPages(server)(scope, None, send)).result()
    return (messages[0]["status"], dict(messages[0]["headers"]),
            b"".join(m.get("body", b"") for m in messages[1:]))


@pytest.fixture
def base_url_path() -> Iterator[None]:
    before = config.get_option("server.baseUrlPath")
    yield
    config.set_option("server.baseUrlPath", before)


@pytest.mark.parametrize("chunks", [1, 3])
def test_a_page_gets_the_base_url_at_the_start_of_its_head(chunks: int) -> None:
    server = Server(DOCUMENT, b"text/html; charset=utf-8", chunks)
    status, headers, body = fetch(server)
    assert status == 200
    assert body == DOCUMENT.replace(b"<head>", b"<head>" + base_url_script(1))
    assert headers[b"content-length"] == str(len(body)).encode()
    assert headers[b"etag"] == b'"abc-base"' and headers[b"vary"] == b"Accept"
    assert b"accept-encoding" not in server.seen[0]  # the document comes uncompressed, so it can be rewritten
    assert fetch(Server(DOCUMENT, b"text/html"), "/")[2] == DOCUMENT.replace(b"<head>", b"<head>" + base_url_script(0))


def test_anything_else_passes_untouched() -> None:
    script = Server(b"console.log('<head>')", b"text/javascript")
    assert fetch(script, "/static/js/index.js", b"*/*")[2] == b"console.log('<head>')"
    assert script.seen[0][b"accept-encoding"] == b"gzip, br"
    assert fetch(Server(b"ok", b"text/plain"), "/_stcore/health")[2] == b"ok"  # asked for a document, got none
    assert fetch(Server(DOCUMENT, b"text/html"), "/Karte", b"application/json")[2] == DOCUMENT  # no navigation
    assert fetch(Server(DOCUMENT, b"text/html"), method="HEAD")[2] == DOCUMENT
    partial = fetch(Server(DOCUMENT[:20], b"text/html", status=206), "/Karte")
    assert partial[0] == 206 and partial[2] == DOCUMENT[:20] and partial[1][b"etag"] == b'"abc"'
    assert fetch(Server(b"", b"text/html", status=304), "/Karte")[:2] == (304, {
        b"content-type": b"text/html", b"content-length": b"0", b"etag": b'"abc"'})
    gzipped = Server(b"\x1f\x8b...", b"text/html", headers=((b"content-encoding", b"gzip"),))
    assert fetch(gzipped)[2] == b"\x1f\x8b..."
    no_head = fetch(Server(b"<html><body>x</body></html>", b"text/html"))
    assert no_head[2] == b"<html><body>x</body></html>" and no_head[1][b"content-length"] == b"27"


def test_the_segments_below_the_servers_base(base_url_path: None) -> None:
    assert base_path() == "/"
    assert [segments_below_base(p) for p in ("/", "/Karte", "/Karte/", "/a/b")] == [0, 1, 1, 2]
    config.set_option("server.baseUrlPath", "/digitalmonitor/")
    assert base_path() == "/digitalmonitor/"
    assert [segments_below_base(p) for p in ("/digitalmonitor", "/digitalmonitor/Karte", "/Karte")] == [0, 1, None]
