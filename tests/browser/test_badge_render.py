"""Badges render in chromium (issue 17): every SVG of the session build's release loads as an image with its
text alternative, and a screenshot shows the badge colours."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image

from devtools.browser import SCREENSHOTS, new_context
from etl.build import BuildReport
from etl.release import badges


@pytest.fixture(scope="module")
def badge_folder(build_report: BuildReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("badges")
    con = duckdb.connect(str(build_report.db_file), read_only=True)
    try:
        assert badges.write(con, folder) > 10
    finally:
        con.close()
    return folder / "badges"


def test_badges_render_in_chromium(browser: Any, badge_folder: Path) -> None:
    files = sorted(badge_folder.glob("*.svg"))
    rows = "".join(f'<p><img src="{html.escape(p.name)}" alt="badge"></p>' for p in files[:40])
    page_file = badge_folder / "index.html"
    page_file.write_text(f"<!doctype html><html lang='de'><body style='margin:8px'>{rows}</body></html>",
                         encoding="utf-8")
    context = new_context(browser, viewport={"width": 1000, "height": 1200})
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        widths = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
        assert len(widths) == min(40, len(files)) and all(w > 200 for w in widths)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        png = page.screenshot(path=str(SCREENSHOTS / "badges.png"), full_page=True)
    finally:
        context.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
    assert (46, 125, 50) in colours and (31, 78, 121) in colours  # the badge's green and blue are painted
