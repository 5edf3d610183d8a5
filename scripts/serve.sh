#!/usr/bin/env bash
# Serve the dashboard to many readers: REPLICAS Streamlit processes (default: the number of cores) behind
# HAProxy on http://localhost:${PORT:-8501}, in the foreground; SIGTERM / Ctrl-C stop everything.
# Serves the published database (DIGITALMONITOR_DB, default data/digitalmonitor.duckdb); build it first
# (scripts/run.sh or .venv/bin/python -m etl build). Installs Debian's haproxy if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh serve
exec .venv/bin/python -m devtools.serve "$@"
