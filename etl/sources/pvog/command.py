"""`python -m etl fetch pvog`: the command line of the Open-PVOG fetch (a thin layer over `fetch.run_fetch`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from etl.sources.pvog.client import FetchFailed
from etl.sources.pvog.fetch import DEFAULT_BASE_URL, URL_ENV, FetchOptions, probe, run_fetch

fetch_app = typer.Typer(help="Quellen aus dem Netz in den Download-Cache holen.", no_args_is_help=True)
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


@fetch_app.command("pvog")
def pvog(
    land: Annotated[list[str] | None, typer.Option("--land", help="Land code (09 = Bayern); repeatable.")] = None,
    ars: Annotated[list[str] | None, typer.Option("--ars", help="Region key (natural length or 12 digits); "
                                                  "repeatable.")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help=f"API base; default ${URL_ENV} or "
                                                 f"{DEFAULT_BASE_URL}.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=16, help="Parallel requests.")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per request phase.")] = 30.0,
    accept_drop: Annotated[bool, typer.Option("--accept-drop", help="Take regions whose service count fell by "
                                              ">20 % and >10 (otherwise the previous snapshot stays).")] = False,
    cache_dir: Annotated[Path | None, typer.Option("--cache", help="Cache folder; default "
                                                   "$DIGITALMONITOR_PVOG_DIR or data/raw/pvog.")] = None,
    probe_only: Annotated[bool, typer.Option("--probe", help="Fetch the first ARS page and one export, print "
                                             "what came back, store nothing.")] = False,
) -> None:
    """Fetch the Open-PVOG export (Dashboard Digitale Verwaltung) of every region wanted, with its parents;
    a re-run continues an interrupted fetch."""
    options = FetchOptions(base_url=base_url, lands=tuple(land or ()), ars=tuple(ars or ()),
                           concurrency=concurrency, timeout=timeout, accept_drop=accept_drop, cache_dir=cache_dir)
    if probe_only:
        for line in probe(options):
            console.print(escape(line))
        return
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=console, transient=True) as progress:
            task = progress.add_task("ARS-Liste", total=None)

            def on_plan(todo: int, skipped: int) -> None:
                progress.update(task, total=todo, description=f"Regionen ({skipped} schon fertig)")

            def on_region(entry: dict) -> None:
                progress.advance(task)
                if entry["status"] != "ok":
                    progress.console.print(f"[yellow]{entry['ars']}[/]: {escape(entry.get('error', ''))}")

            summary = run_fetch(options, on_plan, on_region)
    except (FetchFailed, ValueError) as exc:
        console.print(f"[bold red]Fehler:[/] {escape(str(exc))}")
        raise typer.Exit(code=1) from None
    console.print(f"Abruf {summary.day} in {summary.folder}: {summary.requested} Regionen angefragt, "
                  f"{summary.fetched} geholt, {summary.skipped} schon vorhanden, {len(summary.failed)} "
                  f"fehlgeschlagen; {summary.rows} Zeilen, {summary.rejects} abgelehnt.")
    for key, error in sorted(summary.failed.items())[:20]:
        console.print(f"  {key}: {escape(error)}")
    if not summary.complete:
        console.print("[bold yellow]Abruf unvollständig[/] (mehr als 5 % fehlgeschlagen oder offen): kein Build "
                      "übernimmt ihn, bis ein erneuter Aufruf ihn vervollständigt.")
        raise typer.Exit(code=2)
