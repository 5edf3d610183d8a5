"""Download builders: pure functions from DataFrames to the bytes of a download (no database, no Streamlit).

Every file carries its provenance: each row gets `source_id`, `attribution`, `licence`, `source_edition`
and `is_demo` (joined from the `source` table, or – for derived views without a row source – the
sources of the kinds that feed the view), plus the stands of the build (`register_edition`,
`boundary_edition`, `build_date`). Parquet repeats them in its schema metadata, GeoJSON in top-level
`properties`, XLSX on the sheets "Quellen und Lizenzen" and "Stand", the full ZIP in README.txt.

CSV and XLSX are opened by spreadsheet programs: a text cell starting with `=`, `+`, `-`, `@`, tab or
carriage return is prefixed with an apostrophe so that it is never run as a formula. Numbers stay numbers.
The CSV for Excel writes key columns (ars, ags, *_ars, postcode, …) whose value is a digit string as the
text formula ="091620000000", generated here from digits only: Excel would otherwise turn 091620000000
into 9,162E+10 and drop the leading zero of 01–09. The plain CSV keeps the keys as they are.

Every row also gets `demo_note`: the demo label on demo rows, empty otherwise, so a file that leaves the
dashboard says on every demo row that its values are synthetic.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from app.style import DEMO_LABEL  # the one demo label of pages, figures and files

PREFIX = "digitalmonitor"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# column appended to every download, in this order
PROVENANCE_COLUMNS = ("source_id", "attribution", "licence", "source_edition", "is_demo", "demo_note",
                      "register_edition", "boundary_edition", "build_date")

# key columns (by name) that the CSV for Excel writes as ="…" text when their value is a digit string
KEY_COLUMNS = frozenset({"ars", "ags", "postcode", "inherited_from", "group_key"})
KEY_SUFFIXES = ("_ars", "_ags", "_id")
_DIGITS = re.compile(r"[0-9]+")

# the level of a region key by its natural length (see docs/DATA_MODEL.md)
LEVEL_BY_KEY_LENGTH = {2: "state", 3: "gov_district", 5: "district", 9: "association", 12: "municipality"}

# source kinds that feed a view whose rows carry no source of their own
DERIVED_KINDS = ("register", "reference", "import", "demo")

# metadata tables the build writes itself (no source file behind them)
PROJECT_SOURCE = {
    "source_id": "digitalmonitor",
    "attribution": "Digitalmonitor Kommunen (Build-Metadaten)",
    "licence": "Metadaten des Builds; Lizenzen der Quellen siehe Quellenverzeichnis",
}

FORMATS: dict[str, tuple[str, str, str]] = {
    # key: (button label, file extension, MIME type)
    "csv_excel": ("CSV für Excel", "csv", "text/csv"),  # file name with "_excel" (see download_name)
    "csv": ("CSV (UTF-8)", "csv", "text/csv"),
    "xlsx": ("Excel (XLSX)", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "parquet": ("Parquet", "parquet", "application/vnd.apache.parquet"),
    "geojson": ("GeoJSON", "geojson", "application/geo+json"),
}

_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Provenance:
    """What a download says about itself: build, stands and the source table."""

    build_id: str
    built_at: str
    register_edition: str
    boundary_editions: dict[str, str] = field(default_factory=dict)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def build_date(self) -> str:
        """The build day as YYYY-MM-DD ('' unless build_info holds one: it goes into file names)."""
        day = str(self.built_at)[:10]
        return day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day, flags=re.ASCII) else ""

    @property
    def demo(self) -> bool:
        """Whether the build holds demo data."""
        return bool(not self.sources.empty and self.sources["is_demo"].fillna(False).astype(bool).any())

    def stands(self) -> dict[str, str]:
        """The stands of the build as German key/value pairs."""
        out = {"Build": self.build_id, "Datenstand (Build)": self.build_date,
               "Gebietsstand Gemeindeverzeichnis": self.register_edition}
        for level, edition in self.boundary_editions.items():
            out[f"Gebietsstand Grenzen ({LEVEL_LABELS_DE.get(level, level)})"] = edition
        return out


LEVEL_LABELS_DE = {"state": "Länder", "gov_district": "Regierungsbezirke", "district": "Kreise",
                   "association": "Gemeindeverbände", "municipality": "Gemeinden"}


def provenance_from(info: Mapping[str, str], sources: pd.DataFrame) -> Provenance:
    """Provenance from the `build_info` key/values and the `source` table."""
    levels = tuple(LEVEL_BY_KEY_LENGTH.values())
    return Provenance(
        build_id=str(info.get("build_id", "")),
        built_at=str(info.get("built_at", "")),
        register_edition=str(info.get("register_edition", "")),
        boundary_editions={lvl: str(info[f"{lvl}_boundary_edition"]) for lvl in levels
                           if f"{lvl}_boundary_edition" in info},
        sources=sources.reset_index(drop=True),
    )


# ------------------------------------------------------------------------------------------------
# names
# ------------------------------------------------------------------------------------------------

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
    """plotly config: the modebar camera saves a PNG in the browser under a German file name."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": file_name(name, prov, "png")[:-4], "scale": scale},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


