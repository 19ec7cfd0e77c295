"""Known changes (rebased limits), targets and Making Data Count's assurance in dashboard/spc.py:
NHSRplotthedots' own test vectors (tests/testthat: test-ptd_spc_standard, test-ptd_add_rebase_column,
test-ptd_add_short_group_warnings, test-ptd_calculate_assurance_type), segment-by-segment
agreement with the unrebased engine, the table, the chart and its words."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from dashboard import assurance, domain, spc
from dashboard.charts import ChartMeta, chart_meta
from dashboard.spc import KnownChange, SpcSettings, Target, build_spc_figure, spc_batch, spc_table

#: R: set.seed(123); rnorm(20), the data of NHSRplotthedots' test-ptd_spc_standard.R.
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
    -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
    -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]


def days(n: int, start: date = date(2020, 1, 2)) -> list[date]:
    """as.Date("2020-01-01") + 1:n, the package tests' dates."""
    return [d.date() for d in pd.date_range(pd.Timestamp(start), periods=n, freq="D")]


def months(n: int, start: date = date(2023, 1, 1)) -> list[date]:
    return [d.date() for d in pd.date_range(pd.Timestamp(start), periods=n, freq="MS")]


# --- NHSRplotthedots' pinned vectors -------------------------------------------------------------

def test_ptd_spc_standard_snapshot_limits() -> None:
    """The package's snapshot (tests/testthat/_snaps/ptd_spc_standard.md): mean_col 0.1416238,
    lpl -3.01138, upl 3.294627; with y[15] <- 10, screened -2.383666 / 3.722497 around
    0.6694159, unscreened -4.596625 / 5.935457."""
    r1 = spc_table(days(20), RNORM_123, domain.HIGHER_IS_BETTER)
    assert (r1.mean, r1.lower_process_limit, r1.upper_process_limit) == pytest.approx(
        (0.1416238, -3.01138, 3.294627), abs=5e-7)
    wild = list(RNORM_123)
    wild[14] = 10.0  # R's y[15]
    r2 = spc_table(days(20), wild, domain.HIGHER_IS_BETTER)
    assert (r2.mean, r2.lower_process_limit, r2.upper_process_limit) == pytest.approx(
        (0.6694159, -2.383666, 3.722497), abs=5e-7)
    r3 = spc_table(days(20), wild, domain.HIGHER_IS_BETTER, SpcSettings(screen_outliers=False))
    assert (r3.lower_process_limit, r3.upper_process_limit) == pytest.approx((-4.596625, 5.935457), abs=5e-7)


def test_ptd_spc_standard_sets_the_rebase_group() -> None:
    """rebase = c(rep(0, 10), 1, rep(0, 9)) gives rebase_group c(rep(0, 10), rep(1, 10)); the
    limits either side are those of each half alone."""
    breaks = np.array([[i == 10 for i in range(20)]])
    batch = spc_batch(np.array([RNORM_123]), domain.HIGHER_IS_BETTER, breaks=breaks)
    assert list(batch.segment[0]) == [0] * 10 + [1] * 10
    none = spc_batch(np.array([RNORM_123]), domain.HIGHER_IS_BETTER)
    assert list(none.segment[0]) == [0] * 20
    for half in (slice(0, 10), slice(10, 20)):
        alone = spc_batch(np.array([RNORM_123[half]]), domain.HIGHER_IS_BETTER)
        assert set(batch.point_mean[0, half]) == {alone.mean[0]}
        assert set(batch.point_lower[0, half]) == {alone.lower_process_limit[0]}
        assert set(batch.point_upper[0, half]) == {alone.upper_process_limit[0]}
    assert batch.mean[0] == batch.point_mean[0, -1] != none.mean[0]


def test_ptd_add_rebase_column_marks_the_rebase_dates() -> None:
    """Dates 2020-01-02..11 rebased at 2020-01-03 and 2020-01-08: c(0, 1, 0, 0, 0, 0, 1, 0, 0, 0)."""
    breaks, applied = spc.applied_changes(days(10), [KnownChange(date(2020, 1, 3), "a"),
                                                     KnownChange(date(2020, 1, 8), "b")])
    assert breaks.astype(int).tolist() == [0, 1, 0, 0, 0, 0, 1, 0, 0, 0]
    assert [c.reason for c in applied] == ["a", "b"]
    none, nothing = spc.applied_changes(days(10), [])
    assert none.astype(int).tolist() == [0] * 10 and nothing == ()


