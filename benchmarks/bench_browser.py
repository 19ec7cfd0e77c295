"""How soon each page shows its first chart or table in a real browser, against a plain page.

Loads the sample extracts (data/*.csv) into a fresh database, serves the app with
`streamlit run app.py` on a free loopback port, and next to it a plain Streamlit page (one
`st.dataframe`, one `st.plotly_chart`, nothing else) from a temporary folder, measured in the
same run. Chromium (Debian's, through Playwright's Python client) opens each page and the
figure is the time from the start of the navigation (the browser's `performance.timeOrigin`)
until the first chart or table is drawn: a Plotly `svg.main-svg`, an `st.dataframe`'s grid, or
an HTML `<table>`, visible on the screen. Each is taken twice:

- first visit: a new browser context (empty cache, no cookies), as a councillor opening a link;
- repeat visit: the same context loading the page again (Streamlit's scripts and fonts cached,
  a new session on the server).

Each page is measured REPEATS times (default 3), pages interleaved with the plain page, and the
median reported. A page that draws no chart or table at all (nothing loaded for it) is timed
until its script has finished and is marked so. Ends with one aim line per visit kind (the
slowest page within 1.3x the plain page) via benchmarks/aims.py and exits 1 on a miss.

    .venv/bin/python benchmarks/bench_browser.py [REPEATS] [--only PAGES] [--profile PAGES|all]

`--only budget,headlines` measures only those pages (url paths) beside the plain page.
`--profile PAGES` (url paths, `plain`, or `all`) also prints, for a first and a repeat visit of
each, where the time goes: the browser's resource timeline (each request's start and end, its
size), every websocket message (decoded: which element the server sent, when), when the first
chart container, chart SVG, data grid and HTML table entered the page, and the main thread's
long tasks; then one line per visit: session started, first chart or grid sent, script
finished, first chart or table drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.aims import Aims, against_anchor, milliseconds  # noqa: E402
from browser_support import served  # noqa: E402
from loaders.load import load_extracts  # noqa: E402
from ui.navigation import PAGES  # noqa: E402

#: Every page's first chart or table at most this many times the plain page's.
BROWSER_AIM = 1.3
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 60_000

#: The anchor: what a Streamlit page with one table and one chart costs in this browser.
PLAIN_PAGE = '''
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Plain page", layout="wide")
st.title("Plain page")
frame = pd.DataFrame({"month": [f"2018-{m:02d}" for m in range(1, 13)], "value": list(range(100, 112))})
st.dataframe(frame, hide_index=True)
st.plotly_chart(go.Figure(go.Scatter(x=frame["month"], y=frame["value"])))
'''

#: Resolves with performance.now() (ms since the navigation started) once a chart or table is
#: drawn and visible: a Plotly chart's SVG, a data grid, or an HTML table with a row.
FIRST_DRAWN = """() => {
    const visible = el => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && box.top < window.innerHeight
            && getComputedStyle(el).visibility !== 'hidden' && el.checkVisibility?.() !== false;
    };
    const found = [...document.querySelectorAll(
        'svg.main-svg, [data-testid="stDataFrame"] canvas, [data-testid="stDataFrameResizable"], '
        + '[data-testid="stTable"] table, [data-testid="stHtml"] table, [data-testid="stMarkdownContainer"] table')];
    return found.some(visible) ? performance.now() : false;
}"""

#: performance.now() once the script has finished and no element is still a placeholder.
SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    return performance.now();
}"""


def time_visit(tab: object, url: str) -> tuple[float, bool]:
    """(ms from navigation to the first chart or table, whether one was drawn). A page that
    draws neither is timed until its script has finished."""
    tab.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    drawn_or_settled = f"""() => {{
        const drawn = ({FIRST_DRAWN})();
        if (drawn) return {{ms: drawn, drawn: true}};
        const settled = ({SETTLED})();
        // Settled with nothing drawn: give a chart that is still being laid out a moment.
        if (settled && performance.now() - settled > 0 && window.__settledAt === undefined) window.__settledAt = settled;
        if (window.__settledAt !== undefined && performance.now() - window.__settledAt > 1500)
            return {{ms: window.__settledAt, drawn: false}};
        return false;
    }}"""
    found = tab.wait_for_function(drawn_or_settled, polling="raf", timeout=TIMEOUT_MS).json_value()
    return float(found["ms"]), bool(found["drawn"])


