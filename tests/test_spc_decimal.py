"""SPC on decimal data: every point decided as NHSRplotthedots decides it.

Two references, both independent of dashboard/spc.py's vectorised code:

* `r_reference`: NHSRplotthedots' arithmetic in plain Python, point by point (ptd_spc_standard:
  `mean()`, `abs(diff())`, screening `mr < 3.267 * amr`, `mean_col - (limit * amr)`,
  `limitclose = 2 * (limit / 3)`, strict comparisons; ptd_calculate_point_type for the rules),
  with R's `mean()` (src/main/summary.c, real_mean) emulated by `np.longdouble` scalars in a loop.
* `exact_decisions`: the same decisions in exact rational arithmetic (`fractions.Fraction`) on the
  exact binary values of the doubles. Where a decision is not within a few roundings of a tie,
  spc.py must agree with it; at a tie, only R's arithmetic decides, and spc.py must follow it.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from dashboard import domain, spc
from dashboard.spc import SpcSettings, spc_batch

assert np.finfo(np.longdouble).nmant == 63, "R's LDOUBLE on x86-64 Linux is the 80-bit x87 type"

LIMIT = 2.66
LIMIT_CLOSE = 2 * (LIMIT / 3)
SCREEN = 3.267
#: "Within one rounding of a tie": a few units in the last place of the numbers compared.
ROUNDINGS = 8 * 2.0 ** -52


def r_mean(xs: list[float]) -> float:
    """R's mean() of a double vector: long-double sum in order, / n, + sum(x - s) / n, to double."""
    n = len(xs)
    if n == 0:
        return float("nan")
    s = np.longdouble(0)
    for x in xs:
        s += np.longdouble(x)
    s /= np.longdouble(n)
    if np.isfinite(float(s)):
        t = np.longdouble(0)
        for x in xs:
            t += np.longdouble(x) - s
        s += t / np.longdouble(n)
    return float(s)


def sign(v: float) -> int:
    return (v > 0) - (v < 0)


def r_reference(y: list[float], fix_after: int | None, screen: bool) -> dict:
    """ptd_spc_standard and ptd_calculate_point_type for one group, as R computes them."""
    n = len(y)
    fix_y = y[: fix_after or n]
    mean = r_mean(fix_y)
    mr = [abs(fix_y[i] - fix_y[i - 1]) for i in range(1, len(fix_y))]
    amr = r_mean(mr)
    if screen:
        amr = r_mean([r for r in mr if r < SCREEN * amr])  # NA (left out) otherwise
    lpl, upl = mean - (LIMIT * amr), mean + (LIMIT * amr)
    nlpl, nupl = mean - (LIMIT_CLOSE * amr), mean + (LIMIT_CLOSE * amr)
    outside = [v > upl or v < lpl for v in y]  # NaN limits: FALSE, as in R
    rtm = [sign(v - mean) for v in y]
    close = [not outside[i] and (y[i] < nlpl or y[i] > nupl) for i in range(n)]

    def part_of_seven(v: list[int]) -> list[bool]:
        return [any(abs(v[j]) == 1 for j in range(i, min(i + 7, n))) for i in range(n)]

    one_side = [int(i >= 6 and rtm[i] != 0 and all(rtm[i - k] == rtm[i] for k in range(1, 7))) for i in range(n)]
    trend_end = [0] * n
    for i in range(6, n):
        d = [sign(y[i - k] - y[i - k - 1]) for k in range(6)]
        trend_end[i] = 1 if all(x == 1 for x in d) else (-1 if all(x == -1 for x in d) else 0)
    vp, rp = [0, 0, *close, 0, 0], [0, 0, *rtm, 0, 0]
    two = [any(sum(vp[i + s:i + s + 3]) >= 2 and abs(sum(rp[i + s:i + s + 3])) == 3 for s in range(3))
           for i in range(n)]
    part_trend = part_of_seven(trend_end)
    part_two = [two[i] and close[i] for i in range(n)]
    part_shift = part_of_seven(one_side)
    sdy = [sign(y[i + 1] - y[i]) for i in range(n - 1)]
    signal = []
    for i in range(n):
        if outside[i]:
            v = 1 if rtm[i] == 1 else -1  # "Above UCL" only when relative_to_mean == 1
        elif part_trend[i]:
            right = part_trend[i] and i + 1 < n and part_trend[i + 1]
            step = sdy[i] if right else (sdy[i - 1] if i else 0)
            v = 1 if step == 1 else -1  # ifelse(sdy == 1, "In", "De")
        elif part_two[i] or part_shift[i]:
            v = 1 if rtm[i] > 0 else -1
        else:
            v = 0
        signal.append(v)
    return {"mean": mean, "amr": amr, "lpl": lpl, "upl": upl, "outside": outside, "side": rtm,
            "close": close, "trend": part_trend, "two_in_three": part_two, "shift": part_shift,
            "signal": signal, "trend_end": trend_end}


