"""XmR SPC: limits, the four rules on hand-worked vectors, settings, polarity, parity with
NHSRplotthedots' logic, the chart and the CLI."""

from __future__ import annotations

import io
import itertools
import math
import re
import warnings
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings as hypothesis_settings, strategies as st

from dashboard import charts, domain, spc
from dashboard.charts import ChartMeta, chart_meta
from dashboard.spc import SpcSettings, build_spc_figure, spc_batch, spc_table
from loaders.atomic import staged_database

UNSCREENED = SpcSettings(screen_outliers=False)


def months(n: int, start: date = date(2023, 1, 1)) -> list[date]:
    return [d.date() for d in pd.date_range(pd.Timestamp(start), periods=n, freq="MS")]


def run(values: list[float], polarity: str = domain.HIGHER_IS_BETTER,
        settings: SpcSettings = SpcSettings()) -> spc.SpcResult:
    return spc_table(months(len(values)), values, polarity, settings)


def marked(result: spc.SpcResult, rule: str) -> list[int]:
    """Indices of the points a rule marks."""
    return [i for i, rules in enumerate(result.table["rules"]) if rule in rules.split("; ")]


# --- Limits --------------------------------------------------------------------------------------

def test_limits_are_mean_plus_minus_2_66_mean_moving_range() -> None:
    """1,3,1,3,...: mean 2, every moving range 2, limits 2 ± 5.32."""
    result = run([1, 3] * 6)
    assert result.mean == pytest.approx(2.0)
    assert result.lower_process_limit == pytest.approx(2 - 5.32)
    assert result.upper_process_limit == pytest.approx(2 + 5.32)
    assert result.warning is None
    assert list(result.table.columns) == list(spc.TABLE_COLUMNS)
    assert set(result.table["variation"]) == {spc.COMMON_CAUSE}
    assert result.state == spc.COMMON_CAUSE


SCREEN_VECTOR = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 10, 30]


def test_outlier_screening_drops_large_moving_ranges() -> None:
    """Moving ranges: ten of 2 and one of 20; mean 40/11 = 3.64. 20 ≥ 3.267 × 3.64 = 11.9 is
    screened out, leaving a mean moving range of 2: limits 12.5 ± 5.32 (NHSRplotthedots' default)."""
    screened = run(SCREEN_VECTOR)
    assert screened.mean == pytest.approx(12.5)
    assert screened.lower_process_limit == pytest.approx(12.5 - 2.66 * 2)
    assert screened.upper_process_limit == pytest.approx(12.5 + 2.66 * 2)
    unscreened = run(SCREEN_VECTOR, settings=UNSCREENED)
    assert unscreened.upper_process_limit == pytest.approx(12.5 + 2.66 * 40 / 11)
    assert unscreened.lower_process_limit == pytest.approx(12.5 - 2.66 * 40 / 11)


def test_moving_range_exactly_on_the_screening_line_is_left_out() -> None:
    """Moving ranges 1, 1, 1, 1 and b, with b exactly 3.267 × their mean: "at or above" the upper
    range limit is screened, so the mean moving range is 1, not (4 + b) / 5."""
    values = [0, 1, 0, 1, 0, 7.5406809001731085]
    ranges = np.abs(np.diff(values))
    assert ranges[-1] == spc.SCREEN_SCALE * ranges.mean()  # the premise, in the module's arithmetic
    result = run(values)
    assert result.upper_process_limit == pytest.approx(result.mean + 2.66)
    assert result.lower_process_limit == pytest.approx(result.mean - 2.66)


def test_screening_is_on_by_default_as_nhsrplotthedots() -> None:
    assert SpcSettings().screen_outliers is True
    assert SpcSettings().fix_after is None
    assert SpcSettings().min_points_warning == 12


def test_flat_series_has_limits_on_the_mean_and_no_special_cause() -> None:
    """Zero moving range: no division error, limits equal the mean, every point common cause."""
    for settings in (SpcSettings(), UNSCREENED):
        result = run([5.0] * 15, settings=settings)
        assert result.lower_process_limit == result.mean == result.upper_process_limit == 5.0
        assert set(result.table["variation"]) == {spc.COMMON_CAUSE}
        assert set(result.table["rules"]) == {""}


def test_fix_after_computes_limits_from_the_baseline_only() -> None:
    """First 12 points alternate 10/12 (mean 11, MR 2); the next 6 at 20 are judged against them."""
    values = [10, 12] * 6 + [20] * 6
    fixed = run(values, settings=SpcSettings(fix_after=12))
    assert fixed.mean == pytest.approx(11.0)
    assert fixed.upper_process_limit == pytest.approx(11 + 5.32)
    assert marked(fixed, spc.RULE_OUTSIDE) == list(range(12, 18))
    assert fixed.state == spc.SPECIAL_IMPROVEMENT
    assert fixed.warning is None
    everything = run(values)
    assert everything.mean == pytest.approx((132 + 120) / 18)


def test_fix_after_beyond_the_series_uses_every_point() -> None:
    assert run([1, 3] * 6, settings=SpcSettings(fix_after=50)).mean == pytest.approx(2.0)


def test_warning_texts() -> None:
    """The two short-series warnings, word for word, as the page and the CLI show them."""
    assert run([1, 3] * 6, settings=SpcSettings(fix_after=6)).warning == (
        "Limits fixed after 6 points, fewer than the 12 recommended: treat them as trial limits.")
    assert run([1, 3] * 5 + [1]).warning == (
        "Only 11 points, fewer than the 12 recommended: trial limits that will change as months are added.")


