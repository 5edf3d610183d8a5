"""Warm up a freshly started Streamlit process: open one session on the Start page and wait until its run ends.

Why: with `pages/` beside `dashboard.py`, Streamlit serves a process's first visitors in its pages-directory
mode (menu entries "dashboard", "Foerderung") until some session of that process has run `dashboard.py`'s
`st.navigation`. A visitor who arrives by a shared link to a deep page would keep that menu for the whole
visit. One session on Start right after the start switches the process over; only then is it ready.

    python -m devtools.warmup http://127.0.0.1:8501 [--timeout 120] [--ready-file PATH]

Exit code 0 when the Start page ran without error (the ready file, if given, is then written), 1 otherwise.
Every process behind a load balancer needs its own call (its own URL), before it is put into rotation.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from devtools.st_client import RerunResult, StreamlitSession


def _wait_for_health(base_url: str, timeout: float) -> None:
    from devtools.browser.server import wait_until_responds

    wait_until_responds(base_url.rstrip("/") + "/_stcore/health", timeout=timeout)


async def _open_start(base_url: str, timeout: float) -> RerunResult:
    async with StreamlitSession(base_url, timeout=timeout) as session:
        result = await session.open("")
        if not session.pages:
            result.errors.append("the Start page sent no navigation (st.navigation did not run)")
        return result


def warm_up(base_url: str, timeout: float = 120.0) -> RerunResult:
    """Wait until the server answers its health check, then run the Start page once in a session of its own
    (the result says whether the run succeeded and how long it took)."""
    _wait_for_health(base_url, timeout)
    # a thread of its own: the caller may already run an event loop (Playwright's sync API, pytest-asyncio)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _open_start(base_url, timeout)).result()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open one session on the Start page of a freshly started "
                                                 "Streamlit process, so that shared links show the app's menu.")
    parser.add_argument("url", help="base URL of one server process, e.g. http://127.0.0.1:8501")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for health and the run")
    parser.add_argument("--ready-file", type=Path, help="written (with the time taken) once the warm-up succeeded")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        result = warm_up(args.url, args.timeout)
    except (OSError, RuntimeError, TimeoutError) as exc:
        print(f"warm-up of {args.url} failed: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    if not result.ok:
        print(f"warm-up of {args.url} failed: {result.status}; {'; '.join(result.errors)}", file=sys.stderr)
        return 1
    if args.ready_file:
        args.ready_file.write_text(f"{args.url} warm after {seconds:.1f} s\n", encoding="utf-8")
    print(f"warmup_url={args.url} warmup_seconds={seconds:.2f} start_run_seconds={result.seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