def measure(browser: object, url: str) -> tuple[float, float, bool]:
    """One first visit (new context) and one repeat visit (same context): (first ms, repeat ms, drawn)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        first, drawn = time_visit(tab, url)
        tab.wait_for_function(SETTLED, timeout=TIMEOUT_MS)  # the first session finished
        repeat, _ = time_visit(tab, url)
        return first, repeat, drawn
    finally:
        context.close()


def _what(payload: bytes | str) -> str:
    """A ForwardMsg's kind, and for a new element its type (st.html, plotly_chart, ...)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
    except Exception:  # noqa: BLE001 (a frame that is not a ForwardMsg: say so)
        return "?"
    kind = msg.WhichOneof("type") or "?"
    if kind == "delta":
        delta = msg.delta
        part = delta.WhichOneof("type")
        if part == "new_element":
            return f"element {delta.new_element.WhichOneof('type')}"
        if part == "add_block":
            return f"block {delta.add_block.WhichOneof('type')}"
        return f"delta {part}"
    return kind


def profile(browser: object, url: str) -> None:
    """Where one first visit's time goes: requests, websocket messages and the first draw."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(_WATCH)
    tab = context.new_page()
    frames: list[tuple[float, str, int]] = []

    def on_socket(socket: object) -> None:
        socket.on("framereceived", lambda payload: frames.append(
            (tab.evaluate("performance.now()"), "server->browser " + _what(payload), len(payload))))
        socket.on("framesent", lambda payload: frames.append(
            (tab.evaluate("performance.now()"), "browser->server", len(payload))))

    tab.on("websocket", on_socket)
    for visit in ("first", "repeat"):
        frames.clear()
        ms, drawn = time_visit(tab, url)
        tab.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
        _print_timeline(tab, url, visit, ms, drawn, frames)
    context.close()


#: In the profiled tab: the browser's long tasks (main thread busy 50 ms or more) and when
#: each chart's container and its SVG first appear.
_WATCH = """
window.__longTasks = [];
new PerformanceObserver(list => list.getEntries().forEach(e =>
    window.__longTasks.push([e.startTime, e.duration]))).observe({type: 'longtask', buffered: true});
