"""The Decisions and estates page in AppTest: the seed's forward plan and estates lists as
published, the filters kept in the link, and extract text shown literally."""

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
PAGE = "pages/decisions_estates.py"
SAMPLE = [ROOT / "data" / name for name in ("measures.csv", "reports.csv", "decisions.csv", "estates.csv")]
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1))"


@pytest.fixture(scope="module")
def sample_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("decisions") / "sample.duckdb"
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


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [s.value for s in at.subheader] + [h.value for h in at.header]
    return "\n".join(parts)


def test_the_seed_forward_plan_section_by_section(sample_app) -> None:
    at = open_page(period="2019-01")
    assert at.title[0].value == "Decisions and estates"
    text = page_text(at)
    assert "Decisions of Significant Public Interest: Forward Plan February 2019" in text
    for heading in ("1.0 Business cases", "4.0 Workforce Plan and Recruitment Strategies",
                    "5.0 Strategic Issues including Finance", "6.0 Other OPCC Commissioning"):
        assert f"#### {heading}" in text.replace("\\", ""), heading   # Markdown escapes taken out
    # 'None to report' sections are shown with their words, not dropped
    shown_text = [t.value for t in at.text]
    assert shown_text.count("None to report.") == 2
    assert any(t.startswith("None to report with the exception of those noted under 2.0") for t in shown_text)
    tables = report_tables(at)
    contracts = next(t for t in tables if t.attrs["caption"].startswith("2.0 Contracts"))
    first = contracts.iloc[0]
    assert (first["Ref"], first["Date"], first["Subject"], first["Cost (£) where available"],
            first["Cost as a figure"], first["Report of OPCC / Force"]) == (
        "2.1", "March 2019", "Hucknall EMAS Works", "£515,000", "£515,000", "Force")
    by_ref = contracts.set_index("Ref")
    assert by_ref.loc["2.2", "Cost as a figure"] == "at least £250,000"
    assert by_ref.loc["2.6", ["Cost (£) where available", "Cost as a figure"]].tolist() == [
        "Potentially over £250k", "–"]
    assert contracts["Ref"].tolist()[-3:] == ["2.10", "2.11", "2.12"]   # 2.10 after 2.9
    commissioning = next(t for t in tables if t.attrs["caption"].startswith("6.0 Other"))
    assert commissioning.set_index("Ref").loc["6.6", "Date"] == "March – September 2019"
    assert ("21 decisions in 3 of the plan's 6 sections: 13 due in the next quarter (Feb 2019–Apr 2019), "
            "4 dated TBC.") in text.replace("\\", "")


def test_the_estates_lists_totals_and_timeline(sample_app) -> None:
    at = open_page(period="2019-01")
    tables = report_tables(at)
    sold = next(t for t in tables if t.attrs["caption"] == "Police Station Sites Sold Since 1 April 2016")
    assert len(sold) == 10 and sold.iloc[0].tolist() == [
        "Central , Nottingham", "9 June 2016", "Mixed re- development – principally residential"]
    exchanged = next(t for t in tables if t.attrs["caption"] == "Contracts Exchanged subject to planning")
    assert exchanged["Status"].tolist() == ["Application submitted", "Permission received", "Application submitted"]
    shown_text = [t.value for t in at.text]
    assert "Total capital receipt from above completed sales = £5,128,400" in shown_text
    assert "Total capital receipt to be received on completion of above = £2,104,000" in shown_text
    figures = [json.loads(node.proto.spec) for node in at.get("plotly_chart")]
    assert len(figures) == 1 and len(figures[0]["data"][0]["x"]) == 10
    timeline = next(t for t in tables if t.attrs["caption"].startswith("Data table for the chart: Completed sales"))
    assert timeline.iloc[-1].tolist() == ["Mansfield Woodhouse", "16 January 2019"]


