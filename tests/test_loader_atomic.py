"""A load is all or nothing, and loading the same extract twice changes nothing more."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from loaders import load as load_module
from loaders import load_extracts
from loaders.atomic import staging_path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "loader"
GOOD = FIXTURES / "good"
DATA_TABLES = {
    "measures": "period, measure",
    "series": "measure, area, period",
    "deliverables": "plan, quarter, theme, ref",
    "budget": "financial_year, period, entity, category",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_staging_left(db: Path) -> bool:
    staging = staging_path(db)
    return not staging.exists() and not staging.with_name(staging.name + ".wal").exists()


@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    return db


def test_failure_midway_leaves_the_database_byte_for_byte(loaded_db: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The second table's write fails after the first was written: nothing reaches the file."""
    before = sha256(loaded_db)
    real = load_module.write_file
    calls = []

    def fail_after_first(*args, **kwargs):
        calls.append(args[1].source.name)
        if len(calls) > 1:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "write_file", fail_after_first)
    with pytest.raises(RuntimeError, match="disk full"):
        load_extracts([GOOD / "measures.csv", GOOD / "deliverables.csv", GOOD / "budget.csv"], loaded_db)
    assert calls == ["measures.csv", "deliverables.csv"]
    assert sha256(loaded_db) == before
    assert no_staging_left(loaded_db)


def test_failure_midway_on_a_new_database_creates_nothing(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load_module, "write_file", fail)
    db = tmp_path / "db.duckdb"
    with pytest.raises(RuntimeError):
        load_extracts([GOOD / "budget.csv"], db)
    assert not db.exists()
    assert no_staging_left(db)


def test_rejected_load_leaves_the_database_byte_for_byte(loaded_db: Path, tmp_path: Path) -> None:
    before = sha256(loaded_db)
    bad = tmp_path / "budget.csv"
    bad.write_text("financial_year,period,entity,category,budget,forecast_outturn\n2018-19,2018-12,F,revenue,1,x\n")
    report = load_extracts([GOOD / "deliverables.csv", bad], loaded_db)
    assert not report.ok and report.load_id is None
    assert sha256(loaded_db) == before
    assert no_staging_left(loaded_db)


def test_reader_opened_before_a_swap_keeps_the_old_data(loaded_db: Path, tmp_path: Path) -> None:
    reader = duckdb.connect(str(loaded_db), read_only=True)
    try:
        assert reader.execute("SELECT count(*) FROM deliverables").fetchone()[0] == 0
        report = load_extracts([GOOD / "deliverables.csv"], loaded_db)
        assert report.ok, report.to_text()
        assert reader.execute("SELECT count(*) FROM deliverables").fetchone()[0] == 0
        assert reader.execute("SELECT count(*) FROM measures").fetchone()[0] == 3
    finally:
        reader.close()
    with duckdb.connect(str(loaded_db), read_only=True) as fresh:
        assert fresh.execute("SELECT count(*) FROM deliverables").fetchone()[0] == 2


def table_contents(db: Path) -> dict[str, list[tuple]]:
    """Every data table's rows without load_id, which names the latest load of each row."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            table: con.execute(f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY {order}").fetchall()
            for table, order in DATA_TABLES.items()
        }


def test_loading_twice_is_the_same_as_once(tmp_path: Path) -> None:
    once, twice = tmp_path / "once.duckdb", tmp_path / "twice.duckdb"
    assert load_extracts([GOOD], once).ok
    assert load_extracts([GOOD], twice).ok
    second = load_extracts([GOOD], twice)
    assert second.ok and second.load_id == 2
    assert table_contents(twice) == table_contents(once)
    assert [(f.name, f.added, f.replaced) for f in second.files] == [
        ("measures.csv", 0, 3), ("series.csv", 0, 3), ("deliverables.csv", 0, 2), ("budget.csv", 0, 3)]
    text = second.to_text()
    assert "measures.csv      measures      utf-8        3      0         3" in text


def test_changes_left_in_the_live_write_ahead_log_are_kept(tmp_path: Path) -> None:
    """A live file with a WAL (written outside the loader, never checkpointed) is copied whole."""
    writer_copy = tmp_path / "writer.duckdb"
    with duckdb.connect(str(writer_copy)) as con:
        con.execute("SET checkpoint_threshold = '1TB'")  # keep the change in the WAL
        con.execute("CREATE TABLE kept AS SELECT 1 AS a")
        db = tmp_path / "db.duckdb"
        db.write_bytes(writer_copy.read_bytes())
        Path(f"{db}.wal").write_bytes(Path(f"{writer_copy}.wal").read_bytes())
    assert load_extracts([GOOD / "budget.csv"], db).ok
    assert not Path(f"{db}.wal").exists()  # beside the new file it would stop it opening
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT a FROM kept").fetchall() == [(1,)]
