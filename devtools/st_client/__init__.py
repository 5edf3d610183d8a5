"""A light Streamlit client: talks to a running server over its websocket exactly as the browser does, without
rendering anything, so that a load test can run many sessions on a small machine.

    async with StreamlitSession("http://127.0.0.1:8501") as s:
        first = await s.open("Karte", query="ebene=municipality&land=DE")
        second = await s.set_widget("karte_land", "Bayern")      # widget key or label; option as shown
        print(second.seconds, second.bytes, second.query_string, second.errors)

The protocol (streamlit 1.67, read from its runtime and its frontend bundle):

- Before connecting, the browser asks `/_stcore/health` (which sets the `_streamlit_xsrf` cookie) and
  `/_stcore/host-config`. It then opens `/_stcore/stream` with the subprotocols `streamlit, <xsrf cookie
  value>` (the server only uses the token to trust auth cookies, but checks Origin/Host) and sends one
  `BackMsg.rerun_script` with a `ClientState`: the query string, the widget states, the page (`page_name`
  = the URL path on a first load, later `page_script_hash` of the page), `context_info` (time zone, locale,
  URL) and `cached_message_hashes`.
- The server answers with `ForwardMsg`s: `new_session` at the start of every run (its `config` carries
  `max_cached_message_age`), `session_status_changed`, `navigation` (the `st.navigation` pages with their
  hashes and URL paths), `page_not_found`, deltas (`new_element`, `add_block`) placed by
  `metadata.delta_path`, `page_info_changed` (the query string the app set), `auto_rerun` (a fragment with
  `run_every`), and `script_finished` with a status; `FINISHED_EARLY_FOR_RERUN` ends a run that a further
  run replaces (`st.rerun`, `st.switch_page`), so the request is only done at the next final status.
- Message cache: a delta of at least `global.minCachedMessageSize` bytes comes with `metadata.cacheable`
  and a `hash`. The browser keeps such messages and lists their hashes in every rerun request; the server
  then sends a `ref_hash` message instead, which the browser resolves from its cache (with the delta path
  of the reference). After each finished run that began with a `new_session`, entries not seen for more
  than `max_cached_message_age` runs are dropped (for a fragment run only entries of that fragment).
- Widgets: every widget element carries an id (`$$ID-<hash>-<user key>`). The browser holds one
  `WidgetState` per widget on the page (its default, a value it chose, or the `raw_value`/`value` the
  server forces with `set_value`) and sends all of them with every rerun; a changed widget is simply a
  different value under the same id, in the field its type uses (selectbox: `string_value` with the shown
  option; multiselect: `string_array_value`; checkbox: `bool_value`; number_input: `double_value`, ...).
- `auto_rerun` elements make the browser send `rerun_script` with the fragment id and `is_auto_rerun`
  every `interval` seconds; a page change clears these timers.
- Not over the websocket: a plotly map whose trace names its GeoJSON by URL makes the browser fetch that
  file (once per browser, then from its HTTP cache); `fetch_assets=True` does the same.

Run it on a page of a running app: `.venv/bin/python -m devtools.st_client http://127.0.0.1:8501 --page Karte`.
"""

from devtools.st_client.http import AssetFetch
from devtools.st_client.results import RerunResult, StreamlitError, Widget
from devtools.st_client.session import StreamlitSession

__all__ = ["AssetFetch", "RerunResult", "StreamlitError", "StreamlitSession", "Widget"]
