"""Our tables never show the grid's English "None" for missing text (issue 15 point 9): missing text is '–', a
missing link an empty cell (Streamlit's LinkColumn shows '' as empty); numbers, dates and flags stay as they are."""

from __future__ import annotations

import datetime

import pandas as pd

from app.ui.tables import localized


def test_missing_text_becomes_a_dash_and_a_missing_link_an_empty_cell() -> None:
    frame = pd.DataFrame({"Name": ["Aub", None], "Quelle": ["https://example.org/a", None], "Demodaten": [True, False],
                          "gemeldete Verfahren": [12.0, None], "Datum": [datetime.date(2023, 5, 1), None]})
    shown, config = localized(frame)
    assert shown["Name"].tolist() == ["Aub", "–"]
    assert shown["Quelle"].tolist() == ["https://example.org/a", ""]
    assert shown["Demodaten"].tolist() == [True, False]
    assert shown["gemeldete Verfahren"].isna().tolist() == [False, True] and "gemeldete Verfahren" in config
    assert shown["Datum"].tolist()[0] == datetime.date(2023, 5, 1) and pd.isna(shown["Datum"].iloc[1])
    assert pd.isna(frame["Name"].iloc[1])  # the caller's frame is untouched
