"""`streamlit run` on a free local port, for tests and benchmarks: start, wait until it answers, stop."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project folder
SCREENSHOTS = ROOT / "tests" / "screenshots"  # screenshots of tests and benchmarks, for review
DASHBOARD = ROOT / "dashboard.py"
# the dashboard's server: dashboard.py behind the middleware that writes the server's base URL into its pages
SERVER_ENTRY = ROOT / "app_server.py"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_responds(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Poll a URL until it answers 200 (or the process dies, or the time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before answering {url}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(script: Path, env: dict[str, str], log_path: Path,
                     extra_args: Sequence[str] = (), port: int | None = None,
                     warm: bool | None = None) -> Iterator[str]:
    """Run `streamlit run SCRIPT` on `port` (default: a free local port; for dashboard.py its server entry,
    app_server.py, as scripts/run.sh runs it); yield its base URL once it is ready; terminate it afterwards.
    Ready means, for the app (`warm`, default: the script is dashboard.py), that one session has run the Start
    page (devtools.warmup), as scripts/run.sh does before it reports the app ready."""
    port = port or free_port()
    entry = SERVER_ENTRY if script.resolve() == DASHBOARD else script
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false", *extra_args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_responds(f"{base}/_stcore/health", proc)
            if warm if warm is not None else script.name == "dashboard.py":
                from devtools.warmup import warm_up

                result = warm_up(base)
                if not result.ok:
                    raise RuntimeError(f"warm-up of {base} failed: {result.status}; {'; '.join(result.errors)}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
