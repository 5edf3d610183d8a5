"""Downloads: every format is produced from the session build, read back with pandas / openpyxl / pyarrow /
geopandas and compared with the database; every file carries its sources, licence, demo flag and stands;
formula injection from an analyst import comes out neutralised."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from app_support import handle, unwrap_excel_keys

from app import data as appdb
from app import exports
from app.exports.headers import header, machine_names
from app.ui import downloads
from etl.build import BuildReport, run_build
from etl.context import BuildOptions
from etl.sources import demo as etl_demo

PROVENANCE = ["source_id", "attribution", "licence", "is_demo"]
INJECTIONS = {  # purpose of a grant as an analyst file may carry it
    "095640000000": '=HYPERLINK("http://x","Klick")',
    "097610000000": "+49 Bürgerbüro",
    "091620000000": "-Anmeldung Hund",
    "093610000000": "@SUMME(A1)",
}


# --------------------------------------------------------------------------------------------- fixtures

def tagged(build: appdb.Db, prov: exports.Provenance, name: str) -> pd.DataFrame:
    """A downloadable table with its provenance columns, as the Daten page builds it."""
    spec = appdb.DOWNLOADABLE[name]
    frame = appdb.download_table(build, name)
    facts = appdb.fact_sources(build, spec.facts) if spec.facts and "source_id" not in frame.columns else None
    return exports.with_provenance(frame, prov, spec.kinds, facts=facts, by_prefix=spec.by_prefix)


def read_xlsx(data: bytes, sheet: str) -> pd.DataFrame:
    keys = ("ars", "ags", "source_id")  # the data sheet's headers are German
    return pd.read_excel(io.BytesIO(data), sheet_name=sheet, dtype={**dict.fromkeys(keys, str),
                                                                     **{header(k): str for k in keys}})


def read_back(fmt: str, data: bytes) -> pd.DataFrame:
    """A produced file as a DataFrame (keys as text; the Excel key formulas unwrapped)."""
    keys = {"ars": str, "grant_id": str, "program_id": str, "source_id": str}
    if fmt == "csv_excel":  # German headers, read back under their machine names
        keys.update({header(k): str for k in list(keys)})
        back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype=keys,
                           low_memory=False)
        return unwrap_excel_keys(back.set_axis(machine_names(list(back.columns)), axis=1))
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), dtype=keys, low_memory=False)
    if fmt == "xlsx":
        back = read_xlsx(data, "Daten")
        return back.set_axis(machine_names(list(back.columns)), axis=1)
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(data)).to_pandas()
    if fmt == "geojson":
        return pd.DataFrame(gpd.read_file(io.BytesIO(data)).drop(columns="geometry"))
    raise ValueError(fmt)


@pytest.fixture(scope="module")
def import_build(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> BuildReport:
    """A build without demo data from an analyst grants file whose purposes try formula injection."""
    folder = tmp_path_factory.mktemp("import_build")
    rows = ["Schlüssel;Programm;Bewilligt am;Betrag EUR;Zweck;Status"]
    for i, (key, purpose) in enumerate(INJECTIONS.items()):
        quoted = '"' + purpose.replace('"', '""') + '"'
        rows.append(f"{key[:5]}{key[9:]};Digitales Rathaus;15.12.2020;{i + 1}.234,50;{quoted};bewilligt")
    grants = folder / "foerderungen_injektion.csv"
    grants.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return run_build(BuildOptions(db=folder / "dm.duckdb", mirror=mirror, demo=False, imports=(grants,),
                                  reports_dir=folder / "reports"))


# --------------------------------------------------------------------------------------------- names

def test_file_name_carries_the_build_date(build: appdb.Db, prov: exports.Provenance) -> None:
    built = appdb.build_info(build)["built_at"][:10]
    date.fromisoformat(built)
    assert exports.file_name("Förderung Kreise", prov, "csv") == f"digitalmonitor_foerderung_kreise_{built}.csv"
    names = {fmt: exports.download_name("region", prov, fmt) for fmt in exports.FORMATS}
    assert names == {"csv_excel": f"digitalmonitor_region_excel_{built}.csv",
                     "csv": f"digitalmonitor_region_{built}.csv", "xlsx": f"digitalmonitor_region_{built}.xlsx",
                     "parquet": f"digitalmonitor_region_{built}.parquet",
                     "geojson": f"digitalmonitor_region_{built}.geojson"}
    assert exports.png_config("Karte Digitales Amt", prov)["toImageButtonOptions"] == {
        "format": "png", "filename": f"digitalmonitor_karte_digitales_amt_{built}", "scale": 2}


def test_only_allow_listed_objects_are_downloadable(build: appdb.Db) -> None:
    with pytest.raises(ValueError):
        appdb.download_table(build, 'region"; DROP TABLE region; --')
    with pytest.raises(ValueError):
        appdb.download_table(build, "metric_latest")  # a helper table, not on the list
    with pytest.raises(ValueError):
        appdb.fact_sources(build, ["region"])
    present = appdb.downloadable(build)
    assert {"region", "source", "funding_grant", "v_digitales_amt", "data_dictionary", "load_log", "reject"} <= set(
        present)


# --------------------------------------------------------------------------------------------- formats

def test_csv_for_german_excel_round_trips_umlauts_and_decimal_commas(build: appdb.Db,
                                                                    prov: exports.Provenance) -> None:
    frame = tagged(build, prov, "region")
    bavaria = frame[frame["state_ars"] == "09"].reset_index(drop=True)
    data = exports.to_csv_excel(bavaria)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.split(";")[:3] == ["ars", "ags", "level"]
    nuernberg = bavaria[bavaria["ars"] == "095640000000"].iloc[0]
    assert "Nürnberg" in text
    area = f"{nuernberg['area_km2']}".replace(".", ",")
    assert f";{area};" in text  # decimal comma, not point

    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={c: str for c in ("ars", "ags", "state_ars", "gov_district_ars", "district_ars",
                                               "association_ars", "postcode", "source_id")})
    assert len(back) == len(bavaria)
    assert back["display_name"].tolist() == bavaria["display_name"].tolist()
    assert any("ü" in n or "ö" in n or "ä" in n for n in back["display_name"])
    assert back["area_km2"].dtype.kind == "f"
    pd.testing.assert_series_equal(back["area_km2"], bavaria["area_km2"], check_names=False, rtol=1e-12)
    assert back["population"].tolist() == bavaria["population"].tolist()
    assert back["ars"].tolist() == [f'="{a}"' for a in bavaria["ars"]]  # text for Excel, leading zeros kept
    assert unwrap_excel_keys(back)["ars"].tolist() == bavaria["ars"].tolist()
    assert set(back["attribution"]) == {"© Statistisches Bundesamt (Destatis), 2025"}
    assert back["licence"].str.contains("dl-de/by-2-0").all()
    assert (back["register_edition"] == prov.register_edition).all()


def test_plain_csv_round_trips(build: appdb.Db, prov: exports.Provenance) -> None:
    grants = tagged(build, prov, "funding_grant")
    data = exports.to_csv(grants)
    assert not data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), dtype={"ars": str, "grant_id": str})
    db_rows = appdb.query(build, "SELECT grant_id, ars, amount_eur, is_demo FROM funding_grant ORDER BY grant_id")
    back = back.sort_values("grant_id").reset_index(drop=True)
    assert back["grant_id"].tolist() == db_rows["grant_id"].tolist()
    assert back["ars"].tolist() == db_rows["ars"].tolist()
    pd.testing.assert_series_equal(back["amount_eur"], db_rows["amount_eur"], check_names=False)
    assert back["is_demo"].tolist() == db_rows["is_demo"].tolist()


def _cells(data: bytes, sep: str, encoding: str) -> list[dict[str, str]]:
    """The raw cells of a CSV as the csv module reads them (no type guessing)."""
    return list(csv.DictReader(io.StringIO(data.decode(encoding)), delimiter=sep))


def test_csv_for_excel_writes_keys_as_text(build: appdb.Db, prov: exports.Provenance) -> None:
    """Excel would read 091620000000 as 9,162E+10 and state key 01 as 1: the CSV for Excel writes digit keys
    as ="…" text formulas; the plain CSV keeps them as they are; the neutraliser leaves them alone."""
    regions = tagged(build, prov, "region")
    pick = regions[regions["ars"].isin(["091620000000", "09162", "01", "010010000000"])].reset_index(drop=True)
    assert len(pick) == 4
    by_key = pick.set_index("ars")
    excel = {r["ars"]: r for r in _cells(exports.to_csv_excel(pick), ";", "utf-8-sig")}
    plain = {r["ars"]: r for r in _cells(exports.to_csv(pick), ",", "utf-8")}
    assert set(excel) == {'="091620000000"', '="09162"', '="01"', '="010010000000"'}
    assert set(plain) == {"091620000000", "09162", "01", "010010000000"}
    munich = excel['="091620000000"']
    assert munich["state_ars"] == '="09"' and munich["district_ars"] == '="09162"'
    assert munich["ags"] == '="09162000"'
    assert munich["postcode"] == f'="{by_key.loc["091620000000", "postcode"]}"'
    assert plain["091620000000"]["state_ars"] == "09" and plain["091620000000"]["ags"] == "09162000"
    assert munich["source_id"] == by_key.loc["091620000000", "source_id"]  # not a digit string: as it is
    text = exports.to_csv_excel(pick).decode("utf-8-sig")
    assert '"=""091620000000"""' in text  # standard CSV quoting of the formula
    assert "'=\"" not in text  # never prefixed by the neutraliser

    # only digit strings become formulas: other text in a key column is neutralised, never wrapped
    hostile = pick.assign(ars=['=HYPERLINK("http://x")', "01", "0916 2", "-1"])
    cells = [r["ars"] for r in _cells(exports.to_csv_excel(hostile), ";", "utf-8-sig")]
    assert cells == ["'=HYPERLINK(\"http://x\")", '="01"', "0916 2", "'-1"]
    grants = tagged(build, prov, "funding_grant")
    ids = {r["grant_id"] for r in _cells(exports.to_csv_excel(grants), ";", "utf-8-sig")}
    assert ids == set(grants["grant_id"])  # 'digitales_rathaus:0957…' is no digit string


