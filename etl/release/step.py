"""The release in the build: written from the closed new database file before it is published (an error fails the
build and removes the partial release), `latest` switched after publishing, old releases pruned with their builds.
"""

from __future__ import annotations

from pathlib import Path

from etl import faults
from etl.context import BuildContext, StepResult
from etl.errors import EtlError
from etl.release.store import link_latest, prune_releases, release_root, remove_release
from etl.release.writer import ReleaseReport, write_release


def write(ctx: BuildContext, target: Path) -> None:
    """Write the release of the new build file (only when the options ask for it); adds a summary row."""
    options = ctx.options
    if not options.release:
        return
    ctx.progress("Offene Daten")
    root = release_root(options.db, options.release_dir)
    try:
        report = write_release(target, root, ctx.build_id, with_demo=options.release_demo)
    except OSError as exc:
        if faults.disk_full_reason(exc) is not None:
            raise  # the build's one "no room" message
        raise EtlError(root, f"cannot write the open-data release ({exc.strerror or exc}); "
                             "the new build was not published") from exc
    note = f"{report.files} Dateien, {report.changes} Änderungen, {report.badges} Signets"
    ctx.results.append(StepResult("release", str(report.folder), report.tables, 0, report.seconds, note))


def discard(ctx: BuildContext) -> None:
    """Remove the release of a build that is not published."""
    if ctx.options.release:
        remove_release(release_root(ctx.options.db, ctx.options.release_dir), ctx.build_id)


def published(ctx: BuildContext) -> None:
    """Point `latest` at the published build's release and prune the releases of builds no longer kept."""
    options = ctx.options
    if not options.release:
        return
    root = release_root(options.db, options.release_dir)
    link_latest(root, ctx.build_id)
    db = options.db
    kept = {p.stem[len(db.stem) + 1:] for p in db.parent.glob(f"{db.stem}-*{db.suffix or '.duckdb'}")}
    prune_releases(root, kept | {ctx.build_id})


def write_published(db: Path, current: Path, release_dir: Path | None, with_demo: bool) -> ReleaseReport:
    """`etl release`: (re)write the release of the published build `current` and point `latest` at it."""
    build_id = current.stem[len(db.stem) + 1:]
    root = release_root(db, release_dir)
    report = write_release(current, root, build_id, with_demo=with_demo)
    link_latest(root, build_id)
    return report
