"""Pure figure and table builders of the explore pages (app/figures/maps.py, rankings.py, profile.py): classes, the grey
"keine Daten" trace apart from 0, German legend labels and hover text, tables, charts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import map_helpers
import mapclassify
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from app import style
from app.figures import digitales_amt, funding, maps, profile, rankings
from app.figures.layout import MAP_CONFIG, STILL, chart_theme, data_revision, view_ranges
from app.figures.start import density_map
from app.frames import ranked

URL = "app/static/shapes/municipality-test.json"
ROOT = Path(__file__).resolve().parent.parent
BOUNDS = (8.9, 47.2, 13.9, 50.6)
# the source line every figure carries
SOURCE = {"attribution": "Testquelle", "demo": False}


def _frame(values: list[object], **extra: list[object]) -> pd.DataFrame:
    n = len(values)
    frame = pd.DataFrame({
        "ars": [f"0918{i:08d}" for i in range(n)],
        "name": [f"Gemeinde {i}" for i in range(n)],
        "kind": ["Gemeinde"] * n,
        "population": [1000 + i for i in range(n)],
        "value": values,
    })
    for col, vals in extra.items():
        frame[col] = vals
    return frame


def _locations(fig) -> dict[str, list[str]]:
    return map_helpers.class_locations(fig)


def _shapes(fig):
    """The one trace that draws the regions (the others are legend entries that draw nothing)."""
    shapes = [trace for trace in fig.data if trace.type == "choropleth"]
    assert len(shapes) == 1
    return shapes[0]


def _hover_by_location(fig) -> dict[str, str]:
    trace = _shapes(fig)
    return {loc: map_helpers.render_hover(trace.hovertemplate, list(row))
            for loc, row in zip(trace.locations, trace.customdata, strict=True)}


def _colour_by_location(fig) -> dict[str, str]:
    """The colour each region gets from the stepped colourscale (z = class index)."""
    trace = _shapes(fig)
    n = len(trace.colorscale) // 2
    assert trace.zmin == -0.5 and trace.zmax == n - 0.5
    band = {i: trace.colorscale[2 * i][1] for i in range(n)}
    assert all(trace.colorscale[2 * i + 1][1] == band[i] for i in range(n))
    return {loc: band[z] for loc, z in zip(trace.locations, trace.z, strict=True)}


# --- classification ---------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", list(maps.SCHEMES))
def test_classes_cover_every_value_and_missing_values_get_no_class(scheme: str) -> None:
    values = pd.Series([0, 3, 5, 8, 13, 21, None, 34, 55, 89, float("nan"), 144])
    classes = maps.classify(values, scheme, k=4)
    assert classes.k == 4
    assert list(classes.bins) == sorted(classes.bins)
    assert classes.bins[-1] == 144
    assert classes.index[values.isna()].eq(-1).all()
    assert classes.index[values.notna()].between(0, classes.k - 1).all()
    # every value lies at or below the upper bound of its class and above the bound of the class before
    for value, cls in zip(values[values.notna()], classes.index[values.notna()], strict=True):
        assert value <= classes.bins[cls]
        if cls > 0:
            assert value > classes.bins[cls - 1]


def test_zero_falls_into_the_lowest_class_not_into_no_data() -> None:
    values = pd.Series([0.0, 0.0, 1.0, 2.0, 50.0, None])
    classes = maps.classify(values, "equal_interval", k=3)
    assert classes.index.iloc[0] == 0
    assert classes.index.iloc[5] == -1
    assert classes.labels[0].startswith("0 ")


def test_quantile_classes_hold_about_equal_counts() -> None:
    values = pd.Series(np.arange(100, dtype=float))
    classes = maps.classify(values, "quantiles", k=5)
    counts = classes.index.value_counts().sort_index().tolist()
    assert counts == [20, 20, 20, 20, 20]


def test_equal_interval_bounds_are_equally_wide() -> None:
    classes = maps.classify(pd.Series([0.0, 10.0, 20.0, 40.0]), "equal_interval", k=4, decimals=1)
    assert classes.bins == (10.0, 20.0, 30.0, 40.0)


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_natural_breaks_match_mapclassify_on_small_inputs() -> None:
    values = np.array([1, 2, 3, 10, 11, 12, 30, 31, 33, 80, 85, 90], dtype=float)
    classes = maps.classify(pd.Series(values), "natural_breaks", k=4)
    assert classes.bins == tuple(mapclassify.FisherJenks(values, k=4).bins)
    assert classes.bins == (3.0, 12.0, 33.0, 90.0)


def test_natural_breaks_on_many_values_are_deterministic_and_separate_clusters() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(10, 1, 4000), rng.normal(100, 3, 4000), rng.normal(300, 5, 3000)])
    first = maps.classify(pd.Series(values), "natural_breaks", k=3, decimals=1)
    second = maps.classify(pd.Series(values), "natural_breaks", k=3, decimals=1)
    assert first.bins == second.bins
    assert first.bins[0] < 50 < first.bins[1] < 200
    assert first.index.value_counts().sort_index().tolist() == [4000, 4000, 3000]


def test_integer_data_gets_whole_number_labels_that_do_not_overlap() -> None:
    values = pd.Series([0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 1500])
    classes = maps.classify(values, "quantiles", k=3)
    assert all("," not in label for label in classes.labels)
    lowers = [int(label.split(" – ")[0].replace(".", "")) for label in classes.labels]
    uppers = [int(label.split(" – ")[-1].replace(".", "")) for label in classes.labels]
    assert lowers[0] == 0 and uppers[-1] == 1500
    assert all(lowers[i + 1] == uppers[i] + 1 for i in range(len(lowers) - 1))
    assert classes.labels[-1].endswith("1.500")


def test_labels_use_german_separators() -> None:
    values = pd.Series([1234.5, 2500.25, 9999.75, 12345.5])
    classes = maps.classify(values, "equal_interval", k=2, decimals=1)
    assert classes.labels == ("1.234,5 – 6.790,0", "> 6.790,0 – 12.345,5")


def test_fewer_distinct_values_than_classes() -> None:
    classes = maps.classify(pd.Series([7, 7, 7, None]), "quantiles", k=5)
    assert classes.k == 1 and classes.labels == ("7",)
    assert classes.index.tolist() == [0, 0, 0, -1]


def test_no_values_at_all() -> None:
    classes = maps.classify(pd.Series([None, None], dtype=float), "natural_breaks", k=5)
    assert classes.k == 0 and classes.index.tolist() == [-1, -1]


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError):
        maps.classify(pd.Series([1.0]), "kmeans", 3)


def test_colours_are_distinct_viridis_steps_and_never_the_no_data_grey() -> None:
    for k in range(1, 8):
        palette = maps.colours(k)
        assert len(set(palette)) == k
        assert maps.NO_DATA_GREY not in palette


# --- choropleth -------------------------------------------------------------------------------------

def test_no_data_has_its_own_grey_trace_and_zero_the_lowest_colour() -> None:
    frame = ranked(_frame([0, 4, 9, None, 16, 25, None]))
    fig = maps.choropleth(frame, URL, BOUNDS, label="Online-Verfahren gesamt", unit="Verfahren", k=3,
                          **SOURCE)
    locations = _locations(fig)
    assert locations[maps.NO_DATA] == [frame["ars"][3], frame["ars"][6]]
    entries = map_helpers.legend_entries(fig)
    assert entries[-1] == (maps.NO_DATA, maps.NO_DATA_GREY)
    first_label, first_colour = entries[0]
    assert frame["ars"][0] in locations[first_label]          # the 0 is in the lowest class ...
    assert first_colour != maps.NO_DATA_GREY                  # ... which is not grey
    assert sum(len(v) for v in locations.values()) == len(frame)
    # the legend colour of each class is the colour its regions are painted in
    colour_of = _colour_by_location(fig)
    for name, colour in entries:
        assert {colour_of[a] for a in locations[name]} == {colour}


def test_map_is_one_shape_trace_and_legend_entries_that_fetch_nothing() -> None:
    frame = ranked(_frame([1, 2, 3, None, 5]))
    fig = maps.choropleth(frame, URL, BOUNDS, label="x", k=2, **SOURCE)
    assert fig.data[0].type == "choropleth" and fig.data[0].showlegend is False
    legend = fig.data[1:]
    assert [t.type for t in legend] == ["scattergeo"] * 3
    assert all(list(t.lat) == [None] and list(t.lon) == [None] and t.hoverinfo == "skip" for t in legend)
    assert [t.name for t in legend] == [name for name, _c in map_helpers.legend_entries(fig)]


def test_map_uses_the_static_geojson_url_and_the_ars_key() -> None:
    fig = maps.choropleth(ranked(_frame([1, 2, 3])), URL, BOUNDS, label="x", k=2, **SOURCE)
    trace = _shapes(fig)
    assert trace.geojson == URL
    assert trace.featureidkey == "properties.ars"
    assert all("geojson" not in t for t in fig.to_plotly_json()["data"][1:])   # nothing else fetches it
    assert fig.layout.geo.visible is False and fig.layout.geo.projection.type == "mercator"  # no base map
    assert (list(fig.layout.geo.lonaxis.range), list(fig.layout.geo.lataxis.range)) == view_ranges(BOUNDS)


def test_legend_labels_are_german_class_bounds() -> None:
    frame = ranked(_frame([0.5, 1234.5, 2500.25, 12345.5]))
    fig = maps.choropleth(frame, URL, BOUNDS, label="Einwohner je km²", unit="Einw./km²", decimals=1,
                          scheme="equal_interval", k=2, **SOURCE)
    assert [name for name, _c in map_helpers.legend_entries(fig)] == ["0,5 – 6.173,0", "> 6.173,0 – 12.345,5"]
    assert fig.layout.legend.title.text == "Einwohner je km² (Einw./km²)"
    assert fig.layout.separators == ",."


def test_hover_names_kind_value_and_rank() -> None:
    frame = ranked(_frame([1234.5, 10.0, None]))
    fig = maps.choropleth(frame, URL, BOUNDS, label="Verfahren je 10.000 Einwohner", unit="je 10.000 Einw.",
                          decimals=1, k=2, **SOURCE)
    texts = _hover_by_location(fig)
    top = texts[frame["ars"][0]]
    assert top.startswith("<b>Gemeinde 0</b><br>Gemeinde<br>")
    assert "Verfahren je 10.000 Einwohner: 1.234,5 je 10.000 Einw." in top
    assert "Platz 1 von 2" in top
    assert "Platz 2 von 2" in texts[frame["ars"][1]]
    missing = texts[frame["ars"][2]]
    assert "keine Daten" in missing and "Platz" not in missing


def test_hover_marks_values_inherited_from_the_verwaltungsgemeinschaft() -> None:
    frame = ranked(_frame([40, 40], inherited_from_name=[None, "VG Dormitz"]))
    texts = map_helpers.hover_texts(frame, "Online-Verfahren gesamt")
    assert "übernommen" not in texts[0]
    assert "von VG VG Dormitz übernommen" in texts[1]


def test_hover_keeps_the_label_in_the_one_template_not_in_every_row() -> None:
    frame = ranked(_frame([3, 1, None], note=[None, "Behörden mit Daten: 1 von 4", None]))
    data = maps.hover(frame, "Online-Verfahren gesamt", "Verfahren")
    assert data.rows[0] == ["Gemeinde 0", "Gemeinde", "3 Verfahren", "<br>Platz 1 von 2", ""]
    assert data.rows[1][4] == "<br>Behörden mit Daten: 1 von 4"
    assert data.rows[2][2:4] == ["keine Daten", ""]
    assert data.template == ("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>Online-Verfahren gesamt: "
                             "%{customdata[2]}%{customdata[3]}%{customdata[4]}<extra></extra>")
    assert not any("Online-Verfahren" in cell for row in data.rows for cell in row)


def test_a_long_note_in_the_hover_is_wrapped_into_lines_a_map_label_can_show() -> None:
    note = "Gewerbe: im Breitbandatlas (Stand Mitte 2021) ohne Wert unter diesem Schlüssel " * 3
    data = maps.hover(ranked(_frame([3], note=[note])), "x")
    lines = data.rows[0][4].split("<br>")[1:]
    assert len(lines) >= 3 and all(len(line) <= maps.HOVER_CHARS for line in lines)
    assert " ".join(lines) == note.strip()


def test_hover_escapes_markup_in_names() -> None:
    frame = _frame([1], name=["<script>x</script> & Co"])
    text = map_helpers.hover_texts(frame, "Wert")[0]
    assert "<script>" not in text and "&lt;script&gt;" in text and "&amp; Co" in text


def test_only_own_values_are_ranked_an_inherited_vg_value_is_not_ranked_once_per_member() -> None:
    # three members show their VG's 64 procedures: the VG must not take places 2-4 three times
    frame = ranked(_frame([339, 64, 64, 64, 69],
                               inherited_from_name=[None, "Dormitz", "Dormitz", "Dormitz", ""]))
    assert frame["rank"].tolist()[0] == 1 and frame["rank"].iloc[4] == 2
    assert frame["rank"].iloc[1:4].isna().all()
    assert (frame["peers"] == 2).all()


def test_inherited_values_are_shown_in_their_class_colour_with_the_vg_and_without_a_rank() -> None:
    frame = ranked(_frame([339, 64, 64, 69, None], inherited_from_name=[None, "Dormitz", "Dormitz", None, None]))
    fig = maps.choropleth(frame, URL, BOUNDS, label="Online-Verfahren gesamt", unit="Verfahren", k=2,
                          scheme="equal_interval", **SOURCE)
    texts = _hover_by_location(fig)
    for i in (1, 2):
        assert "von VG Dormitz übernommen" in texts[frame["ars"][i]] and "Platz" not in texts[frame["ars"][i]]
    assert "Platz 1 von 2" in texts[frame["ars"][0]] and "Platz 2 von 2" in texts[frame["ars"][3]]
    assert texts == dict(zip(frame["ars"], map_helpers.hover_texts(frame, "Online-Verfahren gesamt", "Verfahren"),
                             strict=True))
    # every region drawn once; the inherited ones share their class's colour but add no legend entry
    drawn = list(_shapes(fig).locations)
    assert sorted(drawn) == sorted(frame["ars"])
    colour_of = _colour_by_location(fig)
    assert colour_of[frame["ars"][1]] == colour_of[frame["ars"][3]]
    assert colour_of[frame["ars"][4]] == maps.NO_DATA_GREY
    assert [name for name, _c in map_helpers.legend_entries(fig)] == ["64 – 201", "202 – 339", maps.NO_DATA]
    assert len(fig.data) == 4                           # the shapes and three legend entries


def test_ties_share_the_better_rank_and_ascending_measures_rank_the_smallest_first() -> None:
    frame = ranked(_frame([5, 9, 9, None, 1]))
    assert frame["rank"].tolist()[:3] == [3, 1, 1] and frame["rank"].isna().tolist()[3]
    assert frame["peers"].iloc[0] == 4
    ascending = ranked(_frame([5, 9, 1]), ascending=True)
    assert ascending["rank"].tolist() == [2, 3, 1]


def test_categorical_map_uses_fixed_okabe_ito_colours_and_grey_for_the_rest() -> None:
    statuses = ("zertifiziert", "berechtigt, nicht zertifiziert", "noch nicht")
    frame = _frame(["noch nicht", "zertifiziert", None, "keine Daten", "zertifiziert"])
    fig = maps.choropleth(frame, URL, BOUNDS, label="Digitales Amt", categories=statuses, **SOURCE)
    entries = dict(map_helpers.legend_entries(fig))
    assert entries == {"zertifiziert": style.STATUS_COLOURS["zertifiziert"],
                       "noch nicht": style.STATUS_COLOURS["noch nicht"], maps.NO_DATA: style.NO_DATA_GREY}
    assert _locations(fig)[maps.NO_DATA] == [frame["ars"][2], frame["ars"][3]]
    assert [name for name, _c in map_helpers.legend_entries(fig)] == ["zertifiziert", "noch nicht", maps.NO_DATA]
    colour_of = _colour_by_location(fig)
    assert [colour_of[a] for a in frame["ars"]] == [entries["noch nicht"], entries["zertifiziert"], style.NO_DATA_GREY,
                                                    style.NO_DATA_GREY, entries["zertifiziert"]]


def test_map_table_best_first_inherited_unranked_missing_last_with_profile_links() -> None:
    frame = ranked(_frame([3, None, 8, 5, 7], inherited_from_name=[None, None, "Dormitz", None, None]))
    table = maps.map_table(frame, "Online-Verfahren gesamt", "Verfahren", "Gemeindeprofil")
    assert table["Name"].tolist() == ["Gemeinde 4", "Gemeinde 3", "Gemeinde 0", "Gemeinde 2", "Gemeinde 1"]
    assert table["Rang"].tolist()[:3] == [1, 2, 3] and table["Rang"].iloc[3:].isna().all()
    assert pd.api.types.is_numeric_dtype(table["Online-Verfahren gesamt (Verfahren)"])
    assert table["übernommen von VG"].tolist()[3] == "Dormitz"
    assert table["Profil"].iloc[0] == f"Gemeindeprofil?ars={frame['ars'][4]}"


def test_map_table_without_ranks_has_no_rank_column() -> None:
    table = maps.map_table(_frame(["zertifiziert", None]), "Digitales Amt")
    assert "Rang" not in table.columns and "Profil" not in table.columns


def test_map_table_orders_categories_as_given() -> None:
    frame = _frame(["noch nicht", None, "zertifiziert", "keine Daten", "noch nicht"])
    table = maps.map_table(frame, "Digitales Amt", categories=("zertifiziert", "noch nicht"))
    assert table["Digitales Amt"].tolist()[:4] == ["zertifiziert", "noch nicht", "noch nicht", "keine Daten"]
    assert pd.isna(table["Digitales Amt"].iloc[4])


def test_selected_region_from_a_plotly_selection() -> None:
    event = {"selection": {"points": [{"curve_number": 2, "location": "094745426119", "z": 1}],
                           "point_indices": [0], "box": [], "lasso": []}}
    assert maps.selected_ars(event) == "094745426119"
    assert maps.selected_ars({"selection": {"points": [], "box": [], "lasso": []}}) is None
    assert maps.selected_ars(None) is None
    assert maps.selected_ars({"selection": {"points": [{"customdata": ["Dormitz", "Gemeinde"]}]}}) is None


# --- rankings and profile charts ---------------------------------------------------------------------

def test_rank_change_arrows() -> None:
    assert rankings.rank_change_text(3) == "▲ 3"
    assert rankings.rank_change_text(-1200) == "▼ 1.200"
    assert rankings.rank_change_text(0) == "= 0"
    assert rankings.rank_change_text(None) == "–"
    assert rankings.rank_change_text(pd.NA) == "–"
    assert rankings.position_text(12, 1087) == "Platz 12 von 1.087"


def _ranking(n: int) -> pd.DataFrame:
    return pd.DataFrame({"ars": [f"{i:012d}" for i in range(n)], "name": [f"G{i}" for i in range(n)],
                         "value": [float(100 - i) for i in range(n)], "rank": list(range(1, n + 1)),
                         "authority_type": ["Verwaltungsgemeinschaft"] + ["kreisangehörige Gemeinde"] * (n - 1)})


def test_top_and_bottom_never_overlap() -> None:
    top, bottom = rankings.top_bottom(_ranking(14), n=10)
    assert len(top) == 10 and len(bottom) == 4
    assert set(top["ars"]).isdisjoint(bottom["ars"])
    top, bottom = rankings.top_bottom(_ranking(30), n=10)
    assert bottom["rank"].tolist() == list(range(21, 31))


def test_top_bottom_bars_highlight_and_median() -> None:
    frame = _ranking(30)
    fig = rankings.top_bottom_bars(frame, "Online-Verfahren gesamt", highlight=frame["ars"][25], median=85.0,
                                 **SOURCE)
    top, bottom = fig.data
    assert top.y[0] == "1. G0 (VG)" and bottom.y[0] == "21. G20"
    assert list(bottom.marker.color).count(rankings.HIGHLIGHT) == 1 and rankings.HIGHLIGHT not in list(top.marker.color)
    assert [s.x0 for s in fig.layout.shapes] == [85.0, 85.0]
    assert fig.layout.xaxis.range == fig.layout.xaxis2.range


def test_around_gives_the_chosen_row_with_its_neighbours_at_either_end_too() -> None:
    table = pd.DataFrame({"Rang": range(1, 21)})
    chosen = table["Rang"] == 10
    assert rankings.around(table, chosen, 3)["Rang"].tolist() == [7, 8, 9, 10, 11, 12, 13]
    assert rankings.around(table, table["Rang"] == 1, 3)["Rang"].tolist() == [1, 2, 3, 4]
    assert rankings.around(table, table["Rang"] == 20, 3)["Rang"].tolist() == [17, 18, 19, 20]
    assert rankings.around(table, table["Rang"] == 99).empty


def test_a_phone_gets_short_source_note_lines() -> None:
    """On a phone (about 340 px of figure) a note line of 150 characters is cut at the edge: 60 at most."""
    long = {"attribution": "Demodaten — synthetische Werte, nicht amtlich; 13 Einzelquellen (press_online_services_"
                           "counts_press), Nachweis je Zeile in den Daten; © Statistisches Bundesamt (Destatis), 2025",
            "demo": True}
    frame = _ranking(30)
    history = pd.DataFrame({"ars": ["1", "1", "2", "2"], "as_of": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
                            "municipal": [1, 2, 3, 4], "central": [10, 10, 12, 12], "total": [11, 12, 15, 16]})
    for fig in (rankings.top_bottom_bars(frame, "x", **long, note_width=60),
                rankings.peer_strip(frame, "x", highlight=frame["ars"][3], **long, note_width=60),
                profile.history_chart(history[history["ars"] == "1"], **long, note_width=60),
                profile.compare_history_chart(history, {"1": "Eins", "2": "Zwei"}, **long, note_width=60)):
        lines = _notes(fig)[0].replace("<b>", "").replace("</b>", "").split("<br>")
        assert len(lines) >= 3 and max(len(line) for line in lines) <= 60


def test_bar_labels_name_the_type_of_an_authority_named_after_its_area() -> None:
    assert rankings.bar_label(40, "Freyung-Grafenau", "Landkreis") == "40. Freyung-Grafenau (Landkreis)"
    assert rankings.bar_label(7, "Regensburg, Landkreis", "Landkreis") == "7. Regensburg, Landkreis"
    assert rankings.bar_label(2, "Oberbayern", "Bezirk") == "2. Oberbayern (Bezirk)"
    assert rankings.bar_label(1234, "Dormitz", "kreisangehörige Gemeinde") == "1.234. Dormitz"


def test_history_chart_stacks_municipal_and_central() -> None:
    history = pd.DataFrame({"ars": ["1"] * 3, "as_of": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                            "municipal": [1, 2, 3], "central": [10, 10, 12], "total": [11, 12, 15]})
    fig = profile.history_chart(history, **SOURCE)
    assert [t.name for t in fig.data] == ["kommunal", "zentral (Land/Bund)"]
    assert all(t.stackgroup == "one" for t in fig.data)
    only_totals = history.assign(municipal=None, central=None)
    fig = profile.history_chart(only_totals, **SOURCE)
    assert [t.name for t in fig.data] == ["gesamt"] and list(fig.data[0].y) == [11, 12, 15]


def test_compare_table_side_by_side_with_distinct_names() -> None:
    facts = pd.DataFrame({
        "ars": ["094745426119", "094745426"], "name": ["Dormitz", "Dormitz"],
        "kind": ["Gemeinde", "Verwaltungsgemeinschaft"], "district_name": ["Forchheim", "Forchheim"],
        "size_class": ["unter 5.000", "unter 5.000"], "population": [1942, 4745], "area_km2": [4.58, 23.9],
        "density": [424.0, 198.5], "total": [55, 64], "municipal": [19, None], "central": [36, None],
        "total_per_10k": [283.2, 134.9], "as_of": pd.to_datetime(["2025-12-01", "2024-07-29"]),
        "da_status": ["berechtigt, nicht zertifiziert", "zertifiziert"], "distance": [0, 0],
        "grants": [1, 0], "grant_eur": [5338.96, None], "eur_per_inhabitant": [2.75, None],
        "inherited_from_name": [None, None],
    })
    table = profile.compare_table(facts)
    assert list(table.columns) == ["Dormitz (Gemeinde)", "Dormitz (Verwaltungsgemeinschaft)"]
    assert table.loc["Einwohner"].tolist() == ["1.942", "4.745"]
    assert table.loc["Stand"].tolist() == ["01.12.2025", "29.07.2024"]
    assert table.loc["kommunal"].tolist() == ["19", "–"]
    assert table.loc["Fördersumme (€)"].tolist() == ["5.339", "–"]
    inherited = facts.assign(inherited_from_name=["VG Dormitz", None])
    assert (profile.compare_table(inherited).loc["Online-Verfahren gesamt"].iloc[0]
            == "55 (von VG VG Dormitz übernommen)")


def test_compare_table_and_dates_keep_month_precision() -> None:
    facts = pd.DataFrame({"ars": ["1"], "name": ["A"], "kind": ["Gemeinde"],
                          "as_of": pd.to_datetime(["2023-12-01"]), "as_of_precision": ["month"]})
    assert profile.compare_table(facts).loc["Stand"].tolist() == ["Dezember 2023"]
    ranking = pd.DataFrame({"as_of": pd.to_datetime(["2023-12-01", "2023-12-01", "2022-05-01"]),
                            "as_of_precision": ["day", "month", "day"]})
    assert rankings.latest_date_text(ranking) == "Dezember 2023"           # the coarsest of the newest date
    assert rankings.latest_date_text(ranking.assign(as_of_precision="day")) == "01.12.2023"
    assert rankings.latest_date_text(ranking.assign(as_of=pd.NaT)) == "–"
    history = pd.DataFrame({"ars": ["1", "1"], "as_of": pd.to_datetime(["2023-11-01", "2023-12-01"]),
                            "as_of_precision": ["month", "month"], "municipal": [None, None], "central": [None, None],
                            "total": [10, 12]})
    assert list(profile.history_chart(history, **SOURCE).data[0].text) == ["November 2023", "Dezember 2023"]
    line = profile.compare_history_chart(history, {"1": "A"}, **SOURCE).data[0]
    assert list(line.text) == ["November 2023", "Dezember 2023"]


MARKUP = "<b>Evil</b> & <script>x</script>"


def _no_markup(*texts: object) -> None:
    for text in texts:
        assert "<script>" not in str(text) and "<b>Evil" not in str(text), text


def test_chart_labels_hover_and_legend_names_are_escaped() -> None:
    frame = _ranking(3).assign(name=[MARKUP, "G1", "G2"])
    fig = rankings.top_bottom_bars(frame, "Wert <i>", **SOURCE)
    _no_markup(*fig.data[0].y, fig.data[0].hovertemplate, fig.layout.xaxis.title.text)
    assert fig.data[0].y[0] == "1. &lt;b&gt;Evil&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt; (VG)"
    history = pd.DataFrame({"ars": ["1", "1"], "as_of": pd.to_datetime(["2023-11-01", "2023-12-01"]),
                            "total": [10, 12]})
    line = profile.compare_history_chart(history, {"1": MARKUP + " %{y}"}, **SOURCE).data[0]
    _no_markup(line.name, line.hovertemplate, *[c[0] for c in line.customdata])
    assert "%{y}" not in line.hovertemplate and line.customdata[0][0] == style.escape(MARKUP + " %{y}")


def test_density_map_hover_is_escaped_and_unpopulated_areas_use_the_one_grey() -> None:
    frame = pd.DataFrame({"ars": ["1", "2"], "name": [MARKUP, "Wald"], "kind": ["Stadt <i>", "Gemeindefreies Gebiet"],
                          "population": [1000, 0], "density": [250.0, 0.0]})
    fig = density_map(frame, URL, BOUNDS, **SOURCE)
    _no_markup(*[t for trace in fig.data for t in trace.text])
    assert any("&lt;b&gt;Evil" in t for trace in fig.data for t in trace.text)
    assert len(fig.data) == 1  # one trace per map: plotly.js lets a second one wait only ~5 s for the shapes
    trace = fig.data[0]
    assert trace.colorscale[0][1] == style.NO_DATA_GREY == maps.NO_DATA_GREY  # below the scale: grey
    assert trace.z[1] == trace.zmin < trace.z[0] and "keine Einwohner" in trace.text[1]
    assert trace.colorscale[2][1] != style.NO_DATA_GREY


def _notes(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations if "Quelle:" in (a.text or "")]


@pytest.mark.parametrize("demo", [False, True])
def test_every_explore_figure_carries_its_source_and_the_demo_label_inside(demo: bool) -> None:
    """A PNG saved from the modebar keeps the attribution (and the demo label when demo values are shown)."""
    source = {"attribution": "Bayerisches Staatsministerium <Test>", "demo": demo}
    history = pd.DataFrame({"ars": ["1", "1"], "as_of": pd.to_datetime(["2023-11-01", "2023-12-01"]),
                            "municipal": [1, 2], "central": [3, 4], "total": [4, 6]})
    density = pd.DataFrame({"ars": ["1"], "name": ["A"], "kind": ["Stadt"], "population": [1], "density": [1.0]})
    figures = {
        "choropleth": maps.choropleth(ranked(_frame([1, 2, 3])), URL, BOUNDS, label="x", k=2, **source),
        "bars": rankings.top_bottom_bars(_ranking(12), "Online-Verfahren gesamt", **source),
        "history": profile.history_chart(history, **source),
        "compare": profile.compare_history_chart(history, {"1": "A"}, **source),
        "density": density_map(density, URL, BOUNDS, **source),
    }
    for name, fig in figures.items():
        notes = _notes(fig)
        assert len(notes) == 1, name
        assert "Quelle: Bayerisches Staatsministerium &lt;Test&gt;" in notes[0].replace("<br>", " "), name
        # a line plotly cannot wrap is cut at the figure's edge: inside a map (about 420 px) no line is longer
        # than 90 characters
        longest = max(len(line) for line in notes[0].replace("<b>", "").replace("</b>", "").split("<br>"))
        assert longest <= (style.MAP_NOTE_CHARS if name in ("density",) else 150) + 12, name  # + escaped "<>"
        assert (f"<b>{style.DEMO_LABEL}</b>" in notes[0]) is demo, name


def _every_map(values: list[float]) -> dict[str, go.Figure]:
    """The four map builders on the same regions and values (Karte, Start, Förderung, Digitales Amt)."""
    frame = ranked(_frame(values))
    n = len(values)
    density = frame.assign(kind="Stadt", population=[1000] * n, density=values)
    grants = frame.assign(grants=[1] * n, amount_eur=[v * 1000 for v in values], eur_per_inhabitant=values)
    status = frame.assign(status=["zertifiziert"] * n, total=values, distance=[0] * n)
    return {"karte": maps.choropleth(frame, URL, BOUNDS, label="x", k=2, **SOURCE),
            "start": density_map(density, URL, BOUNDS, **SOURCE),
            "foerderung": funding.grant_map(grants, URL, BOUNDS, "amount_eur", **SOURCE),
            "digitales_amt": digitales_amt.status_map(status, URL, BOUNDS, **SOURCE)}


def test_a_map_carries_its_own_look_and_a_data_revision() -> None:
    """What keeps plotly.js from drawing a map twice (tests/browser/test_karte.py counts the drawings): no template
    (st.plotly_chart gets theme=None, the look is the layout's own), numbers as plain lists (Streamlit's JSON copy
    of the figure turns a typed array into an object), and a datarevision that changes with the data only."""
    first, same, other = _every_map([1.0, 2.5, 4.0]), _every_map([1.0, 2.5, 4.0]), _every_map([1.0, 2.5, 9.0])
    for name, fig in first.items():
        layout = fig.to_plotly_json()["layout"]
        assert "template" not in layout, name
        assert layout["font"]["family"].startswith('"Source Sans"'), name
        assert chart_theme(fig) is None, name
        assert '"bdata"' not in fig.to_json(), name
        assert fig.layout.datarevision == same[name].layout.datarevision != other[name].layout.datarevision, name
        assert fig.layout.datarevision == data_revision(fig), name  # no trace changed after map_layout
    assert first["karte"].layout.clickmode == "event+select"  # as st.plotly_chart(on_select=...) would set it
    assert chart_theme(rankings.top_bottom_bars(_ranking(12), "Online-Verfahren gesamt", **SOURCE)) == "streamlit"


def test_a_map_on_a_phone_wraps_its_note_short_and_keeps_its_colour_bar_clear_of_note_and_modebar() -> None:
    """At 390 px the note was cut at the map's right edge and the colour bar ran down over it (Start, Förderung,
    Digitales Amt); the status legend covered the map's top."""
    long = {"attribution": "Quelle mit einem langen Namen; " * 12, "demo": True}
    frame = ranked(_frame([1.0, 2.5, 4.0]))
    figures = {"start": density_map(frame.assign(kind="Stadt", population=1000, density=[1.0, 2.5, 4.0]), URL,
                                    BOUNDS, note_width=60, **long),
               "foerderung": funding.grant_map(frame.assign(grants=1, amount_eur=1000.0, eur_per_inhabitant=1.0),
                                               URL, BOUNDS, "amount_eur", note_width=60, **long),
               "digitales_amt": digitales_amt.status_map(frame.assign(status="zertifiziert", total=50, distance=0),
                                                         URL, BOUNDS, note_width=60, legend_below=True, **long)}
    for name, fig in figures.items():
        note = _notes(fig)[0].replace("<b>", "").replace("</b>", "").replace("&lt;", "<").replace("&gt;", ">")
        assert max(len(line) for line in note.split("<br>")) <= 60, name
        bottom = fig.layout.geo.domain.y[0]
        for trace in fig.data:
            if trace.type == "choropleth" and trace.showscale is not False:
                bar = trace.colorbar
                assert bar.y == bottom and bar.yanchor == "bottom", name
                assert bottom + bar.len <= 1 - style.MODEBAR_PX / fig.layout.height + 1e-9, name
    assert figures["digitales_amt"].layout.legend.y == 0  # below the map, not over its top


