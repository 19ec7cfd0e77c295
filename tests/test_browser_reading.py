"""A councillor's reading, in a real browser (Debian's Chromium) on the sample data:

- at 1,400, 640 and 390 px the seed report's headline figures and comments are in Theme
  headlines' page text, and no page scrolls sideways (report tables stay inside the page);
- axe-core finds no WCAG 2.2 A or AA violation on any page, at a laptop's and a phone's width;
- keyboard focus shows: a focused menu link has a solid outline of at least 3:1 against the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import SETTLED, served_app

from loaders.load import load_extracts
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1400, 640, 390)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

#: From the seed report's headline table (Jan 2019): each must be readable text on the page.
SEED_FIGURES = (
    "Adult and child safeguarding referrals", "4,872 (Jan 2018)", "5,369 (Jan 2019)", "+10.2%",
    "Violent knife crime recorded by police", "806 (Jan 2018)", "881 (Jan 2019)", "+9.3%",
    "Positive outcome rate for serious sexual offences", "11.6% (Jan 2018)", "8.9% (Jan 2019)", "↓ 0.5% pts",
    "Ongoing improvements in identification, recording and referral of safeguarding concerns.",
)

sync_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
if not Path(CHROMIUM).exists():
    pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)", pytrace=False)


#: What sticks out sideways: the document wider than the window, or a report table or a main
#: block element whose right edge passes the main column's (grids scroll inside themselves).
_SIDEWAYS = """() => {
    const found = [];
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth > width) found.push('document ' + document.documentElement.scrollWidth);
    const main = document.querySelector('[data-testid="stMain"]');
    if (main && main.scrollWidth > main.clientWidth + 1) found.push('main ' + main.scrollWidth + '>' + main.clientWidth);
    for (const table of document.querySelectorAll('.report-table table')) {
        const box = table.getBoundingClientRect(), room = table.parentElement.getBoundingClientRect();
        if (box.right > room.right + 1 || box.right > width) {
            found.push('table "' + table.caption.textContent + '" ' + Math.round(box.right) + '>' + Math.round(room.right));
        }
    }
    return found;
}"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db_path = tmp_path_factory.mktemp("reading") / "dashboard.duckdb"
    report = load_extracts(sorted((ROOT / "data").glob("*.csv")), db_path)
    assert report.ok, report.to_text()
    with served_app(db_path) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def _url(base: str, spec: object) -> str:
    """The default page (the first) is the app's root; a link to its url_path is 'page not found'."""
    return base + "/" if spec == PAGES[0] else f"{base}/{spec.url_path}"


def _open(browser: object, url: str, width: int) -> object:
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.goto(url)
    tab.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=60_000)
    tab.wait_for_function(SETTLED, timeout=60_000)
    assert tab.locator('[role="dialog"]').count() == 0, f"{url} opened a dialog: " + tab.locator('[role="dialog"]').first.inner_text()
    return tab


@pytest.mark.parametrize("width", WIDTHS)
def test_the_seed_headline_figures_are_page_text_at_every_width(app_url: str, browser: object, width: int) -> None:
    """Opened with no link, Theme headlines shows the Panel's report: every figure is readable text."""
    tab = _open(browser, f"{app_url}/headlines", width)
    # A cold server's first link runs the page twice (ui.navigation.ensure_frame): wait for the table.
    tab.get_by_role("table").first.wait_for(timeout=60_000)
    tab.wait_for_function(SETTLED, timeout=60_000)
    text = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').innerText")
    missing = [figure for figure in SEED_FIGURES if figure not in text]
    assert not missing, f"at {width} px the page text lacks {missing}"
    # The table's cells are visible, not clipped away: the comment's box has a size on screen.
    comment = tab.get_by_text(SEED_FIGURES[-1]).first
    box = comment.bounding_box()
    assert box is not None and box["width"] > 100 and box["x"] + box["width"] <= width
    tab.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_no_page_scrolls_sideways(app_url: str, browser: object, spec: object, width: int) -> None:
    tab = _open(browser, _url(app_url, spec), width)
    assert tab.evaluate(_SIDEWAYS) == [], f"{spec.title} at {width} px"
    tab.context.close()


@pytest.mark.parametrize("width", (1400, 390))
@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_axe_finds_no_wcag_22_aa_violation(app_url: str, browser: object, spec: object, width: int) -> None:
    tab = _open(browser, _url(app_url, spec), width)
    # Open every "How to read" note and data table, so their content is checked too.
    for expander in tab.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all():
        expander.click()
    tab.wait_for_function(SETTLED, timeout=30_000)
    results = axe_module.Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results["violations"]
    ]
    assert not violations, f"{spec.title} at {width} px: " + "; ".join(violations)
    assert len(results["passes"]) > 10  # axe did run its checks on this page
    tab.context.close()


