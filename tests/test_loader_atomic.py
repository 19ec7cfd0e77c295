"""A load is all or nothing, and loading the same extract twice changes nothing more."""

from __future__ import annotations

import hashlib
import io
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from loaders import load as load_module
from loaders import load_extracts
from loaders.atomic import LoadInProgress, load_in_progress, staging_path, writer_lock

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
        ("measures.csv", 0, 0), ("series.csv", 0, 0), ("deliverables.csv", 0, 0), ("budget.csv", 0, 0)]
    text = second.to_text()
    assert "measures.csv      measures      utf-8        3      0         0          3" in text


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


# --- one writer at a time -----------------------------------------------------------------------


class _StderrWatcher(io.StringIO):
    """Stands in for stderr: sets `waiting` once a load says it is waiting for the lock."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "Waiting for another load" in self.getvalue():
            self.waiting.set()
        return written


def test_a_second_load_waits_for_the_first_and_loses_none_of_its_rows(
        loaded_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two loads at once, in two threads: the first stops half-way through writing (a hook holds it
    there); the second says it is waiting and writes nothing until the first has landed, then
    builds on the first's file, so both loads' rows are in the database."""
    first_writing, finish_first = threading.Event(), threading.Event()
    real_write = load_module.write_file

    def held_in_the_first_load(con, checked, entry):  # noqa: ANN001
        if threading.current_thread().name == "first":
            first_writing.set()
            assert finish_first.wait(30)
        return real_write(con, checked, entry)

    monkeypatch.setattr(load_module, "write_file", held_in_the_first_load)
    stderr = _StderrWatcher()
    monkeypatch.setattr(sys, "stderr", stderr)
    reports: dict[str, object] = {}

    def load(name: str, extract: Path) -> None:
        reports[name] = load_extracts([extract], loaded_db)

    first = threading.Thread(target=load, args=("first", GOOD / "budget.csv"), name="first")
    second = threading.Thread(target=load, args=("second", GOOD / "deliverables.csv"), name="second")
    before = sha256(loaded_db)
    first.start()
    try:
        assert first_writing.wait(30)
        second.start()
        assert stderr.waiting.wait(30), "the second load did not wait for the first"
        assert stderr.getvalue() == "Waiting for another load of db.duckdb to finish...\n"
        assert load_in_progress(loaded_db)
        assert sha256(loaded_db) == before  # neither load has landed
        assert "second" not in reports
    finally:
        finish_first.set()
        first.join(60)
        second.join(60)
    assert [(reports[n].ok, reports[n].load_id) for n in ("first", "second")] == [(True, 2), (True, 3)]
    with duckdb.connect(str(loaded_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM budget").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM deliverables").fetchone()[0] == 2
        assert con.execute("SELECT list(DISTINCT load_id ORDER BY load_id) FROM load_log").fetchone()[0] == [1, 2, 3]
    assert not load_in_progress(loaded_db)


def test_load_in_progress_only_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    """The Data page asks before it starts a change: no load yet, none running, or one running."""
    db = tmp_path / "db.duckdb"
    assert not load_in_progress(db)  # never loaded: no database, no lock file
    assert not db.exists()
    assert load_extracts([GOOD / "budget.csv"], db).ok
    assert not load_in_progress(db)
    with writer_lock(db):
        assert load_in_progress(db)
        with pytest.raises(LoadInProgress, match="another load of db.duckdb is running"):
            with writer_lock(db, wait=False):
                pass
    assert not load_in_progress(db)


def test_staging_file_is_named_beside_the_database() -> None:
    """`NAME.new.duckdb` (docs/EXTRACTS.md), also for a database named without a suffix."""
    assert staging_path(Path("/data/dashboard.duckdb")) == Path("/data/dashboard.new.duckdb")
    assert staging_path(Path("/data/dashboard.db")) == Path("/data/dashboard.new.db")
    assert staging_path(Path("/data/dashboard")) == Path("/data/dashboard.new.duckdb")


class _BlockBufferedStderr(io.TextIOWrapper):
    """A block-buffered stderr (a pipe to a log collector, say): text written to it reaches the
    bytes underneath only when it is flushed. `printed` is set once anything is written."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", line_buffering=False)
        self.printed = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        self.printed.set()
        return written


def test_the_waiting_message_is_pushed_out_while_the_load_waits(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A load kept waiting says so before it waits, even through a stderr that holds text back
    until it is flushed: the person watching is not left with a silent command."""
    db = tmp_path / "db.duckdb"
    stderr = _BlockBufferedStderr()
    monkeypatch.setattr(sys, "stderr", stderr)
    out_when_it_got_the_lock: list[bytes] = []

    def second_writer() -> None:
        with writer_lock(db):
            out_when_it_got_the_lock.append(stderr.buffer.getvalue())

    with writer_lock(db):
        waiter = threading.Thread(target=second_writer)
        waiter.start()
        assert stderr.printed.wait(30), "the second writer did not say it was waiting"
        assert not out_when_it_got_the_lock  # still waiting
    waiter.join(30)
    assert out_when_it_got_the_lock == [b"Waiting for another load of db.duckdb to finish...\n"]


def test_a_load_leaves_only_the_database_and_its_lock_file(tmp_path: Path) -> None:
    """Beside `NAME.duckdb` a load leaves its lock file, `NAME.duckdb.lock` (the name .gitignore
    ignores in data/), and nothing else: no staging copy, no write-ahead log."""
    db = tmp_path / "dashboard.duckdb"
    assert load_extracts([GOOD / "budget.csv"], db).ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard.duckdb", "dashboard.duckdb.lock"]