def test_demo_label_is_one_text(prov: exports.Provenance) -> None:
    """The demo source names itself with the label the pages and every file show; the app holds the text once."""
    assert etl_demo.TITLE == exports.DEMO_LABEL
    holders = [p.name for p in (Path(__file__).resolve().parent.parent / "app").glob("*.py")
               if exports.DEMO_LABEL in p.read_text(encoding="utf-8")]
    assert holders == ["style.py"]
    demo = prov.sources[prov.sources["is_demo"]]
    assert not demo.empty
    assert (demo["attribution"] == exports.DEMO_LABEL).all()
    assert demo["title"].str.startswith(exports.DEMO_LABEL).all()


def test_xlsx_has_data_sources_and_stands(build: appdb.Db, prov: exports.Provenance) -> None:
    frame = tagged(build, prov, "v_digitales_amt")
    data = exports.to_xlsx(frame, prov, "Digitales Amt")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Daten", "Quellen und Lizenzen", "Stand"]
    sheet = book["Daten"]
    header = [c.value for c in sheet[1]]
    assert header == list(frame.columns)
    assert sheet.max_row == len(frame) + 1
    total_col = header.index("total") + 1
    numbers = [sheet.cell(row=r, column=total_col) for r in range(2, sheet.max_row + 1)]
    assert all(c.data_type == "n" for c in numbers)
    assert any(c.value is None for c in numbers) and any(isinstance(c.value, int) for c in numbers)
    back = read_xlsx(data, "Daten")
    expected = appdb.query(build, "SELECT ars, total, status, is_demo FROM v_digitales_amt")
    merged = back.merge(expected, on="ars", suffixes=("", "_db"))
    assert len(merged) == len(expected)
    assert (merged["status"] == merged["status_db"]).all()
    assert merged["total"].fillna(-1).eq(merged["total_db"].fillna(-1)).all()
    assert merged["is_demo"].eq(merged["is_demo_db"]).all()

    sources = read_xlsx(data, "Quellen und Lizenzen")
    assert {"Quelle (source_id)", "Lizenz", "Namensnennung", "Stand der Quelle"} <= set(sources.columns)
    used = {t.strip() for v in frame["source_id"] for t in v.split(";")}
    assert used <= set(sources["Quelle (source_id)"])
    stand = dict(read_xlsx(data, "Stand").itertuples(index=False, name=None))
    assert stand["Gebietsstand Gemeindeverzeichnis"] == prov.register_edition
    assert stand["Gebietsstand Grenzen (Gemeinden)"] == prov.boundary_editions["municipality"]
    assert stand["Datenstand (Build)"] == prov.build_date
    assert stand["Demodaten"] == exports.DEMO_LABEL


