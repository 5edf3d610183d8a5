"""The bytes of each download format (CSV for German Excel, CSV, XLSX, Parquet, GeoJSON) and the file names;
text that a spreadsheet would run as a formula is neutralised, keys stay text in Excel."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import date, datetime

import pandas as pd

from app.exports.headers import PRECISION_FORMATS, dates_beside_precision, german, precision_column, with_ags
from app.exports.provenance import Provenance, _join, used_sources, with_demo_licence
from app.figures.layout import MAP_CONFIG
from app.frames import missing
from app.style import DEMO_LABEL  # the one demo label of pages, figures and files
from core.measures import MEASURES

PREFIX = "digitalmonitor"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# key columns (by name) that the CSV for Excel writes as ="…" text when their value is a digit string
KEY_COLUMNS = frozenset({"ars", "ags", "postcode", "inherited_from", "group_key"})


KEY_SUFFIXES = ("_ars", "_ags", "_id")


_DIGITS = re.compile(r"[0-9]+")


FORMATS: dict[str, tuple[str, str, str]] = {
    # key: (button label, file extension, MIME type)
    "csv_excel": ("CSV für Excel", "csv", "text/csv"),  # file name with "_excel" (see download_name)
    "csv": ("CSV (UTF-8)", "csv", "text/csv"),
    "xlsx": ("Excel (XLSX)", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "parquet", "application/vnd.apache.parquet"),
    "geojson": ("GeoJSON", "geojson", "application/geo+json"),
}


_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def slug(name: str) -> str:
    """'Förderung Kreise' -> 'foerderung_kreise' (ASCII, safe in every file system)."""
    text = name.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "daten"


def file_name(name: str, prov: Provenance, ext: str, variant: str = "") -> str:
    """digitalmonitor_<name>[_<variant>]_<build date>.<ext>."""
    middle = f"{slug(name)}_{slug(variant)}" if variant else slug(name)
    return f"{PREFIX}_{middle}_{prov.build_date or 'ohne-datum'}.{ext}"


def download_name(name: str, prov: Provenance, fmt: str) -> str:
    """The file name of one download format; the two CSV variants differ by '_excel'."""
    return file_name(name, prov, FORMATS[fmt][1], "excel" if fmt == "csv_excel" else "")


def png_config(name: str, prov: Provenance, scale: int = 2) -> dict:
    """plotly config: the modebar camera saves a PNG in the browser under a German file name (and a map finds
    its base map topology on our server)."""
    return {
        **MAP_CONFIG,
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": file_name(name, prov, "png")[:-4], "scale": scale},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def neutralise_text(value: object) -> object:
    """"=HYPERLINK(...)" -> "'=HYPERLINK(...)"; anything that is not a string is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text cell (and header) against spreadsheet formula injection; numbers stay numbers."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[col] = series.map(neutralise_text, na_action="ignore")
    out.columns = [neutralise_text(str(c)) for c in out.columns]
    return out


def is_key_column(name: object) -> bool:
    """Whether a column holds region keys or identifiers (ars, ags, state_ars, postcode, grant_id, …)."""
    text = str(name)
    return text in KEY_COLUMNS or text.endswith(KEY_SUFFIXES)


def excel_key_text(value: object) -> object:
    """'091620000000' -> '="091620000000"' (Excel shows the text as it is); anything but a digit string unchanged."""
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return f'="{value}"'
    return value


def excel_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Digit-string values of key columns as ="…" text formulas, for the CSV for Excel only."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if is_key_column(col) and (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            out[col] = series.map(excel_key_text, na_action="ignore")
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts (DuckDB LIST/STRUCT) as JSON text, so every format can hold them."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) and out[col].map(lambda v: isinstance(v, (list, dict))).any():
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False, default=str)
                                    if isinstance(v, (list, dict)) else v)
    return out


def to_csv_excel(frame: pd.DataFrame, german_headers: bool = False) -> bytes:
    """CSV for German Excel: UTF-8 with BOM, `;` between fields, decimal comma, keys as ="…" text; with
    `german_headers` German column headers and precisions (the page downloads; the full ZIP keeps machine names).

    The keys are wrapped after neutralising: the neutraliser never sees (or prefixes) the generated formulas.
    """
    out = excel_keys(neutralise(_plain(_german_dates(frame))))
    out = german(out) if german_headers else out
    text = out.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


# the Excel number format of a date (_date_formats) as text German Excel reads back: 29.07.2021, 07.2021, 2021
EXCEL_FORMAT_TEXT = {"DD.MM.YYYY": "%d.%m.%Y", "MM.YYYY": "%m.%Y", "YYYY": "%Y", "DD.MM.YYYY HH:MM": "%d.%m.%Y %H:%M"}


