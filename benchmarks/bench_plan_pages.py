"""How long the Delivery plan, Budget and Data pages' queries and figures take on a big plan.

Builds (in a temporary folder) a database with YEARS years of quarterly deliverables (five
themes, PER_THEME deliverables each, statuses shifting between quarters) and monthly budget
forecasts for ten entities, then times each query and figure builder, best of REPEAT runs,
and prints milliseconds. The pages cache query results per database version, so these are
the costs of a first view after a load.

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

from dashboard import budget, delivery, domain, loads  # noqa: E402
from dashboard.charts import ChartMeta  # noqa: E402
from dashboard.db import connect_readonly  # noqa: E402
from loaders.atomic import staged_database  # noqa: E402

REPEAT = 5
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


def best_ms(func: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def main() -> None:
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
        cases: list[tuple[str, Callable[[], object]]] = [
            ("quarter_for_period", lambda: delivery.quarter_for_period(con, report)),
            ("query_rag_summary", lambda: delivery.query_rag_summary(con, quarter)),
            ("query_rag_counts (all quarters)", lambda: delivery.query_rag_counts(con)),
            ("build_rag_figure (a year, as the page)", lambda: delivery.build_rag_figure(year_counts, ChartMeta("RAG"))),
            ("build_rag_figure (all quarters)", lambda: delivery.build_rag_figure(counts, ChartMeta("RAG"))),
            ("rag_table (all quarters)", lambda: delivery.rag_table(counts)),
            ("query_deliverables (one quarter)", lambda: delivery.query_deliverables(con, quarter=quarter)),
            ("query_deliverables (all)", lambda: delivery.query_deliverables(con)),
            ("query_status_changes", lambda: delivery.query_status_changes(con)),
            ("query_budget_summary", lambda: budget.query_budget_summary(con, report)),
            ("build_budget_figure", lambda: budget.build_budget_figure(summary, ChartMeta("B"))),
            ("query_forecast_movement", lambda: budget.query_forecast_movement(con, fy)),
            ("build_forecast_movement_figure", lambda: budget.build_forecast_movement_figure(movement, ChartMeta("M"))),
            ("table_csv deliverables", lambda: loads.table_csv(con, "deliverables")),
        ]
        for name, func in cases:
            print(f"{name:40s} {best_ms(func):8.1f} ms")
        con.close()


if __name__ == "__main__":
    main()