def test_parquet_keeps_values_and_carries_provenance_in_its_schema(build: appdb.Db,
                                                                  prov: exports.Provenance) -> None:
    frame = tagged(build, prov, "v_grant_effect")
    table = pq.read_table(io.BytesIO(exports.to_parquet(frame, prov, "Förderung und Fortschritt")))
    back = table.to_pandas()
    expected = appdb.download_table(build, "v_grant_effect")
    pd.testing.assert_frame_equal(back[list(expected.columns)], expected, check_dtype=False)
    meta = table.schema.metadata
    info = json.loads(meta[b"digitalmonitor"])
    assert info["register_edition"] == prov.register_edition
    assert info["boundary_editions"] == prov.boundary_editions
    assert info["build_date"] == prov.build_date
    assert info["contains_demo_data"] is bool(expected["is_demo"].any())
    assert {s["source_id"] for s in info["sources"]} >= {t.strip() for v in back["source_id"] for t in v.split(";")}
    assert meta[b"build_date"].decode() == prov.build_date
    assert meta[b"attribution"]


def test_geojson_has_the_region_shapes_and_top_level_provenance(build: appdb.Db, prov: exports.Provenance) -> None:
    regions = tagged(build, prov, "region")
    pick = regions[(regions["state_ars"] == "09") & regions["level"].isin(["district", "municipality"])
                   & regions["has_shape"]].head(300).reset_index(drop=True)
    shapes = appdb.region_shapes(build, pick["ars"].tolist())
    data = exports.to_geojson(pick, prov, shapes, "Regionen")
    gdf = gpd.read_file(io.BytesIO(data))
    assert len(gdf) == len(pick)
    assert gdf["ars"].tolist() == pick["ars"].tolist()
    assert gdf.geometry.notna().all()
    wkb = appdb.query(build, """
        SELECT ars, geometry FROM region_shape
        WHERE ars IN (SELECT unnest($keys))
          AND level = CASE length(ars) WHEN 5 THEN 'district' ELSE 'municipality' END""",
                      {"keys": pick["ars"].tolist()}).set_index("ars")["geometry"]
    for key, geom in zip(gdf["ars"], gdf.geometry, strict=True):
        assert geom.equals_exact(shapely.from_wkb(bytes(wkb[key])), tolerance=1e-9)
    assert gdf["geometry_attribution"].str.startswith("© GeoBasis-DE / BKG").all()
    editions = [str(v)[:10] for v in gdf["boundary_edition"]]  # the reader may parse ISO dates
    assert editions == [prov.boundary_editions["district" if len(a) == 5 else "municipality"] for a in pick["ars"]]
    top = json.loads(data)["properties"]
    assert top["register_edition"] == prov.register_edition
    assert top["boundary_editions"] == prov.boundary_editions
    assert "GeoBasis-DE" in top["geometry_attribution"]
    assert "Destatis" in top["attribution"]


