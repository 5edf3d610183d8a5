"""Shared by the tests that must leave a published database alone: publish a copy of the session build."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl import publish
from etl.build import BuildReport


def publish_copy(folder: Path, report: BuildReport) -> Path:
    """Publish a copy of a build in `folder` (created if missing); returns the published link."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "digitalmonitor.duckdb"
    old = publish.build_file(link, report.build_id)
    shutil.copyfile(report.db_file, old)
    publish.publish(link, old)
    return link
