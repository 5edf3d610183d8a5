#!/usr/bin/env bash
# Run the whole test suite (lint, unit, integration on ../shared/data, browser tests in chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export DIGITALMONITOR_MIRROR="${DIGITALMONITOR_MIRROR:-$(cd .. && pwd)/shared/data}"
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