def test_fix_after_must_leave_a_moving_range() -> None:
    with pytest.raises(ValueError, match="fix_after must be at least 2"):
        SpcSettings(fix_after=1)


def test_fewer_than_12_points_warns() -> None:
    assert "Only 11 points" in run([1, 3] * 5 + [1]).warning
    assert run([1, 3] * 6).warning is None
    assert "Limits fixed after 6 points" in run([1, 3] * 6, settings=SpcSettings(fix_after=6)).warning
    assert run([1, 3] * 5, settings=SpcSettings(min_points_warning=10)).warning is None


def test_empty_and_single_point_series_do_not_fail() -> None:
    empty = spc_table([], [], domain.NEUTRAL)
    assert empty.table.empty and empty.state is None and empty.warning == "No points: no mean or limits to show."
    assert empty.assurance is None
    with_target = spc_table([], [], domain.HIGHER_IS_BETTER, targets=[spc.Target(date(2023, 1, 1), 5.0)])
    assert with_target.assurance is None and with_target.target is None
    single = run([4.0])
    assert single.mean == 4.0 and math.isnan(single.upper_process_limit)
    assert single.state == spc.COMMON_CAUSE and "Only 1 point," in single.warning
    build_spc_figure(single, ChartMeta("One point"))


def test_no_numpy_warnings_for_empty_or_neutral_series() -> None:
    """An empty series and a neutral measure compute quietly: no "mean of empty slice" or
    division warnings in the dashboard's log."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spc_table([], [], domain.NEUTRAL)
        assert run([10, 12] * 6 + [30], domain.NEUTRAL).state == spc.SPECIAL_HIGH


def test_values_come_back_as_floats() -> None:
    """Counts given as integers are floats in the table, like every other series."""
    result = run([10, 12] * 6)
    assert result.table["value"].dtype == np.float64
    assert result.table["value"].iloc[0] == 10.0


def test_result_records_its_polarity_settings_and_signals() -> None:
    """The result keeps the polarity and settings it was computed with, and each point's signal:
    +1 above (or rising), -1 below (or falling), 0 for common cause."""
    fixed = SpcSettings(fix_after=12)
    result = run([10, 12] * 6 + [30, -10, 11], domain.LOWER_IS_BETTER, fixed)
    assert result.polarity == domain.LOWER_IS_BETTER
    assert result.settings == fixed
    assert list(result.flags["signal"]) == [0] * 12 + [1, -1, 0]
    assert list(result.table["variation"].iloc[12:]) == [spc.SPECIAL_CONCERN, spc.SPECIAL_IMPROVEMENT,
                                                         spc.COMMON_CAUSE]


# --- Shift ---------------------------------------------------------------------------------------

#: Mean exactly 10 (150 / 15); without screening limits 10 ± 2.66 × 16/14, near lines 10 ± 2.03,
#: so the 9s are neither close nor outside; the 16s at both ends are outside.
ON_THE_MEAN = [16, 9, 9, 9, 9, 9, 9, 10, 9, 9, 9, 9, 9, 9, 16]


def test_point_exactly_on_the_mean_breaks_a_shift() -> None:
    result = run(ON_THE_MEAN, settings=UNSCREENED)
    assert result.mean == 10.0
    assert marked(result, spc.RULE_SHIFT) == []
    assert marked(result, spc.RULE_OUTSIDE) == [0, 14]


def test_thirteen_points_below_the_mean_are_a_shift() -> None:
    """The same series with 9 in place of the 10: 13 points below the mean of 149/15."""
    values = ON_THE_MEAN.copy()
    values[7] = 9
    result = run(values, settings=UNSCREENED)
    assert marked(result, spc.RULE_SHIFT) == list(range(1, 14))
    assert result.table["variation"].iloc[1] == spc.SPECIAL_CONCERN  # below, higher is better


def test_shift_of_exactly_7_and_not_6() -> None:
    """10/0 noise, then 7 points at 6 (mean 92/17 = 5.4), or 6 at 6 and a 4 (mean 90/17 = 5.3)."""
    seven = run([10, 0] * 5 + [6] * 7, settings=UNSCREENED)
    assert marked(seven, spc.RULE_SHIFT) == list(range(10, 17))
    assert seven.state == spc.SPECIAL_IMPROVEMENT
    six = run([10, 0] * 5 + [6] * 6 + [4], settings=UNSCREENED)
    assert marked(six, spc.RULE_SHIFT) == []


# --- Trend ---------------------------------------------------------------------------------------

#: Noise 0/10 then 3..9 rising: mean 72/13 = 5.54, mean MR 63/12 = 5.25, limits ±13.97: nothing
#: outside, nothing beyond the near lines, no 7 on one side; points 6..12 are a 7-point trend.
RISING_7 = [0, 10, 0, 10, 0, 10, 3, 4, 5, 6, 7, 8, 9]


def test_trend_of_exactly_7_points() -> None:
    result = run(RISING_7)
    assert marked(result, spc.RULE_TREND) == list(range(6, 13))
    assert result.table["rules"].iloc[6] == "trend"
    assert result.state == spc.SPECIAL_IMPROVEMENT
    assert list(result.table["variation"].iloc[:6]) == [spc.COMMON_CAUSE] * 6


def test_six_points_rising_are_not_a_trend() -> None:
    result = run(RISING_7[:-1])
    assert marked(result, spc.RULE_TREND) == []
    assert set(result.table["variation"]) == {spc.COMMON_CAUSE}


def test_equal_neighbours_break_a_trend() -> None:
    result = run([0, 10, 0, 10, 0, 10, 3, 4, 5, 6, 6, 7, 8, 9])
    assert marked(result, spc.RULE_TREND) == []


def test_falling_trend_is_improvement_when_lower_is_better() -> None:
    result = run([10, 0, 10, 0, 10, 0, 9, 8, 7, 6, 5, 4, 3], domain.LOWER_IS_BETTER)
    assert marked(result, spc.RULE_TREND) == list(range(6, 13))
    assert result.state == spc.SPECIAL_IMPROVEMENT


def test_peak_between_two_trends_follows_the_later_trend() -> None:
    """Limits fixed on wide 0/20 noise (10 ± 53); then 4..10 rising and 10..4 falling."""
    values = [0, 20] * 3 + [4, 5, 6, 7, 8, 9, 10, 9, 8, 7, 6, 5, 4]
    result = run(values, settings=SpcSettings(fix_after=6))
    assert marked(result, spc.RULE_TREND) == list(range(6, 19))
    assert marked(result, spc.RULE_OUTSIDE) == []
    variation = result.table["variation"]
    assert variation.iloc[11] == spc.SPECIAL_IMPROVEMENT
    assert variation.iloc[12] == spc.SPECIAL_CONCERN  # the peak: the falling trend after it
    assert variation.iloc[13] == spc.SPECIAL_CONCERN


# --- Two in three --------------------------------------------------------------------------------

def two_in_three_vector(last: list[float]) -> list[float]:
    """10/12 alternating for 12 months, then `last` (the tests check the premises they use)."""
    return [10, 12] * 6 + last


def test_two_of_three_beyond_two_thirds_same_side() -> None:
    """Two points beyond the upper near line with the point between them above the mean too:
    the two close points are marked, not the one between them."""
    result = run(two_in_three_vector([17, 12, 17]))
    near = result.mean + (result.upper_process_limit - result.mean) * 2 / 3
    # mean 178/15 = 11.87, mean MR 37/14 = 2.64: near line 16.55, upper limit 18.90
    assert near < 17 < result.upper_process_limit and result.mean < 12 < near  # the premises
    assert marked(result, spc.RULE_TWO_IN_THREE) == [12, 14]
    assert result.table["variation"].iloc[13] == spc.COMMON_CAUSE
    assert result.state == spc.SPECIAL_IMPROVEMENT


def test_two_of_three_needs_all_three_on_one_side() -> None:
    """The middle point below the mean: no two-in-three (NHSRplotthedots needs all 3 one side)."""
    result = run(two_in_three_vector([17, 10, 17]))
    near = result.mean + (result.upper_process_limit - result.mean) * 2 / 3
    assert result.mean > 10 and near < 17 < result.upper_process_limit
    assert marked(result, spc.RULE_TWO_IN_THREE) == []


def test_two_close_points_on_opposite_sides_are_common_cause() -> None:
    """NHSRplotthedots' own case: ±1 alternating, then 5.5 and -5.5."""
    values = [1, -1] * 8
    values[14], values[15] = 5.5, -5.5
    result = run(values)
    assert list(result.table["variation"].iloc[-2:]) == [spc.COMMON_CAUSE, spc.COMMON_CAUSE]