def test_geojson_rows_without_a_shape_keep_their_data(build: appdb.Db, prov: exports.Provenance) -> None:
    frame = pd.DataFrame({"ars": ["095640000000", "099999999999"], "value": [1.5, 2.5]})
    frame = exports.with_provenance(frame, prov, ("register",), is_demo=False)
    shapes = appdb.region_shapes(build, frame["ars"].tolist())
    collection = json.loads(exports.to_geojson(frame, prov, shapes, "Test"))
    assert [f["geometry"] is None for f in collection["features"]] == [False, True]
    assert [f["properties"]["value"] for f in collection["features"]] == [1.5, 2.5]


# --------------------------------------------------------------------------------------------- provenance

@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_every_format_carries_source_licence_and_demo_flag(build: appdb.Db, prov: exports.Provenance,
                                                          fmt: str) -> None:
    frame = tagged(build, prov, "v_digitales_amt")
    shapes = appdb.region_shapes(build, frame["ars"].tolist()) if fmt == "geojson" else None
    back = read_back(fmt, exports.build(fmt, frame, prov, "Digitales Amt", shapes))
    assert set(PROVENANCE) <= set(back.columns)
    assert back["attribution"].notna().all() and (back["attribution"].astype(str).str.len() > 0).all()
    assert back["licence"].notna().all()
    expected = appdb.query(build, "SELECT ars, is_demo FROM v_digitales_amt")
    merged = back[["ars", "is_demo", "source_id", "attribution"]].merge(expected, on="ars", suffixes=("", "_db"))
    assert len(merged) == len(expected)
    assert merged["is_demo"].astype(bool).eq(merged["is_demo_db"]).all()
    demo_source = prov.sources[prov.sources["is_demo"]]["source_id"].tolist()
    real = merged[~merged["is_demo_db"]]
    assert not real["source_id"].str.contains("|".join(demo_source) or "^$", regex=True).any()
    if demo_source:
        demo_rows = merged[merged["is_demo_db"]]
        assert demo_rows["source_id"].str.contains(demo_source[0], regex=False).all()
        assert demo_rows["attribution"].str.contains(exports.DEMO_LABEL, regex=False).all()


