"""AppTest: a published report on the pages. "Figures: As reported to the Panel | Latest" switches
every query of the page to the frozen file (and is kept in the link), revised figures are marked
"✎ Revised" with their sentence on the latest figures, and the Revisions page lists each change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from report_tables import html_bodies, report_tables
from streamlit.testing.v1 import AppTest
from test_chart_tables import assert_tables_carry_the_figures, charts_with_tables

from dashboard import measures, revision_views
from loaders.load import load_extracts
from loaders.provenance import Actor
from loaders.publish import frozen_path, publish_report

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
DATA = ROOT / "data"
JAN_2019 = date(2019, 1, 1)
REFERRALS = "Adult and child safeguarding referrals"
REPORTED, NOW = "5,369 (Jan 2019)", "5,412 (Jan 2019)"
#: A year of monthly referrals to Jan 2019 (the report's figure last), and Nov 2018 corrected later.
SERIES = {f"2018-{m:02d}": 5000 + 10 * m for m in range(2, 13)} | {"2019-01": 5369}
SERIES_NOV_NOW = 5222


def _write_series(path: Path, nov: int) -> Path:
    values = SERIES | {"2018-11": nov}
    rows = "".join(f'{REFERRALS},{month},"{value:,}",Force\n' for month, value in values.items())
    path.write_text("measure,period,value,area\n" + rows, encoding="utf-8")
    return path


def _earlier_report(folder: Path) -> Path:
    """Oct 2018: the same measures a report earlier, never published."""
    lines = (DATA / "measures.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = folder / "measures_2018_10.csv"
    path.write_text(lines[0] + "".join(line.replace("2019-01,", "2018-10,", 1) for line in lines[1:]), encoding="utf-8")
    return path


def build_published_database(folder: Path) -> Path:
    """Load 1: the sample measures, deliverables, budget and a referrals series; the Jan 2019
    report published for the meeting of 8 May 2019; then a.analyst's uploads correct the current
    referrals figure (load 2) and November's month of the series (load 3)."""
    first, second = folder / "first", folder / "second"  # one folder per load: the files share names
    first.mkdir()
    second.mkdir()
    db = folder / "dashboard.duckdb"
    files = [DATA / "measures.csv", DATA / "deliverables.csv", DATA / "budget.csv", _earlier_report(first),
             _write_series(first / "series.csv", SERIES["2018-11"])]
    assert load_extracts(files, db, Actor("j.smith", "command line")).ok
    assert publish_report(db, JAN_2019, Actor("j.smith", "command line"), date(2019, 5, 8)).ok
    corrected = second / "measures.csv"
    corrected.write_text((DATA / "measures.csv").read_text(encoding="utf-8").replace(f'"{REPORTED}"', f'"{NOW}"'),
                         encoding="utf-8")
    for files in ([corrected], [_write_series(second / "series.csv", SERIES_NOV_NOW)]):  # loads 2 and 3
        report = load_extracts(files, db, Actor("a.analyst", "upload"))
        assert report.ok, report.to_text()
    return db


@pytest.fixture(scope="module")
def _published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_published_database(tmp_path_factory.mktemp("published"))


@pytest.fixture()
def published_db(_published_once: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(_published_once))
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-browser"))  # no chart images needed
    return _published_once


