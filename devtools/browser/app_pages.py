"""The app's pages as the browser reaches them: script, URL path and title, read from dashboard.py."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from devtools.browser.server import ROOT

PAGES_DIR = ROOT / "pages"


@dataclass(frozen=True)
class AppPage:
    """One page of the app: its title in the navigation and its URL path."""

    script: str
    name: str  # the URL path ("" for the start page)

    @property
    def label(self) -> str:
        return self.name.replace("_", " ") or "Start"


def app_pages() -> list[AppPage]:
    """The start page and every other page, in navigation order: the `st.Page(...)` entries of dashboard.py
    (script path, url_path, title), or, without st.navigation, the files in pages/ (Streamlit's own
    naming rules)."""
    from streamlit.source_util import page_icon_and_name, page_sort_key

    declared = declared_pages()
    if declared:
        return [AppPage(script, name) for script, name, _title in declared]
    scripts = sorted((p for p in PAGES_DIR.glob("*.py") if not p.name.startswith("_")), key=page_sort_key)
    return [AppPage("dashboard.py", "")] + [AppPage(p.name, page_icon_and_name(p)[1]) for p in scripts]


def declared_pages() -> list[tuple[str, str, str]]:
    """(script, URL path, title) of each `st.Page(...)` in dashboard.py; the default page has path ""."""
    from streamlit.source_util import page_icon_and_name

    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "Page"):
            continue
        kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        target = node.args[0] if node.args else None
        script = target.value if isinstance(target, ast.Constant) else "dashboard.py"
        if kw.get("default"):
            name = ""
        else:
            name = str(kw.get("url_path") or page_icon_and_name(Path(script))[1])
        out.append((script, name, str(kw.get("title", name))))
    return out


def page_named(name: str) -> AppPage:
    """The page with this URL path; a page that is missing or renamed fails the test instead of skipping it."""
    found = [page for page in app_pages() if page.name == name]
    assert found, f"no page {name!r} in the app's navigation: {[p.name for p in app_pages()]}"
    assert (ROOT / found[0].script).is_file(), f"{found[0].script} is missing"
    return found[0]


def page_url(base: str, page: AppPage | str, query: dict[str, str] | None = None) -> str:
    """The URL of a page of the app (by URL path: a missing or renamed page fails, see `page_named`)."""
    name = page.name if isinstance(page, AppPage) else page_named(page).name
    url = f"{base}/{quote(name)}"
    return f"{url}?{urlencode(query)}" if query else url
