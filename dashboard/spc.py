"""Statistical process control: XmR charts as NHS England's "Making Data Count" draws them.

The computation follows the R package NHSRplotthedots (`ptd_spc`), the NHS-R Community's
implementation of Making Data Count, so its mean and limits can be checked against it:

* mean of the points; moving ranges |x[i] - x[i-1]|; process limits at
  mean ± 2.66 × mean moving range (2.66 = 3 / d2, d2 = 1.128). Both means are R's `mean()`
  (`r_mean`), and limits and lines are computed in ptd_spc_standard's order, so every comparison
  with the mean, a limit or a two-thirds line comes out as in the package, on decimal data too.
* **Outlier screening is ON by default, as in NHSRplotthedots** (`screen_outliers = TRUE`):
  moving ranges at or above 3.267 × the mean moving range (the upper range limit) are left
  out and the mean moving range is computed again from the rest, so one wild month does not
  widen the limits. NHS England's Making Data Count Excel tool does NOT screen; set
  `SpcSettings(screen_outliers=False)` (CLI `--no-screen-outliers`) to reproduce it.
* `fix_after`: mean and limits from the first N points only (a baseline); the rules are then
  applied to every point against those fixed limits. Default: all points, as NHSRplotthedots.
* Special cause rules, each marking every point that takes part in it:
  - **outside limits**: a point above the upper or below the lower process limit (a point
    exactly on a limit is inside);
  - **shift**: 7 or more consecutive points on the same side of the mean; a point exactly on
    the mean belongs to neither side and breaks the run;
  - **trend**: 7 or more consecutive points each higher (or each lower) than the one before,
    i.e. 6 changes of one sign; an equal neighbour breaks it;
  - **two in three**: 2 of 3 consecutive points beyond two thirds of the way from the mean to
    a limit (inside the limit), with all 3 points on that same side of the mean; only the 2
    (or 3) close points are marked. As in NHSRplotthedots, a point outside the limits does not
    count as close (it is special cause by the first rule already).
* A point's variation comes from the first rule that marks it in the order outside limits,
  trend, two in three, shift (NHSRplotthedots' order); the side (above/below, rising/falling)
  and the measure's polarity make it "special cause improvement" or "special cause concern",
  or for a neutral measure "special cause high" / "special cause low". A point inside two
  trends (a peak or trough) takes the direction of the later trend, as NHSRplotthedots does.
  The latest point's variation is the measure's state.
* Known changes (`KnownChange`, changes*.csv; NHSRplotthedots' `rebase`): each starts a new
  segment at the first point in or after its month, and mean, limits (screening and `fix_after`
  included) and all four rules are computed for each segment as for a series of its own
  (`spc_batch(breaks=...)`); the latest segment's mean and limits are the measure's.
* Assurance (NHSRplotthedots' `ptd_calculate_assurance_type`; `Target`, targets*.csv): the target
  in force at a point against that point's limits: beyond the upper limit, consistently failing
  when higher is better and consistently passing when lower is better; beyond the lower limit
  the reverse; on or between them hit and miss; none for a neutral measure or without a target.
  The latest point's is the measure's assurance.

Where this differs from NHSRplotthedots, on purpose:
* a flat baseline (mean moving range 0) keeps limits equal to the mean; NHSRplotthedots'
  screening removes every moving range there and returns no limits (NaN), so with limits fixed
  on a flat baseline, later points off it are outside limits here and not there;
* a trend's direction comes from the run a point belongs to; NHSRplotthedots reads the step to
  the next point whenever that point is in a trend too, which labels the last point of a rising
  trend followed by an equal value, or by a step back into a new rising trend, "decreasing".
* the short-series warning counts the points the limits are computed from (fewer than 12 by
  default), so fixing limits after 6 points also warns, segment by segment after a change;
* a known change in a month the series skips starts at its next point (NHSRplotthedots matches
  rebase dates exactly and ignores one not in the data); a target may change from a month on
  (the package takes one per series); NHSRplotthedots counts the group's
  points and warns below 13 (`getOption("ptd_spc.warning_threshold", 13)`), though its message
  says "n < 12".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import domain
from dashboard.charts import ChartMeta, finish_figure, ink, legend_below, month_axis, wrap_text
from dashboard.db import connect_readonly, database_path, missing_database_error, query

#: 3 / d2 for moving ranges of two points (d2 = 1.128): the distance of the process limits
#: from the mean, in mean moving ranges.
LIMIT_SCALE = 2.66
#: Two thirds of the way from the mean to a limit (the "2 sigma" line); written as
#: NHSRplotthedots writes it so the arithmetic is the same to the last bit.
NEAR_SCALE = 2 * (LIMIT_SCALE / 3)
#: D4 for moving ranges of two points: the upper range limit used to screen outliers.
SCREEN_SCALE = 3.267
#: Points in a shift or a trend.
RUN_LENGTH = 7

RULE_OUTSIDE = "outside limits"
RULE_TREND = "trend"
RULE_TWO_IN_THREE = "two in three"
RULE_SHIFT = "shift"
#: Rule names in the order they decide a point's variation.
RULES: tuple[str, ...] = (RULE_OUTSIDE, RULE_TREND, RULE_TWO_IN_THREE, RULE_SHIFT)
#: The column of `SpcResult.flags` that marks the points each rule takes in.
RULE_FLAGS: dict[str, str] = {
    RULE_OUTSIDE: "outside_limits", RULE_TREND: "trend", RULE_TWO_IN_THREE: "two_in_three", RULE_SHIFT: "shift",
}

COMMON_CAUSE = "common cause"
SPECIAL_IMPROVEMENT = "special cause improvement"
SPECIAL_CONCERN = "special cause concern"
SPECIAL_HIGH = "special cause high"
SPECIAL_LOW = "special cause low"
#: Variation labels, indexed by the codes in `SpcBatch.variation`.
VARIATIONS: tuple[str, ...] = (COMMON_CAUSE, SPECIAL_IMPROVEMENT, SPECIAL_CONCERN, SPECIAL_HIGH, SPECIAL_LOW)

#: Making Data Count's assurance: where the target sits against the process limits
#: (NHSRplotthedots `ptd_calculate_assurance_type`: consistent_pass, consistent_fail, inconsistent).
ASSURANCE_PASS = "consistently passing"
ASSURANCE_FAIL = "consistently failing"
ASSURANCE_HIT_AND_MISS = "hit and miss"
#: Assurance labels, indexed by the codes in `SpcBatch.assurance`; 0 (None) is no assurance:
#: no target applies, or the measure is neutral.
ASSURANCES: tuple[str | None, ...] = (None, ASSURANCE_PASS, ASSURANCE_FAIL, ASSURANCE_HIT_AND_MISS)
#: What "no assurance" is called, by why there is none.
NO_ASSURANCE_NO_TARGET = "no target"
NO_ASSURANCE_NEUTRAL = "no assurance (neutral measure)"
#: Each assurance in plain words, for a reader who has not met the term.
ASSURANCE_MEANINGS: dict[str, str] = {
    ASSURANCE_PASS: "The target lies outside the process limits on the side the process already "
                    "beats: if nothing changes, every month will meet it.",
    ASSURANCE_FAIL: "The target lies outside the process limits on the side the process cannot "
                    "reach: if nothing changes, no month will meet it.",
    ASSURANCE_HIT_AND_MISS: "The target lies between the process limits: if nothing changes, some "
                            "months will meet it and some will not.",
}

TABLE_COLUMNS: tuple[str, ...] = (
    "period", "value", "mean", "lower_process_limit", "upper_process_limit", "target", "rules", "variation",
    "assurance", "rebase",
)


@dataclass(frozen=True)
class Target:
    """A target in the series' own units, applying from the month `applies_from` on."""

    applies_from: date
    value: float
    text: str | None = None
    #: Where the target was published.
    source: str | None = None
    #: The series area it was set for; "" for every area of the measure.
    area: str = ""