@pytest.mark.parametrize("width", (1400, 390))
def test_the_performance_summary_reads_with_its_icons_at_a_laptops_and_a_phones_width(
        app_url: str, browser: object, width: int) -> None:
    """At Dec 2024 (the month the sample's series reach; the default Jan 2019 is checked above):
    every measure's row is page text with its icons drawn beside the words, nothing scrolls
    sideways, and axe-core finds no WCAG 2.2 AA violation with every expander open."""
    tab = _open(browser, f"{app_url}/summary?period=2024-12", width)
    tab.get_by_role("table").first.wait_for(timeout=60_000)
    tab.wait_for_function(SETTLED, timeout=60_000)
    text = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').innerText")
    assert "Recorded crime: Burglary" in text and "Months since special cause" in text
    icons = tab.locator(".report-table img.mdc-icon")
    assert icons.count() == 32   # a variation and an assurance icon on each of the 16 rows
    first = icons.first.bounding_box()
    assert first is not None and first["width"] >= 16 and first["x"] + first["width"] <= width
    # every icon is drawn (its SVG decoded), not a broken image
    assert tab.evaluate("[...document.querySelectorAll('.report-table img.mdc-icon')]"
                        ".every(img => img.complete && img.naturalWidth > 0)")
    assert tab.evaluate(_SIDEWAYS) == [], f"summary at {width} px"
    for expander in tab.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all():
        expander.click()
    tab.wait_for_function(SETTLED, timeout=30_000)
    results = axe_module.Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    violations = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                  for v in results["violations"]]
    assert not violations, f"summary at {width} px: " + "; ".join(violations)
    assert tab.evaluate(_SIDEWAYS) == [], f"summary at {width} px, expanders open"
    tab.context.close()


def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rgb(css: str) -> tuple[int, int, int]:
    parts = css[css.index("(") + 1:css.index(")")].split(",")
    return tuple(int(float(p)) for p in parts[:3])  # type: ignore[return-value]


_FOCUS_STYLE = """el => {
    const style = getComputedStyle(el);
    const layers = [];  // the element's background and its ancestors', up to the first opaque one
    for (let node = el; node && node.nodeType === 1; node = node.parentNode) {
        const bg = getComputedStyle(node).backgroundColor;
        layers.push(bg);
        if (bg.startsWith('rgb(')) break;
    }
    return {width: style.outlineWidth, style: style.outlineStyle, colour: style.outlineColor, layers};
}"""


def _alpha(css: str) -> float:
    parts = css[css.index("(") + 1:css.index(")")].split(",")
    return float(parts[3]) if len(parts) == 4 else 1.0


def _background(layers: list[str]) -> tuple[int, int, int]:
    """The colour the page shows behind an element: its translucent layers over the first opaque
    one (white when none is)."""
    colour = (255.0, 255.0, 255.0)
    for layer in reversed(layers):
        alpha, rgb = _alpha(layer), _rgb(layer)
        colour = tuple(alpha * c + (1 - alpha) * base for c, base in zip(rgb, colour))
    return tuple(round(c) for c in colour)  # type: ignore[return-value]


def test_keyboard_focus_shows_on_the_menu_and_radio_options(app_url: str, browser: object) -> None:
    """Tabbing reaches a menu link and a period option; each draws a solid outline of 3:1 or more."""
    tab = _open(browser, _url(app_url, PAGES[0]), 1400)
    seen = {}
    for _ in range(40):
        tab.keyboard.press("Tab")
        focused = tab.evaluate_handle("document.activeElement")
        kind = focused.evaluate(
            "el => el.closest('[data-testid=\"stSidebarNavLink\"]') ? 'menu' : (el.type === 'radio' ? 'radio' : '')"
        )
        if kind and kind not in seen:
            # A radio's input is hidden by design: its label is what draws the outline.
            shown = focused.evaluate_handle("el => el.type === 'radio' ? el.closest('label') : el")
            seen[kind] = shown.evaluate(_FOCUS_STYLE)
        if len(seen) == 2:
            break
    assert set(seen) == {"menu", "radio"}, f"tabbing did not reach both: {seen}"
    for kind, style in seen.items():
        assert style["style"] == "solid" and float(style["width"].removesuffix("px")) >= 2, (kind, style)
        assert _contrast(_rgb(style["colour"]), _background(style["layers"])) >= 3, (kind, style)
    tab.context.close()
