"""N Streamlit processes behind HAProxy on one machine, supervised in the foreground (run by scripts/serve.sh).

    python -m devtools.serve [--port 8501] [--replicas N] [--backend-port PORT+1] [--run-dir DIR]

- HAProxy (Debian's package) listens on --port: websocket upgrade (HAProxy tunnels it after the 101 answer),
  sticky sessions by an inserted cookie (`dm_replica`) with redispatch to another process when that one is
  down, health checks on `/_stcore/health`, `leastconn` (websockets are long-lived connections).
- Every server starts in maintenance and is put into rotation over HAProxy's admin socket only after its
  warm-up (devtools.warmup: one session ran Start); a process that exits is taken out at once, restarted,
  warmed up and put back.
- All processes share one random cookie secret (so an XSRF cookie set by one process holds at another) and
  the app's production config (.streamlit/config.toml: XSRF protection and CORS on; HAProxy keeps the Host
  header, so the origin checks hold through it). Every process resolves the published database link on each
  rerun, so a rebuild is picked up by all of them.
- SIGTERM / SIGINT stop HAProxy and every process (terminate, then kill after 10 s); the exit code is 0.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devtools.browser.server import ROOT, SERVER_ENTRY
from devtools.warmup import warm_up

COOKIE = "dm_replica"
BACKEND = "app"

HAPROXY_CFG = """\
global
    maxconn 4096
    stats socket {socket} mode 600 level admin

defaults
    mode http
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-request 10s
    timeout queue 30s

frontend readers
    bind {bind}:{port}
    default_backend {backend}

backend {backend}
    balance leastconn
    cookie {cookie} insert indirect nocache httponly
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
{servers}
"""


def log(text: str) -> None:
    print(f"[serve {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def haproxy_config(port: int, backend_ports: Sequence[int], socket_path: Path, bind: str = "*") -> str:
    """HAProxy's configuration: the servers start in maintenance (`disabled`) until their warm-up."""
    servers = "\n".join(f"    server r{i} 127.0.0.1:{p} check cookie r{i} disabled"
                        for i, p in enumerate(backend_ports, 1))
    return HAPROXY_CFG.format(socket=socket_path, bind=bind, port=port, backend=BACKEND, cookie=COOKIE,
                              servers=servers)


def haproxy_path() -> str:
    """Debian's haproxy (in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def admin(socket_path: Path, command: str) -> str:
    """One command on HAProxy's admin socket (e.g. `enable server app/r1`)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(socket_path))
        sock.sendall(command.encode() + b"\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def server_status(socket_path: Path, server: str) -> str:
    """HAProxy's status of one server of the backend: UP, DOWN, MAINT, or a transition such as "UP 1/2"."""
    for line in admin(socket_path, "show stat").splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] == BACKEND and fields[1] == server:
            return fields[17]
    return ""


@dataclass
class Replica:
    """One supervised Streamlit process: started, warmed up, put into rotation, restarted when it exits."""

    number: int
    port: int
    env: dict[str, str]
    run_dir: Path
    socket_path: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return f"{BACKEND}/r{self.number}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "streamlit", "run", SERVER_ENTRY.name, "--server.port", str(self.port),
               "--server.address", "127.0.0.1"]
        with open(self.run_dir / f"replica-{self.number}.log", "ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        log(f"r{self.number}: started pid {self.proc.pid} on port {self.port}")

    def warm_and_enable(self) -> bool:
        base = f"http://127.0.0.1:{self.port}"
        try:
            result = warm_up(base, timeout=180)
        except (OSError, RuntimeError, TimeoutError) as exc:
            log(f"r{self.number}: warm-up failed: {exc}")
            return False
        if not result.ok:
            log(f"r{self.number}: warm-up failed: {result.status}; {'; '.join(result.errors)}")
            return False
        admin(self.socket_path, f"enable server {self.name}")
        deadline = time.monotonic() + 15
        while server_status(self.socket_path, f"r{self.number}") != "UP" and time.monotonic() < deadline:
            time.sleep(0.2)  # HAProxy's first health check after maintenance
        log(f"r{self.number}: warm (Start ran in {result.seconds:.2f} s), in rotation")
        return True

    def supervise(self) -> None:
        """Start; when the process exits (killed, crashed), take it out of rotation and start it again."""
        while not self.stopping.is_set():
            self.start()
            assert self.proc is not None
            if not self.warm_and_enable() and self.proc.poll() is None:
                self.proc.terminate()
            code = self.proc.wait()
            if self.stopping.is_set():
                return
            admin(self.socket_path, f"disable server {self.name}")
            self.restarts += 1
            log(f"r{self.number}: pid {self.proc.pid} exited with code {code}; out of rotation, restarting")
            self.stopping.wait(1.0)

    def stop(self) -> None:
        self.stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()


def stop_all(procs: Sequence[subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8501")))
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS") or os.cpu_count() or 1))
    parser.add_argument("--backend-port", type=int, default=int(os.environ.get("BACKEND_PORT", "0")),
                        help="port of the first process (default PORT+1), the others follow")
    parser.add_argument("--bind", default=os.environ.get("BIND", "*"), help="balancer address (default all)")
    parser.add_argument("--run-dir", type=Path, default=os.environ.get("SERVE_RUN_DIR"),
                        help="HAProxy config, admin socket and process logs (default a new temporary folder)")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="digitalmonitor-serve-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    first = args.backend_port or args.port + 1
    ports = [first + i for i in range(args.replicas)]
    socket_path = run_dir / "haproxy.sock"
    socket_path.unlink(missing_ok=True)
    cfg = run_dir / "haproxy.cfg"
    cfg.write_text(haproxy_config(args.port, ports, socket_path, args.bind), encoding="utf-8")
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
           or secrets.token_hex(32)}

    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log(f"{signal.Signals(signum).name}: stopping")
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with open(run_dir / "haproxy.log", "ab") as out:
        haproxy = subprocess.Popen([haproxy_path(), "-db", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    log(f"HAProxy pid {haproxy.pid} on port {args.port}; {args.replicas} process(es) on ports {ports}; "
        f"logs in {run_dir}")
    wait_until_responds_socket(socket_path, haproxy)
    replicas = [Replica(i, p, env, run_dir, socket_path) for i, p in enumerate(ports, 1)]
    threads = [threading.Thread(target=r.supervise, name=f"replica-{r.number}", daemon=True) for r in replicas]
    for thread in threads:
        thread.start()
    code = 0
    while not stopping.wait(0.5):
        if haproxy.poll() is not None:
            log(f"HAProxy exited with code {haproxy.returncode}; stopping")
            code = 1
            break
    for replica in replicas:
        replica.stopping.set()
    stop_all([haproxy, *(r.proc for r in replicas if r.proc is not None)])
    for thread in threads:
        thread.join(timeout=15)
    stop_all([r.proc for r in replicas if r.proc is not None])  # one started while the signal came
    log("stopped")
    return code


def wait_until_responds_socket(socket_path: Path, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Wait until HAProxy's admin socket answers (or HAProxy exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"HAProxy exited with code {proc.returncode} (see haproxy.log)")
        try:
            admin(socket_path, "show info")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("HAProxy's admin socket did not answer")


if __name__ == "__main__":
    sys.exit(main())
