"""AppTest of the Recommendations tracker page: the sample tracker, its filters in the link, the
flag for recommendations without an update in the latest quarter, and hostile text shown literally."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from report_tables import html_bodies, report_tables

from dashboard import domain
from loaders.load import load_extracts

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "recommendations.csv"
PAGE = "pages/recommendations.py"
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1))"
NOT_STATED = domain.recommendation_status_label(domain.NOT_STATED)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("recommendations") / "sample.duckdb"
    report = load_extracts([SAMPLE, ROOT / "data" / "measures.csv", ROOT / "data" / "measures_police_uk.csv"], path)
    assert report.ok, report.to_text()
    return path


def open_page(monkeypatch, db: Path, **params: str) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tracker(at: AppTest) -> pd.DataFrame:
    return next(t for t in report_tables(at) if "Recommendation" in t.columns and "Theme" in t.columns)


def test_the_sample_tracker_reads_as_published(sample_db, monkeypatch) -> None:
    """23 recommendations in 2020-21 Q4, every status not stated (and shown so), the chart
    counting each under its leads, and none flagged (all have an update)."""
    at = open_page(monkeypatch, sample_db)
    assert at.title[0].value == "Recommendations tracker"
    table = tracker(at)
    assert len(table) == 23 and set(table["Status"]) == {NOT_STATED}
    assert table.columns[-1] == "Update 2020-21 Q4"
    counts = next(t for t in report_tables(at) if "Lead agency" in t.columns)
    by_lead = dict(zip(counts["Lead agency"], counts["Recommendations"]))
    assert by_lead["All recommendations"] == "23" and by_lead["PCC"] == "20" and by_lead["CCGs"] == "9"
    (fig,) = [json.loads(node.proto.spec) for node in at.get("plotly_chart")]
    assert [t["name"] for t in fig["data"] if t["x"]] == [NOT_STATED]
    assert any("Every recommendation has an update in 2020-21 Q4" in i.value for i in at.info)


def test_a_lead_agency_filter_lists_every_recommendation_it_leads_and_lives_in_the_link(
        sample_db, monkeypatch) -> None:
    """Recommendation 1 has five leads: it is listed under each of them."""
    at = open_page(monkeypatch, sample_db)
    for agency in ("PCC", "City Council", "County Council", "Violence Reduction Unit", "CCGs"):
        at.selectbox(key="recommendations_lead").select(agency).run()
        assert "1" in tracker(at)["Ref"].tolist(), agency
        assert at.query_params["lead"] == agency
    assert len(tracker(at)) == 9
    at.selectbox(key="recommendations_lead").select("All").run()
    assert "lead" not in at.query_params
    linked = open_page(monkeypatch, sample_db, lead="Probation")
    assert tracker(linked)["Ref"].tolist() == ["15", "17"]
    none = open_page(monkeypatch, sample_db, status="complete")
    assert "No recommendations match these filters." in [i.value for i in none.info]


def test_one_recommendation_in_full(sample_db, monkeypatch) -> None:
    at = open_page(monkeypatch, sample_db, rec="15")
    texts = [t.value for t in at.text]
    assert any(t.startswith("The PCC to work with partners to put a long term DVA prevention") for t in texts)
    assert "PCC\nNottinghamshire Police\nProbation\nViolence Reduction Unit\nLocal authorities\nCCGs" in texts
    history = next(t for t in report_tables(at) if t.attrs["caption"].startswith("Updates to recommendation 15"))
    assert history["Quarter"].tolist() == ["2020-21 Q4"]


def _row(**cells: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells.values())
    return buffer.getvalue()


def test_hostile_text_in_every_free_text_field_is_shown_literally(tmp_path, monkeypatch) -> None:
    """Review, theme, ref, recommendation, lead agency and update all hold a script tag and a
    javascript: link; each shows as typed, none becomes markup or a link. A later quarter with
    no row for a recommendation flags it."""
    header = "review,theme,ref,recommendation,lead_agencies,quarter,status,update\n"
    q4 = _row(review=HOSTILE, theme=HOSTILE, ref=HOSTILE, recommendation=HOSTILE,
              lead_agencies=f"{HOSTILE}\nPCC", quarter="2020-21 Q4", status="", update=HOSTILE)
    q1 = _row(review=HOSTILE, theme=HOSTILE, ref="2", recommendation="Another.", lead_agencies="PCC",
              quarter="2021-22 Q1", status="On track", update="Fine.")
    extract = tmp_path / "recommendations.csv"
    extract.write_text(header + q4 + q1, encoding="utf-8")
    db = tmp_path / "db.duckdb"
    assert load_extracts([extract], db).ok
    at = open_page(monkeypatch, db, rquarter="2020-21 Q4", rec=HOSTILE)
    table = tracker(at)
    assert table.iloc[0][["Theme", "Ref", "Recommendation", "Update 2020-21 Q4"]].tolist() == [HOSTILE] * 4
    assert table.iloc[0]["Lead agencies"] == f"{HOSTILE}; PCC"
    flagged = next(t for t in report_tables(at) if "Flag" in t.columns)
    assert flagged["Ref"].tolist() == [HOSTILE] and flagged["Flag"].tolist() == ["⚠ No update in 2021-22 Q1"]
    assert flagged["Last update"].tolist() == [f"2020-21 Q4: {HOSTILE}"]
    texts = [t.value for t in at.text]
    assert HOSTILE in texts and f"{HOSTILE}\nPCC" in texts
    counts = next(t for t in report_tables(at) if "Lead agency" in t.columns)
    assert HOSTILE in counts["Lead agency"].tolist()
    bodies = "".join(html_bodies(at))
    assert html.escape(HOSTILE, quote=False) in bodies and "<script" not in bodies
    rendered = ([m.value for m in at.markdown] + [c.value for c in at.caption] + [h.value for h in at.header]
                + [w.value for w in at.warning] + [i.value for i in at.info])
    assert not any("javascript:" in text or "<script>" in text for text in rendered)
    (fig,) = [json.loads(node.proto.spec) for node in at.get("plotly_chart")]
    assert "<script>" not in json.dumps(fig["layout"]["title"]) and "<script>" not in json.dumps(fig["data"])
    assert set(at.selectbox(key="recommendations_review").options) == {HOSTILE}


def test_the_overview_gives_the_trackers_statuses_for_the_report_month(sample_db, monkeypatch) -> None:
    """One line: the latest quarter begun by the report month, counted by status; a report
    month before the tracker's first quarter says so rather than show a later quarter."""
    monkeypatch.setenv("DASHBOARD_DB", str(sample_db))
    for period, expected in (
            ("2024-12", "Domestic and sexual violence recommendations, 2020-21 Q4: 23 recommendations; by status: "
                        f"23 {NOT_STATED}."),
            ("2019-01", "Domestic and sexual violence recommendations: no quarter reported by Jan 2019 "
                        "(the tracker loaded starts at 2020-21 Q4).")):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["period"] = period
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert "Recommendations tracker" in [s.value for s in at.subheader]
        shown = [c.value.replace("\\", "") for c in at.caption]   # the caption's Markdown escapes undone
        assert expected in shown, shown
