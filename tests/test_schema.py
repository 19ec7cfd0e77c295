"""The derived views: changes, directions and flags, RAG counts, budget variance."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import domain
from loaders.atomic import staged_database, staging_path
from loaders.schema import SCHEMA_VERSION, create_schema

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


@pytest.mark.parametrize(
    ("polarity", "baseline", "current", "expected"),
    [
        ("higher_is_better", 100, 110.2, "better"),
        ("lower_is_better", 100, 110.2, "worse"),
        ("higher_is_better", 100, 97.3, "worse"),
        ("lower_is_better", 100, 97.3, "better"),
        ("lower_is_better", 100, 100, "no change"),
        ("neutral", 100, 101, "higher"),
        ("higher_is_better", 100, None, None),
        ("higher_is_better", 0, 5, None),  # a change in per cent from zero cannot be computed
    ],
)
def test_direction_follows_polarity(con, polarity, baseline, current, expected) -> None:
    add_measure(con, "m", polarity, "count", baseline, current)
    assert change_row(con, "m")[2] == expected


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


def _schema_of(con) -> list[tuple]:
    """Every table's columns, in order, with type and nullability, and every key."""
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE schema_name = 'main' ORDER BY table_name, column_index").fetchall()
    keys = con.execute(
        "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints() "
        "WHERE schema_name = 'main' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
        "ORDER BY ALL").fetchall()
    return columns + keys


def test_an_old_database_is_upgraded_to_the_schema_a_new_one_has(empty_con) -> None:
    """A database made at schema 1 (a PRIMARY KEY on series, no audit columns in load_log)
    ends, after create_schema, with exactly the tables, columns and keys of a new database,
    its rows kept and its version raised; create_schema again changes nothing."""
    fresh = _schema_of(empty_con)
    con = duckdb.connect()
    con.execute("CREATE TABLE schema_info (version INTEGER NOT NULL)")
    con.execute("INSERT INTO schema_info VALUES (1)")
    con.execute("CREATE TABLE series (measure VARCHAR NOT NULL, area VARCHAR NOT NULL, "
                "period DATE NOT NULL, value DOUBLE NOT NULL, source_file VARCHAR NOT NULL, "
                "load_id INTEGER NOT NULL, PRIMARY KEY (measure, area, period))")
    con.execute("INSERT INTO series VALUES ('Referrals', 'Force', DATE '2019-01-01', 1, 's.csv', 1)")
    con.execute("CREATE TABLE load_log (load_id INTEGER NOT NULL, loaded_at TIMESTAMP NOT NULL, "
                "file_name VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
                "encoding VARCHAR NOT NULL, rows_in_file BIGINT NOT NULL, rows_added BIGINT NOT NULL, "
                "rows_replaced BIGINT NOT NULL)")
    create_schema(con)
    assert _schema_of(con) == fresh
    assert con.execute("SELECT version FROM schema_info").fetchall() == [(SCHEMA_VERSION,)]
    assert con.execute("SELECT measure, value FROM series").fetchall() == [("Referrals", 1.0)]
    create_schema(con)
    assert _schema_of(con) == fresh
    assert con.execute("SELECT count(*) FROM series").fetchone()[0] == 1


def test_a_database_from_before_targets_and_changes_gains_them_on_its_next_load(empty_con) -> None:
    """Schema 5 made before the targets and changes extracts: create_schema (every load runs it)
    adds both tables, keyed, and their history twins, leaving the other rows; no version bump is
    needed since nothing existing changes."""
    fresh = _schema_of(empty_con)
    add_measure(empty_con, "Referrals", "higher_is_better", "count", 1, 2)
    for table in ("targets_history", "changes_history", "targets", "changes"):
        empty_con.execute(f"DROP TABLE {table}")
    assert _schema_of(empty_con) != fresh
    create_schema(empty_con)
    assert _schema_of(empty_con) == fresh
    assert empty_con.execute("SELECT count(*) FROM measures").fetchone()[0] == 1
    keys = empty_con.execute("SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                             "WHERE constraint_type = 'PRIMARY KEY' AND table_name IN ('targets', 'changes') "
                             "ORDER BY table_name").fetchall()
    assert keys == [("changes", ["measure", "area", "month"]), ("targets", ["measure", "area", "applies_from"])]


def test_lookups_are_filled_once_from_domain(empty_con) -> None:
    """The lookups hold domain's RAG statuses, grade scores and change units, once each even
    when create_schema runs again on the same database."""
    create_schema(empty_con)
    assert empty_con.execute("SELECT status, label, sort_order FROM rag_lookup ORDER BY sort_order").fetchall() == [
        (s.code, s.label, s.order) for s in domain.RAG_STATUSES]
    assert dict(empty_con.execute("SELECT grade, score FROM grade_lookup").fetchall()) == {
        g: domain.grade_score(g) for g in domain.GRADES}
    assert dict(empty_con.execute("SELECT unit, change_unit FROM change_unit_lookup").fetchall()) == domain.CHANGE_UNIT
    assert empty_con.execute("SELECT count(*) FROM change_unit_lookup").fetchone()[0] == len(domain.CHANGE_UNIT)


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


# --- The Check column: a published trend against the computed change, at the published decimals --------
# Through a loaded extract (loaders.load.load_extracts) and the headline table's wording
# (dashboard.measures), so parsing the published decimals is part of what is checked.