def own_trend_direction(y: list[float], i: int, trend_end: list[int]) -> int | None:
    """The direction of the 7-point trends point i is in, if they all run one way (else None)."""
    n = len(y)
    directions = {trend_end[j] for j in range(i, min(i + 7, n)) if trend_end[j] != 0}
    return directions.pop() if len(directions) == 1 else None


def expected_signal(y: list[float], ref: dict) -> list[int]:
    """R's signals, with the one documented difference: a trend point not at a peak or trough
    takes its own trend's direction (NHSRplotthedots reads the step to the next point whenever
    the next point is in a trend too, so the last point of a trend followed by an equal value,
    or by a step back into a new trend, is named as the opposite direction)."""
    signal = list(ref["signal"])
    for i in range(len(y)):
        if not ref["outside"][i] and ref["trend"][i]:
            own = own_trend_direction(y, i, ref["trend_end"])
            if own is not None:
                signal[i] = own
    return signal


#: The reference's per-point decisions and the SpcBatch fields holding spc.py's.
BATCH_FIELDS = {"outside": "outside_limits", "side": "side", "close": "close", "trend": "trend",
                "two_in_three": "two_in_three", "shift": "shift"}


def check_against_reference(y: list[float], fix_after: int | None, screen: bool) -> dict:
    """spc.py equals the R reference on mean, limits (to the bit) and every point's decisions."""
    settings = SpcSettings(fix_after=fix_after, screen_outliers=screen)
    batch = spc_batch(np.array([y]), domain.HIGHER_IS_BETTER, settings)
    ref = r_reference(y, fix_after, screen)
    assert batch.mean[0] == ref["mean"]
    flat = np.isnan(ref["upl"]) and not np.isnan(ref["mean"]) and len(y[: fix_after or len(y)]) > 1
    if flat:  # documented difference: all moving ranges 0, screened: limits on the mean, not none
        assert batch.lower_process_limit[0] == batch.upper_process_limit[0] == ref["mean"]
        return ref
    assert batch.lower_process_limit[0] == ref["lpl"] or np.isnan(ref["lpl"])
    assert batch.upper_process_limit[0] == ref["upl"] or np.isnan(ref["upl"])
    for key, field in BATCH_FIELDS.items():
        assert list(getattr(batch, field)[0]) == ref[key], key
    assert list(batch.signal[0]) == expected_signal(y, ref)
    return ref


# --- Exact arithmetic ----------------------------------------------------------------------------

def exact_decisions(y: list[float], fix_after: int | None, screen: bool) -> dict | None:
    """Each point's side of the mean, outside a limit and beyond two thirds, in exact arithmetic on
    the doubles' binary values; None for a decision within a few roundings of its tie. None for
    the whole series when a moving range is that near the screening line (amr undecided)."""
    ex = [Fraction(v) for v in y]
    base = ex[: fix_after or len(ex)]
    mean = sum(base, Fraction(0)) / len(base)
    mr = [abs(base[i] - base[i - 1]) for i in range(1, len(base))]
    amr = sum(mr, Fraction(0)) / len(mr)
    if screen:
        line = Fraction(SCREEN) * amr
        if any(abs(r - line) <= ROUNDINGS * (r + line) for r in mr):
            return None
        mr = [r for r in mr if r < line]
        if not mr:
            return None
        amr = sum(mr, Fraction(0)) / len(mr)
    limit = Fraction(LIMIT) * amr
    near = 2 * Fraction(LIMIT) / 3 * amr

    def beyond(v: Fraction, reach: Fraction) -> bool | None:
        scale = abs(v) + abs(mean) + reach
        upper, lower = v - (mean + reach), (mean - reach) - v
        if min(abs(upper), abs(lower)) <= ROUNDINGS * scale:
            return None
        return upper > 0 or lower > 0

    side = []
    for v in ex:
        margin = v - mean
        side.append(None if abs(margin) <= ROUNDINGS * (abs(v) + abs(mean)) else (margin > 0) - (margin < 0))
    outside = [beyond(v, limit) for v in ex]
    near_beyond = [beyond(v, near) for v in ex]
    close = [None if o is None or b is None else (not o and b) for o, b in zip(outside, near_beyond)]
    return {"side": side, "outside": outside, "close": close}


