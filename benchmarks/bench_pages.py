"""Server-side run time of every page (AppTest), cold and warm, on the sample and on 100x the sample.

    .venv/bin/python benchmarks/bench_pages.py [--repeats 5] [--factor 100]

AppTest starts every run on Streamlit's legacy pages/ route, which the pages leave with one
extra (short) rerun through app.py; a served app does that once per process, so these
figures are upper bounds. Cold: the page's first run after clearing Streamlit's caches (queries and connection), in a
process that has already imported everything. Warm: the median of the following runs, with the
caches filled, which is what a reader changing pages or filters waits for. Aim: at most 300 ms
warm per page on the sample, at most 1 s on the large dataset.

The anchor is a plain Streamlit page (a title and a line of text) run by AppTest the same way,
timed first: each page's warm time is printed beside it with the ratio. Ends with MET or MISSED
for each aim (benchmarks/aims.py) and exits 1 when one is missed.

The large dataset is the loaded sample multiplied in SQL: every measure, deliverable and budget
line in ten variants across ten earlier periods, every monthly series in ten variants ten times
as long. The revised dataset is the large one with the Jan 2019 report published and then 20
loads each revising some of its figures and a thousand months of series (so its history tables
hold every one of them); its pages are timed on the latest figures and "as reported"
(`?figures=reported`), within the large dataset's aim.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.aims import Aims, milliseconds, ratio, times  # noqa: E402
from loaders.atomic import staged_database  # noqa: E402
from loaders.load import load_extracts  # noqa: E402
from ui.navigation import PAGES  # noqa: E402

APP = str(ROOT / "app.py")
WARM_LIMIT_SAMPLE_S = 0.300
WARM_LIMIT_LARGE_S = 1.0

#: The variant suffix: variant 0 keeps the original name.
_SUFFIX = "CASE WHEN k = 0 THEN '' ELSE ' (variant ' || k || ')' END"
_FINANCIAL_YEAR = (
    "(CAST(left(financial_year, 4) AS INTEGER) - j) || '-' || "
    "right(CAST(CAST(left(financial_year, 4) AS INTEGER) - j + 1 AS VARCHAR), 2)"
)
_QUARTER_START = "CAST(quarter_start - INTERVAL (24 * j) MONTH AS DATE)"
_QUARTER_LABEL = f"""
    (year({_QUARTER_START}) - CASE WHEN month({_QUARTER_START}) < 4 THEN 1 ELSE 0 END) || '-' ||
    right(CAST(year({_QUARTER_START}) - CASE WHEN month({_QUARTER_START}) < 4 THEN 1 ELSE 0 END + 1 AS VARCHAR), 2)
    || ' Q' || CAST(((month({_QUARTER_START}) + 8) % 12) // 3 + 1 AS VARCHAR)
"""


def multiply_sql(factor: int) -> str:
    """SQL that replaces each loaded table by `factor` (a square: periods x variants) copies."""
    side = int(round(factor ** 0.5))
    if side * side != factor:
        raise ValueError(f"factor must be a square number (periods x variants), got {factor}")
    copies = f"range({side}) AS periods(j), range({side}) AS variants(k)"
    return f"""
    CREATE TEMP TABLE m0 AS SELECT * FROM measures;
    DELETE FROM measures;
    INSERT INTO measures SELECT m0.* REPLACE (
        CAST(period - INTERVAL (3 * j) MONTH AS DATE) AS period, measure || {_SUFFIX} AS measure)
    FROM m0, {copies};

    CREATE TEMP TABLE s0 AS SELECT * FROM series;
    DELETE FROM series;
    INSERT INTO series SELECT s0.* REPLACE (
        measure || {_SUFFIX} AS measure,
        CAST(period - INTERVAL ((SELECT count(DISTINCT period) FROM s0) * j) MONTH AS DATE) AS period)
    FROM s0, {copies};

    CREATE TEMP TABLE d0 AS SELECT * FROM deliverables;
    DELETE FROM deliverables;
    INSERT INTO deliverables SELECT d0.* REPLACE (
        {_QUARTER_LABEL} AS quarter, {_QUARTER_START} AS quarter_start, ref || '.' || k AS ref)
    FROM d0, {copies};

    CREATE TEMP TABLE b0 AS SELECT * FROM budget;
    DELETE FROM budget;
    INSERT INTO budget SELECT b0.* REPLACE (
        {_FINANCIAL_YEAR} AS financial_year,
        CAST(period - INTERVAL (12 * j) MONTH AS DATE) AS period,
        entity || {_SUFFIX} AS entity)
    FROM b0, {copies};
    """


def build_databases(folder: Path, factor: int) -> dict[str, Path]:
    """The sample loaded by the loader, and a copy multiplied `factor` times."""
    sample = folder / "sample.duckdb"
    report = load_extracts(sorted((ROOT / "data").glob("*.csv")), sample)
    if not report.ok:
        raise SystemExit(report.to_text())
    large = folder / "large.duckdb"
    large.write_bytes(sample.read_bytes())
    with staged_database(large) as con:
        con.execute(multiply_sql(factor))
    revised = folder / "revised.duckdb"
    revised.write_bytes(large.read_bytes())
    revise_twenty_times(revised, folder)
    return {"sample": sample, f"{factor}x": large, f"{factor}x, Jan 2019 published, 20 revised loads": revised}


REVISED_LOADS = 20


def revise_twenty_times(db: Path, folder: Path) -> None:
    """Publish Jan 2019, then load REVISED_LOADS corrections of its measures and of the series."""
    from datetime import date

    from loaders.provenance import Actor
    from loaders.publish import publish_report

    analyst = Actor("benchmark", "command line")
    report = publish_report(db, date(2019, 1, 1), analyst, date(2019, 5, 8))
    if not report.ok:
        raise SystemExit(report.message)
    measures = (ROOT / "data" / "measures.csv").read_text(encoding="utf-8")
    series_lines = (ROOT / "data" / "series_police_uk.csv").read_text(encoding="utf-8").splitlines()
    header, rows = series_lines[0], series_lines[1:]
    value_at = header.split(",").index("value")
    for load in range(1, REVISED_LOADS + 1):
        corrections = folder / f"correction-{load:02d}"
        corrections.mkdir()
        (corrections / "measures.csv").write_text(
            measures.replace('"5,369 (Jan 2019)"', f'"{5369 + load:,} (Jan 2019)"'), encoding="utf-8")
        revised_rows = []
        for number, row in enumerate(rows):
            cells = row.split(",")
            if number % 22 == load % 22:  # about a thousand months a load
                cells[value_at] = str(int(cells[value_at]) + load)
            revised_rows.append(",".join(cells))
        (corrections / "series_police_uk.csv").write_text("\n".join([header, *revised_rows]) + "\n", encoding="utf-8")
        loaded = load_extracts(sorted(corrections.glob("*.csv")), db, analyst)
        if not loaded.ok:
            raise SystemExit(loaded.to_text())


def row_counts(db: Path) -> str:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = [
            f"{table} {con.execute(f'SELECT count(*) FROM {table}').fetchone()[0]:,}"  # noqa: S608 (fixed names)
            for table in ("measures", "series", "deliverables", "budget")
        ]
        kept = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in con.execute(  # noqa: S608
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '%\\_history' ESCAPE '\\'").fetchall())
        loads = con.execute("SELECT count(DISTINCT load_id) FROM load_log").fetchone()[0]
    finally:
        con.close()
    return ", ".join(counts) + f"; {loads} loads, {kept:,} rows kept in history"


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


#: Views beyond each page's default worth timing: (label, page, title, radio key, choice).
EXTRA_VIEWS: tuple[tuple[str, str, str, str, str], ...] = (
    ("  by detection rule", "pages/exceptions.py", "Exceptions", "exceptions_source", "Detection rule"),
)


PLAIN_PAGE = """
import streamlit as st

st.title("Plain page")
st.write("Nothing but a title and this line.")
"""


def time_plain_page(repeats: int) -> tuple[float, float]:
    """(cold, warm median) seconds of the anchor: a plain page, no data, run as the pages are."""
    at = AppTest.from_string(PLAIN_PAGE, default_timeout=120)
    at.run()
    clear_caches()
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception or not at.title or at.title[0].value != "Plain page":
        raise SystemExit("the plain page did not run")
    warm_runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        at.run()
        warm_runs.append(time.perf_counter() - started)
    return cold, statistics.median(warm_runs)


def time_page(
    page_path: str, title: str, repeats: int, period: str, radio: tuple[str, str] | None = None,
    figures: str | None = None,
) -> tuple[float, float]:
    """(cold, warm median) seconds of one page's run for the report `period` (YYYY-MM), on the
    latest figures or, with `figures="reported"`, as the report was published."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["period"] = period
    if figures:
        at.query_params["figures"] = figures
    at.run()  # registers the pages
    at.switch_page(page_path)
    if radio:
        at.run()
        at.radio(key=radio[0]).set_value(radio[1])
    clear_caches()
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"{page_path} raised: {at.exception[0].message}")
    if not at.title or at.title[0].value != title:  # make sure the page timed is the page meant
        raise SystemExit(f"{page_path} did not run: headings {[t.value for t in at.title]}")
    warm_runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        at.run()
        warm_runs.append(time.perf_counter() - started)
    return cold, statistics.median(warm_runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="warm runs per page (median printed)")
    parser.add_argument("--factor", type=int, default=100, help="size of the large dataset (a square)")
    parser.add_argument("--period", action="append", dest="periods",
                        help="report period(s) in the link, YYYY-MM (default: 2019-01, the seed report "
                        "with every kind of row, and 2024-12, whose measures have monthly series)")
    args = parser.parse_args(argv)
    periods = args.periods or ["2019-01", "2024-12"]
    plain_cold, plain = time_plain_page(args.repeats)
    anchor = ("the plain page", plain)
    print(f"anchor, a plain page (title and a line) by AppTest: cold {plain_cold * 1000:.0f} ms, "
          f"warm {plain * 1000:.0f} ms")
    aims = Aims()
    with tempfile.TemporaryDirectory() as folder:
        databases = build_databases(Path(folder), args.factor)
        for name, db in databases.items():
            os.environ["DASHBOARD_DB"] = str(db)
            limit = WARM_LIMIT_SAMPLE_S if name == "sample" else WARM_LIMIT_LARGE_S
            warm_by_view: dict[str, float] = {}
            revised = "revised" in name
            runs = [("2019-01", None), ("2019-01", "reported")] if revised else [(p, None) for p in periods]
            for period, figures in runs:
                shown = f"period {period}" + (", figures as reported" if figures else "")
                print(f"\n{name}: {row_counts(db)}; {shown}  (warm aim ≤ {limit * 1000:.0f} ms)")
                print(f"  {'page':<20}{'cold ms':>8}{'warm ms':>10}{'warm / plain page':>19}")
                views = [(spec.title, spec.path, spec.title, None) for spec in PAGES]
                views += [(label, path, title, (key, choice)) for label, path, title, key, choice in EXTRA_VIEWS]
                for label, path, title, radio in views:
                    cold, warm = time_page(path, title, args.repeats, period, radio, figures)
                    warm_by_view[f"{label.strip()}, {shown}"] = warm
                    flag = "" if warm <= limit else "  over the aim"
                    print(f"  {label:<20}{cold * 1000:>8.0f}{warm * 1000:>10.0f}"
                          f"{times(ratio(warm, plain)):>19}{flag}")
            clear_caches()
            slowest = max(warm_by_view, key=warm_by_view.__getitem__)
            over = [view for view, warm in warm_by_view.items() if warm > limit]
            aims.at_most(f"every page warm on the {name} data (slowest: {slowest})", warm_by_view[slowest], limit,
                         fmt=milliseconds, anchor=anchor,
                         note=f"; {len(over)} of {len(warm_by_view)} over" if over else "")
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
