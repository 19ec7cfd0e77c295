"""Chart export and panel pack speed: one chart cold and warm, and the whole pack on the sample.

    .venv/bin/python benchmarks/bench_export.py [--db FILE] [--period YYYY-MM] [--repeat N]

Without --db the sample extracts (data/*.csv) are loaded into a temporary database first.
Aims: at most 0.5 s per chart once the browser runs (warm), the whole pack in at most 15 s.

The anchor is kaleido called bare, as its documentation shows, on the same print-styled
figures: `kaleido.calc_fig_sync` alone (a browser started for the one image: cold), with
`kaleido.start_sync_server` running (warm), and every chart of the pack as PNG and SVG through
one such server (the pack's images alone). Each figure is printed beside its anchor with the
ratio. Ends with MET or MISSED for each aim (benchmarks/aims.py) and exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import kaleido

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.aims import Aims, against_anchor  # noqa: E402
from dashboard import pack  # noqa: E402
from dashboard.db import connect_readonly  # noqa: E402
from dashboard.export import Exporter, find_browser, image_options, print_figure  # noqa: E402
from loaders.load import load_extracts  # noqa: E402

WARM_AIM_S = 0.5
PACK_AIM_S = 15.0


def _seconds(start: float) -> float:
    return time.perf_counter() - start


def _bare_job(figure) -> tuple[dict, list[dict]]:  # noqa: ANN001
    """The figure as the exporter styles it, and kaleido's options for PNG and SVG."""
    printed = print_figure(figure)
    return printed.to_dict(), [image_options(printed, fmt) for fmt in ("png", "svg")]


def bare_kaleido(jobs: list[tuple[dict, list[dict]]], repeat: int) -> dict[str, float]:
    """The anchor: kaleido's own calls on the same figures and options.

    cold: one PNG by `calc_fig_sync` with no server (it starts a browser for the image);
    warm: the first figure's PNG and SVG again, each the median of `repeat`, once a
    `start_sync_server` server runs; images: every figure as PNG and SVG through one server,
    its start-up included."""
    fig_dict, (png, svg) = jobs[0]
    start = time.perf_counter()
    kaleido.calc_fig_sync(fig_dict, opts=png)
    cold = _seconds(start)
    start = time.perf_counter()
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    try:
        for job_dict, options in jobs:
            for opts in options:
                kaleido.calc_fig_sync(job_dict, opts=opts)
        images = _seconds(start)
        warm = {}
        for fmt, opts in (("png", png), ("svg", svg)):
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                kaleido.calc_fig_sync(fig_dict, opts=opts)
                runs.append(_seconds(start))
            warm[fmt] = statistics.median(runs)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return {"cold": cold, "png": warm["png"], "svg": warm["svg"], "images": images}


def bench_one_chart(chart, repeat: int) -> dict[str, float]:  # noqa: ANN001
    """Cold: a new exporter's first PNG (browser start-up included). Warm: the same chart again."""
    with Exporter() as exporter:
        start = time.perf_counter()
        exporter.render(chart.figure, "png")
        cold = _seconds(start)
        warm: dict[str, list[float]] = {"png": [], "svg": []}
        for _ in range(repeat):
            for fmt in warm:
                start = time.perf_counter()
                exporter.render(chart.figure, fmt)
                warm[fmt].append(_seconds(start))
    return {"cold": cold, **{fmt: statistics.median(runs) for fmt, runs in warm.items()}}


def bench_pack(con, period, repeat: int) -> tuple[float, pack.PackResult]:  # noqa: ANN001
    """The whole pack as `make pack` builds it: its own browser, started while the data is read."""
    times, result = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-pack-") as out:
            start = time.perf_counter()
            result = pack.build_panel_pack(con, period, Path(out))
            times.append(_seconds(start))
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="database to read (default: the sample, loaded afresh)")
    parser.add_argument("--period", default="2019-01", help="report month, YYYY-MM (default 2019-01)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    browser = find_browser()
    if browser is None:
        print("No Chromium found: install Debian's chromium (apt-get install chromium).", file=sys.stderr)
        return 1
    os.environ.setdefault("BROWSER_PATH", browser)  # the one the exporter uses, for bare kaleido too
    period = datetime.strptime(args.period, "%Y-%m").date()
    print(f"browser: {browser}")
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
            charts = pack.gather_pack_content(con, period).all_charts()
            if not charts:
                print(f"No charts in the pack for {args.period}.", file=sys.stderr)
                return 1
            bare = bare_kaleido([_bare_job(chart.figure) for chart in charts], args.repeat)
            ours = bench_one_chart(charts[0], args.repeat)
            pack_time, result = bench_pack(con, period, args.repeat)
        finally:
            con.close()
    print(f"chart: {charts[0].meta.title}; warm figures are medians of {args.repeat}")
    for key, label in (("cold", "cold PNG (browser start + render)"), ("png", "warm PNG"), ("svg", "warm SVG")):
        against_anchor((f"kaleido bare, {label}", bare[key]), [(f"Exporter, {label}", ours[key])])
    print(f"panel pack for {args.period}: {result.charts} charts (PNG + SVG), {result.tables} tables; "
          f"median of {args.repeat}")
    against_anchor((f"kaleido bare, the {len(charts)} charts as PNG and SVG", bare["images"]),
                   [("whole pack (queries, images, Word, ZIP)", pack_time)])
    for note in result.notes:
        print(f"  note: {note}")
    aims = Aims()
    for fmt in ("png", "svg"):
        aims.at_most(f"one chart as {fmt.upper()}, warm", ours[fmt], WARM_AIM_S,
                     anchor=(f"bare kaleido's warm {fmt.upper()}", bare[fmt]))
    aims.at_most("the whole panel pack", pack_time, PACK_AIM_S,
                 anchor=("bare kaleido's images of the pack", bare["images"]))
    # a pack left without some images was not built in the time shown
    aims.at_least("every chart of the pack rendered", result.charts, len(charts), fmt=lambda n: f"{n:.0f} charts")
    return aims.finish()


if __name__ == "__main__":
    raise SystemExit(main())