def test_outside_point_does_not_count_as_close() -> None:
    """One point beyond the limit and one near it: the near one is not two-in-three."""
    result = run(two_in_three_vector([18.5, 14, 40]))
    near = result.mean + (result.upper_process_limit - result.mean) * 2 / 3
    assert near < 18.5 < result.upper_process_limit < 40 and result.mean < 14  # the premises
    assert marked(result, spc.RULE_OUTSIDE) == [14]
    assert marked(result, spc.RULE_TWO_IN_THREE) == []
    both_close = run(two_in_three_vector([18.5, 14, 19]))
    assert both_close.upper_process_limit > 19
    assert marked(both_close, spc.RULE_TWO_IN_THREE) == [12, 14]


def test_point_exactly_on_the_two_thirds_line_is_not_close() -> None:
    """Limits fixed on 10/12 (mean 11, mean moving range 2, both exact): two points exactly on a
    near line are not beyond it; a hair further out they are."""
    fixed = SpcSettings(fix_after=12)
    base = [10, 12] * 6
    near_upper, near_lower = 11 + spc.NEAR_SCALE * 2, 11 - spc.NEAR_SCALE * 2
    assert marked(run(base + [near_upper, 12, near_upper], settings=fixed), spc.RULE_TWO_IN_THREE) == []
    assert marked(run(base + [near_lower, 10, near_lower], settings=fixed), spc.RULE_TWO_IN_THREE) == []
    beyond = run(base + [near_upper + 1e-9, 12, near_upper + 1e-9], settings=fixed)
    assert marked(beyond, spc.RULE_TWO_IN_THREE) == [12, 14]


def test_close_point_next_to_two_in_three_on_the_other_side_is_not_marked() -> None:
    """15, 15, 12 (two close above, all above) then 7 (close, but below): only the 15s are marked;
    the 7 is in no three-point window with all three on one side."""
    result = run([10, 12] * 6 + [15, 15, 12, 7, 11, 11], settings=SpcSettings(fix_after=12))
    assert 7 > result.lower_process_limit  # the premise: 7 is close, not outside
    assert marked(result, spc.RULE_TWO_IN_THREE) == [12, 13]
    assert result.table["variation"].iloc[15] == spc.COMMON_CAUSE


