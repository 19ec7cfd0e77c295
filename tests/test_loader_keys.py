"""The series key (measure, area, period) is kept by the loader: the table has no PRIMARY KEY."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders import load_extracts
from loaders.schema import SCHEMA_VERSION

MEASURES = "period,theme,measure,polarity\n2019-01,T,Referrals,up\n2019-01,T,Rate,up\n"
MONTHS = ("2019-01", "2019-02", "2019-03")
AREAS = ("", "Force", "City")  # a blank area is the force: "" and "Force" are one key
KEYS = [(m, a, p) for m in ("Referrals", "Rate") for a in AREAS for p in MONTHS]

# A file: its rows as (key index, value), and whether to send it down the careful path (a tab
# after the measure is trimmed there; the fast path declines it).
files = st.tuples(st.lists(st.tuples(st.integers(0, len(KEYS) - 1), st.integers(0, 999)),
                           max_size=6),
                  st.booleans())
loads = st.lists(st.lists(files, min_size=1, max_size=2), min_size=1, max_size=4)


def _key(index: int) -> tuple[str, str, date]:
    measure, area, month = KEYS[index]
    return measure, area or "Force", date.fromisoformat(month + "-01")


def _write(folder: Path, name: str, rows: list[tuple[int, int]], careful: bool) -> Path:
    path = folder / name
    tab = "\t" if careful else ""
    lines = [f"{KEYS[i][0]}{tab},{KEYS[i][1]},{KEYS[i][2]},{value}\n" for i, value in rows]
    path.write_text("measure,area,period,value\n" + "".join(lines), encoding="utf-8")
    return path


def _stored(db: Path) -> tuple[dict[tuple, float], int]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT measure, area, period, value FROM series").fetchall()
        repeated = con.execute("SELECT count(*) FROM (SELECT measure, area, period FROM series "
                               "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    return {row[:3]: row[3] for row in rows}, len(rows) - len({row[:3] for row in rows}) + repeated


@settings(max_examples=15, deadline=None)
@given(loads)
def test_any_sequence_of_loads_keeps_one_row_per_key_and_counts_exactly(sequence) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "db.duckdb"
        (folder / "measures.csv").write_text(MEASURES, encoding="utf-8")
        assert load_extracts([folder / "measures.csv"], db).ok
        model: dict[tuple, float] = {}
        for number, load in enumerate(sequence):
            paths = [_write(folder, f"series_{number}_{i}.csv", rows, careful)
                     for i, (rows, careful) in enumerate(load)]
            report = load_extracts(paths, db)
            repeats_in_a_file = any(len({_key(i) for i, _ in rows}) < len(rows) for rows, _ in load)
            assert report.ok is not repeats_in_a_file, report.to_text()
            if report.ok:
                for (rows, _), logged in zip(load, report.files):  # files load in name order
                    # A key loaded before is replaced only when its value changed; the same value
                    # again leaves the row as it was (nothing replaced, no history).
                    added = sum(_key(i) not in model for i, _ in rows)
                    replaced = sum(_key(i) in model and model[_key(i)] != float(value) for i, value in rows)
                    assert (logged.rows, logged.added, logged.replaced) == (len(rows), added, replaced)
                    model.update((_key(i), float(value)) for i, value in rows)
            stored, repeated = _stored(db)
            assert repeated == 0
            assert stored == model


def _version_1_database(db: Path) -> None:
    """A database as schema version 1 made it: `series` with a PRIMARY KEY, one row in it."""
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE schema_info (version INTEGER NOT NULL)")
        con.execute("INSERT INTO schema_info VALUES (1)")
        con.execute("CREATE TABLE series (measure VARCHAR NOT NULL, area VARCHAR NOT NULL, "
                    "period DATE NOT NULL, value DOUBLE NOT NULL, source_file VARCHAR NOT NULL, "
                    "load_id INTEGER NOT NULL, PRIMARY KEY (measure, area, period))")
        con.execute("INSERT INTO series VALUES ('Referrals', 'Force', DATE '2019-01-01', 1, "
                    "'series.csv', 1)")


def test_a_version_1_database_is_rebuilt_without_the_key_on_its_next_load(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    _version_1_database(db)
    (tmp_path / "measures.csv").write_text(MEASURES, encoding="utf-8")
    series = _write(tmp_path, "series.csv", [(0, 10), (1, 20)], careful=False)  # Referrals Jan, Feb
    report = load_extracts([tmp_path / "measures.csv", series], db)
    assert report.ok, report.to_text()
    assert (report.files[1].added, report.files[1].replaced) == (1, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'series' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] == 0
        assert con.execute("SELECT version FROM schema_info").fetchall() == [(SCHEMA_VERSION,)]
        assert con.execute("SELECT period, value FROM series ORDER BY period").fetchall() == [
            (date(2019, 1, 1), 10.0), (date(2019, 2, 1), 20.0)]


def test_a_failed_load_leaves_a_version_1_database_as_it_was(tmp_path: Path) -> None:
    """The rebuild happens in the staged copy: a refused load leaves the old file untouched."""
    db = tmp_path / "db.duckdb"
    _version_1_database(db)
    before = db.read_bytes()
    series = _write(tmp_path, "series.csv", [(0, 10), (0, 11)], careful=False)  # a repeated key
    report = load_extracts([series], db)
    assert not report.ok
    assert db.read_bytes() == before
