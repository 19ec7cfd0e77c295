"""Fixtures shared by the whole suite. Keep this file small; area fixtures live in their tests."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from loaders.load import load_extracts
from loaders.schema import create_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = PROJECT_ROOT / "data"


@pytest.fixture
def empty_con() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the schema and nothing loaded."""
    connection = duckdb.connect()
    create_schema(connection)
    return connection


@pytest.fixture(scope="session")
def _sample_db_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    report = load_extracts(sorted(SAMPLE_DATA.glob("*.csv")), db)
    assert report.ok, report.to_text()
    return db


@pytest.fixture
def sample_db(tmp_path: Path, _sample_db_once: Path) -> Path:
    """A database in `tmp_path` holding the project's sample extracts (data/*.csv) loaded
    through the loader: a fresh copy per test, so a test may write to it."""
    db = tmp_path / "sample.duckdb"
    shutil.copyfile(_sample_db_once, db)
    return db


# --- mutation testing: fastest tests first -----------------------------------------------------------------

def mutant_under_test() -> str | None:
    """The mutant mutmut is testing in this process (its MUTANT_UNDER_TEST names one with
    `__mutmut_`); None in an ordinary run and in mutmut's own stats and listing runs."""
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else None


def fastest_first(items: list, durations: dict[str, float]) -> list:
    """`items` by the time each took in mutmut's stats run, shortest first (ties and unknown tests
    keep their order): mutmut's fork server hands a mutant its tests in no order, and one quick
    failing test is all a kill needs."""
    return sorted(items, key=lambda item: durations.get(item.nodeid, 0.0))


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    if mutant_under_test() is None:
        return
    # mutmut runs the tests in its copy of the project, where it keeps the durations it measured.
    stats = PROJECT_ROOT / "mutmut-stats.json"
    if stats.is_file():
        items[:] = fastest_first(items, json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {}))
