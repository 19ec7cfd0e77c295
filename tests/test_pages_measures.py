"""AppTest: the frame and the measure pages (Overview, Theme headlines, Exceptions)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from report_tables import html_bodies, report_tables

from loaders.atomic import staged_database
from ui.navigation import PAGES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SEED_SQL = ROOT / "tests" / "fixtures" / "pages" / "seed.sql"
MEASURE_PAGES = ("pages/overview.py", "pages/headlines.py", "pages/exceptions.py")
HOSTILE = "<script>alert(1)</script> [link](javascript:alert(1))"
#: A Markdown link or a raw tag that would run, as it would appear unescaped in an element's source.
RUNNABLE = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?:javascript|http)|(?<!\\)<script", re.IGNORECASE)


def _build(path: Path, *extra_sql: str) -> Path:
    with staged_database(path) as con:
        con.execute(SEED_SQL.read_text(encoding="utf-8"))
        for sql in extra_sql:
            con.execute(sql)
    return path


@pytest.fixture()
def seed_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = _build(tmp_path / "seed.duckdb")
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30)


def _open(page: str) -> AppTest:
    at = _app().run()
    if page != MEASURE_PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page, in order: the HTML report tables, then the interactive grids."""
    return report_tables(at) + [frame.value for frame in at.dataframe]


def _frames_text(at: AppTest) -> str:
    return "\n".join(frame.to_csv(index=False) for frame in _tables(at))


def _headline_rows(at: AppTest) -> pd.DataFrame:
    """The headline tables (one per theme) as one frame."""
    return pd.concat([f for f in _tables(at) if "Check" in f.columns], ignore_index=True)


def _title(spec: dict) -> str:
    """A chart's title as read: Plotly's line breaks (the title wraps to the width) as spaces."""
    return " ".join(re.sub(r"<br\s*/?>", " ", spec["layout"]["title"]["text"]).split())


def _markdown_sources(at: AppTest) -> list[str]:
    sources = [el.value for el in (*at.markdown, *at.caption, *at.title, *at.header, *at.subheader)]
    sources += [el.label for el in at.expander]
    return sources


# --- The frame ------------------------------------------------------------------------------------


