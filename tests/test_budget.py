"""Budget queries and figures: the position at a report month, variance words, movement."""

from datetime import date

import duckdb
import pytest

from dashboard import budget, domain
from dashboard.charts import ChartMeta, chart_meta
from loaders.schema import create_schema

# financial_year, period, entity, category, budget, forecast_outturn, variance_published
ROWS = [
    ("2018-19", date(2018, 11, 1), "Force and OPCC", "revenue", None, None, 1000.0),
    ("2018-19", date(2018, 11, 1), "Force and OPCC", "capital", None, None, -3000.0),
    ("2018-19", date(2018, 12, 1), "Force", "revenue", 188209.0, 189260.0, 1052.0),
    ("2018-19", date(2018, 12, 1), "OPCC", "revenue", 4891.0, 4891.0, None),
    ("2018-19", date(2019, 1, 1), "Force and OPCC", "capital", None, None, -3980.0),
    ("2018-19", date(2019, 1, 1), "Force and OPCC", "revenue", None, None, 1100.0),
    # Published variance -50 disagrees with forecast minus budget (-91).
    ("2018-19", date(2019, 2, 1), "OPCC", "revenue", 4891.0, 4800.0, -50.0),
    ("2019-20", date(2019, 5, 1), "Force", "revenue", 190000.0, 189000.0, None),
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_schema(connection)
    for number, row in enumerate(ROWS, start=2):
        connection.execute(
            "INSERT INTO budget VALUES (?, ?, ?, ?, ?, ?, ?, 'budget.csv', ?, 1)", [*row, number]
        )
    return connection


@pytest.mark.parametrize(
    ("month", "year"),
    [(date(2018, 4, 1), "2018-19"), (date(2019, 3, 1), "2018-19"), (date(2019, 4, 1), "2019-20"),
     (date(1999, 12, 1), "1999-00")],
)
def test_financial_year_starts_in_april(month, year) -> None:
    assert budget.financial_year_of(month) == year


@pytest.mark.parametrize(
    ("budget_k", "forecast_k", "published_k", "text"),
    [(None, None, 1052.0, "Overspend £1,052k"), (None, None, -3980.0, "Underspend £3,980k"),
     (4891.0, 4891.0, None, "On budget"), (None, None, None, "–"), (100.0, 100.4, None, "Overspend £0k")],
)
def test_variance_text_says_overspend_or_underspend_in_words(empty_con, budget_k, forecast_k, published_k, text) -> None:
    """The words follow the `budget_variance` view's label of the variance, published or computed."""
    empty_con.execute("INSERT INTO budget VALUES ('2018-19', ?, 'Force', 'revenue', ?, ?, ?, 'budget.csv', 2, 1)",
                      [date(2018, 12, 1), budget_k, forecast_k, published_k])
    assert budget.query_budget_summary(empty_con, date(2018, 12, 1))["variance_text"].tolist() == [text]


def test_format_thousands_keeps_every_thousand() -> None:
    assert budget.format_thousands(188209.0) == "£188,209k"
    assert budget.format_thousands(-3980.0) == "-£3,980k"
    assert budget.format_thousands(None) == "–"


def test_summary_at_january_takes_each_line_latest_forecast_in_the_year(con) -> None:
    df = budget.query_budget_summary(con, date(2019, 1, 1))
    assert list(df.columns)[:8] == [
        "entity", "category", "period", "budget", "forecast_outturn", "variance",
        "variance_label", "variance_disagrees",
    ]
    rows = {(r.entity, r.category): r for r in df.itertuples()}
    assert set(rows) == {("Force", "revenue"), ("OPCC", "revenue"),
                         ("Force and OPCC", "revenue"), ("Force and OPCC", "capital")}
    force = rows[("Force", "revenue")]
    assert (force.budget, force.forecast_outturn, force.variance) == (188209.0, 189260.0, 1052.0)
    assert force.variance_label == domain.OVERSPEND
    assert force.variance_text == "Overspend £1,052k"
    assert not force.variance_disagrees  # 1,052 published vs 1,051 computed: within £1k
    opcc = rows[("OPCC", "revenue")]
    assert opcc.period.date() == date(2018, 12, 1)  # February's forecast is after the report
    assert (opcc.variance, opcc.variance_label) == (0.0, domain.ON_BUDGET)
    assert rows[("Force and OPCC", "capital")].variance == -3980.0
    assert rows[("Force and OPCC", "capital")].variance_label == domain.UNDERSPEND
    # Revenue before capital within an entity.
    group = df[df["entity"] == "Force and OPCC"]
    assert list(group["category"]) == ["revenue", "capital"]


def test_summary_flags_a_published_variance_that_disagrees(con) -> None:
    df = budget.query_budget_summary(con, date(2019, 2, 1))
    opcc = df[df["entity"] == "OPCC"].iloc[0]
    assert opcc["variance"] == -50.0 and opcc["variance_computed"] == -91.0
    assert bool(opcc["variance_disagrees"]) is True
    assert "differs" in budget.budget_table(df).loc[df.index[df["entity"] == "OPCC"][0], "Variance check"]


def test_summary_stays_within_the_report_month_financial_year(con) -> None:
    df = budget.query_budget_summary(con, date(2019, 6, 1))
    assert list(df["entity"]) == ["Force"]
    assert df["variance_text"].iloc[0] == "Underspend £1,000k"
    assert budget.query_budget_summary(con, date(2017, 6, 1)).empty


def test_forecast_movement_gives_variance_by_month_per_line(con) -> None:
    df = budget.query_forecast_movement(con, "2018-19")
    capital = df[df["series"] == "Force and OPCC capital"]
    assert [p.date() for p in capital["period"]] == [date(2018, 11, 1), date(2019, 1, 1)]
    assert list(capital["variance"]) == [-3000.0, -3980.0]
    opcc = df[df["series"] == "OPCC revenue"]
    assert list(opcc["variance"]) == [0.0, -50.0]
    assert "2019-20" not in set(df.get("financial_year", []))
    assert budget.list_financial_years(con) == ["2018-19", "2019-20"]


def test_budget_figure_draws_amounts_and_labels_variance_in_words(con) -> None:
    df = budget.query_budget_summary(con, date(2019, 1, 1))
    fig = budget.build_budget_figure(df, ChartMeta("Budget against forecast outturn", "2018-19"))
    names = [trace.name for trace in fig.data]
    assert names == ["Budget", "Forecast outturn", "Variance", "Variance label"]
    variance, words = fig.data[2], fig.data[3]
    assert "Overspend £1,052k" in variance.text
    # The words are drawn beside each bar, across zero from it.
    placed = dict(zip(words.text, zip(words.x, words.textposition)))
    assert placed["Overspend £1,052k"][0] < 0 and placed["Overspend £1,052k"][1] == "middle left"
    assert placed["Underspend £3,980k"][0] > 0 and placed["Underspend £3,980k"][1] == "middle right"
    assert placed["On budget"][1] == "middle right"
    # Colour is backed by a pattern and the words: overspend bars are hatched.
    shapes = dict(zip(variance.text, variance.marker.pattern.shape))
    assert shapes["Overspend £1,052k"] == "/" and shapes["Underspend £3,980k"] == ""
    budget_bar = fig.data[0]
    assert dict(zip(budget_bar.y, budget_bar.x))["Force · revenue"] == 188209.0
    assert chart_meta(fig).subtitle == "2018-19"


def test_forecast_movement_figure_has_a_line_per_entity_and_category_labelled_with_its_latest(con) -> None:
    """Each line's legend entry ends with its latest variance in words (written at the lines'
    ends, the labels of lines ending close together overprinted each other)."""
    fig = budget.build_forecast_movement_figure(budget.query_forecast_movement(con, "2018-19"), ChartMeta("Movement"))
    by_name = {trace.name: trace for trace in fig.data}
    assert set(by_name) == {"Force revenue: Overspend £1,052k", "Force and OPCC revenue: Overspend £1,100k",
                            "Force and OPCC capital: Underspend £3,980k", "OPCC revenue: Underspend £50k"}
    capital = by_name["Force and OPCC capital: Underspend £3,980k"]
    assert list(capital.customdata) == ["Underspend £3,000k", "Underspend £3,980k"]  # the hover, month by month
    # Lines differ by dash and marker as well as colour.
    assert len({(t.line.dash, t.marker.symbol) for t in fig.data}) == len(fig.data)


def test_figures_of_nothing_say_so(empty_con) -> None:
    summary = budget.query_budget_summary(empty_con, date(2019, 1, 1))
    assert summary.empty
    assert "No budget" in budget.build_budget_figure(summary, ChartMeta("B")).layout.annotations[-1].text
    movement = budget.query_forecast_movement(empty_con, "2018-19")
    assert "No budget" in budget.build_forecast_movement_figure(movement, ChartMeta("M")).layout.annotations[-1].text


def test_list_periods_offers_report_and_forecast_months(con) -> None:
    con.execute(
        "INSERT INTO measures (period, theme, measure, polarity, unit, headline, source_file, source_line, load_id)"
        " VALUES (DATE '2019-01-01', 'T', 'm', 'neutral', 'count', true, 'm.csv', 2, 1)"
    )
    assert budget.list_periods(con) == [
        date(2018, 11, 1), date(2018, 12, 1), date(2019, 1, 1), date(2019, 2, 1), date(2019, 5, 1)
    ]


def test_movement_table_prints_money_and_months(con) -> None:
    table = budget.movement_table(budget.query_forecast_movement(con, "2018-19"))
    force = table[table["Entity"] == "Force"].iloc[0]
    assert force.tolist() == ["Force", "Revenue", "Dec 2018", "£188,209k", "£189,260k", "Overspend £1,052k"]


def test_budget_figures_escape_names_plotly_would_read_as_html(empty_con) -> None:
    empty_con.execute(
        "INSERT INTO budget VALUES ('2018-19', DATE '2018-12-01', '<i>Force</i>', 'revenue', 10, 12, NULL, 'b.csv', 2, 1)"
    )
    fig = budget.build_budget_figure(budget.query_budget_summary(empty_con, date(2019, 1, 1)), ChartMeta("B"))
    assert fig.data[0].y[0] == "&lt;i&gt;Force&lt;/i&gt; · revenue"
    movement = budget.build_forecast_movement_figure(budget.query_forecast_movement(empty_con, "2018-19"), ChartMeta("M"))
    assert movement.data[0].name == "&lt;i&gt;Force&lt;/i&gt; revenue: Overspend £2k"
