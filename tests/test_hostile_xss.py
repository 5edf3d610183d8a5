"""HTML, script and markdown in imported text are shown as text.

An analyst file goes through the real import path into a build of its own (no demo data): its grant purposes
carry a script tag, an image with onerror, markdown emphasis and a javascript: link; its file name (which the
pages show as the source of the rows) carries markup too; one row names an unknown programme written as an
image tag, so the rejects list holds it. AppTest of the pages that show these fields: tables hold the strings
as they are (st.dataframe never interprets them), markdown and captions hold them escaped, plotly text holds
them as entities, and no markdown element is allowed to render HTML. tests/browser/test_hostile.py opens the
same build in chromium. The build is made once per test session (`hostile_build`) for both modules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from app_support import open_page, table
from streamlit.testing.v1 import AppTest

from app.style import escape
from app.ui.markdown import md
from etl.build import run_build
from etl.context import BuildOptions

XSS = {
    "script": "<script>window.__xss=1</script>",
    "img": '<img src=x onerror="window.__xss=1">',
    "markdown": "**markdown**",
    "link": "[link](javascript:alert(1))",
}
# a file name may hold all of this but '/'; the pages name it as the source of the imported rows
FILE_NAME = 'foerderung <img src=x onerror="window.__xss=2"> **fett** [link](javascript:alert(2)).csv'
FILE_TITLE = f"Analystenimport: Förderungen ({FILE_NAME})"
REJECTED_PROGRAMME = '<img src=x onerror="window.__xss=3">'
DORMITZ = "094745426119"
FORCHHEIM_DISTRICT = "09474"


def hostile_build(base: Path, mirror: Path) -> Path:
    """The published database of a build whose only import is the hostile grants file; built once per session
    (the folder below pytest's session temp dir is the cache, shared with the browser test)."""
    folder = base / "hostile_xss_build"
    done = folder / "published.txt"
    if done.exists():
        return Path(done.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    rows = ["Schlüssel;Programm;Bewilligt am;Betrag EUR;Zweck;Status"]
    for i, purpose in enumerate(XSS.values()):
        rows.append(f"{DORMITZ};Digitales Rathaus;1{i}.12.2020;{i + 1}.000,00;{quoted(purpose)};bewilligt")
    rows.append(f"{DORMITZ};{quoted(REJECTED_PROGRAMME)};01.12.2020;500,00;Rest;bewilligt")
    source = folder / FILE_NAME
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = run_build(BuildOptions(db=folder / "db" / "digitalmonitor.duckdb", mirror=mirror, demo=False,
                                    imports=(source,), reports_dir=folder / "reports"))
    done.write_text(str(report.published), encoding="utf-8")
    return report.published


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory, mirror: Path, monkeypatch_module: pytest.MonkeyPatch) -> Path:
    path = hostile_build(tmp_path_factory.getbasetemp(), mirror)
    monkeypatch_module.setenv("DIGITALMONITOR_DB", str(path))
    return path


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def markdown_bodies(at: AppTest) -> list[str]:
    """Every markdown text on the page (markdown, captions, headers, info boxes...)."""
    bodies = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "Markdown":
            assert not proto.allow_html, f"markdown with HTML allowed: {proto.body[:120]!r}"
            bodies.append(proto.body)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return bodies


UNESCAPED = re.compile(r"(?<!\\)[<>\[\]*]")


def assert_escaped_where_shown(at: AppTest, text: str) -> int:
    """Every markdown text that shows `text` shows it escaped (md), never raw; returns how many do."""
    shown = 0
    for body in markdown_bodies(at):
        assert text not in body, f"raw in markdown: {body[:300]!r}"
        if md(text) in body:
            shown += 1
    return shown


def figure_texts(at: AppTest) -> list[str]:
    out = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out += [a.get("text", "") for a in spec["layout"].get("annotations", [])]
        for trace in spec["data"]:
            for key in ("text", "hovertext", "customdata"):
                value = trace.get(key)
                out += [json.dumps(value, ensure_ascii=False)] if value is not None else []
    return out


# --------------------------------------------------------------------------------------------- the build

def test_the_import_loaded_the_strings_as_given(hostile_db: Path) -> None:
    con = duckdb.connect(str(hostile_db.resolve()), read_only=True)
    try:
        purposes = {p for (p,) in con.execute("SELECT purpose FROM funding_grant WHERE ars = $a",
                                               {"a": DORMITZ}).fetchall()}
        files = {f for (f,) in con.execute("SELECT file FROM source WHERE kind = 'import'").fetchall()}
        rejects = con.execute("""SELECT r.reason, r.raw FROM reject r JOIN source s USING (source_id)
                                 WHERE r.kind = 'reject' AND s.kind = 'import'""").fetchall()
    finally:
        con.close()
    assert purposes == set(XSS.values())
    assert files == {FILE_NAME}
    assert len(rejects) == 1 and REJECTED_PROGRAMME in rejects[0][0] and REJECTED_PROGRAMME in json.loads(
        rejects[0][1]).values()


# --------------------------------------------------------------------------------------------- the pages

def test_foerderung_shows_purposes_and_file_name_as_text(hostile_db: Path) -> None:
    at = open_page("pages/4_Foerderung.py", kreis=FORCHHEIM_DISTRICT)
    grants = table(at, "Zweck")
    assert set(XSS.values()) <= set(grants["Zweck"])                     # as they are, in a table
    assert assert_escaped_where_shown(at, FILE_TITLE) + assert_escaped_where_shown(at, FILE_NAME) >= 1
    for text in XSS.values():
        assert_escaped_where_shown(at, text)
    notes = [t for t in figure_texts(at) if "Analystenimport" in t]
    assert notes, "the grant map names the import as a source"
    for note in notes:
        assert escape(FILE_NAME) in note.replace("<br>", " ")             # entities: plotly shows them as text
        assert "<img" not in note and "<script" not in note


def test_profile_shows_purposes_as_text(hostile_db: Path) -> None:
    at = open_page("pages/3_Gemeindeprofil.py", ars=DORMITZ)
    assert at.header[0].value == "Dormitz"
    grants = table(at, "Zweck")
    assert set(XSS.values()) == set(grants["Zweck"]) & set(XSS.values())
    assert len(set(grants["Zweck"]) & set(XSS.values())) == len(XSS)
    assert assert_escaped_where_shown(at, FILE_TITLE) >= 1
    for text in XSS.values():
        assert_escaped_where_shown(at, text)


@pytest.mark.parametrize(("params", "column", "expected"), [
    ({"tabelle": "funding_grant"}, "purpose", set(XSS.values())),
    ({"tabelle": "source"}, "file", {FILE_NAME}),
    ({"bereich": "Build-Protokoll"}, "Quelle", {FILE_NAME}),
    ({"bereich": "Build-Protokoll"}, "Grund", None),
    ({"bereich": "Quellen und Lizenzen"}, "Titel", {FILE_TITLE}),
])
def test_daten_tables_show_the_strings_as_text(params: dict[str, str], column: str, expected: set[str] | None,
                                               hostile_db: Path) -> None:
    at = open_page("pages/6_Daten.py", **params)
    values = set(table(at, column)[column].dropna().astype(str))
    if expected is None:  # the rejected row: its reason quotes the programme as written
        assert any(REJECTED_PROGRAMME in v for v in values)
    else:
        assert expected <= values
    for text in (*XSS.values(), FILE_NAME, FILE_TITLE, REJECTED_PROGRAMME):
        assert_escaped_where_shown(at, text)