def test_every_listed_page_exists_and_is_in_the_readme() -> None:
    """Every page in the navigation has a file, every file in pages/ is listed, and the README names it."""
    listed = {spec.path for spec in PAGES}
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py"}
    assert on_disk == listed
    assert all((ROOT / spec.path).exists() for spec in PAGES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [spec.title for spec in PAGES if f"**{spec.title}**" not in readme]
    assert not missing, f"README's Pages section does not describe: {missing}"


def test_url_paths_are_file_stems() -> None:
    """A page reached by the legacy pages/ route and by the frame has one id: its file's stem."""
    assert all(spec.url_path == Path(spec.path).stem for spec in PAGES)


def test_every_page_runs_inside_the_frame(seed_db: Path) -> None:
    """Even a page without filters (Data) gets the frame: the filters are put back into its link."""
    at = _open("pages/headlines.py")
    at.selectbox(key="filter_theme").set_value("Tackling crime and ASB").run()
    at.query_params.clear()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.query_params["theme"] == "Tackling crime and ASB"


def test_overview_is_the_default_page(seed_db: Path) -> None:
    """The app opens on the Overview with the latest report period."""
    at = _open(MEASURE_PAGES[0])
    assert at.title[0].value == "Overview"
    assert at.radio(key="filter_period").value.isoformat() == "2019-01-01"


# --- Overview -------------------------------------------------------------------------------------


def test_overview_seed_figures(seed_db: Path) -> None:
    """Counts per theme, exceptions, the RAG summary as the report writes it, budget, changes."""
    at = _open("pages/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["✔ Better"] == "1" and metrics["✖ Worse"] == "3"
    assert metrics["✔ Positive exceptions"] == "2" and metrics["✖ Negative exceptions"] == "2"
    text = _frames_text(at)
    assert "● 2/2 (100%) Green" in text
    assert "Overspend £1,052k" in text
    assert "Direction now ✖ Worse (was ✔ Better)" in text
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert _title(chart).startswith("Measures better and worse by theme, report to Jan 2019")


def test_overview_theme_filter_changes_output(seed_db: Path) -> None:
    """Choosing a theme narrows the counts and writes the theme into the link."""
    at = _open("pages/overview.py")
    at.selectbox(key="filter_theme").set_value("Protecting people from harm").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["✖ Worse"] == "1"
    assert at.query_params["theme"] == "Protecting people from harm"


# --- Theme headlines ------------------------------------------------------------------------------


def test_headlines_one_table_per_theme(seed_db: Path) -> None:
    """Each theme's measures under its own heading; a theme filter leaves one."""
    at = _open("pages/headlines.py")
    headings = [s.value for s in at.subheader]
    assert headings[:3] == ["Protecting people from harm", "Helping and supporting victims", "Tackling crime and ASB"]
    at.selectbox(key="filter_theme").set_value("Tackling crime and ASB").run()
    assert [f["Measure"].tolist() for f in _tables(at) if "Check" in f.columns] == [
        ["Integrated Offender Management – reduction in reoffending risk"]
    ]


def test_headlines_seed_figures_and_flags(seed_db: Path) -> None:
    """Safeguarding referrals 4,872 -> 5,369, +10.2%, better; the SSO trend flagged."""
    at = _open("pages/headlines.py")
    table = _headline_rows(at).set_index("Measure")
    referrals = table.loc["Adult and child safeguarding referrals"]
    assert (referrals["Baseline"], referrals["Current"], referrals["Change"], referrals["Direction"]) == (
        "4,872 (Jan 2018)", "5,369 (Jan 2019)", "+10.2%", "✔ Better",
    )
    assert table.loc["Positive outcome rate for serious sexual offences", "Check"] == (
        "⚠ Published trend ↓ 0.5% pts disagrees with computed -2.7 pts"
    )
    assert any("flagged for checking" in w.value for w in at.warning)


def test_headlines_measure_chart_series_or_comparison(seed_db: Path) -> None:
    """A measure with a monthly series gets its monthly chart; others baseline against current."""
    at = _open("pages/headlines.py")
    at.selectbox(key="headline_measure").set_value("Adult and child safeguarding referrals").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert _title(spec).startswith("Adult and child safeguarding referrals: baseline against current")
    assert spec["data"][0]["text"] == ["4,872", "5,369"]
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["scale"] == 3
    at.selectbox(key="headline_measure").set_value("Violent knife crime recorded by police").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert _title(spec).startswith("Violent knife crime recorded by police: monthly, Force")
    assert at.query_params["measure"] == "Violent knife crime recorded by police"


def test_headlines_measure_from_link(seed_db: Path) -> None:
    """?measure=... opens that measure's chart."""
    at = _app()
    at.query_params["measure"] = "Violent knife crime recorded by police"
    at.run()
    at.switch_page("pages/headlines.py").run()
    assert at.selectbox(key="headline_measure").value == "Violent knife crime recorded by police"


def test_headlines_area_filter_changes_series(seed_db: Path) -> None:
    """Series have areas, so an area filter is offered and changes the chart."""
    at = _open("pages/headlines.py")
    at.selectbox(key="headline_measure").set_value("Violent knife crime recorded by police").run()
    at.selectbox(key="filter_area").set_value("City").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "monthly, City" in _title(spec)
    assert at.query_params["area"] == "City"


def test_headlines_period_from_link(seed_db: Path) -> None:
    """?period=2018-10 opens the October report."""
    at = _app()
    at.query_params["period"] = "2018-10"
    at.run()
    at.switch_page("pages/headlines.py").run()
    assert not at.exception
    table = _headline_rows(at)
    assert table.loc[table["Measure"] == "Adult and child safeguarding referrals", "Current"].iloc[0] == "5,100 (Oct 2018)"


def test_bad_link_values_warned_not_crashed(seed_db: Path) -> None:
    """A malformed period and an unknown theme are ignored with a small warning."""
    at = _app()
    at.query_params["period"] = "January"
    at.query_params["theme"] = "No such theme"
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Ignored the link" in captions and "has nothing to show here" in captions
    assert at.selectbox(key="filter_theme").value == "All themes"


def test_hostile_link_values_shown_literally(seed_db: Path) -> None:
    """A link whose theme holds a javascript: Markdown link is warned of as text, not as a link."""
    at = _app()
    at.query_params["theme"] = HOSTILE
    at.query_params["period"] = HOSTILE
    at.run()
    assert not at.exception
    runnable = [source for source in _markdown_sources(at) if RUNNABLE.search(source)]
    assert not runnable, runnable
    assert any("javascript" in c.value for c in at.caption)  # the warning is there, escaped


# --- Exceptions -----------------------------------------------------------------------------------


def test_exceptions_kind_and_source_filters(seed_db: Path) -> None:
    """Both kinds by default; positive only narrows; the detection rule brings its own verdicts."""
    at = _open("pages/exceptions.py")
    narratives = _tables(at)[-1]
    assert set(narratives["Measure"]) == {
        "Adult and child safeguarding referrals", "Positive outcome rate for serious sexual offences",
        "Domestic abuse crimes", "Fraud offences",
    }
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    labels = [label for trace in chart["data"] for label in trace["text"]]
    assert "+10.2%" in labels and "-2.7 pts" in labels
    at.radio(key="exceptions_kind").set_value("✔ Positive exceptions").run()
    assert set(_tables(at)[-1]["Exception"]) == {"✔ Positive exception"}
    at.radio(key="exceptions_kind").set_value("Both").run()
    at.radio(key="exceptions_source").set_value("Detection rule").run()
    assert not at.exception
    detected = _tables(at)[-1]
    assert "Violent knife crime recorded by police" in set(detected["Measure"])
    assert all(detected["Source"].str.startswith("Detection rule: "))


# --- Filters carry across pages -------------------------------------------------------------------


def test_filters_carry_across_pages(seed_db: Path) -> None:
    """A theme chosen on one page is still chosen on the next, even when navigation drops the link."""
    at = _open("pages/headlines.py")
    at.selectbox(key="filter_theme").set_value("Helping and supporting victims").run()
    assert at.query_params["theme"] == "Helping and supporting victims"
    at.query_params.clear()  # what switching pages in the browser does to the query string
    at.switch_page("pages/exceptions.py").run()
    assert not at.exception
    assert at.query_params["theme"] == "Helping and supporting victims"
    assert at.selectbox(key="filter_theme").value == "Helping and supporting victims"
    assert set(_tables(at)[-1]["Theme"]) == {"Helping and supporting victims"}


# --- Empty database -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", MEASURE_PAGES)
def test_missing_database_shows_how_to_load(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No database file: the page explains how to load data, with the commands, and no traceback."""
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "missing" / "dashboard.duckdb"))
    at = _open(page)
    assert [s.value for s in at.subheader] == ["No data loaded yet"]
    commands = [c.value for c in at.code]
    assert "make run" in commands
    assert any(c.startswith(".venv/bin/python -m loaders ") for c in commands)
    assert not _tables(at) and not at.get("plotly_chart")


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_every_page_without_data_explains_how_to_load(spec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page in the menu, with no database: its heading, the how-to-load panel, no exception."""
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "missing.duckdb"))
    at = _open(spec.path)
    assert at.title[0].value == spec.title
    assert "No data loaded yet" in [s.value for s in at.subheader]


def test_database_with_nothing_loaded_shows_how_to_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database with the schema but no load is treated as empty."""
    path = tmp_path / "empty.duckdb"
    with staged_database(path):
        pass
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    at = _open("pages/headlines.py")
    assert [s.value for s in at.subheader] == ["No data loaded yet"]


# --- A newly loaded file is picked up -------------------------------------------------------------


def test_new_file_picked_up_without_restart(seed_db: Path) -> None:
    """After a load swaps a new file in, the next run shows the new figures."""
    at = _open("pages/headlines.py")
    assert "5,369 (Jan 2019)" in _frames_text(at)
    with staged_database(seed_db) as con:
        con.execute(
            "UPDATE measures SET current_value = 5400, current_text = '5,400 (Jan 2019)' "
            "WHERE measure = 'Adult and child safeguarding referrals' AND period = DATE '2019-01-01'"
        )
    at.run()
    assert not at.exception
    text = _frames_text(at)
    assert "5,400 (Jan 2019)" in text and "5,369 (Jan 2019)" not in text


# --- Hostile text ---------------------------------------------------------------------------------


@pytest.fixture()
def hostile_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    escaped = HOSTILE.replace("'", "''")
    path = _build(
        tmp_path / "hostile.duckdb",
        f"UPDATE measures SET comment = '{escaped}'",
        f"UPDATE measures SET measure = '{escaped}' WHERE measure = 'Fraud offences'",
        f"UPDATE measures SET measure = '{escaped} referrals' WHERE measure = 'Adult and child safeguarding referrals'",
        f"UPDATE series SET area = '{escaped}' WHERE area = 'County'",
    )
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path


@pytest.mark.parametrize("page", MEASURE_PAGES)
def test_hostile_text_shown_literally(page: str, hostile_db: Path) -> None:
    """A comment holding a script tag and a javascript: link appears as text, never as a link or tag."""
    at = _open(page)
    if page != "pages/overview.py":
        assert HOSTILE in _frames_text(at)
    if page == "pages/headlines.py":
        assert HOSTILE in [t.value for t in at.text]
    # The report tables are HTML: the comment is in them escaped, so it shows as typed.
    assert all("<script" not in body for body in html_bodies(at))
    if page == "pages/exceptions.py":
        assert "&lt;script&gt;alert(1)&lt;/script&gt; [link](javascript:alert(1))" in "".join(html_bodies(at))
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        assert "<script>" not in json.dumps(spec["data"])
    runnable = [source for source in _markdown_sources(at) if RUNNABLE.search(source)]
    assert not runnable, runnable
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        assert "<script" not in json.dumps([spec["layout"].get("title"), spec["data"]])


# --- The project's sample extracts, loaded by the loader ------------------------------------------


@pytest.fixture()
def sample_app(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    return sample_db


@pytest.mark.parametrize("page", MEASURE_PAGES)
def test_sample_pages_open_on_the_latest_panel_report(page: str, sample_app: Path) -> None:
    """Every measure page opens on the sample's Panel report (Jan 2019, with its exceptions),
    not on Dec 2024, a later month that only holds figures imported from data.police.uk."""
    at = _open(page)
    assert at.radio(key="filter_period").options == ["Dec 2024", "Jan 2019"]
    assert at.radio(key="filter_period").value.isoformat() == "2019-01-01"
    assert _tables(at) or at.info


def test_sample_seed_figures_one_click_away(sample_app: Path) -> None:
    """Theme headlines opens on the report: the referrals' 4,872 -> 5,369 (+10.2%, better) is in the table;
    Dec 2024 is one click away and has no such row."""
    at = _open("pages/headlines.py")
    at.radio(key="filter_period").set_value(date(2024, 12, 1)).run()
    assert "5,369 (Jan 2019)" not in _frames_text(at)
    at.radio(key="filter_period").set_value(date(2019, 1, 1)).run()
    assert not at.exception
    assert at.query_params["period"] == "2019-01"
    table = _headline_rows(at).set_index("Measure")
    referrals = table.loc["Adult and child safeguarding referrals"]
    assert (referrals["Baseline"], referrals["Current"], referrals["Change"], referrals["Direction"]) == (
        "4,872 (Jan 2018)", "5,369 (Jan 2019)", "+10.2%", "✔ Better",
    )
    assert table.loc["Positive outcome rate for serious sexual offences", "Check"].startswith(
        "⚠ Published trend ↓ 0.5% pts disagrees with computed -2.7 pts"
    )


def test_sample_overview_jan_2019(sample_app: Path) -> None:
    """The report to Jan 2019: Theme 2's deliverables 14/14 (100%) Green; the budget overspend."""
    at = _app()
    at.query_params["period"] = "2019-01"
    at.run()
    assert not at.exception
    overview = _tables(at)[0].set_index("Theme")
    assert overview.loc["Helping and supporting victims", "Delivery plan (RAG)"] == "● 14/14 (100%) Green"
    assert "Overspend £1,052k" in _frames_text(at)


def test_sample_exceptions_jan_2019(sample_app: Path) -> None:
    """The report's positive and negative exceptions, with their changes as labels."""
    at = _app()
    at.query_params["period"] = "2019-01"
    at.run()
    at.switch_page("pages/exceptions.py").run()
    assert not at.exception
    table = _tables(at)[-1].set_index("Measure")
    assert table.loc["People killed or seriously injured on the roads", "Change"] == "-40.7% (published)"
    assert table.loc["Positive outcome rate for serious sexual offences", "Exception"] == "✖ Negative exception"
    at.radio(key="exceptions_kind").set_value("✖ Negative exceptions").run()
    assert set(_tables(at)[-1]["Exception"]) == {"✖ Negative exception"}


def test_sample_spc_chart_for_a_monthly_series(sample_app: Path) -> None:
    """At Dec 2024 the data.police.uk measures have monthly series: the chart is SPC with its table."""
    at = _app()
    at.query_params["period"] = "2024-12"
    at.run()
    at.switch_page("pages/headlines.py").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "monthly, Force" in _title(spec)
    assert "Variation" in _tables(at)[1].columns


def test_sample_crime_type_series_reachable_from_a_link(sample_app: Path) -> None:
    """A crime type (not a headline row) is still in the measure chooser, after the headlines,
    so its monthly series can be charted; a link to an unknown measure says so."""
    at = _app()
    at.query_params["period"] = "2024-12"
    at.query_params["measure"] = "Recorded crime: Burglary"
    at.query_params["area"] = "Nottingham"
    at.run()
    at.switch_page("pages/headlines.py").run()
    assert not at.exception
    options = at.selectbox(key="headline_measure").options
    assert options[:2] == ["Recorded crime: all crime", "Recorded crime: all crime excluding anti-social behaviour"]
    assert at.selectbox(key="headline_measure").value == "Recorded crime: Burglary"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert _title(spec).startswith("Recorded crime: Burglary: monthly, Nottingham")

    at.query_params["measure"] = "No such measure"
    at.run()
    assert any("is not available here" in w.value for w in at.warning)


class SwapMidRun:
    """Swaps a newly loaded file in at a chosen query of a page run, deterministically.

    Every query the pages make goes through `dashboard.db.query` (imported by name into the
    query modules); each module's name is pointed at a wrapper that counts the calls. Armed
    with `at_call=k`, the wrapper's k-th call first swaps in a new file (`staged_database`,
    as every load and restore does) and, with `reconnect=True`, makes the process's shared
    connection move to the new file before the query runs, as another reader's page run
    would: the query is then handed a connection that has just been closed under it.
    """

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import sys

        from dashboard import db

        self.path, self.calls, self.swapped, self.value = path, 0, 0, 5369
        self.at_call: int | None = None
        self.reconnect = False
        self._query = db.query
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in ("dashboard", "ui") and getattr(module, "query", None) is self._query:
                monkeypatch.setattr(module, "query", self._counted)

    def arm(self, at_call: int | None, reconnect: bool = False) -> None:
        self.calls, self.at_call, self.reconnect = 0, at_call, reconnect

    def swap(self) -> None:
        self.value += 1
        with staged_database(self.path) as con:
            con.execute(
                "UPDATE measures SET current_value = ?, current_text = ? "
                "WHERE measure = 'Adult and child safeguarding referrals' AND period = DATE '2019-01-01'",
                [self.value, f"{self.value:,} (Jan 2019)"],
            )
        self.swapped += 1

    def _counted(self, con, sql, params=()):  # noqa: ANN001, ANN202 - dashboard.db.query's signature
        from dashboard import db
        from ui import data

        self.calls += 1
        if self.calls == self.at_call:
            self.swap()
            if self.reconnect:
                data._holder().connection_for(db.database_version(self.path))  # noqa: SLF001
        return self._query(con, sql, params)


def test_pages_keep_working_while_loads_swap_files_in(seed_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load swapping a new file in at every query of a page run, one run per query, the shared
    connection moved to the new file under the running query at every other query (and both ways
    at the first, so each page meets both): no exception, no false "no data" panel, and the next
    run shows the new figures."""
    at = _open("pages/overview.py")
    swapper = SwapMidRun(seed_db, monkeypatch)
    for page in MEASURE_PAGES:
        swapper.swap()  # a new file version: the run below misses every cached query
        swapper.arm(None)
        at.switch_page(page).run()
        assert not at.exception, at.exception
        queries = swapper.calls
        assert queries >= 3, f"{page} made only {queries} queries"
        for call in range(1, queries + 1):
            for reconnect in ((False, True) if call == 1 else (call % 2 == 0,)):
                swapper.swap()  # each run starts on a file version no query has seen yet
                swapper.arm(call, reconnect)
                swapped = swapper.swapped
                at.run()
                where = f"{page}, swap at query {call} of {queries}{' and reconnect' if reconnect else ''}"
                assert swapper.swapped == swapped + 1, f"{where}: the swap did not happen"
                assert not at.exception, f"{where}: {at.exception}"
                assert "No data loaded yet" not in [s.value for s in at.subheader], where
    swapper.arm(None)
    at.switch_page("pages/headlines.py").run()
    assert f"{swapper.value:,} (Jan 2019)" in _frames_text(at)


def test_headlines_chart_draws_the_target_and_the_known_change_in_words(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A target and a known change for knife crime (every area): the chart draws both, and its
    data table says the target, the assurance and the change in words (issue 12)."""
    path = _build(tmp_path / "targets.duckdb",
                  "INSERT INTO targets VALUES ('Violent knife crime recorded by police', '', DATE '2017-12-01', "
                  "'100', 100, 'Plan', 'targets.csv', 2, 2)",
                  "INSERT INTO changes VALUES ('Violent knife crime recorded by police', '', DATE '2018-06-01', "
                  "'New crime recording system', 'changes.csv', 2, 2)")
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    at = _open("pages/headlines.py")
    at.selectbox(key="headline_measure").set_value("Violent knife crime recorded by police").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [trace.get("name", "") for trace in spec["data"]]
    assert "Target" in names
    assert any(re.sub(r"<br\s*/?>", " ", n) == "Known change from Jun 2018: New crime recording system" for n in names)
    assert "Assurance: target 100 against process limits" in _title(spec)
    text = _frames_text(at)
    assert "Target" in text and "Assurance" in text and "consistently passing" in text
    assert "New crime recording system" in text
    assert any("points before the change in Jun 2018 (New crime recording system)" in c.value.replace("\\", "")
               for c in at.caption)
    # The area's own series takes every area's target and change too.
    at.selectbox(key="filter_area").set_value("City").run()
    assert "Assurance: target 100" in _title(json.loads(at.get("plotly_chart")[0].proto.spec))
