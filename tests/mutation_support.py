"""What mutmut's runs need from the suite: a pytest plugin that tests/conftest.py registers.

mutmut learns which tests cover a function in a "stats" run: a trampoline in each mutated
function notes its name, and mutmut files the names noted during a test under that test when the
test ends. A fixture of wider scope than a function runs once, inside the first test that needs
it, so the functions it calls were filed under that one test alone; every later test reading the
fixture's result (a pack built once per module, the sample loaded once per session) was never run
against their mutants, and a mutant only those tests notice was reported as surviving. The hooks
here note what each such fixture calls and file it under every test that uses the fixture.

A mutant's own run then gets its tests in no order from mutmut's fork server; they are put
cheapest first, as one quick failing test is all a kill needs. What a test costs depends on what
ran before it in the same process: the first test reading a pack built once per module pays for
the build, the next ones read it free, and leaving the module for another throws the pack away
(pytest tears down a module's fixtures when its tests end), so coming back pays again. The stats
run therefore notes, in mutmut-test-costs.json, each test's own seconds, the shared fixtures it
needs and what each costs; a mutant's run takes next the test that costs least given the
fixtures already set up; but first the tests that killed other mutants of the same function in
this run, as one of them is most likely to kill this one too.

Each mutant's run adds a line to mutmut-runs.jsonl: its seconds from the start of its pytest
session to the end, the tests it ran and the first that failed (`scripts/mutation_costs.py` sums
them), so where a run's hours go is measured, not guessed.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

#: mutmut runs the tests from its copy of the project, where it keeps what it measured.
STATS_FILE = "mutmut-stats.json"
COSTS_FILE = "mutmut-test-costs.json"
#: The sample database as the stats run loaded it, for mutant runs that cannot change it.
SAMPLE_FILE = "mutmut-sample.duckdb"
#: One line per mutant's run: what it cost and what killed it.
RUNS_FILE = "mutmut-runs.jsonl"
#: The code a load runs that mutmut mutates (the rest is dashboard.domain, .db and .estate_lists).
LOADING_CODE = "loaders."

_calls_by_fixture: dict[object, set[str]] = {}
#: Per test: seconds of its setup and call, shared fixtures run during them, and those it needs.
_phases: dict[str, float] = {}
_shared_run_here: dict[str, float] = {}
_shared_needed: dict[str, list[str]] = {}
#: Per shared fixture (by fixture_key): its scope and what setting it up took.
_shared_fixtures: dict[str, dict] = {}
_current_test: list[str] = []
#: This mutant's run: when its session started, the tests it ran, the first that failed.
_mutant_run: dict = {}


def mutant_under_test() -> str | None:
    """The mutant mutmut is testing in this process (its MUTANT_UNDER_TEST names one with
    `__mutmut_`); None in an ordinary run and in mutmut's own stats and listing runs."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else None


def stats_calls() -> set[str] | None:
    """The set mutmut's trampolines add function names to in its stats run; None otherwise."""
    if os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return None
    from mutmut.state import state

    return state()._stats


def reusable_sample() -> Path | None:
    """The sample database mutmut's stats run loaded, for a run whose mutant cannot change what
    the load writes: not one in the loading code, where the sample must be loaded afresh by the
    mutant. mutmut's clean run reuses it too, so a test that the copy would fail fails there
    first and stops the whole run. None in an ordinary run and in the stats run."""
    name = os.environ.get("MUTANT_UNDER_TEST")
    kept = Path.cwd() / SAMPLE_FILE
    if name is None or name == "stats" or name.startswith(LOADING_CODE) or not kept.is_file():
        return None
    return kept


def keep_sample(db: Path) -> None:
    """In mutmut's stats run, keep the freshly loaded sample for the runs after it."""
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        shutil.copyfile(db, Path.cwd() / SAMPLE_FILE)


def fixture_key(fixturedef: pytest.FixtureDef) -> str:
    """A shared fixture's name where it is defined: the same in every process."""
    return f"{fixturedef.baseid}::{fixturedef.argname}"


#: Fixtures of these scopes outlive a module's tests; the others are set up again in each module.
_LASTING = ("session", "package")


def cheapest_order(nodeids: list[str], costs: dict) -> list[str]:
    """`nodeids` in the order that reaches each test soonest: next, always the test that costs
    least given the shared fixtures already set up (its own seconds, plus each fixture it needs
    that is not set up yet; a module's fixtures are lost on leaving its module). Ties and tests
    never measured keep their order."""
    own, needs, fixtures = costs.get("own", {}), costs.get("needs", {}), costs.get("fixtures", {})
    remaining, order, ready, module = list(nodeids), [], set(), None

    def kept_in(nodeid: str) -> set[str]:
        """The fixtures still set up when `nodeid` runs next."""
        if nodeid.split("::")[0] == module:
            return ready
        return {key for key in ready if fixtures[key]["scope"] in _LASTING}

    def marginal(nodeid: str) -> float:
        kept = kept_in(nodeid)
        return own.get(nodeid, 0.0) + sum(fixtures[key]["seconds"] for key in needs.get(nodeid, ())
                                           if key in fixtures and key not in kept)

    while remaining:
        best = min(remaining, key=marginal)
        remaining.remove(best)
        ready, module = set(kept_in(best)), best.split("::")[0]
        ready.update(key for key in needs.get(best, ()) if key in fixtures)
        order.append(best)
    return order


