"""The sample extracts (data/*.csv) through the loader give the figures the source reports print."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def con(sample_db: Path):
    with duckdb.connect(str(sample_db), read_only=True) as connection:
        yield connection


def measure(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    cursor = con.execute("SELECT * FROM measure_changes WHERE measure = ?", [name])
    columns = [c[0] for c in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, name
    return dict(zip(columns, found[0]))


def test_safeguarding_referrals_rise_is_better(con: duckdb.DuckDBPyConnection) -> None:
    """4,872 (Jan 2018) -> 5,369 (Jan 2019): +10.2%, better for a higher-is-better measure."""
    row = measure(con, "Adult and child safeguarding referrals")
    assert (row["baseline_value"], row["current_value"]) == (4872.0, 5369.0)
    assert row["change"] == pytest.approx(10.2, abs=0.05)
    assert row["direction"] == "better"
    assert row["trend_value"] == pytest.approx(10.2)
    assert not row["trend_disagrees"]
    assert row["exception"] == "positive"


def test_theme_2_deliverables_are_14_of_14_green(con: duckdb.DuckDBPyConnection) -> None:
    found = con.execute(
        "SELECT status, n, total FROM rag_counts WHERE plan = '2018-21' AND quarter = '2018-19 Q3' "
        "AND theme = 'Helping and supporting victims' ORDER BY sort_order").fetchall()
    assert found == [("G", 14, 14), ("A", 0, 14), ("R", 0, 14), ("W", 0, 14)]


def test_serious_sexual_offences_trend_disagrees(con: duckdb.DuckDBPyConnection) -> None:
    """11.6% -> 8.9% is -2.7 points; the headline table prints 0.5% pts down."""
    row = measure(con, "Positive outcome rate for serious sexual offences")
    assert row["change"] == pytest.approx(-2.7)
    assert row["trend_value"] == pytest.approx(-0.5)
    assert row["trend_disagrees"]
    assert row["direction"] == "worse"


def test_reoffending_current_is_dated_before_its_baseline(con: duckdb.DuckDBPyConnection) -> None:
    row = measure(con, "Integrated Offender Management – reduction in reoffending risk")
    assert str(row["baseline_period"])[:7] == "2018-06"
    assert str(row["current_period"])[:7] == "2018-01"
    assert row["current_before_baseline"]


def test_every_sample_file_loaded_once(con: duckdb.DuckDBPyConnection) -> None:
    sample_files = sorted(p.name for p in (Path(__file__).resolve().parent.parent / "data").glob("*.csv"))
    logged = con.execute("SELECT file_name, rows_in_file, rows_added FROM load_log ORDER BY file_name").fetchall()
    assert [name for name, _, _ in logged] == sample_files
    assert all(rows == added and rows > 0 for _, rows, added in logged)
    assert con.execute("SELECT count(*) FROM measures WHERE source_file = 'measures.csv'").fetchone()[0] == 20
    assert con.execute("SELECT count(*) FROM deliverables").fetchone()[0] == 29