# --- Outside limits, polarity, precedence --------------------------------------------------------

def test_point_on_a_limit_is_inside() -> None:
    """Limits computed first, then a point placed exactly on the upper one is not outside."""
    base = [10, 12] * 6
    fixed = SpcSettings(fix_after=12)
    upper = run(base, settings=fixed).upper_process_limit
    result = run(base + [upper], settings=fixed)
    assert marked(result, spc.RULE_OUTSIDE) == []
    assert marked(run(base + [upper + 1e-9], settings=fixed), spc.RULE_OUTSIDE) == [12]


@pytest.mark.parametrize(("polarity", "high", "low"), [
    (domain.HIGHER_IS_BETTER, spc.SPECIAL_IMPROVEMENT, spc.SPECIAL_CONCERN),
    (domain.LOWER_IS_BETTER, spc.SPECIAL_CONCERN, spc.SPECIAL_IMPROVEMENT),
    (domain.NEUTRAL, spc.SPECIAL_HIGH, spc.SPECIAL_LOW),
])
def test_polarity_names_the_special_cause(polarity: str, high: str, low: str) -> None:
    fixed = SpcSettings(fix_after=12)
    assert run([10, 12] * 6 + [30], polarity, fixed).state == high
    assert run([10, 12] * 6 + [-10], polarity, fixed).state == low


def test_improvement_sign_of_each_polarity() -> None:
    assert spc.improvement_sign(domain.HIGHER_IS_BETTER) == 1
    assert spc.improvement_sign(domain.LOWER_IS_BETTER) == -1
    assert spc.improvement_sign(domain.NEUTRAL) == 0


def test_unknown_polarity_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown polarity 'up'"):
        run([1, 2, 3], "up")
    with pytest.raises(ValueError, match="expected one of higher_is_better, lower_is_better, neutral$"):
        run([1, 2, 3], "up")


def test_outside_limits_takes_precedence_and_all_rules_are_named() -> None:
    """Seven rising points ending far above the limit: rules lists both, variation by outside."""
    result = run([10, 12] * 6 + [13, 14, 15, 16, 17, 18, 60], settings=SpcSettings(fix_after=12))
    assert result.table["rules"].iloc[-1] == "outside limits; trend; shift"
    assert result.state == spc.SPECIAL_IMPROVEMENT


def test_periods_are_sorted_and_must_be_unique() -> None:
    result = spc_table([date(2023, 2, 1), date(2023, 1, 1)], [2.0, 1.0], domain.NEUTRAL)
    assert list(result.table["value"]) == [1.0, 2.0]
    with pytest.raises(ValueError, match="period 2023-01-01 appears more than once"):
        spc_table([date(2023, 1, 1)] * 2, [1.0, 2.0], domain.NEUTRAL)
    with pytest.raises(ValueError, match="2 periods but 1 values"):
        spc_table(months(2), [1.0], domain.NEUTRAL)


def test_non_finite_values_are_rejected() -> None:
    message = "values must be finite numbers (no NaN or infinity)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        run([1.0, float("nan"), 2.0])


def test_batch_rejects_misshapen_input() -> None:
    with pytest.raises(ValueError, match=re.escape("values must be 2-D (series × points), got 1-D")):
        spc_batch(np.zeros(5), domain.NEUTRAL)
    with pytest.raises(ValueError, match="3 polarities for 2 series"):
        spc_batch(np.zeros((2, 5)), [domain.NEUTRAL] * 3)


def test_batch_takes_any_array_of_numbers() -> None:
    """An object array (what pandas gives for a frame of mixed columns) is read as numbers."""
    values = np.array([[10, 12] * 6 + [30]], dtype=object)
    batch = spc_batch(values, domain.HIGHER_IS_BETTER, SpcSettings(fix_after=12))
    assert spc.VARIATIONS[batch.variation[0, -1]] == spc.SPECIAL_IMPROVEMENT
    assert batch.mean[0] == pytest.approx(11.0)


# --- Parity with NHSRplotthedots' logic -----------------------------------------------------------
# A loop-by-loop transcription of NHSRplotthedots' ptd_spc_standard and ptd_calculate_point_type
# (R indices shifted to 0), kept deliberately naive to check the vectorised code against.

def reference_limits(y: list[float], fix_after: int | None, screen: bool) -> tuple[float, float, float]:
    base = y[: (fix_after or len(y))]
    mean = sum(base) / len(base)
    mr = [abs(base[i] - base[i - 1]) for i in range(1, len(base))]
    amr = sum(mr) / len(mr)
    if screen:
        mr = [r for r in mr if r < 3.267 * amr]
        amr = sum(mr) / len(mr) if mr else float("nan")
    return mean, mean - 2.66 * amr, mean + 2.66 * amr


