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

Where this differs from NHSRplotthedots, on purpose:
* a flat baseline (mean moving range 0) keeps limits equal to the mean; NHSRplotthedots'
  screening removes every moving range there and returns no limits (NaN), so with limits fixed
  on a flat baseline, later points off it are outside limits here and not there;
* a trend's direction comes from the run a point belongs to; NHSRplotthedots reads the step to
  the next point whenever that point is in a trend too, which labels the last point of a rising
  trend followed by an equal value, or by a step back into a new rising trend, "decreasing".
* the short-series warning counts the points the limits are computed from (fewer than 12 by
  default), so fixing limits after 6 points also warns; NHSRplotthedots counts the group's
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
from dashboard.charts import ChartMeta, finish_figure, ink, legend_below, month_axis
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
    "period", "value", "mean", "lower_process_limit", "upper_process_limit", "rules", "variation",
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
    """XmR results for S series of N points each; 2-D arrays are (S, N)."""

    mean: np.ndarray                 # (S,)
    lower_process_limit: np.ndarray  # (S,)
    upper_process_limit: np.ndarray  # (S,)
    outside_limits: np.ndarray       # bool
    trend: np.ndarray                # bool: part of a 7-point trend
    two_in_three: np.ndarray         # bool
    shift: np.ndarray                # bool: part of 7 points on one side of the mean
    signal: np.ndarray               # int8: +1 above/rising, -1 below/falling, 0 common cause
    variation: np.ndarray            # int8: index into VARIATIONS
    limit_points: int                # points the limits were computed from
    side: np.ndarray                 # int8: sign(value - mean), 0 exactly on the mean
    close: np.ndarray                # bool: beyond two thirds of the way to a limit, not outside


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
    one unit in the last place. An empty row's mean is NaN, as in R.
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


def _mean_moving_range(base: np.ndarray, screen_outliers: bool) -> np.ndarray:
    """Mean moving range per series, optionally screened as NHSRplotthedots does (R's mean)."""
    if base.shape[1] < 2:
        return np.full(base.shape[0], np.nan)
    moving_ranges = np.abs(np.diff(base, axis=1))
    mean_range = r_mean(moving_ranges)
    if not screen_outliers:
        return mean_range
    kept = moving_ranges < SCREEN_SCALE * mean_range[:, None]
    screened = r_mean(moving_ranges, kept)
    # With a mean moving range of 0 nothing is kept: the limits stay on the mean.
    return np.where(kept.any(axis=1), screened, mean_range)


def _trend_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points inside a rising and inside a falling 7-point trend."""
    n = values.shape[1]
    steps = np.sign(np.diff(values, axis=1)).astype(np.int8)
    changes = RUN_LENGTH - 1
    rising = _window_sum(steps == 1, changes) == changes
    falling = _window_sum(steps == -1, changes) == changes
    return _covered(rising, RUN_LENGTH, n), _covered(falling, RUN_LENGTH, n)


def _trend_signal(values: np.ndarray, in_rising: np.ndarray, in_falling: np.ndarray) -> np.ndarray:
    """+1/-1 for points in a trend; a point in both (peak or trough) follows the later trend."""
    steps_after = np.zeros(values.shape, dtype=np.int8)
    steps_after[:, :-1] = np.sign(np.diff(values, axis=1))
    signal = in_rising.astype(np.int8) - in_falling.astype(np.int8)
    return np.where(in_rising & in_falling, steps_after, signal).astype(np.int8)


def spc_batch(values: np.ndarray, polarity: str | Sequence[str], settings: SpcSettings = SpcSettings()) -> SpcBatch:
    """All four rules and the variation for S series of N points (a 2-D array, one row each)."""
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
    base = values[:, :limit_points]
    mean = r_mean(base)  # NaN for no points
    mean_range = _mean_moving_range(base, settings.screen_outliers)
    lower, upper = mean - LIMIT_SCALE * mean_range, mean + LIMIT_SCALE * mean_range
    near_lower, near_upper = mean - NEAR_SCALE * mean_range, mean + NEAR_SCALE * mean_range

    outside = (values > upper[:, None]) | (values < lower[:, None])
    side = np.sign(values - mean[:, None]).astype(np.int8)
    close = ~outside & ((values < near_lower[:, None]) | (values > near_upper[:, None]))

    shift_windows = np.abs(_window_sum(side, RUN_LENGTH)) == RUN_LENGTH
    shift = _covered(shift_windows, RUN_LENGTH, n)
    in_rising, in_falling = _trend_points(values)
    trend = in_rising | in_falling
    two_windows = (_window_sum(close, 3) >= 2) & (np.abs(_window_sum(side, 3)) == 3)
    two_in_three = _covered(two_windows, 3, n) & close

    signal = np.where(
        outside, side,
        np.where(trend, _trend_signal(values, in_rising, in_falling),
                 np.where(two_in_three | shift, side, 0)),
    ).astype(np.int8)
    return SpcBatch(mean, lower, upper, outside, trend, two_in_three, shift, signal,
                    _variation_codes(signal, improvement), limit_points, side, close)


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
    """One series' XmR table, its short-series warning and its state (the latest variation)."""

    table: pd.DataFrame
    warning: str | None
    state: str | None
    polarity: str
    settings: SpcSettings
    #: Per point: outside_limits, trend, two_in_three, shift (bool) and signal (+1/-1/0).
    flags: pd.DataFrame = field(repr=False)

    @property
    def mean(self) -> float:
        return float(self.table["mean"].iloc[0]) if len(self.table) else float("nan")

    @property
    def lower_process_limit(self) -> float:
        return float(self.table["lower_process_limit"].iloc[0]) if len(self.table) else float("nan")

    @property
    def upper_process_limit(self) -> float:
        return float(self.table["upper_process_limit"].iloc[0]) if len(self.table) else float("nan")


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


