"""Hostile input and production settings in the browser: one real server (the project's .streamlit/config.toml)
on the build whose analyst import carries markup (tests/test_hostile_xss.py builds it once per session).

- Imported purposes, the import's file name and a rejected row's programme are on the pages as literal text:
  no injected element, no javascript: link, no emphasis from '**', and `window.__xss` (which every payload
  would set) stays undefined.
- Readers get no Deploy button and no Rerun / Clear cache / developer entries in the menu.
- The websocket refuses another origin; the XSRF token guards uploads (Streamlit 1.67 does not ask a
  same-origin websocket for it); a frame over server.maxMessageSize closes the connection; static and media
  paths do not lead out of their folders.
"""

from __future__ import annotations

import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_hostile_xss import DORMITZ, FILE_NAME, FORCHHEIM_DISTRICT, REJECTED_PROGRAMME, XSS, hostile_build

from devtools.browser import ROOT, Console, exceptions, new_context, open_app, page_url, streamlit_server

pytestmark = pytest.mark.browser

MESSAGE_LIMIT_MB = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"][
    "maxMessageSize"]


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Iterator[str]:
    db = hostile_build(tmp_path_factory.getbasetemp(), mirror)
    log = tmp_path_factory.mktemp("hostile_server") / "server.log"
    with streamlit_server(ROOT / "dashboard.py", {"DIGITALMONITOR_DB": str(db)}, log) as url:
        yield url


# what the page must not have if any markup had been rendered instead of shown
INJECTED_JS = """() => ({
  xss: typeof window.__xss,
  images: document.querySelectorAll('img[src="x"], img[onerror]').length,
  scripts: Array.from(document.scripts).filter((s) => s.textContent.includes('__xss')).length,
  jsLinks: Array.from(document.querySelectorAll('a[href]')).filter(
      (a) => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
  strong: Array.from(document.querySelectorAll('strong, b, em')).filter(
      (e) => ['markdown', 'fett'].includes(e.textContent.trim())).length,
})"""
CLEAN = {"xss": "undefined", "images": 0, "scripts": 0, "jsLinks": 0, "strong": 0}

# page, query, texts that must be on it literally, where (table: the data grid's accessible table)
CASES = {
    "foerderung": ("Foerderung", {"kreis": FORCHHEIM_DISTRICT}, [*XSS.values(), FILE_NAME]),
    "gemeindeprofil": ("Gemeindeprofil", {"ars": DORMITZ}, [*XSS.values(), FILE_NAME]),
    "daten_tabelle": ("Daten", {"tabelle": "funding_grant"}, list(XSS.values())),
    "daten_protokoll": ("Daten", {"bereich": "Build-Protokoll"}, [FILE_NAME, REJECTED_PROGRAMME]),
}


AT_BOTTOM_JS = ("g => { const s = g.querySelector('.dvn-scroller'); "
                "return s.scrollTop + s.clientHeight >= s.scrollHeight - 2; }")
GRID_ROWS_JS = "g => { const t = g.querySelector('table'); return t ? Array.from(t.rows, (r) => r.innerText) : []; }"


def grid_rows(page: Any, dom: str = "", wanted: tuple[str, ...] = ()) -> list[str]:
    """The rows of every data grid as its accessible table gives them. The grid draws on a canvas and keeps
    only the rows in view in that table (once it is on screen), so each grid is scrolled with the wheel, a third
    of its height at a time; scrolling stops once every `wanted` text has been read (with the page's `dom` text),
    as a reader who found what he looked for would (a Build-Protokoll of 1,000 refused rows took 50 s to the end)."""
    rows: list[str] = []

    def found() -> bool:
        text = "\n".join([dom, *rows])
        return bool(wanted) and all(w in text for w in wanted)

    grids = page.locator('[data-testid="stDataFrame"]')
    for i in range(grids.count()):
        grid = grids.nth(i)
        if not grid.is_visible():  # in a closed expander or another tab
            continue
        grid.scroll_into_view_if_needed()
        page.wait_for_function("g => !!g.querySelector('table')", arg=grid.element_handle())
        box = grid.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(200):
            rows += grid.evaluate(GRID_ROWS_JS)
            if found() or grid.evaluate(AT_BOTTOM_JS):
                break
            page.mouse.wheel(0, box["height"] / 3)
            page.wait_for_timeout(250)
        rows += grid.evaluate(GRID_ROWS_JS)
        if found():
            break
    return rows


def visible_text(page: Any, wanted: tuple[str, ...] = ()) -> str:
    """The text of the page as a reader gets it: the DOM text, the data grids' rows and the plotly annotations
    (SVG text); the grids are read until every `wanted` text is found, else to their ends."""
    dom = page.evaluate("""() => [document.body.innerText,
        ...Array.from(document.querySelectorAll('.annotation-text'), (t) => t.textContent)].join('\\n')""")
    return "\n".join([str(dom), *grid_rows(page, str(dom), wanted)])


@pytest.fixture
def wide_page(browser: Any, console: Console) -> Iterator[Any]:
    """A wide window, so that every column of the grids is in view."""
    context = new_context(browser, viewport={"width": 2400, "height": 1200})
    try:
        tab = context.new_page()
        console.attach(tab)
        yield tab
    finally:
        context.close()


