"""A new reader before anything is loaded: the how-to-load panel in Chromium reads at 1,400 and
390 px (its commands wrap instead of scrolling sideways) and passes axe-core's WCAG 2.2 AA rules
(the commands' text at 4.5:1, which shell highlighting was not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import served_app
from test_browser_reading import _SIDEWAYS, WCAG_TAGS, _open, axe_module, browser  # noqa: F401 (fixture)

from ui.data import LOAD_COMMAND, LOAD_SAMPLE_COMMAND


@pytest.fixture(scope="module")
def empty_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_app(tmp_path_factory.mktemp("no-data") / "dashboard.duckdb") as base:  # no file yet
        yield base


@pytest.mark.parametrize("width", (1400, 390))
def test_the_how_to_load_panel_reads_at_every_width(empty_app_url: str, browser: object, width: int) -> None:
    tab = _open(browser, empty_app_url + "/", width)
    main = tab.locator('[data-testid="stMain"]')
    main.get_by_text("No data loaded yet").wait_for(timeout=30_000)
    text = main.inner_text()
    assert LOAD_SAMPLE_COMMAND in text and LOAD_COMMAND in text.replace("\n", " ")
    assert tab.evaluate(_SIDEWAYS) == [], f"the no-data panel at {width} px"
    results = axe_module.Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    violations = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in results["violations"]]
    assert not violations, f"no-data panel at {width} px: " + "; ".join(violations)
    tab.context.close()
