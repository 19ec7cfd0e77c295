"""Charts that survive any width and print: no label collides with another label, the axis or the
chart's edge, and all chart text reads at 4.5:1 against what it is drawn on.

Every chart the sample data produces is drawn: each page's, in each of its variants (every measure
on Theme headlines, each source on Exceptions; tests/test_chart_tables.py opens them the same way),
at each report period loaded, and the panel pack's. Each is exported as SVG at the print size
(`dashboard.export`) and as the page draws it (`theme=None`, `Exporter.render_screen`) at 1,400, 640,
390 and 358 px wide (a chart's width in a 390 px browser), opened in Debian's Chromium through Playwright, and every <text> element's
`getBoundingClientRect()` is read. A tick label, an axis title, a legend entry, a bar's value and an
annotation are all <text> elements, so two boxes that overlap are two labels drawn over each other
(the exceptions chart once wrote "-40.7% (published)" over "People killed or seriously injured on
the roads"), and a box past the image's edge is a label cut off.

The same checks run on the live pages too: `streamlit run` on loopback, each page with a chart
opened at each report period in a browser window 1,400, 640 and 390 px wide, and the text of each
chart (both of Plotly's SVG layers) measured as Streamlit's own plotly.js draws it with
`theme=None`; with Streamlit's chart theme the ticks would be #808495 (3.7:1) and fail.

Needs Chromium at /usr/bin/chromium (or BROWSER_PATH) and the playwright client (never
`playwright install`: the system's browser is used).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest

from dashboard import charts, pack
from dashboard.charts import ChartMeta, contrast_ratio, finish_figure
from dashboard.export import Exporter, browser_available, find_browser
from browser_support import free_port, wait_healthy
from loaders.load import load_extracts
from ui.navigation import PAGES

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright client is not installed")
pytestmark = pytest.mark.skipif(not browser_available(), reason="no Chromium to render charts with")

ROOT = Path(__file__).resolve().parent.parent
#: Widths the page is read at: a wide screen, a narrow window or tablet, a phone; and 358 px, the
#: chart's own width in a browser 390 px wide (Streamlit pads the column 16 px each side).
SCREEN_WIDTHS = (1400, 640, 390, 358)
WIDTHS = ("print", *SCREEN_WIDTHS)
#: Pixels two text boxes may share (glyph boxes include a little air above and below the letters).
TOLERANCE_PX = 1.0
#: The least height of a line of text, in px: a label Plotly shrank to fit its bar (it scales it
#: down rather than move it) is drawn, overlaps nothing, and cannot be read.
MIN_TEXT_PX = 10.0
#: The sample must give at least this many distinct charts, so the checks cannot pass on nothing.
MIN_CHARTS = 25

#: In the SVG: every visible <text> with its box, its fill and what it is drawn on. Text inside a
#: bar (Plotly's g.point holds the bar's path and its text) is on the bar's fill, or on each colour
#: of its pattern; any other text is on the paper (the SVG's background, or its first rect).
MEASURE_JS = r"""() => {
  const svg = document.querySelector('svg');
  const origin = svg.getBoundingClientRect();
  // the paper: the SVG's background, or (in an exported SVG) the rect drawn first, under all else
  const first = svg.matches('svg') ? svg : svg.querySelector('svg');
  const backdrop = getComputedStyle(first).backgroundColor;
  const sheet = first.querySelector(':scope > rect');
  const paper = backdrop && backdrop !== 'rgba(0, 0, 0, 0)' ? backdrop
      : sheet ? getComputedStyle(sheet).fill : 'rgb(255, 255, 255)';
  const fills = (element) => {
    const fill = getComputedStyle(element).fill;
    const url = /url\("?#([^")]+)"?\)/.exec(fill);
    if (!url) return [fill];
    const pattern = document.getElementById(url[1]);
    return pattern ? [...pattern.querySelectorAll('rect, path')].map(e => getComputedStyle(e).fill) : [fill];
  };
  const texts = [];
  for (const text of svg.querySelectorAll('text')) {
    const words = (text.textContent || '').trim();
    if (!words) continue;
    let opacity = 1, hidden = false;
    for (let e = text; e && e.nodeType === 1; e = e.parentNode) {
      const style = getComputedStyle(e);
      opacity *= Number(style.opacity);
      if (style.display === 'none' || style.visibility === 'hidden') hidden = true;
    }
    const box = text.getBoundingClientRect();
    if (hidden || opacity === 0 || box.width === 0 || box.height === 0) continue;
    let on = [paper];
    const point = text.closest('g.point');
    const bar = point && point.querySelector('path');
    if (bar) {
      const area = bar.getBoundingClientRect();
      const x = box.left + box.width / 2, y = box.top + box.height / 2;
      if (x >= area.left && x <= area.right && y >= area.top && y <= area.bottom) on = fills(bar);
    }
    // the clip path around it (the plot area, for marks' labels): where the text would be cut
    let clip = null;
    for (let e = text; e && e !== svg && !clip; e = e.parentNode) {
      const url = /url\("?#([^")]+)"?\)/.exec(e.getAttribute('clip-path') || '');
      const rect = url && document.getElementById(url[1]) && document.getElementById(url[1]).querySelector('rect');
      if (rect) {
        const m = e.getScreenCTM(), r = rect;
        const x = Number(r.getAttribute('x') || 0), y = Number(r.getAttribute('y') || 0);
        const a = new DOMPoint(x, y).matrixTransform(m);
        const b = new DOMPoint(x + Number(r.getAttribute('width')), y + Number(r.getAttribute('height'))).matrixTransform(m);
        clip = [a.x - origin.left, a.y - origin.top, b.x - a.x, b.y - a.y];
      }
    }
    const style = getComputedStyle(text);
    texts.push({words, x: box.left - origin.left, y: box.top - origin.top, width: box.width,
                height: box.height, fill: style.fill, alpha: opacity * Number(style.fillOpacity), on, clip});
  }
  return {width: origin.width, height: origin.height, paper, texts};
}"""


# --- Collecting the charts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    where: str          # the page and variant, or the pack, that drew it
    figure: dict

    @property
    def title(self) -> str:
        return str((self.figure.get("layout", {}).get("meta") or {}).get("title", ""))

    def __str__(self) -> str:
        return f"{self.title!r} ({self.where})"


@pytest.fixture(scope="module")
def sample_charts(tmp_path_factory: pytest.TempPathFactory) -> list[Chart]:
    """Every distinct chart of every page variant at every report period, and of every pack."""
    from test_chart_tables import charts_with_tables, open_page, page_variants

    db = tmp_path_factory.mktemp("layout") / "sample.duckdb"
    report = load_extracts(sorted((ROOT / "data").glob("*.csv")), db)
    assert report.ok, report.to_text()
    con = duckdb.connect(str(db), read_only=True)
    try:
        periods = pack.list_report_periods(con)
        found: dict[str, Chart] = {}
        for period in periods:
            for chart in pack.gather_pack_content(con, period).all_charts():
                found.setdefault(chart.figure.to_json(), Chart(f"panel pack {period:%Y-%m}", chart.figure.to_dict()))
    finally:
        con.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASHBOARD_DB", str(db))
        patch.setenv("BROWSER_PATH", str(db.parent / "no-browser"))  # the pages need no images here
        for spec in PAGES:
            for period in periods:
                at = open_page(spec.path, f"{period:%Y-%m}")
                for variant in page_variants(at, spec.path):
                    for chart in charts_with_tables(at):
                        key = json.dumps(chart.figure, sort_keys=True)
                        found.setdefault(key, Chart(f"{spec.url_path} at {period:%Y-%m}, {variant}", chart.figure))
    return list(found.values())


# --- Drawing and measuring them ------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    words: str
    x: float
    y: float
    width: float
    height: float
    fill: str
    alpha: float
    on: tuple[str, ...]
    clip: tuple[float, float, float, float] | None = None   # x, y, width, height it is clipped to

    def __str__(self) -> str:
        return f"{self.words[:60]!r} at ({self.x:.0f}, {self.y:.0f}) {self.width:.0f}x{self.height:.0f}"


@dataclass(frozen=True)
class Drawing:
    chart: Chart
    width: str | int
    size: tuple[float, float]
    texts: tuple[Text, ...]


def measure_svg(page, svg: bytes) -> tuple[tuple[float, float], tuple[Text, ...]]:
    """The image's size and its texts, as Chromium lays the SVG out."""
    page.set_content("<!doctype html><html><body style='margin:0'>" + svg.decode("utf-8") + "</body></html>")
    found = page.evaluate(MEASURE_JS)
    texts = tuple(Text(**{**t, "on": tuple(t["on"]), "clip": tuple(t["clip"]) if t["clip"] else None})
                  for t in found["texts"])
    return (found["width"], found["height"]), texts


