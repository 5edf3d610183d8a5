"""The forgiving search (app/data/search.py) on the small generated database: umlauts written out or dropped,
typos, word prefixes, register names, keys and postcodes; nothing for a name that is not there."""

from __future__ import annotations

from small_world import World

from app import data
from app.data.search import fold


def test_fold_writes_out_or_drops_umlauts() -> None:
    assert fold("Nürnberg") == ("nuernberg", "nurnberg")
    assert fold("Bad Königshofen i.Grabfeld") == ("bad koenigshofen i grabfeld", "bad konigshofen i grabfeld")
    assert fold("Weißenburg-Gunzenhausen")[0] == "weissenburg gunzenhausen"


def test_umlauts_typos_and_word_prefixes_find_the_town(small: data.Db, world: World) -> None:
    city = "091620000000"
    for text in ("München", "muenchen", "Munchen", "MÜNCHEN", "Münhcen", "Muenchn"):
        assert data.find_regions(small, text)["ars"].iloc[0] == city, text
    umlaut = world.of("municipality").query("display_name.str.contains('ü')").iloc[0]
    typed = umlaut["display_name"].replace("ü", "ue")
    assert data.find_regions(small, typed)["ars"].iloc[0] == umlaut["ars"]
    assert data.find_regions(small, umlaut["display_name"].replace("ü", "u"))["ars"].iloc[0] == umlaut["ars"]
    # a second word's beginning finds it too, a name nobody carries finds nothing
    two_words = world.of("municipality").query("display_name.str.contains(' ')")
    if not two_words.empty:
        row = two_words.iloc[0]
        assert row["ars"] in set(data.find_regions(small, row["display_name"].split(" ")[1][:4])["ars"])
    assert data.find_regions(small, "Atlantis").empty and data.find_regions(small, "Qwxyz").empty
