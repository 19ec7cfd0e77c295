"""scripts/mutation_report.py: a crash is not a kill, an unexplained survivor fails the report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation_report.py"


def _report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codes: dict[str, int | None], explained: str = ""):
    spec = importlib.util.spec_from_file_location("mutation_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "mutants").mkdir()
    (tmp_path / "mutants" / "x.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "docs" / "mutants").mkdir(parents=True)
    (tmp_path / "docs" / "TESTING.md").write_text(explained)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module.main()


def _codes(killed: int, **others: int | None) -> dict[str, int | None]:
    codes: dict[str, int | None] = {f"pkg.m.x_f__mutmut_{i}": 1 for i in range(killed)}
    codes.update({f"pkg.m.x_g__mutmut_{100 + i}": code for i, code in enumerate(others.values())})
    return codes


def test_all_killed_is_met(tmp_path, monkeypatch, capsys) -> None:
    assert _report(tmp_path, monkeypatch, _codes(10)) == 0
    assert "MET" in capsys.readouterr().out


def test_a_crash_is_not_counted_as_killed(tmp_path, monkeypatch, capsys) -> None:
    assert _report(tmp_path, monkeypatch, _codes(9, a=-11)) == 1
    out = capsys.readouterr().out
    assert "MISSED" in out and "1 not checked or crashed" in out and "90.0%" in out


def test_an_explained_survivor_passes(tmp_path, monkeypatch) -> None:
    assert _report(tmp_path, monkeypatch, _codes(19, a=0), "`pkg.m.x_g__mutmut_100` equivalent") == 0


def test_an_unexplained_survivor_fails_and_is_named(tmp_path, monkeypatch, capsys) -> None:
    assert _report(tmp_path, monkeypatch, _codes(19, a=0)) == 1
    assert "pkg.m.x_g__mutmut_100" in capsys.readouterr().out
