"""The light Streamlit client of the load bench (devtools/st_client/) against the real server on the session build:
pages open without errors, a widget change reaches the app (new view, new query string), and a wrong page, an
unknown option and a malformed frame are reported instead of passing silently."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qs

import pytest

from core.measures import MEASURES
from devtools.st_client import StreamlitError, StreamlitSession


def run_in_thread(coroutine: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop in the main thread."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_pages_and_widget_change(app_url: str) -> None:
    async def walk() -> None:
        async with StreamlitSession(app_url, timeout=60) as s:
            karte = await s.open("Karte", "ebene=municipality&land=09")
            assert karte.ok, karte.errors
            assert karte.page == "Karte" and "Karte" in karte.texts
            query = parse_qs(karte.query_string)
            assert query["land"] == ["09"] and query["kennzahl"][0] in MEASURES  # the measure is set by the app
            assert s.widget("karte_land").value == "Bayern"
            assert karte.elements.get("plotly_chart") == 1 and karte.bytes > 10_000

            hessen = await s.set_widget("Land", "Hessen")  # by label, the option as shown
            assert hessen.ok, hessen.errors
            assert "land=06" in hessen.query_string
            assert hessen.texts != karte.texts  # the caption counts the regions of the chosen state
            assert s.widget("karte_land").value == "Hessen"
            with pytest.raises(StreamlitError, match="no option"):
                await s.set_widget("karte_land", "Atlantis")

            ranking = await s.open("Rangliste")
            assert ranking.ok, ranking.errors
            assert ranking.page == "Rangliste" and "Rangliste" in ranking.texts
            assert "karte_land" not in {w.key for w in ranking.widgets}
            assert {"rang_land", "rang_kennzahl"} <= {w.key for w in ranking.widgets}

            missing = await s.open("Gibtsnicht")
            assert not missing.ok
            assert any("page not found" in e for e in missing.errors)

            broken = await s.send_raw(b"\xff\x00 not a BackMsg")
            assert broken.status == "disconnected" and not broken.ok
            assert not s.connected

    run_in_thread(walk)
