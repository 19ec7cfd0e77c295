"""Who changed the figures, kept versions, and undo (`--restore`): every change recorded and reversible."""

from __future__ import annotations

import getpass
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from dashboard.db import PROJECT_ROOT
from loaders.__main__ import main
from loaders.atomic import load_in_progress, writer_lock
from loaders.load import load_extracts
from loaders.provenance import RESTORE, UPLOAD, Actor
from loaders.restore import restore_version
from loaders.schema import SCHEMA_VERSION
from loaders.versions import KEEP_VERSIONS_ENV, kept_versions, versions_dir

GOOD = Path(__file__).resolve().parent / "fixtures" / "loader" / "good"
SAFEGUARDING = "Adult and child safeguarding referrals"


def _tampered_measures(folder: Path, current: str = "1") -> Path:  # current as "N (Jan 2019)"
    """The sample measures with safeguarding referrals' current figure changed."""
    text = (PROJECT_ROOT / "data" / "measures.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    changed = [line.replace('"5,369 (Jan 2019)"', f'"{current} (Jan 2019)"', 1) if SAFEGUARDING in line else line for line in lines]
    assert changed != lines, "the sample row to tamper with was not found"
    path = folder / "measures.csv"
    path.write_text("".join(changed), encoding="utf-8")
    return path


def _current(db: Path) -> float:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT current_value FROM measures WHERE measure = ? AND period = '2019-01-01'",
                           [SAFEGUARDING]).fetchone()[0]


def _log(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT DISTINCT load_id, loaded_by, load_source, restored_load_id "
                           "FROM load_log ORDER BY load_id").fetchall()


