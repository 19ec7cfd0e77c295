"""scripts/mutation_report.py: a crash is not a kill, an unexplained survivor fails the report;
and what the suite does for mutmut's runs (tests/mutation_support.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation_report.py"


def _report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codes: dict[str, int | None], explained: str = "",
            modules: tuple[str, ...] = ()):
    spec = importlib.util.spec_from_file_location("mutation_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "mutants").mkdir()
    (tmp_path / "mutants" / "x.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "docs" / "mutants").mkdir(parents=True)
    (tmp_path / "docs" / "TESTING.md").write_text(explained)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module.main(modules)


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


def test_a_timeout_counts_as_killed_and_is_named(tmp_path, monkeypatch, capsys) -> None:
    assert _report(tmp_path, monkeypatch, _codes(9, a=-24)) == 0
    out = capsys.readouterr().out
    assert "100.0%  MET" in out and "1 mutants hung past their deadline" in out and "pkg.m.x_g__mutmut_100" in out


def test_a_timeout_of_a_mutant_named_as_equivalent_is_a_survivor_and_its_note_stands(
        tmp_path, monkeypatch, capsys) -> None:
    """An equivalent mutant's run can pass its deadline on a busy machine: not a kill, not a stale note."""
    assert _report(tmp_path, monkeypatch, _codes(9, a=-24), "`pkg.m.x_g__mutmut_100` equivalent") == 0
    out = capsys.readouterr().out
    assert "90.0%  MET" in out and "does not survive" not in out and "hung past" not in out
    assert "1 mutants named as equivalent ran past their deadline" in out and "pkg.m.x_g__mutmut_100" in out
    (tmp_path / "b").mkdir()
    assert _report(tmp_path / "b", monkeypatch, _codes(8, a=-24, b=0), "`pkg.m.x_g__mutmut_100`, `pkg.m.x_g__mutmut_101`") == 1
    assert "80.0%  MISSED" in capsys.readouterr().out


def test_an_explained_survivor_passes(tmp_path, monkeypatch) -> None:
    assert _report(tmp_path, monkeypatch, _codes(19, a=0), "`pkg.m.x_g__mutmut_100` equivalent") == 0


def test_an_unexplained_survivor_fails_and_is_named(tmp_path, monkeypatch, capsys) -> None:
    assert _report(tmp_path, monkeypatch, _codes(19, a=0)) == 1
    assert "pkg.m.x_g__mutmut_100" in capsys.readouterr().out


def test_a_note_on_a_mutant_that_is_killed_or_gone_fails_and_is_named(tmp_path, monkeypatch, capsys) -> None:
    """A note must name a survivor: after a code change mutmut renumbers a function's mutants, and a
    note on a number that is now another mutant (killed) or none at all explains nothing."""
    notes = "`pkg.m.x_g__mutmut_100` equivalent; `pkg.m.x_f__mutmut_3` equivalent; `pkg.m.x_f__mutmut_99` too"
    assert _report(tmp_path, monkeypatch, _codes(19, a=0), notes) == 1
    out = capsys.readouterr().out
    assert "pkg.m.x_f__mutmut_3 (killed)" in out and "pkg.m.x_f__mutmut_99 (no such mutant)" in out
    assert "pkg.m.x_g__mutmut_100" not in out.split("does not survive")[1]
    other_module = "`other.x_h__mutmut_1` is another project's note"
    (tmp_path / "b").mkdir()
    assert _report(tmp_path / "b", monkeypatch, _codes(19, a=0), f"`pkg.m.x_g__mutmut_100` {other_module}") == 0


