#!/usr/bin/env bash
# Build the database (from DIGITALMONITOR_MIRROR if set, else from the official downloads) and start
# the dashboard on http://localhost:${PORT:-8501}. DEMO=0 builds without synthetic demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
demo=(--demo)
[ "${DEMO:-1}" = 0 ] && demo=()
.venv/bin/python -m etl build "${demo[@]}"
exec .venv/bin/streamlit run dashboard.py --server.port "${PORT:-8501}" "$@"
