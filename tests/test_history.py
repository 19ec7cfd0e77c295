"""Nothing a load replaces is lost: history tables and the database "as of load N"."""

from __future__ import annotations

import contextlib
from pathlib import Path
from unittest import mock

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.contract import FILE_KINDS
from loaders.history import as_of
from loaders import load as load_module
from loaders.load import load_extracts
from loaders.provenance import Actor
from loaders.restore import restore_version

ANALYST = Actor("analyst", "command line")
MEASURES_HEAD = "period,theme,measure,polarity,baseline,current,trend,headline\n"
MEASURES_ROW = "2019-01,Protecting people from harm,{name},higher_is_better,4872 (Jan 2018),{current} (Jan 2019),,yes\n"
SERIES_HEAD = "measure,period,value,area\n"
TABLES = [kind.table for kind in FILE_KINDS]


def write_measures(folder: Path, figures: dict[str, int], name: str = "measures.csv") -> Path:
    path = folder / name
    path.write_text(MEASURES_HEAD + "".join(MEASURES_ROW.format(name=n, current=c) for n, c in figures.items()))
    return path


def write_series(folder: Path, values: dict[tuple[str, str], int], name: str = "series.csv") -> Path:
    path = folder / name
    path.write_text(SERIES_HEAD + "".join(f"Referrals,{month},{v},{area}\n" for (month, area), v in values.items()))
    return path


def contents(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | None = None) -> list[tuple]:
    """A table's rows (or a frame of them) as sorted tuples, every column, provenance included."""
    frame = con.execute(f"SELECT * FROM {table}").df() if frame is None else frame
    return sorted(tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False))


