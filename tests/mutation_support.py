"""What mutmut's runs need from the suite; pytest hooks that tests/conftest.py takes in.

mutmut learns which tests cover a function in a "stats" run: a trampoline in each mutated
function notes its name, and mutmut files the names noted during a test under that test when the
test ends. A fixture of wider scope than a function runs once, inside the first test that needs
it, so the functions it calls were filed under that one test alone; every later test reading the
fixture's result (a pack built once per module, the sample loaded once per session) was never run
against their mutants, and a mutant only those tests notice was reported as surviving. The hooks
here note what each such fixture calls and file it under every test that uses the fixture.

A mutant's own run then gets its tests in no order from mutmut's fork server; they are put
fastest first, as one quick failing test is all a kill needs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

#: mutmut runs the tests in its copy of the project, where it keeps what it measured.
STATS_FILE = Path(__file__).resolve().parent.parent / "mutmut-stats.json"

_calls_by_fixture: dict[object, set[str]] = {}


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


def fastest_first(items: list, durations: dict[str, float]) -> list:
    """`items` by the time each took in mutmut's stats run, shortest first (ties and unknown tests
    keep their order)."""
    return sorted(items, key=lambda item: durations.get(item.nodeid, 0.0))


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    if mutant_under_test() is None or not STATS_FILE.is_file():
        return
    items[:] = fastest_first(items, json.loads(STATS_FILE.read_text(encoding="utf-8")).get("duration_by_test", {}))


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef, request: pytest.FixtureRequest):
    calls = stats_calls()
    if calls is None or fixturedef.scope == "function":
        return (yield)
    # The set is mutmut's own object: emptied and refilled in place, never replaced.
    before = set(calls)
    calls.clear()
    try:
        return (yield)
    finally:
        _calls_by_fixture[fixturedef] = set(calls)
        calls.update(before)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    calls = stats_calls()
    if calls is None:
        return
    # The closure of every fixture the test needs, directly or through other fixtures.
    for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
        for fixturedef in fixturedefs:
            calls.update(_calls_by_fixture.get(fixturedef, ()))