def test_a_run_of_some_modules_judges_those_alone(tmp_path, monkeypatch, capsys) -> None:
    """`make mutate MODULES=...` runs some modules' mutants: the others, not checked, are listed
    as not in the run rather than failed, and a module named wrong is an error, not a pass."""
    codes = {**_codes(10), "pkg.n.x_h__mutmut_1": None, "pkg.n.x_h__mutmut_2": None}
    assert _report(tmp_path, monkeypatch, codes, modules=("pkg.m",)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("pkg.m ") and "MET" in line for line in lines)
    assert any(line.startswith("pkg.n ") and line.endswith("not in this run") for line in lines)
    (tmp_path / "b").mkdir()
    assert _report(tmp_path / "b", monkeypatch, codes) == 1  # a whole run judges every module
    (tmp_path / "c").mkdir()
    assert _report(tmp_path / "c", monkeypatch, codes, modules=("pkg.q",)) == 2
    assert "No mutants of pkg.q" in capsys.readouterr().err


def test_the_sample_is_loaded_once_per_mutmut_run_and_afresh_for_a_loader_mutant(tmp_path, monkeypatch) -> None:
    """The stats run keeps the sample it loaded; a mutant outside the loading code (and mutmut's
    clean run) copies it; a loader mutant, the stats run and an ordinary run load their own."""
    import mutation_support

    monkeypatch.chdir(tmp_path)
    loaded = tmp_path / "loaded.duckdb"
    loaded.write_bytes(b"the sample")
    monkeypatch.setenv("MUTANT_UNDER_TEST", "dashboard.pack.x_write_docx__mutmut_3")
    mutation_support.keep_sample(loaded)
    assert mutation_support.reusable_sample() is None  # nothing kept outside the stats run
    monkeypatch.setenv("MUTANT_UNDER_TEST", "stats")
    mutation_support.keep_sample(loaded)
    assert mutation_support.reusable_sample() is None
    kept = tmp_path / mutation_support.SAMPLE_FILE
    assert kept.read_bytes() == b"the sample"
    for reuses in ("dashboard.pack.x_write_docx__mutmut_3", "dashboard.spc.x_spc_table__mutmut_1", ""):
        monkeypatch.setenv("MUTANT_UNDER_TEST", reuses)
        assert mutation_support.reusable_sample() == kept
    monkeypatch.setenv("MUTANT_UNDER_TEST", "loaders.load.x__write_all__mutmut_2")
    assert mutation_support.reusable_sample() is None
    monkeypatch.delenv("MUTANT_UNDER_TEST")
    assert mutation_support.reusable_sample() is None


def test_the_tests_reading_a_built_fixture_run_while_it_is_there() -> None:
    """Two modules each build a 1 s pack once; their tests read it in 0.01 s. Once a module's pack
    is built its other readers are next (before a 0.5 s test needing nothing), and the other
    module, whose pack would be built afresh, comes last; a session fixture is paid once."""
    import mutation_support as conftest

    costs = {
        "own": {"a.py::read1": 0.01, "a.py::read2": 0.01, "b.py::read": 0.01, "b.py::alone": 0.5, "c.py::db": 0.01},
        "needs": {"a.py::read1": ["a.py::pack"], "a.py::read2": ["a.py::pack"], "b.py::read": ["b.py::pack", "::db"],
                  "c.py::db": ["::db"]},
        "fixtures": {"a.py::pack": {"scope": "module", "seconds": 1.0}, "b.py::pack": {"scope": "module", "seconds": 1.2},
                     "::db": {"scope": "session", "seconds": 0.6}},
    }
    assert conftest.cheapest_order(["a.py::read1", "b.py::read", "c.py::db", "b.py::alone", "a.py::read2"], costs) == [
        "b.py::alone", "c.py::db", "a.py::read1", "a.py::read2", "b.py::read"]


def test_under_a_mutant_the_tests_run_cheapest_first(monkeypatch) -> None:
    """By their own seconds, tests never measured first; a mutant's run only, not an ordinary one
    nor mutmut's own stats run."""
    import mutation_support as conftest

    own = {"tests/a.py::slow": 13.0, "tests/b.py::quick": 0.01, "tests/b.py::mid": 0.5}
    assert conftest.cheapest_order(["tests/a.py::slow", "tests/a.py::unknown", "tests/b.py::quick", "tests/b.py::mid"],
                                   {"own": own}) == [
        "tests/a.py::unknown", "tests/b.py::quick", "tests/b.py::mid", "tests/a.py::slow"]
    monkeypatch.setenv("MUTANT_UNDER_TEST", "loaders.values.x_parse_month__mutmut_3")
    assert conftest.mutant_under_test() == "loaders.values.x_parse_month__mutmut_3"
    for not_a_mutant in ("stats", "list_all_tests", "fail", ""):
        monkeypatch.setenv("MUTANT_UNDER_TEST", not_a_mutant)
        assert conftest.mutant_under_test() is None
    monkeypatch.delenv("MUTANT_UNDER_TEST")
    assert conftest.mutant_under_test() is None


