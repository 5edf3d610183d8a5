"""Build time of the ETL against the time it takes merely to read its raw inputs.

A full build (no demo data) from the mirror into a temporary folder, timed; then every input read once
more without any processing: the GV100AD files as plain file reads and decoded text, the boundary layers
with pyogrio. The ratio says how much the build adds on top of reading.

    .venv/bin/python -m bench.etl_time [--mirror DIR]

Ends with one line: build_seconds=… read_seconds=… ratio=…
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pyogrio

from core.keys import LEVELS
from etl.build import run_build
from etl.context import BuildOptions
from etl.sources.boundaries import LEVEL_LAYERS
from etl.sources.files import MIRROR_ENV, SourceResolver
from etl.sources.register import REGISTER_EDITIONS

ROOT = Path(__file__).resolve().parent.parent


def default_mirror() -> Path:
    env = os.environ.get(MIRROR_ENV)
    return Path(env) if env else ROOT.parent / "shared" / "data"


def input_files(mirror: Path) -> tuple[list[Path], list[Path]]:
    """The register files and the boundary layer files a build reads."""
    resolver = SourceResolver(mirror)
    registers = [resolver.file(spec, spec.files[0]) for spec in REGISTER_EDITIONS]
    layers = [resolver.layer(*LEVEL_LAYERS[level]) for level in LEVELS]
    return [r.path for r in registers if r is not None], [lay.path for lay in layers]


def read_inputs(registers: list[Path], layers: list[Path]) -> float:
    """Seconds to read every input without processing it."""
    start = time.perf_counter()
    for path in registers:
        path.read_bytes().decode("utf-8")
    for path in layers:
        pyogrio.read_dataframe(path)
    return time.perf_counter() - start


def build_once(mirror: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as folder:
        start = time.perf_counter()
        report = run_build(BuildOptions(db=Path(folder) / "digitalmonitor.duckdb", mirror=mirror, demo=False))
        seconds = time.perf_counter() - start
        print(f"build {report.build_id}: {seconds:.2f} s, {len(report.results)} steps")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=default_mirror(), help="folder with the source files")
    args = parser.parse_args()
    registers, layers = input_files(args.mirror)
    read_inputs(registers, layers)  # warm the file cache so both timings read from memory
    read_seconds = read_inputs(registers, layers)
    print(f"read {len(registers)} register files and {len(layers)} boundary layers: {read_seconds:.2f} s")
    build_seconds = build_once(args.mirror)
    print(f"build_seconds={build_seconds:.2f} read_seconds={read_seconds:.2f} "
          f"ratio={build_seconds / read_seconds:.2f}")


if __name__ == "__main__":
    main()
