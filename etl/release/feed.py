"""The change feed of a release as Atom (RFC 4287): one entry per change of this release, then the earlier
releases' entries (up to 500), ids and links absolute from the public base URL (`DIGITALMONITOR_PUBLIC_URL`).
Written with ElementTree, so every text is escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from core.badge import PUBLIC_URL_ENV, RELEASE_PATH, public_url

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 500
__all__ = ["PUBLIC_URL_ENV", "release_url", "write"]


def release_url(build_id: str) -> str:
    return f"{public_url()}/{RELEASE_PATH}/{build_id}/"


def entry_title(row: pd.Series) -> str:
    detail = f"{row['before'] or '–'} → {row['after'] or '–'}" if row["before"] and row["after"] else \
        (row["after"] or row["before"] or "")
    return f"{row['change']}: {row['name']} – {row['subject']}" + (f" ({detail})" if detail else "")


def _earlier_entries(previous: Path | None) -> list[ET.Element]:
    """The entries of the previous release's feed (so a subscriber who skipped a release misses nothing)."""
    path = previous / "feed.atom" if previous is not None else None
    if path is None or not path.is_file():
        return []
    try:
        return ET.parse(path).getroot().findall(f"{{{ATOM}}}entry")
    except ET.ParseError:
        return []


def write(folder: Path, build_id: str, built_at: str, changes: pd.DataFrame, previous: Path | None = None) -> Path:
    """Write `feed.atom`: one entry per row of `changes`, then the previous feed's entries (MAX_ENTRIES in all)."""
    ET.register_namespace("", ATOM)
    base = public_url()
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "de"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/{RELEASE_PATH}/latest/feed.atom"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "Digitalmonitor Kommunen – was ist neu"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = built_at
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Digitalmonitor Kommunen"
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{base}/{RELEASE_PATH}/latest/feed.atom"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{base}/"})
    for i, row in enumerate(changes.itertuples(index=False)):
        r = pd.Series(row._asdict()).where(lambda s: s.notna(), None)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{release_url(build_id)}changes.csv#{i + 1}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = entry_title(r)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = built_at
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate",
                                                 "href": f"{base}/Gemeindeprofil?ars={quote(str(r['ars']))}"})
        if r["source_url"]:
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "related", "href": str(r["source_url"])})
        stand = f"Stand {pd.Timestamp(r['as_of']).strftime('%d.%m.%Y')}. " if r["as_of"] is not None else ""
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = (
            f"{entry_title(r)}. {stand}Veröffentlichung {build_id}; Schlüssel {r['ars']}.")
    room = MAX_ENTRIES - len(changes)
    feed.extend(_earlier_entries(previous)[: max(0, room)])
    path = folder / "feed.atom"
    ET.ElementTree(feed).write(path, encoding="utf-8", xml_declaration=True)
    return path
