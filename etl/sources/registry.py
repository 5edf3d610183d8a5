"""The source registry behind `python -m etl sources`: every official dataset a build reads, with its URL,
files, licence and attribution (each spec is defined in its source module)."""

from __future__ import annotations

from etl.sources.boundaries import BOUNDARY_SOURCES
from etl.sources.broadband import BREITBANDATLAS_2021
from etl.sources.files import SourceSpec
from etl.sources.pvog.load import PVOG_SOURCE
from etl.sources.pvog.ozg import OZG_CATALOGUE
from etl.sources.register import REGISTER_EDITIONS

ALL_SOURCES: tuple[SourceSpec, ...] = (*BOUNDARY_SOURCES, *REGISTER_EDITIONS, BREITBANDATLAS_2021, PVOG_SOURCE,
                                       OZG_CATALOGUE)