def test_a_mutant_meets_first_the_tests_that_killed_its_functions_other_mutants(tmp_path, monkeypatch) -> None:
    """The runs noted so far say which tests killed which mutants: for another mutant of the same
    function those tests go first, the most kills first; then the rest cheapest first. Kills of
    another function's mutants, and runs that killed nothing, do not count."""
    import mutation_support

    monkeypatch.chdir(tmp_path)
    runs = [("pkg.m.x_f__mutmut_1", "t.py::reads_paper"), ("pkg.m.x_f__mutmut_2", "t.py::reads_paper"),
            ("pkg.m.x_f__mutmut_3", "t.py::exit_code"), ("pkg.m.x_g__mutmut_1", "t.py::quick"),
            ("pkg.m.x_f__mutmut_4", None)]
    (tmp_path / mutation_support.RUNS_FILE).write_text("".join(
        json.dumps({"mutant": m, "seconds": 1.0, "selected": 4, "ran": 1, "failed": f, "exit": int(bool(f))}) + "\n"
        for m, f in runs))
    kills = mutation_support.kills_by_test(mutation_support.function_of("pkg.m.x_f__mutmut_9"))
    assert kills == {"t.py::reads_paper": 2, "t.py::exit_code": 1}
    own = {"t.py::quick": 0.01, "t.py::mid": 0.5, "t.py::exit_code": 1.0, "t.py::reads_paper": 3.0}
    assert mutation_support.mutant_order(["t.py::quick", "t.py::exit_code", "t.py::mid", "t.py::reads_paper"],
                                         {"own": own}, kills) == [
        "t.py::reads_paper", "t.py::exit_code", "t.py::quick", "t.py::mid"]
    assert mutation_support.mutant_order(["t.py::mid", "t.py::quick"], {"own": own}, kills) == ["t.py::quick", "t.py::mid"]
    (tmp_path / mutation_support.RUNS_FILE).unlink()
    assert mutation_support.kills_by_test("pkg.m.x_f") == {}


SHARED_FIXTURE_TESTS = """
import time

import pytest
from mutmut.state import state


def traced(name):  # what a mutated function's trampoline does in mutmut's stats run
    state()._stats.add(name)


@pytest.fixture(scope="module")
def built(loaded):
    traced("pack.build")
    time.sleep(0.3)


@pytest.fixture
def document(built):
    traced("pack.read")


def test_first(document):
    traced("own.first")


def test_second(document):
    pass


def test_alone():
    pass
"""

# The stand-in suite's conftest, below the rootdir as tests/conftest.py is: its session fixture
# is set up for the session, a node its own hooks do not reach.
STAND_IN_CONFTEST = """
import pytest
from mutmut.state import state


@pytest.fixture(scope="session")
def loaded():
    state()._stats.add("load.sample")
"""

# Files the names noted during each test under it, as mutmut's StatsCollector does.
STATS_RUN = """
import json, sys, pytest
from mutmut.state import state


class Collector:
    def pytest_runtest_teardown(self, item, nextitem):
        for name in state()._stats:
            state().tests_by_mangled_function_name[name].add(item.name)
        state()._stats.clear()


code = pytest.main(["-q", "-p", "no:randomly", "-p", "no:cacheprovider", sys.argv[1]], plugins=[Collector()])
print(json.dumps({"code": int(code), **{k: sorted(v) for k, v in state().tests_by_mangled_function_name.items()}}))
"""