# ------------------------------------------------------------------------------------------------
# provenance columns
# ------------------------------------------------------------------------------------------------

def _join(values: Iterable[object]) -> str:
    seen: list[str] = []
    for v in values:
        if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
            continue
        s = str(v)
        if s and s not in seen:
            seen.append(s)
    return "; ".join(seen)


def _sources_of_kinds(prov: Provenance, kinds: Iterable[str], demo: bool) -> pd.DataFrame:
    """The sources of the given kinds (register: its newest edition; demo sources only for demo rows)."""
    src = prov.sources
    if src.empty:
        return src
    kinds = tuple(kinds)
    pick = src["kind"].isin(kinds)
    if "register" in kinds and prov.register_edition:
        pick &= (src["kind"] != "register") | (src["edition"].astype(str) == prov.register_edition)
    if not demo:
        pick &= ~src["is_demo"].fillna(False).astype(bool)
    return src[pick]


def _source_lookup(prov: Provenance) -> dict[str, dict[str, object]]:
    """source_id -> attribution (or its title when none is given), licence, edition, dataset, is_demo."""
    out: dict[str, dict[str, object]] = {}
    for row in prov.sources.to_dict("records"):
        attribution = row.get("attribution")
        if attribution is None or (isinstance(attribution, float) and pd.isna(attribution)) or not str(attribution):
            attribution = row.get("title")
        licence = row.get("licence")
        if licence is None or (isinstance(licence, float) and pd.isna(licence)) or not str(licence):
            licence = "nicht angegeben"
        out[str(row["source_id"])] = {"attribution": attribution, "licence": licence,
                                      "edition": row.get("edition"), "dataset": row.get("dataset"),
                                      "is_demo": bool(row.get("is_demo") or False)}
    return out


def summary(sources: pd.DataFrame, per_dataset: int = 2) -> tuple[list[str], list[str]]:
    """(attributions, licences) of a set of sources, short enough for a caption or a figure: a dataset
    with more than `per_dataset` attributions (e.g. one press report per row) is named by its count."""
    if sources.empty:
        return [], []
    names: list[str] = []
    for dataset, group in sources.groupby("dataset", sort=False, dropna=False):
        attrs = list(dict.fromkeys(str(a) for a in group["attribution"].fillna(group["title"]).dropna()))
        if len(attrs) > per_dataset:
            names.append(f"{len(attrs)} Einzelquellen ({dataset}), Nachweis je Zeile in den Daten")
        else:
            names.extend(attrs)
    licences = sources["licence"].dropna().astype(str) if "licence" in sources.columns else pd.Series(dtype=str)
    return list(dict.fromkeys(names)), list(dict.fromkeys(licences))


