"""Chart export and panel pack speed: one chart cold and warm, and the whole pack on the sample.

    .venv/bin/python benchmarks/bench_export.py [--db FILE] [--period YYYY-MM] [--repeat N]

Without --db the sample extracts (data/*.csv) are loaded into a temporary database first.
Aims: at most 0.5 s per chart once the browser runs (warm), the whole pack in at most 15 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from dashboard import pack  # noqa: E402
from dashboard.db import connect_readonly  # noqa: E402
from dashboard.export import Exporter, browser_available, find_browser  # noqa: E402
from loaders.load import load_extracts  # noqa: E402

WARM_AIM_S = 0.5
PACK_AIM_S = 15.0


def _seconds(start: float) -> float:
    return time.perf_counter() - start


def bench_one_chart(con, period, repeat: int) -> None:  # noqa: ANN001
    """Cold: a new exporter's first PNG (browser start-up included). Warm: the same chart again."""
    chart = pack.gather_pack_content(con, period).all_charts()[0]
    with Exporter() as exporter:
        start = time.perf_counter()
        exporter.to_png(chart.figure)
        cold = _seconds(start)
        warm = {"png": [], "svg": []}
        for _ in range(repeat):
            for fmt in warm:
                start = time.perf_counter()
                exporter.render(chart.figure, fmt)
                warm[fmt].append(_seconds(start))
    print(f"chart: {chart.meta.title}")
    print(f"  cold PNG (browser start + render): {cold:6.2f} s")
    for fmt, times in warm.items():
        print(f"  warm {fmt.upper()} median of {repeat}:          {statistics.median(times):6.3f} s"
              f"  (min {min(times):.3f}, max {max(times):.3f}; aim <= {WARM_AIM_S} s)")


def bench_pack(con, period, repeat: int) -> None:  # noqa: ANN001
    """The whole pack as `make pack` builds it: its own browser, started while the data is read."""
    times, result = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-pack-") as out:
            start = time.perf_counter()
            result = pack.build_panel_pack(con, period, Path(out))
            times.append(_seconds(start))
    print(f"panel pack for {period:%Y-%m}: {result.charts} charts (PNG + SVG), {result.tables} tables")
    print(f"  whole pack, median of {repeat}: {statistics.median(times):6.2f} s"
          f"  (min {min(times):.2f}, max {max(times):.2f}; aim <= {PACK_AIM_S} s)")
    for note in result.notes:
        print(f"  note: {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="database to read (default: the sample, loaded afresh)")
    parser.add_argument("--period", default="2019-01", help="report month, YYYY-MM (default 2019-01)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not browser_available():
        print("No Chromium found: install Debian's chromium (apt-get install chromium).", file=sys.stderr)
        return 1
    period = datetime.strptime(args.period, "%Y-%m").date()
    print(f"browser: {find_browser()}")
    with tempfile.TemporaryDirectory(prefix="bench-db-") as folder:
        db_file = args.db
        if db_file is None:
            db_file = Path(folder) / "sample.duckdb"
            report = load_extracts(sorted((PROJECT_ROOT / "data").glob("*.csv")), db_file)
            if not report.ok:
                print(report.to_text(), file=sys.stderr)
                return 1
        con = connect_readonly(db_file)
        try:
            bench_one_chart(con, period, args.repeat)
            bench_pack(con, period, args.repeat)
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