def test_each_load_records_who_and_from_where(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    assert load_extracts([GOOD / "budget.csv"], db, Actor("analyst@opcc.example", UPLOAD)).ok
    assert _log(db) == [(1, getpass.getuser(), "command line", None),
                        (2, "analyst@opcc.example", "upload", None)]


def test_a_load_keeps_the_database_it_replaces(sample_db: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(sample_db.read_bytes()).hexdigest()
    assert load_extracts([_tampered_measures(tmp_path)], sample_db).ok
    (version,) = kept_versions(sample_db)
    assert version.load_id == 1
    assert hashlib.sha256(version.path.read_bytes()).hexdigest() == before
    assert version.path.parent == versions_dir(sample_db) == tmp_path / "sample.versions"


def test_restore_brings_back_the_figures_and_is_logged(sample_db: Path, tmp_path: Path) -> None:
    assert load_extracts([_tampered_measures(tmp_path)], sample_db).ok
    assert _current(sample_db) == 1
    report = restore_version(sample_db, 1, Actor("lead.analyst@opcc.example", UPLOAD))
    assert report.ok, report.message
    assert _current(sample_db) == 5369
    # The undone load stays in the trail, and the restore is a load of its own.
    assert _log(sample_db)[1:] == [(2, getpass.getuser(), "command line", None),
                                   (3, "lead.analyst@opcc.example", RESTORE, 1)]
    # The restore can itself be undone: the tampered version was kept.
    assert restore_version(sample_db, 2, Actor("x")).ok
    assert _current(sample_db) == 1
    assert _log(sample_db)[-1] == (4, "x", RESTORE, 2)


def test_restore_while_the_dashboard_reads_the_database(sample_db: Path, tmp_path: Path) -> None:
    """The dashboard holds the live file open read-only; a restore only reads it, then swaps."""
    assert load_extracts([_tampered_measures(tmp_path)], sample_db).ok
    with duckdb.connect(str(sample_db), read_only=True) as dashboard:
        report = restore_version(sample_db, 1, Actor("x"))
        assert report.ok, report.message
        assert dashboard.execute("SELECT current_value FROM measures WHERE measure = ? "
                                 "AND period = '2019-01-01'", [SAFEGUARDING]).fetchone()[0] == 1
    assert _current(sample_db) == 5369
    assert [v.load_id for v in kept_versions(sample_db)] == [2, 1]


def test_restore_of_a_version_not_kept_changes_nothing(sample_db: Path) -> None:
    before = sample_db.read_bytes()
    report = restore_version(sample_db, 7, Actor("x"))
    assert not report.ok
    assert "No earlier version after load 7 is kept" in report.message
    assert sample_db.read_bytes() == before


def test_restore_of_the_live_version_is_refused(sample_db: Path, tmp_path: Path) -> None:
    assert load_extracts([_tampered_measures(tmp_path)], sample_db).ok
    assert restore_version(sample_db, 1, Actor("x")).ok
    report = restore_version(sample_db, 3, Actor("x"))
    assert not report.ok and "No earlier version after load 3" in report.message
    assert restore_version(sample_db, 2, Actor("x")).ok  # the tampered one, kept at the restore
    again = restore_version(sample_db, 4, Actor("x"))
    assert not again.ok


def test_versions_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEEP_VERSIONS_ENV, "3")
    db = tmp_path / "db.duckdb"
    for current in range(1, 7):
        assert load_extracts([_tampered_measures(tmp_path, str(current))], db).ok
    assert [v.load_id for v in kept_versions(db)] == [5, 4, 3]


def test_a_symlinked_database_updates_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real" / "live.duckdb"
    real.parent.mkdir()
    assert load_extracts([GOOD / "measures.csv"], real).ok
    link = tmp_path / "dashboard.duckdb"
    link.symlink_to(real)
    assert load_extracts([GOOD / "budget.csv"], link).ok
    assert link.is_symlink() and link.resolve() == real
    with duckdb.connect(str(real), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT load_id) FROM load_log").fetchone()[0] == 2
    assert [v.load_id for v in kept_versions(link)] == [1]


def test_schema_2_database_gains_the_audit_columns(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    with duckdb.connect(str(db)) as con:  # make it as a schema-2 load left it
        for column in ("loaded_by", "load_source", "restored_load_id"):
            con.execute(f"ALTER TABLE load_log DROP COLUMN {column}")
        con.execute("UPDATE schema_info SET version = 2")
    assert load_extracts([GOOD / "budget.csv"], db).ok
    assert _log(db) == [(1, None, None, None), (2, getpass.getuser(), "command line", None)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT version FROM schema_info").fetchone()[0] == SCHEMA_VERSION


def test_restore_into_schema_2_version_carries_the_log(tmp_path: Path) -> None:
    """A version kept before the audit columns existed restores, and the later log rows survive."""
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    with duckdb.connect(str(db)) as con:
        for column in ("loaded_by", "load_source", "restored_load_id"):
            con.execute(f"ALTER TABLE load_log DROP COLUMN {column}")
        con.execute("UPDATE schema_info SET version = 2")
    assert load_extracts([GOOD / "budget.csv"], db).ok
    assert restore_version(db, 1, Actor("x")).ok
    assert _log(db) == [(1, None, None, None), (2, getpass.getuser(), "command line", None),
                        (3, "x", RESTORE, 1)]


def test_cli_restore_and_versions(sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(_tampered_measures(tmp_path)), "--db", str(sample_db)]) == 0
    capsys.readouterr()
    assert main(["--versions", "--db", str(sample_db)]) == 0
    assert "after load    1" in capsys.readouterr().out
    assert main(["--restore", "9", "--db", str(sample_db)]) == 1
    assert "Versions kept (after load): 1." in capsys.readouterr().err
    assert main(["--restore", "1", "--db", str(sample_db)]) == 0
    assert capsys.readouterr().out == "Restored the figures as they were after load 1 (recorded as load 3).\n"
    assert _current(sample_db) == 5369
    assert _log(sample_db)[-1] == (3, getpass.getuser(), RESTORE, 1)


def test_cli_restore_takes_no_files(sample_db: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--restore", "1", str(GOOD), "--db", str(sample_db)])
    assert exit_.value.code == 2


def test_a_load_waiting_for_the_lock_says_so(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(db):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    assert load_in_progress(db)
    process = subprocess.Popen(
        [sys.executable, "-m", "loaders", str(GOOD / "budget.csv"), "--db", str(db)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stderr.readline()  # blocks until the loader speaks
        assert first_line == "Waiting for another load of db.duckdb to finish...\n"
        assert process.poll() is None  # still waiting: nothing written while the lock is held
    finally:
        release.set()
        holder.join()
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    assert "(load 2)" in out
    assert not load_in_progress(db)


def test_two_concurrent_loads_both_land(tmp_path: Path) -> None:
    """Two processes at once: the lock serialises them, and no load's rows are lost."""
    db = tmp_path / "db.duckdb"
    assert load_extracts([GOOD / "measures.csv"], db).ok
    processes = [
        subprocess.Popen([sys.executable, "-m", "loaders", str(GOOD / name), "--db", str(db)],
                         cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in ("budget.csv", "deliverables.csv")
    ]
    for process in processes:
        process.communicate(timeout=60)
        assert process.returncode == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM budget").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM deliverables").fetchone()[0] == 2
        assert con.execute("SELECT list(DISTINCT load_id ORDER BY load_id) FROM load_log").fetchone()[0] == [1, 2, 3]
