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
# ruff: noqa: F401  (the package's public names, as one module)

from __future__ import annotations

from app.exports.archive import readme_text, to_zip
from app.exports.files import (
    FORMATS,
    FORMULA_START,
    KEY_COLUMNS,
    PREFIX,
    build,
    download_name,
    excel_key_text,
    excel_keys,
    file_name,
    is_key_column,
    metadata,
    neutralise,
    neutralise_text,
    png_config,
    slug,
    to_csv,
    to_csv_excel,
    to_geojson,
    to_parquet,
    to_xlsx,
)
from app.exports.provenance import (
    LEVEL_LABELS_DE,
    PROJECT_SOURCE,
    PROVENANCE_COLUMNS,
    Provenance,
    named_summary,
    provenance_from,
    source_tokens,
    summary,
    used_sources,
    with_provenance,
)
from app.style import DEMO_LABEL
from core.measures import DERIVED_KINDS
