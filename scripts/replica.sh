#!/usr/bin/env bash
# One replica in a container (the Dockerfile's entry point): Streamlit on 0.0.0.0:${PORT:-8501}; once one
# session has run Start (devtools/warmup.py), static/ready.txt is written, which the balancer's health check
# asks for (/app/static/ready.txt), so the replica gets readers only when it is warm. SIGTERM stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PORT:-8501}"
rm -f static/ready.txt
streamlit run app_server.py --server.port "$port" --server.address 0.0.0.0 &
server=$!
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"' INT TERM
if ! python -m devtools.warmup "http://127.0.0.1:$port" --ready-file static/ready.txt; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" || true
    exit 1
fi
wait "$server"