CHECK_HEADER = "period,theme,measure,polarity,unit,baseline,baseline_period,current,current_period,trend,headline\n"
CHECK_CASES = [
    # id, unit, baseline, current, published trend, flagged?, computed change as the table shows it
    # a trend in per cent (a count's change): +10.2% allows 10.15 to 10.25
    ("percent-10.24", "count", "100,000", "110,240", "+10.2%", False, "+10.2%"),
    ("percent-10.36", "count", "100,000", "110,360", "+10.2%", True, "+10.4%"),
    ("percent-10.249", "count", "100,000", "110,249", "+10.2%", False, "+10.2%"),
    ("percent-10.251", "count", "100,000", "110,251", "+10.2%", True, "+10.3%"),
    ("percent-10.151", "count", "100,000", "110,151", "+10.2%", False, "+10.2%"),
    ("percent-10.149", "count", "100,000", "110,149", "+10.2%", True, "+10.1%"),
    ("percent-sign", "count", "100,000", "89,800", "+10.2%", True, "-10.2%"),
    # a trend in points (a rate's change): ↓ 0.5% pts allows -0.45 to -0.55
    ("points-0.549", "percent", "33.2%", "32.651%", "↓ 0.5% pts", False, "-0.5 pts"),
    ("points-0.551", "percent", "33.2%", "32.649%", "↓ 0.5% pts", True, "-0.6 pts"),
    ("points-0.451", "percent", "33.2%", "32.749%", "↓ 0.5% pts", False, "-0.5 pts"),
    ("points-0.449", "percent", "33.2%", "32.751%", "↓ 0.5% pts", True, "-0.4 pts"),
    # published without decimals: +5% pts allows 4.5 to 5.5
    ("points-whole-5.49", "percent", "88%", "93.49%", "+5% pts", False, "+5.5 pts"),
    ("points-whole-5.51", "percent", "88%", "93.51%", "+5% pts", True, "+5.5 pts"),
]


def load_check_cases(tmp_path: Path, cases) -> dict[str, dict]:
    """Each case as a measure of one measures.csv, loaded by the loader; rows by measure name."""
    from dashboard import measures
    from loaders.load import load_extracts

    lines = [
        f'2019-01,Protecting people from harm,{case[0]},higher_is_better,{case[1]},"{case[2]} (Jan 2018)",,'
        f'"{case[3]} (Jan 2019)",,{case[4]},yes\n'
        for case in cases
    ]
    extract = tmp_path / "measures.csv"
    extract.write_text(CHECK_HEADER + "".join(lines), encoding="utf-8")
    db = tmp_path / "check.duckdb"
    report = load_extracts([extract], db)
    assert report.ok, report.to_text()
    with duckdb.connect(str(db), read_only=True) as con:
        changes = measures.query_measure_changes(con, date(2019, 1, 1))
    table = measures.headline_table(changes).set_index("Measure")
    return {
        row["measure"]: {**row, "Check": table.loc[row["measure"], "Check"], "Change": table.loc[row["measure"], "Change"]}
        for row in measures.records(changes)
    }


@pytest.fixture(scope="module")
def check_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return load_check_cases(tmp_path_factory.mktemp("check"), CHECK_CASES)


@pytest.mark.parametrize("case", CHECK_CASES, ids=[case[0] for case in CHECK_CASES])
def test_check_allows_rounding_to_the_published_decimals_and_no_more(case, check_rows) -> None:
    """'+10.2%' is the rounding of 10.24 but not of 10.36: only the latter is flagged, in the view
    (trend_disagrees) and in the headline table's Check column, with the change as computed."""
    name, _, _, _, trend, flagged, computed = case
    row = check_rows[name]
    assert bool(row["trend_disagrees"]) is flagged
    if flagged:
        assert row["Check"] == f"⚠ Published trend {trend} disagrees with computed {computed}"
        assert row["Change"] == f"{computed} ⚠"
    else:
        assert row["Check"] == ""
        assert row["Change"] == computed


#: A trend published as a count or a sum ('+497', '+£0.1m') is the difference in the measure's
#: own unit, compared at its published rounding (£0.1m: to the nearest £50k either side).
UNIT_CASES = [
    ("count-497", "count", "4,872", "5,369", "+497", False, ""),
    ("count-498", "count", "4,872", "5,370", "+497", True, "+498"),
    ("money-0.1m", "money", "£1.0m", "£1.1m", "+£0.1m", False, ""),
    ("money-0.14m", "money", "£1.0m", "£1.14m", "+£0.1m", False, ""),
    ("money-0.16m", "money", "£1.0m", "£1.16m", "+£0.1m", True, "+£160k"),
    ("money-0.2m", "money", "£1.0m", "£1.2m", "+£0.1m", True, "+£200k"),
    ("money-k", "money", "£1,000k", "£1,052k", "+£52k", False, ""),
    ("money-k-off", "money", "£1,000k", "£1,053k", "+£52k", True, "+£53k"),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case[0]) for case in UNIT_CASES])
def test_check_of_a_trend_published_as_a_count_or_a_sum(case, tmp_path: Path) -> None:
    """4,872 -> 5,369 published as '+497' agrees; as '+497' against 5,370 it does not, and the
    Check names the computed difference in the trend's own unit."""
    name, _, _, _, trend, flagged, computed = case
    row = load_check_cases(tmp_path, [case])[name]
    assert bool(row["trend_disagrees"]) is flagged
    if flagged:
        assert row["Check"] == f"⚠ Published trend {trend} disagrees with computed {computed}"
    else:
        assert row["Check"] == ""
