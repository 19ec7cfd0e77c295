"""SPC speed: all four rules and the variation for 10,000 series of 120 months, in one batch.

Run: .venv/bin/python benchmarks/bench_spc.py [--series N] [--months M] [--repeat R]
Prints the best of R runs (the aim is under 5 s for each setting's batch, and for the batch
WITH a target and one known change (rebase) per series, printed beside the same batch without
them, in the same run).

The anchor is the plainest XmR in numpy on the same array: each series' mean, mean moving
range, limits and the points beyond them, with no screening, no other rule and no variation;
each batch is printed beside it with the ratio. Ends with MET or MISSED (benchmarks/aims.py)
and exits 1 when the aim is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.aims import Aims, against_anchor  # noqa: E402
from dashboard import domain  # noqa: E402
from dashboard.spc import ASSURANCES, SpcSettings, VARIATIONS, spc_batch, spc_table  # noqa: E402


BATCH_AIM_S = 5.0


def plain_xmr(values: np.ndarray) -> np.ndarray:
    """The anchor: points beyond mean ± 2.66 × mean moving range, per series, nothing else."""
    mean = values.mean(axis=1, keepdims=True)
    moving_range = np.abs(np.diff(values, axis=1)).mean(axis=1, keepdims=True)
    return (values > mean + 2.66 * moving_range) | (values < mean - 2.66 * moving_range)


def best_of(repeat: int, run) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def synthetic_series(n_series: int, months: int, seed: int = 2019) -> np.ndarray:
    """Monthly counts around 500 with a seasonal swing, some drifting, some with a step."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    level = rng.uniform(50, 1000, size=(n_series, 1))
    seasonal = 0.08 * level * np.sin(2 * np.pi * t / 12)
    drift = rng.normal(0, 0.002, size=(n_series, 1)) * level * t
    step = (t >= months // 2) * rng.choice([0, 0, 0, 0.2], size=(n_series, 1)) * level
    return rng.poisson(np.clip(level + seasonal + drift + step, 1, None)).astype(np.float64)


def targets_and_changes(values: np.ndarray, seed: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """One known change per series at its own month (never the first), and a target per point:
    each series' own level times 0.8 to 1.2, changing once a year (the target in force)."""
    rng = np.random.default_rng(seed)
    n_series, months = values.shape
    breaks = np.zeros(values.shape, dtype=bool)
    breaks[np.arange(n_series), rng.integers(1, months, n_series)] = True
    level = values.mean(axis=1, keepdims=True)
    yearly = rng.uniform(0.8, 1.2, size=(n_series, -(-months // 12)))
    return breaks, (level * np.repeat(yearly, 12, axis=1)[:, :months])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    values = synthetic_series(args.series, args.months)
    polarities = [domain.POLARITIES[i % len(domain.POLARITIES)] for i in range(args.series)]
    anchor = best_of(args.repeat, lambda: plain_xmr(values))
    timings = []
    for settings in (SpcSettings(), SpcSettings(screen_outliers=False), SpcSettings(fix_after=24)):
        best = best_of(args.repeat, lambda: spc_batch(values, polarities, settings))  # noqa: B023
        label = f"spc_batch, screen_outliers={settings.screen_outliers!s:5} fix_after={settings.fix_after!s:4}"
        timings.append((label, best, spc_batch(values, polarities, settings)))
    breaks, target = targets_and_changes(values)
    plain = SpcSettings()
    without = best_of(args.repeat, lambda: spc_batch(values, polarities, plain))
    with_both = best_of(args.repeat, lambda: spc_batch(values, polarities, plain, breaks=breaks, target=target))
    rebased = spc_batch(values, polarities, plain, breaks=breaks, target=target)
    print(f"SPC batch: {args.series:,} series × {args.months} months (best of {args.repeat})")
    for label, _, batch in timings:
        special = (batch.variation != 0).mean()
        latest = np.bincount(batch.variation[:, -1], minlength=len(VARIATIONS))
        states = ", ".join(f"{name} {count:,}" for name, count in zip(VARIATIONS, latest) if count)
        print(f"  {label}  {special:.1%} of points special cause; latest: {states}")
    assured = np.bincount(rebased.assurance, minlength=len(ASSURANCES))
    print("  with a target and one known change per series: latest assurance "
          + ", ".join(f"{name or 'none'} {count:,}" for name, count in zip(ASSURANCES, assured)))
    against_anchor(("the numpy limits alone (anchor)", anchor),
                   [(label, best) for label, best, _ in timings], fmt=lambda v: f"{v:.3f} s")
    print(f"spc_batch with a target and one known change per series: {with_both:.3f} s, beside the same "
          f"batch without them: {without:.3f} s (ratio {with_both / without:.2f})")

    # One series at a time, as the measure view and the exception detection call it.
    periods = [np.datetime64("2015-01", "M") + i for i in range(args.months)]
    singles = min(args.series, 500)
    start = time.perf_counter()
    for row in range(singles):
        spc_table(periods, values[row], polarities[row])
    each = (time.perf_counter() - start) / singles
    print(f"spc_table, one series with its table: {each * 1000:.2f} ms each ({singles} series)")

    aims = Aims()
    label, slowest, _ = max(timings, key=lambda t: t[1])
    aims.at_most(f"SPC batch of {args.series:,} series × {args.months} months, slowest ({' '.join(label.split())})",
                 slowest, BATCH_AIM_S, anchor=("the numpy limits", anchor))
    aims.at_most(f"SPC batch of {args.series:,} series × {args.months} months with a target and one known "
                 "change per series", with_both, BATCH_AIM_S, anchor=("the same batch without them", without))
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
