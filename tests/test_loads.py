"""Load history, extract templates and loaded-table CSV downloads."""

import csv
import io
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from dashboard import loads
from loaders.contract import FILE_KINDS
from loaders.provenance import RESTORE, UPLOAD, Actor
from loaders.schema import create_schema


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_schema(connection)
    connection.executemany(
        "INSERT INTO load_log (load_id, loaded_at, file_name, file_sha256, table_name, encoding, rows_in_file, rows_added, rows_replaced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [1, datetime(2026, 11, 1, 9), "budget.csv", "a" * 64, "budget", "utf-8", 6, 6, 0],
            [2, datetime(2026, 11, 2, 9), "deliverables.csv", "b" * 64, "deliverables", "windows-1252", 2, 1, 1],
            [2, datetime(2026, 11, 2, 9), "budget.csv", "c" * 64, "budget", "utf-8-sig", 6, 0, 6],
        ],
    )
    connection.execute(
        "INSERT INTO budget VALUES ('2018-19', DATE '2018-12-01', 'Force', 'revenue', 188209, 189260, 1052, 'budget.csv', 4, 1)"
    )
    connection.execute(
        "INSERT INTO deliverables VALUES ('2018-21', '2018-19 Q3', DATE '2018-10-01', 'Helping and supporting victims',"
        " '1', 'Website, for victims', 'G', 'NOPCC', ?, NULL, 'deliverables.csv', 2, 2)",
        ["Line one\nline two, with £ and \"quotes\""],
    )
    return connection


