"""Streamlit production settings: `.streamlit/config.toml` read through streamlit's own config module from the
project folder (as `streamlit run` reads it), every option known to streamlit 1.67 and set for readers; the
websocket message limit sized against the biggest message the pages send (measured here with AppTest).
tests/browser/test_hostile.py checks the same settings on a running server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from app_support import open_page
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"

EXPECTED: dict[str, Any] = {
    "global.developmentMode": False,
    "client.toolbarMode": "viewer",
    "client.showErrorDetails": "none",
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "server.headless": True,
    "server.maxUploadSize": 1,
    "server.enableStaticServing": True,
    "browser.gatherUsageStats": False,
}
READ_OPTIONS = """
import json, sys
from streamlit import config
config.get_config_options(force_reparse=True)
keys = json.loads(sys.argv[1])
print(json.dumps({"options": {k: config.get_option(k) for k in keys},
                  "where": {k: config.get_where_defined(k) for k in keys},
                  "error_details": [o.value for o in config.ShowErrorDetailsConfigOptions]}))
"""


@pytest.fixture(scope="module")
def options() -> dict[str, Any]:
    """The options as streamlit reads them in the project folder, without STREAMLIT_* overrides."""
    keys = [*EXPECTED, "server.maxMessageSize"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    proc = subprocess.run([sys.executable, "-c", READ_OPTIONS, json.dumps(keys)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "stderr": proc.stderr}


def test_every_option_in_the_file_is_one_streamlit_knows(options: dict[str, Any]) -> None:
    from streamlit import config

    written = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    names = [f"{section}.{key}" for section, values in written.items() for key in values]
    assert names and all(name in config._config_options_template for name in names), names
    # what streamlit itself says about an option it does not know or no longer supports
    assert "not a valid config option" not in options["stderr"] and "deprecated" not in options["stderr"]


@pytest.mark.parametrize("key", list(EXPECTED))
def test_production_option(key: str, options: dict[str, Any]) -> None:
    assert options["options"][key] == EXPECTED[key]
    assert str(CONFIG) in options["where"][key] or options["where"][key].endswith("config.toml")


def test_error_details_value_is_one_of_streamlits(options: dict[str, Any]) -> None:
    """'none': readers get a generic message; the type, message and traceback go to the server log only."""
    assert options["options"]["client.showErrorDetails"] in options["error_details"]
    assert options["options"]["client.showErrorDetails"] == "none"


def _largest_element(at: AppTest) -> tuple[int, str]:
    """Bytes of the biggest element proto on the page: the delta message that carries it is a few bytes more."""
    sizes: list[tuple[int, str]] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            sizes.append((len(proto.SerializeToString()), proto.DESCRIPTOR.name))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return max(sizes)


def test_message_limit_fits_the_biggest_page_with_room(options: dict[str, Any], app_db: Path) -> None:
    """The all-Germany Karte of every municipality (map and table, each 1-2 MB) or the Start density map is the
    biggest rerun message; the limit leaves at least three times that and is far below streamlit's default of
    200 MB."""
    limit = options["options"]["server.maxMessageSize"] * 1_000_000
    biggest = (0, "")
    for script, params in ((None, {}), ("pages/1_Karte.py", {"land": "DE", "kennzahl": "da_status"}),
                           ("pages/1_Karte.py", {"land": "DE", "ebene": "association"})):
        at = open_page(script, **params)
        biggest = max(biggest, _largest_element(at))
    assert biggest[0] > 1_000_000, biggest  # the measurement found one of the big elements
    assert limit >= 3 * biggest[0], (limit, biggest)
    assert limit <= 50_000_000
