"""The one error type the ETL raises for bad input: the CLI prints it and exits non-zero."""

from __future__ import annotations

from pathlib import Path


class EtlError(Exception):
    """A problem with an input file or the environment, phrased for the person running the ETL."""

    exit_code = 1

    def __init__(self, file: str | Path | None, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.problem = problem
        super().__init__(f"{self.file}: {problem}" if self.file else problem)


class BuildLocked(EtlError):
    """Another build of the same database is running; try again when it has finished."""

    exit_code = 75  # EX_TEMPFAIL (sysexits.h): a temporary failure, the same command works later
