"""app.base_url: a browser's request for a page gets the server's base URL written into the document's <head>
(uncompressed, with the right length); anything else passes untouched. tests/browser/test_pages.py checks that a
first visit by a link to a page then asks the server at its root straight away."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from streamlit import config

from app.base_url import BaseUrlInPages, base_path, base_url_script

DOCUMENT = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


class Server:
    """A minimal ASGI app (not ours): answers every request with one body and content type, and keeps the request's
    headers."""

    def __init__(self, body: bytes, content_type: bytes, chunks: int = 1) -> None:
        self.body, self.content_type, self.chunks, self.seen = body, content_type, chunks, []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.seen.append(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", self.content_type), (b"content-length", str(len(self.body)).encode())]})
        size = -(-len(self.body) // self.chunks)
        for i in range(self.chunks):
            await send({"type": "http.response.body", "body": self.body[i * size:(i + 1) * size],
                        "more_body": i < self.chunks - 1})


def fetch(server: Server, path: str = "/Karte", accept: bytes = b"text/html,*/*") -> tuple[dict, bytes]:
    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": path,
             "headers": [(b"accept", accept), (b"accept-encoding", b"gzip, br")]}
    # in a thread of its own: a browser test before may have left an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, BaseUrlInPages(server)(scope, None, send)).result()
    return dict(messages[0]["headers"]), b"".join(m.get("body", b"") for m in messages[1:])


@pytest.fixture
def base_url_path() -> Iterator[None]:
    before = config.get_option("server.baseUrlPath")
    yield
    config.set_option("server.baseUrlPath", before)


@pytest.mark.parametrize("chunks", [1, 3])
def test_a_page_gets_the_base_url_at_the_start_of_its_head(chunks: int) -> None:
    server = Server(DOCUMENT, b"text/html; charset=utf-8", chunks)
    headers, body = fetch(server)
    assert body == DOCUMENT.replace(b"<head>", b"<head>" + base_url_script())
    assert headers[b"content-length"] == str(len(body)).encode()
    assert b"accept-encoding" not in server.seen[0]  # the document comes uncompressed, so it can be rewritten
    assert b'BACKEND_BASE_URL: location.origin + "/"' in body


def test_anything_else_passes_untouched() -> None:
    script = Server(b"console.log('<head>')", b"text/javascript")
    assert fetch(script, "/static/js/index.js", b"*/*")[1] == b"console.log('<head>')"
    assert script.seen[0][b"accept-encoding"] == b"gzip, br"
    health = Server(b"ok", b"text/plain; charset=utf-8")
    assert fetch(health, "/_stcore/health")[1] == b"ok"  # a document request that is no document
    fragment = Server(DOCUMENT, b"text/html")
    assert fetch(fragment, "/Karte", b"application/json")[1] == DOCUMENT  # no browser navigation


def test_the_base_follows_the_servers_base_url_path(base_url_path: None) -> None:
    assert base_path() == "/"
    config.set_option("server.baseUrlPath", "/digitalmonitor/")
    assert base_path() == "/digitalmonitor/"
    assert b'location.origin + "/digitalmonitor/"' in base_url_script()
