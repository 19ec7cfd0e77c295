"""`make serve WORKERS=2`'s script end to end: two app processes behind Debian's nginx.

Both workers answer through the proxy; a browser's cookie keeps it, and its websocket session,
on one worker; and a load swapped into the shared database file is seen through both.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.streamlit_client import Session, sticky_cookie
from scripts.serve import COOKIE, free_port, nginx_binary, wait_healthy

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    nginx_binary() is None, reason="nginx is not installed: make test installs it (scripts/ensure_nginx.sh)")


@pytest.fixture
def served(sample_db: Path):  # noqa: ANN201 - yields (base url, worker ports, database)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "scripts/serve.py", "--workers", "2", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "DASHBOARD_DB": str(sample_db)},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        line = ""
        deadline = time.monotonic() + 120
        while "Serving" not in line:  # the script prints its line once every worker and nginx answer
            assert time.monotonic() < deadline and server.poll() is None, "serve.py did not start"
            line = server.stdout.readline()
        ports = set(re.search(r"ports ([\d, ]+),", line).group(1).replace(" ", "").split(","))
        wait_healthy(base, server)
        yield base, ports, sample_db
    finally:
        server.send_signal(signal.SIGTERM)  # as Ctrl-C: stops nginx and both workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert server.returncode == 0


def _worker(headers: dict[str, str]) -> str:
    return headers["x-dashboard-worker"].rsplit(":", 1)[1]


def _cookie_per_worker(base: str, ports: set[str]) -> dict[str, str]:
    """A first visit's cookie for each worker: new visitors are spread over both."""
    found: dict[str, str] = {}
    for _ in range(60):
        cookie, headers = sticky_cookie(base)
        assert cookie and f"{COOKIE}=" in cookie
        found.setdefault(_worker(headers), cookie)
        if set(found) == ports:
            return found
    raise AssertionError(f"60 first visits all reached {sorted(found)}, not both of {sorted(ports)}")


async def _page_text(base: str, cookie: str, page: str) -> tuple[str, str]:
    """The page's text as one worker's session shows it, and the worker its websocket reached."""
    async with Session(base, cookie) as session:
        run = await session.run_page(page)  # raises on an exception element
        return "\n".join(run.texts), _worker(session.response_headers)


def test_two_workers_answer_keep_each_session_and_see_a_swapped_load(served, tmp_path: Path) -> None:
    base, ports, db = served
    assert len(ports) == 2
    cookies = _cookie_per_worker(base, ports)

    # Sticky: every request with a worker's cookie, and its websocket, reach that worker.
    for port, cookie in cookies.items():
        for _ in range(5):
            _, headers = sticky_cookie(base, cookie)
            assert _worker(headers) == port
        text, ws_worker = asyncio.run(_page_text(base, cookie, "budget"))
        assert ws_worker == port
        assert "Budget against forecast outturn" in text and "£189,260k" in text

    # A load swapped into the shared file (the loader's os.replace) is seen through both workers.
    changed = tmp_path / "budget.csv"
    changed.write_text((ROOT / "data" / "budget.csv").read_text().replace('"189,260","1,052"', '"189,990","1,781"'))
    loaded = subprocess.run([sys.executable, "-m", "loaders", str(changed), "--db", str(db)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    for port, cookie in cookies.items():
        text, ws_worker = asyncio.run(_page_text(base, cookie, "budget"))
        assert ws_worker == port
        assert "£189,990k" in text and "£189,260k" not in text, f"worker {port} still shows the old figures"


def test_without_nginx_serve_says_what_to_install() -> None:
    """No nginx to be found: the script exits 1 with the command that installs it, starting no worker."""
    done = subprocess.run([sys.executable, "-c", "import sys; import scripts.serve as s; s.nginx_binary = lambda: None;"
                           "sys.exit(s.main(['--workers', '1']))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "apt-get install nginx" in done.stderr
    assert "Serving" not in done.stdout