def reference_point_types(y: list[float], improvement: int, fix_after: int | None = None,
                          screen: bool = True) -> list[str]:
    n = len(y)
    mean, lpl, upl = reference_limits(y, fix_after, screen)
    amr = (upl - mean) / 2.66
    nlpl, nupl = mean - 2 * (2.66 / 3) * amr, mean + 2 * (2.66 / 3) * amr
    outside = [v > upl or v < lpl for v in y]
    rtm = [(v > mean) - (v < mean) for v in y]
    close = [not outside[i] and (y[i] < nlpl or y[i] > nupl) for i in range(n)]

    def part_of_seven(ends: list[int]) -> list[bool]:
        return [any(ends[j] != 0 for j in range(i, min(i + 7, n))) for i in range(n)]

    one_side = [i >= 6 and rtm[i] != 0 and all(rtm[i - k] == rtm[i] for k in range(1, 7)) for i in range(n)]
    trend_end = [0] * n
    for i in range(6, n):
        d = [(y[i - k] > y[i - k - 1]) - (y[i - k] < y[i - k - 1]) for k in range(6)]
        trend_end[i] = 1 if all(x == 1 for x in d) else (-1 if all(x == -1 for x in d) else 0)
    vp, rp = [0, 0, *close, 0, 0], [0, 0, *rtm, 0, 0]
    two = [any(sum(vp[i + s:i + s + 3]) >= 2 and abs(sum(rp[i + s:i + s + 3])) == 3 for s in range(3))
           for i in range(n)]
    part_trend = part_of_seven(trend_end)
    part_two = [two[i] and close[i] for i in range(n)]
    part_shift = part_of_seven([int(b) for b in one_side])
    sdy = [(y[i + 1] > y[i]) - (y[i + 1] < y[i]) for i in range(n - 1)]
    types = []
    for i in range(n):
        if outside[i]:
            v = rtm[i]
        elif part_trend[i]:
            # The documented difference: a point whose trends all run one way takes their
            # direction. NHSRplotthedots reads the step to the next point whenever that point is
            # in a trend too, naming the last point of a rising trend "decreasing" when an equal
            # value or a step back into a new trend follows (0..6, 3..9 at the 6: concern).
            own = {trend_end[j] for j in range(i, min(i + 7, n)) if trend_end[j]}
            if len(own) == 1:
                v = own.pop()
            else:  # a peak or trough, in a rising and a falling trend: R's reading
                right = i + 1 < n and part_trend[i + 1]
                v = (sdy[i] if right else (sdy[i - 1] if i else 0))
                v = 1 if v == 1 else -1
        elif part_two[i] or part_shift[i]:
            v = 1 if rtm[i] > 0 else -1
        else:
            v = 0
        if v == 0:
            types.append(spc.COMMON_CAUSE)
        elif improvement == 0:
            types.append(spc.SPECIAL_HIGH if v > 0 else spc.SPECIAL_LOW)
        else:
            types.append(spc.SPECIAL_IMPROVEMENT if v * improvement > 0 else spc.SPECIAL_CONCERN)
    return types


series_strategy = st.one_of(
    st.lists(st.integers(0, 12), min_size=3, max_size=40),
    # Random walks: long runs up, down and to one side of the mean.
    st.lists(st.sampled_from([-3, -1, 1, 2]), min_size=2, max_size=40).map(
        lambda steps: list(itertools.accumulate([0, *steps]))),
).filter(
    # Not flat (where NHSRplotthedots' screening leaves no limits).
    lambda ys: len(set(ys)) > 1
)


@pytest.mark.parametrize("ys", [[0, 1, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7, 8, 9]])
def test_trend_end_before_a_new_trend_is_pinned(ys: list[int]) -> None:
    """Hypothesis' counterexample, kept: higher is better, unscreened; NHSRplotthedots calls the
    6 (end of the first rising trend) concern, the dashboard improvement, as documented."""
    result = run([float(v) for v in ys], domain.HIGHER_IS_BETTER, UNSCREENED)
    assert result.table["variation"].iloc[6] == spc.SPECIAL_IMPROVEMENT
    assert reference_point_types([float(v) for v in ys], 1, None, False)[6] == spc.SPECIAL_IMPROVEMENT


@hypothesis_settings(max_examples=300, deadline=None)
@given(ys=series_strategy, polarity=st.sampled_from(domain.POLARITIES), screen=st.booleans(),
       fix_after=st.one_of(st.none(), st.integers(2, 30)))
def test_matches_nhsrplotthedots_logic(ys: list[int], polarity: str, screen: bool, fix_after: int | None) -> None:
    y = [float(v) for v in ys]
    # A flat baseline is the other documented difference (limits on the mean, not none), pinned
    # in test_spc_decimal.test_flat_baseline_keeps_limits_on_the_mean.
    assume(len(set(y[: fix_after or len(y)])) > 1)
    settings = SpcSettings(fix_after=fix_after, screen_outliers=screen)
    result = run(y, polarity, settings)
    mean, lpl, upl = reference_limits(y, fix_after, screen)
    assert result.mean == pytest.approx(mean)
    assert result.lower_process_limit == pytest.approx(lpl)
    assert result.upper_process_limit == pytest.approx(upl)
    expected = reference_point_types(y, spc.improvement_sign(polarity), fix_after, screen)
    assert list(result.table["variation"]) == expected


def test_batch_equals_one_series_at_a_time() -> None:
    rng = np.random.default_rng(7)
    values = rng.poisson(50, size=(40, 30)).astype(float)
    polarities = [domain.POLARITIES[i % 3] for i in range(40)]
    batch = spc_batch(values, polarities)
    for i in (0, 1, 2, 17, 39):
        single = run(list(values[i]), polarities[i])
        assert [spc.VARIATIONS[c] for c in batch.variation[i]] == list(single.table["variation"])
        assert batch.upper_process_limit[i] == pytest.approx(single.upper_process_limit)


# --- Chart ---------------------------------------------------------------------------------------