def test_the_map_area_starts_above_its_source_note() -> None:
    fig = maps.choropleth(ranked(_frame([1, 2, 3])), URL, BOUNDS, label="x", k=2, attribution="Quelle " * 60,
                          demo=True, width=300)
    note = fig.layout.annotations[-1].text
    assert note.count("<br>") >= 4  # a long note on a narrow map
    # the plot area is the figure less the legend below the map
    assert fig.layout.geo.domain.y[0] * (fig.layout.height - maps.LEGEND_PX) >= 13 * (note.count("<br>") + 1)
    assert fig.layout.geo.domain.y[1] == 1


def test_a_map_that_must_not_pan_ignores_a_drag() -> None:
    frame = ranked(_frame([1, 2, 3]))
    # (tests/browser/test_karte.py drags the Länder map)
    still = maps.choropleth(frame, URL, BOUNDS, label="x", k=2, pan=False, **SOURCE).layout.dragmode
    assert still == STILL and still not in ("pan", "select", "lasso", False)  # the ones a geo map acts on
    assert maps.choropleth(frame, URL, BOUNDS, label="x", k=2, **SOURCE).layout.dragmode == "pan"


def test_the_view_holds_the_bounds_with_a_thin_frame() -> None:
    (west, east), (south, north) = view_ranges(BOUNDS)
    assert west < BOUNDS[0] and east > BOUNDS[2] and south < BOUNDS[1] and north > BOUNDS[3]
    assert math.isclose(east - west, (BOUNDS[2] - BOUNDS[0]) * 1.04)
    assert math.isclose(north - south, (BOUNDS[3] - BOUNDS[1]) * 1.04)


def test_the_base_map_topology_is_served_by_the_app_and_empty() -> None:
    # plotly.js fetches <topojsonURL>world_110m.json for a geo subplot even when the base map is hidden
    assert MAP_CONFIG["topojsonURL"] == "app/static/topojson/"
    topology = json.loads((ROOT / "static" / "topojson" / "world_110m.json").read_text())
    assert topology["type"] == "Topology" and topology["arcs"] == []
    assert all(o["geometries"] == [] for o in topology["objects"].values())