def with_provenance(frame: pd.DataFrame, prov: Provenance, kinds: Iterable[str] | None = DERIVED_KINDS,
                    is_demo: bool | None = None, facts: pd.DataFrame | None = None,
                    by_prefix: bool = False) -> pd.DataFrame:
    """The frame with the provenance columns appended (existing ones are kept, not overwritten).

    - Rows with a `source_id` get the attribution, licence and edition of that source.
    - Rows of a derived view keyed on `ars` get the sources of the facts about that region (`facts`:
      ars, source_id; with `by_prefix` every fact whose key starts with the row's key, for roll-ups;
      a row with `inherited_from` also its Verwaltungsgemeinschaft's), plus the register (and
      boundaries) among `kinds`. Demo sources count only for demo rows.
    - Other derived rows get the sources of `kinds`; `kinds=None` marks build metadata (load log,
      dictionary) whose source is the build itself.
    Without an `is_demo` column the flag is `is_demo`, or – when not given – whether any demo source
    feeds the frame.
    """
    out = frame.copy()
    lookup = _source_lookup(prov)
    if "is_demo" not in out.columns:
        if is_demo is None:
            feeding = _sources_of_kinds(prov, kinds, True) if kinds is not None else pd.DataFrame()
            is_demo = bool(not feeding.empty and feeding["is_demo"].fillna(False).astype(bool).any())
        out["is_demo"] = bool(is_demo)
    out["is_demo"] = out["is_demo"].astype("boolean").fillna(False).astype(bool)
    if "demo_note" not in out.columns:
        out["demo_note"] = [DEMO_LABEL if d else None for d in out["is_demo"]]

    def describe(ids: Iterable[str]) -> dict[str, str]:
        known = [lookup[i] for i in ids if i in lookup]
        return {"attribution": _join(k["attribution"] for k in known), "licence": _join(k["licence"] for k in known),
                "source_edition": _join(k["edition"] for k in known)}

    if "source_id" in out.columns:
        cache = {sid: describe([sid]) for sid in out["source_id"].dropna().astype(str).unique()}
        for col in ("attribution", "licence", "source_edition"):
            if col not in out.columns:
                out[col] = [cache[str(s)][col] if isinstance(s, str) else None for s in out["source_id"]]
    elif kinds is None:
        for col, value in PROJECT_SOURCE.items():
            if col not in out.columns:
                out[col] = value
        if "source_edition" not in out.columns:
            out["source_edition"] = prov.build_date
    elif facts is not None and "ars" in out.columns:
        kinds = tuple(kinds)
        base = _sources_of_kinds(prov, [k for k in kinds if k in ("register", "boundaries")], False)
        base_ids = [str(i) for i in base["source_id"]] if not base.empty else []
        fact_ids = _fact_index(facts, kinds, lookup)
        inherited = out["inherited_from"] if "inherited_from" in out.columns else pd.Series(None, index=out.index)
        by_sig: dict[tuple[str, ...], dict[str, str]] = {}
        rows: list[dict[str, str]] = []
        for key, extra, demo in zip(out["ars"], inherited, out["is_demo"], strict=True):
            ids = list(_facts_for(fact_ids, key, by_prefix, demo))
            if isinstance(extra, str) and extra:
                ids += [i for i in _facts_for(fact_ids, extra, False, demo) if i not in ids]
            ids = sorted(ids) + base_ids
            sig = tuple(ids)
            if sig not in by_sig:
                by_sig[sig] = {"source_id": "; ".join(ids), **describe(ids)}
            rows.append(by_sig[sig])
        for col in ("source_id", "attribution", "licence", "source_edition"):
            if col not in out.columns:
                out[col] = [r[col] for r in rows]
    else:
        values: dict[bool, dict[str, str]] = {}
        for demo in (False, True):
            chosen = _sources_of_kinds(prov, kinds, demo)
            attributions, licences = summary(chosen)
            values[demo] = {"source_id": _join(chosen["dataset"]) if not chosen.empty else "",
                            "attribution": _join(attributions), "licence": _join(licences),
                            "source_edition": _join(chosen["edition"]) if not chosen.empty else ""}
        for col in ("source_id", "attribution", "licence", "source_edition"):
            if col not in out.columns:
                out[col] = [values[d][col] for d in out["is_demo"]]
    for col in ("attribution", "licence", "source_edition"):
        if col not in out.columns:
            out[col] = None
    out["register_edition"] = prov.register_edition
    if "ars" in out.columns:
        out["boundary_edition"] = [
            prov.boundary_editions.get(LEVEL_BY_KEY_LENGTH.get(len(str(a)), ""), None) if isinstance(a, str) else None
            for a in out["ars"]]
    out["build_date"] = prov.build_date
    rest = [c for c in out.columns if c not in PROVENANCE_COLUMNS]
    return out[rest + [c for c in PROVENANCE_COLUMNS if c in out.columns]]