def test_figure_marks_special_cause_by_shape_and_label() -> None:
    result = run(RISING_7 + [40])
    fig = build_spc_figure(result, ChartMeta("Referrals", subtitle="Force", source="series.csv"))
    names = [trace.name for trace in fig.data]
    assert names[:4] == ["Value", "Mean", "Upper process limit", "Lower process limit"]
    improvement = next(t for t in fig.data if t.name.startswith("Special cause improvement"))
    assert improvement.marker.color == domain.DIRECTION_STYLES[domain.BETTER].colour
    assert improvement.marker.symbol not in (None, "circle")
    # one run of 8: its icon over the first point (icons a month apart overprint on a phone)
    assert list(improvement.text) == [domain.DIRECTION_STYLES[domain.BETTER].icon] + [""] * 7
    assert len(improvement.x) == 8  # the 7-point trend and the point outside the limits
    assert chart_meta(fig).title == "Referrals"
    assert "Only" not in chart_meta(fig).subtitle


def test_figure_draws_values_and_limit_lines_as_designed() -> None:
    """The value line dark, 2 px, with 5 px markers and a hover of month, value, variation and
    rules; mean (solid) and process limits (dashed) as 1.5 px grey lines without hover, each
    labelled in 11 px grey just right of its last point, no arrow; the legend across the bottom,
    thousands separators on the y axis, the x axis half a month beyond the first and last
    months, room on the right for the labels; the source kept for export."""
    result = run([10, 12] * 6 + [30, -10, 11], settings=SpcSettings(fix_after=12))
    table = result.table
    periods = list(table["period"])
    fig = build_spc_figure(result, ChartMeta("Referrals", subtitle="Force", source="series.csv"))
    value = fig.data[0]
    assert (list(value.x), list(value.y)) == (periods, list(table["value"]))
    assert value.mode == "lines+markers"
    assert (value.line.color, value.line.width) == (spc.VALUE_COLOUR, 2)
    assert (value.marker.color, value.marker.size) == (spc.VALUE_COLOUR, 5)
    assert [list(row) for row in value.customdata] == table[["rules", "variation"]].values.tolist()
    assert value.hovertemplate == "%{x|%b %Y}: %{y:,}<br>%{customdata[1]}<br>%{customdata[0]}<extra></extra>"
    lines = [("Mean", "mean", "solid"), ("Upper process limit", "upper_process_limit", "dash"),
             ("Lower process limit", "lower_process_limit", "dash")]
    for trace, (name, column, dash) in zip(fig.data[1:4], lines):
        assert trace.name == name and trace.mode == "lines" and trace.hoverinfo == "skip"
        assert not trace.connectgaps  # the line stops at a known change
        assert (list(trace.x), list(trace.y)) == (periods, list(table[column]))
        assert (trace.line.color, trace.line.width, trace.line.dash) == (spc.LIMIT_COLOUR, 1.5, dash)
    labels = [(a.text, a.x, a.y, a.showarrow, a.xanchor, a.xshift, a.font.size, a.font.color)
              for a in fig.layout.annotations]
    assert labels == [(name, periods[-1], table[column].iloc[-1], False, "left", 6, 11, spc.LIMIT_COLOUR)
                      for name, column, _ in lines]
    legend = fig.layout.legend  # at the foot of the figure, its rows kept clear of the axis
    assert (legend.orientation, legend.y, legend.yanchor, legend.yref) == ("h", 0, "bottom", "container")
    assert fig.layout.yaxis.tickformat == ","
    half_month = pd.Timedelta(days=15)
    assert list(fig.layout.xaxis.range) == [pd.Timestamp(periods[0]) - half_month,
                                            pd.Timestamp(periods[-1]) + half_month]
    # 15 months: a tick every third, from the first month
    assert (fig.layout.xaxis.dtick, fig.layout.xaxis.tick0) == ("M3", "2023-01-01")
    assert fig.layout.margin.r == 140 and fig.layout.height == 480
    assert chart_meta(fig).source == "series.csv"
    assert chart_meta(fig).subtitle == "Force"  # no warning: nothing added


@pytest.mark.parametrize(("polarity", "kinds"), [
    (domain.HIGHER_IS_BETTER, [("Special cause improvement", "diamond", domain.BETTER),
                               ("Special cause concern", "square", domain.WORSE)]),
    (domain.NEUTRAL, [("Special cause high", "triangle-up", domain.HIGHER),
                      ("Special cause low", "triangle-down", domain.LOWER)]),
])
def test_each_kind_of_special_cause_has_its_own_marker(polarity: str, kinds: list[tuple[str, str, str]]) -> None:
    """One point far above and one far below fixed limits: each kind drawn in its own trace with
    its label and icon in the legend, its shape, its colour, the icon above the point in 13 px,
    a 12 px marker with a thin white edge, and a hover naming the kind and the rules."""
    result = run([10, 12] * 6 + [30, -10, 11], polarity, SpcSettings(fix_after=12))
    fig = build_spc_figure(result, ChartMeta("Referrals"))
    special = fig.data[4:]
    assert len(special) == 2
    for trace, (label, symbol, direction), (period, value) in zip(
            special, kinds, [(result.table["period"].iloc[12], 30), (result.table["period"].iloc[13], -10)]):
        style = domain.DIRECTION_STYLES[direction]
        assert trace.name == f"{label} ({style.icon})"
        assert (list(trace.x), list(trace.y)) == ([period], [value])
        assert trace.mode == "markers+text" and trace.text == (style.icon,)
        assert trace.textposition == "top center" and trace.cliponaxis is False  # an icon at the top shows whole
        # the icon in the marker's colour darkened to 4.5:1 on white (text), the marker itself not
        assert (trace.textfont.color, trace.textfont.size) == (charts.ink(style.colour), 13)
        assert (trace.marker.symbol, trace.marker.size, trace.marker.color) == (symbol, 12, style.colour)
        assert trace.marker.line.color.upper() == "#FFFFFF" and trace.marker.line.width == 1
        assert [list(row) for row in trace.customdata] == [["outside limits"]]
        assert trace.hovertemplate == f"%{{x|%b %Y}}: %{{y:,}}<br>{label}<br>%{{customdata[0]}}<extra></extra>"