def _german_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as German text for the CSV für Excel, each as precise as its precision column says (a date
    known to the year is '2021', never 01.01.2021); times kept as 29.07.2021 14:05."""
    formats = _date_formats(frame)
    if not formats:
        return frame
    out = frame.copy()
    for pos, row_formats in formats.items():
        col = out.columns[pos]
        stamps = pd.to_datetime(out[col], errors="coerce")
        texts = ["" if pd.isna(t) else t.strftime(EXCEL_FORMAT_TEXT[f]) for t, f in zip(stamps, row_formats,
                                                                                          strict=True)]
        out[col] = pd.Series(texts, index=out.index, dtype=object).where(stamps.notna(), None)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """Plain CSV: UTF-8, `,`, decimal point."""
    # CRLF as in RFC 4180: a text holding a bare carriage return is then quoted, not split into two rows
    return neutralise(_plain(frame)).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _excel_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot hold time zones or control characters: UTC without zone, control characters removed."""
    out = _plain(frame)
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[col] = series.map(lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v,
                                  na_action="ignore")
    return neutralise(out)


def _source_sheet(sources: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("source_id", "title", "publisher", "url", "file", "edition", "retrieved_at", "licence",
                        "attribution", "kind", "is_demo") if c in sources.columns]
    sources = with_demo_licence(sources)
    names = {"source_id": "Quelle (source_id)", "title": "Titel", "publisher": "Herausgeber", "url": "URL",
             "file": "Datei", "edition": "Stand der Quelle", "retrieved_at": "abgerufen", "licence": "Lizenz",
             "attribution": "Namensnennung", "kind": "Art", "is_demo": "Demodaten"}
    return sources[cols].rename(columns=names)


def _stand_sheet(prov: Provenance, title: str, demo: bool) -> pd.DataFrame:
    rows = [("Titel", title), *prov.stands().items(),
            ("Hinweis", "Jede Zeile nennt ihre Quelle, Lizenz und ob sie Demodaten enthält "
                        "(Spalten source_id, attribution, licence, is_demo; Demozeilen zusätzlich demo_note).")]
    if demo:
        rows.append(("Demodaten", DEMO_LABEL))
    return pd.DataFrame(rows, columns=["Angabe", "Wert"])


def _date_formats(frame: pd.DataFrame) -> dict[int, list[str]]:
    """Column position -> the Excel number format of each row's date: as precise as its precision column
    says (TT.MM.JJJJ, MM.JJJJ, JJJJ), else the day (with the time where one is given)."""
    out: dict[int, list[str]] = {}
    for pos, col in enumerate(frame.columns):
        values = frame[col]
        if not (pd.api.types.is_datetime64_any_dtype(values) or (pd.api.types.is_object_dtype(values) and values.map(
                lambda v: isinstance(v, (date, datetime))).any())):
            continue
        prec = precision_column(frame, str(col))
        stamps = pd.to_datetime(values, errors="coerce")
        timed = bool((stamps.dropna() != stamps.dropna().dt.normalize()).any())
        fallback = "DD.MM.YYYY HH:MM" if timed else PRECISION_FORMATS["day"]
        precisions = frame[prec] if prec is not None else [None] * len(frame)
        out[pos] = [PRECISION_FORMATS.get(p, fallback) if isinstance(p, str) else fallback for p in precisions]
    return out


