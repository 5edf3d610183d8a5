# One dashboard process per container (a replica); HAProxy runs in its own container in front
# (deploy/compose.yaml). The database is not in the image: mount the data folder read-only at /app/data
# (the build files and the link data/digitalmonitor.duckdb to the current one).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DIGITALMONITOR_DB=/app/data/digitalmonitor.duckdb

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY .streamlit/ .streamlit/
COPY core/ core/
COPY app/ app/
COPY pages/ pages/
COPY devtools/ devtools/
COPY docs/ docs/
COPY dashboard.py app_server.py ./
# the maps' empty base-map topology (app/figures/layout.MAP_CONFIG)
COPY static/topojson/ static/topojson/
COPY scripts/replica.sh scripts/

# the app writes the map shapes (and the ready file) into static/: writable, one per container
RUN useradd --system --uid 10001 --home-dir /app dashboard \
    && mkdir -p static/shapes data \
    && chown -R dashboard static
USER 10001

EXPOSE 8501
# healthy once the warm-up has run Start (static/ready.txt, served by Streamlit's static file serving)
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/app/static/ready.txt', timeout=2)"]
ENTRYPOINT ["scripts/replica.sh"]
