"""Badges render in chromium (issue 17): every SVG of the session build's release loads as an image with its
text alternative, and a screenshot shows the badge colours."""

from __future__ import annotations

import html
import io
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image

from devtools.browser import SCREENSHOTS, new_context, open_app
from etl.build import BuildReport
from etl.release import badges, link_latest, write_release


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


def test_release_is_served_statically_and_the_profile_shows_the_badge(app_url: str, build_report: BuildReport,
                                                                     browser: Any) -> None:
    """The session build's release under app/static/release/<build id>/ and latest/ (single files, right types,
    no listing), and the Nürnberg profile with its badge painted and the embed snippet."""
    from app.data.release import STATIC_RELEASE

    if (STATIC_RELEASE / "latest").exists():
        pytest.skip("a published release lives in static/release: not replaced by a test")
    # the profile seen before the release exists (a server caching "no badge" would never show it afterwards)
    context = new_context(browser)
    try:
        before = context.new_page()
        open_app(before, f"{app_url}/Gemeindeprofil?ars=095640000000")
        assert before.get_by_text("Signet für die eigene Website").count() == 0
    finally:
        context.close()
    folder = write_release(build_report.db_file, STATIC_RELEASE, build_report.build_id).folder
    link_latest(STATIC_RELEASE, build_report.build_id)
    try:
        base = f"{app_url}/app/static/release"
        for path, kind in ((f"{build_report.build_id}/datapackage.json", "application/json"),
                           ("latest/dcat.jsonld", "application/ld+json"),
                           ("latest/feed.atom", "application/atom+xml"),
                           ("latest/badges/095640000000.svg", "image/svg+xml"),
                           ("latest/parquet/region.parquet", "")):
            with urllib.request.urlopen(f"{base}/{path}", timeout=30) as response:
                assert response.status == 200 and kind in response.headers["Content-Type"], path
                assert response.read() == (folder / path.split("/", 1)[1]).read_bytes()
        with pytest.raises(urllib.error.HTTPError) as listing:
            urllib.request.urlopen(f"{base}/latest/badges/", timeout=30)
        assert listing.value.code == 404
        context = new_context(browser)
        try:
            page = context.new_page()
            open_app(page, f"{app_url}/Gemeindeprofil?ars=095640000000")
            page.get_by_text("Signet für die eigene Website").scroll_into_view_if_needed()
            badge = page.locator('[data-testid="stImage"] img').first
            badge.wait_for()
            page.wait_for_function("(img) => img.complete && img.naturalWidth > 200", arg=badge.element_handle())
            badge.screenshot(path=str(SCREENSHOTS / "profile_badge.png"))
            snippet = page.locator('[data-testid="stCode"]', has_text="/badges/").first.inner_text()
            assert "latest/badges/095640000000.svg" in snippet and 'alt="Nürnberg' in snippet
        finally:
            context.close()
    finally:
        (STATIC_RELEASE / "latest").unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