def _stats_run(folder: Path, hooks: str) -> dict:
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "tests").mkdir(exist_ok=True)
    (folder / "tests" / "conftest.py").write_text(STAND_IN_CONFTEST + hooks)
    (folder / "tests" / "test_shared.py").write_text(SHARED_FIXTURE_TESTS)
    env = {**os.environ, "MUTANT_UNDER_TEST": "stats", "PYTHONPATH": str(Path(__file__).resolve().parent)}
    done = subprocess.run([sys.executable, "-c", STATS_RUN, "tests"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


#: What tests/conftest.py does to take the hooks in.
HOOKS = """
import mutation_support


def pytest_configure(config):
    config.pluginmanager.register(mutation_support, "mutation_support")
"""


def test_in_the_stats_run_a_shared_fixtures_calls_are_filed_under_every_test_using_it(tmp_path: Path) -> None:
    """Without the hooks, what a module- or session-scoped fixture calls counts only for the first
    test, so a mutant there would never meet the second test; with them it meets both, and nothing
    else moves. Hooks a conftest defines itself miss the session's fixtures (pytest asks only the
    conftests above the node a fixture is set up for): registered as a plugin they reach them."""
    for name in ("plain", "own", "hooked"):
        (tmp_path / name).mkdir()
    plain = _stats_run(tmp_path / "plain", "")
    own = _stats_run(tmp_path / "own", "from mutation_support import pytest_fixture_setup, pytest_runtest_call\n")
    hooked = _stats_run(tmp_path / "hooked", HOOKS)
    assert plain == {"code": 0, "load.sample": ["test_first"], "pack.build": ["test_first"],
                     "pack.read": ["test_first", "test_second"], "own.first": ["test_first"]}
    assert own == {**plain, "pack.build": ["test_first", "test_second"]}
    assert hooked == {**own, "load.sample": ["test_first", "test_second"]}
    assert not (tmp_path / "plain" / "mutmut-test-costs.json").exists()


def test_the_stats_run_notes_what_each_test_costs_and_the_shared_fixtures_it_needs(tmp_path: Path) -> None:
    """The first two tests need the module's 0.3 s fixture (the first built it, but its own time
    leaves the build out); the third needs nothing. A later (incremental) stats run adds to what
    was noted."""
    _stats_run(tmp_path, HOOKS)
    costs = json.loads((tmp_path / "mutmut-test-costs.json").read_text())
    tests = {f"tests/test_shared.py::{name}" for name in ("test_first", "test_second", "test_alone")}
    assert set(costs["own"]) == set(costs["needs"]) == tests
    assert all(seconds < 0.1 for seconds in costs["own"].values())
    built, loaded = "tests/test_shared.py::built", "tests::loaded"
    assert costs["fixtures"][built]["scope"] == "module" and costs["fixtures"][built]["seconds"] >= 0.3
    assert costs["fixtures"][loaded]["scope"] == "session"
    both = sorted([loaded, built])
    assert costs["needs"]["tests/test_shared.py::test_first"] == costs["needs"]["tests/test_shared.py::test_second"] == both
    assert costs["needs"]["tests/test_shared.py::test_alone"] == []
    costs["own"]["tests/test_shared.py::test_gone"] = 9.0
    (tmp_path / "mutmut-test-costs.json").write_text(json.dumps(costs))
    _stats_run(tmp_path, HOOKS)
    assert json.loads((tmp_path / "mutmut-test-costs.json").read_text())["own"]["tests/test_shared.py::test_gone"] == 9.0


def test_a_mutants_tests_run_cheapest_first_by_the_costs_noted(tmp_path: Path, monkeypatch) -> None:
    import mutation_support

    class Item:
        def __init__(self, nodeid: str) -> None:
            self.nodeid = nodeid

    (tmp_path / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": {"a": 0.0, "b": 0.2, "c": 0.1}}))
    (tmp_path / "mutmut-test-costs.json").write_text(json.dumps({"own": {"a": 3.0}}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUTANT_UNDER_TEST", "dashboard.pack.x_write_docx__mutmut_1")
    items = [Item("a"), Item("b"), Item("c")]
    mutation_support.pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == ["c", "b", "a"]
    monkeypatch.setenv("MUTANT_UNDER_TEST", "")
    mutation_support.pytest_collection_modifyitems(None, items := [Item("a"), Item("b"), Item("c")])
    assert [i.nodeid for i in items] == ["a", "b", "c"]


MUTANT_RUN_TESTS = """
def test_quick():
    pass


def test_noticing():
    assert False, "the mutant noticed"


def test_after():
    pass
"""


def _mutant_run(folder: Path, mutant: str | None) -> subprocess.CompletedProcess:
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "tests").mkdir(exist_ok=True)
    (folder / "tests" / "conftest.py").write_text(HOOKS)
    (folder / "tests" / "test_run.py").write_text(MUTANT_RUN_TESTS)
    env = {k: v for k, v in os.environ.items() if k != "MUTANT_UNDER_TEST"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent)
    if mutant:
        env["MUTANT_UNDER_TEST"] = mutant
    return subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "tests"], cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_mutants_run_notes_its_seconds_its_tests_and_the_first_to_fail(tmp_path: Path) -> None:
    """One line per mutant's run, appended; an ordinary run writes none. The next mutant of the
    same function runs the test that killed the first one before the others."""
    import mutation_support

    (tmp_path / "mutant").mkdir()
    (tmp_path / "ordinary").mkdir()
    assert _mutant_run(tmp_path / "mutant", "pkg.m.x_f__mutmut_7").returncode == 1
    assert _mutant_run(tmp_path / "ordinary", None).returncode == 1
    assert not (tmp_path / "ordinary" / mutation_support.RUNS_FILE).exists()
    (line,) = (tmp_path / "mutant" / mutation_support.RUNS_FILE).read_text().splitlines()
    run = json.loads(line)
    assert {k: run[k] for k in ("mutant", "selected", "ran", "failed", "exit")} == {
        "mutant": "pkg.m.x_f__mutmut_7", "selected": 3, "ran": 2, "failed": "tests/test_run.py::test_noticing",
        "exit": 1}
    assert 0 < run["seconds"] < 60
    # another mutant of the same function meets the test that killed the first one first
    assert _mutant_run(tmp_path / "mutant", "pkg.m.x_f__mutmut_8").returncode == 1
    second = json.loads((tmp_path / "mutant" / mutation_support.RUNS_FILE).read_text().splitlines()[1])
    assert (second["mutant"], second["ran"], second["failed"]) == (
        "pkg.m.x_f__mutmut_8", 1, "tests/test_run.py::test_noticing")


def test_the_costs_summary_sums_per_module_and_names_the_costliest(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("mutation_costs", SCRIPT.parent / "mutation_costs.py")
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        costs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(costs)
    finally:
        sys.path.remove(str(SCRIPT.parent))
    runs = tmp_path / "runs.jsonl"
    lines = [{"mutant": "pkg.m.x_f__mutmut_1", "seconds": 9.0, "selected": 4, "ran": 4, "failed": None, "exit": 0},
             {"mutant": "pkg.m.x_f__mutmut_2", "seconds": 1.0, "selected": 4, "ran": 1, "failed": "t::a", "exit": 1},
             {"mutant": "pkg.m.x_f__mutmut_2", "seconds": 3.0, "selected": 4, "ran": 2, "failed": "t::b", "exit": 1},
             {"mutant": "pkg.n.x_g__mutmut_1", "seconds": 0.5, "selected": 2, "ran": 1, "failed": "t::c", "exit": 1}]
    runs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = costs.summary_lines(costs.read_runs(runs))
    assert summary[1].split() == ["pkg.m", "2", "12", "3.0s", "9.0s"]  # the mutant run again counts once, its last
    assert summary[2].split() == ["pkg.n", "1", "0", "0.5s", "0.0s"]
    assert summary[3].split()[:3] == ["all", "3", "12"]
    assert "pkg.m.x_f__mutmut_1  none failed" in summary[5]
