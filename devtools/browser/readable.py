"""'Readable' checked, not eyeballed: texts of buttons, metrics, headings and tabs that the browser cuts (an element
whose content is wider than its box: scrollWidth > clientWidth, as with an ellipsis) and horizontal scrolling of
the whole page (a phone user should never have to scroll sideways)."""

from __future__ import annotations

from typing import Any

# the elements whose text must be read whole; each is checked together with its inner text containers
TEXT_SELECTORS = (
    '[data-testid="stBaseButton-secondary"]', '[data-testid="stBaseButton-primary"]',
    '[data-testid="stBaseButton-tertiary"]', '[data-testid="stDownloadButton"] button',
    '[data-testid="stMetricLabel"]', '[data-testid="stMetricValue"]', '[data-testid="stMetricDelta"]',
    '[data-testid="stHeading"] h1', '[data-testid="stHeading"] h2', '[data-testid="stHeading"] h3',
    '[data-testid="stTab"]', '[data-testid="stPageLink-NavLink"]',
)

CUT_JS = """
(selectors) => {
  const cut = [];
  const visible = el => el.offsetParent !== null && el.getClientRects().length > 0;
  for (const selector of selectors) {
    for (const root of document.querySelectorAll(selector)) {
      if (!visible(root)) continue;
      for (const el of [root, ...root.querySelectorAll('*')]) {
        if (!visible(el) || el.clientWidth === 0) continue;
        if (el.scrollWidth > el.clientWidth + 1) {
          cut.push({selector, text: (root.innerText || '').trim().slice(0, 80),
                    scrollWidth: el.scrollWidth, clientWidth: el.clientWidth});
          break;
        }
      }
    }
  }
  return cut;
}
"""

PAGE_SCROLL_JS = """
() => {
  const doc = document.documentElement;
  const main = document.querySelector('[data-testid="stMain"]') || doc;
  return {document: doc.scrollWidth - doc.clientWidth, main: main.scrollWidth - main.clientWidth};
}
"""


def cut_texts(page: Any) -> list[dict[str, Any]]:
    """Visible buttons, metrics, headings, tabs and page links whose text is cut (empty: all readable)."""
    return list(page.evaluate(CUT_JS, list(TEXT_SELECTORS)))


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page (document or Streamlit's main area) scrolls sideways (0: none)."""
    widths = page.evaluate(PAGE_SCROLL_JS)
    return int(max(widths["document"], widths["main"], 0))