def _open(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _headlines(at: AppTest) -> pd.DataFrame:
    return pd.concat([t for t in report_tables(at) if "Check" in t.columns], ignore_index=True)


def _referrals(at: AppTest) -> str:
    table = _headlines(at)
    return table.loc[table["Measure"] == REFERRALS, "Current"].iloc[0]


def _texts(at: AppTest) -> str:
    parts = [el.value for el in (*at.markdown, *at.caption, *at.info, *at.warning, *at.success)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_the_toggle_switches_the_headline_figure_and_the_link_carries_it(published_db: Path) -> None:
    at = _open("pages/headlines.py", period="2019-01")
    figures = at.radio(key="figures_mode")
    assert figures.label == "Figures" and figures.options == ["As reported to the Panel", "Latest"]
    assert figures.value == "Latest" and "figures" not in at.query_params
    assert _referrals(at) == f"{NOW}\n{revision_views.REVISED_MARK}"
    figures.set_value("As reported to the Panel").run()
    assert not at.exception
    assert at.query_params["figures"] == "reported"
    assert _referrals(at) == REPORTED
    assert "These are the figures as reported to the Panel on 8 May 2019 (load 1). 2 figures have been " \
           "revised since: see Revisions." in _texts(at)
    assert revision_views.REVISED_MARK not in "\n".join(html_bodies(at))
    at.radio(key="figures_mode").set_value("Latest").run()
    assert "figures" not in at.query_params and _referrals(at).startswith(NOW)
    # A link sent by a reader opens as reported.
    linked = _open("pages/headlines.py", period="2019-01", figures="reported")
    assert linked.radio(key="figures_mode").value == "As reported to the Panel" and _referrals(linked) == REPORTED
    # The choice goes with the reader to the next report page, as the shared filters do.
    del linked.query_params["figures"]   # the menu drops the query string
    linked.switch_page("pages/exceptions.py").run()
    assert linked.radio(key="figures_mode").value == "As reported to the Panel"
    assert linked.query_params["figures"] == "reported"


def test_the_revised_mark_and_sentence_show_on_the_latest_figures_only_for_a_published_report(published_db: Path) -> None:
    at = _open("pages/headlines.py", period="2019-01")
    notice = "\n".join(w.value for w in at.warning).replace("\\", "")
    assert "✎ 2 figures on this page have been revised since the Jan 2019 report was reported to the Panel " \
           "on 8 May 2019" in notice
    assert (f"{REFERRALS}, Current. Revised: {REPORTED} reported to the Panel on 8 May 2019, now {NOW}, loaded "
            in notice) and " by a.analyst." in notice
    assert f"{REFERRALS} · Force · Nov 2018, Value. Revised: 5,110 reported" in notice
    exceptions = _open("pages/exceptions.py", period="2019-01")
    narratives = [t for t in report_tables(exceptions) if t.attrs["caption"].startswith("Exceptions")][0]
    change = narratives.loc[narratives["Measure"] == REFERRALS, "Change"].iloc[0]
    assert change.endswith(f"\n{revision_views.REVISED_MARK}")  # the change computed from the revised current
    assert f"{REFERRALS}, Current. Revised: {REPORTED}" in "\n".join(w.value for w in exceptions.warning).replace("\\", "")
    earlier = _open("pages/headlines.py", period="2018-10")
    assert not earlier.radio or all(r.key != "figures_mode" for r in earlier.radio)
    assert revision_views.REVISED_MARK not in "\n".join(html_bodies(earlier))
    assert "Revised:" not in _texts(earlier)
    assert _referrals(earlier) == REPORTED  # Oct 2018's copy of the figure, never corrected


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/delivery.py", "pages/budget.py",
                                  "pages/exceptions.py"])
def test_every_report_page_offers_the_toggle_and_runs_as_reported(page: str, published_db: Path) -> None:
    at = _open(page, period="2019-01", figures="reported")
    assert at.radio(key="figures_mode").value == "As reported to the Panel"
    assert "These are the figures as reported to the Panel on 8 May 2019 (load 1)." in _texts(at)
    assert "Revised:" not in "\n".join(w.value for w in at.warning)
    for variant in ("as reported",):
        assert_tables_carry_the_figures(at, f"{page} {variant}")


def test_as_reported_figures_are_the_frozen_files(published_db: Path) -> None:
    """Every headline table as reported is the table the frozen database gives, cell for cell."""
    at = _open("pages/headlines.py", period="2019-01", figures="reported")
    with duckdb.connect(str(published_db), read_only=True) as con:
        frozen_file = con.execute("SELECT frozen_file FROM published_reports").fetchone()[0]
    with duckdb.connect(str(frozen_path(published_db, frozen_file)), read_only=True) as con:
        expected = measures.headline_table(measures.headline_rows(measures.query_measure_changes(con, JAN_2019, None)))
    shown = _headlines(at)
    assert shown.values.tolist() == expected.drop(columns="Theme").fillna("").values.tolist()
    exceptions = _open("pages/exceptions.py", period="2019-01", figures="reported")
    with duckdb.connect(str(frozen_path(published_db, frozen_file)), read_only=True) as con:
        found = measures.query_exceptions(con, JAN_2019, ("positive", "negative"), None, measures.ANALYST_SOURCE)
    narratives = [t for t in report_tables(exceptions) if t.attrs.get("caption", "").startswith("Exceptions")][0]
    assert narratives.values.tolist() == measures.exception_table(found).fillna("").values.tolist()


