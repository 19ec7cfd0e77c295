"""Measures' tables, beyond tests/test_measures.py: an empty period's columns, the order within a
theme, and an exception's check where it has no figure of its own."""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard import measures

JAN_2019 = date(2019, 1, 1)
VICTIMS = "Helping and supporting victims"
HARM = "Protecting people from harm"   # before VICTIMS in the plan's order


def add(con: duckdb.DuckDBPyConnection, measure: str, line: int, *, theme: str = VICTIMS,
        exception: str | None = "negative", trend_text: str | None = "-10%", trend_value: float | None = -10) -> None:
    """A count measure, 100 in Jan 2018 and 90 in Jan 2019 (-10%), with the trend given."""
    con.execute(
        "INSERT INTO measures (period, theme, measure, polarity, unit, baseline_value, baseline_period,"
        " baseline_period_is_year, current_value, current_period, current_period_is_year, trend_text,"
        " trend_value, trend_unit, trend_decimals, headline, exception, source_file, source_line, load_id)"
        " VALUES (?, ?, ?, 'higher_is_better', 'count', 100, DATE '2018-01-01', false, 90, DATE '2019-01-01',"
        " false, ?, ?, 'percent', 0, true, ?, 'measures.csv', ?, 1)",
        [JAN_2019, theme, measure, trend_text, trend_value, exception, line])


def test_a_period_without_measures_has_the_columns_of_one_with_them(empty_con) -> None:
    add(empty_con, "Referrals", 2)
    loaded = measures.query_measure_changes(empty_con, JAN_2019)
    empty = measures.query_measure_changes(empty_con, date(2019, 2, 1))
    assert len(loaded) == 1 and empty.empty
    assert list(empty.columns) == list(loaded.columns)
    assert list(empty.index) == []


def test_exceptions_keep_the_extracts_order_within_each_theme(empty_con) -> None:
    """Themes in the plan's order; within a theme, the extract's line order, however many rows
    share the theme (a sort that is not stable reorders ties once there are more than a few)."""
    names = [f"Measure {n:02d}" for n in range(60)]
    order = names[::2] + names[1::2]   # not alphabetical, so only a stable sort keeps it
    for line, name in enumerate(order, start=2):
        add(empty_con, name, line)
    add(empty_con, "Harm first", 99, theme=HARM)
    found = measures.query_exceptions(empty_con, JAN_2019)
    assert list(found["measure"]) == ["Harm first", *order]


def test_an_exception_without_its_own_figure_carries_the_headline_trends_check(empty_con) -> None:
    """No exception figure published: the exception table checks the headline trend instead, so a
    headline trend that disagrees with baseline and current is flagged there too."""
    add(empty_con, "Agrees", 2)
    add(empty_con, "Disagrees", 3, trend_text="+5%", trend_value=5)
    found = {r["measure"]: r for r in measures.records(measures.query_exceptions(empty_con, JAN_2019))}
    assert found["Agrees"]["check"] == ""
    assert found["Disagrees"]["check"] == "⚠ Published trend +5% disagrees with computed -10.0%"