@dataclass
class _FactIndex:
    keys: list[str]                       # sorted region keys
    ids: dict[str, list[tuple[str, bool]]]  # key -> [(source_id, is_demo)]


def _fact_index(facts: pd.DataFrame, kinds: tuple[str, ...], lookup: dict[str, dict[str, object]]) -> _FactIndex:
    """Fact sources per region key, limited to sources of `kinds` (demo only if 'demo' is among them)."""
    ids: dict[str, list[tuple[str, bool]]] = {}
    allowed = {sid for sid, info in lookup.items()
               if info["dataset"] is not None and (not info["is_demo"] or "demo" in kinds)}
    for key, sid in zip(facts["ars"].astype(str), facts["source_id"].astype(str), strict=True):
        if sid in allowed or sid not in lookup:
            entry = (sid, bool(lookup.get(sid, {}).get("is_demo", False)))
            bucket = ids.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)
    return _FactIndex(sorted(ids), ids)


def _facts_for(index: _FactIndex, key: object, by_prefix: bool, demo: bool) -> Iterable[str]:
    if not isinstance(key, str) or not key:
        return []
    if by_prefix:
        start = bisect.bisect_left(index.keys, key)
        stop = bisect.bisect_left(index.keys, key + "\uffff")
        keys = index.keys[start:stop]
    else:
        keys = [key] if key in index.ids else []
    out: list[str] = []
    for k in keys:
        for sid, is_demo in index.ids[k]:
            if (demo or not is_demo) and sid not in out:
                out.append(sid)
    return out


def used_sources(frame: pd.DataFrame, prov: Provenance) -> pd.DataFrame:
    """The rows of the source table that the frame's `source_id` values name (by id or dataset)."""
    src = prov.sources
    if src.empty or "source_id" not in frame.columns:
        return src
    tokens = {t.strip() for v in frame["source_id"].dropna().astype(str) for t in v.split(";")}
    picked = src[src["source_id"].isin(tokens) | src["dataset"].isin(tokens)]
    return picked if not picked.empty else src


# ------------------------------------------------------------------------------------------------
# formula neutralisation
# ------------------------------------------------------------------------------------------------

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


# ------------------------------------------------------------------------------------------------
# formats
# ------------------------------------------------------------------------------------------------

def to_csv_excel(frame: pd.DataFrame) -> bytes:
    """CSV for German Excel: UTF-8 with BOM, `;` between fields, decimal comma, keys as ="…" text.

    The keys are wrapped after neutralising: the neutraliser never sees (or prefixes) the generated formulas.
    """
    text = excel_keys(neutralise(_plain(frame))).to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


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


def to_xlsx(frame: pd.DataFrame, prov: Provenance, title: str = "Daten") -> bytes:
    """XLSX with the data, a sheet of sources and licences, and a sheet with the stands."""
    buf = io.BytesIO()
    demo = bool("is_demo" in frame.columns and frame["is_demo"].fillna(False).astype(bool).any())
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        _excel_cells(frame).to_excel(writer, sheet_name="Daten", index=False, freeze_panes=(1, 0))
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
    used = used_sources(frame, prov)
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
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
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


def build(fmt: str, frame: pd.DataFrame, prov: Provenance, title: str,
          shapes: pd.DataFrame | None = None) -> bytes:
    """The bytes of one download format for a frame that already carries its provenance columns."""
    if fmt == "csv_excel":
        return to_csv_excel(frame)
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "xlsx":
        return to_xlsx(frame, prov, title)
    if fmt == "parquet":
        return to_parquet(frame, prov, title)
    if fmt == "geojson":
        return to_geojson(frame, prov, shapes if shapes is not None else pd.DataFrame(), title)
    raise ValueError(f"unknown format {fmt!r}")


