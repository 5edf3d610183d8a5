"""The dashboard's server: dashboard.py (navigation and pages) as Streamlit's ASGI app, with the server's base URL in
every page it sends (app.base_url: a first visit by a link to a page connects 0.1 s sooner). Started by
`streamlit run app_server.py` (scripts/run.sh, scripts/replica.sh and so the Dockerfile, devtools/serve.py behind
scripts/serve.sh, devtools.browser.server for tests and benchmarks)."""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from app.base_url import BaseUrlInPages

streamlit_app = st.App("dashboard.py", middleware=[Middleware(BaseUrlInPages)])
