"""What the reader's device tells the server: a phone (its user agent says 'Mobile'), for the few places where
a figure must be built for a narrow screen (a map's height, a source note's line length)."""

from __future__ import annotations

import streamlit as st

from app.style import PX_PER_NOTE_CHAR

PHONE_WIDTH = 340  # the content width of a 390 px phone, less the page's padding
# a source note line on a phone: the figure's width less some margin, at about 5 px per character (app.style)
PHONE_NOTE_CHARS = (PHONE_WIDTH - 40) // PX_PER_NOTE_CHAR


def phone() -> bool:
    """Whether the reader's browser says it runs on a phone ('Mobi' in its user agent)."""
    return "Mobi" in str(st.context.headers.get("User-Agent", ""))


def note_chars(on_phone: bool | None = None) -> int | None:
    """The line length of source notes in figures: short on a phone (default: this reader's), else the figure's
    default."""
    return PHONE_NOTE_CHARS if (phone() if on_phone is None else on_phone) else None