def test_a_change_at_or_before_the_first_point_or_after_the_last_cuts_nothing() -> None:
    """As in the package, where a rebase on the first point leaves one group and one off the data
    none; a change in a month the series skips starts at its next point (on purpose)."""
    periods = months(6)
    for month in (date(2022, 6, 1), date(2023, 1, 1), date(2023, 7, 1)):
        breaks, applied = spc.applied_changes(periods, [KnownChange(month, "x")])
        assert not breaks.any() and applied == ()
    gap = [p for p in months(8) if p != date(2023, 4, 1)]
    breaks, applied = spc.applied_changes(gap, [KnownChange(date(2023, 4, 1), "skipped month")])
    assert breaks.astype(int).tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert applied == (KnownChange(date(2023, 4, 1), "skipped month"),)


def test_two_changes_on_one_point_are_one_cut() -> None:
    gap = [p for p in months(8) if p.month not in (3, 4)]
    breaks, applied = spc.applied_changes(gap, [KnownChange(date(2023, 4, 1), "second"),
                                                KnownChange(date(2023, 3, 1), "first")])
    assert breaks.dtype == bool and breaks.tolist() == [False, False, True, False, False, False]
    assert applied == (KnownChange(date(2023, 3, 1), "first; second"),)
    with_areas = spc.applied_changes(gap, [KnownChange(date(2023, 4, 1), "second", ""),
                                           KnownChange(date(2023, 3, 1), "first", "City")])[1]
    assert with_areas == (KnownChange(date(2023, 3, 1), "first; second", "City"),)


def test_a_two_point_series_can_be_cut_at_its_second_point() -> None:
    breaks, applied = spc.applied_changes(months(2), [KnownChange(date(2023, 2, 1), "x")])
    assert breaks.tolist() == [False, True] and applied == (KnownChange(date(2023, 2, 1), "x"),)
    assert spc.applied_changes(months(1), [KnownChange(date(2023, 1, 1), "x")])[1] == ()


