"""How long the Delivery plan, Budget and Data pages' queries and figures take on a big plan.

Builds (in a temporary folder) a database with YEARS years of quarterly deliverables (five
themes, PER_THEME deliverables each, statuses shifting between quarters) and monthly budget
forecasts for ten entities, then times each query and figure builder, best of REPEAT runs,
and prints milliseconds. The pages cache query results per database version, so these are
the costs of a first view after a load.

The anchor is DuckDB reading the table a query reads (deliverables or budget) whole into
pandas through the same `dashboard.db.query`: each case is printed beside it with the ratio.
These queries have no aim of their own; they take the pages' aim on large data
(benchmarks/bench_pages.py): the Delivery plan page's and the Budget page's first view, all of
its queries and figures together, in at most 1 s. Ends with MET or MISSED for each
(benchmarks/aims.py) and exits 1 when one is missed.

    .venv/bin/python benchmarks/bench_plan_pages.py [YEARS] [PER_THEME]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.aims import Aims, milliseconds, ratio, times  # noqa: E402
from dashboard import budget, delivery, domain, loads  # noqa: E402
from dashboard.charts import ChartMeta  # noqa: E402
from dashboard.db import connect_readonly, query  # noqa: E402
from loaders.atomic import staged_database  # noqa: E402

REPEAT = 5
#: The pages' aim on the large dataset (bench_pages.py), for a page's first view.
PAGE_AIM_S = 1.0
ENTITIES = [f"Entity {i}" for i in range(10)]


def build_database(path: Path, years: int, per_theme: int) -> None:
    rng = random.Random(1)
    codes = [s.code for s in domain.RAG_STATUSES]
    deliverables, budgets = [], []
    for year in range(2015, 2015 + years):
        fy = f"{year}-{(year + 1) % 100:02d}"
        for q in range(4):
            start = date(year + (q + 3) // 4, (3 + 3 * q) % 12 + 1, 1)
            for theme in domain.THEME_ORDER:
                for ref in range(1, per_theme + 1):
                    deliverables.append(("2015-30", f"{fy} Q{q + 1}", start, theme, str(ref), f"Deliverable {ref}",
                                         rng.choice(codes), "NOPCC", "Update text " * 20, None, "d.csv", ref, 1))
        for month in range(12):
            period = date(year + (month + 3) // 12, (month + 3) % 12 + 1, 1)
            for entity in ENTITIES:
                for category in domain.BUDGET_CATEGORIES:
                    amount = rng.uniform(1_000, 200_000)
                    budgets.append((fy, period, entity, category, amount, amount + rng.uniform(-2_000, 2_000), None,
                                    "b.csv", 2, 1))
    with staged_database(path) as con:
        con.executemany("INSERT INTO deliverables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", deliverables)
        con.executemany("INSERT INTO budget VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", budgets)
        con.execute("INSERT INTO load_log (load_id, loaded_at, file_name, file_sha256, table_name, encoding, rows_in_file, rows_added, rows_replaced) VALUES (1, now(), 'd.csv', 'x', 'deliverables', 'utf-8', 1, 1, 0)")
    print(f"{len(deliverables):,} deliverable rows, {len(budgets):,} budget rows")


def best_s(func: Callable[[], object]) -> float:
    runs = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> int:
    years = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    per_theme = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        build_database(path, years, per_theme)
        con = connect_readonly(path)
        quarter = delivery.quarter_for_period(con, date(2015 + years - 1, 12, 1))
        report = date(2015 + years - 1, 12, 1)
        fy = budget.financial_year_of(report)
        counts = delivery.query_rag_counts(con)
        year_counts = delivery.latest_quarters(counts, report)
        summary = budget.query_budget_summary(con, report)
        movement = budget.query_forecast_movement(con, fy)
        # (case, the table it reads, the page whose first view runs it, or None)
        cases: list[tuple[str, str, str | None, Callable[[], object]]] = [
            ("quarter_for_period", "deliverables", "Delivery plan", lambda: delivery.quarter_for_period(con, report)),
            ("query_rag_summary", "deliverables", "Delivery plan", lambda: delivery.query_rag_summary(con, quarter)),
            ("query_rag_counts (all quarters)", "deliverables", "Delivery plan", lambda: delivery.query_rag_counts(con)),
            ("build_rag_figure (a year, as the page)", "deliverables", "Delivery plan",
             lambda: delivery.build_rag_figure(year_counts, ChartMeta("RAG"))),
            ("rag_table (a year, as the page)", "deliverables", "Delivery plan", lambda: delivery.rag_table(year_counts)),
            ("build_rag_figure (all quarters)", "deliverables", None, lambda: delivery.build_rag_figure(counts, ChartMeta("RAG"))),
            ("rag_table (all quarters)", "deliverables", None, lambda: delivery.rag_table(counts)),
            ("query_deliverables (one quarter)", "deliverables", "Delivery plan",
             lambda: delivery.query_deliverables(con, quarter=quarter)),
            ("query_deliverables (all)", "deliverables", None, lambda: delivery.query_deliverables(con)),
            ("query_status_changes", "deliverables", "Delivery plan", lambda: delivery.query_status_changes(con)),
            ("query_budget_summary", "budget", "Budget", lambda: budget.query_budget_summary(con, report)),
            ("build_budget_figure", "budget", "Budget", lambda: budget.build_budget_figure(summary, ChartMeta("B"))),
            ("query_forecast_movement", "budget", "Budget", lambda: budget.query_forecast_movement(con, fy)),
            ("build_forecast_movement_figure", "budget", "Budget",
             lambda: budget.build_forecast_movement_figure(movement, ChartMeta("M"))),
            ("table_csv deliverables", "deliverables", None, lambda: loads.table_csv(con, "deliverables")),
        ]
        anchors = {table: best_s(lambda table=table: query(con, f"SELECT * FROM {table}"))  # noqa: S608 (fixed names)
                   for table in ("deliverables", "budget")}
        for table, seconds in anchors.items():
            print(f"{'anchor: SELECT * FROM ' + table:44s} {seconds * 1000:8.1f} ms")
        print(f"{'':44s} {'ms':>8}  {'/ anchor':>9}")
        pages: dict[str, float] = {}
        for name, table, page, func in cases:
            seconds = best_s(func)
            if page:
                pages[page] = pages.get(page, 0.0) + seconds
            print(f"{name:44s} {seconds * 1000:8.1f}  {times(ratio(seconds, anchors[table])):>9}")
        con.close()
    aims = Aims()
    page_tables = {page: table for _, table, page, _ in cases if page}
    for page, seconds in pages.items():
        table = page_tables[page]
        aims.at_most(f"{page} page's first view, its queries and figures", seconds, PAGE_AIM_S, fmt=milliseconds,
                     anchor=(f"reading {table} whole", anchors[table]))
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
