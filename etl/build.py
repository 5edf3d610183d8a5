"""The one writer: read every source, validate, and write a new database file that is published atomically.

A build holds the build lock of its database for its whole run, first removes what a killed build left
behind and checks the free space, and turns a full disk into one EtlError (see `etl/publish.py`); the
named checkpoints of `etl/faults.py` mark its stages for the kill tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from etl import faults, publish, steps
from etl.boundaries import Layer, read_layer
from etl.context import BuildContext, BuildOptions, StepResult, insert
from etl.errors import EtlError
from etl.regions import LEVELS, build_regions, compare_keys, population_history
from etl.register import Register, read_gv100ad
from etl.shapes import geojson_text, shape_rows, simplify_coverage
from etl.sources import LEVEL_LAYERS, REGISTER_EDITIONS, ResolvedFile, SourceResolver, SourceSpec

SCHEMA = Path(__file__).with_name("schema.sql")


@dataclass
class BuildReport:
    build_id: str
    db_file: Path
    published: Path
    results: list[StepResult]
    seconds: float


class _Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 2)


def source_rows(files: list[ResolvedFile], simplified: set[str]) -> pd.DataFrame:
    """One `source` row per file read; boundary files used for map shapes carry '(Daten verändert)'."""
    rows = []
    for f in files:
        spec: SourceSpec = f.spec
        attribution = spec.simplified_attribution if Path(f.name).stem in simplified else spec.attribution
        rows.append({
            "source_id": f"{spec.id}:{f.name}", "dataset": spec.id, "title": spec.title,
            "publisher": spec.publisher, "url": spec.url, "file": f.name, "sha256": f.sha256,
            "bytes": f.bytes, "origin": f.origin, "retrieved_at": f.retrieved_at,
            "licence": spec.licence, "attribution": attribution, "edition": spec.edition,
            "kind": spec.kind, "is_demo": False,
        })
    return pd.DataFrame(rows).drop_duplicates("source_id")


def _load_geography(resolver: SourceResolver, step: Callable[[str], None],
                    results: list[StepResult]) -> tuple[list[Register], dict[str, Layer], dict[str, ResolvedFile]]:
    registers: list[Register] = []
    for spec in REGISTER_EDITIONS:
        step(f"Verzeichnis {spec.files[0]}")
        t = _Timer()
        resolved = resolver.file(spec, spec.files[0])
        assert resolved is not None
        reg = read_gv100ad(resolved.path)
        if reg.edition != spec.edition:
            raise EtlError(resolved.path, f"holds Gebietsstand {reg.edition}, expected {spec.edition}")
        registers.append(reg)
        n60 = int(reg.records["rtype"].eq("60").sum())
        results.append(StepResult("register", resolved.name, len(reg.records) - reg.skipped, 0, t.seconds,
                                  f"{n60} Gemeinden, {reg.skipped} Regionen ungenutzt"))
    faults.checkpoint("register")
    layers: dict[str, Layer] = {}
    layer_files: dict[str, ResolvedFile] = {}
    for level in LEVELS:
        spec, layer_name = LEVEL_LAYERS[level]
        step(f"Grenzen {spec.layers[layer_name]}")
        t = _Timer()
        resolved = resolver.layer(spec, layer_name)
        layers[level] = read_layer(resolved.path, layer_name, spec.product)
        layer_files[level] = resolved
        lay = layers[level]
        results.append(StepResult("boundaries", resolved.name, len(lay.frame), lay.water_parts, t.seconds,
                                  f"{lay.features} Objekte, {lay.water_parts} Wasserteile, "
                                  f"{lay.made_valid} repariert"))
    return registers, layers, layer_files


def _shape_frame(level: str, layer: Layer, regions: pd.DataFrame) -> gpd.GeoDataFrame:
    """Shapes keyed on the current register key.

    Municipalities are matched on the AGS. The Gemeindeverband layer also holds single-member
    Gemeindeverbände (Einheitsgemeinden); their shape is keyed on the municipality, so the association
    map shows every administering authority once: a Verwaltungsgemeinschaft or a lone municipality.
    """
    frame = layer.frame.copy()
    reg = regions[regions["level"] == level]
    if level == "municipality":
        current = dict(zip(reg["ags"], reg["ars"], strict=True))
        frame["ars"] = frame["ags"].map(current).fillna(frame["ars"])
    elif level == "association":
        # lone municipalities and gemeindefreie Gebiete: each has a Gemeindeverband key of its own
        munis = regions[regions["level"] == "municipality"]
        by_prefix = munis.groupby(munis["ars"].str[:9])["ars"].agg(list)
        single = {k: v[0] for k, v in by_prefix.items() if len(v) == 1}
        multi = set(reg["ars"])
        frame["ars"] = frame["ars"].map(lambda k: k if k in multi else single.get(k, k))
    frame["in_register"] = frame["ars"].isin(set(regions["ars"]))
    return frame


def run_build(options: BuildOptions, progress: Callable[[str], None] | None = None) -> BuildReport:
    """Build a complete new database beside the published one and publish it; never touch the old one.

    Raises EtlError for bad input, a full disk (the partial file removed) or a database folder that
    cannot be used, and BuildLocked while another build of the same database runs."""
    total = _Timer()
    published = options.db
    faults.kill_point()  # an unknown checkpoint in the test hook is an error, not a silent no-op
    publish.check_writable(published)
    try:
        with publish.build_lock(published) as lock:
            return _build(options, progress or (lambda _label: None), lock, total)
    except EtlError:
        raise
    except Exception as exc:
        reason = faults.disk_full_reason(exc)
        if reason is not None:
            raise publish.disk_full_error(published, reason) from exc
        if isinstance(exc, duckdb.IOException):
            raise EtlError(published.parent, f"cannot write the new database ({exc}); "
                                             "the partial file was removed") from exc
        raise


def _build(options: BuildOptions, step: Callable[[str], None], lock: publish.BuildLock,
           total: _Timer) -> BuildReport:
    published = options.db
    results: list[StepResult] = []
    t = _Timer()
    removed = publish.clean_leftovers(published, lock)
    if removed:
        results.append(StepResult("leftovers", "abgebrochener Build", len(removed), 0, t.seconds,
                                  "entfernt: " + ", ".join(p.name for p in removed)))
    publish.check_free_space(published)
    build_id = publish.new_build_id()
    lock.begin(build_id)
    faults.checkpoint("locked")
    resolver = SourceResolver(options.mirror)

    registers, layers, layer_files = _load_geography(resolver, step, results)
    step("Regionen")
    t = _Timer()
    newest = registers[0]
    regions = build_regions(newest)
    history = population_history(registers)
    boundary_editions = {lvl: LEVEL_LAYERS[lvl][0].edition for lvl in LEVELS}
    shape_frames = {lvl: _shape_frame(lvl, layers[lvl], regions) for lvl in LEVELS}
    mismatch = compare_keys(regions, shape_frames, newest.edition, boundary_editions)
    reg_source = f"{REGISTER_EDITIONS[0].id}:{REGISTER_EDITIONS[0].files[0]}"
    results.append(StepResult("regions", "region", len(regions), len(mismatch), t.seconds,
                              "Schlüssel nur im Verzeichnis / nur in Grenzen"))

    shapes: dict[str, gpd.GeoDataFrame] = {}
    for level in LEVELS:
        step(f"Kartenformen {level}")
        t = _Timer()
        shapes[level] = simplify_coverage(shape_frames[level], level)
        results.append(StepResult("shapes", level, len(shapes[level]), 0, t.seconds, "vereinfacht (coverage)"))
    faults.checkpoint("shapes")

    target = publish.build_file(published, build_id)
    part = target.with_name(target.name + ".part")
    step("Datenbank schreiben")
    try:
        con = duckdb.connect(str(part))
        try:
            con.execute(SCHEMA.read_text())
            has_shape = set().union(*(set(shapes[lvl]["ars"]) for lvl in LEVELS))
            region_rows = regions.assign(has_shape=regions["ars"].isin(has_shape), source_id=reg_source)
            insert(con, "region", region_rows)
            reg_ids = {spec.edition: f"{spec.id}:{spec.files[0]}" for spec in REGISTER_EDITIONS}
            insert(con, "population", history.assign(source_id=history["edition"].map(reg_ids))
                   .drop(columns=["source_file"]))
            insert(con, "region_mismatch", mismatch)
            for level in LEVELS:
                lf = layer_files[level]
                sid = f"{lf.spec.id}:{lf.name}"
                insert(con, "region_shape", shape_rows(shapes[level], level, sid))
                text = geojson_text(shapes[level])
                insert(con, "shape_file", pd.DataFrame([{
                    "level": level, "file_name": f"{level}-{build_id}.json", "bytes": len(text.encode()),
                    "features": len(shapes[level]), "attribution": lf.spec.simplified_attribution,
                    "content": text}]))
            faults.checkpoint("writing")
            ctx = BuildContext(con=con, options=options, build_id=build_id, regions=regions, resolver=resolver,
                               results=results)
            for label, extra in steps.STEPS:
                step(label)
                results.extend(extra(ctx))
                name = extra.__module__.rsplit(".", 1)[-1]  # etl.imports -> imports
                if name in faults.CHECKPOINTS:
                    faults.checkpoint(name)
            simplified = {Path(layer_files[lvl].name).stem for lvl in LEVELS}
            insert(con, "source", source_rows(resolver.resolved, simplified))
            info = {
                "build_id": build_id,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "register_edition": newest.edition,
                "register_editions": ",".join(r.edition for r in registers),
                "boundary_editions": ",".join(f"{lvl}={boundary_editions[lvl]}" for lvl in LEVELS),
                "demo": "true" if options.demo else "false",
                **{f"{lvl}_boundary_edition": boundary_editions[lvl] for lvl in LEVELS},
            }
            insert(con, "build_info", pd.DataFrame({"key": list(info), "value": list(info.values())}))
            insert(con, "load_log", pd.DataFrame([r.__dict__ for r in results]))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        publish.fsync_file(part)  # the data is on the disk before any name points at it
        part.replace(target)
        publish.fsync_dir(target.parent)
        faults.checkpoint("closed")
        step("Veröffentlichen")
        publish.publish(published, target)
    except BaseException:
        publish.remove_unpublished(published, build_id)
        lock.done()
        raise
    lock.done()
    publish.prune(published)
    return BuildReport(build_id=build_id, db_file=target, published=published, results=results,
                       seconds=total.seconds)
