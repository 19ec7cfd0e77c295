"""`python -m loaders`: the printed report and the exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.db import PROJECT_ROOT
from loaders.__main__ import main

GOOD = Path(__file__).resolve().parent / "fixtures" / "loader" / "good"

EXPECTED_SUCCESS = """\
Loaded 4 files into {db} (load 1).

  file              table         encoding  rows  added  replaced  unchanged
  measures.csv      measures      utf-8        3      3         0          0
  series.csv        series        utf-8        3      3         0          0
  deliverables.csv  deliverables  utf-8        2      2         0          0
  budget.csv        budget        utf-8        3      3         0          0
"""


def test_cli_loads_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "db.duckdb"
    assert main([str(GOOD), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert out == EXPECTED_SUCCESS.format(db=db)
    assert err == ""


def test_cli_errors_exit_1_and_go_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "measures.csv"
    bad.write_text("period,theme,measure,polarity\n2019-01,T,A,sideways\n2019-13,T,B,up\n")
    db = tmp_path / "db.duckdb"
    assert main([str(bad), str(GOOD / "budget.csv"), "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        "Nothing loaded: 2 errors in 1 file. The database is unchanged.\n\n"
        "  file          table     encoding  rows\n"
        "  measures.csv  measures  utf-8        2\n"
        "  budget.csv    budget    utf-8        3\n\n"
        "Errors (2):\n"
        '  measures.csv, line 2, column polarity: "sideways": expected one of higher_is_better, higher is '
        "better, up, lower_is_better, lower is better, down or neutral\n"
        '  measures.csv, line 3, column period: "2019-13": expected a month such as 2019-01, Jan 2019 or '
        "January 2019\n"
    )
    assert err.splitlines() == [
        'error: measures.csv, line 2, column polarity: "sideways": expected one of higher_is_better, higher '
        "is better, up, lower_is_better, lower is better, down or neutral",
        'error: measures.csv, line 3, column period: "2019-13": expected a month such as 2019-01, Jan 2019 '
        "or January 2019",
    ]
    assert not db.exists()


def test_cli_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "db.duckdb"
    assert main([str(GOOD), "--db", str(db), "--check"]) == 0
    assert capsys.readouterr().out.startswith("Checked 4 files: no errors (nothing written).")
    assert not db.exists()


def test_python_dash_m_loaders_runs(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    done = subprocess.run([sys.executable, "-m", "loaders", str(GOOD / "budget.csv"), "--db", str(db)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Loaded 1 file into {db} (load 1).")
    missing = subprocess.run([sys.executable, "-m", "loaders", str(tmp_path / "nope.csv"), "--db", str(db)],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1
    assert f"error: {tmp_path / 'nope.csv'}: expected a file or folder that exists" in missing.stderr


def test_cli_database_that_cannot_be_used(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Not a DuckDB file: exit 1 with the reason, the file untouched and no copy left."""
    db = tmp_path / "notes.duckdb"
    db.write_text("not a database")
    assert main([str(GOOD / "budget.csv"), "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: cannot use the database {db}: ")
    assert db.read_text() == "not a database"
    assert not (tmp_path / "notes.new.duckdb").exists()
