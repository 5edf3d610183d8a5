"""The OZG catalogue (`ozg/kdn_nrw_ozg_datenbank_2019/`, SOURCES.md §4): OZG-ID -> Lebenslage -> Themenfeld, and
LeiKa key -> OZG-ID where a PVOG row names no OZG-ID. Read from the mirror by plain file name; without it the
services keep an empty Themenfeld."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.sources.files import SourceSpec

OZG_CATALOGUE = SourceSpec(
    id="ozg_kdn_nrw_2019",
    title="OZG-Umsetzungskatalog und LeiKa-Leistungen (KDN OZG-Datenbank NRW, Import 2019-10-05)",
    publisher="KDN – Dachverband kommunaler IT-Dienstleister NRW (nach BMI/IT-Planungsrat und FIM LeiKa)",
    url="https://github.com/kdn-nrw/OZG-Datenbank-NRW",
    files=("ozg_subject.csv", "ozg_situation.csv", "ozg_service_system.csv", "ozg_service.csv"),
    licence="MIT (Repository); Katalog: OZG-Umsetzungskatalog / FIM LeiKa",
    attribution="OZG-Datenbank NRW (KDN), Katalogstand 2019",
    edition="2019-10-05",
    kind="reference",
)


@dataclass
class Catalogue:
    topic: dict[str, str] = field(default_factory=dict)          # OZG-ID -> Themenfeld
    situation: dict[str, str] = field(default_factory=dict)      # OZG-ID -> Lebenslage
    ozg_of_leika: dict[str, str] = field(default_factory=dict)   # LeiKa key -> OZG-ID


def read_catalogue(resolver: object) -> Catalogue:
    """The catalogue from the mirror; empty without a mirror or without its files."""
    if getattr(resolver, "mirror", None) is None:
        return Catalogue()
    found = {name: resolver.file(OZG_CATALOGUE, name, required=False) for name in OZG_CATALOGUE.files}  # type: ignore[attr-defined]
    if any(f is None for f in found.values()):
        return Catalogue()
    read = {name: pd.read_csv(f.path, dtype="str", keep_default_na=False) for name, f in found.items()}
    subject = dict(zip(read["ozg_subject.csv"]["id"], read["ozg_subject.csv"]["name"], strict=True))
    sit = read["ozg_situation.csv"]
    sit_name = dict(zip(sit["id"], sit["name"], strict=True))
    sit_subject = dict(zip(sit["id"], sit["subject_id"].map(subject), strict=True))
    system = read["ozg_service_system.csv"]
    system = system[system["service_key"].str.fullmatch(r"\d+")]
    topic = dict(zip(system["service_key"], system["situation_id"].map(sit_subject), strict=True))
    situation = dict(zip(system["service_key"], system["situation_id"].map(sit_name), strict=True))
    ozg_by_system = dict(zip(system["id"], system["service_key"], strict=True))
    leika = read["ozg_service.csv"]
    leika = leika[leika["service_key"].str.fullmatch(r"\d{14}")]
    ozg_of_leika = {k: ozg_by_system[s] for k, s in zip(leika["service_key"], leika["service_system_id"], strict=True)
                    if s in ozg_by_system}
    return Catalogue({k: v for k, v in topic.items() if isinstance(v, str)},
                     {k: v for k, v in situation.items() if isinstance(v, str)}, ozg_of_leika)