@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_every_format_labels_its_demo_rows(build: appdb.Db, prov: exports.Provenance, fmt: str) -> None:
    """Each demo row carries the demo label in `demo_note`; real rows carry none."""
    frame = tagged(build, prov, "v_digitales_amt")
    assert frame["is_demo"].any() and not frame["is_demo"].all()
    shapes = appdb.region_shapes(build, frame["ars"].tolist()) if fmt == "geojson" else None
    back = read_back(fmt, exports.build(fmt, frame, prov, "Digitales Amt", shapes))
    flags = back["is_demo"].astype(bool)
    assert len(back) == len(frame) and flags.sum() == frame["is_demo"].sum()
    assert (back.loc[flags, "demo_note"] == exports.DEMO_LABEL).all()
    assert back.loc[~flags, "demo_note"].isna().all()


@pytest.mark.parametrize("name", list(appdb.DOWNLOADABLE))
def test_every_table_names_its_sources_in_every_row(build: appdb.Db, prov: exports.Provenance, name: str) -> None:
    if name not in appdb.downloadable(build):
        pytest.skip(f"{name} is not in this build")
    frame = tagged(build, prov, name)
    assert len(frame) == len(appdb.download_table(build, name))
    for col in (*PROVENANCE, "register_edition", "build_date"):
        assert col in frame.columns, col
    if frame.empty:
        return
    assert frame["source_id"].astype(str).str.len().gt(0).all(), name
    assert frame["attribution"].notna().all(), name
    assert frame["is_demo"].dtype == bool
    back = read_back("csv_excel", exports.to_csv_excel(frame))
    assert len(back) == len(frame)
    assert back["is_demo"].astype(bool).tolist() == frame["is_demo"].tolist()


def test_derived_rows_name_the_facts_about_their_region(build: appdb.Db, prov: exports.Provenance) -> None:
    frame = tagged(build, prov, "v_digitales_amt").set_index("ars")
    facts = appdb.query(build, """
        SELECT ars, source_id FROM certification UNION SELECT ars, source_id FROM procedure_snapshot""")
    real_facts = facts[~facts["source_id"].str.startswith("demo")]
    assert not real_facts.empty, "the build should hold reference facts"
    register = prov.sources[(prov.sources["kind"] == "register")
                            & (prov.sources["edition"] == prov.register_edition)]["source_id"].iloc[0]
    for key, group in real_facts.groupby("ars"):
        if key not in frame.index:
            continue
        ids = set(frame.loc[key, "source_id"].split("; "))
        assert set(group["source_id"]) <= ids, key
        assert register in ids


