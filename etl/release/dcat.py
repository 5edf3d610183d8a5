"""DCAT-AP.de metadata of a release as JSON-LD with its context inline (nothing is fetched to read it): the
dataset, its publisher, and one distribution per file with its absolute download URL, format, licence and
rights (where a source states no licence the rights say so, and no licence is invented)."""

from __future__ import annotations

import json
from pathlib import Path

from etl.release.licences import PROJECT_LICENCE

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct:issued": {"@type": "xsd:dateTime"},
    "dcat:downloadURL": {"@type": "@id"},
    "dcat:accessURL": {"@type": "@id"},
    "dct:license": {"@type": "@id"},
    "dcat:byteSize": {"@type": "xsd:decimal"},
}
PUBLISHER = "Digitalmonitor Kommunen"
DL_DE_BY = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"  # the DCAT-AP.de licence vocabulary's IRI
LICENCE_IRI = {PROJECT_LICENCE[2]: DL_DE_BY}
FORMATS = {"csv": "CSV", "parquet": "PARQUET", "geoparquet": "PARQUET", "atom": "ATOM", "json": "JSON"}


def distribution(base_url: str, resource: dict[str, object]) -> dict[str, object]:
    path = str(resource["path"])
    licences = resource.get("licenses") or []
    licence_url = str(licences[0]["path"]) if licences else PROJECT_LICENCE[2]  # type: ignore[index]
    return {
        "@id": f"{base_url}{path}#distribution",
        "@type": "dcat:Distribution",
        "dct:title": str(resource.get("title", path)),
        "dct:description": str(resource.get("description", "")),
        "dcat:downloadURL": base_url + path,
        "dcat:accessURL": base_url + path,
        "dct:format": FORMATS.get(str(resource.get("format", "")), str(resource.get("format", "")).upper()),
        "dcat:mediaType": str(resource.get("mediatype", "")),
        "dcat:byteSize": resource.get("bytes", 0),
        "dct:license": LICENCE_IRI.get(licence_url, licence_url),
        "dct:rights": {"@type": "dct:RightsStatement", "dct:description": str(resource.get("rights", ""))},
    }


def write(folder: Path, base_url: str, build_id: str, built_at: str, resources: list[dict[str, object]],
          with_demo: bool) -> Path:
    """Write `dcat.jsonld` describing the dataset and every distribution (URLs absolute from `base_url`)."""
    dataset = {
        "@context": CONTEXT,
        "@id": f"{base_url}#dataset",
        "@type": "dcat:Dataset",
        "dct:title": ("DEMO – " if with_demo else "") + "Digitalmonitor Kommunen – offene Daten",
        "dct:description": "Online-Verfahren, Förderprogramme und Auszeichnungen „Digitales Amt“ deutscher "
                           "Kommunen mit Gebieten und Kartenformen; Stand der Veröffentlichung " + build_id,
        "dct:identifier": build_id,
        "dct:issued": built_at,
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/DEU"},
        "dct:publisher": {"@id": f"{base_url}#publisher", "@type": "foaf:Organization", "foaf:name": PUBLISHER},
        "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE"},
        "dcat:keyword": ["Digitalisierung", "Verwaltung", "Kommunen", "Onlinezugangsgesetz", "Digitales Amt"],
        "dct:license": DL_DE_BY,
        "dcat:distribution": [distribution(base_url, r) for r in resources],
    }
    path = folder / "dcat.jsonld"
    path.write_text(json.dumps(dataset, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path
