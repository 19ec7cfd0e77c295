"""Fixtures shared by the whole suite. Keep this file small; area fixtures live in their tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from loaders.load import load_extracts
from loaders.schema import create_schema
import mutation_support
from mutation_support import keep_sample, reusable_sample

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = PROJECT_ROOT / "data"


def pytest_configure(config: pytest.Config) -> None:
    # mutmut's runs: tests cheapest first, and what shared fixtures call filed under each test using
    # them. Registered as a plugin, not defined here: a conftest's own hooks never see the session's
    # fixtures (pytest asks only the conftests above the node a fixture is set up for).
    config.pluginmanager.register(mutation_support, "mutation_support")


@pytest.fixture
def empty_con() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the schema and nothing loaded."""
    connection = duckdb.connect()
    create_schema(connection)
    return connection


@pytest.fixture(scope="session")
def _sample_db_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    kept = reusable_sample()  # in mutmut's runs, the load is paid once, not once per mutant
    if kept is not None:
        shutil.copyfile(kept, db)
        return db
    report = load_extracts(sorted(SAMPLE_DATA.glob("*.csv")), db)
    assert report.ok, report.to_text()
    keep_sample(db)
    return db


@pytest.fixture
def sample_db(tmp_path: Path, _sample_db_once: Path) -> Path:
    """A database in `tmp_path` holding the project's sample extracts (data/*.csv) loaded
    through the loader: a fresh copy per test, so a test may write to it."""
    db = tmp_path / "sample.duckdb"
    shutil.copyfile(_sample_db_once, db)
    return db
