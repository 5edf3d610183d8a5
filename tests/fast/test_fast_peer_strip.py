"""The Rangliste's peer strip (issue 15 point 4): every authority of the peer group is a dot, the chosen one is
marked and labelled 'Platz X von Y' with the rank the ranking computed; built from the small world's ranking."""

from __future__ import annotations

from app import data
from app.figures.rankings import HIGHLIGHT, peer_strip


def test_strip_holds_every_peer_and_marks_the_chosen_one(small: data.Db) -> None:
    frame = data.rankings.rankings(small, "total", "09")
    ranked = frame.dropna(subset=["value"])
    assert len(ranked) > 5
    mine = ranked.sort_values("rank").iloc[len(ranked) // 2]
    fig = peer_strip(frame, "Online-Verfahren", highlight=mine["ars"], median=float(frame["group_median"].iloc[0]),
                     attribution="Test", demo=False)
    dots, chosen = fig.data
    assert sorted(dots.customdata) == sorted(ranked["ars"])  # the whole peer group, not a top ten
    assert list(chosen.x) == [float(mine["value"])] and chosen.marker.color == HIGHLIGHT
    label = f"Platz {int(mine['rank'])} von {int(mine['peers'])}"
    texts = [a.text for a in fig.layout.annotations]
    assert any(label in t and mine["name"] in t for t in texts), texts
    assert any(t.startswith("Median ") for t in texts)
    assert fig.layout.separators == ",."
    # without a choice: only the group, no label
    plain = peer_strip(frame, "Online-Verfahren", attribution="Test", demo=False)
    assert len(plain.data) == 1 and not any("Platz" in a.text for a in plain.layout.annotations)
