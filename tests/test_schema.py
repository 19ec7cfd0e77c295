"""The derived views: changes, directions and flags, RAG counts, budget variance."""

from datetime import date

import duckdb
import pytest

from loaders.atomic import staged_database, staging_path

MEASURE_COLUMNS = (
    "period, theme, measure, polarity, unit, baseline_value, baseline_period, baseline_period_is_year,"
    " current_value, current_period, current_period_is_year, trend_value, trend_decimals, headline,"
    " source_file, source_line, load_id"
)


@pytest.fixture
def con(empty_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return empty_con


def add_measure(con, measure, polarity, unit, baseline, current, trend=None, decimals=1,
                baseline_period=date(2018, 1, 1), current_period=date(2019, 1, 1), is_year=False):
    con.execute(
        f"INSERT INTO measures ({MEASURE_COLUMNS}) VALUES (?, 'T', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, 'm.csv', 2, 1)",
        [date(2019, 1, 1), measure, polarity, unit, baseline, baseline_period, is_year,
         current, current_period, is_year, trend, decimals],
    )


def change_row(con, measure):
    return con.execute(
        "SELECT change, change_unit, direction, trend_disagrees, current_before_baseline"
        " FROM measure_changes WHERE measure = ?", [measure]
    ).fetchone()


def test_counts_change_in_per_cent_and_rise_is_better_when_higher_is_better(con) -> None:
    add_measure(con, "referrals", "higher_is_better", "count", 4872, 5369, trend=10.2)
    change, unit, direction, disagrees, before = change_row(con, "referrals")
    assert change == pytest.approx(10.201, abs=1e-3)
    assert (unit, direction, disagrees, before) == ("percent", "better", False, False)


def test_percentages_change_in_points_and_a_wrong_published_trend_is_flagged(con) -> None:
    add_measure(con, "sso", "higher_is_better", "percent", 11.6, 8.9, trend=-0.5)
    change, unit, direction, disagrees, _ = change_row(con, "sso")
    assert change == pytest.approx(-2.7)
    assert (unit, direction, disagrees) == ("points", "worse", True)


def test_trend_agreement_allows_rounding_to_the_published_decimals(con) -> None:
    add_measure(con, "knife", "lower_is_better", "count", 806, 881, trend=9.3)
    add_measure(con, "compliance", "higher_is_better", "percent", 88, 93, trend=5, decimals=0)
    assert change_row(con, "knife")[2:4] == ("worse", False)
    assert change_row(con, "compliance")[2:4] == ("better", False)


def test_current_before_baseline_is_flagged(con) -> None:
    add_measure(con, "iom", "lower_is_better", "percent", -78.4, -76.8, trend=-1.6,
                baseline_period=date(2018, 6, 1), current_period=date(2018, 1, 1))
    change, _, direction, disagrees, before = change_row(con, "iom")
    assert change == pytest.approx(1.6)
    assert (direction, disagrees, before) == ("worse", True, True)


def test_grades_change_in_steps_and_missing_values_are_not_comparable(con) -> None:
    add_measure(con, "peel", "higher_is_better", "grade", 2, 3, is_year=True,
                baseline_period=date(2017, 1, 1), current_period=date(2019, 1, 1))
    add_measure(con, "pending", "higher_is_better", "grade", 2, None)
    assert change_row(con, "peel")[:3] == (1, "steps", "better")
    assert change_row(con, "pending")[:3] == (None, "steps", None)


def test_neutral_measures_move_without_judgement(con) -> None:
    add_measure(con, "calls", "neutral", "count", 100, 90)
    assert change_row(con, "calls")[2] == "lower"


def test_rag_counts_list_every_status_with_zeros(con) -> None:
    for ref, status in [("1", "G"), ("2", "G"), ("3", "A")]:
        con.execute(
            "INSERT INTO deliverables VALUES ('2018-21', '2018-19 Q3', ?, 'T', ?, 'd', ?, NULL, NULL, NULL, 'd.csv', 2, 1)",
            [date(2018, 10, 1), ref, status],
        )
    rows = con.execute("SELECT status, n, total, pct FROM rag_counts ORDER BY sort_order").fetchall()
    assert rows == [("G", 2, 3, 66.7), ("A", 1, 3, 33.3), ("R", 0, 3, 0.0), ("W", 0, 3, 0.0)]


def test_budget_variance_computed_labelled_and_checked(con) -> None:
    rows = [
        ("Force", 188209, 189260, 1052),   # published agrees within £1k
        ("OPCC", 4891, 4891, None),
        ("Wrong", 100, 90, 50),            # published disagrees
        ("Capital", None, None, -3980),    # only a variance published
    ]
    for entity, budget, forecast, variance in rows:
        con.execute(
            "INSERT INTO budget VALUES ('2018-19', ?, ?, 'revenue', ?, ?, ?, 'b.csv', 2, 1)",
            [date(2018, 12, 1), entity, budget, forecast, variance],
        )
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT entity, variance, variance_label, variance_disagrees FROM budget_variance"
        ).fetchall()
    }
    assert got["Force"] == (1052, "overspend", False)
    assert got["OPCC"] == (0, "on budget", False)
    assert got["Wrong"] == (50, "overspend", True)
    assert got["Capital"] == (-3980, "underspend", False)


def test_staged_database_swaps_in_only_on_success(tmp_path) -> None:
    db = tmp_path / "live.duckdb"
    with staged_database(db) as con:
        con.execute("INSERT INTO schema_info VALUES (99)")
    before = db.read_bytes()
    with pytest.raises(RuntimeError):
        with staged_database(db) as con:
            con.execute("INSERT INTO schema_info VALUES (100)")
            raise RuntimeError("interrupted")
    assert db.read_bytes() == before
    assert not staging_path(db).exists()
