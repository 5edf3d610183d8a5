"""The open-data release of a build (issue 17): Parquet/CSV/GeoParquet files, datapackage.json, DCAT-AP.de
JSON-LD, README, the change list with its Atom feed and the website badges, under `<root>/<build id>/`."""

from etl.release.store import link_latest, prune_releases, release_root, remove_release
from etl.release.writer import ReleaseReport, write_release

__all__ = ["ReleaseReport", "link_latest", "prune_releases", "release_root", "remove_release", "write_release"]
