"""Data in st.markdown, captions and help texts: always escaped, so names and notes show as text, never markup."""

from __future__ import annotations

from app.frames import missing

MD_SPECIAL = "\\`*_{}[]<>()#+-.!|~$:"


def md(text: object) -> str:
    """Escape data for st.markdown so that names and notes are shown as text, never as markup."""
    if missing(text):
        return "–"
    return "".join("\\" + ch if ch in MD_SPECIAL else ch for ch in str(text)).replace("\n", " ")
