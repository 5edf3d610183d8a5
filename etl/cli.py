"""Command line of the ETL: a thin layer over `etl.build` and friends."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.keys import DB_ENV, published_db
from etl import publish
from etl.build import BuildReport, run_build
from etl.context import BuildOptions
from etl.errors import EtlError
from etl.german import format_number
from etl.imports.inbox import INBOX, current_demo_flag, import_into_inbox
from etl.release import step as release_cli
from etl.sources.files import MIRROR_ENV
from etl.sources.pvog.command import fetch_app
from etl.sources.registry import ALL_SOURCES

app = typer.Typer(help="Digitalmonitor Kommunen – Daten laden (ETL).", no_args_is_help=True,
                  add_completion=False)
app.add_typer(fetch_app, name="fetch")
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

MirrorOpt = Annotated[Path | None, typer.Option(
    "--mirror", help=f"Folder with the unpacked source files (found by name); default ${MIRROR_ENV}.")]
DbOpt = Annotated[Path | None, typer.Option(
    "--db", help=f"Published database path; default ${DB_ENV} or data/digitalmonitor.duckdb.")]
InboxOpt = Annotated[Path | None, typer.Option(
    "--inbox", help="Folder of analyst files loaded in every build; default data/import/inbox.")]
ReportsOpt = Annotated[Path | None, typer.Option(
    "--reports", help="Folder for the rejects report (CSV); default data/reports.")]


def _summary(report: BuildReport) -> Table:
    table = Table(title=f"Build {report.build_id} – {report.seconds:.1f} s")
    for col, justify in (("Schritt", "left"), ("Quelle", "left"), ("geladen", "right"),
                         ("abgelehnt/ohne Treffer", "right"), ("Sekunden", "right"), ("Hinweis", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in report.results:
        table.add_row(r.step, r.source, format_number(r.loaded, 0), format_number(r.rejected, 0),
                      f"{r.seconds:.2f}", r.note)
    return table


@app.command()
def build(
    mirror: MirrorOpt = None,
    db: DbOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Add synthetic demo data (flagged as demo).")] = False,
    import_file: Annotated[list[Path] | None, typer.Option(
        "--import", help="Analyst file (CSV/XLSX) to load; may be given several times.")] = None,
    inbox: InboxOpt = None,
    reports: ReportsOpt = None,
    release: Annotated[bool, typer.Option(
        "--release/--no-release", envvar="DIGITALMONITOR_RELEASE",
        help="Write the open-data release (see `etl release`) before publishing.")] = True,
    release_demo: Annotated[bool, typer.Option(
        "--release-demo", help="Put the demo rows into the release too (flagged in every resource).")] = False,
) -> None:
    """Build a new database from the sources and publish it atomically."""
    options = BuildOptions(db=published_db(db), mirror=mirror, demo=demo, imports=tuple(import_file or ()),
                           inbox=inbox or INBOX, reports_dir=reports, release=release, release_demo=release_demo)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("Start", total=None)

            def step(label: str) -> None:
                progress.update(task, description=label)
                progress.advance(task)

            report = run_build(options, step)
    except EtlError as exc:
        console.print(f"[bold red]Fehler:[/] {escape(str(exc))}")  # file contents may hold [brackets]
        console.print("Die bisherige Datenbank bleibt unverändert.")
        raise typer.Exit(code=exc.exit_code) from None  # 1, or 75 while another build runs
    console.print(_summary(report))
    console.print(f"Veröffentlicht: {report.published} -> {report.db_file.name}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file of an analyst (see data/import/README.md).")],
    kind: Annotated[str | None, typer.Option(
        "--kind", help="procedures | grants | certifications; default: recognised from the columns.")] = None,
    db: DbOpt = None,
    mirror: MirrorOpt = None,
    inbox: InboxOpt = None,
    reports: ReportsOpt = None,
    demo: Annotated[bool | None, typer.Option(
        "--demo/--no-demo", help="Demo data in the rebuild; default: as in the published build.")] = None,
    release: Annotated[bool, typer.Option(
        "--release/--no-release", envvar="DIGITALMONITOR_RELEASE",
        help="Write the open-data release of the rebuild before publishing.")] = True,
) -> None:
    """Copy FILE into the inbox (content-addressed: the same file twice is a no-op) and rebuild."""
    folder = inbox or INBOX
    published = published_db(db)
    try:
        target, created = import_into_inbox(file, kind, folder)
    except EtlError as exc:
        console.print(f"[bold red]Fehler:[/] {escape(str(exc))}")
        console.print("Die Datei wurde nicht übernommen; die Datenbank bleibt unverändert.")
        raise typer.Exit(code=1) from None
    if not created:
        console.print(f"Bereits im Eingang: {escape(target.name)} – keine Änderung.")
        return
    with_demo = current_demo_flag(published) if demo is None else demo
    options = BuildOptions(db=published, mirror=mirror, demo=with_demo, inbox=folder, reports_dir=reports,
                           release=release)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as progress:
            task = progress.add_task("Start", total=None)
            report = run_build(options, lambda label: progress.update(task, description=label))
    except BaseException as exc:
        target.unlink(missing_ok=True)  # a file that breaks the build does not stay in the inbox
        if not isinstance(exc, EtlError):
            raise
        console.print(f"[bold red]Fehler:[/] {escape(str(exc))}")
        console.print("Die Datei wurde aus dem Eingang entfernt; die bisherige Datenbank bleibt unverändert.")
        raise typer.Exit(code=exc.exit_code) from None
    console.print(_summary(report))
    console.print(f"Übernommen: {escape(target.name)}; veröffentlicht: {report.published} -> {report.db_file.name}")


@app.command("release")
def release_(
    db: DbOpt = None,
    release_dir: Annotated[Path | None, typer.Option(
        "--release-dir", help="Release folder; default static/release (or release/ beside a --db).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Put the demo rows in too (flagged).")] = False,
) -> None:
    """Write the open-data release of the published build (a build writes it by default)."""
    path = published_db(db)
    current = publish.current_build(path)
    if current is None:
        console.print(f"Keine Datenbank unter {path}. Erst `python -m etl build` ausführen.")
        raise typer.Exit(code=1)
    try:
        with publish.build_lock(path):
            report = release_cli.write_published(path, current, release_dir, demo)
    except EtlError as exc:
        console.print(f"[bold red]Fehler:[/] {escape(str(exc))}")
        raise typer.Exit(code=exc.exit_code) from None
    console.print(f"Veröffentlichung: {report.folder} – {report.files} Dateien, {report.changes} Änderungen, "
                  f"{report.badges} Signets, {report.seconds:.1f} s")


@app.command()
def sources() -> None:
    """List the official sources: URL, files, licence and attribution."""
    table = Table(title="Quellen")
    for col in ("id", "Titel", "URL", "Dateien", "Lizenz", "Namensnennung"):
        table.add_column(col, overflow="fold")  # a URL is wrapped, never cut short
    for spec in ALL_SOURCES:
        files = ", ".join(spec.files) or ", ".join(spec.layers.values())
        table.add_row(spec.id, spec.title, spec.url, files, spec.licence, spec.attribution)
    Console().print(table)


@app.command()
def info(db: DbOpt = None) -> None:
    """Show the published build: file, build id, editions and row counts."""
    path = published_db(db)
    current = publish.current_build(path)
    if current is None:
        console.print(f"Keine Datenbank unter {path}. Erst `python -m etl build` ausführen.")
        raise typer.Exit(code=1)
    con = duckdb.connect(str(current), read_only=True)
    try:
        Console().print(dict(con.sql("SELECT key, value FROM build_info").fetchall()))
        for (table,) in con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall():
            n = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608 - name from the catalogue
            Console().print(f"{table}: {n[0] if n else 0}")
    finally:
        con.close()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("Abgebrochen; die bisherige Datenbank bleibt unverändert.")
        sys.exit(130)
