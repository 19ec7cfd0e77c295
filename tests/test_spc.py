"""XmR SPC: limits, the four rules on hand-worked vectors, settings, polarity, parity with
NHSRplotthedots' logic, the chart and the CLI."""

from __future__ import annotations

import io
import itertools
import math
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from dashboard import domain, spc
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
    single = run([4.0])
    assert single.mean == 4.0 and math.isnan(single.upper_process_limit)
    assert single.state == spc.COMMON_CAUSE and "Only 1 point," in single.warning
    build_spc_figure(single, ChartMeta("One point"))


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


def test_unknown_polarity_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown polarity 'up'"):
        run([1, 2, 3], "up")


def test_outside_limits_takes_precedence_and_all_rules_are_named() -> None:
    """Seven rising points ending far above the limit: rules lists both, variation by outside."""
    result = run([10, 12] * 6 + [13, 14, 15, 16, 17, 18, 60], settings=SpcSettings(fix_after=12))
    assert result.table["rules"].iloc[-1] == "outside limits; trend; shift"
    assert result.state == spc.SPECIAL_IMPROVEMENT


def test_periods_are_sorted_and_must_be_unique() -> None:
    result = spc_table([date(2023, 2, 1), date(2023, 1, 1)], [2.0, 1.0], domain.NEUTRAL)
    assert list(result.table["value"]) == [1.0, 2.0]
    with pytest.raises(ValueError, match="appears more than once"):
        spc_table([date(2023, 1, 1)] * 2, [1.0, 2.0], domain.NEUTRAL)
    with pytest.raises(ValueError, match="2 periods but 1 values"):
        spc_table(months(2), [1.0], domain.NEUTRAL)


def test_non_finite_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        run([1.0, float("nan"), 2.0])


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
    # No equal neighbours (where NHSRplotthedots labels a trend's last point by a zero step),
    # and not flat (where its screening leaves no limits).
    lambda ys: all(a != b for a, b in zip(ys, ys[1:])) and len(set(ys)) > 1
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(ys=series_strategy, polarity=st.sampled_from(domain.POLARITIES), screen=st.booleans(),
       fix_after=st.one_of(st.none(), st.integers(2, 30)))
def test_matches_nhsrplotthedots_logic(ys: list[int], polarity: str, screen: bool, fix_after: int | None) -> None:
    y = [float(v) for v in ys]
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
    assert set(improvement.text) == {domain.DIRECTION_STYLES[domain.BETTER].icon}
    assert len(improvement.x) == 8  # the 7-point trend and the point outside the limits
    assert chart_meta(fig).title == "Referrals"
    assert "Only" not in chart_meta(fig).subtitle


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
