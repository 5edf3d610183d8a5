"""The one writer: read every source, validate, and write a new database file that is published atomically.

A build holds the build lock of its database for its whole run, first removes what a killed build left
behind and checks the free space, and turns a full disk into one EtlError (see `etl/publish.py`). Its stages:
geography (the register and boundary sources, regions and map shapes; `etl/geography.py`), the steps inside
the new file (`etl/steps.py`), metadata (`etl/metadata.py`), and publishing (close, fsync, rename, switch the
link). The named checkpoints of `etl/faults.py` mark its stages for the kill tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import faults, geography, metadata, publish, steps
from etl.context import BuildContext, BuildOptions, StepResult, Timer
from etl.database import create_schema
from etl.errors import EtlError
from etl.release import step as release_step
from etl.sources.files import SourceResolver


@dataclass
class BuildReport:
    build_id: str
    db_file: Path
    published: Path
    results: list[StepResult]
    seconds: float
    checkpoints: tuple[str, ...] = ()  # the faults checkpoints the build passed, in order


def run_build(options: BuildOptions, progress: Callable[[str], None] | None = None) -> BuildReport:
    """Build a complete new database beside the published one and publish it; never touch the old one.

    Raises EtlError for bad input, a full disk (the partial file removed) or a database folder that
    cannot be used, and BuildLocked while another build of the same database runs."""
    start = time.perf_counter()
    published = options.db
    faults.kill_point()  # an unknown checkpoint in the test hook is an error, not a silent no-op
    publish.check_writable(published)
    try:
        with publish.build_lock(published) as lock:
            report = _build(options, progress or (lambda _label: None), lock)
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
    report.seconds = round(time.perf_counter() - start, 2)
    return report


def _prepare(options: BuildOptions, lock: publish.BuildLock, progress: Callable[[str], None]) -> BuildContext:
    """Remove a killed build's leftovers, check the free space, and start the build under a new id."""
    faults.start()
    results: list[StepResult] = []
    t = Timer()
    removed = publish.clean_leftovers(options.db, lock)
    if removed:
        results.append(StepResult("leftovers", "abgebrochener Build", len(removed), 0, t.seconds,
                                  "entfernt: " + ", ".join(p.name for p in removed)))
    publish.check_free_space(options.db)
    build_id = publish.new_build_id()
    lock.begin(build_id)
    faults.checkpoint("locked")
    return BuildContext(options=options, build_id=build_id, resolver=SourceResolver(options.mirror),
                        results=results, progress=progress)


def _write(ctx: BuildContext, geo: geography.Geography, target: Path) -> None:
    """Write the new database as a `.part` file, then give it its versioned name (fsynced; link untouched)."""
    part = target.with_name(target.name + ".part")
    ctx.progress("Datenbank schreiben")
    con = duckdb.connect(str(part))
    try:
        create_schema(con)
        geography.write(con, ctx, geo)
        faults.checkpoint("writing")
        ctx.con = con
        steps.run(ctx, steps.STEPS)
        metadata.write(con, ctx, geo)
        con.execute("CHECKPOINT")
    finally:
        ctx.con = None
        con.close()
    publish.fsync_file(part)  # the data is on the disk before any name points at it
    part.replace(target)
    publish.fsync_dir(target.parent)
    faults.checkpoint("closed")


def _build(options: BuildOptions, progress: Callable[[str], None], lock: publish.BuildLock) -> BuildReport:
    published = options.db
    ctx = _prepare(options, lock, progress)
    steps.run(ctx, steps.GEOGRAPHY, announce=False)  # the sources announce each file they read
    geo = geography.derive(ctx)
    faults.checkpoint("shapes")
    target = publish.build_file(published, ctx.build_id)
    try:
        _write(ctx, geo, target)
        release_step.write(ctx, target)  # the open-data release, before publishing: its failure fails the build
        progress("Veröffentlichen")
        publish.publish(published, target)
    except BaseException:
        release_step.discard(ctx)
        publish.remove_unpublished(published, ctx.build_id)
        lock.done()
        raise
    lock.done()
    publish.prune(published)
    release_step.published(ctx)  # `latest` points at this release; releases pruned with their builds
    return BuildReport(build_id=ctx.build_id, db_file=target, published=published, results=ctx.results,
                       seconds=0.0, checkpoints=faults.reached())