def check_exact(y: list[float], fix_after: int | None, screen: bool, ref: dict) -> int:
    """Where exact arithmetic decides clearly, spc.py (= the R reference) agrees; returns the
    number of decisions that were ties (decided by R's arithmetic alone)."""
    exact = exact_decisions(y, fix_after, screen)
    if exact is None or np.isnan(ref["upl"]):
        return 0
    ties = 0
    for key in ("side", "outside", "close"):
        for i, decided in enumerate(exact[key]):
            if decided is None:
                ties += 1
            else:
                assert ref[key][i] == decided, (key, i)
    return ties


# --- The two reported series ---------------------------------------------------------------------

def test_twelve_months_of_a_tenth_are_common_cause() -> None:
    """0.1 twelve times: numpy's mean is 0.10000000000000002, R's is 0.1; the limits are on the
    mean (NHSRplotthedots: none), and no point is outside them or off the mean."""
    y = [0.1] * 12
    assert np.mean(y) != 0.1  # the premise: numpy's pairwise sum and double division miss it
    result = spc.spc_table([np.datetime64("2023-01") + i for i in range(12)], y, domain.HIGHER_IS_BETTER)
    assert result.mean == 0.1 == result.lower_process_limit == result.upper_process_limit
    assert set(result.table["variation"]) == {spc.COMMON_CAUSE}
    assert set(result.table["rules"]) == {""}
    check_against_reference(y, None, True)
    check_against_reference(y, None, False)


REPORTED = [0.2, 0.3, 0.2, 0.1, 0.2, 0.3, 0.2, 0, -0.1, 0, 0, -0.1, 0]


def test_a_point_on_a_decimal_mean_is_on_it() -> None:
    """Mean 0.1 (1.3 / 13): R's mean is the double 0.1, so the fourth point is on the mean and
    the first seven are not all above it: no shift (numpy's mean, 0.09999999999999999, put the
    0.1 above it and found one)."""
    assert sum(Fraction(str(v)) for v in REPORTED) / len(REPORTED) == Fraction(1, 10)
    batch = spc_batch(np.array([REPORTED]), domain.HIGHER_IS_BETTER)
    assert batch.mean[0] == 0.1
    assert batch.side[0, 3] == 0
    assert not batch.shift.any()
    assert set(batch.variation[0]) == {0}
    ref = check_against_reference(REPORTED, None, True)
    assert ref["side"][3] == 0
    # In exact arithmetic on the doubles the 0.1 is a hair off the mean: a tie, left to R.
    assert exact_decisions(REPORTED, None, True)["side"][3] is None


def test_a_trend_ending_where_a_new_trend_begins_keeps_its_own_direction() -> None:
    """The Hypothesis counterexample: 0..6 rising, a step back to 3, then 3..9 rising. NHSRplotthedots
    (ptd_special_cause_type) names the 6 "7 Point Trend (Decreasing)" because the next point is in
    a trend, so it reads the step to it (6 -> 3); the 6 is in no falling trend. The dashboard
    keeps the rising trend's direction: improvement, where higher is better (documented)."""
    y = [float(v) for v in [0, 1, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7, 8, 9]]
    ref = r_reference(y, None, False)
    assert ref["trend"] == [True] * 14 and not ref["outside"][6]  # 0 and 1 are below the limit
    assert ref["signal"][6] == -1  # R: decreasing -> concern
    batch = spc_batch(np.array([y]), domain.HIGHER_IS_BETTER, SpcSettings(screen_outliers=False))
    assert batch.signal[0, 6] == 1
    assert spc.VARIATIONS[batch.variation[0, 6]] == spc.SPECIAL_IMPROVEMENT
    check_against_reference(y, None, False)


