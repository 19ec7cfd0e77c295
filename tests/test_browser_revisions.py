"""A published report with revisions, in a real browser (Debian's Chromium): the pages that show
it, as reported and latest, and the Revisions page with its chart, read without a sideways scroll
and with no WCAG 2.2 A or AA violation (axe-core), at a laptop's and a phone's width.

tests/test_browser_reading.py checks every page on the sample, which has no publication, so the
figures control, the revision notices, the "✎ Revised" marks and the Revisions tables are checked here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import SETTLED, served_app
from test_browser_reading import _SIDEWAYS, WCAG_TAGS, _open, axe_module, browser  # noqa: F401 - a fixture
from test_pages_revisions import NOW, REPORTED, build_published_database

from dashboard.revision_views import REVISED_MARK

#: Each view, and text it must show as page text (not only in a chart).
VIEWS = {
    "headlines?period=2019-01": (REVISED_MARK, NOW, "Revised: 5,369 (Jan 2019) reported to the Panel on 8 May 2019"),
    "headlines?period=2019-01&figures=reported": (REPORTED, "These are the figures as reported to the Panel on 8 May 2019"),
    "exceptions?period=2019-01": (REVISED_MARK,),
    "?period=2019-01": ("2 figures on this page have been revised",),
    "revisions": ("Reports published to the Panel", "a.analyst", "measures.csv"),
}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_app(build_published_database(tmp_path_factory.mktemp("published"))) as base:
        yield base


@pytest.mark.parametrize("width", (1400, 390))
@pytest.mark.parametrize("view", list(VIEWS))
def test_a_published_report_reads_without_sideways_scroll_or_wcag_violation(
        app_url: str, browser: object, view: str, width: int) -> None:
    tab = _open(browser, f"{app_url}/{view}", width)
    for expander in tab.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all():
        expander.click()
    tab.wait_for_function(SETTLED, timeout=30_000)
    text = tab.evaluate("document.querySelector('[data-testid=\"stMain\"]').innerText")
    missing = [words for words in VIEWS[view] if words not in text]
    assert not missing, f"{view} at {width} px lacks {missing}"
    assert tab.evaluate(_SIDEWAYS) == [], f"{view} at {width} px"
    results = axe_module.Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    violations = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                  for v in results["violations"]]
    assert not violations, f"{view} at {width} px: " + "; ".join(violations)
    tab.context.close()
