"""Makefile targets take user values (DB, PERIOD, MEASURE, ...) as text: a backtick, `$(...)` or a
quote in one is never run, by make or by the shell, and reaches the command exactly as given.

Targets depend on `install`, a no-op once .venv/.installed exists (as it does when tests run).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

INSTALLED = ROOT / ".venv" / ".installed"


def _installed() -> bool:
    """`install` is a no-op: else a stand-in interpreter below would 'install' and mark it done."""
    return INSTALLED.exists() and INSTALLED.stat().st_mtime >= (ROOT / "requirements.txt").stat().st_mtime


pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    pytest.mark.skipif(not _installed(), reason=".venv/.installed missing or older than requirements.txt: make install"),
]


def _make(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(["make", "-s", "--no-print-directory", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _attacks(folder: Path) -> dict[str, str]:
    """Each way a value could be run, each touching its own marker file if it ever is."""
    return {
        "make-function": f"$(shell touch {folder}/make-function)",
        "make-variable": f"$(touch {folder}/make-variable)",
        "backtick": f"`touch {folder}/backtick`",
        "command-substitution": f"$$(touch {folder}/command-substitution)",
        "single-quote": f"x'; touch {folder}/single-quote; '",
        "double-quote": f'x"; touch {folder}/double-quote; "',
        "newline": f"x\ntouch {folder}/newline\ny",
    }


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    folder = tmp_path / "markers"
    folder.mkdir()
    return folder


@pytest.fixture
def argv_printer(tmp_path: Path) -> Path:
    """A stand-in for .venv/bin/python that prints the arguments it was given, as JSON."""
    script = tmp_path / "print-argv"
    script.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _argvs(done: subprocess.CompletedProcess) -> list[list[str]]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]


@pytest.mark.parametrize("attack", list(_attacks(Path("/x"))))
def test_values_reach_each_command_as_given_and_are_never_run(attack: str, markers: Path, argv_printer: Path) -> None:
    """Every target that takes a value, with a stand-in interpreter: each value arrives as one
    argument, exactly as given (a newline as a space), and no marker file is created."""
    value = _attacks(markers)[attack]
    given = value.replace("\n", " ")
    py = f"PY={argv_printer}"
    runs = {
        "spc": _make("spc", py, f"MEASURE={value}", f"AREA={value}", f"FIX_AFTER={value}", f"DB={value}"),
        "exceptions": _make("exceptions", py, f"PERIOD={value}", f"DB={value}"),
        "pack": _make("pack", py, f"PERIOD={value}", f"OUT={value}", f"DB={value}"),
        "publish": _make("pack", py, f"PERIOD={value}", f"OUT={value}", f"DB={value}", f"MEETING={value}"),
        "load": _make("load", py, f"DB={value}"),
        "police-uk-sample": _make("police-uk-sample", py, f"POLICE_UK={value}", f"DB={value}"),
        "run": _make("run", py, f"DB={value}", f"PORT={value}"),
        "serve": _make("serve", py, f"DB={value}", f"PORT={value}", f"WORKERS={value}", f"ADDRESS={value}"),
    }
    assert not list(markers.iterdir()), [p.name for p in markers.iterdir()]
    for target, done in runs.items():
        assert done.returncode == 0, (target, done.stderr)
    spc, = _argvs(runs["spc"])
    assert spc == ["-m", "dashboard.spc", "--measure", given, "--area", given, "--db", given, "--fix-after", given]
    assert _argvs(runs["exceptions"]) == [["-m", "dashboard.detection", "--period", given, "--db", given]]
    # pack: the database given does not exist, so the sample is loaded into it first
    load, build = _argvs(runs["pack"])
    assert load[-2:] == ["--db", given]
    assert build == ["-m", "dashboard.pack", "--period", given, "--out", given, "--db", given]
    # with MEETING, the pack is built and the report published with it
    assert _argvs(runs["publish"])[-1] == ["-m", "dashboard.pack", "--period", given, "--out", given, "--db", given,
                                           "--publish", "--meeting", given]
    assert _argvs(runs["load"])[0][-2:] == ["--db", given]
    assert _argvs(runs["police-uk-sample"]) == [
        ["-m", "loaders.police_uk", given, "--extracts-out", "data", "--db", given]]
    run = _argvs(runs["run"])[-1]
    assert run[:6] == ["-m", "streamlit", "run", "app.py", "--server.port", given]
    assert _argvs(runs["serve"])[-1] == ["scripts/serve.py", "--workers", given, "--port", given, "--address", given]


def test_run_passes_the_database_in_the_environment_as_given(markers: Path, tmp_path: Path) -> None:
    value = _attacks(markers)["backtick"] + _attacks(markers)["command-substitution"]
    printer = tmp_path / "print-env"
    printer.write_text(f"#!{sys.executable}\nimport os\nprint('DB=' + os.environ.get('DASHBOARD_DB', ''))\n")
    printer.chmod(printer.stat().st_mode | stat.S_IXUSR)
    done = _make("run", f"PY={printer}", f"DB={value}", "PORT=1")
    assert done.returncode == 0, done.stderr
    assert f"DB={value}" in done.stdout.splitlines()
    assert not list(markers.iterdir())


def test_the_real_commands_with_hostile_values_run_nothing(markers: Path, tmp_path: Path, _sample_db_once: Path) -> None:
    """The real programs: spc and exceptions on the sample, pack with a bad period, load into a
    database named with every attack. Each refuses or does its job; no marker appears."""
    value = " ".join(_attacks(markers).values())
    db = str(_sample_db_once)
    spc = _make("spc", f"MEASURE={value}", f"AREA={value}", f"DB={db}")
    assert spc.returncode != 0 and "no series for measure" in spc.stderr
    exceptions = _make("exceptions", f"PERIOD={value}", f"DB={db}")
    assert exceptions.returncode != 0 and "expected a month as YYYY-MM" in exceptions.stderr
    pack = _make("pack", f"PERIOD={value}", f"OUT={tmp_path / 'out'}", f"DB={db}")
    assert pack.returncode != 0 and "expected a month as YYYY-MM" in pack.stderr
    named = f"`touch {markers}/load-1`$$(touch {markers}/load-2)$(shell touch {markers}/load-3)"
    load = _make("load", f"DB={tmp_path / 'load'}/{named}.duckdb")  # the loader makes the folders
    assert load.returncode == 0, load.stderr
    assert not list(markers.iterdir()), [p.name for p in markers.iterdir()]


def test_the_documented_commands_still_work(_sample_db_once: Path) -> None:
    db = f"DB={_sample_db_once}"
    spc = _make("spc", "MEASURE=Recorded crime: Burglary", "AREA=Force", "FIX_AFTER=24", db)
    assert spc.returncode == 0, spc.stderr
    assert spc.stdout.startswith(("period,", "measure,")) and len(spc.stdout.splitlines()) > 12
    assert spc.stdout.splitlines()[0].endswith(",target,rules,variation,assurance,rebase")
    # The sample's known change (data/changes.csv) rebases the limits, and says so.
    rebased = _make("spc", "MEASURE=Recorded crime: Violence and sexual offences", db)
    assert rebased.returncode == 0, rebased.stderr
    assert "note: limits computed afresh from Jun 2023: Counting rules change" in rebased.stderr
    assert ",Counting rules change: stalking and harassment" in rebased.stdout.splitlines()[6]
    failing = _make("exceptions", "PERIOD=2024-12", db)
    assert "SPC: target consistently failed" in failing.stdout and "consistently failing" in failing.stdout
    exceptions = _make("exceptions", "PERIOD=2019-01", db)
    assert exceptions.returncode == 0, exceptions.stderr
    assert exceptions.stdout.startswith("theme,measure,direction,source,rule,detail,target,assurance,rebase")
    assert "Urgent (Grade 2) response times,negative" in exceptions.stdout
    usage = _make("spc")
    assert usage.returncode != 0 and "usage: make spc" in usage.stderr