def _rules_text(batch: SpcBatch) -> list[str]:
    flags = (batch.outside_limits[0], batch.trend[0], batch.two_in_three[0], batch.shift[0])
    return ["; ".join(name for name, fired in zip(RULES, point) if fired) for point in zip(*flags)]


def spc_table(
    periods: Sequence[date],
    values: Sequence[float],
    polarity: str,
    settings: SpcSettings = SpcSettings(),
) -> SpcResult:
    """The XmR table of one series: mean, limits, rules fired and variation per point."""
    if len(periods) != len(values):
        raise ValueError(f"{len(periods)} periods but {len(values)} values")
    frame = pd.DataFrame({"period": list(periods), "value": np.asarray(values, dtype=np.float64)})
    if frame["period"].duplicated().any():
        repeated = frame.loc[frame["period"].duplicated(), "period"].iloc[0]
        raise ValueError(f"period {repeated} appears more than once")
    frame = frame.sort_values("period", kind="stable").reset_index(drop=True)
    batch = spc_batch(frame["value"].to_numpy()[None, :], polarity, settings)
    n = len(frame)
    frame["mean"] = np.repeat(batch.mean, n)
    frame["lower_process_limit"] = np.repeat(batch.lower_process_limit, n)
    frame["upper_process_limit"] = np.repeat(batch.upper_process_limit, n)
    frame["rules"] = pd.Series(_rules_text(batch), dtype=object)
    frame["variation"] = pd.Series([VARIATIONS[c] for c in batch.variation[0]], dtype=object)
    flags = pd.DataFrame({
        "outside_limits": batch.outside_limits[0],
        "trend": batch.trend[0],
        "two_in_three": batch.two_in_three[0],
        "shift": batch.shift[0],
        "signal": batch.signal[0],
    })
    return SpcResult(
        table=frame.loc[:, list(TABLE_COLUMNS)],
        warning=short_series_warning(batch.limit_points, n, settings),
        state=frame["variation"].iloc[-1] if n else None,
        polarity=polarity,
        settings=settings,
        flags=flags,
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


def _default_alt(result: SpcResult) -> str:
    table = result.table
    if table.empty:
        return "XmR chart with no points."
    first, last = table["period"].iloc[0], table["period"].iloc[-1]
    return (f"XmR chart of {len(table)} monthly values from {domain.format_month(first)} to "
            f"{domain.format_month(last)}; mean "
            f"{result.mean:,.1f}, process limits {result.lower_process_limit:,.1f} to "
            f"{result.upper_process_limit:,.1f}; latest point: {result.state}.")


def build_spc_figure(result: SpcResult, meta: ChartMeta) -> go.Figure:
    """The XmR chart: values, mean and limits as labelled lines, special cause by shape, icon and colour."""
    table = result.table
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
        fig.add_trace(go.Scatter(
            x=table["period"], y=table[column], name=name, mode="lines",
            line={"color": LIMIT_COLOUR, "width": 1.5, "dash": dash}, hoverinfo="skip",
        ))
        if len(table):
            fig.add_annotation(x=table["period"].iloc[-1], y=table[column].iloc[-1], text=name,
                               showarrow=False, xanchor="left", xshift=6, font={"size": 11, "color": LIMIT_COLOUR})
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
    warning = f"⚠ {result.warning}" if result.warning else ""
    subtitle = " · ".join(part for part in (meta.subtitle, warning) if part)
    fig.update_yaxes(title_text=None, tickformat=",")
    if len(table):
        fig.update_xaxes(**month_axis(table["period"].iloc[0], table["period"].iloc[-1]))
        # Half a month either side, so the line labels do not push the axis a month on.
        half_month = pd.Timedelta(days=15)
        fig.update_xaxes(range=[pd.Timestamp(table["period"].iloc[0]) - half_month,
                                pd.Timestamp(table["period"].iloc[-1]) + half_month])
    finished = finish_figure(fig, ChartMeta(meta.title, subtitle, meta.source, meta.alt or _default_alt(result)))
    finished.update_layout(margin={"r": 140}, height=480)  # room for the line labels on the right
    return legend_below(finished)


# --- Command line --------------------------------------------------------------------------------

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
                    "rules fired and variation.",
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
        rows = query(con, "SELECT period, value FROM series WHERE measure = ? AND area = ? ORDER BY period",
                     [args.measure, args.area])
        if rows.empty:
            areas = _known(con, "SELECT DISTINCT area FROM series WHERE measure = ? ORDER BY area", [args.measure])
            if areas:
                message = f"no series for {args.measure!r} in area {args.area!r}; areas: {', '.join(areas)}"
            else:
                measures = _known(con, "SELECT DISTINCT measure FROM series ORDER BY measure", [])
                message = (f"no series for measure {args.measure!r}; measures with series: "
                           f"{', '.join(measures) or 'none loaded'}")
            print(f"error: {message}", file=sys.stderr)
            return 1
        polarities = _known(con, "SELECT polarity FROM measures WHERE measure = ? ORDER BY period DESC LIMIT 1",
                            [args.measure])
    finally:
        con.close()
    polarity = polarities[0] if polarities else domain.NEUTRAL
    if not polarities:
        print(f"note: {args.measure!r} is not in measures; treated as neutral", file=sys.stderr)
    periods = pd.to_datetime(rows["period"]).dt.date
    result = spc_table(list(periods), rows["value"].to_numpy(), polarity, settings)
    if result.warning:
        print(f"warning: {result.warning}", file=sys.stderr)
    result.table.to_csv(sys.stdout, index=False, float_format="%.10g")
    return 0


if __name__ == "__main__":
    sys.exit(main())