# ------------------------------------------------------------------------------------------------
# the full download
# ------------------------------------------------------------------------------------------------

def readme_text(prov: Provenance, files: Mapping[str, int], descriptions: Mapping[str, str] | None = None,
                method: str = "") -> str:
    """README.txt of the full download: stands, formats, sources and licences, files, method."""
    descriptions = descriptions or {}
    lines = ["Digitalmonitor Kommunen – vollständiger Datenexport", "=" * 52, ""]
    lines += [f"{k}: {v}" for k, v in prov.stands().items()]
    lines += ["", "Formate", "-------",
              "csv/        CSV, UTF-8, Trennzeichen Komma, Dezimalpunkt (für Skripte und Statistikprogramme)",
              "csv_excel/  CSV für deutsches Excel: UTF-8 mit BOM, Trennzeichen Semikolon, Dezimalkomma;",
              "            Schlüsselspalten (ars, ags, *_ars, postcode, *_id) stehen dort als =\"091620000000\",",
              "            damit Excel führende Nullen behält und keine Zahl wie 9,162E+10 daraus macht.",
              "            Für Skripte und Statistikprogramme die Dateien in csv/ verwenden.",
              "Jede Zeile nennt ihre Quelle (source_id), die Namensnennung (attribution), die Lizenz (licence),",
              "den Stand der Quelle (source_edition) und ob sie Demodaten enthält (is_demo, auf Demozeilen",
              "zusätzlich demo_note mit dem Hinweis „" + DEMO_LABEL + "“); register_edition ist",
              "der Gebietsstand des Gemeindeverzeichnisses, boundary_edition der Gebietsstand der Grenzen.",
              "Textzellen, die mit =, +, -, @, Tabulator oder Wagenrücklauf beginnen, sind mit einem Apostroph",
              "versehen, damit Tabellenprogramme sie nicht als Formel ausführen (die Schlüssel in csv_excel/ sind",
              "vom Export aus Ziffern erzeugt und ausgenommen).", ""]
    if prov.demo:
        lines += ["ACHTUNG: " + DEMO_LABEL + ".",
                  "Zeilen mit is_demo = True sind synthetisch erzeugt und dürfen nicht als amtliche Werte",
                  "zitiert werden.", ""]
    lines += ["Dateien", "-------"]
    for name, rows in files.items():
        desc = descriptions.get(name, "")
        lines.append(f"{name}: {rows} Zeilen" + (f" – {desc}" if desc else ""))
    lines += ["", "Quellen und Lizenzen", "--------------------"]
    src = prov.sources
    if not src.empty:
        for dataset, group in src.groupby("dataset", sort=False):
            first = group.iloc[0]
            lines.append(f"* {first.get('title', dataset)} ({dataset})")
            for label, col in (("Herausgeber", "publisher"), ("URL", "url"), ("Stand", "edition"),
                               ("Lizenz", "licence"), ("Namensnennung", "attribution")):
                value = first.get(col)
                if value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value):
                    lines.append(f"    {label}: {value}")
            lines.append(f"    Dateien: {', '.join(str(f) for f in group['file'].dropna())}")
            if bool(group["is_demo"].fillna(False).astype(bool).any()):
                lines.append("    Demodaten: ja (synthetisch)")
    if method:
        lines += ["", "Methode", "-------", method.strip()]
    return "\n".join(lines) + "\n"


def to_zip(tables: Mapping[str, pd.DataFrame], prov: Provenance, descriptions: Mapping[str, str] | None = None,
           method: str = "") -> bytes:
    """ZIP of every table (frames already carrying provenance) as CSV and CSV for Excel, with README.txt."""
    buf = io.BytesIO()
    files: dict[str, int] = {}
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, frame in tables.items():
            fname = file_name(name, prov, "csv")
            zf.writestr(f"csv/{fname}", to_csv(frame))
            zf.writestr(f"csv_excel/{fname}", to_csv_excel(frame))
            files[fname] = len(frame)
        zf.writestr("README.txt", readme_text(prov, files, {file_name(n, prov, "csv"): d for n, d in
                                                            (descriptions or {}).items()}, method))
    return buf.getvalue()