def test_a_changed_figure_keeps_the_old_row_with_the_load_that_replaced_it(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([write_measures(tmp_path, {"Referrals": 5369})], db, ANALYST).ok
    report = load_extracts([write_measures(tmp_path, {"Referrals": 5412})], db, ANALYST)
    assert (report.files[0].added, report.files[0].replaced) == (0, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT current_value, load_id FROM measures").fetchall() == [(5412.0, 2)]
        assert con.execute("SELECT current_value, load_id, superseded_by FROM measures_history").fetchall() == [
            (5369.0, 1, 2)]
        assert as_of(con, "measures", 1)["current_value"].tolist() == [5369.0]
        assert as_of(con, "measures", 2)["current_value"].tolist() == [5412.0]


def test_an_identical_reload_records_no_revision_and_keeps_the_first_provenance(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    measures = write_measures(tmp_path, {"Referrals": 5369, "Rate": 10})
    series = write_series(tmp_path, {("2019-01", "City"): 7, ("2019-02", "City"): 8})
    assert load_extracts([measures, series], db, ANALYST).ok
    with duckdb.connect(str(db), read_only=True) as con:
        before = {t: contents(con, t) for t in TABLES}
    again = load_extracts([measures, series], db, ANALYST)
    assert again.ok and [(f.added, f.replaced) for f in again.files] == [(0, 0), (0, 0)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert {t: contents(con, t) for t in TABLES} == before
        assert sum(con.execute(f"SELECT count(*) FROM {t}_history").fetchone()[0] for t in TABLES) == 0


def test_a_series_month_revised_by_a_later_extract_is_kept(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    measures = write_measures(tmp_path, {"Referrals": 5369})
    assert load_extracts([measures, write_series(tmp_path, {("2019-01", "City"): 7})], db, ANALYST).ok
    report = load_extracts([write_series(tmp_path, {("2019-01", "City"): 9, ("2019-02", "City"): 4})], db, ANALYST)
    assert (report.files[0].added, report.files[0].replaced) == (1, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value, load_id, superseded_by FROM series_history").fetchall() == [(7.0, 1, 2)]
        assert sorted(as_of(con, "series", 1)["value"]) == [7.0]
        assert sorted(as_of(con, "series", 2)["value"]) == [4.0, 9.0]


def test_a_restore_keeps_what_it_takes_away(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    assert load_extracts([write_measures(tmp_path, {"Referrals": 5369})], db, ANALYST).ok
    assert load_extracts([write_measures(tmp_path, {"Referrals": 5412, "Rate": 3})], db, ANALYST).ok
    assert restore_version(db, 1, ANALYST).ok
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT measure, current_value, load_id FROM measures").fetchall() == [
            ("Referrals", 5369.0, 3)]
        assert sorted(as_of(con, "measures", 2)["current_value"]) == [3.0, 5412.0]
        assert sorted(as_of(con, "measures", 1)["current_value"]) == [5369.0]


# --- the property: every load's "as of" view is the database those loads built ----------------

_FIGURES = st.dictionaries(st.sampled_from(["Referrals", "Rate", "Repeat victims"]),
                           st.integers(0, 3), min_size=1, max_size=3)
_SERIES = st.dictionaries(st.tuples(st.sampled_from(["2019-01", "2019-02", "2019-03"]),
                                    st.sampled_from(["City", "County"])),
                          st.integers(0, 3), min_size=1, max_size=4)
_STEP = st.one_of(
    st.tuples(st.just("measures"), _FIGURES),
    st.tuples(st.just("both"), st.tuples(_FIGURES, _SERIES, st.booleans())),
    st.tuples(st.just("restore"), st.integers(1, 6)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, min_size=1, max_size=6))
def test_as_of_every_load_equals_the_database_those_loads_built(tmp_path_factory, steps) -> None:
    """Loads (some repeating figures, some changing them, series by both of the loader's
    paths) and restores in any order: after all of them, the database "as of load N" holds
    exactly, row for row with its provenance, what the live database held right after load N."""
    folder = tmp_path_factory.mktemp("loads")
    db = folder / "db.duckdb"
    snapshots: dict[int, dict[str, list[tuple]]] = {}
    for step, (kind, payload) in enumerate(steps):
        if kind == "restore":
            if not snapshots or payload not in snapshots or payload == max(snapshots):
                continue
            report = restore_version(db, payload, ANALYST)
            assert report.ok, report.message
            load_id = report.load_id
        else:
            figures, series, careful = (payload, None, False) if kind == "measures" else payload
            if series is not None:
                figures = {"Referrals": 1, **figures}  # the series' measure
            paths = [write_measures(folder, figures, f"measures_{step}.csv")]
            if series is not None:
                paths.append(write_series(folder, series, f"series_{step}.csv"))
            with mock.patch.object(load_module, "insert_series_fast", lambda *args: None) if careful \
                    else contextlib.nullcontext():
                report = load_extracts(paths, db, ANALYST)
            assert report.ok, report.to_text()
            load_id = report.load_id
        with duckdb.connect(str(db), read_only=True) as con:
            snapshots[load_id] = {t: contents(con, t) for t in TABLES}
    if not snapshots:
        return
    with duckdb.connect(str(db), read_only=True) as con:
        for load_id, tables in snapshots.items():
            for table, rows in tables.items():
                assert contents(con, table, as_of(con, table, load_id)) == rows, (load_id, table)


def test_a_history_table_gains_the_columns_its_table_gained(tmp_path: Path) -> None:
    """A database whose measures_history predates a column of measures (one made before the
    exception columns, say) gets that column added, typed as in the table, and keeps its rows;
    a history table that is missing is made with every column plus superseded_by."""
    import duckdb

    from loaders.schema import create_schema

    db = tmp_path / "db.duckdb"
    with duckdb.connect(str(db)) as con:
        create_schema(con)
        con.execute("ALTER TABLE measures_history DROP COLUMN exception_comment")
        con.execute("ALTER TABLE measures_history DROP COLUMN exception_trend_value")
        con.execute("INSERT INTO measures_history (measure, superseded_by) VALUES ('Kept', 2)")
        con.execute("DROP TABLE series_history")
        create_schema(con)
        typed = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                 "WHERE table_name = 'measures_history'").fetchall())
        series_columns = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'series_history' ORDER BY column_index").fetchall()]
        kept = con.execute("SELECT measure, superseded_by FROM measures_history").fetchall()
    assert (typed["exception_comment"], typed["exception_trend_value"]) == ("VARCHAR", "DOUBLE")
    assert series_columns == ["measure", "area", "period", "value", "source_file", "load_id", "superseded_by"]
    assert kept == [("Kept", 2)]