# --- Property tests ------------------------------------------------------------------------------

def as_decimals(ks: list[int], places: int) -> list[float]:
    """Decimal values as a CSV gives them: the double nearest k / 10**places."""
    return [k / 10 ** places for k in ks]


places_strategy = st.integers(1, 3)
noise = st.lists(st.integers(-400, 400), min_size=2, max_size=40)
walk = st.lists(st.sampled_from([-3, -1, 0, 1, 2, 7]), min_size=2, max_size=40).map(
    lambda steps: list(np.cumsum([0, *steps])))
few_values = st.lists(st.sampled_from([-2, -1, 0, 1, 2, 3]), min_size=2, max_size=40)


@st.composite
def mean_is_a_value(draw: st.DrawFn) -> list[int]:
    """A series whose decimal mean is exactly its first value (the last value makes it so)."""
    ks = draw(st.one_of(noise, walk, few_values))
    ks = [int(k) for k in ks]
    return [*ks, (len(ks) + 1) * ks[0] - sum(ks)]


@st.composite
def points_on_the_lines(draw: st.DrawFn) -> tuple[list[int], int]:
    """A baseline whose decimal limits or two-thirds lines are decimal values, then points on
    them: baseline mean m and moving ranges 3 (in the last place), so the limits are
    m ± 7.98 and the two-thirds lines m ± 5.32, both 2 places further on."""
    m = draw(st.integers(-50, 50))
    base = [m - 1, m + 2] * draw(st.integers(3, 8))  # mean m + 0.5, every moving range 3
    # in hundredths of the baseline's unit: mean 100m + 50, limit 798, two thirds 532
    centre = 100 * m + 50
    on_a_line = draw(st.sampled_from([798, -798, 532, -532, 0]))
    offsets = [on_a_line, *draw(st.lists(st.sampled_from([798, -798, 532, -532, 0, 300, -300]), max_size=12))]
    return [100 * k for k in base] + [centre + o for o in offsets], len(base)


@hypothesis_settings(max_examples=400, deadline=None)
@given(ks=st.one_of(noise, walk, few_values, mean_is_a_value()), places=places_strategy,
       screen=st.booleans(), fix_after=st.one_of(st.none(), st.integers(2, 30)))
def test_decimal_series_match_nhsrplotthedots_arithmetic(ks: list[int], places: int, screen: bool,
                                                         fix_after: int | None) -> None:
    y = as_decimals([int(k) for k in ks], places)
    ref = check_against_reference(y, fix_after, screen)
    check_exact(y, fix_after, screen, ref)


@hypothesis_settings(max_examples=200, deadline=None)
@given(ks=mean_is_a_value(), places=places_strategy, screen=st.booleans())
def test_points_on_a_decimal_mean_follow_r(ks: list[int], places: int, screen: bool) -> None:
    """A decimal tie with the mean: exact arithmetic on the doubles leaves it to rounding (or
    decides it clearly where the values are far larger than the mean), and spc.py follows R."""
    y = as_decimals(ks, places)
    ref = check_against_reference(y, None, screen)
    check_exact(y, None, screen, ref)
    assert sum(Fraction(k, 10 ** places) for k in ks) / len(ks) == Fraction(ks[0], 10 ** places)


@hypothesis_settings(max_examples=200, deadline=None)
@given(series=points_on_the_lines(), places=st.integers(3, 4), screen=st.booleans())
def test_points_on_decimal_limits_follow_r(series: tuple[list[int], int], places: int, screen: bool) -> None:
    """Points exactly on the decimal limit or two-thirds line of a fixed baseline: ties in exact
    decimal arithmetic, decided by R's arithmetic; spc.py decides each as the reference does."""
    ks, fix_after = series
    y = as_decimals(ks, places)
    ref = check_against_reference(y, fix_after, screen)
    assert check_exact(y, fix_after, screen, ref) > 0  # the ties are there


