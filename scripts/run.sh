#!/usr/bin/env bash
# Build the database (from DIGITALMONITOR_MIRROR if set, else from the official downloads) and start
# the dashboard on http://localhost:${PORT:-8501}. DEMO=0 builds without synthetic demo data.
# The server counts as ready only after one session has run the Start page (devtools/warmup.py): before that,
# a first visitor by a shared link would get Streamlit's pages-directory menu. READY_FILE=PATH is written then.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
demo=(--demo)
[ "${DEMO:-1}" = 0 ] && demo=()
.venv/bin/python -m etl build "${demo[@]}"
port="${PORT:-8501}"
ready=()
[ -n "${READY_FILE:-}" ] && ready=(--ready-file "$READY_FILE") && rm -f "$READY_FILE"
.venv/bin/streamlit run app_server.py --server.port "$port" "$@" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server"' INT TERM
if ! .venv/bin/python -m devtools.warmup "http://127.0.0.1:$port" "${ready[@]}"; then
    kill "$server" 2>/dev/null || true
    wait "$server" || true
    exit 1
fi
echo "Digitalmonitor bereit: http://localhost:$port"
wait "$server"
