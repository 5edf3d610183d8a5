"""Every unknown parameter or value in a link is answered in German (issue 15 point 9), on every page with
link parameters, and a valid link shows no such message (AppTest on the session build)."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import open_page

from app import state

MESSAGE = "Der Link enthält Angaben, die diese Seite nicht verwenden kann"
PAGES = {"pages/1_Karte.py": {"ebene": "gemeinden", "kennzahl": "total", "klassen": "99", "kreistyp": "alle"},
         "pages/2_Rangliste.py": {"land": "9", "groesse": "riesig", "gemeinde": "abc"},
         "pages/3_Gemeindeprofil.py": {"ars": "Nürnberg"},
         "pages/4_Foerderung.py": {"programm": "x" * 300},
         "pages/5_Digitales_Amt.py": {"bezirk": "Oberbayern"},
         "pages/6_Daten.py": {"foo": "1"}}


def _warnings(at: object) -> str:
    return " ".join(w.value for w in at.warning)  # type: ignore[attr-defined]


@pytest.mark.parametrize("page", list(PAGES))
def test_a_bad_link_is_answered_in_german(app_db: Path, page: str) -> None:
    at = open_page(page, **PAGES[page], unbekannt="1")
    text = _warnings(at)
    assert MESSAGE in text and "„unbekannt“ (diese Seite kennt den Parameter nicht)" in text
    if page == "pages/2_Rangliste.py":
        assert "„groesse“ (ungültiger Wert)" in text and "„gemeinde“ (ungültiger Wert)" in text
        assert "riesig" not in text  # a link's values are not echoed
    at = open_page(page)
    assert MESSAGE not in _warnings(at)


def test_link_problems_names_each_value() -> None:
    level = state.Param("ebene", "k", "municipality", choices=("municipality", "district"))
    key = state.Param("ars", "a", None, pattern=state.REGION_KEY)
    got = state.link_problems([level, key], {"ebene": ["district"], "ars": ["09162", "x"], "q": "1", "<b>": "1"})
    assert got == ["„ars“ (ungültiger Wert)", "„q“ (diese Seite kennt den Parameter nicht)",
                   "ein Parameter (diese Seite kennt den Parameter nicht)"]
    assert state.link_problems([level], {"ebene": "district", "embed": "true"}) == []


DATA_VALUES = {"pages/1_Karte.py": ({"land": "99"}, "land"),
               "pages/2_Rangliste.py": ({"land": "09", "gemeinde": "010010000000"}, "gemeinde"),  # Flensburg
               "pages/5_Digitales_Amt.py": ({"kreis": "09999"}, "kreis")}


@pytest.mark.parametrize("page", list(DATA_VALUES))
def test_a_well_formed_value_the_data_lacks_is_answered_too(app_db: Path, page: str) -> None:
    """land=99 looks like a Land key and passes the link check; the data has no such Land."""
    query, name = DATA_VALUES[page]
    at = open_page(page, **query)
    assert not at.exception
    assert MESSAGE in _warnings(at) and f"„{name}“ (gibt es in den Daten dieser Auswahl nicht)" in _warnings(at)


def test_a_value_the_reader_made_invalid_is_not_blamed_on_the_link(app_db: Path) -> None:
    at = open_page("pages/2_Rangliste.py", land="09", gemeinde="091620000000")  # München
    assert MESSAGE not in _warnings(at) and at.selectbox(key="rang_gemeinde").value == "091620000000"
    at.selectbox(key="rang_kreis").set_value("09474").run()  # München is no authority of the Kreis Forchheim
    assert MESSAGE not in _warnings(at) and at.selectbox(key="rang_gemeinde").value is None
