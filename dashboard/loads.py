"""What has been loaded: the load history, templates of each extract, the loaded tables as CSV.

Tables are named from a fixed allow-list mapped to fixed SQL; a table name from the page never
reaches the SQL text.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import domain
from dashboard.db import query
from dashboard.tables import table_to_csv
from loaders.contract import FILE_KINDS, FileKind
from loaders.load import LoadReport, load_extracts

#: Downloads open in Excel, which reads UTF-8 without a BOM as Windows-1252 ('Â£'); the
#: loader accepts the BOM.
CSV_ENCODING = "utf-8-sig"

#: The loaded tables a reader may download, each with the one query that reads it.
TABLE_QUERIES: dict[str, str] = {
    "measures": "SELECT * FROM measures ORDER BY period, theme, measure",
    "series": "SELECT * FROM series ORDER BY measure, area, period",
    "deliverables": "SELECT * FROM deliverables ORDER BY quarter_start, plan, theme, ref",
    "budget": "SELECT * FROM budget_variance ORDER BY financial_year, period, entity, category",
    "load_log": "SELECT * FROM load_log ORDER BY load_id, file_name",
}
LOADED_TABLES: tuple[str, ...] = tuple(TABLE_QUERIES)

#: One example row per extract, as an analyst would type it (the contract's own examples).
EXAMPLE_VALUES: dict[str, dict[str, str]] = {
    "measures": {
        "period": "2019-01",
        "theme": "Protecting people from harm",
        "measure": "Adult and child safeguarding referrals",
        "polarity": "higher_is_better",
        "unit": "count",
        "baseline": "4,872",
        "baseline_period": "Jan 2018",
        "current": "5,369",
        "current_period": "Jan 2019",
        "trend": "+10.2%",
        "headline": "yes",
        "exception": "positive",
        "comment": "Improvements in identification, recording and referral of safeguarding concerns.",
    },
    "series": {
        "measure": "Adult and child safeguarding referrals",
        "period": "2019-01",
        "value": "5369",
        "area": domain.FORCE_AREA,
    },
    "deliverables": {
        "plan": "2018-21",
        "quarter": "2018-19 Q3",
        "theme": "Helping and supporting victims",
        "ref": "1",
        "deliverable": "Develop a dedicated website for victims on where to access support",
        "status": "G",
        "organisation": "NOPCC",
        "update": "Contract awarded; the website goes live by the end of April 2019.",
        "update_date": "2019-02-14",
    },
    "budget": {
        "financial_year": "2018-19",
        "period": "2018-12",
        "entity": "Force",
        "category": "revenue",
        "budget": "188,209",
        "forecast_outturn": "189,260",
        "variance": "1,052",
    },
}
TEMPLATE_KINDS: tuple[str, ...] = tuple(kind.prefix for kind in FILE_KINDS)


def _file_kind(kind: str) -> FileKind:
    for file_kind in FILE_KINDS:
        if file_kind.prefix == kind:
            return file_kind
    raise ValueError(f"Unknown extract kind {kind!r}: expected one of {', '.join(TEMPLATE_KINDS)}")


def template_file_name(kind: str) -> str:
    """`measures.csv` and so on: a name the loader recognises."""
    return f"{_file_kind(kind).prefix}.csv"


def template_csv(kind: str) -> bytes:
    """The header the contract expects for `kind`, and one example row."""
    columns = _file_kind(kind).column_names
    example = EXAMPLE_VALUES.get(kind, {})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow([example.get(column, "") for column in columns])
    return buffer.getvalue().encode(CSV_ENCODING)


def query_load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every file loaded, newest load first, with its SHA-256 and rows added and replaced."""
    return query(
        con,
        """
        SELECT load_id, loaded_at, file_name, file_sha256, table_name, encoding,
               rows_in_file AS rows, rows_added AS added, rows_replaced AS replaced
        FROM load_log ORDER BY load_id DESC, file_name
        """,
    )


def table_csv(con: duckdb.DuckDBPyConnection, table: str) -> bytes:
    """One loaded table as CSV; `table` must be one of `LOADED_TABLES`. Text a spreadsheet would
    run as a formula is written with a leading `'` (`dashboard.tables.neutralise_formulas`)."""
    sql = TABLE_QUERIES.get(table)
    if sql is None:
        raise ValueError(f"Unknown table {table!r}: expected one of {', '.join(LOADED_TABLES)}")
    return table_to_csv(query(con, sql))


def describe_source(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Which files a table's rows came from and when: 'budget.csv, loaded 24 Nov 2026 21:40 UTC'."""
    df = query(
        con,
        """
        SELECT file_name, max(loaded_at) AS loaded_at FROM load_log
        WHERE table_name = ? GROUP BY file_name ORDER BY loaded_at DESC, file_name
        """,
        [table],
    )
    if df.empty:
        return f"{table} (no load recorded)"
    return "; ".join(
        f"{name}, loaded {pd.Timestamp(at):%d %b %Y %H:%M} UTC" for name, at in zip(df["file_name"], df["loaded_at"])
    )


def upload_file_names(names: Sequence[str]) -> list[str]:
    """Names to save uploads under: the browser's name without any folder part, made unique.

    The loader recognises a file by its name, so the name is kept; a second `budget.csv`
    becomes `budget-2.csv`, which the loader still reads as a budget extract.
    """
    used: set[str] = set()
    safe: list[str] = []
    for name in names:
        base = Path(name.replace("\\", "/")).name.strip() or "upload.csv"
        candidate, number = base, 1
        while candidate.lower() in used:
            number += 1
            stem, dot, suffix = base.rpartition(".")
            candidate = f"{stem}-{number}.{suffix}" if dot else f"{base}-{number}"
        used.add(candidate.lower())
        safe.append(candidate)
    return safe


def load_uploads(files: Sequence[tuple[str, bytes]], db_path: Path | str) -> LoadReport:
    """Load uploaded `(name, content)` files exactly as `python -m loaders` loads files on disk."""
    with tempfile.TemporaryDirectory(prefix="uploads-") as folder:
        paths = []
        for name, (_, content) in zip(upload_file_names([n for n, _ in files]), files):
            path = Path(folder) / name
            path.write_bytes(content)
            paths.append(path)
        return load_extracts(paths, db_path)


def files_frame(report: LoadReport) -> pd.DataFrame:
    """The files a load read, with rows added and replaced (both 0 when nothing was written)."""
    return pd.DataFrame(
        [(f.name, f.table, f.encoding, f.rows, f.added, f.replaced) for f in report.files],
        columns=["file", "table", "encoding", "rows", "added", "replaced"],
    )


def table_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each downloadable table."""
    counts = query(
        con,
        """
        SELECT 'measures' AS t, count(*) AS n FROM measures UNION ALL
        SELECT 'series', count(*) FROM series UNION ALL
        SELECT 'deliverables', count(*) FROM deliverables UNION ALL
        SELECT 'budget', count(*) FROM budget UNION ALL
        SELECT 'load_log', count(*) FROM load_log
        """,
    )
    return {str(t): int(n) for t, n in zip(counts["t"], counts["n"])}


def table_counts_frame(counts: dict[str, int]) -> pd.DataFrame:
    """The downloadable tables with their row counts, in allow-list order."""
    return pd.DataFrame(
        {"table": list(LOADED_TABLES), "rows": [counts.get(t, 0) for t in LOADED_TABLES]}
    )