@pytest.mark.parametrize(("sizes", "warned"), [
    ((35, 5), [False, True]),     # test-ptd_add_short_group_warnings: a group of 5 warns
    ((20, 20), [False, False]),   # groups of 20: no warning
    ((12, 12), [False, False]),   # equal to the threshold 12: no warning
    ((11, 13), [True, False]),    # 11: warns
])
def test_a_short_segment_warns_as_a_short_series_does(sizes: tuple[int, int], warned: list[bool]) -> None:
    n = sum(sizes)
    periods = months(n)
    change = KnownChange(periods[sizes[0]], "New recording system")
    result = spc_table(periods, [10.0, 12.0] * (n // 2) + [11.0] * (n % 2), domain.HIGHER_IS_BETTER,
                       changes=[change])
    found = [spc.segment_warning(i, size, result.changes, SpcSettings(), i == 1) for i, size in enumerate(sizes)]
    assert [w is not None for w in found] == warned
    if any(warned):
        assert result.warning is not None
        month = domain.format_month(change.month)
        if warned[0]:
            assert f"Only {sizes[0]} points before the change in {month} (New recording system)" in result.warning
            assert "trial limits for those months" in result.warning
        if warned[1]:
            assert f"Only {sizes[1]} points from the change in {month} (New recording system)" in result.warning
            assert "will change as months are added" in result.warning
    else:
        assert result.warning is None


def test_fixed_limits_within_a_segment_warn_with_the_change_named() -> None:
    periods = months(30)
    result = spc_table(periods, [10.0, 12.0] * 15, domain.HIGHER_IS_BETTER, SpcSettings(fix_after=6),
                       changes=[KnownChange(periods[15], "Boundary change")])
    assert result.warning == (
        "Limits before the change in Apr 2024 (Boundary change) fixed after 6 points, fewer than the 12 "
        "recommended: treat them as trial limits. Limits from the change in Apr 2024 (Boundary change) fixed "
        "after 6 points, fewer than the 12 recommended: treat them as trial limits.")
    assert "fixed after 6 points" in result.warning and result.warning.count("Boundary change") == 2


@pytest.mark.parametrize(("polarity", "expected"), [
    (domain.HIGHER_IS_BETTER, [spc.ASSURANCE_FAIL, spc.ASSURANCE_PASS, spc.ASSURANCE_HIT_AND_MISS]),
    (domain.LOWER_IS_BETTER, [spc.ASSURANCE_PASS, spc.ASSURANCE_FAIL, spc.ASSURANCE_HIT_AND_MISS]),
    (domain.NEUTRAL, [None, None, None]),
])
def test_ptd_calculate_assurance_type_vectors(polarity: str, expected: list) -> None:
    """lpl c(1, 5, 1), upl c(3, 7, 5), target 4: increase gives consistent_fail, consistent_pass,
    inconsistent; decrease the reverse; neutral none."""
    lower, upper = [1, 5, 1], [3, 7, 5]
    assert [assurance.assurance(4, lo, up, polarity) for lo, up in zip(lower, upper)] == expected
    codes = spc.assurance_codes(np.full(3, 4.0), np.array(lower, float), np.array(upper, float),
                                np.full(3, spc.improvement_sign(polarity)))
    assert [spc.ASSURANCES[c] for c in codes] == expected


def test_no_target_gives_no_assurance() -> None:
    """test-ptd_calculate_assurance_type: target NULL gives NA."""
    assert assurance.assurance(None, 1, 3, domain.HIGHER_IS_BETTER) is None
    assert assurance.assurance(float("nan"), 1, 3, domain.HIGHER_IS_BETTER) is None
    result = spc_table(months(12), [10.0, 12.0] * 6, domain.HIGHER_IS_BETTER)
    assert result.assurance is None and result.target is None and result.table["target"].isna().all()


def test_a_target_on_a_limit_is_hit_and_miss() -> None:
    """The package's comparisons are strict: a target equal to a limit is 'inconsistent'."""
    for polarity in (domain.HIGHER_IS_BETTER, domain.LOWER_IS_BETTER):
        assert assurance.assurance(3.0, 1.0, 3.0, polarity) == spc.ASSURANCE_HIT_AND_MISS
        assert assurance.assurance(1.0, 1.0, 3.0, polarity) == spc.ASSURANCE_HIT_AND_MISS


def test_assurance_when_rebased_uses_the_latest_segment() -> None:
    """test-ptd_calculate_assurance_type 'when rebase': the last row's limits decide. Limits
    12 ± 2.66·2 before a change, 32 ± 2.66·2 after: target 20 (lower is better) is consistently
    failing against the first segment and consistently passing against the latest."""
    periods = months(24)
    values = [11.0, 13.0] * 6 + [31.0, 33.0] * 6
    result = spc_table(periods, values, domain.LOWER_IS_BETTER, targets=[Target(periods[0], 20.0)],
                       changes=[KnownChange(periods[12], "New service")])
    assert result.table["assurance"].iloc[0] == spc.ASSURANCE_PASS
    assert result.assurance == spc.ASSURANCE_FAIL == result.table["assurance"].iloc[-1]
    assert result.mean == 32.0 and result.table["mean"].iloc[0] == 12.0
    assert result.segments == ((0, 11), (12, 23))


# --- Segments against the unrebased engine -------------------------------------------------------

@hypothesis_settings(max_examples=200, deadline=None)
@given(ys=st.lists(st.integers(0, 30), min_size=2, max_size=50), data=st.data(),
       fix_after=st.one_of(st.none(), st.integers(2, 15)), screen=st.booleans())
def test_every_segment_is_computed_as_a_series_of_its_own(ys: list[int], data: st.DataObject,
                                                          fix_after: int | None, screen: bool) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(1, len(ys) - 1), max_size=4, unique=True)))
    settings = SpcSettings(fix_after=fix_after, screen_outliers=screen)
    values = np.array([ys], dtype=float)
    breaks = np.zeros_like(values, dtype=bool)
    breaks[0, cuts] = True
    polarity = data.draw(st.sampled_from(domain.POLARITIES))
    batch = spc_batch(values, polarity, settings, breaks=breaks)
    bounds = [0, *cuts, len(ys)]
    for number, (start, stop) in enumerate(zip(bounds, bounds[1:])):
        alone = spc_batch(values[:, start:stop], polarity, settings)
        assert (batch.segment[0, start:stop] == number).all()
        for name in ("outside_limits", "trend", "two_in_three", "shift", "signal", "variation", "side", "close"):
            assert np.array_equal(getattr(batch, name)[0, start:stop], getattr(alone, name)[0]), name
        for name, whole in (("point_mean", "mean"), ("point_lower", "lower_process_limit"),
                            ("point_upper", "upper_process_limit")):
            assert np.array_equal(getattr(batch, name)[0, start:stop],
                                  np.repeat(getattr(alone, whole), stop - start), equal_nan=True), name