@pytest.mark.parametrize("case", list(CASES))
def test_imported_markup_is_shown_as_text(case: str, hostile_url: str, wide_page: Any, console: Console) -> None:
    name, query, texts = CASES[case]
    open_app(wide_page, page_url(hostile_url, name, query))
    text = visible_text(wide_page, tuple(texts))
    missing = [t for t in texts if t not in text]
    assert missing == [], f"not shown literally on {name}: {missing}"
    if case == "foerderung":  # the source line inside the map (kept in a saved PNG), drawn by plotly as SVG text
        notes = " ".join(wide_page.locator(".annotation-text").all_text_contents())
        assert "Analystenimport" in notes and '<img src=x onerror="window.__xss=2">' in notes
        assert wide_page.locator(".annotation-text img, .annotation-text a").count() == 0
    assert wide_page.evaluate(INJECTED_JS) == CLEAN
    assert exceptions(wide_page) == [] and console.errors == []


# --------------------------------------------------------------------------------------------- reader settings

DEVELOPER_ENTRIES = ("Rerun", "Clear cache", "Deploy", "Developer")


def test_readers_get_no_deploy_button_and_no_developer_menu(hostile_url: str, page: Any) -> None:
    open_app(page, page_url(hostile_url, "Daten", {"bereich": "Methode"}))  # a light page: the toolbar is global
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    page.locator('[data-testid="stMainMenu"]').click()
    menu = page.locator('[data-testid="stMainMenuList"]')
    menu.wait_for()
    entries = [e.strip() for e in menu.inner_text().splitlines() if e.strip()]
    assert "Print" in entries, entries  # the menu opened (viewer entries only)
    assert [e for e in entries if any(e.startswith(d) for d in DEVELOPER_ENTRIES)] == []


# --------------------------------------------------------------------------------------------- the websocket

def _stream(url: str) -> str:
    return f"ws://{urlsplit(url).netloc}/_stcore/stream"


def _rerun_bytes() -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = ""
    return msg.SerializeToString()


def _first_message_types(ws: Any, count: int = 3) -> list[str]:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    kinds = []
    for _ in range(count):
        msg = ForwardMsg()
        msg.ParseFromString(ws.recv(timeout=60))
        kinds.append(str(msg.WhichOneof("type")))
    return kinds


def test_websocket_from_another_origin_is_refused(hostile_url: str) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as info:
        with connect(_stream(hostile_url), subprotocols=["streamlit"], origin="http://evil.example",
                     open_timeout=30):
            pass
    assert info.value.response.status_code == 403


def test_xsrf_token_guards_uploads_not_the_websocket(hostile_url: str, browser: Any) -> None:
    """The page sets the XSRF cookie; an upload without the token is refused. A same-origin websocket without
    any token still gets a session: Streamlit 1.67 checks the token only for uploads and login cookies (its
    config docs say so), so the Origin check above is what keeps other sites out."""
    from websockets.sync.client import connect

    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(hostile_url)
        tab.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
        assert "_streamlit_xsrf" in {c["name"] for c in context.cookies()}
    finally:
        context.close()
    upload = urllib.request.Request(f"{hostile_url}/_stcore/upload_file/some-session/some-file", data=b"x",
                                    method="PUT")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(upload, timeout=30)
    assert info.value.code == 403 and b"XSRF" in info.value.read()

    with connect(_stream(hostile_url), subprotocols=["streamlit"], origin=hostile_url, open_timeout=30,
                 max_size=None) as ws:
        ws.send(_rerun_bytes())
        assert _first_message_types(ws)[0] == "new_session"


def test_oversized_websocket_message_closes_the_connection(hostile_url: str) -> None:
    """A message one byte over server.maxMessageSize closes the connection with 1009 (message too big); one of
    exactly the limit is read (and refused as no valid message, 1002). The message goes in two fragments with a
    pause before the last one, so the client is not sending when the server closes and always gets its frame."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    limit = MESSAGE_LIMIT_MB * 1_000_000

    def close_code(extra: int) -> int | None:
        def fragments() -> Iterator[bytes]:
            yield b"\0" * limit
            time.sleep(1.0)
            yield b"\0" * extra

        with connect(_stream(hostile_url), subprotocols=["streamlit"], origin=hostile_url, open_timeout=30,
                     max_size=None) as ws:
            with pytest.raises(ConnectionClosed) as info:
                ws.send(fragments())
                ws.recv(timeout=60)
        return info.value.rcvd.code if info.value.rcvd else None

    assert close_code(1) == 1009
    assert close_code(0) == 1002
    # the server goes on serving other connections
    with urllib.request.urlopen(f"{hostile_url}/_stcore/health", timeout=30) as response:
        assert response.status == 200
    with connect(_stream(hostile_url), subprotocols=["streamlit"], origin=hostile_url, open_timeout=30,
                 max_size=None) as ws:
        ws.send(_rerun_bytes())
        assert _first_message_types(ws)[0] == "new_session"


@pytest.mark.parametrize("path", ["/app/static/shapes/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
                                  "/app/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/app/static/..%5C..%5Cetc%5Cpasswd",
                                  "/media/..%2F..%2F..%2Fetc%2Fpasswd", "/app/static/%00.json"])
def test_static_and_media_paths_stay_in_their_folders(path: str, hostile_url: str) -> None:
    try:
        with urllib.request.urlopen(hostile_url + path, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    assert status in (400, 403, 404), status
    assert b"root:" not in body