def test_concern_alone_is_still_drawn() -> None:
    """A series with concern points but no improvement ones still shows the concern marker."""
    result = run([10, 12] * 6 + [-10], settings=SpcSettings(fix_after=12))
    fig = build_spc_figure(result, ChartMeta("Referrals"))
    assert [trace.name.split(" (")[0] for trace in fig.data[4:]] == ["Special cause concern"]


def test_figure_alt_text_describes_the_chart() -> None:
    result = run([1, 3] * 6)
    assert chart_meta(build_spc_figure(result, ChartMeta("Referrals"))).alt == (
        "XmR chart of 12 monthly values from Jan 2023 to Dec 2023; mean 2.0, process limits -3.3 to 7.3; "
        "latest point: common cause.")
    assert chart_meta(build_spc_figure(result, ChartMeta("Referrals", alt="Given"))).alt == "Given"
    empty = spc_table([], [], domain.NEUTRAL)
    assert chart_meta(build_spc_figure(empty, ChartMeta("Nothing"))).alt == "XmR chart with no points."


def test_figure_subtitle_carries_the_short_series_warning() -> None:
    result = run([1, 3, 1, 3, 1])
    fig = build_spc_figure(result, ChartMeta("Short", subtitle="Force"))
    subtitle = chart_meta(fig).subtitle
    assert subtitle.startswith("Force · ⚠ ") and "Only 5 points" in subtitle
    assert chart_meta(fig).alt  # a description is generated when none is given


# --- CLI -----------------------------------------------------------------------------------------

@pytest.fixture
def series_db(tmp_path: Path) -> Path:
    path = tmp_path / "spc.duckdb"
    with staged_database(path) as con:
        con.execute(
            """INSERT INTO measures (period, theme, measure, polarity, unit, headline, source_file,
                                     source_line, load_id)
               VALUES (DATE '2019-01-01', 'Tackling crime and ASB', 'Burglary', 'lower_is_better',
                       'count', true, 'measures.csv', 2, 1)"""
        )
        con.executemany(
            "INSERT INTO series VALUES ('Burglary', ?, ?, ?, 'series.csv', 1)",
            [[area, m, v] for area in ("Force", "City")
             for m, v in zip(months(13), [10, 12] * 6 + [30])],
        )
    return path


def cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = spc.main(args)
    return code, out.getvalue()


def test_cli_prints_the_table_as_csv(series_db: Path) -> None:
    code, out = cli(["--measure", "Burglary", "--db", str(series_db)])
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == list(spc.TABLE_COLUMNS)
    assert len(table) == 13
    assert table["variation"].iloc[-1] == spc.SPECIAL_CONCERN
    assert table["rules"].iloc[-1] == "outside limits"
    assert table["period"].iloc[0] == "2023-01-01"


def test_cli_fix_after_and_area(series_db: Path) -> None:
    code, out = cli(["--measure", "Burglary", "--area", "City", "--fix-after", "12", "--db", str(series_db)])
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert math.isclose(table["mean"].iloc[0], 11.0)


