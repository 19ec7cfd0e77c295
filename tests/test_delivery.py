"""Delivery plan queries and the RAG figure: counts, quarters, filters, status changes."""

from datetime import date

import duckdb
import pytest

from dashboard import delivery, domain
from dashboard.charts import ChartMeta, chart_meta
from loaders.schema import create_schema

HOSTILE_UPDATE = "<script>alert(1)</script> [x](javascript:alert(1))"

# plan, quarter, quarter_start, theme, ref, deliverable, status, organisation, update
ROWS = [
    ("2018-21", "2018-19 Q3", date(2018, 10, 1), "Helping and supporting victims", "1", "Victims website", "G", "NOPCC", HOSTILE_UPDATE),
    ("2018-21", "2018-19 Q3", date(2018, 10, 1), "Helping and supporting victims", "2", "MASH", "A", "Force", "slow"),
    ("2018-21", "2018-19 Q3", date(2018, 10, 1), "Helping and supporting victims", "10", "Court", "G", "FORCE", "ok"),
    ("2018-21", "2018-19 Q3", date(2018, 10, 1), "Protecting people from harm", "1", "Knife crime", "R", "FORCE", "late"),
    ("2018-21", "2018-19 Q4", date(2019, 1, 1), "Helping and supporting victims", "1", "Victims website", "G", "NOPCC", "live"),
    ("2018-21", "2018-19 Q4", date(2019, 1, 1), "Helping and supporting victims", "2", "MASH", "G", "Force", "caught up"),
    ("2018-21", "2018-19 Q4", date(2019, 1, 1), "Helping and supporting victims", "10", "Court", "R", "FORCE", "stalled"),
    ("2018-21", "2018-19 Q4", date(2019, 1, 1), "Protecting people from harm", "1", "Knife crime", "W", "FORCE", "replanned"),
    # Another plan's deliverable with the same theme and ref is a different deliverable.
    ("2019-22", "2019-20 Q1", date(2019, 4, 1), "Protecting people from harm", "1", "New plan item", "A", "DH", None),
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_schema(connection)
    for number, row in enumerate(ROWS, start=2):
        connection.execute(
            "INSERT INTO deliverables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'deliverables.csv', ?, 1)",
            [*row, number],
        )
    return connection


def test_quarter_for_period_is_the_latest_quarter_started_by_then(con) -> None:
    """A report to December 2018 shows Q3; January 2019 shows Q4; before any data, nothing."""
    assert delivery.quarter_for_period(con, date(2018, 12, 1)) == "2018-19 Q3"
    assert delivery.quarter_for_period(con, date(2019, 1, 1)) == "2018-19 Q4"
    assert delivery.quarter_for_period(con, date(2019, 3, 1)) == "2018-19 Q4"
    assert delivery.quarter_for_period(con, date(2018, 9, 1)) is None
    assert delivery.quarter_for_period(con, None) == "2019-20 Q1"


def test_quarter_for_period_ignores_quarters_more_than_a_year_old(con) -> None:
    """A report years after the last update shows no delivery-plan status, not a stale one."""
    assert delivery.quarter_for_period(con, date(2020, 3, 1)) == "2019-20 Q1"
    assert delivery.quarter_for_period(con, date(2020, 4, 1)) is None
    assert delivery.quarter_for_period(con, date(2024, 12, 1)) is None


def test_quarter_for_period_of_an_empty_database_is_none(empty_con) -> None:
    assert delivery.quarter_for_period(empty_con, date(2019, 1, 1)) is None


def test_rag_summary_counts_every_status_in_plan_theme_and_rag_order(con) -> None:
    df = delivery.query_rag_summary(con, "2018-19 Q3")
    assert list(df.columns)[:9] == delivery.RAG_COLUMNS
    # Protecting people from harm comes first in the plan, Green first within a theme.
    assert list(df["theme"].unique()) == ["Protecting people from harm", "Helping and supporting victims"]
    victims = df[df["theme"] == "Helping and supporting victims"]
    assert list(victims["status"]) == ["G", "A", "R", "W"]
    assert list(victims["n"]) == [2, 1, 0, 0]
    assert list(victims["summary_text"]) == ["2/3 (67%)", "1/3 (33%)", "0/3 (0%)", "0/3 (0%)"]
    assert list(victims["rag"]) == [domain.rag_label(c) for c in "GARW"]
    assert set(df["quarter"]) == {"2018-19 Q3"}


def test_rag_summary_of_an_unknown_quarter_is_empty(con) -> None:
    assert delivery.query_rag_summary(con, "2030-31 Q1").empty


def test_rag_counts_cover_every_quarter_oldest_first_and_filter_by_theme(con) -> None:
    df = delivery.query_rag_counts(con)
    assert list(df["quarter"].unique()) == ["2018-19 Q3", "2018-19 Q4", "2019-20 Q1"]
    assert len(df) == 5 * len(domain.RAG_STATUSES)  # five theme-quarter groups
    harm = delivery.query_rag_counts(con, theme="Protecting people from harm")
    assert set(harm["theme"]) == {"Protecting people from harm"}
    assert harm.groupby("quarter")["n"].sum().to_dict() == {"2018-19 Q3": 1, "2018-19 Q4": 1, "2019-20 Q1": 1}


def test_deliverables_filter_by_quarter_theme_status_and_organisation(con) -> None:
    q3 = delivery.query_deliverables(con, quarter="2018-19 Q3")
    assert len(q3) == 4
    # Refs sort as numbers within a theme: 1, 2, 10.
    victims = delivery.query_deliverables(con, quarter="2018-19 Q3", theme="Helping and supporting victims")
    assert list(victims["ref"]) == ["1", "2", "10"]
    red = delivery.query_deliverables(con, status="R")
    assert set(red["status"]) == {"R"} and len(red) == 2
    assert set(red["rag"]) == {domain.rag_label("R")}
    green_or_amber = delivery.query_deliverables(con, quarter="2018-19 Q3", status=["G", "A"])
    assert sorted(green_or_amber["status"]) == ["A", "G", "G"]
    # 'Force' and 'FORCE' are the same lead.
    force = delivery.query_deliverables(con, quarter="2018-19 Q3", organisation="force")
    assert sorted(force["ref"]) == ["1", "10", "2"]
    assert delivery.query_deliverables(con, organisation="nobody").empty


def test_deliverables_keep_update_text_exactly_as_loaded(con) -> None:
    df = delivery.query_deliverables(con, quarter="2018-19 Q3", theme="Helping and supporting victims")
    assert df.loc[df["ref"] == "1", "update"].iloc[0] == HOSTILE_UPDATE


def test_status_changes_pair_consecutive_quarters_of_the_same_deliverable(con) -> None:
    df = delivery.query_status_changes(con)
    changes = {(r.theme, r.ref): (r.from_quarter, r.from_status, r.to_quarter, r.to_status) for r in df.itertuples()}
    assert changes == {
        ("Helping and supporting victims", "2"): ("2018-19 Q3", "A", "2018-19 Q4", "G"),
        ("Helping and supporting victims", "10"): ("2018-19 Q3", "G", "2018-19 Q4", "R"),
        ("Protecting people from harm", "1"): ("2018-19 Q3", "R", "2018-19 Q4", "W"),
    }
    mash = df[df["ref"] == "2"].iloc[0]
    assert mash["change"] == f"{domain.rag_label('A')} → {domain.rag_label('G')}"
    assert mash["update"] == "caught up"


def test_no_status_changes_when_every_status_held(empty_con) -> None:
    assert delivery.query_status_changes(empty_con).empty


def test_lists_for_filters(con) -> None:
    assert delivery.list_quarters(con) == ["2018-19 Q3", "2018-19 Q4", "2019-20 Q1"]
    assert delivery.list_themes(con) == ["Protecting people from harm", "Helping and supporting victims"]
    organisations = delivery.list_organisations(con)
    assert [o.lower() for o in organisations] == ["dh", "force", "nopcc"]


def test_rag_figure_labels_each_segment_with_icon_count_and_percentage(con) -> None:
    df = delivery.query_rag_summary(con, "2018-19 Q3")
    meta = ChartMeta("RAG status by theme", "2018-19 Q3", "deliverables.csv", "alt")
    fig = delivery.build_rag_figure(df, meta)
    assert fig.layout.barmode == "stack"
    by_name = {trace.name: trace for trace in fig.data}
    assert list(by_name) == [domain.rag_label(c) for c in "GARW"]
    green = by_name[domain.rag_label("G")]
    assert green.marker.color == domain.RAG_BY_CODE["G"].colour
    assert list(green.text) == ["● 2 (67%)"]
    assert list(by_name[domain.rag_label("R")].text) == ["■ 1 (100%)"]
    assert len(by_name[domain.rag_label("W")].x) == 0  # zero segments are not drawn
    assert "Green" in green.hovertemplate
    assert chart_meta(fig).title == "RAG status by theme"


def test_rag_figure_stacks_by_theme_and_quarter_in_plan_order(con) -> None:
    fig = delivery.build_rag_figure(delivery.query_rag_counts(con), ChartMeta("RAG"))
    green = fig.data[0]
    quarters, themes = green.y
    assert list(quarters) == ["2018-19 Q3", "2018-19 Q4"]
    assert [t.replace("<br>", " ") for t in themes] == ["Helping and supporting victims 3 deliverables"] * 2
    assert fig.layout.barnorm == "percent"  # each bar spans its theme's deliverables
    assert list(green.x) == [2, 2]


def test_rag_figure_of_nothing_says_so(empty_con) -> None:
    fig = delivery.build_rag_figure(delivery.query_rag_counts(empty_con), ChartMeta("RAG"))
    assert fig.layout.annotations[0].text == "No deliverables to show"


def test_rag_table_has_a_column_per_status_with_the_report_wording(con) -> None:
    table = delivery.rag_table(delivery.query_rag_summary(con, "2018-19 Q3"))
    assert list(table.columns) == ["Quarter", "Plan", "Theme", "Deliverables"] + [domain.rag_label(c) for c in "GARW"]
    victims = table[table["Theme"] == "Helping and supporting victims"].iloc[0]
    assert victims[domain.rag_label("G")] == "2/3 (67%)"
    assert victims["Deliverables"] == 3


def test_describe_rag_names_counts_for_screen_readers(con) -> None:
    text = delivery.describe_rag(delivery.query_rag_summary(con, "2018-19 Q3"))
    assert "Helping and supporting victims, 2018-19 Q3: 2 Green, 1 Amber of 3" in text


def test_list_periods_offers_report_months_and_each_quarter_last_month(con) -> None:
    con.execute(
        "INSERT INTO measures (period, theme, measure, polarity, unit, headline, source_file, source_line, load_id)"
        " VALUES (DATE '2019-01-01', 'T', 'm', 'neutral', 'count', true, 'm.csv', 2, 1)"
    )
    assert delivery.list_periods(con) == [date(2018, 12, 1), date(2019, 1, 1), date(2019, 3, 1), date(2019, 6, 1)]
    # Each offered month leads back to a quarter.
    assert delivery.quarter_for_period(con, date(2019, 6, 1)) == "2019-20 Q1"


def test_deliverables_table_shows_status_as_icon_and_word_and_update_as_typed(con) -> None:
    table = delivery.deliverables_table(delivery.query_deliverables(con, quarter="2018-19 Q3"))
    assert list(table.columns) == ["Quarter", "Plan", "Theme", "Ref", "Deliverable", "Status", "Lead", "Update", "Update date"]
    assert HOSTILE_UPDATE in table["Update"].tolist()
    assert set(table["Status"]) == {domain.rag_label(c) for c in "GAR"}
    assert set(table["Update date"]) == {"–"}


def test_status_changes_table_names_both_quarters(con) -> None:
    table = delivery.status_changes_table(delivery.query_status_changes(con))
    row = table[table["Ref"] == "10"].iloc[0]
    assert (row["From"], row["To"]) == (f"2018-19 Q3: {domain.rag_label('G')}", f"2018-19 Q4: {domain.rag_label('R')}")


def test_rag_legend_gives_every_status_its_meaning() -> None:
    legend = delivery.rag_legend()
    assert legend["Status"].tolist() == [domain.rag_label(s.code) for s in domain.RAG_STATUSES]
    assert all(legend["Meaning"].str.len() > 10)


def test_rag_figure_escapes_theme_names_plotly_would_read_as_html(empty_con) -> None:
    empty_con.execute(
        "INSERT INTO deliverables VALUES ('p', '2018-19 Q3', DATE '2018-10-01', '<b>Bold</b> theme', '1', 'd', 'G',"
        " NULL, NULL, NULL, 'd.csv', 2, 1)"
    )
    fig = delivery.build_rag_figure(delivery.query_rag_counts(empty_con), ChartMeta("RAG"))
    assert fig.data[0].y[1][0] == "&lt;b&gt;Bold&lt;/b&gt;<br>theme<br>1 deliverable"


def test_latest_quarters_keeps_a_year_of_quarters_started_by_the_period(con) -> None:
    counts = delivery.query_rag_counts(con)
    def quarters(period, count=4):
        return delivery.latest_quarters(counts, period, count)["quarter"].unique().tolist()
    assert quarters(date(2019, 1, 1), count=1) == ["2018-19 Q4"]
    assert quarters(date(2019, 6, 1)) == ["2018-19 Q3", "2018-19 Q4", "2019-20 Q1"]
    assert quarters(date(2019, 6, 1), count=2) == ["2018-19 Q4", "2019-20 Q1"]
    assert quarters(None, count=1) == ["2019-20 Q1"]
    assert quarters(date(2018, 1, 1)) == []
    # A theme without deliverables in the latest quarter still shows its earlier ones.
    harm_only = delivery.query_rag_counts(con, theme="Protecting people from harm")
    assert delivery.latest_quarters(harm_only, date(2019, 3, 1))["quarter"].unique().tolist() == ["2018-19 Q3", "2018-19 Q4"]


def test_rag_table_of_nothing_has_the_columns(empty_con) -> None:
    table = delivery.rag_table(delivery.query_rag_counts(empty_con))
    assert table.empty and "Deliverables" in table.columns