def test_many_generated_decimal_series_match_the_reference_in_one_batch() -> None:
    """5,000 random decimal series of 1 to 3 places through one spc_batch call, each row equal to
    the reference on mean, limits and every point."""
    rng = np.random.default_rng(12)
    rows = []
    for s in range(5000):
        places = 1 + s % 3
        kind = s % 4
        if kind == 0:
            ks = rng.integers(-300, 300, 24)
        elif kind == 1:
            ks = np.cumsum(rng.choice([-2, -1, 0, 1, 3], 24))
        elif kind == 2:
            ks = rng.choice([-1, 0, 1, 2], 24)
        else:
            ks = rng.integers(-9, 9, 24)
            ks[-1] = 24 * ks[0] - ks[:-1].sum()
        rows.append(as_decimals([int(k) for k in ks], places))
    for screen in (True, False):
        batch = spc_batch(np.array(rows), domain.HIGHER_IS_BETTER, SpcSettings(screen_outliers=screen))
        for i, y in enumerate(rows):
            ref = r_reference(y, None, screen)
            assert batch.mean[i] == ref["mean"]
            if np.isnan(ref["upl"]):
                continue
            assert (batch.lower_process_limit[i], batch.upper_process_limit[i]) == (ref["lpl"], ref["upl"])
            for key, field in BATCH_FIELDS.items():
                assert list(getattr(batch, field)[i]) == ref[key], (i, key)
            assert list(batch.signal[i]) == expected_signal(y, ref), i


def test_r_mean_keeps_the_long_double_range() -> None:
    """1e308 + 1e308 - 1e308 overflows a double sum; R's long double sum does not: 1e308 / 3."""
    values = [1e308, 1e308, -1e308]
    assert spc.r_mean(np.array([values]))[0] == r_mean(values) == 1e308 / 3


def test_r_mean_of_a_row_with_nothing_kept_is_nan_and_quiet() -> None:
    """As R's mean of no values: NaN, and no NumPy warning about the 0/0 it comes from."""
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        means = spc.r_mean(values, np.array([[True, True], [False, False]]))
    assert means[0] == 1.5 and np.isnan(means[1])


def test_r_mean_leaves_a_sum_that_is_not_finite_as_it_is() -> None:
    """R refines only a finite first pass: a row holding an infinity has that infinity as its mean."""
    assert spc.r_mean(np.array([[np.inf, 1.0], [-np.inf, 1.0]])).tolist() == [np.inf, -np.inf]


def test_flat_baseline_keeps_limits_on_the_mean() -> None:
    """The documented difference: limits fixed on twelve 0.1s, then 0.2. NHSRplotthedots with
    screening has no limits (NaN) and so nothing outside; without screening its limits are on the
    mean and the 0.2 is outside, which is what the dashboard shows either way."""
    y = [0.1] * 12 + [0.2]
    screened, unscreened = r_reference(y, 12, True), r_reference(y, 12, False)
    assert np.isnan(screened["upl"]) and not any(screened["outside"])
    assert unscreened["upl"] == 0.1 and unscreened["outside"] == [False] * 12 + [True]
    for screen in (True, False):
        batch = spc_batch(np.array([y]), domain.HIGHER_IS_BETTER, SpcSettings(fix_after=12, screen_outliers=screen))
        assert batch.upper_process_limit[0] == batch.mean[0] == 0.1
        assert list(batch.outside_limits[0]) == unscreened["outside"]
    check_against_reference(y, 12, False)


# --- Rebased limits on decimal data (issue 12) -----------------------------------------------------
# NHSRplotthedots groups by rebase_group before computing anything (ptd_spc_standard and
# ptd_calculate_point_type both group_by(f, rebase_group)), so each segment is a series of its
# own: the reference is r_reference on each segment alone, fix_after counted within it.