def to_xlsx(frame: pd.DataFrame, prov: Provenance, title: str = "Daten", german_headers: bool = False) -> bytes:
    """XLSX with the data, a sheet of sources and licences, and a sheet with the stands (and the title, which
    names the filter, also as the workbook's title). Dates are date cells formatted as precisely as known."""
    buf = io.BytesIO()
    demo = bool("is_demo" in frame.columns and frame["is_demo"].fillna(False).astype(bool).any())
    cells = _excel_cells(frame)
    formats = _date_formats(cells)
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        (german(cells) if german_headers else cells).to_excel(writer, sheet_name="Daten", index=False,
                                                              freeze_panes=(1, 0))
        writer.book.properties.title = title
        data_sheet = writer.sheets["Daten"]
        for pos, fmts in formats.items():
            for row, fmt in enumerate(fmts, start=2):
                data_sheet.cell(row=row, column=pos + 1).number_format = fmt
        _excel_cells(_source_sheet(used_sources(frame, prov))).to_excel(
            writer, sheet_name="Quellen und Lizenzen", index=False, freeze_panes=(1, 0))
        _excel_cells(_stand_sheet(prov, title, demo)).to_excel(writer, sheet_name="Stand", index=False)
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.value == "":
                        cell.value = None  # missing values as empty cells, not as empty text
            for column in sheet.columns:
                width = max((len(str(c.value)) for c in column[:200] if c.value is not None), default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
    return buf.getvalue()


def metadata(frame: pd.DataFrame, prov: Provenance, title: str) -> dict:
    """The provenance of a file as a JSON-ready dict (Parquet schema metadata, GeoJSON properties)."""
    used = with_demo_licence(used_sources(frame, prov))
    cols = [c for c in ("source_id", "title", "publisher", "url", "edition", "retrieved_at", "licence",
                        "attribution", "is_demo") if c in used.columns]
    sources = json.loads(used[cols].to_json(orient="records", date_format="iso", force_ascii=False))
    demo = bool("is_demo" in frame.columns and frame["is_demo"].fillna(False).astype(bool).any())
    return {
        "title": title,
        "publisher": "Digitalmonitor Kommunen",
        "build_id": prov.build_id,
        "build_date": prov.build_date,
        "register_edition": prov.register_edition,
        "boundary_editions": prov.boundary_editions,
        "attribution": _join(used["attribution"]) if "attribution" in used.columns else "",
        "licence": _join(used["licence"]) if "licence" in used.columns else "",
        "contains_demo_data": demo,
        "demo_note": DEMO_LABEL if demo else "",
        "sources": sources,
    }


def to_parquet(frame: pd.DataFrame, prov: Provenance, title: str = "Daten") -> bytes:
    """Parquet; the provenance lives in the schema metadata (key `digitalmonitor`, plus plain keys)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_plain(frame), preserve_index=False)
    meta = metadata(frame, prov, title)
    extra = {
        b"digitalmonitor": json.dumps(meta, ensure_ascii=False, default=str).encode(),
        b"attribution": meta["attribution"].encode(),
        b"licence": meta["licence"].encode(),
        b"build_date": prov.build_date.encode(),
        b"register_edition": prov.register_edition.encode(),
        b"boundary_editions": json.dumps(prov.boundary_editions).encode(),
        b"contains_demo_data": str(meta["contains_demo_data"]).lower().encode(),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _json_value(value: object) -> object:
    if missing(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[no-any-return]
    return value


def to_geojson(frame: pd.DataFrame, prov: Provenance, shapes: pd.DataFrame, title: str = "Daten") -> bytes:
    """GeoJSON FeatureCollection (EPSG:4326) with the region shape of each row's `ars`.

    `shapes` has columns ars, level, geometry (WKB) and attribution. Each feature carries the row's
    values plus `geometry_attribution`; the collection's top-level `properties` hold the provenance.
    Rows without a shape get `"geometry": null`.
    """
    import shapely

    data = _plain(frame)
    geom_by_ars: dict[str, object] = {}
    attribution_by_ars: dict[str, str] = {}
    if not shapes.empty:
        for a, g, attr in zip(shapes["ars"], shapes["geometry"], shapes["attribution"], strict=True):
            geom_by_ars[a] = g
            attribution_by_ars[a] = attr
    keys = data["ars"].tolist() if "ars" in data.columns else [None] * len(data)
    wkbs = [geom_by_ars.get(k) for k in keys]
    present = [bytes(w) for w in wkbs if w is not None]
    parsed = iter(shapely.to_geojson(shapely.from_wkb(present)).tolist()) if present else iter(())
    columns = list(data.columns)
    features = []
    for row, key, wkb in zip(data.itertuples(index=False, name=None), keys, wkbs, strict=True):
        props = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
        props["geometry_attribution"] = attribution_by_ars.get(key) if key is not None else None
        geometry = json.loads(next(parsed)) if wkb is not None else None
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    meta = metadata(frame, prov, title)
    meta["geometry_attribution"] = _join(attribution_by_ars.values())
    meta["crs"] = "EPSG:4326"
    collection = {"type": "FeatureCollection", "name": slug(title), "properties": meta, "features": features}
    return json.dumps(collection, ensure_ascii=False, default=str).encode("utf-8")


def rounded_as_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Measure columns (named by their catalogue key) rounded to the decimals the pages show: 11,5 instead of
    11,474306760633212 in the CSV and XLSX files; Parquet and GeoJSON keep full precision."""
    out = frame
    for col in frame.columns:
        spec = MEASURES.get(str(col))
        if spec is not None and pd.api.types.is_float_dtype(frame[col]):
            out = out if out is not frame else frame.copy()
            out[col] = frame[col].round(spec.decimals)
    return out


def build(fmt: str, frame: pd.DataFrame, prov: Provenance, title: str,
          shapes: pd.DataFrame | None = None) -> bytes:
    """The bytes of one download format for a frame that already carries its provenance columns."""
    frame = dates_beside_precision(with_ags(frame))  # the AGS beside the ARS, each precision beside its date
    if fmt == "csv_excel":
        return to_csv_excel(rounded_as_shown(frame), german_headers=True)
    if fmt == "csv":
        return to_csv(rounded_as_shown(frame))
    if fmt == "xlsx":
        return to_xlsx(rounded_as_shown(frame), prov, title, german_headers=True)
    if fmt == "parquet":
        return to_parquet(frame, prov, title)
    if fmt == "geojson":
        return to_geojson(frame, prov, shapes if shapes is not None else pd.DataFrame(), title)
    raise ValueError(f"unknown format {fmt!r}")
