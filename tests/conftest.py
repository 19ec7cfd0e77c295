"""Fixtures shared by the whole suite. Keep this file small; area fixtures live in their tests."""

from __future__ import annotations

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


#: Test files that start Chromium through kaleido (chart images, the pack). `make test` runs files
#: in two processes; these go to one of them, one file at a time: in CI two kaleido start-ups at
#: once, beside the browser tests, took past the exporter's 45 s start-up limit.
KALEIDO_FILES = frozenset({
    "test_chart_layout.py", "test_export.py", "test_pack.py", "test_pack_build.py", "test_pack_pdf.py",
    "test_pack_revisions.py", "test_pages_revisions.py",
})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group tests for pytest-xdist's `--dist loadgroup`: a file's tests stay in one process (its
    module fixtures are built once), and the kaleido files share one group."""
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group("kaleido" if name in KALEIDO_FILES else name))
