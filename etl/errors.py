"""The one error type the ETL raises for bad input: the CLI prints it and exits non-zero."""

from __future__ import annotations

from pathlib import Path


class EtlError(Exception):
    """A problem with an input file or the environment, phrased for the person running the ETL."""

    def __init__(self, file: str | Path | None, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.problem = problem
        super().__init__(f"{self.file}: {problem}" if self.file else problem)