window.__marks = [];
const seen = new Set();
new MutationObserver(() => {
    for (const [name, selector] of [['chart container', '[data-testid="stPlotlyChart"]'],
                                    ['chart svg', 'svg.main-svg'], ['data grid', '[data-testid="stDataFrame"]'],
                                    ['html table', 'table']]) {
        if (!seen.has(name) && document.querySelector(selector)) {
            seen.add(name); window.__marks.push([performance.now(), name]);
        }
    }
}).observe(document, {childList: true, subtree: true});
"""


#: One line per profiled visit: (url, visit, session started, first chart or grid sent, script
#: finished, first chart or table drawn), ms from the navigation's start.
summary: list[tuple[str, str, float, float, float, float]] = []


def _print_timeline(tab: object, url: str, visit: str, ms: float, drawn: bool,
                    frames: list[tuple[float, str, int]]) -> None:
    entries = tab.evaluate("""() => performance.getEntries().map(e => ({
        name: e.name, type: e.entryType, start: e.startTime, end: e.startTime + e.duration,
        size: e.transferSize || 0, body: e.decodedBodySize || 0}))""")
    print(f"\nprofile of a {visit} visit to {url}: first {'chart or table' if drawn else 'settled'} at {ms:.0f} ms")
    print(f"  {'start':>7} {'end':>7} {'kB':>7} {'body kB':>8}  what")
    for entry in sorted(entries, key=lambda e: e["start"]):
        if entry["type"] in ("resource", "navigation", "paint"):
            name = entry["name"].split("/")[-1][:70] or entry["name"][:70]
            print(f"  {entry['start']:7.0f} {entry['end']:7.0f} {entry['size'] / 1000:7.1f} "
                  f"{entry['body'] / 1000:8.1f}  {entry['type']}: {name}")
    for at, direction, size in frames:
        print(f"  {at:7.0f} {'':7} {size / 1000:7.1f} {'':8}  websocket {direction}")
    marks = tab.evaluate("window.__marks")
    sent = [at for at, what, _ in frames if what.startswith("server->browser new_session")]
    done = [at for at, what, _ in frames if what.startswith("server->browser script_finished")]
    elements = [at for at, what, _ in frames
                if what.split()[-1] in ("plotly_chart", "arrow_data_frame", "dataframe", "arrow_table")]
    summary.append((url, visit, sent[0] if sent else float("nan"), elements[0] if elements else float("nan"),
                    done[0] if done else float("nan"), ms))
    for at, name in marks:
        print(f"  {at:7.0f} {'':7} {'':7} {'':8}  first {name} in the page")
    for start, duration in tab.evaluate("window.__longTasks"):
        print(f"  {start:7.0f} {start + duration:7.0f} {'':7} {'':8}  long task ({duration:.0f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repeats", nargs="?", type=int, default=3)
    parser.add_argument("--profile", metavar="PAGE")
    parser.add_argument("--only", metavar="PAGES", help="comma-separated url paths: measure only these")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        folder = Path(tmp)
        db = folder / "dashboard.duckdb"
        report = load_extracts(sorted((ROOT / "data").glob("*.csv")), db)
        if not report.ok:
            raise SystemExit(report.to_text())
        plain = folder / "plain_page.py"
        plain.write_text(PLAIN_PAGE, encoding="utf-8")
        with served(ROOT / "app.py", {"DASHBOARD_DB": str(db)}) as app, served(plain, {}) as plain_base, \
                sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            urls = {"plain": plain_base + "/"}
            chosen = set(args.only.split(",")) if args.only else None
            urls.update({spec.url_path: f"{app}/{spec.url_path}" for spec in PAGES
                         if chosen is None or spec.url_path in chosen})
            titles = {"plain": "plain page (one table, one chart)"}
            titles.update({spec.url_path: spec.title for spec in PAGES})
            # A first look at every page warms the server (imports, first queries, caches), as
            # a Panel meeting's readers arrive at a server that has been up for a while.
            for url in urls.values():
                measure(browser, url)
            firsts: dict[str, list[float]] = {name: [] for name in urls}
            repeats: dict[str, list[float]] = {name: [] for name in urls}
            drawn: dict[str, bool] = {}
            for _ in range(args.repeats):
                for name, url in urls.items():
                    first, repeat, drawn[name] = measure(browser, url)
                    firsts[name].append(first)
                    repeats[name].append(repeat)
            for name in (list(urls) if args.profile == "all" else args.profile.split(",") if args.profile else []):
                profile(browser, urls[name])
            if summary:
                print("\nwhere the time goes (ms from navigation): session started (static files loaded, "
                      "websocket open), first Plotly chart or data grid sent by the server, script finished, "
                      "first chart or table drawn")
                for url, visit, started, element, finished, drawn_at in summary:
                    print(f"  {url.rsplit('/', 1)[-1] or 'plain':<20} {visit:<7} session {started:6.0f}  "
                          f"chart/grid sent {element:6.0f}  finished {finished:6.0f}  drawn {drawn_at:6.0f}")
            browser.close()
    first = {name: statistics.median(values) for name, values in firsts.items()}
    repeat = {name: statistics.median(values) for name, values in repeats.items()}
    pages = [name for name in urls if name != "plain"]

    def label(name: str) -> str:
        return titles[name] + ("" if drawn[name] else " (draws no chart or table: until settled)")

    print(f"navigation to first chart or table, Chromium {VIEWPORT['width']}x{VIEWPORT['height']}, "
          f"sample data, median of {args.repeats}")
    print("first visit (new browser context):")
    against_anchor((titles["plain"], first["plain"] / 1000),
                   [(label(name), first[name] / 1000) for name in pages], fmt=milliseconds)
    print("repeat visit (same context, page loaded again):")
    against_anchor((titles["plain"], repeat["plain"] / 1000),
                   [(label(name), repeat[name] / 1000) for name in pages], fmt=milliseconds)
    aims = Aims()
    for kind, figures in (("first visit", first), ("repeat visit", repeat)):
        slowest = max(pages, key=lambda name: figures[name])
        aims.at_most(f"{kind}: slowest page's first chart or table ({titles[slowest]})",
                     figures[slowest] / 1000, BROWSER_AIM * figures["plain"] / 1000, fmt=milliseconds,
                     anchor=("the plain page", figures["plain"] / 1000))
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
