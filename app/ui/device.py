"""What the reader's device tells the server: a phone (its user agent says 'Mobile'), for the few places where
a figure must be built for a narrow screen (a map's zoom, a source note's line length)."""

from __future__ import annotations

import streamlit as st

PHONE_NOTE_CHARS = 60  # a source note line in a figure about 340 px wide (10 px font, about 5 px per character)


def phone() -> bool:
    """Whether the reader's browser says it runs on a phone ('Mobi' in its user agent)."""
    return "Mobi" in str(st.context.headers.get("User-Agent", ""))


def note_chars() -> int | None:
    """The line length of source notes in figures: short on a phone, else the figure's default."""
    return PHONE_NOTE_CHARS if phone() else None