def test_a_batch_of_series_each_rebased_at_its_own_point() -> None:
    """Series with no change, one and two in one batch: each row as if run alone."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 40, size=(50, 36)).astype(float)
    breaks = np.zeros_like(values, dtype=bool)
    for row in range(50):
        breaks[row, rng.choice(np.arange(1, 36), size=row % 3, replace=False)] = True
    batch = spc_batch(values, domain.LOWER_IS_BETTER, breaks=breaks)
    for row in range(50):
        alone = spc_batch(values[row:row + 1], domain.LOWER_IS_BETTER, breaks=breaks[row:row + 1])
        assert np.array_equal(batch.variation[row], alone.variation[0])
        assert np.array_equal(batch.point_upper[row], alone.point_upper[0], equal_nan=True)
        assert np.array_equal(batch.mean[row], alone.mean[0], equal_nan=True)


def test_a_step_at_a_known_change_is_no_longer_a_shift() -> None:
    """Twelve months round 10 then twelve round 30: one set of limits finds shifts and points
    outside; rebased at the step, each segment is common cause."""
    periods = months(24)
    values = [9.0, 11.0] * 6 + [29.0, 31.0] * 6
    plain = spc_table(periods, values, domain.HIGHER_IS_BETTER)
    assert plain.state == spc.SPECIAL_IMPROVEMENT
    rebased = spc_table(periods, values, domain.HIGHER_IS_BETTER, changes=[KnownChange(periods[12], "New service")])
    assert set(rebased.table["variation"]) == {spc.COMMON_CAUSE}
    assert list(rebased.table["rebase"]) == [""] * 12 + ["New service"] + [""] * 11
    assert rebased.changes == (KnownChange(periods[12], "New service"),)


def test_breaks_of_the_wrong_shape_and_targets_of_the_wrong_shape_are_refused() -> None:
    values = np.ones((2, 5))
    with pytest.raises(ValueError, match="breaks must have the values' shape"):
        spc_batch(values, domain.NEUTRAL, breaks=np.zeros((2, 4), dtype=bool))
    with pytest.raises(ValueError, match="target must be"):
        spc_batch(values, domain.NEUTRAL, target=np.ones(3))


def test_batch_targets_per_series_or_per_point() -> None:
    values = np.array([[10.0, 12.0] * 6, [10.0, 12.0] * 6])
    per_series = spc_batch(values, domain.HIGHER_IS_BETTER, target=np.array([20.0, np.nan]))
    assert [spc.ASSURANCES[c] for c in per_series.assurance] == [spc.ASSURANCE_FAIL, None]
    per_point = np.full(values.shape, 20.0)
    per_point[1, -1] = 0.0  # the latest point's target decides
    by_point = spc_batch(values, domain.HIGHER_IS_BETTER, target=per_point)
    assert [spc.ASSURANCES[c] for c in by_point.assurance] == [spc.ASSURANCE_FAIL, spc.ASSURANCE_PASS]


# --- Targets over time ---------------------------------------------------------------------------

def test_the_target_in_force_at_each_month() -> None:
    periods = months(6)
    targets = [Target(date(2023, 5, 1), 8.0), Target(date(2023, 2, 1), 9.0)]  # given out of order
    assert spc.target_values(periods, targets).tolist()[1:] == [9.0, 9.0, 9.0, 8.0, 8.0]
    assert np.isnan(spc.target_values(periods, targets)[0])
    assert spc.target_applying(targets, date(2023, 4, 1)).value == 9.0
    assert spc.target_applying(targets, date(2023, 1, 1)) is None
    result = spc_table(periods, [10.0, 12.0] * 3, domain.HIGHER_IS_BETTER, targets=targets)
    assert result.target == 8.0 and [t.value for t in result.targets] == [9.0, 8.0]
    assert result.table["assurance"].iloc[0] is None


# --- Chart and words -----------------------------------------------------------------------------

def rebased_with_target() -> spc.SpcResult:
    periods = months(24)
    return spc_table(periods, [9.0, 11.0] * 6 + [29.0, 31.0] * 6, domain.HIGHER_IS_BETTER,
                     targets=[Target(periods[0], 40.0)], changes=[KnownChange(periods[12], "New service")])


def test_chart_draws_the_target_and_the_break_with_its_reason() -> None:
    result = rebased_with_target()
    fig = build_spc_figure(result, ChartMeta("Referrals"))
    target = next(t for t in fig.data if t.name == "Target")
    assert list(target.y) == [40.0] * 24 and target.line.dash == "dot"
    mean = next(t for t in fig.data if t.name == "Mean")
    assert None in list(mean.x) and list(mean.y).count(None) == 1  # the line stops at the change
    assert [y for y in mean.y if y is not None] == [10.0] * 12 + [30.0] * 12
    drawn_months = list(result.table["period"])
    assert list(mean.x) == drawn_months[:12] + [None] + drawn_months[12:]
    change = next(t for t in fig.data if t.name.startswith("Known change"))
    assert change.name.replace("<br>", " ") == "Known change from Jan 2024: New service"
    assert change.line.dash == "longdash"
    assert change.x[0] == change.x[1] == pd.Timestamp("2023-12-16 12:00")  # between Dec and Jan
    assert (change.y[0], change.y[1]) == (min(result.table["lower_process_limit"]), 40.0)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "Change (Jan 2024)" in texts and "Target" in texts
    assert "Assurance: target 40 against process limits" in fig.layout.title.text


def test_target_and_change_are_drawn_as_designed() -> None:
    """The target: a 2 px blue dotted line stepping where it changes, over the months it applies
    to and not before, with a hover of month and target. A known change: a 1.5 px dark long-dashed
    line half-way between the months either side, from the lowest figure drawn to the highest,
    named in the legend wrapped for a phone (34 characters) and in its hover (40); a short 11 px
    label at its top, 3 px to its right, without an arrow."""
    periods = months(24)
    result = spc_table(periods, [9.0, 11.0] * 6 + [29.0, 31.0] * 6, domain.HIGHER_IS_BETTER,
                       targets=[Target(periods[6], 40.0)], changes=[KnownChange(periods[12], "Service moved")])
    fig = build_spc_figure(result, ChartMeta("Referrals"))
    target = next(t for t in fig.data if t.name == "Target")
    assert list(target.x) == list(result.table["period"])
    np.testing.assert_array_equal(np.array(target.y, dtype=float), [np.nan] * 6 + [40.0] * 18)
    assert target.mode == "lines" and not target.connectgaps
    assert (target.line.color, target.line.width, target.line.dash, target.line.shape) == (
        spc.TARGET_COLOUR, 2, "dot", "hv")
    assert target.hovertemplate == "%{x|%b %Y}: target %{y:,}<extra></extra>"
    change = next(t for t in fig.data if t.name.startswith("Known change"))
    # 41 characters: "Service" ends at the 35th, "moved" at the 41st
    assert change.name == "Known change from Jan 2024:<br>Service moved"
    assert change.hovertemplate == "Known change from Jan 2024: Service<br>moved<extra></extra>"
    at = pd.Timestamp("2023-12-16 12:00")
    lowest = min(result.table["lower_process_limit"])
    assert (list(change.x), list(change.y), change.mode) == ([at, at], [lowest, 40.0], "lines")
    assert (change.line.color, change.line.width, change.line.dash) == (spc.CHANGE_COLOUR, 1.5, "longdash")
    label = next(a for a in fig.layout.annotations if a.text.startswith("Change"))
    assert (label.text, label.x, label.y, label.yanchor, label.xanchor, label.xshift, label.showarrow) == (
        "Change (Jan 2024)", at, 40.0, "bottom", "left", 3, False)
    assert (label.font.size, label.font.color) == (11, spc.CHANGE_COLOUR)


def test_each_change_names_the_means_either_side_of_it() -> None:
    """Two changes a month apart: the second's mean before is the one-point middle segment's."""
    periods = months(18)
    values = [10.0, 12.0] * 3 + [20.0] + [40.0, 42.0] * 5 + [41.0]
    result = spc_table(periods, values, domain.HIGHER_IS_BETTER,
                       changes=[KnownChange(periods[6], "A"), KnownChange(periods[7], "B")])
    assert spc.change_sentences(result) == [
        "limits computed afresh from Jul 2023 after a known change (A): mean 11.0 before, 20.0 after",
        "limits computed afresh from Aug 2023 after a known change (B): mean 20.0 before, 41.0 after"]


def test_alt_text_says_the_target_assurance_and_change_in_words() -> None:
    alt = chart_meta(build_spc_figure(rebased_with_target(), ChartMeta("Referrals"))).alt
    assert alt == (
        "XmR chart of 24 monthly values from Jan 2023 to Dec 2024; latest mean 30.0, process limits 24.7 to "
        "35.3; latest point: common cause; limits computed afresh from Jan 2024 after a known change (New "
        "service): mean 10.0 before, 30.0 after; target 40 from Jan 2023; assurance: target 40 against process "
        "limits 24.7 to 35.3: consistently failing.")


def test_a_chart_without_targets_or_changes_is_as_before() -> None:
    result = spc_table(months(12), [10.0, 12.0] * 6, domain.HIGHER_IS_BETTER)
    fig = build_spc_figure(result, ChartMeta("Referrals"))
    assert not {"Target", "Known change"} & {t.name.split(" from")[0] for t in fig.data}
    assert "Assurance" not in (fig.layout.title.text or "")
    assert list(result.table["rebase"]) == [""] * 12 and result.segments == ((0, 11),)


def test_assurance_words_name_why_there_is_none() -> None:
    assert assurance.assurance_words(spc.ASSURANCE_PASS, True) == "consistently passing"
    assert assurance.assurance_words(None, True) == spc.NO_ASSURANCE_NEUTRAL
    assert assurance.assurance_words(None, False) == spc.NO_ASSURANCE_NO_TARGET
    assert set(spc.ASSURANCE_MEANINGS) == set(spc.ASSURANCES) - {None}


def test_a_callers_description_gains_the_change_and_target_it_cannot_see() -> None:
    """The page and the pack describe a chart in their own words; the known change and the target
    the chart draws are added after them, a sentence each; without either, the words are kept as given."""
    alt = chart_meta(build_spc_figure(rebased_with_target(), ChartMeta("Referrals", alt="Referrals: monthly."))).alt
    assert alt == ("Referrals: monthly. Limits computed afresh from Jan 2024 after a known change (New service): "
                   "mean 10.0 before, 30.0 after. Target 40 from Jan 2023; assurance: target 40 against process "
                   "limits 24.7 to 35.3: consistently failing.")
    plain = spc_table(months(24), [9.0, 11.0] * 12, domain.HIGHER_IS_BETTER)
    assert chart_meta(build_spc_figure(plain, ChartMeta("Referrals", alt="Referrals: monthly."))).alt == (
        "Referrals: monthly.")


def test_line_labels_are_kept_apart_and_near_their_lines() -> None:
    """A target just under the upper limit: the two names at the right-hand end move apart (the
    print chart's 'Target' overprinted 'Upper process limit'); labels far apart stay on their lines."""
    assert spc.spread_labels([10.0, 30.0, 50.0], 5.0) == [10.0, 30.0, 50.0]
    apart = spc.spread_labels([50.0, 30.0, 10.0, 49.0], 5.0)
    assert apart[1:3] == [30.0, 10.0]
    assert abs(apart[0] - apart[3]) >= 5.0 - 1e-9 and apart[3] < apart[0]
    assert abs((apart[0] + apart[3]) / 2 - 49.5) < 1e-9  # centred on the two lines
    periods = months(24)
    result = spc_table(periods, [9.0, 11.0] * 12, domain.HIGHER_IS_BETTER, targets=[Target(periods[0], 13.0)])
    labels = {a.text: a.y for a in build_spc_figure(result, ChartMeta("Referrals")).layout.annotations
              if a.text in ("Mean", "Upper process limit", "Lower process limit", "Target")}
    assert set(labels) == {"Mean", "Upper process limit", "Lower process limit", "Target"}
    span = max(result.table["upper_process_limit"].max(), 13.0) - min(result.table["lower_process_limit"].min(), 9.0)
    ys = sorted(labels.values())
    assert all(b - a >= span * spc.LABEL_GAP_SHARE - 1e-9 for a, b in zip(ys, ys[1:]))
    assert labels["Mean"] == 10.0


def test_a_short_segment_names_its_own_change_and_whether_it_is_the_last() -> None:
    first, second = KnownChange(date(2023, 4, 1), "A"), KnownChange(date(2023, 9, 1), "B")
    assert spc.segment_warning(1, 1, [first, second], SpcSettings(), last=True) == (
        "Only 1 point from the change in Apr 2023 (A), fewer than the 12 recommended: trial limits that will "
        "change as months are added.")
    assert spc.segment_warning(2, 5, [first, second], SpcSettings(), last=False) == (
        "Only 5 points from the change in Sep 2023 (B), fewer than the 12 recommended: trial limits for those "
        "months.")
    assert spc.segment_warning(2, 2, [first, second], SpcSettings(), last=True).startswith("Only 2 points from")


def test_the_assurance_sentence_says_why_there_is_none() -> None:
    later = Target(date(2024, 6, 1), 40.0, "40", "Plan", "")
    with_later_target = spc_table(months(12), [10.0, 12.0] * 6, domain.HIGHER_IS_BETTER, targets=[later])
    assert spc.assurance_sentence(with_later_target) == "no target applies at the latest point"
    assert spc.assurance_sentence(spc_table(months(12), [10.0, 12.0] * 6, domain.HIGHER_IS_BETTER)) == "no target"


def test_an_empty_series_has_no_mean_limits_assurance_or_segments() -> None:
    empty = spc_table([], [], domain.HIGHER_IS_BETTER, targets=[Target(date(2023, 1, 1), 40.0, "40", "Plan", "")])
    assert np.isnan([empty.mean, empty.lower_process_limit, empty.upper_process_limit]).all()
    assert empty.assurance is None and empty.segments == ()


def test_spread_labels_merges_touching_labels_into_groups_centred_on_their_lines() -> None:
    """0 and 0.5 touch at a gap of 1: one pair centred on 0.25; 1.2 then touches the pair, so all
    three are spread evenly about their mean 1.7 / 3. Labels a gap or more apart stay put."""
    assert spc.spread_labels([0.0, 0.5], 1.0) == pytest.approx([-0.25, 0.75])
    mean = 1.7 / 3
    assert spc.spread_labels([1.2, 0.0, 0.5], 1.0) == pytest.approx([mean + 1, mean - 1, mean])
    assert spc.spread_labels([0.0, 1.0, 3.0], 1.0) == pytest.approx([0.0, 1.0, 3.0])
    assert spc.spread_labels([5.0, 0.0, 0.1, 9.0], 1.0) == pytest.approx([5.0, -0.45, 0.55, 9.0])


def _line_labels(result: spc.SpcResult) -> dict[str, float]:
    return {a.text: a.y for a in build_spc_figure(result, ChartMeta("Referrals")).layout.annotations
            if a.text in ("Mean", "Upper process limit", "Lower process limit", "Target")}


def test_line_labels_sit_a_gap_of_the_drawn_range_apart_at_the_latest_target() -> None:
    """The target changes to 14.5 in the last month: its label is there, 0.82 below the upper
    limit of 15.32, closer than the gap (the drawn range 4.68 to 15.32 times LABEL_GAP_SHARE),
    so the pair sits exactly a gap apart about their middle; the others stay on their lines."""
    periods = months(24)
    result = spc_table(periods, [9.0, 11.0] * 12, domain.HIGHER_IS_BETTER,
                       targets=[Target(periods[0], 13.0), Target(periods[-1], 14.5)])
    labels = _line_labels(result)
    upper, lower = 10 + 2.66 * 2, 10 - 2.66 * 2
    gap = (upper - lower) * spc.LABEL_GAP_SHARE
    assert labels["Target"] == pytest.approx((14.5 + upper) / 2 - gap / 2)
    assert labels["Upper process limit"] == pytest.approx((14.5 + upper) / 2 + gap / 2)
    assert labels["Mean"] == 10.0 and labels["Lower process limit"] == pytest.approx(lower)


def test_a_flat_series_spreads_its_labels_a_share_of_one_unit_apart() -> None:
    """Every value 10: mean and limits are all 10 and the drawn range is 0, so the gap is
    LABEL_GAP_SHARE of one unit of the series."""
    heights = sorted(_line_labels(spc_table(months(12), [10.0] * 12, domain.HIGHER_IS_BETTER)).values())
    share = spc.LABEL_GAP_SHARE
    assert heights == pytest.approx([10 - share, 10, 10 + share])
