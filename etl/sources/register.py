"""Destatis Gemeindeverzeichnis GV100AD (fixed-width text): Länder, Regierungsbezirke, Kreise,
Gemeindeverbände and Gemeinden with names, kinds, area, population and postcode.

Record layout (1-based character positions, as documented by Destatis): 1-2 Satzart, 3-10 Gebietsstand,
11-12 Land, 13 Regierungsbezirk, 14-15 Kreis, 16-18 Gemeinde, 19-22 Gemeindeverband, 23-72 name,
73-122 seat, 123-124 Textkennzeichen, 129-139 area (ha), 140-150 population, 151-161 male,
166-170 postcode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.context import BuildContext, StepResult, Timer
from etl.errors import EtlError
from etl.sources.files import DL_DE_BY_2, SourceSpec

RECORD_TYPES = {"10": "Land", "20": "Regierungsbezirk", "30": "Region", "40": "Kreis",
                "50": "Gemeindeverband", "60": "Gemeinde"}

# Textkennzeichen -> kind, per record type
DISTRICT_KINDS = {"41": "Kreisfreie Stadt", "42": "Stadtkreis", "43": "Kreis", "44": "Landkreis",
                  "45": "Regionalverband"}
ASSOCIATION_KINDS = {"50": "Verbandsfreie Gemeinde", "51": "Amt", "52": "Samtgemeinde",
                     "53": "Verbandsgemeinde", "54": "Verwaltungsgemeinschaft",
                     "55": "Kirchspielslandgemeinde", "56": "Verwaltungsverband",
                     "57": "Verwaltungsgemeinschaft (Trägermodell)", "58": "Erfüllende Gemeinde"}
MUNICIPALITY_KINDS = {"60": "Markt", "61": "Kreisfreie Stadt", "62": "Stadtkreis", "63": "Stadt",
                      "64": "Gemeinde", "65": "Gemeindefreies Gebiet", "66": "Gemeindefreies Gebiet",
                      "67": "Große Kreisstadt"}
UNINCORPORATED = {"65", "66"}
LINE_LENGTH = 220


def _gv100ad(day: str, month: str, year: str, census: str) -> SourceSpec:
    return SourceSpec(
        id=f"destatis_gv100ad_{year}{month}{day}",
        title=f"Gemeindeverzeichnis GV100AD, Gebietsstand {day}.{month}.{year} ({census})",
        publisher="Statistisches Bundesamt (Destatis)",
        url=(
            "https://www.destatis.de/DE/Themen/Laender-Regionen/Regionales/Gemeindeverzeichnis/"
            f"Administrativ/Archiv/GV100ADQ/GV100AD{day}{month}{year[2:]}.zip?__blob=publicationFile"
        ),
        files=(f"GV100AD_{day}{month}{year}.txt",),
        licence=DL_DE_BY_2,
        attribution=f"© Statistisches Bundesamt (Destatis), {year}",
        edition=f"{year}-{month}-{day}",
        kind="register",
        product="GV100AD",
    )


GV100AD_2025 = _gv100ad("30", "11", "2025", "Zensus 2022")
GV100AD_2022 = _gv100ad("31", "12", "2022", "Zensus 2011")
GV100AD_2021 = _gv100ad("31", "12", "2021", "Zensus 2011")

REGISTER_EDITIONS = (GV100AD_2025, GV100AD_2022, GV100AD_2021)


@dataclass
class Register:
    """One parsed GV100AD edition."""

    edition: str  # ISO date of the Gebietsstand
    file: str
    records: pd.DataFrame  # one row per record, all record types, keys as strings
    skipped: int  # records of types the model does not use (Satzart 30, statistical regions)


def _digits(value: str, file: Path, lineno: int, what: str, allow_blank: bool = False) -> str:
    stripped = value.strip()
    if allow_blank and stripped == "":
        return ""
    if not stripped.isdigit():
        raise EtlError(file, f"line {lineno}: {what} is not a number: {value!r} (broken or shifted line?)")
    return stripped


def parse_line(line: str, file: Path, lineno: int) -> dict[str, object] | None:
    """Parse one record; raise EtlError naming the line when it is broken."""
    if len(line) < 122:
        raise EtlError(file, f"line {lineno}: record is {len(line)} characters long, expected {LINE_LENGTH} "
                       "(truncated or broken line)")
    rtype = line[0:2]
    if rtype not in RECORD_TYPES:
        raise EtlError(file, f"line {lineno}: unknown record type {rtype!r} (expected one of "
                       f"{', '.join(RECORD_TYPES)})")
    stand = _digits(line[2:10], file, lineno, "Gebietsstand")
    land = _digits(line[10:12], file, lineno, "Land key")
    name = line[22:72].strip()
    if not name:
        raise EtlError(file, f"line {lineno}: record has no name")
    rec: dict[str, object] = {"rtype": rtype, "stand": stand, "name": name, "seat": line[72:122].strip(),
                              "text_code": line[122:124].strip(), "line": lineno}
    if rtype == "10":
        rec["ars"] = land
    elif rtype == "20":
        rec["ars"] = land + _digits(line[12:13], file, lineno, "Regierungsbezirk key")
    elif rtype == "30":
        rec["ars"] = land + line[12:14].strip()
    elif rtype == "40":
        rec["ars"] = land + _digits(line[12:15], file, lineno, "Kreis key")
    elif rtype == "50":
        rec["ars"] = land + _digits(line[12:15], file, lineno, "Kreis key") + _digits(
            line[18:22], file, lineno, "Gemeindeverband key")
    else:
        if len(line) < 170:
            raise EtlError(file, f"line {lineno}: municipality record is {len(line)} characters long, "
                           f"expected {LINE_LENGTH} (truncated line)")
        kreis = land + _digits(line[12:15], file, lineno, "Kreis key")
        gem = _digits(line[15:18], file, lineno, "Gemeinde key")
        verband = _digits(line[18:22], file, lineno, "Gemeindeverband key")
        rec["ags"] = kreis + gem
        rec["ars"] = kreis + verband + gem
        rec["area_ha"] = int(_digits(line[128:139], file, lineno, "area"))
        rec["population"] = int(_digits(line[139:150], file, lineno, "population"))
        rec["male"] = int(_digits(line[150:161], file, lineno, "male population"))
        rec["postcode"] = _digits(line[165:170], file, lineno, "postcode", allow_blank=True) or None
        if rec["text_code"] not in MUNICIPALITY_KINDS:
            raise EtlError(file, f"line {lineno}: unknown municipality type code {rec['text_code']!r}")
    return rec


def read_gv100ad(path: Path) -> Register:
    """Read a whole GV100AD file; any broken line fails the file with its line number."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        # editions before 2023 were published in Windows-1252
        text = path.read_bytes().decode("cp1252", errors="strict")
    except OSError as exc:
        raise EtlError(path, f"cannot read file ({exc.strerror})") from exc
    if text.lstrip().lower().startswith(("<!doctype", "<html")):
        raise EtlError(path, "is an HTML page, not a GV100AD register file (failed download?)")
    lines = text.splitlines()
    if lines and not text.endswith(("\n", "\r")) and len(lines[-1]) < LINE_LENGTH:
        # a file cut off inside its last record (whose first fields may still parse)
        raise EtlError(path, f"line {len(lines)}: last record is {len(lines[-1])} characters long and has no "
                       f"line end, expected {LINE_LENGTH} (truncated file)")
    records = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        rec = parse_line(line, path, lineno)
        if rec is not None:
            records.append(rec)
    if not records:
        raise EtlError(path, "contains no register records")
    frame = pd.DataFrame.from_records(records)
    stands = frame["stand"].unique()
    if len(stands) != 1:
        raise EtlError(path, f"mixes several Gebietsstände: {', '.join(sorted(stands))}")
    stand = str(stands[0])
    if frame["rtype"].eq("60").sum() == 0:
        raise EtlError(path, "contains no municipality records (Satzart 60): truncated file?")
    dupes = frame.loc[frame["rtype"].isin(["10", "20", "40", "50", "60"]) & frame.duplicated(["rtype", "ars"]),
                      ["ars", "line"]]
    if len(dupes):
        first = dupes.iloc[0]
        raise EtlError(path, f"line {first['line']}: key {first['ars']} occurs twice")
    skipped = int(frame["rtype"].eq("30").sum())
    edition = f"{stand[0:4]}-{stand[4:6]}-{stand[6:8]}"
    return Register(edition=edition, file=path.name, records=frame, skipped=skipped)


def census_base(edition: str) -> str:
    """Population figures up to 2022 rest on the 2011 census, later ones on the 2022 census."""
    return "Zensus 2011" if edition < "2023-01-01" else "Zensus 2022"


def load(ctx: BuildContext) -> list[StepResult]:
    """Source entry point: every register edition (newest first) into `ctx.registers`."""
    results: list[StepResult] = []
    for spec in REGISTER_EDITIONS:
        ctx.progress(f"Verzeichnis {spec.files[0]}")
        t = Timer()
        resolved = ctx.resolver.file(spec, spec.files[0])
        assert resolved is not None
        reg = read_gv100ad(resolved.path)
        if reg.edition != spec.edition:
            raise EtlError(resolved.path, f"holds Gebietsstand {reg.edition}, expected {spec.edition}")
        ctx.registers.append(reg)
        n60 = int(reg.records["rtype"].eq("60").sum())
        results.append(StepResult("register", resolved.name, len(reg.records) - reg.skipped, 0, t.seconds,
                                  f"{n60} Gemeinden, {reg.skipped} Regionen ungenutzt"))
    return results


def source_id(spec: SourceSpec) -> str:
    """The `source_id` of a register edition's rows."""
    return f"{spec.id}:{spec.files[0]}"