def test_the_revisions_page_lists_each_change_and_draws_the_series_as_reported(published_db: Path) -> None:
    at = _open("pages/revisions.py")
    tables = {t.attrs["caption"]: t for t in report_tables(at)}
    changes = tables["Revisions to every published report"]
    row = changes[changes["Figure"] == REFERRALS].iloc[0]
    assert (row["Report"], row["Record"], row["Field"], row["Reported to the Panel"], row["Now"], row["Load"],
            row["Loaded by"], row["File"]) == ("Jan 2019", "Headline measures", "Current", REPORTED, NOW, "2",
                                               "a.analyst", "measures.csv")
    series = tables["Monthly series months revised in every published report"]
    assert series[["Figure", "Reported to the Panel", "Now"]].values.tolist() == [
        [f"{REFERRALS} · Force · Nov 2018", "5,110", f"{SERIES_NOV_NOW:,}"]]
    published = tables["Reports published to the Panel: every published report"]
    assert published[["Report", "Panel meeting", "Figures of load", "Published by", "Figures revised since"]] \
        .values.tolist() == [["Jan 2019", "8 May 2019", "1", "j.smith", "2 figures"]]
    charts = charts_with_tables(at)
    assert len(charts) == 1
    traces = charts[0].figure["data"]
    assert [(t["name"], t["line"]["dash"]) for t in traces] == [("As reported to the Panel", "dash"), ("Latest", "solid")]
    assert assert_tables_carry_the_figures(at, "revisions") == 1
    comparison = charts[0].table.set_index("Month")
    assert comparison.loc["Nov 2018"].tolist() == ["5,110", "5,222", revision_views.REVISED_MARK]
    assert comparison.loc["Dec 2018"].tolist() == ["5,120", "5,120", ""]
    assert at.download_button(key="revisions-table-csv")
    # Filtered by report, kept in the link.
    at.selectbox(key="revisions_report").set_value("2019-01").run()
    assert at.query_params["report"] == "2019-01"
    assert "Revisions to the report to Jan 2019" in {t.attrs["caption"] for t in report_tables(at)}


def test_without_a_publication_the_revisions_page_says_how_to_publish(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    at = _open("pages/revisions.py")
    assert "No report has been published to the Panel yet" in _texts(at)
    assert "--publish YYYY-MM --meeting YYYY-MM-DD" in at.code[0].value
    headlines = _open("pages/headlines.py", period="2019-01")
    assert all(r.key != "figures_mode" for r in headlines.radio)


def test_a_long_list_of_revisions_is_cut_short_on_the_page(published_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-extracted series can revise hundreds of months: the page lists a few, Revisions all."""
    import ui.published

    monkeypatch.setattr(ui.published, "NOTICE_MOST", 1)
    at = _open("pages/headlines.py", period="2019-01")
    notice = "\n".join(w.value for w in at.warning).replace("\\", "")
    assert notice.count("Revised:") == 1 and "- and 1 more: see Revisions." in notice


def test_the_series_chart_keeps_its_labels_apart_and_legible_at_every_width(
        published_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks of tests/test_chart_layout.py (whose sample has no publication) on this chart:
    printed and at 1,400 to 358 px, no label overlaps another or is cut off, all at 4.5:1."""
    figure_spec = charts_with_tables(_open("pages/revisions.py"))[0].figure
    monkeypatch.delenv("BROWSER_PATH")  # the page needed no images; the measuring does
    layout = pytest.importorskip("test_chart_layout")
    if not layout.browser_available():
        pytest.fail("no Chromium to render the chart with: make test installs it")
    import plotly.graph_objects as go
    from playwright.sync_api import sync_playwright

    figure = go.Figure(figure_spec)
    problems = []
    with sync_playwright() as playwright, layout.Exporter() as exporter:
        chromium = playwright.chromium.launch(executable_path=layout.find_browser(), args=["--no-sandbox"])
        try:
            tab = chromium.new_page()
            for width in layout.WIDTHS:
                svg = exporter.to_svg(figure) if width == "print" else exporter.render_screen(figure, width)
                size, texts = layout.measure_svg(tab, svg)
                assert any(t.words == "As reported to the Panel" for t in texts), width
                problems += [f"{width}: {p}" for p in layout.collisions(size, texts)]
                problems += [f"{width}: {t} at {layout.text_contrast(t):.1f}:1" for t in texts
                             if layout.text_contrast(t) < 4.5]
        finally:
            chromium.close()
    assert not problems, "\n".join(problems)


def test_the_panel_pack_page_builds_a_published_report_as_reported_or_latest(published_db: Path) -> None:
    """The pack's Word document from the page carries the figure the Panel was shown when the
    reader chose "as reported", and today's with the latest figures."""
    import io

    import docx

    def built_cells(**params: str) -> str:
        # The page on its own, as tests/test_pack.py runs it: through app.py's menu AppTest loses
        # a button's click to the menu's rerun.
        at = AppTest.from_file(str(ROOT / "pages" / "panel_pack.py"), default_timeout=60)
        for key, value in {"period": "2019-01", **params}.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        at.button(key="build-pack").click().run()
        assert not at.exception, [e.value for e in at.exception]
        success = " ".join(s.value for s in at.success)
        assert {b.key for b in at.get("download_button")} >= {"pack-docx", "pack-zip"}, (
            success, [e.value for e in at.error], [w.value for w in at.warning])
        document = docx.Document(io.BytesIO(at.session_state["panel_pack_built"]["docx"]))
        cells = " | ".join(c.text for t in document.tables for row in t.rows for c in row.cells)
        return success, cells

    success, cells = built_cells(figures="reported")
    assert "built from the figures as reported to the Panel" in success
    assert REPORTED in cells and NOW not in cells
    success, cells = built_cells()
    assert "built from the latest figures" in success
    assert NOW in cells and REPORTED not in cells
