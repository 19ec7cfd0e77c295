"""What has been loaded: the load history, templates of each extract, the loaded tables as CSV.

Tables are named from a fixed allow-list mapped to fixed SQL; a table name from the page never
reaches the SQL text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import domain
from dashboard.db import PROJECT_ROOT, query
from dashboard.tables import table_to_csv
from loaders.contract import ERROR, FILE_KINDS, FileKind, LoadIssue
from loaders.load import LoadReport
from loaders.provenance import Actor
from loaders.restore import RestoreReport
from loaders.versions import kept_versions

#: Downloads open in Excel, which reads UTF-8 without a BOM as Windows-1252 ('Â£'); the
#: loader accepts the BOM.
CSV_ENCODING = "utf-8-sig"

#: The loaded tables a reader may download, each with the one query that reads it.
TABLE_QUERIES: dict[str, str] = {
    "measures": "SELECT * FROM measures ORDER BY period, theme, measure",
    "series": "SELECT * FROM series ORDER BY measure, area, period",
    "deliverables": "SELECT * FROM deliverables ORDER BY quarter_start, plan, theme, ref",
    "budget": "SELECT * FROM budget_variance ORDER BY financial_year, period, entity, category",
    "reports": "SELECT * FROM reports ORDER BY period",
    "recommendations": "SELECT * FROM recommendations ORDER BY review, quarter_start, source_file, source_line",
    "decisions": "SELECT * FROM decisions ORDER BY period, source_file, source_line",
    "estates": "SELECT * FROM estates ORDER BY period, source_file, source_line",
    "framework": "SELECT * FROM framework ORDER BY plan, theme_no, source_file, source_line",
    "targets": "SELECT * FROM targets ORDER BY measure, area, applies_from",
    "changes": "SELECT * FROM changes ORDER BY measure, area, month",
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
        "exception_trend": "+10.2%",
        "exception_comment": "Increases in recorded adult and child safeguarding referrals have continued.",
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
    "reports": {
        "period": "2019-01",
        "title": "Police and Crime Commissioner's Update Report to January 2019",
        "paper_for": "consideration",
        "public": "Public",
        "report_to": "Audit and Scrutiny Panel",
        "meeting_date": "8 May 2019",
        "report_of": "Police and Crime Commissioner",
        "author": "Performance analyst",
        "email": "performance.analyst@opcc.example",
        "other_contacts": "Chief Executive",
        "agenda_item": "13",
        "purpose": "This report presents the Panel with the Commissioner's update on progress against the Police and Crime Plan.",
        "recommendations": "The Panel to note the contents of this update report.",
        "reasons": "To provide the Panel with information so that it can fulfil its statutory role.",
        "summary": "",
        "headlines": "",
        "financial": "",
    },
    "recommendations": {
        "review": "Domestic and sexual violence",
        "theme": "Policy context",
        "ref": "2",
        "recommendation": "The PCC to continue to work with local authority partners to co-commission professional development activity",
        "lead_agencies": "PCC; City Council; County Council",
        "quarter": "January - March 2020-21",
        "status": "Not stated",
        "update": "This is ongoing work.",
    },
    "decisions": {
        "period": "2019-01",
        "plan": "February 2019",
        "section": "2.0",
        "section_title": "Contracts (above £250k)",
        "ref": "2.1",
        "date": "March 2019",
        "subject": "Hucknall EMAS Works",
        "summary": "Building Contractors",
        "cost": "£515,000",
        "contact": "Ronnie Adams EMSCU",
        "report_of": "Force",
    },
    "estates": {
        "period": "2019-01",
        "list": "sold",
        "site": "Meadows",
        "completion_date": "31 July, 2016",
        "status": "",
        "proposed_use": "Residential",
        "total_receipt": "",
    },
    "framework": {
        "plan": "2016-18",
        "plan_title": "Revised Police and Crime Plan (2016-18) - Strategic Framework",
        "theme_no": "1",
        "theme": "Protect, support and respond to victims, witnesses and vulnerable people",
        "focus_area": "",
        "ref": "F03",
        "lead": "",
        "revised": "",
        "activity": "PL2: Review existing DA information sharing protocols to ensure real time information sharing.",
        "pledges": "PL2",
    },
    "targets": {
        "measure": "Recorded crime: all crime",
        "area": "",
        "target": "9,500",
        "applies_from": "2023-04",
        "source": "Police and Crime Plan 2023-24, illustrative",
    },
    "changes": {
        "measure": "Recorded crime: Violence and sexual offences",
        "area": "",
        "month": "2023-06",
        "reason": "Home Office Counting Rules change for stalking and harassment",
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


def _has_audit_columns(con: duckdb.DuckDBPyConnection) -> bool:
    """A database last written before schema 3 has no loaded_by or load_source yet."""
    found = query(con, "SELECT count(*) AS n FROM information_schema.columns "
                       "WHERE table_name = 'load_log' AND column_name IN ('loaded_by', 'load_source')")
    return int(found["n"].iloc[0]) == 2


NOT_RECORDED = "(not recorded)"


def query_load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every file loaded and every restore, newest first: who, from where, SHA-256, rows."""
    audit = ("coalesce(loaded_by, ?) AS loaded_by, coalesce(load_source, ?) AS source"
             if _has_audit_columns(con) else "? AS loaded_by, ? AS source")
    return query(
        con,
        f"""
        SELECT load_id, loaded_at, {audit}, file_name, file_sha256, table_name, encoding,
               rows_in_file AS rows, rows_added AS added, rows_replaced AS replaced
        FROM load_log ORDER BY load_id DESC, file_name
        """,
        [NOT_RECORDED, NOT_RECORDED],
    )