def paper_of(svg_texts: tuple[Text, ...]) -> tuple[str, ...]:
    """What most of a drawing's text is on: the paper."""
    counts: dict[tuple[str, ...], int] = {}
    for text in svg_texts:
        counts[text.on] = counts.get(text.on, 0) + 1
    return max(counts, key=counts.get)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser(chromium):
    """A tab to open the exported SVGs in."""
    tab = chromium.new_page()
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def drawings(sample_charts: list[Chart], browser) -> list[Drawing]:
    """Each chart at print size and at each screen width, measured."""
    drawn = []
    with Exporter() as exporter:
        for chart in sample_charts:
            fig = go.Figure(chart.figure)
            for width in WIDTHS:
                svg = exporter.to_svg(fig) if width == "print" else exporter.render_screen(fig, width)
                size, texts = measure_svg(browser, svg)
                drawn.append(Drawing(chart, width, size, texts))
    return drawn


# --- What is wrong with a drawing ------------------------------------------------------------------------


def collisions(size: tuple[float, float], texts: tuple[Text, ...]) -> list[str]:
    """Text boxes that overlap one another, reach past the image's edge, or past the clip path
    drawn around them (a label cut off by the plot area), and text shrunk out of legibility."""
    width, height = size
    found = []
    for text in texts:
        if text.height < MIN_TEXT_PX:
            found.append(f"{text} is shrunk below {MIN_TEXT_PX:g} px")
        if _outside(text, (0.0, 0.0, width, height)):
            found.append(f"{text} leaves the {width:.0f}x{height:.0f} image")
        elif text.clip and _outside(text, text.clip):
            found.append(f"{text} is cut off by the plot area ({', '.join(f'{v:.0f}' for v in text.clip)})")
    for index, first in enumerate(texts):
        for second in texts[index + 1:]:
            across = min(first.x + first.width, second.x + second.width) - max(first.x, second.x)
            down = min(first.y + first.height, second.y + second.height) - max(first.y, second.y)
            if across > TOLERANCE_PX and down > TOLERANCE_PX:
                found.append(f"{first} overlaps {second} by {across:.0f}x{down:.0f} px")
    return found