@dataclass(frozen=True)
class KnownChange:
    """A known change (recording practice, a new service, a boundary): limits are computed
    afresh from `month`, the first month of the new segment (NHSRplotthedots' `rebase`)."""

    month: date
    reason: str
    #: The series area it applies to; "" for every area of the measure.
    area: str = ""


@dataclass(frozen=True)
class SpcSettings:
    """How limits are computed; the defaults are NHSRplotthedots'."""

    #: Compute mean and limits from the first N points only; None: from all points.
    fix_after: int | None = None
    #: Leave out moving ranges ≥ 3.267 × mean moving range (NHSRplotthedots: on; the Making
    #: Data Count Excel tool: off).
    screen_outliers: bool = True
    #: Warn when the limits rest on fewer points than this.
    min_points_warning: int = 12

    def __post_init__(self) -> None:
        if self.fix_after is not None and self.fix_after < 2:
            raise ValueError(f"fix_after must be at least 2 (a moving range needs two points), got {self.fix_after}")


def target_applying(targets: Sequence[Target], month: date) -> Target | None:
    """The target in force in `month`: the one with the latest applies_from on or before it."""
    applying = [t for t in targets if t.applies_from <= month]
    return max(applying, key=lambda t: t.applies_from) if applying else None


def improvement_sign(polarity: str) -> int:
    """+1 when higher is better, -1 when lower is better, 0 for a neutral measure."""
    signs = {domain.HIGHER_IS_BETTER: 1, domain.LOWER_IS_BETTER: -1, domain.NEUTRAL: 0}
    if polarity not in signs:
        raise ValueError(f"unknown polarity {polarity!r}; expected one of {', '.join(domain.POLARITIES)}")
    return signs[polarity]


@dataclass(frozen=True)
class SpcBatch:
    """XmR results for S series of N points each; 2-D arrays are (S, N).

    With known changes (`breaks`) each series is cut into segments, each with its own mean and
    limits (`point_mean`, `point_lower`, `point_upper`); `mean` and the limits (S,) are then
    the latest segment's, the ones the latest point and the assurance are judged against.
    """

    mean: np.ndarray                 # (S,) the latest segment's
    lower_process_limit: np.ndarray  # (S,)
    upper_process_limit: np.ndarray  # (S,)
    outside_limits: np.ndarray       # bool
    trend: np.ndarray                # bool: part of a 7-point trend
    two_in_three: np.ndarray         # bool
    shift: np.ndarray                # bool: part of 7 points on one side of the mean
    signal: np.ndarray               # int8: +1 above/rising, -1 below/falling, 0 common cause
    variation: np.ndarray            # int8: index into VARIATIONS
    limit_points: int                # points the limits were computed from (no known change)
    side: np.ndarray                 # int8: sign(value - mean), 0 exactly on the mean
    close: np.ndarray                # bool: beyond two thirds of the way to a limit, not outside
    point_mean: np.ndarray = field(default=None, repr=False)   # (S, N) each point's segment's mean
    point_lower: np.ndarray = field(default=None, repr=False)  # (S, N)
    point_upper: np.ndarray = field(default=None, repr=False)  # (S, N)
    segment: np.ndarray = field(default=None, repr=False)      # (S, N) int: 0 before any change
    assurance: np.ndarray = field(default=None, repr=False)    # (S,) int8: index into ASSURANCES


def _window_sum(flags: np.ndarray, width: int) -> np.ndarray:
    """Sums over every run of `width` consecutive columns; column s covers s .. s+width-1."""
    n = flags.shape[1]
    if n < width:
        return np.zeros((flags.shape[0], 0), dtype=np.int32)
    cumulative = np.zeros((flags.shape[0], n + 1), dtype=np.int32)
    np.cumsum(flags, axis=1, dtype=np.int32, out=cumulative[:, 1:])
    return cumulative[:, width:] - cumulative[:, :-width]


def _covered(window_starts: np.ndarray, width: int, n: int) -> np.ndarray:
    """Points inside at least one flagged window (window s covers points s .. s+width-1)."""
    padded = np.zeros((window_starts.shape[0], n + width - 1), dtype=np.int32)
    padded[:, width - 1: width - 1 + window_starts.shape[1]] = window_starts
    return _window_sum(padded, width) > 0


