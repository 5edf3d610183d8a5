"""Reading an export by column name: both readers (pyarrow for whole bodies, the strict csv module for bodies that
may be cut off) give the same rows, numbers and rejects."""

from __future__ import annotations

import pytest
from fixtures.pvog.server import FIXTURES

from etl.sources.pvog.parse import FormatError, read_csv, read_table, validate


def test_both_readers_agree() -> None:
    body = (FIXTURES / "bad_aibling_mit_fehlern.csv").read_bytes()
    fast = read_table(body)
    assert fast.numbers == [1, 2, 3, 4, 5, 6]
    assert fast.rejects == [(7, "3 statt 9 Felder", "99115000000003;zu wenige Felder;091870117117")]
    whole = body[: body.rstrip(b"\n").rfind(b"\n") + 1]  # without the short last row
    strict = read_table(whole.rstrip(b"\n"))  # no final line break: the strict reader
    assert strict.numbers == read_table(whole).numbers == [1, 2, 3, 4, 5, 6]
    assert strict.data.to_pylist() == read_table(whole).data.to_pylist() == fast.data.to_pylist()
    with pytest.raises(FormatError, match="endet mitten in Zeile 7"):
        read_table(body.rstrip(b"\n"))  # the short row last and no line break: cut off


def test_bom_quotes_aliases_and_extra_columns() -> None:
    body = ("\ufeffLeikaKey,ARS,Online-Status,art_flaechendeckung,unbekannt,leika_name\n"
            '99041006017000,091870000000,OK,"kreisweit flächendeckend",x,"Hund, ""Steuer"""\n').encode()
    frame, rejects = read_csv(body)
    assert not rejects and list(frame.index) == [1]
    valid, bad = validate(frame)
    assert bad.empty and valid.iloc[0]["leika_name"] == 'Hund, "Steuer"' and valid.iloc[0]["online_status"] == "ok"
    assert valid.iloc[0]["aktiv"] == "" and "unbekannt" not in frame.columns


@pytest.mark.parametrize(("body", "message"), [
    (b"leika_key;ars;online_status;art_flaechendeckung\n1;2;ok;\"offen\n", "abgeschnitten"),
    (b"leika_key;ars;online_status\n", "Pflichtspalten fehlen: art_flaechendeckung"),
    (b"", "leere Antwort"),
    (b"  <html><body>Wartung</body></html>", "HTML-Seite"),
])
def test_not_an_export(body: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        read_table(body)
