"""Debian's chromium with software WebGL, a browser context that counts Streamlit's script runs, waits for a
settled page, and the console errors that matter."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 120_000  # software rendering on a busy two-core machine: a full page with a map can take 5-20 s

CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
NOT_RUNNING = '[data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'


def chromium_path() -> str | None:
    """Debian's chromium (the only browser these machines can run)."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def launch(playwright: Any) -> Any:
    """Launch Debian's chromium with software WebGL."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium not found (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


# --- console and exceptions -------------------------------------------------------------------------

NOISE = re.compile(r"ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_ADDRESS_UNREACHABLE"
                   r"|metrics|GL Driver Message|WebGL", re.IGNORECASE)

# Opening a page by its own URL (/Karte), Streamlit's client first probes /Karte/_stcore/health and
# /Karte/_stcore/host-config to find its base path; the 404s are expected.
PROBE = re.compile(r"^/[^/]+/_stcore/(health|host-config)$")


@dataclass
class Console:
    """Error-level console messages and uncaught page errors, without chromium's network noise."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        text = msg.text
        where = (msg.location or {}).get("url", "")
        host = urlsplit(where).hostname or ""
        external = bool(host) and host not in ("127.0.0.1", "localhost")
        if NOISE.search(text) or external or PROBE.search(urlsplit(where).path):
            return
        self.errors.append(f"{text} ({where})")


# --- script runs ------------------------------------------------------------------------------------

# Counts script runs by watching the attribute Streamlit's e2e tests use. Mutation records carry the old
# value, so a run that starts and ends between two observer callbacks is still counted. Times are
# performance.now() (ms since this document's navigation started); tClick is the last click.
INIT_SCRIPT = """
(() => {
  const s = window.__dm = {started: 0, finished: 0, tStart: 0, tEnd: 0, tClick: 0, state: null};
  document.addEventListener('click', () => { s.tClick = performance.now(); }, true);
  const attr = 'data-test-script-state';
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type !== 'attributes' || r.attributeName !== attr) continue;
      if (r.oldValue === 'running') { s.finished++; s.tEnd = performance.now(); }
    }
    const el = document.querySelector('[' + attr + ']');
    const now = el ? el.getAttribute(attr) : null;
    if (now === 'running' && s.state !== 'running') { s.started++; s.tStart = performance.now(); }
    s.state = now;
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeOldValue: true,
                        attributeFilter: [attr]});
})();
"""


def new_context(browser: Any, **kwargs: Any) -> Any:
    """A fresh browser context (empty cache) with the run counter installed."""
    context = browser.new_context(viewport=kwargs.pop("viewport", VIEWPORT), locale="de-DE", **kwargs)
    context.add_init_script(INIT_SCRIPT)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# settled: a run after n has finished, nothing is stale (left from before the run), and no element still
# shows the skeleton Streamlit draws while an element's code chunk loads (lazily, on first use)
SETTLED_JS = """(n) => window.__dm && window.__dm.finished > n &&
                !!document.querySelector('[data-test-script-state="notRunning"]') &&
                !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')"""


def wait_ready(page: Any) -> None:
    """Connected, a script run has finished since the document loaded, and the page has settled."""
    page.wait_for_selector(CONNECTED, timeout=TIMEOUT_MS)
    page.wait_for_selector(NOT_RUNNING, timeout=TIMEOUT_MS)
    page.wait_for_function(SETTLED_JS, arg=0, timeout=TIMEOUT_MS, polling=20)


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def runs_finished(page: Any) -> int:
    return int(page.evaluate("window.__dm ? window.__dm.finished : 0"))


def wait_rerun(page: Any, finished_before: int) -> None:
    """Wait until a script run after `finished_before` has ended and nothing runs any more."""
    page.wait_for_function(SETTLED_JS, arg=finished_before, timeout=TIMEOUT_MS, polling=20)


def reopen(browser: Any, link: str, capture: Any) -> tuple[Any, ...]:
    """Open a copied permalink in a fresh browser context (empty cache, no session) and return what
    `capture(page)` reads there; the page must keep the link and show no error."""
    other = new_context(browser)
    try:
        fresh = other.new_page()
        fresh_console = Console()
        fresh_console.attach(fresh)
        open_app(fresh, link)
        restored = capture(fresh)
        assert fresh.url == link
        assert exceptions(fresh) == [] and fresh_console.errors == []
        return restored
    finally:
        other.close()


def exceptions(page: Any) -> list[str]:
    return [el.inner_text() for el in page.query_selector_all(EXCEPTION)]