def r_mean(values: np.ndarray, kept: np.ndarray | None = None) -> np.ndarray:
    """Each row's mean (of its `kept` entries) as R's `mean()` computes a double vector.

    R's `real_mean` (src/main/summary.c) sums in a long double, one element after another,
    divides by n, then adds the mean of the residuals, `t += x[i] - s; s += t/n`, also in long
    double, and rounds the result to a double once. `np.longdouble` is that 80-bit type on
    x86-64 Linux, and the columns are added one at a time because numpy's own sum is pairwise.
    A decimal series whose mean is one of its values (0.2, 0.3, ..., mean 0.1) then has that
    value as its mean to the last bit, as in NHSRplotthedots, where numpy's mean can miss it by
    one unit in the last place. An empty row's mean is NaN, as in R. Entries not kept count
    as exact zeros in the sums, which leaves them as R's sum of the kept entries alone.
    """
    n_rows, n_cols = values.shape
    count = np.full(n_rows, n_cols, dtype=np.int64) if kept is None else kept.sum(axis=1)
    wide = values.astype(np.longdouble)
    if kept is not None:
        wide = np.where(kept, wide, np.longdouble(0))
    if n_cols == 0:
        return np.full(n_rows, np.nan)
    # A cumulative sum adds one element after another (np.sum would add pairwise).
    total = np.cumsum(wide, axis=1)[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        first = total / count
        residuals = wide - first[:, None]
        if kept is not None:
            residuals = np.where(kept, residuals, np.longdouble(0))
        # R refines only a finite first pass (an overflowed sum stays as it is).
        refined = np.where(np.isfinite(first.astype(np.float64)),
                           first + np.cumsum(residuals, axis=1)[:, -1] / count, first)
    return refined.astype(np.float64)


def _mean_moving_range(base: np.ndarray, screen_outliers: bool, kept: np.ndarray | None = None) -> np.ndarray:
    """Mean moving range per series, optionally screened as NHSRplotthedots does (R's mean).

    `kept`: the points of each row the limits rest on, a prefix of the row (None: all)."""
    if base.shape[1] < 2:
        return np.full(base.shape[0], np.nan)
    moving_ranges = np.abs(np.diff(base, axis=1))
    # A moving range needs both its points (kept is a prefix, so its second point will do).
    range_kept = None if kept is None else kept[:, 1:]
    mean_range = r_mean(moving_ranges, range_kept)
    if not screen_outliers:
        return mean_range
    below = moving_ranges < SCREEN_SCALE * mean_range[:, None]
    screened_kept = below if range_kept is None else below & range_kept
    screened = r_mean(moving_ranges, screened_kept)
    # With a mean moving range of 0 nothing is kept: the limits stay on the mean.
    return np.where(screened_kept.any(axis=1), screened, mean_range)


def _masked_steps(values: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """sign(x[i+1] - x[i]); 0 where the step runs into a segment's padding."""
    steps = np.sign(np.diff(values, axis=1)).astype(np.int8)
    if valid is not None:
        steps = np.where(valid[:, 1:], steps, 0).astype(np.int8)
    return steps


def _trend_points(steps: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points inside a rising and inside a falling 7-point trend."""
    changes = RUN_LENGTH - 1
    rising = _window_sum(steps == 1, changes) == changes
    falling = _window_sum(steps == -1, changes) == changes
    return _covered(rising, RUN_LENGTH, n), _covered(falling, RUN_LENGTH, n)


def _trend_signal(steps: np.ndarray, in_rising: np.ndarray, in_falling: np.ndarray) -> np.ndarray:
    """+1/-1 for points in a trend; a point in both (peak or trough) follows the later trend."""
    steps_after = np.zeros(in_rising.shape, dtype=np.int8)
    steps_after[:, :-1] = steps
    signal = in_rising.astype(np.int8) - in_falling.astype(np.int8)
    return np.where(in_rising & in_falling, steps_after, signal).astype(np.int8)


@dataclass(frozen=True)
class _Rules:
    """The rules for G rows of up to L points: a whole series each, or a segment each."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    outside: np.ndarray
    trend: np.ndarray
    two_in_three: np.ndarray
    shift: np.ndarray
    signal: np.ndarray
    side: np.ndarray
    close: np.ndarray


def _rules(values: np.ndarray, settings: SpcSettings, lengths: np.ndarray | None = None) -> _Rules:
    """Mean, limits and the four rules per row. `lengths`: each row's points, the rest of the
    row padding (a segment shorter than the longest); None: every point of every row."""
    n_rows, n = values.shape
    if lengths is None:
        valid = kept = None
        limit_points = n if settings.fix_after is None else min(settings.fix_after, n)
        base = values[:, :limit_points]
        mean = r_mean(base)  # NaN for no points
        mean_range = _mean_moving_range(base, settings.screen_outliers)
    else:
        positions = np.arange(n)
        valid = positions < lengths[:, None]
        used = lengths if settings.fix_after is None else np.minimum(lengths, settings.fix_after)
        kept = positions < used[:, None]
        mean = r_mean(values, kept)
        mean_range = _mean_moving_range(values, settings.screen_outliers, kept)
    lower, upper = mean - LIMIT_SCALE * mean_range, mean + LIMIT_SCALE * mean_range
    near_lower, near_upper = mean - NEAR_SCALE * mean_range, mean + NEAR_SCALE * mean_range

    outside = (values > upper[:, None]) | (values < lower[:, None])
    side = np.sign(values - mean[:, None]).astype(np.int8)
    close = ~outside & ((values < near_lower[:, None]) | (values > near_upper[:, None]))
    if valid is not None:  # padding is on no side and near no limit, so it ends every run
        outside &= valid
        close &= valid
        side = np.where(valid, side, 0).astype(np.int8)

    shift_windows = np.abs(_window_sum(side, RUN_LENGTH)) == RUN_LENGTH
    shift = _covered(shift_windows, RUN_LENGTH, n)
    steps = _masked_steps(values, valid)
    in_rising, in_falling = _trend_points(steps, n)
    trend = in_rising | in_falling
    two_windows = (_window_sum(close, 3) >= 2) & (np.abs(_window_sum(side, 3)) == 3)
    two_in_three = _covered(two_windows, 3, n) & close

    signal = np.where(
        outside, side,
        np.where(trend, _trend_signal(steps, in_rising, in_falling),
                 np.where(two_in_three | shift, side, 0)),
    ).astype(np.int8)
    return _Rules(mean, lower, upper, outside, trend, two_in_three, shift, signal, side, close)


def segment_numbers(breaks: np.ndarray) -> np.ndarray:
    """Each point's segment, 0 before the first change: breaks (S, N) marks the points that
    begin a new segment (a mark on a series' first point changes nothing)."""
    starts = np.asarray(breaks, dtype=bool).copy()
    if starts.shape[1]:
        starts[:, 0] = False
    return np.cumsum(starts, axis=1)


def _segmented_rules(values: np.ndarray, breaks: np.ndarray, settings: SpcSettings) -> tuple[_Rules, np.ndarray,
                                                                                            tuple[np.ndarray, ...]]:
    """The rules computed segment by segment, as NHSRplotthedots groups by `rebase_group`:
    every segment becomes a row of its own (left-aligned, padded), so its mean, moving ranges
    and runs start afresh, then the results go back to their series' places."""
    n_series, n = values.shape
    segment = segment_numbers(breaks)
    per_series = segment[:, -1] + 1
    first_row = np.concatenate([[0], np.cumsum(per_series)[:-1]])
    row_of = first_row[:, None] + segment                      # (S, N) the segment's row
    rows = int(per_series.sum())
    lengths = np.bincount(row_of.ravel(), minlength=rows)
    # A segment's first column in its series: its points' count before it in the series.
    starts_in_series = np.zeros(rows, dtype=np.int64)
    is_start = np.ones((n_series, n), dtype=bool)
    is_start[:, 1:] = segment[:, 1:] != segment[:, :-1]
    start_cols = np.broadcast_to(np.arange(n), (n_series, n))[is_start]
    starts_in_series[row_of[is_start]] = start_cols
    position = np.arange(n)[None, :] - starts_in_series[row_of]  # (S, N) index within its segment
    width = int(lengths.max()) if rows else 0
    packed = np.zeros((rows, width), dtype=np.float64)
    packed[row_of, position] = values
    rules = _rules(packed, settings, lengths)
    gather = (row_of, position)
    unpacked = _Rules(
        rules.mean[row_of], rules.lower[row_of], rules.upper[row_of],
        *(getattr(rules, name)[gather] for name in
          ("outside", "trend", "two_in_three", "shift", "signal", "side", "close")),
    )
    return unpacked, segment, gather


def spc_batch(
    values: np.ndarray,
    polarity: str | Sequence[str],
    settings: SpcSettings = SpcSettings(),
    *,
    breaks: np.ndarray | None = None,
    target: np.ndarray | None = None,
) -> SpcBatch:
    """All four rules, the variation and the assurance for S series of N points (one row each).

    `breaks` (S, N) bool marks the points that begin new limits after a known change
    (NHSRplotthedots' `rebase`); `target` is each series' target, (S,) or per point (S, N),
    NaN where none applies: the assurance judges the latest point's target against the latest
    segment's limits (`ptd_calculate_assurance_type`)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (series × points), got {values.ndim}-D")
    if not np.isfinite(values).all():
        raise ValueError("values must be finite numbers (no NaN or infinity)")
    n_series, n = values.shape
    if isinstance(polarity, str):
        improvement = np.full(n_series, improvement_sign(polarity), dtype=np.int8)
    else:
        improvement = np.array([improvement_sign(p) for p in polarity], dtype=np.int8)
        if improvement.shape != (n_series,):
            raise ValueError(f"{len(improvement)} polarities for {n_series} series")
    limit_points = n if settings.fix_after is None else min(settings.fix_after, n)

    if breaks is not None:
        breaks = np.asarray(breaks, dtype=bool)
        if breaks.shape != values.shape:
            raise ValueError(f"breaks must have the values' shape {values.shape}, got {breaks.shape}")
    if breaks is not None and n > 1 and breaks[:, 1:].any():
        rules, segment, _ = _segmented_rules(values, breaks, settings)
        point_mean, point_lower, point_upper = rules.mean, rules.lower, rules.upper
        last = (slice(None), -1)
        mean, lower, upper = point_mean[last], point_lower[last], point_upper[last]
    else:
        rules = _rules(values, settings)
        segment = np.zeros((n_series, n), dtype=np.int64)
        mean, lower, upper = rules.mean, rules.lower, rules.upper
        point_mean, point_lower, point_upper = (np.broadcast_to(a[:, None], (n_series, n))
                                                for a in (mean, lower, upper))
    if target is None or n == 0:
        latest_target = np.full(n_series, np.nan)
    else:
        target = np.asarray(target, dtype=np.float64)
        if target.shape not in ((n_series,), (n_series, n)):
            raise ValueError(f"target must be ({n_series},) or ({n_series}, {n}), got {target.shape}")
        latest_target = target if target.ndim == 1 else target[:, -1]
    return SpcBatch(mean, lower, upper, rules.outside, rules.trend, rules.two_in_three, rules.shift, rules.signal,
                    _variation_codes(rules.signal, improvement), limit_points, rules.side, rules.close,
                    point_mean, point_lower, point_upper, segment,
                    assurance_codes(latest_target, lower, upper, improvement))


def assurance_codes(target: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                    improvement: np.ndarray) -> np.ndarray:
    """Codes into ASSURANCES, elementwise, as NHSRplotthedots' `ptd_calculate_assurance_type`:
    a target above the upper limit fails when higher is better and passes when lower is
    better; below the lower limit the reverse; on or between the limits, hit and miss. No
    target (NaN), no limits (NaN) or a neutral measure (improvement 0): 0, no assurance."""
    target, lower, upper = (np.asarray(a, dtype=np.float64) for a in (target, lower, upper))
    improvement = np.asarray(improvement)
    above, below = target > upper, target < lower
    rising = improvement > 0
    codes = np.select(
        [above & rising, above, below & rising, below],
        [2, 1, 1, 2],
        default=3,
    )
    judged = ~np.isnan(target) & ~np.isnan(lower) & ~np.isnan(upper) & (improvement != 0)
    return np.where(judged, codes, 0).astype(np.int8)


def _variation_codes(signal: np.ndarray, improvement: np.ndarray) -> np.ndarray:
    """Codes into VARIATIONS: improvement/concern by polarity, high/low for neutral measures."""
    oriented = signal * improvement[:, None]
    neutral = (improvement == 0)[:, None]
    codes = np.select(
        [signal == 0, neutral & (signal > 0), neutral & (signal < 0), oriented > 0],
        [0, 3, 4, 1],
        default=2,
    )
    return codes.astype(np.int8)


@dataclass(frozen=True)
class SpcResult:
    """One series' XmR table, its short-series warning, its state (the latest variation) and
    its assurance (the latest point's target against the latest segment's limits)."""

    table: pd.DataFrame
    warning: str | None
    state: str | None
    polarity: str
    settings: SpcSettings
    #: Per point: outside_limits, trend, two_in_three, shift (bool) and signal (+1/-1/0).
    flags: pd.DataFrame = field(repr=False)
    #: The latest point's assurance (ASSURANCES), None without a target or for a neutral measure.
    assurance: str | None = None
    #: The known changes that start a segment, in order (a change before the second point or
    #: after the last does nothing and is not here).
    changes: tuple[KnownChange, ...] = ()
    #: Each segment's first and last row index.
    segments: tuple[tuple[int, int], ...] = ()
    #: The targets given, in order of applies_from.
    targets: tuple[Target, ...] = ()

    def _latest(self, column: str) -> float:
        return float(self.table[column].iloc[-1]) if len(self.table) else float("nan")

    @property
    def mean(self) -> float:
        """The latest segment's mean (the only one without a known change)."""
        return self._latest("mean")

    @property
    def lower_process_limit(self) -> float:
        return self._latest("lower_process_limit")

    @property
    def upper_process_limit(self) -> float:
        return self._latest("upper_process_limit")

    @property
    def target(self) -> float | None:
        """The target in force at the latest point, None when none is."""
        latest = self._latest("target")
        return None if np.isnan(latest) else latest


def rules_at(result: SpcResult, index: int) -> list[str]:
    """The rules that mark the point at `index`, in the order they decide its variation."""
    point = result.flags.iloc[index]
    return [rule for rule in RULES if bool(point[RULE_FLAGS[rule]])]


def short_series_warning(points_used: int, total: int, settings: SpcSettings) -> str | None:
    """The warning shown when the limits rest on too few points."""
    if points_used >= settings.min_points_warning:
        return None
    if points_used < total:
        return (f"Limits fixed after {points_used} points, fewer than the {settings.min_points_warning} "
                "recommended: treat them as trial limits.")
    if points_used == 0:
        return "No points: no mean or limits to show."
    counted = "1 point" if points_used == 1 else f"{points_used} points"
    return (f"Only {counted}, fewer than the {settings.min_points_warning} recommended: "
            "trial limits that will change as months are added.")


def _change_words(change: KnownChange) -> str:
    return f"the change in {domain.format_month(change.month)} ({change.reason})"


def segment_warning(index: int, points: int, changes: Sequence[KnownChange], settings: SpcSettings,
                    last: bool) -> str | None:
    """The warning for segment `index` of `points` points when its limits rest on too few."""
    used = points if settings.fix_after is None else min(points, settings.fix_after)
    if used >= settings.min_points_warning:
        return None
    counted = "1 point" if used == 1 else f"{used} points"
    where = (f"before {_change_words(changes[0])}" if index == 0
             else f"from {_change_words(changes[index - 1])}")
    if used < points:
        return (f"Limits {where} fixed after {counted}, fewer than the {settings.min_points_warning} "
                "recommended: treat them as trial limits.")
    then = "trial limits that will change as months are added" if last else "trial limits for those months"
    return f"Only {counted} {where}, fewer than the {settings.min_points_warning} recommended: {then}."


def _rules_text(batch: SpcBatch) -> list[str]:
    flags = (batch.outside_limits[0], batch.trend[0], batch.two_in_three[0], batch.shift[0])
    return ["; ".join(name for name, fired in zip(RULES, point) if fired) for point in zip(*flags)]


def _month_stamps(periods: Sequence) -> np.ndarray:
    """Periods (dates, Timestamps or numpy months) as datetime64[D] for comparing with months."""
    return pd.to_datetime(pd.Series(list(periods))).to_numpy(dtype="datetime64[D]")


def applied_changes(periods: Sequence, changes: Sequence[KnownChange]) -> tuple[np.ndarray, tuple[KnownChange, ...]]:
    """Where known changes cut a sorted series: a change begins the new limits at the first
    point in or after its month. One before the second point or after the last cuts nothing;
    two landing on one point are one cut, their reasons joined."""
    breaks = np.zeros(len(periods), dtype=bool)
    if not changes or len(periods) < 2:
        return breaks, ()
    stamps = _month_stamps(periods)
    at: dict[int, list[KnownChange]] = {}
    for change in sorted(changes, key=lambda c: c.month):
        index = int(np.searchsorted(stamps, np.datetime64(change.month, "D"), side="left"))
        if 0 < index < len(periods):
            at.setdefault(index, []).append(change)
    applied = []
    for index in sorted(at):
        breaks[index] = True
        group = at[index]
        applied.append(group[0] if len(group) == 1 else
                       KnownChange(group[0].month, "; ".join(c.reason for c in group), group[0].area))
    return breaks, tuple(applied)


def target_values(periods: Sequence, targets: Sequence[Target]) -> np.ndarray:
    """The target in force at each period (NaN where none is yet)."""
    values = np.full(len(periods), np.nan)
    if not targets or not len(periods):
        return values
    ordered = sorted(targets, key=lambda t: t.applies_from)
    starts = np.array([np.datetime64(t.applies_from, "D") for t in ordered])
    index = np.searchsorted(starts, _month_stamps(periods), side="right") - 1
    known = index >= 0
    values[known] = np.array([t.value for t in ordered])[index[known]]
    return values


def spc_table(
    periods: Sequence[date],
    values: Sequence[float],
    polarity: str,
    settings: SpcSettings = SpcSettings(),
    *,
    targets: Sequence[Target] = (),
    changes: Sequence[KnownChange] = (),
) -> SpcResult:
    """The XmR table of one series: mean, limits, target, rules fired, variation, assurance and
    the known change that rebased the limits, per point."""
    if len(periods) != len(values):
        raise ValueError(f"{len(periods)} periods but {len(values)} values")
    frame = pd.DataFrame({"period": list(periods), "value": np.asarray(values, dtype=np.float64)})
    if frame["period"].duplicated().any():
        repeated = frame.loc[frame["period"].duplicated(), "period"].iloc[0]
        raise ValueError(f"period {repeated} appears more than once")
    frame = frame.sort_values("period", kind="stable").reset_index(drop=True)
    n = len(frame)
    breaks, applied = applied_changes(list(frame["period"]), changes)
    target = target_values(list(frame["period"]), targets)
    batch = spc_batch(frame["value"].to_numpy()[None, :], polarity, settings,
                      breaks=breaks[None, :], target=target[None, :])
    frame["mean"] = batch.point_mean[0]
    frame["lower_process_limit"] = batch.point_lower[0]
    frame["upper_process_limit"] = batch.point_upper[0]
    frame["target"] = target
    frame["rules"] = pd.Series(_rules_text(batch), dtype=object)
    frame["variation"] = pd.Series([VARIATIONS[c] for c in batch.variation[0]], dtype=object)
    # Each point's target against its own segment's limits; the latest is the series' assurance.
    codes = assurance_codes(target, batch.point_lower[0], batch.point_upper[0],
                            np.full(n, improvement_sign(polarity)))
    frame["assurance"] = pd.Series([ASSURANCES[c] for c in codes], dtype=object)
    reasons = {i: c.reason for i, c in zip(np.flatnonzero(breaks), applied)}
    frame["rebase"] = pd.Series([reasons.get(i, "") for i in range(n)], dtype=object)
    flags = pd.DataFrame({
        "outside_limits": batch.outside_limits[0],
        "trend": batch.trend[0],
        "two_in_three": batch.two_in_three[0],
        "shift": batch.shift[0],
        "signal": batch.signal[0],
    })
    bounds = [0, *np.flatnonzero(breaks).tolist(), n]
    segments = tuple((bounds[i], bounds[i + 1] - 1) for i in range(len(bounds) - 1)) if n else ()
    if applied:
        found = [segment_warning(i, last - first + 1, applied, settings, i == len(segments) - 1)
                 for i, (first, last) in enumerate(segments)]
        warning = " ".join(w for w in found if w) or None
    else:
        warning = short_series_warning(batch.limit_points, n, settings)
    return SpcResult(
        table=frame.loc[:, list(TABLE_COLUMNS)],
        warning=warning,
        state=frame["variation"].iloc[-1] if n else None,
        polarity=polarity,
        settings=settings,
        flags=flags,
        assurance=ASSURANCES[int(batch.assurance[0])],  # code 0, no assurance, for no points
        changes=applied,
        segments=segments,
        targets=tuple(sorted(targets, key=lambda t: t.applies_from)),
    )


# --- Chart ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Marking:
    """How special cause points of one kind are drawn: never by colour alone."""

    label: str
    symbol: str
    icon: str
    colour: str


def _markings() -> dict[str, _Marking]:
    styles = domain.DIRECTION_STYLES
    return {
        SPECIAL_IMPROVEMENT: _Marking("Special cause improvement", "diamond", styles[domain.BETTER].icon,
                                      styles[domain.BETTER].colour),
        SPECIAL_CONCERN: _Marking("Special cause concern", "square", styles[domain.WORSE].icon,
                                  styles[domain.WORSE].colour),
        SPECIAL_HIGH: _Marking("Special cause high", "triangle-up", styles[domain.HIGHER].icon,
                               styles[domain.HIGHER].colour),
        SPECIAL_LOW: _Marking("Special cause low", "triangle-down", styles[domain.LOWER].icon,
                              styles[domain.LOWER].colour),
    }


VALUE_COLOUR = "#1A1A1A"
LIMIT_COLOUR = "#595959"
#: The target line: blue (Okabe-Ito) and dotted, told from the grey limits by dash and label too.
TARGET_COLOUR = "#0072B2"
#: The break at a known change.
CHANGE_COLOUR = "#1A1A1A"


def _figure(value: float) -> str:
    return f"{value:,.1f}"


def _target_figure(value: float) -> str:
    """A target as set: 10,500 and 45.5, not 10,500.0 (limits and means keep one decimal)."""
    return f"{value:,.10g}"


def _target_words(result: SpcResult) -> str:
    """The targets in words: 'target 9,500 from Apr 2023' (for a result with targets)."""
    spells = [f"{_target_figure(t.value)} from {domain.format_month(t.applies_from)}" for t in result.targets]
    return "target " + ", then ".join(spells)


def assurance_sentence(result: SpcResult) -> str:
    """The assurance in words, with the target and limits it rests on."""
    if result.target is None:
        return "no target applies at the latest point" if result.targets else "no target"
    if result.assurance is None:
        return f"target {_target_figure(result.target)}; no assurance (neutral measure)"
    return (f"target {_target_figure(result.target)} against process limits {_figure(result.lower_process_limit)} "
            f"to {_figure(result.upper_process_limit)}: {result.assurance}")


def change_sentences(result: SpcResult) -> list[str]:
    """Each known change and the limits either side of it, in words."""
    table = result.table
    sentences = []
    for change, (first, _) in zip(result.changes, result.segments[1:]):
        before, after = table.iloc[first - 1], table.iloc[first]
        sentences.append(
            f"limits computed afresh from {domain.format_month(after['period'])} after a known change "
            f"({change.reason}): mean {_figure(before['mean'])} before, {_figure(after['mean'])} after")
    return sentences


def _default_alt(result: SpcResult) -> str:
    table = result.table
    if table.empty:
        return "XmR chart with no points."
    first, last = table["period"].iloc[0], table["period"].iloc[-1]
    scope = "latest " if result.changes else ""
    parts = [f"XmR chart of {len(table)} monthly values from {domain.format_month(first)} to "
             f"{domain.format_month(last)}; {scope}mean "
             f"{result.mean:,.1f}, process limits {result.lower_process_limit:,.1f} to "
             f"{result.upper_process_limit:,.1f}; latest point: {result.state}"]
    return "; ".join(parts + _known_context(result)) + "."


def _known_context(result: SpcResult) -> list[str]:
    """The known changes and the target in words: what a reader of the alt text cannot see."""
    parts = change_sentences(result)
    if result.targets:
        parts.append(f"{_target_words(result)}; assurance: {assurance_sentence(result)}")
    return parts


def _alt_text(meta: ChartMeta, result: SpcResult) -> str:
    """The caller's description, with the known changes and target added where the chart draws
    them; else the chart's own description."""
    if not meta.alt:
        return _default_alt(result)
    return " ".join([meta.alt, *(f"{part[0].upper()}{part[1:]}." for part in _known_context(result))])


#: Right-edge line labels are set at least this share of the drawn range apart: 16 px of a plot
#: area taken as 150 px, what a 480 px chart keeps on a 358 px phone once its wrapped title and
#: legend are drawn (wider, the labels are further apart than they need to be, never closer).
LABEL_GAP_SHARE = 16 / 150


def spread_labels(ys: Sequence[float], gap: float) -> list[float]:
    """Label heights at least `gap` apart, in the order given: labels that would touch form a
    group centred on its lines' mean (so they move down as well as up); the others stay put."""
    groups: list[list[int]] = []  # indices of ys, lowest first, each group evenly `gap` apart

    def bottom(group: list[int]) -> float:
        return sum(ys[i] for i in group) / len(group) - gap * (len(group) - 1) / 2

    for index in sorted(range(len(ys)), key=lambda i: ys[i]):
        groups.append([index])
        while len(groups) > 1 and bottom(groups[-2]) + gap * len(groups[-2]) > bottom(groups[-1]) + 1e-12:
            groups[-2:] = [groups[-2] + groups[-1]]
    heights = [0.0] * len(ys)
    for group in groups:
        for k, index in enumerate(group):
            heights[index] = bottom(group) + gap * k
    return heights


def _label_line_ends(fig: go.Figure, table: pd.DataFrame, drawn: np.ndarray) -> None:
    """Name each line at its right-hand end (mean, limits, target), the names kept apart."""
    labels = [(name, float(table[column].iloc[-1]), LIMIT_COLOUR) for name, column in (
        ("Mean", "mean"), ("Upper process limit", "upper_process_limit"), ("Lower process limit", "lower_process_limit"))]
    if table["target"].notna().any():
        labels.append(("Target", float(table["target"].dropna().iloc[-1]), ink(TARGET_COLOUR)))
    labels = [label for label in labels if np.isfinite(label[1])]
    if not labels:
        return
    span = float(np.nanmax(drawn) - np.nanmin(drawn)) if np.isfinite(drawn).any() else 0.0
    heights = spread_labels([y for _, y, _ in labels], (span or 1.0) * LABEL_GAP_SHARE)
    for (name, _, colour), height in zip(labels, heights):
        fig.add_annotation(x=table["period"].iloc[-1], y=height, text=name, showarrow=False, xanchor="left",
                           xshift=6, font={"size": 11, "color": colour})


def _segment_line(table: pd.DataFrame, column: str, segments: Sequence[tuple[int, int]]) -> tuple[list, list]:
    """x and y of a line that stops at each known change (None between segments)."""
    xs: list = []
    ys: list = []
    for index, (first, last) in enumerate(segments):
        if index:
            xs.append(None)
            ys.append(None)
        xs += list(table["period"].iloc[first:last + 1])
        ys += list(table[column].iloc[first:last + 1])
    return xs, ys


def build_spc_figure(result: SpcResult, meta: ChartMeta) -> go.Figure:
    """The XmR chart: values, mean and limits as labelled lines, special cause by shape, icon and
    colour; a target as a labelled dotted line; a known change as a labelled break in the limits."""
    table = result.table
    segments = result.segments
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=table["period"], y=table["value"], name="Value", mode="lines+markers",
        line={"color": VALUE_COLOUR, "width": 2}, marker={"size": 5, "color": VALUE_COLOUR},
        customdata=table[["rules", "variation"]].to_numpy(),
        hovertemplate="%{x|%b %Y}: %{y:,}<br>%{customdata[1]}<br>%{customdata[0]}<extra></extra>",
    ))
    for name, column, dash in (
        ("Mean", "mean", "solid"),
        ("Upper process limit", "upper_process_limit", "dash"),
        ("Lower process limit", "lower_process_limit", "dash"),
    ):
        xs, ys = _segment_line(table, column, segments)
        fig.add_trace(go.Scatter(  # Plotly leaves the gaps between segments: the line stops at a change
            x=xs, y=ys, name=name, mode="lines",
            line={"color": LIMIT_COLOUR, "width": 1.5, "dash": dash}, hoverinfo="skip",
        ))
    for variation, marking in _markings().items():
        points = table[table["variation"] == variation]
        if points.empty:
            continue
        # The icon stands over the first point of each run of this kind: over every point of a
        # run, icons a month apart overprint each other on a phone. Every point keeps its shape.
        previous = table["variation"].shift(1).loc[points.index]
        icons = [marking.icon if before != variation else "" for before in previous]
        fig.add_trace(go.Scatter(
            x=points["period"], y=points["value"], name=f"{marking.label} ({marking.icon})",
            mode="markers+text", text=icons, textposition="top center", cliponaxis=False,  # an icon over the top point shows whole
            textfont={"color": ink(marking.colour), "size": 13},
            marker={"symbol": marking.symbol, "size": 12, "color": marking.colour,
                    "line": {"color": "#FFFFFF", "width": 1}},
            customdata=points[["rules"]].to_numpy(),
            hovertemplate=f"%{{x|%b %Y}}: %{{y:,}}<br>{marking.label}<br>%{{customdata[0]}}<extra></extra>",
        ))
    if len(table) and table["target"].notna().any():
        fig.add_trace(go.Scatter(
            x=table["period"], y=table["target"], name="Target", mode="lines",  # no line where no target applies
            line={"color": TARGET_COLOUR, "width": 2, "dash": "dot", "shape": "hv"},
            hovertemplate="%{x|%b %Y}: target %{y:,}<extra></extra>",
        ))
    drawn = table[["value", "lower_process_limit", "upper_process_limit", "target"]].to_numpy(dtype=float)
    if len(table):
        _label_line_ends(fig, table, drawn)
    for change, (first, _) in zip(result.changes, segments[1:]):
        # Half-way between the last month before the change and its first month, top to bottom;
        # a trace, not a shape, so the legend names the change and its reason in words.
        before, after = pd.Timestamp(table["period"].iloc[first - 1]), pd.Timestamp(table["period"].iloc[first])
        at = before + (after - before) / 2
        low, high = np.nanmin(drawn), np.nanmax(drawn)
        words = f"Known change from {domain.format_month(after)}: {change.reason}"
        fig.add_trace(go.Scatter(
            x=[at, at], y=[low, high], name=wrap_text(words, 34), mode="lines",  # a phone-wide legend
            line={"color": CHANGE_COLOUR, "width": 1.5, "dash": "longdash"},
            hovertemplate=f"{wrap_text(words, 40)}<extra></extra>",
        ))
        # A short label at the top, where the limits leave room; the reason is in the legend.
        fig.add_annotation(x=at, y=high, yanchor="bottom", xanchor="left", xshift=3, showarrow=False,
                           text=f"Change ({domain.format_month(after)})", font={"size": 11, "color": CHANGE_COLOUR})
    warning = f"⚠ {result.warning}" if result.warning else ""
    assured = f"Assurance: {assurance_sentence(result)}" if result.targets else ""
    subtitle = " · ".join(part for part in (meta.subtitle, assured, warning) if part)
    fig.update_yaxes(title_text=None, tickformat=",")
    if len(table):
        fig.update_xaxes(**month_axis(table["period"].iloc[0], table["period"].iloc[-1]))
        # Half a month either side, so the line labels do not push the axis a month on.
        half_month = pd.Timedelta(days=15)
        fig.update_xaxes(range=[pd.Timestamp(table["period"].iloc[0]) - half_month,
                                pd.Timestamp(table["period"].iloc[-1]) + half_month])
    finished = finish_figure(fig, ChartMeta(meta.title, subtitle, meta.source, _alt_text(meta, result)))
    finished.update_layout(margin={"r": 140}, height=480)  # room for the line labels on the right
    return legend_below(finished)


# --- Command line --------------------------------------------------------------------------------

# SQL is kept out of the functions: DuckDB reads it in any letter case (docs/TESTING.md).
_SERIES_SQL = "SELECT period, value FROM series WHERE measure = ? AND area = ? ORDER BY period"
_AREAS_SQL = "SELECT DISTINCT area FROM series WHERE measure = ? ORDER BY area"
_MEASURES_SQL = "SELECT DISTINCT measure FROM series ORDER BY measure"
_POLARITY_SQL = "SELECT polarity FROM measures WHERE measure = ? ORDER BY period DESC LIMIT 1"


def _known(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[str]:
    """The first column of a query, as text: names to list in an error message."""
    return [str(v) for v in query(con, sql, params).iloc[:, 0]]


def add_spc_options(parser: argparse.ArgumentParser, help_prefix: str = "") -> None:
    """The command-line options behind `SpcSettings` (shared by the SPC and detection CLIs)."""
    parser.add_argument("--fix-after", type=int, default=None, metavar="N",
                        help=f"{help_prefix}compute mean and limits from the first N points only")
    parser.add_argument("--screen-outliers", action=argparse.BooleanOptionalAction, default=True,
                        help=f"{help_prefix}leave moving ranges ≥ 3.267 × mean out of the limits (default: on, "
                             "as NHSRplotthedots; off reproduces the Making Data Count Excel tool)")


def spc_settings_from(args: argparse.Namespace, parser: argparse.ArgumentParser) -> SpcSettings:
    """`SpcSettings` from the options `add_spc_options` added; a bad value is a usage error."""
    try:
        return SpcSettings(fix_after=args.fix_after, screen_outliers=args.screen_outliers)
    except ValueError as error:
        parser.error(str(error))


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m dashboard.spc --measure NAME [--area AREA] [--db FILE] [--fix-after N]`: CSV table."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.spc",
        description="Print a measure's XmR (SPC) table as CSV: period, value, mean, process limits, "
                    "target, rules fired, variation, assurance and the known change (rebase) that "
                    "starts new limits, from the targets and changes extracts.",
    )
    parser.add_argument("--measure", required=True, help="measure name, as in series.csv")
    parser.add_argument("--area", default=domain.FORCE_AREA, help="series area (default %(default)s)")
    parser.add_argument("--db", type=Path, default=None,
                        help="database file (default: DASHBOARD_DB or data/dashboard.duckdb)")
    add_spc_options(parser)
    args = parser.parse_args(argv)
    settings = spc_settings_from(args, parser)
    db_path = args.db or database_path()
    if missing := missing_database_error(db_path):
        print(f"error: {missing}", file=sys.stderr)
        return 1
    con = connect_readonly(db_path)
    try:
        rows = query(con, _SERIES_SQL, [args.measure, args.area])
        if rows.empty:
            areas = _known(con, _AREAS_SQL, [args.measure])
            if areas:
                message = f"no series for {args.measure!r} in area {args.area!r}; areas: {', '.join(areas)}"
            else:
                measures = _known(con, _MEASURES_SQL, [])
                message = (f"no series for measure {args.measure!r}; measures with series: "
                           f"{', '.join(measures) or 'none loaded'}")
            print(f"error: {message}", file=sys.stderr)
            return 1
        polarities = _known(con, _POLARITY_SQL, [args.measure])
        from dashboard import assurance  # it builds on this module

        targets = assurance.targets_for(con, args.measure, args.area)
        changes = assurance.changes_for(con, args.measure, args.area)
    finally:
        con.close()
    polarity = polarities[0] if polarities else domain.NEUTRAL
    if not polarities:
        print(f"note: {args.measure!r} is not in measures; treated as neutral", file=sys.stderr)
    periods = pd.to_datetime(rows["period"]).dt.date
    result = spc_table(list(periods), rows["value"].to_numpy(), polarity, settings, targets=targets, changes=changes)
    for change in result.changes:
        print(f"note: limits computed afresh from {domain.format_month(change.month)}: {change.reason}",
              file=sys.stderr)
    if result.warning:
        print(f"warning: {result.warning}", file=sys.stderr)
    result.table.to_csv(sys.stdout, index=False, float_format="%.10g")
    return 0


if __name__ == "__main__":
    sys.exit(main())