def _outside(text: Text, area: tuple[float, float, float, float]) -> bool:
    x, y, width, height = area
    return (text.x < x - TOLERANCE_PX or text.y < y - TOLERANCE_PX
            or text.x + text.width > x + width + TOLERANCE_PX or text.y + text.height > y + height + TOLERANCE_PX)


_RGB = re.compile(r"rgba?\(\s*(\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\s*\)")


def css_hex(colour: str) -> tuple[str, float]:
    """'rgb(26, 26, 26)' -> ('#1A1A1A', 1.0); an rgba colour keeps its alpha."""
    match = _RGB.fullmatch(colour.strip())
    assert match, f"not a colour Chromium computes: {colour!r}"
    red, green, blue, alpha = match.groups()
    return f"#{int(red):02X}{int(green):02X}{int(blue):02X}", float(alpha) if alpha else 1.0


def _over(colour: str, alpha: float, background: str) -> str:
    """`colour` at `alpha` as it shows over `background`."""
    top = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    under = [int(background[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(alpha * t + (1 - alpha) * u):02X}" for t, u in zip(top, under))


def text_contrast(text: Text) -> float:
    """The text's contrast with the least favourable colour it is drawn on."""
    fill, fill_alpha = css_hex(text.fill)
    ratios = []
    for background in text.on:
        behind, _ = css_hex(background)
        ratios.append(contrast_ratio(_over(fill, text.alpha * fill_alpha, behind), behind))
    return min(ratios)


# --- The tests ---------------------------------------------------------------------------------------------


def test_the_sample_draws_enough_charts_to_check(sample_charts: list[Chart]) -> None:
    pages = {chart.where.split(" at ")[0] for chart in sample_charts}
    assert len(sample_charts) >= MIN_CHARTS, [str(c) for c in sample_charts]
    assert {"overview", "headlines", "exceptions", "delivery", "budget", "panel pack 2019-01"} <= pages | {
        c.where for c in sample_charts}


@pytest.mark.parametrize("width", WIDTHS, ids=[str(w) for w in WIDTHS])
def test_no_chart_label_collides_or_is_cut_off(width: str | int, drawings: list[Drawing]) -> None:
    problems = []
    for drawing in (d for d in drawings if d.width == width):
        assert drawing.texts, f"{drawing.chart} at {width}: no text measured"
        problems += [f"{drawing.chart} at {width}: {p}" for p in collisions(drawing.size, drawing.texts)]
    assert not problems, f"{len(problems)} label problem(s):\n" + "\n".join(problems)


def test_all_chart_text_reads_at_4_5_to_1(drawings: list[Drawing]) -> None:
    """WCAG 2.2 AA (1.4.3): every label, tick, title, legend entry and bar value, against the paper
    or the bar it sits in (each colour of a hatched bar)."""
    problems = sorted({
        f"{drawing.chart} at {drawing.width}: {text.words[:50]!r} in {text.fill} on {', '.join(text.on)}: "
        f"{text_contrast(text):.2f}:1"
        for drawing in drawings for text in drawing.texts if text_contrast(text) < charts.TEXT_CONTRAST
    })
    assert not problems, "\n".join(problems)
    on_bars = [t for d in drawings for t in d.texts if t.on != paper_of(d.texts)]
    assert on_bars, "no text inside a bar was found: the bar-text check checked nothing"


# --- The checks themselves: they must notice what they look for ---------------------------------------------


def test_a_collision_and_a_cut_off_label_are_noticed(browser) -> None:
    """Two annotations drawn on one spot, and one past the right edge, are reported; the same
    chart with them apart and inside is not."""
    def chart(second_x: float, third_x: float) -> go.Figure:
        fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
        fig.add_annotation(text="First label", x=0.3, y=0.5, xref="paper", yref="paper", showarrow=False)
        fig.add_annotation(text="Second label", x=second_x, y=0.5, xref="paper", yref="paper", showarrow=False)
        fig.add_annotation(text="Third, a long label", x=third_x, y=0.2, xref="paper", yref="paper",
                           showarrow=False, xanchor="left")
        # a value label on a point at the top of the plot, inside the plot's clip path
        fig.add_trace(go.Scatter(x=["b"], y=[2], mode="text", text=["Top label"], textposition="top center",
                                 cliponaxis=second_x < 0.5))
        fig.update_yaxes(range=[0, 2])
        fig.update_layout(showlegend=False, margin={"t": 80})
        return finish_figure(fig, ChartMeta("Test chart"))

    with Exporter() as exporter:
        clash = collisions(*measure_svg(browser, exporter.render_screen(chart(0.32, 1.05), 390)))
        apart = collisions(*measure_svg(browser, exporter.render_screen(chart(0.8, 0.1), 390)))
    assert any("'First label'" in p and "'Second label'" in p and "overlaps" in p for p in clash), clash
    assert any("'Third, a long label'" in p and "leaves" in p for p in clash), clash
    assert any("'Top label'" in p and "cut off by the plot area" in p for p in clash), clash
    assert apart == []


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#808495") == pytest.approx(3.7, abs=0.02)   # Streamlit's chart theme's ticks
    assert contrast_ratio("#FFFFFF", "#D55E00") == pytest.approx(3.87, abs=0.01)   # white on vermillion
    assert contrast_ratio("#1A1A1A", "#FFFFFF") == contrast_ratio("#FFFFFF", "#1A1A1A")


def test_text_on_a_bar_and_text_in_a_palette_colour_read_at_4_5_to_1() -> None:
    """Every colour a bar or a label can take: the text on it, and text drawn in it on white."""
    from dashboard import budget, domain

    fills = {*charts.CATEGORICAL_PALETTE, *(s.colour for s in domain.DIRECTION_STYLES.values()),
             *(s.colour for s in domain.RAG_STATUSES), domain.NOT_COMPARABLE.colour,
             budget.BUDGET_COLOUR, budget.FORECAST_COLOUR}
    for fill in fills:
        assert contrast_ratio(charts.text_on(fill), fill) >= charts.TEXT_CONTRAST, fill
        assert contrast_ratio(charts.ink(fill)) >= charts.TEXT_CONTRAST, fill
    assert charts.text_on("#D55E00") == "#000000" and charts.text_on("#0072B2") == "#FFFFFF"
    assert charts.ink("#1A1A1A") == "#1A1A1A"       # already dark enough: unchanged
    assert charts.ink("#D55E00") != "#D55E00"       # 3.9:1: darkened just enough
    for text in (charts.TEXT_COLOUR, charts.MUTED_TEXT_COLOUR):
        assert contrast_ratio(text, charts.BACKGROUND) >= charts.TEXT_CONTRAST


# --- The live pages ------------------------------------------------------------------------------------------

#: Browser windows the live pages are read in (the chart is the column's width: 940, 608, 358 px).
BROWSER_WIDTHS = (1400, 640, 390)
#: Pages that draw charts.
CHART_PAGES = ("overview", "headlines", "exceptions", "delivery", "budget", "decisions_estates", "recommendations",
               "framework", "summary")
#: True once the script has finished and every Plotly chart has drawn its SVG.
_SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .every(chart => chart.querySelector('svg.main-svg'));
}"""
#: MEASURE_JS over one chart on the page: its two SVG layers (marks, then titles, legend and
#: annotations) together, measured from the chart's own box.
_LIVE_MEASURE_JS = MEASURE_JS.replace(
    "const svg = document.querySelector('svg');",
    "const svg = document.querySelectorAll('[data-testid=stPlotlyChart]')[INDEX]"
    ".querySelector('svg.main-svg').parentNode;",
).replace("() => {", "(INDEX) => {", 1)


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The app on loopback over the sample, and the report periods loaded ('2019-01', ...)."""
    folder = tmp_path_factory.mktemp("live")
    db = folder / "dashboard.duckdb"
    report = load_extracts(sorted((ROOT / "data").glob("*.csv")), db)
    assert report.ok, report.to_text()
    con = duckdb.connect(str(db), read_only=True)
    try:
        periods = [f"{p:%Y-%m}" for p in pack.list_report_periods(con)]
    finally:
        con.close()
    port = free_port()
    env = {**os.environ, "DASHBOARD_DB": str(db), "BROWSER_PATH": str(folder / "no-browser")}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)
        yield base, periods
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.parametrize("window", BROWSER_WIDTHS, ids=[f"{w}px" for w in BROWSER_WIDTHS])
def test_charts_on_the_live_pages_keep_their_labels_apart_and_legible(
    window: int, live_app: tuple[str, list[str]], chromium,
) -> None:
    """Each chart on each page with one, at each report period: no label over another, cut off
    or shrunk, and every text at 4.5:1, as Streamlit's own plotly.js draws it."""
    base, periods = live_app
    context = chromium.new_context(viewport={"width": window, "height": 1000})
    tab = context.new_page()
    problems, measured = [], 0
    try:
        for path in CHART_PAGES:
            for period in periods:
                where = f"/{'' if path == 'overview' else path}?period={period}"
                tab.goto(base + where)
                tab.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
                tab.wait_for_function(_SETTLED, timeout=60_000)
                drawn = tab.locator('[data-testid="stPlotlyChart"]')
                for index in range(drawn.count()):
                    drawn.nth(index).scroll_into_view_if_needed()
                    found = tab.evaluate(_LIVE_MEASURE_JS, index)
                    texts = tuple(Text(**{**t, "on": tuple(t["on"]), "clip": tuple(t["clip"]) if t["clip"] else None})
                                  for t in found["texts"])
                    measured += 1
                    label = f"{where} chart {index + 1} ({found['width']:.0f} px) in a {window} px window"
                    problems += [f"{label}: {p}" for p in collisions((found["width"], found["height"]), texts)]
                    problems += [f"{label}: {t.words[:50]!r} in {t.fill}: {text_contrast(t):.2f}:1"
                                 for t in texts if text_contrast(t) < charts.TEXT_CONTRAST]
    finally:
        context.close()
    assert measured >= len(CHART_PAGES), f"only {measured} charts found on the live pages"
    assert not problems, "\n".join(problems)
