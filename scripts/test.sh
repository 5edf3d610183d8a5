#!/usr/bin/env bash
# Run the whole test suite (lint, unit, integration on ../shared/data, browser tests in chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export DIGITALMONITOR_MIRROR="${DIGITALMONITOR_MIRROR:-$(cd .. && pwd)/shared/data}"
.venv/bin/ruff check .
# two workers, each test file on one of them (its module fixtures built once): 11 instead of 17 minutes on the
# 2-core machine; TEST_WORKERS=0 runs everything in one process (arguments after the script's name pass to pytest)
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile "$@"
