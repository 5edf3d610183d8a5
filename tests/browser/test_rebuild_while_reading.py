"""A rebuild while people read: light websocket sessions keep walking the pages and a real chromium tab sits
on the map while `python -m etl build` publishes a new database. No reader sees an error or a mixed state
(the data of one build with the map shapes of another), and every session — also the idle ones — shows the
new build within a minute, without a reload or a server restart."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from devtools import browser as web
from devtools.st_client import RerunResult, StreamlitSession

pytestmark = pytest.mark.browser

SHAPES = re.compile(r"shapes/[\w.-]+\.json")
STAMP = re.compile(r"Datenstand: .*Build (\S+)")
NEW_BUILD_WITHIN_S = 60
VIEWS = [("Karte", "ebene=municipality&land=09"), ("Rangliste", ""), ("Gemeindeprofil", "ars=091620000000"),
         ("Karte", "ebene=district&land=DE"), ("", "")]


class RecordingSession(StreamlitSession):
    """The light client, also noting the map shape files a run's charts point to."""

    def _on_delta(self, msg: Any, run: Any) -> None:
        super()._on_delta(msg, run)
        if run is not None and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "plotly_chart":
                urls = sorted(set(SHAPES.findall(element.plotly_chart.spec)))
                run.elements[tuple(msg.metadata.delta_path)] = ("plotly_chart", "shapes: " + " ".join(urls))


@dataclass
class Seen:
    """What the readers saw: every run's result with the time it ended."""

    results: list[tuple[float, str, RerunResult]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, who: str, result: RerunResult) -> None:
        with self.lock:
            self.results.append((time.monotonic(), who, result))


def build_of(result: RerunResult) -> str | None:
    for text in result.texts:
        if match := STAMP.search(text):
            return match.group(1)
    return None


def shapes_of(result: RerunResult) -> list[str]:
    return [url for text in result.texts if text.startswith("shapes: ") for url in text.split()[1:]]


def build_id(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return str(con.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()[0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session build (with demo data) published in a folder of its own."""
    folder = tmp_path_factory.mktemp("rebuild")
    source = db_path.resolve()
    shutil.copyfile(source, folder / source.name)
    link = folder / "digitalmonitor.duckdb"
    os.symlink(source.name, link)
    return link


@pytest.fixture(scope="module")
def server(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("rebuild_server") / "server.log"
    with web.streamlit_server(web.ROOT / "dashboard.py", {"DIGITALMONITOR_DB": str(published)}, log) as url:
        yield url


async def walker(base: str, who: str, seen: Seen, stop: threading.Event) -> None:
    """A reader who keeps moving through the views (and honours the pages' auto reruns)."""
    async with RecordingSession(base, timeout=120, auto_rerun=True,
                                on_result=lambda r: seen.add(f"{who}/auto", r)) as session:
        i = 0
        while not stop.is_set():
            page, query = VIEWS[i % len(VIEWS)]
            seen.add(who, await session.open(page, query))
            if page == "Karte" and "land=09" in query:
                seen.add(who, await session.set_widget("karte_land", "Hessen"))
            i += 1
            await asyncio.sleep(0.5)


async def idler(base: str, who: str, seen: Seen, stop: threading.Event) -> None:
    """A reader who opens the map and then only looks at it."""
    async with RecordingSession(base, timeout=120, auto_rerun=True,
                                on_result=lambda r: seen.add(f"{who}/auto", r)) as session:
        seen.add(who, await session.open("Karte", "ebene=municipality&land=09"))
        while not stop.is_set():
            await asyncio.sleep(0.2)


def readers(base: str, seen: Seen, stop: threading.Event) -> threading.Thread:
    async def main() -> None:
        await asyncio.gather(*(walker(base, f"walker{i}", seen, stop) for i in range(3)),
                             *(idler(base, f"idler{i}", seen, stop) for i in range(2)))

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    return thread


def sidebar_build(tab: Any) -> str | None:
    match = STAMP.search(tab.locator('[data-testid="stSidebar"]').inner_text())
    return match.group(1) if match else None


def test_rebuild_while_sessions_read(server: str, published: Path, browser: Any, mirror: Path) -> None:
    old = build_id(published.resolve())
    context = web.new_context(browser)
    tab = context.new_page()
    seen, stop = Seen(), threading.Event()
    try:
        web.open_app(tab, web.page_url(server, "Karte", {"ebene": "municipality", "land": "09"}))
        web.wait_map_painted(tab, ".st-key-karte_map")
        assert sidebar_build(tab) == old
        thread = readers(server, seen, stop)
        time.sleep(5)  # readers are in the middle of their walks when the build starts

        build_started = time.monotonic()
        etl = subprocess.run([sys.executable, "-m", "etl", "build", "--db", str(published), "--mirror", str(mirror)],
                             cwd=web.ROOT, capture_output=True, text=True, timeout=600)
        assert etl.returncode == 0, etl.stdout + etl.stderr
        published_at = time.monotonic()
        new = build_id(published.resolve())
        assert new != old

        # the idle browser tab switches to the new build by itself, map included
        deadline = published_at + NEW_BUILD_WITHIN_S
        while sidebar_build(tab) != new and time.monotonic() < deadline:
            time.sleep(0.5)
        browser_seconds = time.monotonic() - published_at
        assert sidebar_build(tab) == new, f"the open tab still shows {sidebar_build(tab)} after {browser_seconds:.0f} s"
        web.wait_ready(tab)  # the run that drew the new stamp has ended and nothing stale is left
        web.wait_map_painted(tab, ".st-key-karte_map")
        url = web.map_stats(tab, ".st-key-karte_map")["geojson"]
        assert isinstance(url, str) and new in url, url  # data and shapes of the same build
        assert "Demodaten" not in tab.locator('[data-testid="stMain"]').inner_text()

        # the light readers: give the idle ones the same minute
        while time.monotonic() < deadline:
            with seen.lock:
                idle_new = {who.split("/")[0] for t, who, r in seen.results if who.startswith("idler")
                            and build_of(r) == new}
            if idle_new == {"idler0", "idler1"}:
                break
            time.sleep(0.5)
    finally:
        stop.set()
        context.close()
    thread.join(timeout=180)

    results = list(seen.results)
    assert len(results) > 20, f"the readers made only {len(results)} runs"
    failed = [(who, r.status, r.errors) for _t, who, r in results if not r.ok]
    assert failed == [], failed
    for _t, who, r in results:
        if r.fragment_id and not shapes_of(r) and build_of(r) is None:
            continue  # a fragment run that found nothing new draws nothing
        shown = build_of(r)
        assert shown in (old, new), (who, r.texts[:5])
        assert all(shown in url for url in shapes_of(r)), (who, shown, shapes_of(r))  # no mixed state
        if shown == new:
            assert not any("Demodaten" in text for text in r.texts), (who, "demo data of the old build")
    before = [r for t, _who, r in results if t < build_started]
    assert before and all(build_of(r) == old for r in before if build_of(r))
    for who in ("walker0", "walker1", "walker2", "idler0", "idler1"):
        mine = [(t, build_of(r)) for t, w, r in results if w.split("/")[0] == who and build_of(r)]
        firsts = [t for t, b in mine if b == new]
        assert firsts, f"{who} never showed the new build"
        assert firsts[0] - published_at <= NEW_BUILD_WITHIN_S, f"{who}: {firsts[0] - published_at:.0f} s"
        assert all(b == new for t, b in mine if t > firsts[0]), f"{who} went back to the old build"
