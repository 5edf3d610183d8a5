"""Tools for tests and benchmarks alike: a light Streamlit websocket client (`devtools.st_client`) and the
Streamlit server and chromium/Playwright helpers (`devtools.browser`). Never imported by the app or the ETL."""
