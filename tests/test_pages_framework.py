"""The Plan framework page in AppTest: the seeds' two frameworks theme by theme, the filters (plan,
lead, pledge) kept in the link, the counts per theme, lead and pledge as charts with their
tables, the delivery-plan status of the objectives a deliverable matches (and plain words where
none does), and extract text shown literally."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from report_tables import html_bodies, report_tables
from streamlit.testing.v1 import AppTest

from loaders.load import load_extracts

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/framework.py"
SAMPLE = [ROOT / "data" / name for name in ("measures.csv", "deliverables.csv", "framework.csv")]
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1))"


@pytest.fixture(scope="module")
def sample_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("framework") / "sample.duckdb"
    report = load_extracts(SAMPLE, path)
    assert report.ok, report.to_text()
    return path


@pytest.fixture
def sample_app(sample_db_file, monkeypatch) -> Path:
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db_file))
    return sample_db_file


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def captions(at: AppTest) -> list[str]:
    return [c.value.replace("\\", "") for c in at.caption]


def table(at: AppTest, caption: str):
    return next(t for t in report_tables(at) if t.attrs["caption"] == caption)


def framework_refs(at: AppTest) -> list[str]:
    return [ref for t in report_tables(at) if "Delivery plan status" in t.columns for ref in t["Ref"]]


def test_the_2016_18_framework_by_theme_with_its_counts(sample_app) -> None:
    at = open_page(plan="2016-18")
    assert at.title[0].value == "Plan framework"
    assert at.selectbox(key="framework_plan").value == "2016-18"
    assert any("115 activities in 7 themes; by lead: Commissioner 45, Force 50, Partners 20; 73 support a pledge; "
               "14 revised (*)." in c for c in captions(at))
    assert [s.value.replace("\\", "") for s in at.subheader][:2] == [
        "1. Protect, support and respond to victims, witnesses and vulnerable people",
        "2. Improve the efficiency, accessibility and effectiveness of the criminal justice process"]
    theme_1 = table(at, "1. Protect, support and respond to victims, witnesses and vulnerable people")
    assert len(theme_1) == 26
    f03 = theme_1[theme_1["Ref"] == "F03"].iloc[0]
    assert f03.tolist() == ["F03", "Force", "", "PL2: Review existing DA information sharing protocols to ensure real "
                            "time information sharing.", "PL2", "–"]
    assert theme_1[theme_1["Ref"] == "C02"].iloc[0]["Revised"] == "* Revised"
    counts = table(at, "Data table for the chart: 2016-18 plan: activities by theme and lead")
    assert counts.columns.tolist() == ["Theme", "Activities", "Commissioner", "Force", "Partners"]
    assert counts.iloc[0].tolist() == ["1. Protect, support and respond to victims, witnesses and vulnerable people",
                                       "26", "9", "11", "6"]
    pledges = table(at, "Data table for the chart: 2016-18 plan: activities by pledge")
    assert pledges["Pledge"].tolist() == [
        "PL1 Neighbourhood Police Teams", "PL2 Better Services for Victims", "PL3 Cybercrime",
        "PL4 Safeguarding Young People", "PL5 Protect Residents From Terrorism", "PL6 Public Inquiry - Historic Abuse",
        "PL7 Nottingham Citizens", "No pledge"]
    assert pledges["Activities"].tolist() == ["18", "14", "5", "12", "8", "1", "15", "42"]
    figures = [json.loads(node.proto.spec) for node in at.get("plotly_chart")]
    assert len(figures) == 2
    assert [trace["name"] for trace in figures[0]["data"]] == ["Commissioner", "Force", "Partners"]
    assert figures[0]["data"][1]["text"][0] == "F 11"   # the lead's letter beside its count: not colour alone


def test_no_deliverable_matches_the_2016_18_plan_and_the_page_says_so(sample_app) -> None:
    at = open_page(plan="2016-18")
    assert ("No delivery-plan deliverable matches an activity of the 2016-18 plan (a deliverable of the same plan "
            "and theme with the same ref or the same text), so no RAG status is shown beside them.") in captions(at)


def test_the_2019_20_objectives_show_their_deliverables_latest_status(sample_app) -> None:
    """The sample's 2019-20 Theme 1 deliverables are that plan's theme 1 objectives (deliverable 4
    with typographic quotes): all 15 linked, each Green at 2019-20 Q3, in words and icon."""
    at = open_page(plan="2019-20")
    assert any("60 objectives in 4 themes; no lead is published for them." in c for c in captions(at))
    assert ("15 of the 60 objectives shown match a delivery-plan deliverable of the same plan and theme (same ref or "
            "same text). Their latest status (2019-20 Q3): ● Green 15.") in captions(at)
    assert "The 2019-20 plan publishes no lead for its objectives." in captions(at)
    assert "The 2019-20 plan publishes no pledges for its objectives." in captions(at)
    area = table(at, "1. Protecting people from harm: Protecting young people from harm, with a focus on tackling "
                     "serious violence and exploitation")
    assert area["Ref"].tolist() == ["1", "2", "3", "4", "5"]
    assert area.iloc[3]["Delivery plan status"] == "● Green, 2019-20 Q3 (deliverable 4, same ref and text)"
    assert area.iloc[3]["Lead"] == "– Not published"
    victims = table(at, "2. Helping and supporting victims: Improving access to, outcomes from and quality of local "
                        "victim support services")
    assert set(victims["Delivery plan status"]) == {"–"}
    counts = table(at, "Data table for the chart: 2019-20 plan: objectives by theme and lead")
    assert counts.columns.tolist() == ["Theme", "Objectives", "Not published"]
    assert counts["Objectives"].tolist() == ["15"] * 4
    assert len(at.get("plotly_chart")) == 1   # no pledge chart: the plan has no pledges


def test_filters_by_lead_and_pledge_live_in_the_link(sample_app) -> None:
    at = open_page(plan="2016-18", lead="Force", pledge="PL7")
    assert at.selectbox(key="framework_lead").value == "Force"
    assert at.selectbox(key="framework_pledge").value == "PL7"
    assert framework_refs(at) == ["F04", "F10", "F03", "F01", "F04", "F05", "F06"]
    counts = table(at, "Data table for the chart: 2016-18 plan: activities by theme and lead")
    assert counts["Activities"].tolist() == ["0", "0", "2", "1", "0", "0", "4"]
    pledges = table(at, "Data table for the chart: 2016-18 plan: activities by pledge")
    assert pledges.set_index("Pledge").loc["PL7 Nottingham Citizens", "Of which, by sub-code"] == (
        "PL7.2: 2, PL7.3: 1, PL7.4: 1, PL7.5: 1, PL7.6: 1, PL7.8: 1")
    at.selectbox(key="framework_pledge").select("PL7.3").run()
    assert at.query_params["pledge"] == "PL7.3"
    assert framework_refs(at) == ["F01"]
    at.selectbox(key="framework_lead").select("All").run()
    assert "lead" not in at.query_params
    assert framework_refs(at) == ["C02", "F01"]


def test_free_text_is_shown_literally_and_two_pledges_count_under_each(sample_db_file, tmp_path, monkeypatch) -> None:
    db = tmp_path / "dashboard.duckdb"
    shutil.copyfile(sample_db_file, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    quoted = '"' + HOSTILE + '"'
    (tmp_path / "framework_hostile.csv").write_text(
        "plan,plan_title,theme_no,theme,focus_area,ref,lead,revised,activity,pledges\n"
        f"2030-31,{quoted},1,{quoted},{quoted},C01,,*,{quoted},PL2; PL4\n", encoding="utf-8")
    report = load_extracts([tmp_path / "framework_hostile.csv"], db)
    assert report.ok, report.to_text()
    at = open_page(plan="2030-31")
    shown = table(at, f"1. {HOSTILE}: {HOSTILE}")
    assert shown.iloc[0].tolist() == ["C01", "Commissioner", "* Revised", HOSTILE, "PL2; PL4", "–"]
    pledges = table(at, "Data table for the chart: 2030-31 plan: objectives by pledge")
    assert pledges.set_index("Pledge")["Objectives"].to_dict() == {
        "PL2 Better Services for Victims": "1", "PL4 Safeguarding Young People": "1", "No pledge": "0"}
    bodies = "".join(html_bodies(at))
    assert html.escape(HOSTILE, quote=False) in bodies and "<script" not in bodies
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    assert not any("<script>" in text or "](javascript" in text for text in rendered)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "<script>" not in json.dumps(figure["data"][0]["y"])


def test_a_database_without_the_extract_says_how_to_load_it(tmp_path, monkeypatch) -> None:
    db = tmp_path / "dashboard.duckdb"
    assert load_extracts([ROOT / "data" / "measures.csv"], db).ok
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = open_page()
    assert "Upload framework.csv on the Data page" in at.info[0].value


def test_the_overview_gives_the_frameworks_line(sample_app) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["period"] = "2019-01"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert ("2019-20 plan framework: 60 objectives in 4 themes, 15 with a delivery-plan status (● Green 15). "
            "2016-18 plan framework: 115 activities in 7 themes, none matched to a delivery-plan deliverable."
            ) in captions(at)