def restorable_versions(con: duckdb.DuckDBPyConnection, db_path: Path | str) -> pd.DataFrame:
    """The kept earlier versions, newest first, each with the load it ends with: when, who, files."""
    versions = kept_versions(db_path)
    columns = ["after_load", "loaded_at", "loaded_by", "files", "size_mb"]
    if not versions:
        return pd.DataFrame(columns=columns)
    history = query_load_history(con)
    rows = []
    for version in versions:
        load = history[history["load_id"] == version.load_id]
        rows.append((
            version.load_id,
            load["loaded_at"].iloc[0] if not load.empty else pd.NaT,
            load["loaded_by"].iloc[0] if not load.empty else NOT_RECORDED,
            ", ".join(load["file_name"]) if not load.empty else NOT_RECORDED,
            round(version.size / 1e6, 1),
        ))
    return pd.DataFrame(rows, columns=columns)


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


#: A load or restore started from the app may take this long before it is given up.
CHILD_TIMEOUT_S = 15 * 60


def _run_loader(args: list[str], cwd: Path, actor: Actor) -> dict:
    """`python -m loaders ARGS --json` as a child process, as `actor`.

    In a process of its own, a big load's memory is the child's and is handed back when it
    ends, and its CPU time does not hold the app's interpreter: readers' pages stay fast."""
    command = [sys.executable, "-m", "loaders", *args, "--json",
               "--as-user", actor.name, "--source", actor.source]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    finished = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT_S, check=False)
    lines = finished.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        detail = finished.stderr.strip().splitlines()[-1:] or ["no output"]
        raise LoaderFailed(f"The loader stopped without a report (exit {finished.returncode}): {detail[0]}") from None


class LoaderFailed(RuntimeError):
    """The child loader crashed or printed no report; nothing it did not finish was written."""


def oversized_uploads(files: Sequence[tuple[str, bytes]], max_bytes: int) -> list[LoadIssue]:
    """An error for each upload over the cap, naming its size and the command line instead."""
    return [
        LoadIssue(name, None, None, file_size(len(content)),
                  f"expected an upload of at most {file_size(max_bytes)}; load bigger extracts "
                  "on the server with python -m loaders", ERROR)
        for name, content in files if len(content) > max_bytes
    ]


def file_size(n_bytes: int) -> str:
    """'52.4 MB', '3 kB': a file's size as a reader would say it."""
    if n_bytes >= 100_000:
        return f"{n_bytes / 1e6:,.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(n_bytes / 1e3)):,} kB"


def load_uploads(files: Sequence[tuple[str, bytes]], db_path: Path | str, actor: Actor,
                 max_bytes: int | None = None) -> LoadReport:
    """Load uploaded `(name, content)` files exactly as `python -m loaders` loads files on disk.

    The load runs in a child process, in a folder of its own, so errors name each file as it
    was uploaded and never a server path."""
    if max_bytes is not None and (too_big := oversized_uploads(files, max_bytes)):
        return LoadReport(ok=False, errors=too_big)
    with tempfile.TemporaryDirectory(prefix="uploads-") as folder:
        names = upload_file_names([n for n, _ in files])
        for name, (_, content) in zip(names, files):
            (Path(folder) / name).write_bytes(content)
        result = _run_loader([*names, "--db", str(Path(db_path).resolve())], Path(folder), actor)
    return LoadReport.from_dict(result)


def restore(db_path: Path | str, load_id: int, actor: Actor) -> RestoreReport:
    """Put the database back as it was after `load_id`, in a child process, as `actor`."""
    result = _run_loader(["--restore", str(int(load_id)), "--db", str(Path(db_path).resolve())],
                         PROJECT_ROOT, actor)
    return RestoreReport(**result)


def files_frame(report: LoadReport) -> pd.DataFrame:
    """The files a load read, with rows added and replaced (both 0 when nothing was written)."""
    return pd.DataFrame(
        [(f.name, f.table, f.encoding, f.rows, f.added, f.replaced) for f in report.files],
        columns=["file", "table", "encoding", "rows", "added", "replaced"],
    )


def table_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each downloadable table (a table a database does not have yet counts 0: `reports`
    arrives with schema 4, at the next load)."""
    present = set(query(con, "SELECT table_name FROM information_schema.tables")["table_name"])
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
    found = {str(t): int(n) for t, n in zip(counts["t"], counts["n"])}
    # Tables added since (reports, recommendations, ...): counted where the database has them.
    # Their names come from TABLE_QUERIES, never from a request.
    for table in LOADED_TABLES:
        if table not in found:
            found[table] = (int(query(con, f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])
                            if table in present else 0)
    return found


def table_counts_frame(counts: dict[str, int]) -> pd.DataFrame:
    """The downloadable tables with their row counts, in allow-list order."""
    return pd.DataFrame(
        {"table": list(LOADED_TABLES), "rows": [counts.get(t, 0) for t in LOADED_TABLES]}
    )