def _read(name: str) -> dict:
    path = Path.cwd() / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def measured_costs() -> dict:
    """What the stats run noted (COSTS_FILE), each test's own seconds defaulting to mutmut's
    measure of its call."""
    costs = _read(COSTS_FILE)
    return {**costs, "own": {**_read(STATS_FILE).get("duration_by_test", {}), **costs.get("own", {})}}


def function_of(mutant: str) -> str:
    """The mutated function a mutant's name stands for (mutmut's own reading of the name): its
    mutants share their tests."""
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    return mangled_name_from_mutant_name(mutant)


def kills_by_test(function: str) -> Counter:
    """How many of `function`'s mutants each test has killed so far in this run (RUNS_FILE)."""
    path = Path.cwd() / RUNS_FILE
    kills: Counter = Counter()
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if function not in line:  # read on every mutant's run: parse only its function's lines
                continue
            run = json.loads(line)
            if run["failed"] and function_of(run["mutant"]) == function:
                kills[run["failed"]] += 1
    return kills


def mutant_order(nodeids: list[str], costs: dict, kills: Counter) -> list[str]:
    """The tests that killed this function's other mutants first, the most kills first (a
    function's mutants tend to be noticed by the same test, which need not be a cheap one: a
    test reading the built paper kills most of write_docx's), then the rest cheapest first."""
    killers = sorted((n for n in nodeids if kills[n]), key=lambda n: -kills[n])
    return killers + cheapest_order([n for n in nodeids if not kills[n]], costs)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    mutant = mutant_under_test()
    if mutant is not None:
        by_id = {item.nodeid: item for item in items}
        order = mutant_order(list(by_id), measured_costs(), kills_by_test(function_of(mutant)))
        items[:] = [by_id[nodeid] for nodeid in order]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    calls = stats_calls()
    if calls is None or fixturedef.scope == "function":
        return (yield)
    # The set is mutmut's own object: emptied and refilled in place, never replaced.
    before = set(calls)
    calls.clear()
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        seconds = time.perf_counter() - start
        _shared_fixtures[fixture_key(fixturedef)] = {"scope": fixturedef.scope, "seconds": round(seconds, 4)}
        if _current_test:
            _shared_run_here[_current_test[0]] = _shared_run_here.get(_current_test[0], 0.0) + seconds
        _calls_by_fixture[fixturedef] = set(calls)
        calls.update(before)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    calls = stats_calls()
    if calls is None:
        return
    # The closure of every fixture the test needs, directly or through other fixtures.
    needed = []
    for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
        for fixturedef in fixturedefs:
            calls.update(_calls_by_fixture.get(fixturedef, ()))
            if fixture_key(fixturedef) in _shared_fixtures:
                needed.append(fixture_key(fixturedef))
    _shared_needed[item.nodeid] = sorted(needed)


def pytest_runtest_logstart(nodeid: str, location: tuple) -> None:
    if stats_calls() is not None:
        _current_test[:] = [nodeid]


def pytest_sessionstart(session: pytest.Session) -> None:
    if mutant_under_test() is not None:
        _mutant_run.clear()
        _mutant_run.update(start=time.perf_counter(), ran=0, failed=None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if stats_calls() is not None and report.when in ("setup", "call"):
        _phases[report.nodeid] = _phases.get(report.nodeid, 0.0) + report.duration
    if _mutant_run:  # set up only in a mutant's run
        _mutant_run["ran"] += report.when == "call"
        if report.failed and _mutant_run["failed"] is None:
            _mutant_run["failed"] = report.nodeid


def note_mutant_run(session: pytest.Session, exitstatus: int) -> None:
    """Append this mutant's run to RUNS_FILE, one line written at once (two workers share it)."""
    line = json.dumps({"mutant": mutant_under_test(), "seconds": round(time.perf_counter() - _mutant_run["start"], 3),
                       "selected": session.testscollected, "ran": _mutant_run["ran"],
                       "failed": _mutant_run["failed"], "exit": int(exitstatus)})
    with open(Path.cwd() / RUNS_FILE, "a", encoding="utf-8") as runs:
        runs.write(line + "\n")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After a stats run (mutmut reruns only new tests' stats), each test's cost in a fresh process;
    after a mutant's run, what it cost."""
    if _mutant_run:
        note_mutant_run(session, exitstatus)
    if stats_calls() is None or not _phases:
        return
    costs = _read(COSTS_FILE)
    own, needs, fixtures = costs.get("own", {}), costs.get("needs", {}), costs.get("fixtures", {})
    for nodeid, seconds in _phases.items():
        own[nodeid] = round(max(seconds - _shared_run_here.get(nodeid, 0.0), 0.0), 4)
        needs[nodeid] = _shared_needed.get(nodeid, [])
    fixtures.update(_shared_fixtures)
    (Path.cwd() / COSTS_FILE).write_text(json.dumps({"own": own, "needs": needs, "fixtures": fixtures},
                                                    indent=0, sort_keys=True), encoding="utf-8")
