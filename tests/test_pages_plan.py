"""AppTest of the Delivery plan, Budget and Data pages on the sample extracts."""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from report_tables import html_bodies, report_tables

from dashboard import domain
from loaders.load import load_extracts

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [ROOT / "data" / name for name in ("measures.csv", "deliverables.csv", "budget.csv")]
HOSTILE_UPDATE = "<script>alert('x')</script> **bold** [click](javascript:alert(1))"
HOSTILE_DELIVERABLES = (
    "plan,quarter,theme,ref,deliverable,status,organisation,update\n"
    "2018-21,2018-19 Q4,Helping and supporting victims,1,Victims website,A,NOPCC,"
    f"\"{HOSTILE_UPDATE}\"\n"
)

@pytest.fixture(scope="module")
def sample_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "sample.duckdb"
    report = load_extracts(SAMPLE, path)
    assert report.ok, report.to_text()
    return path

@pytest.fixture
def db_copy(sample_db_file, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample database, which the app reads."""
    path = tmp_path / "dashboard.duckdb"
    shutil.copyfile(sample_db_file, path)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    return path

@pytest.fixture
def sample_app(sample_db_file, monkeypatch) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db_file))
    return sample_db_file

def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at

def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page: the HTML report tables, then the interactive grids."""
    return report_tables(at) + [frame.value for frame in at.dataframe]

def all_cells(at: AppTest) -> str:
    return "\n".join(frame.to_string() for frame in tables(at))

def figures(at: AppTest) -> list[dict]:
    return [json.loads(node.proto.spec) for node in at.get("plotly_chart")]

def choose_period(at: AppTest, month: date) -> None:
    """Pick the report period, whether the selector is drawn as radio buttons or a drop-down."""
    for widgets in (at.radio, at.selectbox):
        try:
            widget = widgets(key="filter_period")
        except KeyError:
            continue
        widget.set_value(month).run()
        assert not at.exception, [e.value for e in at.exception]
        return
    raise AssertionError("no report period selector on the page")

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

# --- Delivery plan ---

def test_delivery_page_shows_theme_2_all_green_for_the_january_2019_report(sample_app) -> None:
    at = open_page("pages/delivery.py", period="2019-01")
    assert "RAG status, 2018-19 Q3" in [h.value for h in at.header]
    summary = tables(at)[0]
    victims = summary[summary["Theme"] == "Helping and supporting victims"].iloc[0]
    assert victims[domain.rag_label("G")] == "14/14 (100%)"
    assert victims[domain.rag_label("R")] == "0/14 (0%)"
    # The chart: a labelled green segment per theme and quarter, with the chart's table.
    fig = figures(at)[0]
    green = next(t for t in fig["data"] if t["name"] == domain.rag_label("G"))
    assert green["text"] == ["● 14 (100%)"]  # 2019-20 Q3 had not started by Jan 2019
    assert fig["layout"]["meta"]["title"].startswith("Deliverables by RAG status")
    deliverables = next(t for t in tables(at) if "Update" in t.columns)
    assert len(deliverables) == 14 and set(deliverables["Status"]) == {domain.rag_label("G")}

def test_delivery_page_follows_the_period_and_theme_filters(sample_app) -> None:
    at = open_page("pages/delivery.py", period="2019-01")
    choose_period(at, date(2019, 12, 1))
    assert "RAG status, 2019-20 Q3" in [h.value for h in at.header]
    assert tables(at)[0]["Theme"].tolist() == ["Protecting people from harm"]
    assert at.query_params["period"] == "2019-12"

    at.selectbox(key="filter_theme").select("Helping and supporting victims").run()
    fig = figures(at)[0]
    themes = {label.replace("<br>", " ") for trace in fig["data"] for label in trace["y"][1]}
    assert themes == {"Helping and supporting victims 14 deliverables"}
    assert at.query_params["theme"] == "Helping and supporting victims"

def test_delivery_page_says_when_the_latest_quarter_is_older_than_the_report_year(
    sample_db, monkeypatch
) -> None:
    """A report years after the last update (data.police.uk, Dec 2024) shows that update, and
    says it is not current."""
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    at = open_page("pages/delivery.py", period="2024-12")
    assert "RAG status, 2019-20 Q3" in [h.value for h in at.header]
    captions = " ".join(c.value for c in at.caption)
    assert "No deliverables were updated in the 12 months to Dec 2024" in captions

def test_budget_page_names_the_loaded_years_when_the_period_has_none(sample_db, monkeypatch) -> None:
    """At the data.police.uk report (Dec 2024) no budget is loaded: the page says which years are."""
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    at = open_page("pages/budget.py", period="2024-12")
    infos = " ".join(i.value for i in at.info)
    assert "No budget forecast for 2024-25 was made by Dec 2024" in infos
    assert "loaded for: 2018-19" in infos

def test_delivery_status_and_lead_filters_narrow_the_table_and_live_in_the_link(sample_app) -> None:
    at = open_page("pages/delivery.py", period="2019-01")
    # 'Force' (the commoner spelling) also finds the quarter's two 'FORCE' deliverables.
    at.selectbox(key="delivery_lead").select("Force").run()
    deliverables = next(t for t in tables(at) if "Update" in t.columns)
    assert set(deliverables["Lead"]) == {"FORCE"} and len(deliverables) == 2
    assert at.query_params["lead"] == "Force"
    at.selectbox(key="delivery_status").select("A").run()
    assert "No deliverables match these filters." in [i.value for i in at.info]

def test_delivery_table_can_show_every_quarter(sample_app) -> None:
    at = open_page("pages/delivery.py", period="2019-01")
    assert at.selectbox(key="delivery_quarter").value == "2018-19 Q3"  # the report's quarter by default
    at.selectbox(key="delivery_quarter").select("All").run()
    assert at.selectbox(key="delivery_quarter").value == "All"
    assert at.query_params["quarter"] == "All"
    deliverables = next(t for t in tables(at) if "Update" in t.columns)
    assert sorted(set(deliverables["Quarter"])) == ["2018-19 Q3", "2019-20 Q3"] and len(deliverables) == 29

def test_update_text_is_shown_literally_never_as_markdown_or_html(db_copy, tmp_path) -> None:
    extract = tmp_path / "deliverables_hostile.csv"
    extract.write_text(HOSTILE_DELIVERABLES, encoding="utf-8")
    assert load_extracts([extract], db_copy).ok
    at = open_page("pages/delivery.py", period="2019-01")
    at.selectbox(key="delivery_quarter").select("2018-19 Q4").run()
    deliverables = next(t for t in tables(at) if "Update" in t.columns)
    assert deliverables["Update"].tolist() == [HOSTILE_UPDATE]
    # The table is HTML: the update is in it escaped, so it shows exactly as typed.
    bodies = "".join(html_bodies(at))
    assert html.escape(HOSTILE_UPDATE, quote=False) in bodies and "<script" not in bodies
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("javascript:" in text or "<script>" in text for text in rendered)
    # A changed status shows up among the status changes.
    changes = next(t for t in tables(at) if "From" in t.columns)
    assert changes.iloc[0][["From", "To"]].tolist() == [
        f"2018-19 Q3: {domain.rag_label('G')}", f"2018-19 Q4: {domain.rag_label('A')}"
    ]

# --- Budget ---

def test_budget_page_shows_the_force_overspend_in_words(sample_app) -> None:
    at = open_page("pages/budget.py", period="2019-01")
    summary = tables(at)[0]
    force = summary[summary["Entity"] == "Force"].iloc[0]
    assert force[["Budget", "Forecast outturn", "Variance"]].tolist() == [
        "£188,209k", "£189,260k", "Overspend £1,052k"
    ]
    opcc = summary[summary["Entity"] == "OPCC"].iloc[0]
    assert opcc["Variance"] == "On budget"
    budget_fig, movement_fig = figures(at)
    variance = next(t for t in budget_fig["data"] if t["name"] == "Variance")
    assert "Overspend £1,052k" in variance["text"]
    names = {t["name"].split(":")[0] for t in movement_fig["data"]}  # "Force and OPCC revenue: latest ..."
    assert names >= {"Force and OPCC revenue", "Force and OPCC capital"}
    assert any("2018-19" in h.value for h in at.header)

def test_budget_page_follows_the_report_period(sample_app) -> None:
    at = open_page("pages/budget.py", period="2019-01")
    group = tables(at)[0].set_index(["Entity", "Category"])
    assert group.loc[("Force and OPCC", "Capital"), "Variance"] == "Underspend £3,980k"
    choose_period(at, date(2018, 11, 1))
    group = tables(at)[0].set_index(["Entity", "Category"])
    assert group.loc[("Force and OPCC", "Capital"), "Variance"] == "Underspend £3,000k"
    assert "Force" not in group.index.get_level_values(0)  # no Force line until December
    assert at.query_params["period"] == "2018-11"

# --- No data ---

def test_pages_on_an_empty_database_say_how_to_load_data(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "none.duckdb"))
    for page in ("pages/delivery.py", "pages/budget.py"):
        at = open_page(page)
        assert "No data loaded yet" in [s.value for s in at.subheader], page
    at = open_page("pages/data.py")
    assert "No data loaded yet" in [s.value for s in at.subheader]

def test_plan_pages_open_on_the_latest_headline_report(sample_app) -> None:
    """With no period in the link, the Delivery plan shows the January 2019 report's quarter,
    as the Overview does, not the later 2019-20 quarter."""
    at = open_page("pages/delivery.py")
    assert "RAG status, 2018-19 Q3" in [h.value for h in at.header]
    assert at.query_params["period"] == "2019-01"
    at = open_page("pages/budget.py")
    assert at.query_params["period"] == "2019-01"
