"""Serve the dashboard from several app processes behind Debian's nginx, with sticky sessions.

    .venv/bin/python scripts/serve.py --workers 2 [--port 8501] [--address 127.0.0.1]
    make serve WORKERS=2 [PORT=8501] [ADDRESS=127.0.0.1] [DB=FILE]

One Streamlit process runs every session's script on one interpreter, so it uses about one
core however many readers it has. This starts WORKERS processes (`streamlit run app.py`, each
on its own free loopback port, never reachable from the network) and nginx in front of them on
ADDRESS:PORT (loopback by default, like `make run`). Every worker reads the same database file
(`DASHBOARD_DB`) read-only, and each notices a load swapped in on its next page run, as one
process does (`ui/data.py`).

Sticky sessions: a Streamlit session lives in the worker that opened it (its websocket, its
uploads, its media files, a reconnect after a network blip). nginx hashes a cookie,
`dashboard_worker`, onto the workers (`hash ... consistent`). A browser without one is given a
fresh value (nginx's `$request_id`) on its first response, and that request was routed by the
same value, so every later request of that browser reaches the same worker. Responses carry
`X-Dashboard-Worker` (the worker's loopback port), so a test or an operator can see which one
answered.

The nginx configuration is written into a private run folder (with its logs and temporary
files) and removed when the server stops. Ctrl-C or SIGTERM stops nginx and every worker; a
worker that dies is started again on its port.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "dashboard_worker"
WORKER_HEADER = "X-Dashboard-Worker"
#: The largest request body nginx passes on: Streamlit's upload limit (server.maxUploadSize, 50
#: MB in .streamlit/config.toml) and room for the form around the file.
MAX_BODY_MB = 64
#: Server options every worker gets on top of .streamlit/config.toml. No file watching: a served
#: app does not rerun when its source changes, and the watcher costs CPU on every page run.
WORKER_OPTIONS = ("--server.headless", "true", "--server.fileWatcherType", "none",
                  "--browser.gatherUsageStats", "false")
NGINX_MISSING = ("nginx is not installed. make serve installs Debian's package where it may "
                 "(scripts/ensure_nginx.sh); otherwise: sudo apt-get install nginx")


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _nginx_user() -> str:
    """Run as root, nginx's worker drops to an unprivileged user; Debian's is nobody:nogroup."""
    if os.geteuid() != 0:
        return ""  # nginx keeps the invoking user
    for group in ("nogroup", "nobody"):
        try:
            pwd.getpwnam("nobody")
            grp.getgrnam(group)
            return f"user nobody {group};\n"
        except KeyError:
            continue
    return "user root;\n"


def nginx_config(run_dir: Path, address: str, port: int, worker_ports: list[int]) -> str:
    """The proxy's whole configuration: sticky by cookie, websockets passed through."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in worker_ports)
    listen = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    temp = {name: run_dir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    return f"""# Written by scripts/serve.py; removed when it stops.
{_nginx_user()}worker_processes 1;  # proxying is light work: the cores are the app's
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    client_max_body_size {MAX_BODY_MB}m;

    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # The browser's worker: its cookie, or for a first visit a new random value, which both
    # routes this request and becomes the cookie, so later requests hash to the same worker.
    map $cookie_{COOKIE} $dashboard_worker {{ "" $request_id; default $cookie_{COOKIE}; }}
    map $cookie_{COOKIE} $dashboard_set_cookie {{
        "" "{COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}

    upstream dashboard {{
        hash $dashboard_worker consistent;
{servers}
        keepalive 16;
    }}

    server {{
        listen {listen};
        location / {{
            proxy_pass http://dashboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            # Host with its port: Streamlit accepts a websocket whose Origin matches it.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A reader's websocket stays open while the page is open.
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            proxy_buffering off;
            add_header Set-Cookie $dashboard_set_cookie always;
            add_header {WORKER_HEADER} $upstream_addr always;
        }}
    }}
}}
"""


def wait_healthy(url: str, process: subprocess.Popen | None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{' '.join(map(str, process.args[:4]))} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer /_stcore/health within {timeout:.0f} s")


@dataclass
class Cluster:
    """The workers and the proxy; `start` then `stop` (or use it as a context manager)."""

    workers: int
    port: int
    address: str = "127.0.0.1"
    app: Path = ROOT / "app.py"
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    worker_args: tuple[str, ...] = ()
    quiet: bool = True
    worker_ports: list[int] = field(default_factory=list)
    processes: dict[int, subprocess.Popen] = field(default_factory=dict)
    nginx: subprocess.Popen | None = None
    run_dir: Path | None = None

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"

    def _start_worker(self, port: int) -> subprocess.Popen:
        output = subprocess.DEVNULL if self.quiet else None
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(self.app), "--server.port", str(port),
             "--server.address", "127.0.0.1", *WORKER_OPTIONS, *self.worker_args],
            cwd=ROOT, env=self.env, stdout=output, stderr=output,
        )

    def start(self) -> Cluster:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError(NGINX_MISSING)
        if self.workers < 1:
            raise ValueError(f"--workers must be at least 1, got {self.workers}")
        try:
            self.worker_ports = [free_port() for _ in range(self.workers)]
            for port in self.worker_ports:
                self.processes[port] = self._start_worker(port)
            for port, process in self.processes.items():
                wait_healthy(f"http://127.0.0.1:{port}", process)
            self.run_dir = Path(tempfile.mkdtemp(prefix="dashboard-nginx-"))
            user = _nginx_user()
            for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (self.run_dir / name).mkdir()
                if user.startswith("user nobody"):
                    os.chown(self.run_dir / name, pwd.getpwnam("nobody").pw_uid, -1)
            if user.startswith("user nobody"):
                self.run_dir.chmod(0o711)  # nobody reaches its temp folders, reads nothing else
            config = self.run_dir / "nginx.conf"
            config.write_text(nginx_config(self.run_dir, self.address, self.port, self.worker_ports))
            self.nginx = subprocess.Popen([binary, "-p", str(self.run_dir), "-c", str(config), "-g", "daemon off;"],
                                          stdout=subprocess.DEVNULL if self.quiet else None)
            wait_healthy(self.url, self.nginx, timeout=30)
        except BaseException:
            self.stop()
            raise
        return self

    def supervise_once(self) -> list[int]:
        """Start again any worker that has exited; the ports restarted."""
        restarted = []
        for port, process in list(self.processes.items()):
            if process.poll() is not None:
                self.processes[port] = self._start_worker(port)
                restarted.append(port)
        if self.nginx is not None and self.nginx.poll() is not None:
            raise RuntimeError(f"nginx exited with {self.nginx.returncode}; see {self.run_dir}/error.log")
        return restarted

    def stop(self) -> None:
        stopping = [p for p in [self.nginx, *self.processes.values()] if p is not None]
        for process in stopping:
            if process.poll() is None:
                process.terminate()
        for process in stopping:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.nginx = None
        self.processes.clear()
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="app processes (about one core each)")
    parser.add_argument("--port", type=int, default=8501, help="the proxy's port (default 8501)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="the proxy's address (default loopback; 0.0.0.0 to serve the network)")
    args = parser.parse_args(argv)
    cluster = Cluster(args.workers, args.port, args.address, quiet=False)
    stopping = False

    def stop(signum: int, frame: object) -> None:  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        cluster.start()
    except (RuntimeError, TimeoutError, ValueError) as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    ports = ", ".join(str(p) for p in cluster.worker_ports)
    print(f"Serving {cluster.url} through nginx: {args.workers} worker(s) on 127.0.0.1 ports {ports}, "
          f"database {os.environ.get('DASHBOARD_DB', 'data/dashboard.duckdb')}. Ctrl-C stops.", flush=True)
    try:
        while not stopping:
            for port in cluster.supervise_once():
                print(f"serve: worker on port {port} had stopped; started it again", file=sys.stderr, flush=True)
            time.sleep(1)
    except RuntimeError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
