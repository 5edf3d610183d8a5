"""app/style.py is the one copy of what the figures share: escape, German dates, the no-data grey, the
status colours, the demo label and the source line. No other module keeps its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from app import exports, style
from app.figures import digitales_amt as publish_figures
from app.figures import maps, rankings
from app.figures import start as figures

ROOT = Path(__file__).resolve().parent.parent
SHARED = ("escape", "_escape", "date_text", "source_note")


def test_escape_neutralises_tags_and_entities() -> None:
    assert style.escape("<b>A & B</b>") == "&lt;b&gt;A &amp; B&lt;/b&gt;"
    assert style.escape(12) == "12"


def test_date_text_by_precision() -> None:
    assert style.date_text(pd.Timestamp("2023-12-01"), "month") == "Dezember 2023"
    assert style.date_text("2021-07-29") == "29.07.2021"
    assert style.date_text("2021-07-29", "year") == "2021"
    assert style.date_text("2021-07-29", "unknown") == "29.07.2021"
    assert style.date_text(None) == style.date_text(pd.NaT) == "–"


def test_source_note_escapes_and_marks_demo_values() -> None:
    fig = style.source_note(go.Figure(), "Amt <x>", demo=True)
    text = fig.layout.annotations[0].text
    assert text.startswith(f"<b>{style.DEMO_LABEL}</b> · Quelle: Amt &lt;x&gt;")
    plain = style.source_note(go.Figure(), "Amt", demo=False).layout.annotations[0].text
    assert plain == "Quelle: Amt"


def test_the_figure_modules_use_the_one_copy() -> None:
    assert maps.NO_DATA_GREY is style.NO_DATA_GREY and figures.NO_DATA_GREY is style.NO_DATA_GREY
    assert publish_figures.STATUS_COLOURS is style.STATUS_COLOURS
    assert publish_figures.escape is style.escape and publish_figures.date_text is style.date_text
    assert publish_figures.source_note is style.source_note
    assert rankings.date_text is style.date_text
    assert style.STATUS_COLOURS["keine Daten"] == style.NO_DATA_GREY
    assert exports.DEMO_LABEL == style.DEMO_LABEL


def test_no_app_module_defines_its_own_escape_date_text_source_note_or_grey() -> None:
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name == "style.py":
            continue
        source = path.read_text(encoding="utf-8")
        defined = {node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)}
        assert not defined & set(SHARED), f"{path.name} defines {defined & set(SHARED)}; import them from app.style"
        greys = re.findall(r"NO_DATA_GREY\s*=|#(?:bdbdbd|c8c8c8)\b", source, flags=re.IGNORECASE)
        assert not greys, f"{path.name} keeps its own no-data grey"
        assert "Demodaten — synthetische Werte" not in source or path.name == "exports.py", path.name
