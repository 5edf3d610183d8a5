"""Gemeindeprofil: the town's neighbours (same size class and authority type in its Kreis) are one click away as a
comparison (issue 15 point 4)."""

from __future__ import annotations

from pathlib import Path

from app_support import open_page

from app.ui.markdown import md

PROFIL = "pages/3_Gemeindeprofil.py"
TOWN = "096730141141"  # Bad Königshofen i.Grabfeld


def test_one_click_compares_with_the_neighbours(app_db: Path) -> None:
    at = open_page(PROFIL, ars=TOWN)
    assert "vergleich" not in at.query_params
    button = at.button(key="profil_nachbarn_vergleich")
    assert md("Nachbarn in Rhön-Grabfeld") in button.label  # escaped Markdown, shown as written
    peers = [d.value for d in at.dataframe if "Online-Verfahren" in d.value.columns and "Profil" in d.value.columns]
    expected = [link.split("=")[-1] for link in peers[0]["Profil"] if not link.endswith(TOWN)][:4]
    button.click().run()
    assert not at.exception
    assert at.query_params["vergleich"] == expected
    assert at.multiselect(key="profil_vergleich").value == expected
    side_by_side = [d.value for d in at.dataframe if "Online-Verfahren gesamt" in list(d.value.index)][0]
    assert len(side_by_side.columns) == 1 + len(expected)