def read_csv_bytes(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_load_history_lists_newest_load_first_with_hashes(con) -> None:
    df = loads.query_load_history(con)
    assert list(df.columns) == [
        "load_id", "loaded_at", "loaded_by", "source", "file_name", "file_sha256", "table_name", "encoding",
        "rows", "added", "replaced",
    ]
    assert set(df["loaded_by"]) == set(df["source"]) == {loads.NOT_RECORDED}  # logged without them
    assert list(df["load_id"]) == [2, 2, 1]
    assert list(df["file_name"]) == ["budget.csv", "deliverables.csv", "budget.csv"]
    assert df["file_sha256"].iloc[0] == "c" * 64
    assert (df["added"].iloc[1], df["replaced"].iloc[1]) == (1, 1)


@pytest.mark.parametrize("kind", [k.prefix for k in FILE_KINDS])
def test_template_has_the_contract_header_and_an_example_for_every_required_column(kind) -> None:
    file_kind = next(k for k in FILE_KINDS if k.prefix == kind)
    data = loads.template_csv(kind)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads the pound sign right
    header, example = read_csv_bytes(data)
    assert tuple(header) == file_kind.column_names
    values = dict(zip(header, example))
    assert all(values[column] for column in file_kind.required)
    assert loads.template_file_name(kind) == f"{kind}.csv"


def test_budget_template_quotes_thousands_separators() -> None:
    header, example = read_csv_bytes(loads.template_csv("budget"))
    assert dict(zip(header, example))["budget"] == "188,209"


def test_unknown_template_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown extract kind 'notes': expected one of measures"):
        loads.template_csv("notes")


def test_table_csv_round_trips_the_loaded_rows(con) -> None:
    frame = pd.read_csv(io.BytesIO(loads.table_csv(con, "deliverables")), encoding="utf-8-sig")
    assert len(frame) == 1
    assert frame["update"].iloc[0] == "Line one\nline two, with £ and \"quotes\""
    assert frame["deliverable"].iloc[0] == "Website, for victims"


def test_budget_csv_carries_the_computed_variance(con) -> None:
    frame = pd.read_csv(io.BytesIO(loads.table_csv(con, "budget")), encoding="utf-8-sig")
    assert frame[["variance_computed", "variance_label"]].iloc[0].tolist() == [1051.0, "overspend"]


def test_every_allowed_table_downloads(con) -> None:
    for table in loads.LOADED_TABLES:
        header = read_csv_bytes(loads.table_csv(con, table))[0]
        assert header, table


@pytest.mark.parametrize("table", ["budget; DROP TABLE budget", "lookups", "information_schema.tables", ""])
def test_table_csv_refuses_names_outside_the_allow_list(con, table) -> None:
    with pytest.raises(ValueError, match="Unknown table"):
        loads.table_csv(con, table)
    assert con.execute("SELECT count(*) FROM budget").fetchone()[0] == 1


def test_templates_load_without_errors_or_warnings(tmp_path) -> None:
    """A template is a valid extract: the loader takes all four together, with no warnings."""
    from loaders.load import load_extracts

    for kind in loads.TEMPLATE_KINDS:
        (tmp_path / loads.template_file_name(kind)).write_bytes(loads.template_csv(kind))
    report = load_extracts(sorted(tmp_path.glob("*.csv")), tmp_path / "t.duckdb")
    assert report.ok, report.to_text()
    assert not report.warnings, report.to_text()
    assert {f.table for f in report.files} == set(loads.TEMPLATE_KINDS)


def test_describe_source_names_files_and_load_times(con) -> None:
    assert loads.describe_source(con, "budget") == "budget.csv, loaded 02 Nov 2026 09:00 UTC"
    assert loads.describe_source(con, "series") == "series (no load recorded)"


def test_upload_names_drop_folders_and_stay_unique() -> None:
    assert loads.upload_file_names(["../../etc/budget.csv", "C:\\Users\\me\\budget.csv", "BUDGET.csv", " "]) == [
        "budget.csv", "budget-2.csv", "BUDGET-3.csv", "upload.csv",
    ]


UPLOADER = Actor("analyst@opcc.example", UPLOAD)


def test_load_uploads_loads_files_under_their_own_names(tmp_path) -> None:
    db_path = tmp_path / "d.duckdb"
    report = loads.load_uploads([("budget.csv", loads.template_csv("budget"))], db_path, UPLOADER)
    assert report.ok, report.to_text()
    assert loads.files_frame(report).values.tolist() == [["budget.csv", "budget", "utf-8-sig", 1, 1, 0]]
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert loads.table_row_counts(con)["budget"] == 1
        history = loads.query_load_history(con)
        assert history[["file_name", "loaded_by", "source"]].values.tolist() == [
            ["budget.csv", "analyst@opcc.example", "upload"]]


def test_load_uploads_name_no_server_path(tmp_path) -> None:
    """Run in a folder of their own, upload errors name the file as uploaded."""
    report = loads.load_uploads([("notes.csv", b"a,b\n")], tmp_path / "d.duckdb", UPLOADER)
    assert not report.ok
    assert [i.file for i in report.errors] == ["notes.csv"]
    assert str(tmp_path) not in report.to_text() and "uploads-" not in report.to_text()


def test_load_uploads_over_the_cap_are_refused_before_any_load(tmp_path) -> None:
    db_path = tmp_path / "d.duckdb"
    report = loads.load_uploads([("budget.csv", b"x" * 2_500_000), ("measures.csv", b"y")], db_path, UPLOADER,
                                max_bytes=2_000_000)
    assert not report.ok and not db_path.exists()
    assert [(i.file, i.value) for i in report.errors] == [("budget.csv", "2.5 MB")]
    assert report.errors[0].expected.startswith("expected an upload of at most 2 MB")


def test_restore_runs_as_the_analyst(tmp_path) -> None:
    db_path = tmp_path / "d.duckdb"
    assert loads.load_uploads([("budget.csv", loads.template_csv("budget"))], db_path, UPLOADER).ok
    assert loads.load_uploads([("deliverables.csv", loads.template_csv("deliverables"))], db_path, UPLOADER).ok
    report = loads.restore(db_path, 1, Actor("lead@opcc.example", RESTORE))
    assert report.ok and report.load_id == 3
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert loads.table_row_counts(con)["deliverables"] == 0
        versions = loads.restorable_versions(con, db_path)
        assert versions["after_load"].tolist() == [2, 1]
        assert versions["loaded_by"].tolist() == ["analyst@opcc.example"] * 2
        top = loads.query_load_history(con).iloc[0]
        assert (top["load_id"], top["loaded_by"], top["source"]) == (3, "lead@opcc.example", "restore")


def test_load_uploads_with_an_error_writes_nothing(tmp_path) -> None:
    db_path = tmp_path / "d.duckdb"
    assert loads.load_uploads([("budget.csv", loads.template_csv("budget"))], db_path, UPLOADER).ok
    before = db_path.read_bytes()
    bad = loads.template_csv("deliverables").replace(b",G,", b",Purple,")
    report = loads.load_uploads([("deliverables.csv", bad), ("budget.csv", loads.template_csv("budget"))], db_path,
                                UPLOADER)
    assert not report.ok
    issue = report.issues_frame().iloc[0]
    assert (issue["file"], issue["line"], issue["column"], issue["value"]) == ("deliverables.csv", 2, "status", "Purple")
    assert db_path.read_bytes() == before


def test_table_row_counts_cover_every_downloadable_table(con) -> None:
    counts = loads.table_row_counts(con)
    assert set(counts) == set(loads.LOADED_TABLES)
    assert (counts["load_log"], counts["budget"], counts["deliverables"], counts["series"]) == (3, 1, 1, 0)


def test_table_counts_frame_lists_tables_in_order(con) -> None:
    frame = loads.table_counts_frame(loads.table_row_counts(con))
    assert frame["table"].tolist() == list(loads.LOADED_TABLES)
    assert dict(zip(frame["table"], frame["rows"]))["load_log"] == 3
