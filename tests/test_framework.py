"""The plan framework's queries (dashboard/framework.py): filters by lead and pledge, counts per
theme, lead and pledge (an activity with two pledges under each), and the link to the
delivery plan: same plan and theme, same ref or same text, showing the latest quarter's RAG."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard import framework
from loaders.load import load_extracts

HEADER = "plan,plan_title,theme_no,theme,focus_area,ref,lead,revised,activity,pledges\n"
FRAMEWORK = (
    HEADER
    + "2016-18,,1,Victims,,C01,,,PL2: Re-commission victim services.,PL2\n"
    + "2016-18,,1,Victims,,F03,,*,PL4: Safeguard young people and victims.,PL4; PL7.3\n"
    + "2016-18,,1,Victims,,P01,,,Work with partners.,\n"
    + "2016-18,,2,Justice,,F01,,,PL7.9. Increase reporting of hate crime.,PL7.9\n"
    + "2019/20,,1,Protecting People from Harm,Young people,1,,,Fund targeted engagement with young people,\n"
    + "2019/20,,1,Protecting People from Harm,Young people,2,,,Embed 'Schools and Early Intervention Officers',\n"
    + "2019/20,,1,Protecting People from Harm,Young people,3,,,Invest in initiatives to keep young people safe,\n"
    + "2019/20,,2,Helping and Supporting Victims,Victims,1,,,Develop a dedicated website for victims,\n"
)
DELIVERABLES = (
    "plan,quarter,theme,ref,deliverable,status,organisation\n"
    # objective 1: same ref and text, Amber in Q2 and Green in Q3: the latest is Q3's
    + "2019-20,2019-20 Q2,Protecting people from harm,1,Fund targeted engagement with young people,A,NW\n"
    + "2019-20,2019-20 Q3,Protecting people from harm,1,Fund targeted engagement with young people,G,NW\n"
    # objective 2: the same text (typographic quotes, other spaces and case aside) under another number
    + "2019-20,2019-20 Q3,Protecting people from harm,7,embed  ‘Schools and Early Intervention Officers’,R,Force\n"
    # another plan with the same theme and ref: not a match
    + "2018-21,2019-20 Q3,Protecting people from harm,3,Invest in initiatives to keep young people safe,W,Force\n"
    # the same plan and text under another theme: not a match
    + "2019-20,2019-20 Q3,Tackling crime and ASB,9,Develop a dedicated website for victims,G,Force\n"
)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("framework-queries")
    (folder / "framework.csv").write_text(FRAMEWORK, encoding="utf-8")
    (folder / "deliverables.csv").write_text(DELIVERABLES, encoding="utf-8")
    report = load_extracts([folder / "framework.csv", folder / "deliverables.csv"], folder / "db.duckdb")
    assert report.ok, report.to_text()
    connection = duckdb.connect(str(folder / "db.duckdb"), read_only=True)
    yield connection
    connection.close()


def test_plans_latest_first_and_a_database_without_the_table(con, empty_con) -> None:
    assert framework.list_plans(con) == ["2019-20", "2016-18"]
    assert framework.has_framework(con)
    bare = duckdb.connect()
    bare.execute("CREATE TABLE load_log (load_id INTEGER)")
    assert not framework.has_framework(bare)


def test_filters_by_lead_and_by_pledge_a_pledge_holding_its_sub_codes(con) -> None:
    plan = framework.query_plan(con, "2016-18")
    assert framework.list_leads(plan) == ["Commissioner", "Force", "Partners"]
    assert framework.list_pledges(plan) == ["PL2", "PL4", "PL7", "PL7.3", "PL7.9"]
    assert framework.filter_framework(plan, lead="Force")["ref"].tolist() == ["F03", "F01"]
    assert framework.filter_framework(plan, pledge="PL7")["ref"].tolist() == ["F03", "F01"]
    assert framework.filter_framework(plan, pledge="PL7.3")["ref"].tolist() == ["F03"]
    assert framework.filter_framework(plan, pledge="PL4")["ref"].tolist() == ["F03"]   # and under PL4 too
    assert framework.filter_framework(plan, lead="Partners", pledge="PL2").empty
    later = framework.query_plan(con, "2019-20")
    assert framework.list_leads(later) == [] and framework.list_pledges(later) == []
    assert framework.filter_framework(later, lead=framework.NOT_PUBLISHED)["ref"].tolist() == ["1", "2", "3", "1"]


def test_counts_per_theme_lead_and_pledge(con) -> None:
    plan = framework.query_plan(con, "2016-18")
    counts = framework.count_by_theme_and_lead(plan, framework.themes(plan))
    table = framework.theme_lead_table(counts)
    assert table.to_dict("records") == [
        {"Theme": "1. Victims", "Activities": 3, "Commissioner": 1, "Force": 1, "Partners": 1},
        {"Theme": "2. Justice", "Activities": 1, "Commissioner": 0, "Force": 1, "Partners": 0},
    ]
    by_pledge = framework.count_by_pledge(plan, framework.list_pledges(plan))
    # F03 supports PL4 and PL7.3: it counts under both, so the pledges add up to more than the activities
    assert dict(zip(by_pledge["pledge"], by_pledge["n"])) == {"PL2": 1, "PL4": 1, "PL7": 2, framework.NO_PLEDGE: 1}
    assert by_pledge.set_index("pledge").loc["PL7", "sub_codes"] == "PL7.3: 1, PL7.9: 1"
    assert framework.summary_line(plan) == ("4 activities in 2 themes; by lead: Commissioner 1, Force 2, Partners 1; "
                                            "3 support a pledge; 1 revised (*).")
    # the themes of the plan stay in the counts when a filter leaves one empty
    only = framework.filter_framework(plan, pledge="PL2")
    assert framework.theme_lead_table(framework.count_by_theme_and_lead(only, framework.themes(plan)))[
        "Activities"].tolist() == [1, 0]


def test_an_objective_shows_the_latest_status_of_the_deliverable_it_matches(con) -> None:
    linked = framework.query_linked(con, "2019-20")
    shown = {(int(r.theme_no), r.ref): (r.status, r.quarter, r.deliverable_ref, r.matched_by)
             for r in linked.itertuples()}
    assert shown[(1, "1")] == ("G", "2019-20 Q3", "1", "ref and text")   # the latest quarter's, not Q2's Amber
    assert shown[(1, "2")] == ("R", "2019-20 Q3", "7", "text")
    assert shown[(1, "3")] == (None, None, None, None)    # 2018-21's deliverable 3 is another plan's
    assert shown[(2, "1")] == (None, None, None, None)    # the same words under another theme
    table = framework.framework_table(linked)
    assert table["Delivery plan status"].tolist() == [
        "● Green, 2019-20 Q3 (deliverable 1, same ref and text)",
        "■ Red, 2019-20 Q3 (deliverable 7, same text)", "–", "–"]
    assert framework.link_summary(linked, "2019-20") == (
        "2 of the 4 objectives shown match a delivery-plan deliverable of the same plan and theme (same ref or same "
        "text). Their latest status (2019-20 Q3): ● Green 1, ■ Red 1.")


def test_no_match_is_said_in_plain_words(con) -> None:
    linked = framework.query_linked(con, "2016-18")
    assert linked["status"].isna().all()
    assert framework.link_summary(linked, "2016-18") == (
        "No delivery-plan deliverable matches an activity of the 2016-18 plan (a deliverable of the same plan and "
        "theme with the same ref or the same text), so no RAG status is shown beside them.")


def test_the_figures_never_rely_on_colour_alone(con) -> None:
    from dashboard.charts import ChartMeta

    plan = framework.query_plan(con, "2016-18")
    counts = framework.count_by_theme_and_lead(plan, framework.themes(plan))
    figure = framework.build_theme_lead_figure(counts, ChartMeta(title="t"))
    assert [(t.name, list(t.text)) for t in figure.data] == [
        ("Commissioner", ["C 1"]), ("Force", ["F 1", "F 1"]), ("Partners", ["P 1"])]
    by_pledge = framework.count_by_pledge(plan, framework.list_pledges(plan))
    bars = framework.build_pledge_figure(by_pledge, ChartMeta(title="p")).data[0]
    assert list(bars.text) == ["1", "1", "2", "1"] and list(bars.y)[2] == "PL7 Nottingham<br>Citizens"


def test_the_overview_line(con) -> None:
    assert framework.overview_line(con) == (
        "2019-20 plan framework: 4 objectives in 2 themes, 2 with a delivery-plan status (● Green 1, ■ Red 1). "
        "2016-18 plan framework: 4 activities in 2 themes, none matched to a delivery-plan deliverable.")