def test_roll_up_rows_name_the_facts_of_the_regions_inside(build: appdb.Db, prov: exports.Provenance) -> None:
    facts = appdb.fact_sources(build, ["procedure_snapshot"])
    real = facts[~facts["source_id"].str.startswith("demo")]
    key = real["ars"].iloc[0]
    frame = pd.DataFrame({"ars": [key[:5], key[:2], "01"], "value": [1, 2, 3], "is_demo": [False, False, False]})
    out = exports.with_provenance(frame, prov, ("register", "reference"), facts=facts, by_prefix=True)
    inside = set(real[real["ars"].str.startswith(key[:5])]["source_id"])
    assert inside <= set(out["source_id"].iloc[0].split("; "))
    assert inside <= set(out["source_id"].iloc[1].split("; "))
    assert not inside & set(out["source_id"].iloc[2].split("; "))


def _named_by_rows(tagged_rows: pd.DataFrame) -> set[str]:
    return {t.strip() for v in tagged_rows["source_id"].dropna().astype(str) for t in v.split(";")}


@pytest.mark.parametrize("name", ["v_digitales_amt", "v_ranks", "v_rollup", "v_municipality_map", "funding_grant",
                                  "region", "broadband"])
def test_a_caption_counts_the_sources_its_download_names(build: appdb.Db, prov: exports.Provenance,
                                                         name: str) -> None:
    """source_tokens (the captions' attribution, without tagging every row) names exactly the sources that
    with_provenance writes into the download's rows: for all rows, a few rows, one demo and one real row."""
    spec = appdb.DOWNLOADABLE[name]
    frame = appdb.download_table(build, name)
    facts = appdb.fact_sources(build, spec.facts) if spec.facts and "source_id" not in frame.columns else None
    parts = [frame, frame.head(3), frame.tail(1)]
    if "is_demo" in frame.columns:
        parts += [frame[frame["is_demo"].fillna(False).astype(bool)].head(1),
                  frame[~frame["is_demo"].fillna(False).astype(bool)].head(1)]
    for part in parts:
        for is_demo in (None, True, False):
            tagged_rows = exports.with_provenance(part, prov, spec.kinds, is_demo, facts=facts,
                                                  by_prefix=spec.by_prefix)
            assert exports.source_tokens(part, prov, spec.kinds, is_demo, facts=facts, by_prefix=spec.by_prefix) == (
                _named_by_rows(tagged_rows)), (name, len(part), is_demo)
    for kinds in (None, ("register",), ("demo", "register")):  # build metadata; rows credited to their kinds
        plain = frame.drop(columns=[c for c in ("source_id", "ars") if c in frame.columns]).head(4)
        assert exports.source_tokens(plain, prov, kinds) == _named_by_rows(
            exports.with_provenance(plain, prov, kinds)), (name, kinds)


# --------------------------------------------------------------------------------------------- injection

def test_neutraliser_on_a_database_frame(build: appdb.Db) -> None:
    ranks = appdb.query(build, "SELECT * FROM v_ranks ORDER BY ars LIMIT 5")
    injected = ranks.copy()
    injected.loc[0, "group_key"] = "=1+1"
    injected.loc[1, "group_key"] = "\tcmd"
    injected.loc[2, "group_key"] = "\r=2"
    injected["rank_change"] = [-3, 2, -1, None, 0]
    out = exports.neutralise(injected)
    assert out["group_key"].tolist()[:3] == ["'=1+1", "'\tcmd", "'\r=2"]
    assert out["group_key"].tolist()[3:] == ranks["group_key"].tolist()[3:]
    assert out["rank_change"].tolist()[:3] == [-3, 2, -1]
    assert pd.api.types.is_numeric_dtype(out["rank_change"])


