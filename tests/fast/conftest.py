"""Fast query tests: the app's queries on a small generated database (tests/fast/small_world.py), written once
per session by the real schema and metric SQL of etl/. No mirror, no full build: `pytest tests/fast` or `-m fast`."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import handle
from small_world import World, write_world

from app import data

FAST = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fast: query tests on the small generated database (tests/fast)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if FAST in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The generated world, written to a database file of its own."""
    return write_world(tmp_path_factory.mktemp("small_world") / "small.duckdb")


@pytest.fixture(scope="session")
def small(world: World) -> data.Db:
    """The app's handle on the small database."""
    return handle(world.path)
