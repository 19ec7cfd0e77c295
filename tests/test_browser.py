"""A real browser on every page of the sample data: `streamlit run` on loopback, Playwright, Debian's Chromium.

Fails on any Streamlit exception block; saves a screenshot of each page to artifacts/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from browser_support import SETTLED, served_app

from loaders.atomic import staged_database
from loaders.load import load_extracts
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "data"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
EXCEPTION_BLOCK = '[data-testid="stException"]'
THEME = "Helping and supporting victims"
HOSTILE = "<script>alert(1)</script> [link](javascript:alert(1))"
#: A measure named like a web address, from an extract loaded beside the sample: Markdown would
#: make it (and the like in a link) a clickable link unless escaped.
HOSTILE_MEASURE = "www.evil.example/login"
HOSTILE_AREA = "https://evil.example"
HOSTILE_EXTRACT = (
    "period,theme,measure,polarity,unit,baseline,current,trend,headline,exception,comment\n"
    f"2019-01,Protecting people from harm,{HOSTILE_MEASURE},higher_is_better,count,"
    "100 (Jan 2018),80 (Jan 2019),-20.0%,yes,negative,Write to a@evil.example or see https://evil.example/help\n"
)
WORD_JOINER = "\u2060"  # what ui.render.escape_markdown puts inside an address (invisible)

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # the suite's `make test` installs it; say so rather than pass
    pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)", pytrace=False)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "dashboard.duckdb"
    hostile = folder / "measures_hostile.csv"
    hostile.write_text(HOSTILE_EXTRACT, encoding="utf-8")
    report = load_extracts([*sorted(SAMPLE_DATA.glob("*.csv")), hostile], db_path)
    assert report.ok, report.to_text()
    with staged_database(db_path) as con:
        con.execute("UPDATE measures SET comment = ?, exception_comment = ? WHERE measure = 'Fraud offences'",
                    [HOSTILE, HOSTILE])
    with served_app(db_path) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


def _page_url(base: str, index: int) -> str:
    return base + "/" if index == 0 else f"{base}/{PAGES[index].url_path}"




def _wait_for_page(tab: object, title: str, timeout_ms: int = 30_000) -> None:
    tab.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=timeout_ms)
    tab.wait_for_function(SETTLED, timeout=timeout_ms)


def test_a_link_to_a_page_is_the_first_request(app_url: str, page: object) -> None:
    """Right after a start, a shared link opens its page inside the frame, filters applied.

    (Runs first against the fresh server: that is when Streamlit would take the legacy route.)
    """
    page.goto(f"{app_url}/headlines?period=2019-01&theme={quote(THEME)}")
    _wait_for_page(page, "Theme headlines", timeout_ms=60_000)  # a cold server: imports, first queries
    # The menu holds the frame's titles, not file names. Each entry reads "<icon ligature>\n<title>".
    page.wait_for_function(
        """titles => {
            const links = [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')];
            return links.length === titles.length
                && links.every((link, i) => link.innerText.trim().split('\\n').pop().trim() === titles[i]);
        }""",
        arg=[spec.title for spec in PAGES],
        timeout=30_000,
    )
    page.get_by_text(f"Report to Jan 2019 · {THEME} ·").first.wait_for(timeout=30_000)
    assert page.locator(EXCEPTION_BLOCK).count() == 0


#: Each page at its default (the latest report) and at the seed report, which has every kind of row.
LINKS = ("", "?period=2019-01")


@pytest.mark.parametrize("link", LINKS, ids=["latest", "2019-01"])
@pytest.mark.parametrize("index", range(len(PAGES)), ids=[spec.url_path for spec in PAGES])
def test_page_renders_without_exception(app_url: str, page: object, index: int, link: str) -> None:
    """Each page shows its heading and no exception block; a screenshot is kept."""
    spec = PAGES[index]
    page.goto(_page_url(app_url, index) + link)
    _wait_for_page(page, spec.title)
    page.wait_for_timeout(300)  # transitions (fade-ins) finish before the screenshot
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "-" + link.split("=")[-1] if link else ""
    page.screenshot(path=str(SCREENSHOTS / f"{index + 1:02d}-{spec.url_path}{suffix}.png"), full_page=True)
    exceptions = page.locator(EXCEPTION_BLOCK)
    assert exceptions.count() == 0, exceptions.first.inner_text()


def test_filters_carry_across_pages_in_the_browser(app_url: str, page: object) -> None:
    """A theme in the link stays chosen after moving to another page through the menu."""
    page.goto(f"{app_url}/headlines?period=2019-01&theme={quote(THEME)}")
    _wait_for_page(page, "Theme headlines")
    # Through a page without filters and on: they are still there.
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Data").first.click()
    _wait_for_page(page, "Data")
    page.wait_for_url(lambda url: "theme=" in url, timeout=15_000)
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Exceptions").first.click()
    _wait_for_page(page, "Exceptions")
    page.wait_for_url(lambda url: "theme=" in url, timeout=15_000)
    assert quote(THEME).replace("%20", "+") in page.url or quote(THEME) in page.url
    # The Exceptions page's caption names the scope it is showing.
    page.get_by_text(f"Report to Jan 2019 · {THEME} ·").first.wait_for(timeout=15_000)
    assert page.locator(EXCEPTION_BLOCK).count() == 0


def test_hostile_free_text_shown_not_run(app_url: str, page: object) -> None:
    """A comment holding a script and a javascript: link is shown literally; nothing runs."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{app_url}/exceptions?period=2019-01")
    _wait_for_page(page, "Exceptions")
    # The narrative is a cell of the exceptions table (HTML, escaped), not a clickable link or a tag.
    shown = page.locator(".report-table td:visible").filter(has_text=HOSTILE).first
    shown.wait_for(timeout=10_000)
    assert shown.inner_text().strip() == HOSTILE
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert dialogs == []