def check_segments_against_reference(y: list[float], cuts: list[int], fix_after: int | None,
                                     screen: bool) -> int:
    """spc.py with known changes at `cuts` equals the R reference on every segment, and the
    exact arithmetic wherever it decides; returns the ties left to R's rounding."""
    breaks = np.zeros((1, len(y)), dtype=bool)
    breaks[0, cuts] = True
    settings = SpcSettings(fix_after=fix_after, screen_outliers=screen)
    batch = spc_batch(np.array([y]), domain.HIGHER_IS_BETTER, settings, breaks=breaks)
    bounds = [0, *sorted(set(cuts)), len(y)]
    ties = 0
    for number, (start, stop) in enumerate(zip(bounds, bounds[1:])):
        part = y[start:stop]
        ref = r_reference(part, fix_after, screen)
        assert list(batch.segment[0, start:stop]) == [number] * len(part)
        assert set(batch.point_mean[0, start:stop]) == {ref["mean"]}
        flat = np.isnan(ref["upl"]) and len(part[: fix_after or len(part)]) > 1
        if np.isnan(ref["upl"]):
            if flat:  # the documented difference: limits on the mean
                assert set(batch.point_upper[0, start:stop]) == {ref["mean"]}
            continue
        assert set(batch.point_lower[0, start:stop]) == {ref["lpl"]}
        assert set(batch.point_upper[0, start:stop]) == {ref["upl"]}
        for key, name in BATCH_FIELDS.items():
            assert list(getattr(batch, name)[0, start:stop]) == ref[key], (number, key)
        assert list(batch.signal[0, start:stop]) == expected_signal(part, ref), number
        ties += check_exact(part, fix_after, screen, ref)
    return ties


@st.composite
def rebased_decimals(draw: st.DrawFn) -> tuple[list[float], list[int]]:
    ks = [int(k) for k in draw(st.one_of(noise, walk, few_values, mean_is_a_value()))]
    ks += [int(k) for k in draw(st.one_of(noise, walk, few_values))]
    cuts = draw(st.lists(st.integers(1, len(ks) - 1), min_size=1, max_size=3, unique=True))
    return as_decimals(ks, draw(places_strategy)), sorted(cuts)


@hypothesis_settings(max_examples=300, deadline=None)
@given(series=rebased_decimals(), screen=st.booleans(), fix_after=st.one_of(st.none(), st.integers(2, 20)))
def test_rebased_decimal_series_match_nhsrplotthedots_segment_by_segment(
        series: tuple[list[float], list[int]], screen: bool, fix_after: int | None) -> None:
    y, cuts = series
    check_segments_against_reference(y, cuts, fix_after, screen)


def test_a_segment_whose_mean_is_one_of_its_decimals_has_that_point_on_the_mean() -> None:
    """The issue's series after a known change: the segment's mean is 0.1 to the last bit, so its
    0.1 points are on the mean and no shift is found within it (nor across the change)."""
    before = [5.0, 6.0, 5.0, 7.0, 6.0, 5.0]
    after = [0.2, 0.3, 0.2, 0.1, 0.2, 0.3, 0.2, 0, -0.1, 0, 0, -0.1, 0]
    ties = check_segments_against_reference(before + after, [len(before)], None, True)
    batch = spc_batch(np.array([before + after]), domain.HIGHER_IS_BETTER,
                      breaks=np.array([[i == len(before) for i in range(19)]]))
    assert batch.mean[0] == 0.1 and batch.side[0, len(before) + 3] == 0
    assert not batch.shift[0].any() and ties >= 1


def test_many_rebased_decimal_series_match_the_reference_in_one_batch() -> None:
    """2,000 decimal series, each cut once at its own place, through one spc_batch call: every
    segment equals the reference run on that segment alone."""
    rng = np.random.default_rng(2026)
    n = 30
    rows, cut_at = [], rng.integers(1, n, 2000)
    for s in range(2000):
        ks = rng.integers(-300, 300, n) if s % 2 else np.cumsum(rng.choice([-2, -1, 0, 1, 3], n))
        rows.append(as_decimals([int(k) for k in ks], 1 + s % 3))
    breaks = np.zeros((2000, n), dtype=bool)
    breaks[np.arange(2000), cut_at] = True
    batch = spc_batch(np.array(rows), domain.HIGHER_IS_BETTER, breaks=breaks)
    for i, y in enumerate(rows):
        for start, stop in ((0, cut_at[i]), (cut_at[i], n)):
            ref = r_reference(y[start:stop], None, True)
            assert batch.point_mean[i, start] == ref["mean"]
            if np.isnan(ref["upl"]):
                continue
            assert (batch.point_lower[i, start], batch.point_upper[i, start]) == (ref["lpl"], ref["upl"])
            for key, name in BATCH_FIELDS.items():
                assert list(getattr(batch, name)[i, start:stop]) == ref[key], (i, key)
            assert list(batch.signal[i, start:stop]) == expected_signal(y[start:stop], ref), i
        assert batch.mean[i] == batch.point_mean[i, -1]