def test_negative_rank_changes_stay_numbers(build: appdb.Db, prov: exports.Provenance) -> None:
    ranks = appdb.query(build, "SELECT * FROM v_ranks WHERE rank_change IS NOT NULL ORDER BY rank_change LIMIT 50")
    ranks.loc[0, "rank_change"] = -3
    frame = exports.with_provenance(ranks, prov, ("register", "demo", "reference"), is_demo=None)
    text = exports.to_csv_excel(frame).decode("utf-8-sig")
    assert ";-3;" in text and ";'-3;" not in text
    back = read_back("csv_excel", exports.to_csv_excel(frame))
    assert back["rank_change"].dtype.kind in "if" and back["rank_change"].iloc[0] == -3
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(frame, prov)))["Daten"]
    col = [c.value for c in sheet[1]].index("rank_change") + 1
    cell = sheet.cell(row=2, column=col)
    assert cell.value == -3 and cell.data_type == "n"


def test_formula_injection_from_an_import_comes_out_neutralised(import_build: BuildReport) -> None:
    build = handle(import_build.published)
    prov = exports.provenance_from(appdb.build_info(build), appdb.source_table(build))
    grants = tagged(build, prov, "funding_grant")
    imported = grants[grants["source_id"].str.startswith("import")].set_index("ars")
    assert set(imported.index) == set(INJECTIONS), "the analyst file should load every row"
    assert dict(imported["purpose"]) == INJECTIONS  # stored as given, neutralised on the way out

    for fmt in ("csv_excel", "csv"):
        data = exports.build(fmt, grants, prov, "Förderbescheide")
        back = read_back(fmt, data).set_index("ars")
        for key, purpose in INJECTIONS.items():
            assert back.loc[key, "purpose"] == "'" + purpose
            assert back.loc[key, "amount_eur"] == imported.loc[key, "amount_eur"]
    text = exports.to_csv_excel(grants).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ';"=HYPERLINK' not in text

    data = exports.to_xlsx(grants, prov, "Förderbescheide")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Daten"]
    header = [c.value for c in sheet[1]]
    purpose_col, amount_col, ars_col = (header.index(c) for c in ("purpose", "amount_eur", "ars"))
    found = 0
    for row in sheet.iter_rows(min_row=2):
        if row[ars_col].value in INJECTIONS:
            found += 1
            assert row[purpose_col].data_type == "s"  # text, never a formula
            assert row[purpose_col].value == "'" + INJECTIONS[row[ars_col].value]
            assert row[amount_col].data_type == "n"
    assert found == len(INJECTIONS)
    # Parquet keeps the value as given (not a spreadsheet format)
    back = read_back("parquet", exports.to_parquet(grants, prov)).set_index("ars")
    assert back.loc["095640000000", "purpose"] == INJECTIONS["095640000000"]


# --------------------------------------------------------------------------------------------- full ZIP

def test_full_zip_holds_every_table_with_a_readme(build: appdb.Db, prov: exports.Provenance) -> None:
    data = downloads.full_zip(build)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    readme = archive.read("README.txt").decode("utf-8")
    for key, value in prov.stands().items():
        assert f"{key}: {value}" in readme
    assert "© Statistisches Bundesamt (Destatis), 2025" in readme
    assert "dl-de/by-2-0" in readme
    assert exports.DEMO_LABEL in readme
    assert "50/30" in readme  # the method notes
    for name, spec in appdb.downloadable(build).items():
        fname = exports.file_name(name, prov, "csv")
        if not spec.in_full_zip:  # too large (pvog_service): offered on its own only
            assert f"csv/{fname}" not in names
            continue
        assert f"csv/{fname}" in names and f"csv_excel/{fname}" in names
        assert f"{fname}: {len(appdb.download_table(build, name))} Zeilen" in readme
    region = pd.read_csv(io.BytesIO(archive.read(f"csv_excel/{exports.file_name('region', prov, 'csv')}")), sep=";",
                         decimal=",", encoding="utf-8-sig", dtype={"ars": str})
    expected = appdb.download_table(build, "region")
    assert region["ars"].tolist() == [f'="{a}"' for a in expected["ars"]]
    plain = pd.read_csv(io.BytesIO(archive.read(f"csv/{exports.file_name('region', prov, 'csv')}")), dtype={"ars": str})
    assert plain["ars"].tolist() == expected["ars"].tolist()
    assert set(PROVENANCE) <= set(region.columns)
    assert '="091620000000"' in readme  # the key format of csv_excel/ is explained
