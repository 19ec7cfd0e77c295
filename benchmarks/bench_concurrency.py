"""Many readers at once: page runs per second and their latency with 1, 5, 10 and 20 sessions.

    .venv/bin/python benchmarks/bench_concurrency.py [--duration 15] [--sessions 1,5,10,20] [--no-workers]

A Panel meeting is 15-20 people opening the same report at once. This starts the app as it is
served (`streamlit run app.py`, headless, on a free loopback port) over a database it loads
from the sample extracts in a temporary folder, and drives N sessions at once over Streamlit's
own websocket protocol (`benchmarks/streamlit_client.py`: the protobuf BackMsg/ForwardMsg the
frontend speaks, no browser). Each session reruns the report pages one after another, back to
back, for `--duration` seconds; every run is timed from the rerun request to its
script_finished message. It prints, per N, page runs per second, p50/p90/p99, what a run sends
and the server's CPU time per run (the figure least moved by other work on the machine), and
fails loudly on any exception element a page shows.

The anchor is a plain Streamlit page with one table and one chart, served and driven the same
way in the same run: the figures are printed beside it as a ratio. Then the same app through
nginx (`scripts/serve.py`) with 1 and with 2 workers, 20 sessions each, shows what a second
process gains on a 2-core machine (skipped with --no-workers, or when nginx is missing: then the
aim is MISSED, saying so).

Aims (issue 13): one process sustains at least 10 page runs a second with 20 sessions, p90 under
2 s; 2 workers serve at least 1.3 times the page runs of 1. Bounded: at most `--duration` per
phase (plus the runs then in flight, each at most 120 s), loopback only. The load average is
printed with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.aims import Aims, seconds, times  # noqa: E402
from benchmarks.streamlit_client import PageError, Session, sticky_cookie  # noqa: E402
from scripts.serve import WORKER_OPTIONS, Cluster, free_port, nginx_binary, wait_healthy  # noqa: E402
from ui.navigation import PAGES  # noqa: E402

MIN_RUNS_PER_S = 10.0
MAX_P90_S = 2.0
MIN_WORKER_GAIN = 1.3
AIM_SESSIONS = 20
#: The pages a councillor reads; the Data page (uploads), the Panel pack (a Word document on
#: request) and Revisions (an analyst's audit) are left out.
NOT_READ_AT_A_MEETING = {"data", "panel_pack", "revisions"}

PLAIN_PAGE = textwrap.dedent('''
    """The anchor: a plain Streamlit page with one table and one chart."""
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    st.title("A plain page")
    frame = pd.DataFrame({"Quarter": ["Q1", "Q2", "Q3", "Q4"], "Count": [12, 15, 9, 14]})
    st.table(frame)
    st.plotly_chart(go.Figure(go.Bar(x=frame["Quarter"], y=frame["Count"])), theme=None)
''')


def report_pages() -> list[str]:
    """Each page's url_path as the client asks for it; the default page is the root ('')."""
    return ["" if index == 0 else spec.url_path for index, spec in enumerate(PAGES)
            if spec.url_path not in NOT_READ_AT_A_MEETING]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far, from /proc (0 where unreadable)."""
    total = 0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


@dataclass
class Phase:
    label: str
    sessions: int
    runs: int
    elapsed: float
    latencies: list[float]
    bytes_received: int
    cpu: float
    load: str
    workers_seen: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.runs / self.elapsed if self.elapsed > 0 else float("nan")

    def quantile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]

    @property
    def cpu_ms_per_run(self) -> float:
        return self.cpu / self.runs * 1000 if self.runs else float("nan")


async def _drive(base: str, pages: list[str], sessions: int, duration: float, proxied: bool,
                 latencies: list[float], sizes: list[int], seen: dict[str, int]) -> None:
    end = time.perf_counter() + duration

    async def one(index: int) -> None:
        cookie = None
        if proxied:  # a browser loads the page first, and the proxy gives it its worker's cookie
            cookie, _ = await asyncio.to_thread(sticky_cookie, base)
        async with Session(base, cookie) as session:
            worker = session.response_headers.get("x-dashboard-worker", "direct")
            seen[worker] = seen.get(worker, 0) + 1
            step = index  # sessions start on different pages, as readers do
            while time.perf_counter() < end:
                run = await session.run_page(pages[step % len(pages)])  # raises on an exception element
                latencies.append(run.seconds)
                sizes.append(run.bytes_received)
                step += 1

    await asyncio.gather(*(one(i) for i in range(sessions)))


def run_phase(label: str, base: str, pages: list[str], sessions: int, duration: float, pids: list[int],
              proxied: bool = False) -> Phase:
    latencies: list[float] = []
    sizes: list[int] = []
    seen: dict[str, int] = {}
    cpu_before = cpu_seconds(pids)
    start = time.perf_counter()
    asyncio.run(_drive(base, pages, sessions, duration, proxied, latencies, sizes, seen))
    elapsed = time.perf_counter() - start
    return Phase(label, sessions, len(latencies), elapsed, latencies, sum(sizes),
                 cpu_seconds(pids) - cpu_before, load_average(), seen)


def warm(base: str, pages: list[str]) -> None:
    """One pass over the pages, so caches are filled and the figures are the warm ones."""
    async def once() -> None:
        async with Session(base) as session:
            for page in pages:
                await session.run_page(page)
    asyncio.run(once())


def start_streamlit(app: Path, db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
         "--server.address", "127.0.0.1", *WORKER_OPTIONS],
        cwd=ROOT, env={**os.environ, "DASHBOARD_DB": str(db)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)
    except BaseException:
        stop(server)
        raise
    return server, base


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def build_database(folder: Path) -> Path:
    db = folder / "dashboard.duckdb"
    subprocess.run([sys.executable, "-m", "loaders", *map(str, sorted((ROOT / "data").glob("*.csv"))),
                    "--db", str(db)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return db


def print_table(rows: list[Phase], anchors: dict[int, Phase]) -> None:
    print(f"  {'sessions':>8} {'runs':>6} {'runs/s':>7} {'p50':>7} {'p90':>7} {'p99':>7} {'KB/run':>7} "
          f"{'CPU/run':>8} | {'plain runs/s':>12} {'ratio':>6}   load")
    for phase in rows:
        anchor = anchors.get(phase.sessions)
        anchor_text = (f"{anchor.per_second:12.1f} {times(phase.per_second / anchor.per_second):>6}"
                       if anchor else f"{'':12} {'':6}")
        print(f"  {phase.sessions:>8} {phase.runs:>6} {phase.per_second:7.2f} {phase.quantile(50):6.2f}s "
              f"{phase.quantile(90):6.2f}s {phase.quantile(99):6.2f}s {phase.bytes_received / max(phase.runs, 1) / 1024:7.1f} "
              f"{phase.cpu_ms_per_run:6.0f}ms | {anchor_text}   {phase.load.split(' on ')[0].removeprefix('load average ')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase (default 15)")
    parser.add_argument("--sessions", default="1,5,10,20", help="session counts, comma-separated")
    parser.add_argument("--no-workers", action="store_true", help="skip the nginx phases with 1 and 2 workers")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.sessions.split(",")]
    if AIM_SESSIONS not in counts:
        counts.append(AIM_SESSIONS)
    pages = report_pages()
    aims = Aims()
    print(f"Pages, each session in turn: {', '.join(p or 'overview' for p in pages)}")
    print(f"{load_average()} at the start; {args.duration:.0f} s per phase")

    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as folder:
        db = build_database(Path(folder))
        plain = Path(folder) / "plain_page.py"
        plain.write_text(PLAIN_PAGE)
        app_rows: list[Phase] = []
        anchors: dict[int, Phase] = {}
        try:
            server, base = start_streamlit(plain, db)
            try:
                warm(base, [""])
                for n in counts:
                    anchors[n] = run_phase("plain page", base, [""], n, args.duration, [server.pid])
            finally:
                stop(server)
            server, base = start_streamlit(ROOT / "app.py", db)
            try:
                warm(base, pages)
                for n in counts:
                    app_rows.append(run_phase("app", base, pages, n, args.duration, [server.pid]))
            finally:
                stop(server)
        except PageError as error:
            print(f"\nFAILED: a page showed an exception or did not finish:\n{error}", file=sys.stderr)
            return 1
        print("\nOne process (streamlit run app.py), the report pages back to back, against the plain page:")
        print_table(app_rows, anchors)

        at_aim = next(p for p in app_rows if p.sessions == AIM_SESSIONS)
        anchor = anchors[AIM_SESSIONS]
        aims.at_least(f"page runs per second, {AIM_SESSIONS} sessions, one process", at_aim.per_second,
                      MIN_RUNS_PER_S, fmt=lambda v: f"{v:.2f}/s", anchor=("the plain page", anchor.per_second),
                      note=f" ({at_aim.cpu_ms_per_run:.0f} ms server CPU a run; {at_aim.load})")
        aims.at_most(f"p90 page run, {AIM_SESSIONS} sessions, one process", at_aim.quantile(90), MAX_P90_S,
                     fmt=seconds, anchor=("the plain page's p90", anchor.quantile(90)))

        if args.no_workers:
            print("\n(nginx phases skipped: --no-workers)")
        elif nginx_binary() is None:
            aims.at_least("2 workers against 1 through nginx", float("nan"), MIN_WORKER_GAIN,
                          note=" (nginx is not installed: make serve installs it, scripts/ensure_nginx.sh)")
        else:
            proxied: list[Phase] = []
            try:
                for workers in (1, 2):
                    with Cluster(workers, free_port(), env={**os.environ, "DASHBOARD_DB": str(db)}) as cluster:
                        for port in cluster.worker_ports:
                            warm(f"http://127.0.0.1:{port}", pages)
                        pids = [p.pid for p in cluster.processes.values()]
                        proxied.append(run_phase(f"{workers} worker(s)", cluster.url, pages, AIM_SESSIONS,
                                                 args.duration, pids, proxied=True))
            except PageError as error:
                print(f"\nFAILED through nginx: {error}", file=sys.stderr)
                return 1
            print(f"\nThrough nginx (scripts/serve.py), {AIM_SESSIONS} sessions, 1 worker and 2 workers:")
            for phase in proxied:
                spread = ", ".join(f"{n} on {w}" for w, n in sorted(phase.workers_seen.items()))
                print(f"  {phase.label:<12} {phase.per_second:6.2f} runs/s  p50 {phase.quantile(50):.2f} s  "
                      f"p90 {phase.quantile(90):.2f} s  p99 {phase.quantile(99):.2f} s  "
                      f"CPU {phase.cpu_ms_per_run:.0f} ms/run  sessions: {spread}  ({phase.load})")
            one, two = proxied
            aims.at_least(f"2 workers against 1 through nginx, {AIM_SESSIONS} sessions (page runs per second)",
                          two.per_second / one.per_second, MIN_WORKER_GAIN,
                          note=f" ({two.per_second:.2f}/s against {one.per_second:.2f}/s)")
    print(f"\n{load_average()} at the end")
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