def test_filters_narrow_the_plan_and_live_in_the_link(sample_app) -> None:
    at = open_page(period="2019-01", report_of="OPCC", when="Dated TBC")
    assert at.selectbox(key="decisions_report_of").value == "OPCC"
    tables = report_tables(at)
    # no OPCC decision is dated TBC but 3.2 (Force/OPCC): a joint decision counts for both
    refs = [ref for t in tables if "Ref" in t.columns for ref in t["Ref"]]
    assert refs == ["3.2"]
    at.selectbox(key="decisions_when").select("All decisions").run()
    assert at.query_params["when"] == "All decisions"
    refs = [ref for t in report_tables(at) if "Ref" in t.columns for ref in t["Ref"]]
    assert refs == ["2.4", "3.2", "3.3", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6"]


def test_free_text_is_shown_literally(sample_db_file, tmp_path, monkeypatch) -> None:
    """Every free-text field of both extracts holds markup and a javascript: link; each is on
    the page exactly as typed, escaped in the HTML tables, and never rendered."""
    db = tmp_path / "dashboard.duckdb"
    shutil.copyfile(sample_db_file, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    quoted = '"' + HOSTILE + '"'
    (tmp_path / "decisions_hostile.csv").write_text(
        "period,plan,section,section_title,ref,date,subject,summary,cost,contact,report_of\n"
        f"2019-02,February 2019,1.0,{quoted},1.1,March 2019,{quoted},{quoted},{quoted},{quoted},OPCC\n"
        f"2019-02,February 2019,2.0,Contracts,,,{quoted},,,,\n", encoding="utf-8")
    (tmp_path / "estates_hostile.csv").write_text(
        "period,list,site,completion_date,status,proposed_use,total_receipt\n"
        f'2019-02,sold,{quoted},"9 June, 2016",,{quoted},\n'
        f"2019-02,exchanged,{quoted},,{quoted},{quoted},\n", encoding="utf-8")
    report = load_extracts([tmp_path / "decisions_hostile.csv", tmp_path / "estates_hostile.csv"], db)
    assert report.ok, report.to_text()
    at = open_page(period="2019-02")
    tables = report_tables(at)
    decision = next(t for t in tables if "Ref" in t.columns)
    assert decision.iloc[0][["Subject", "Summary of decision", "Cost (£) where available", "Contact officer"]].tolist() == [
        HOSTILE] * 4
    assert decision.attrs["caption"].startswith(f"1.0 {HOSTILE}")
    sold = next(t for t in tables if t.attrs["caption"] == "Police Station Sites Sold Since 1 April 2016")
    assert sold.iloc[0].tolist() == [HOSTILE, "9 June 2016", HOSTILE]
    exchanged = next(t for t in tables if t.attrs["caption"] == "Contracts Exchanged subject to planning")
    assert exchanged.iloc[0].tolist() == [HOSTILE] * 3
    assert HOSTILE in [t.value for t in at.text]   # the section's 'None to report' words
    bodies = "".join(html_bodies(at))
    assert html.escape(HOSTILE, quote=False) in bodies and "<script" not in bodies
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("<script>" in text or "](javascript" in text for text in rendered)
    heading = next(m.value for m in at.markdown if m.value.startswith("#### 1\\.0"))
    assert "\\<script\\>" in heading and "\\[x\\]\\(javascript\\:alert\\(1\\)\\)" in heading
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "<script>" not in json.dumps(figure["data"][0]["y"])


def test_a_database_without_the_extracts_says_how_to_load_them(tmp_path, monkeypatch) -> None:
    db = tmp_path / "dashboard.duckdb"
    assert load_extracts([ROOT / "data" / "measures.csv"], db).ok
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = open_page()
    assert "Upload decisions.csv or estates.csv on the Data page" in at.info[0].value


def test_the_overview_gives_one_line_for_each_record(sample_app) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["period"] = "2019-01"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert ("Forward plan of key decisions, February 2019: 13 due in the next quarter (Feb 2019–Apr 2019), "
            "4 dated TBC (21 decisions in 3 of the plan's 6 sections).") in captions
    assert ("Estates: 10 police station sites sold since 1 April 2016, capital receipt £5,128,400; 3 contracts "
            "exchanged subject to planning, £2,104,000 to be received on completion (totals as published).") in captions
