"""scripts/serve.sh with 2 processes behind HAProxy, in chromium: pages load through the balancer, a session stays
on its process (sticky cookie), a killed process is restarted and its sessions reconnect to the other one keeping
their URL view, SIGTERM stops everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from devtools.browser import ROOT, Console, exceptions, new_context, open_app, wait_rerun
from devtools.browser.server import free_port
from devtools.browser.widgets import selectbox_value
from devtools.serve import COOKIE, admin, server_status

VIEW = "Karte?ebene=district&land=08"  # Baden-Württemberg, not the default Land


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    run_dir: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def pid(self, replica: str) -> int:
        """The newest process of a replica (r1, r2), from the supervisor's log."""
        return int(re.findall(rf"{replica}: started pid (\d+)", self.text())[-1])

    def in_rotation(self) -> int:
        return self.text().count("in rotation")


def wait_for(condition: Any, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def served(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    run_dir = tmp_path_factory.mktemp("serve")
    port, backend = free_port(), free_port()
    env = {**os.environ, "PORT": str(port), "REPLICAS": "2", "BACKEND_PORT": str(backend),
           "DIGITALMONITOR_DB": str(db_path), "SERVE_RUN_DIR": str(run_dir)}
    log = run_dir / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", proc, log, run_dir)
    try:
        wait_for(lambda: served.in_rotation() >= 2 or proc.poll() is not None, "two warm processes", 180)
        assert proc.poll() is None, served.text()
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def replica_cookie(context: Any) -> str:
    values = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    assert len(values) == 1, context.cookies()
    return str(values[0])


def test_haproxy_health_checks_see_both_processes_up(served: Served) -> None:
    sock = served.run_dir / "haproxy.sock"
    assert [server_status(sock, s) for s in ("r1", "r2", "BACKEND")] == ["UP", "UP", "UP"], admin(sock, "show stat")
    with urllib.request.urlopen(served.url + "/_stcore/health", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert any(h.startswith(f"{COOKIE}=r") for h in response.headers.get_all("set-cookie"))


def test_sticky_session_and_a_killed_process_keeps_the_view(served: Served, browser: Any) -> None:
    context = new_context(browser)
    try:
        page = context.new_page()
        console = Console()
        console.attach(page)
        open_app(page, f"{served.url}/{VIEW}")
        assert selectbox_value(page, "karte_land") == "Baden-Württemberg"
        first = replica_cookie(context)
        for _ in range(3):  # reloads and a second page stay on the same process
            open_app(page, f"{served.url}/{VIEW}")
            assert replica_cookie(context) == first
        open_app(page, f"{served.url}/Rangliste")
        assert replica_cookie(context) == first
        open_app(page, f"{served.url}/{VIEW}")

        view = page.url  # the app writes its full state into the URL
        assert "land=08" in view
        victim = served.pid(first)
        restarted_before = served.in_rotation()
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: replica_cookie(context) != first, "the session to reconnect to the other process")
        page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
        wait_rerun(page, 0)
        assert page.url == view
        assert selectbox_value(page, "karte_land") == "Baden-Württemberg"
        assert exceptions(page) == []

        wait_for(lambda: served.in_rotation() > restarted_before, "the killed process back in rotation")
        assert served.pid(first) != victim and psutil.pid_exists(served.pid(first))
        assert "exited with code -9; out of rotation, restarting" in served.text()
    finally:
        context.close()


def test_sigterm_stops_everything(served: Served) -> None:
    children = psutil.Process(served.proc.pid).children(recursive=True)
    names = {c.name() for c in children}
    assert "haproxy" in names and len(children) >= 3, names
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=30) == 0
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], alive
    with pytest.raises(OSError):
        urllib.request.urlopen(served.url + "/_stcore/health", timeout=2)  # noqa: S310
