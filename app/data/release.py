"""The open-data release of the shown build (written by `etl release` into `static/release/<build id>/`, served
by Streamlit under `app/static/release/…`): its links, its change list, and the badge of one authority."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app.data.cache import cached
from app.data.registry import Db, query
from core.badge import BADGE_SQL, RELEASE_PATH, BadgeFacts, alt_text, badge_text, embed_snippet, public_url
from core.keys import PROJECT_DIR

STATIC_RELEASE = PROJECT_DIR / "static" / "release"
FILES = (("datapackage.json", "Datenpaket (Frictionless, datapackage.json)"),
         ("dcat.jsonld", "Metadaten DCAT-AP.de (JSON-LD)"),
         ("feed.atom", "Änderungen als Atom-Feed"),
         ("changes.csv", "Änderungen als CSV"),
         ("README.md", "Beschreibung (README)"))


@dataclass(frozen=True)
class Badge:
    facts: BadgeFacts
    text: str
    alt: str
    file: Path  # the SVG of this build's release
    snippet: str  # HTML for a municipal website (stable `latest` URL)


def folder(db: Db) -> Path | None:
    """This build's release folder, when the build has one."""
    path = STATIC_RELEASE / db.build_id
    return path if (path / "datapackage.json").is_file() else None


def links(db: Db) -> list[tuple[str, str, str]]:
    """(label, URL of this build's file, stable URL under latest/) of the release's main files; [] without one."""
    if folder(db) is None:
        return []
    return [(label, f"{RELEASE_PATH}/{db.build_id}/{name}", f"{public_url()}/{RELEASE_PATH}/latest/{name}")
            for name, label in FILES]


def changes(db: Db) -> pd.DataFrame:
    """What changed against the previous release (empty without a release or for the first one)."""
    release = folder(db)
    if release is None or not (release / "changes.parquet").is_file():
        return pd.DataFrame(columns=["change", "ars", "name", "subject", "before", "after", "as_of", "source_url"])
    return _changes(db, release)


@cached(max_entries=4)
def _changes(db: Db, release: Path) -> pd.DataFrame:
    return pd.read_parquet(release / "changes.parquet")


def badge(db: Db, ars: str) -> Badge | None:
    """The authority's badge (real facts only) when its release holds one. Whether the release is there is looked
    up on every call (a stat), not cached: `etl release` may write it for the build being served."""
    release = folder(db)
    if release is None or not (release / "badges" / f"{ars}.svg").is_file():
        return None
    return _badge(db, ars, release)


@cached(max_entries=64)
def _badge(db: Db, ars: str, release: Path) -> Badge | None:
    rows = query(db, BADGE_SQL, {"ars": ars})
    if rows.empty:
        return None
    r = rows.iloc[0]

    def value(name: str) -> object:
        return None if pd.isna(r[name]) else r[name]

    facts = BadgeFacts(str(r["ars"]), str(r["display_name"]), bool(r["certified"]),
                       pd.Timestamp(r["awarded_on"]).date() if value("awarded_on") else None,
                       value("awarded_on_precision"), int(r["total"]) if value("total") is not None else None,
                       pd.Timestamp(r["as_of"]).date() if value("as_of") else None, value("as_of_precision"))
    return Badge(facts=facts, text=badge_text(facts), alt=alt_text(facts),
                 file=release / "badges" / f"{ars}.svg", snippet=embed_snippet(facts))