def test_cli_unknown_measure_lists_known_ones(series_db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _ = cli(["--measure", "Robbery", "--db", str(series_db)])
    assert code == 1
    assert "no series for measure 'Robbery'; measures with series: Burglary" in capsys.readouterr().err


def test_cli_unknown_area_lists_known_ones(series_db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _ = cli(["--measure", "Burglary", "--area", "County", "--db", str(series_db)])
    assert code == 1
    assert "no series for 'Burglary' in area 'County'; areas: City, Force" in capsys.readouterr().err


def test_cli_warns_on_short_series(series_db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _ = cli(["--measure", "Burglary", "--fix-after", "6", "--db", str(series_db)])
    assert code == 0
    assert "warning: Limits fixed after 6 points" in capsys.readouterr().err


def test_cli_help_names_every_option() -> None:
    """`--help` gives the program's name, what it prints and each option's meaning."""
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as stopped:
        spc.main(["--help"])
    assert stopped.value.code == 0
    text = " ".join(out.getvalue().split())
    assert text.startswith("usage: python -m dashboard.spc [-h] --measure MEASURE ")
    for expected in (
        "Print a measure's XmR (SPC) table as CSV: period, value, mean, process limits, target, rules fired, "
        "variation, assurance and the known change (rebase) that starts new limits, from the targets and "
        "changes extracts.",
        "--measure MEASURE measure name, as in series.csv",
        f"--area AREA series area (default {domain.FORCE_AREA})",
        "--db DB database file (default: DASHBOARD_DB or data/dashboard.duckdb)",
        "--fix-after N compute mean and limits from the first N points only",
        "--screen-outliers, --no-screen-outliers leave moving ranges ≥ 3.267 × mean out of the limits "
        "(default: on, as NHSRplotthedots; off reproduces the Making Data Count Excel tool)",
    ):
        assert expected in text


def test_cli_requires_a_measure(series_db: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stopped:
        spc.main(["--db", str(series_db)])
    assert stopped.value.code == 2
    assert "the following arguments are required: --measure" in capsys.readouterr().err


def test_cli_bad_fix_after_is_a_usage_error(series_db: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stopped:
        spc.main(["--measure", "Burglary", "--fix-after", "1", "--db", str(series_db)])
    assert stopped.value.code == 2
    assert "error: fix_after must be at least 2 (a moving range needs two points), got 1" in capsys.readouterr().err


def test_cli_screens_outliers_unless_told_not_to(series_db: Path) -> None:
    """10/12 then 30: the moving range of 18 is screened by default (limits mean ± 2.66 × 2);
    --no-screen-outliers keeps it (mean ± 2.66 × 40/12), as the Making Data Count Excel tool."""
    mean = 162 / 13
    for args, mean_range in (([], 2), (["--screen-outliers"], 2), (["--no-screen-outliers"], 40 / 12)):
        code, out = cli(["--measure", "Burglary", "--db", str(series_db), *args])
        assert code == 0
        table = pd.read_csv(io.StringIO(out))
        assert table["upper_process_limit"].iloc[0] == pytest.approx(mean + 2.66 * mean_range)


def test_cli_uses_the_measures_own_target_and_change_in_its_area(series_db: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    """City has its own target and change for Burglary; another measure's (every area) and the
    Force series have none, so only City's table shows them, and the change is noted."""
    with staged_database(series_db) as con:
        con.executemany("INSERT INTO targets VALUES (?, ?, ?, ?, ?, NULL, 'targets.csv', 2, 2)",
                        [["Burglary", "City", date(2023, 1, 1), "5", 5.0],
                         ["Robbery", "", date(2023, 1, 1), "50", 50.0]])
        con.executemany("INSERT INTO changes VALUES (?, ?, ?, ?, 'changes.csv', 2, 2)",
                        [["Burglary", "City", date(2023, 7, 1), "Counting rule changed"],
                         ["Robbery", "", date(2023, 4, 1), "Not this measure"]])
    code, out = cli(["--measure", "Burglary", "--area", "City", "--db", str(series_db)])
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["target"].tolist() == [5.0] * 13
    assert set(table["assurance"]) == {spc.ASSURANCE_FAIL}  # lower is better, 5 below every limit
    rebased = table.loc[table["rebase"].notna(), ["period", "rebase"]].to_numpy().tolist()
    assert rebased == [["2023-07-01", "Counting rule changed"]]
    assert table["mean"].iloc[0] != table["mean"].iloc[-1]  # limits computed afresh from July
    err = capsys.readouterr().err
    assert "note: limits computed afresh from Jul 2023: Counting rule changed\n" in err
    assert "Not this measure" not in err
    code, out = cli(["--measure", "Burglary", "--db", str(series_db)])
    force = pd.read_csv(io.StringIO(out))
    assert code == 0 and force["target"].isna().all() and force["rebase"].isna().all()
    assert "note:" not in capsys.readouterr().err


def test_cli_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    absent = tmp_path / "absent.duckdb"
    code, out = cli(["--measure", "Burglary", "--db", str(absent)])
    assert (code, out) == (1, "")
    assert capsys.readouterr().err == f"error: no database at {absent}; load extracts first (make load)\n"


def test_cli_with_no_series_loaded(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "empty.duckdb"
    with staged_database(path):
        pass
    code, _ = cli(["--measure", "Burglary", "--db", str(path)])
    assert code == 1
    assert "no series for measure 'Burglary'; measures with series: none loaded" in capsys.readouterr().err


@pytest.fixture
def two_measures_db(series_db: Path) -> Path:
    """series_db plus a tiny-valued series, 'Rate', that is not in the measures table."""
    with staged_database(series_db) as con:
        con.executemany("INSERT INTO series VALUES ('Rate', 'Force', ?, ?, 'series.csv', 2)",
                        [[m, v] for m, v in zip(months(12), [0.00001, 0.00003] * 6)])
    return series_db


def test_cli_lists_every_measure_with_series(two_measures_db: Path, capsys: pytest.CaptureFixture) -> None:
    code, _ = cli(["--measure", "Robbery", "--db", str(two_measures_db)])
    assert code == 1
    assert "measures with series: Burglary, Rate" in capsys.readouterr().err


def test_cli_measure_missing_from_measures_is_neutral(two_measures_db: Path, capsys: pytest.CaptureFixture) -> None:
    """A series whose measure has no row in measures is charted as neutral, with a note on stderr."""
    code, out = cli(["--measure", "Rate", "--db", str(two_measures_db)])
    assert code == 0
    assert capsys.readouterr().err == "note: 'Rate' is not in measures; treated as neutral\n"
    assert out.startswith("period,")
    known = cli(["--measure", "Burglary", "--db", str(two_measures_db)])
    assert "note:" not in capsys.readouterr().err and known[0] == 0


def test_cli_prints_numbers_to_ten_significant_figures(two_measures_db: Path) -> None:
    """Numbers as %.10g: 12.46153846 for the mean 162/13, and 1e-05 (lower-case e) for a tiny value."""
    _, out = cli(["--measure", "Burglary", "--db", str(two_measures_db)])
    assert out.splitlines()[1] == "2023-01-01,10,12.46153846,7.141538462,17.78153846,,shift,special cause improvement,,"
    _, tiny = cli(["--measure", "Rate", "--db", str(two_measures_db)])
    assert tiny.splitlines()[1].startswith("2023-01-01,1e-05,2e-05,")
