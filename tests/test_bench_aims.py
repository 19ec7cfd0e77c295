"""The benchmarks' shared verdict (benchmarks/aims.py) and `make bench`: what is MET, what is
MISSED, and the exit status. Nothing here is timed."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.aims import Aims, against_anchor, milliseconds, ratio

ROOT = Path(__file__).resolve().parent.parent


def test_every_aim_met_prints_met_lines_last_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    aims = Aims()
    aims.at_least("loader speed against DuckDB", 0.62, 0.5)
    aims.at_most("warm page", 0.300, 0.300, fmt=milliseconds)  # on the aim is within it
    assert aims.finish() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [
        "MET   loader speed against DuckDB: 0.62x (aim at least 0.50x)",
        "MET   warm page: 300 ms (aim at most 300 ms)",
    ]


def test_one_aim_missed_is_named_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    aims = Aims()
    aims.at_most("pack", 14.0, 15.0)
    aims.at_most("warm chart", 0.51, 0.5)
    aims.at_least("loader speed", 0.49, 0.5)
    assert aims.finish() == 1
    assert [v.aim for v in aims.missed] == ["warm chart", "loader speed"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == [
        "MET   pack: 14.00 s (aim at most 15.00 s)",
        "MISSED warm chart: 0.51 s (aim at most 0.50 s)",
        "MISSED loader speed: 0.49x (aim at least 0.50x)",
    ]


@pytest.mark.parametrize("check", ["at_most", "at_least"])
def test_a_figure_not_measured_misses(check: str) -> None:
    aims = Aims()
    assert not getattr(aims, check)("aim", float("nan"), 1.0).met
    assert aims.finish() == 1


def test_no_aim_checked_is_not_a_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert Aims().finish() == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("MISSED ")


def test_an_absolute_aim_is_also_shown_against_the_anchor() -> None:
    aims = Aims()
    verdict = aims.at_most("warm page", 0.2, 0.3, fmt=milliseconds, anchor=("the plain page", 0.01))
    assert verdict.met
    assert verdict.line() == ("MET   warm page: 200 ms = 20.00x the plain page "
                              "(aim at most 300 ms = 30.00x the plain page in this run)")


def test_figures_are_printed_beside_the_anchor_with_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    against_anchor(("DuckDB read_csv", 2.0), [("load_extracts", 3.0)])
    anchor_line, loader_line = capsys.readouterr().out.splitlines()
    assert anchor_line.split() == ["DuckDB", "read_csv", "2.00", "s", "anchor"]
    assert loader_line.split() == ["load_extracts", "3.00", "s", "1.50x"]
    assert ratio(1.0, 0.0) != ratio(1.0, 0.0)  # no anchor figure: NaN, which misses any aim


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_bench_runs_every_script_when_one_misses_and_fails(tmp_path: Path) -> None:
    """A stand-in interpreter misses with one script: the others still run, the summary names
    it, and make exits non-zero. (install-dev and browser are taken as done.)"""
    stand_in = tmp_path / "python"
    stand_in.write_text(f"#!{sys.executable}\nimport sys\nprint('ran', sys.argv[1])\n"
                        "sys.exit(1 if sys.argv[1].endswith('bench_loader.py') else 0)\n")
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    done = subprocess.run(["make", "-s", "--no-print-directory", "-o", "install-dev", "-o", "browser", "bench",
                           f"PY={stand_in}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    scripts = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").glob("bench_*.py"))
    assert done.returncode != 0
    assert [line.split()[1] for line in done.stdout.splitlines() if line.startswith("ran ")] == scripts
    summary = done.stdout.split("== summary\n", 1)[1].splitlines()
    assert summary == [
        (f"MISSED {s}: an aim missed, or the script failed (exit 1)" if s.endswith("bench_loader.py")
         else f"MET   {s}: every aim met")
        for s in scripts
    ]
