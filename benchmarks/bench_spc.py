"""SPC speed: all four rules and the variation for 10,000 series of 120 months, in one batch.

Run: .venv/bin/python benchmarks/bench_spc.py [--series N] [--months M] [--repeat R]
Prints the best of R runs (the aim is under 5 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import domain  # noqa: E402
from dashboard.spc import SpcSettings, VARIATIONS, spc_batch, spc_table  # noqa: E402


def synthetic_series(n_series: int, months: int, seed: int = 2019) -> np.ndarray:
    """Monthly counts around 500 with a seasonal swing, some drifting, some with a step."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    level = rng.uniform(50, 1000, size=(n_series, 1))
    seasonal = 0.08 * level * np.sin(2 * np.pi * t / 12)
    drift = rng.normal(0, 0.002, size=(n_series, 1)) * level * t
    step = (t >= months // 2) * rng.choice([0, 0, 0, 0.2], size=(n_series, 1)) * level
    return rng.poisson(np.clip(level + seasonal + drift + step, 1, None)).astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    values = synthetic_series(args.series, args.months)
    polarities = [domain.POLARITIES[i % len(domain.POLARITIES)] for i in range(args.series)]
    timings = []
    for settings in (SpcSettings(), SpcSettings(screen_outliers=False), SpcSettings(fix_after=24)):
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            batch = spc_batch(values, polarities, settings)
            best = min(best, time.perf_counter() - start)
        timings.append((settings, best, batch))
    print(f"SPC batch: {args.series:,} series × {args.months} months (best of {args.repeat})")
    for settings, best, batch in timings:
        special = (batch.variation != 0).mean()
        latest = np.bincount(batch.variation[:, -1], minlength=len(VARIATIONS))
        states = ", ".join(f"{name} {count:,}" for name, count in zip(VARIATIONS, latest) if count)
        print(f"  screen_outliers={settings.screen_outliers!s:5} fix_after={settings.fix_after!s:4} "
              f"{best:.3f} s  ({special:.1%} of points special cause; latest: {states})")

    # One series at a time, as the measure view and the exception detection call it.
    periods = [np.datetime64("2015-01", "M") + i for i in range(args.months)]
    singles = min(args.series, 500)
    start = time.perf_counter()
    for row in range(singles):
        spc_table(periods, values[row], polarities[row])
    each = (time.perf_counter() - start) / singles
    print(f"spc_table, one series with its table: {each * 1000:.2f} ms each ({singles} series)")


if __name__ == "__main__":
    main()