def _shown_text(tab: object) -> str:
    """The page's text as a reader sees it (the invisible word joiners left out)."""
    return tab.locator('[data-testid="stApp"]').inner_text().replace(WORD_JOINER, "")


@pytest.mark.parametrize("link", [
    f"headlines?period=2019-01&area={quote(HOSTILE_AREA)}&theme={quote(HOSTILE_MEASURE)}"
    f"&measure={quote(HOSTILE_MEASURE)}",
    f"headlines?period=2019-01&measure={quote(HOSTILE_AREA + '/login')}",
    f"exceptions?period=2019-01&theme={quote(HOSTILE_MEASURE)}",
], ids=["headlines", "unknown-measure", "exceptions"])
def test_addresses_from_links_and_extracts_are_not_links(app_url: str, page: object, link: str) -> None:
    """Web and e-mail addresses in a link's values and in an extract's names are shown as text,
    never turned into links by Markdown's autolinking (in captions, warnings, labels, expanders)."""
    page.goto(f"{app_url}/{link}")
    _wait_for_page(page, "Exceptions" if link.startswith("exceptions") else "Theme headlines")
    if link.startswith("exceptions"):
        page.locator(".report-table td:visible").filter(has_text="a@evil.example").first.wait_for(timeout=10_000)
    shown = _shown_text(page)
    if "area=" in link:
        assert f"'{HOSTILE_AREA}' has nothing to show here" in shown  # the area warning
        assert f"'{HOSTILE_MEASURE}' has nothing to show here" in shown  # the theme warning
        assert f"{HOSTILE_MEASURE} · source: " in shown  # the chosen measure's chart caption
    elif "measure=" in link:
        assert f"measure '{HOSTILE_AREA}/login' is not available here" in shown
    else:
        assert f"'{HOSTILE_MEASURE}' has nothing to show here" in shown
        assert HOSTILE_MEASURE in shown  # the table's row header
    assert page.locator('a[href*="evil"]').count() == 0, [
        a.get_attribute("href") for a in page.locator('a[href*="evil"]').all()]
    assert page.locator(EXCEPTION_BLOCK).count() == 0
