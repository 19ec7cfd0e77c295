"""Exception detection: threshold and SPC verdicts, the analyst's call, the CLI."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import detection, spc
from dashboard.db import connect_readonly
from dashboard.detection import DETECTION_COLUMNS, DetectionSettings, Verdict, detect_exceptions
from dashboard.spc import SpcSettings
from loaders.atomic import staged_database

REPORT = date(2019, 1, 1)
MEASURE_COLUMNS = (
    "period", "theme", "measure", "polarity", "unit",
    "baseline_text", "baseline_value", "baseline_status", "baseline_period", "baseline_period_is_year",
    "current_text", "current_value", "current_status", "current_period", "current_period_is_year",
    "headline", "exception", "source_file", "source_line", "load_id",
)


def measure_row(measure: str, polarity: str, unit: str, baseline: float | None,
                current: float | None, exception: str | None = None,
                theme: str = "Protecting people from harm", line: int = 2,
                status: str | None = None, period: date = REPORT, baseline_is_year: bool = False) -> list:
    """A `measures` row as the loader would store it: Jan 2018 (or the year 2018) against Jan 2019."""
    return [
        period, theme, measure, polarity, unit,
        None if baseline is None else str(baseline), baseline, None if baseline is not None else status,
        date(2018, 1, 1), baseline_is_year,
        None if current is None else str(current), current, None if current is not None else status,
        date(2019, 1, 1), False,
        True, exception, "measures.csv", line, 1,
    ]


def build_db(path: Path, measures: list[list], series: dict[tuple[str, str], list[float]] | None = None,
             series_end: date = REPORT) -> Path:
    """A database with these measures rows and monthly series ending at `series_end`."""
    with staged_database(path) as con:
        placeholders = ", ".join("?" for _ in MEASURE_COLUMNS)
        if measures:
            con.executemany(
                f"INSERT INTO measures ({', '.join(MEASURE_COLUMNS)}) VALUES ({placeholders})", measures
            )
        for (measure, area), values in (series or {}).items():
            months = pd.date_range(end=pd.Timestamp(series_end), periods=len(values), freq="MS")
            con.executemany(
                "INSERT INTO series VALUES (?, ?, ?, ?, 'series.csv', 1)",
                [[measure, area, m.date(), v] for m, v in zip(months, values)],
            )
    return path


def detect(path: Path, settings: DetectionSettings = DetectionSettings(),
           period: date = REPORT) -> pd.DataFrame:
    con = connect_readonly(path)
    try:
        return detect_exceptions(con, period, settings).set_index("measure", drop=False)
    finally:
        con.close()


@pytest.fixture
def threshold_db(tmp_path: Path) -> Path:
    return build_db(tmp_path / "t.duckdb", [
        measure_row("Referrals", "higher_is_better", "count", 4872, 5369, "positive", line=2),
        measure_row("Knife crime", "lower_is_better", "count", 806, 881, None, line=3),
        measure_row("Burglary", "lower_is_better", "count", 1000, 1100, None, line=4),
        measure_row("Positive outcomes", "higher_is_better", "percent", 11.6, 8.9, "negative", line=5),
        measure_row("Repeat victims", "lower_is_better", "percent", 33.2, 32.7, "positive", line=6),
        measure_row("PEEL grade", "higher_is_better", "grade", 2, None, None, line=7, status="Pending"),
        measure_row("Budget", "neutral", "money", 1000, 1500, None, line=8),
        measure_row("Confidence", "higher_is_better", "percent", 45.0, 47.0, None, line=9),
    ])


def test_columns_and_one_row_per_measure(threshold_db: Path) -> None:
    """Every measure of the report gets a row with the documented columns."""
    found = detect(threshold_db)
    assert tuple(found.columns) == DETECTION_COLUMNS
    assert len(found) == 8
    assert set(found["source"]) == {"threshold"}


def test_threshold_fires_at_ten_percent_with_direction_by_polarity(threshold_db: Path) -> None:
    """+10.2% on a higher-is-better count is positive; +10% on a lower-is-better one negative."""
    found = detect(threshold_db)
    referrals = found.loc["Referrals"]
    assert referrals["detected"] and referrals["direction"] == "positive"
    assert referrals["rule"] == "Threshold: |change| ≥ 10%"
    assert referrals["detail"] == "4,872 (Jan 2018) → 5,369 (Jan 2019): +10.2%, ✔ Better"
    assert not referrals["disagrees"]
    burglary = found.loc["Burglary"]  # exactly 10%: reaches the threshold
    assert burglary["detected"] and burglary["direction"] == "negative"
    assert burglary["disagrees"]  # the rule found one the analyst did not


def test_threshold_below_is_not_an_exception(threshold_db: Path) -> None:
    found = detect(threshold_db)
    knife = found.loc["Knife crime"]  # +9.3%
    assert not knife["detected"] and knife["direction"] is None
    assert "within ±10%" in knife["detail"]
    assert not knife["disagrees"]


def test_percentages_use_points(threshold_db: Path) -> None:
    """-2.7 pts is beyond 2 pts; -0.5 pts is not, so the analyst's positive call disagrees."""
    found = detect(threshold_db)
    outcomes = found.loc["Positive outcomes"]
    assert outcomes["rule"] == "Threshold: |change| ≥ 2 pts"
    assert outcomes["direction"] == "negative" and not outcomes["disagrees"]
    repeat = found.loc["Repeat victims"]
    assert repeat["direction"] is None and repeat["analyst_call"] == "positive"
    assert repeat["disagrees"]
    confidence = found.loc["Confidence"]  # +2.0 pts exactly
    assert confidence["direction"] == "positive"


def test_missing_figure_and_neutral_measure(threshold_db: Path) -> None:
    """No change: no verdict, said so. Neutral: detected, but neither positive nor negative."""
    found = detect(threshold_db)
    grade = found.loc["PEEL grade"]
    assert grade["rule"] == "Threshold: |change| ≥ 1 step"
    assert not grade["detected"] and "Pending" in grade["detail"]
    assert "no change can be computed" in grade["detail"]
    budget = found.loc["Budget"]
    assert budget["detected"] and budget["direction"] is None and not budget["disagrees"]
    assert "↑ Higher" in budget["detail"]


def test_settings_change_thresholds(threshold_db: Path) -> None:
    found = detect(threshold_db, DetectionSettings(percent_threshold=9.0, points_threshold=3.0))
    assert found.loc["Knife crime", "direction"] == "negative"
    assert found.loc["Knife crime", "rule"] == "Threshold: |change| ≥ 9%"
    assert found.loc["Positive outcomes", "direction"] is None


def test_other_period_is_empty_with_columns(threshold_db: Path) -> None:
    found = detect(threshold_db, period=date(2020, 1, 1))
    assert found.empty and tuple(found.columns) == DETECTION_COLUMNS


def test_cli_prints_detected_exceptions(threshold_db: Path) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        code = detection.main(["--period", "2019-01", "--db", str(threshold_db)])
    assert code == 0
    printed = pd.read_csv(io.StringIO(out.getvalue()))
    assert list(printed.columns) == ["theme", "measure", "direction", "source", "rule", "detail", "target", "assurance",
                                     "rebase"]
    assert set(printed["measure"]) == {"Referrals", "Burglary", "Positive outcomes", "Budget", "Confidence"}


def test_cli_unknown_period_exits_1(threshold_db: Path, capsys: pytest.CaptureFixture) -> None:
    code = detection.main(["--period", "2020-03", "--db", str(threshold_db)])
    assert code == 1
    assert "no measures for Mar 2020; report periods: Jan 2019" in capsys.readouterr().err


SHIFT_UP = [100.0, 104.0] * 6 + [110.0, 114.0] * 6     # 24 months: the last 12 above the mean of 107
COMMON = [100.0, 104.0] * 6                              # 12 months of common cause


@pytest.fixture
def spc_db(tmp_path: Path) -> Path:
    return build_db(tmp_path / "s.duckdb", [
        measure_row("Referrals", "higher_is_better", "count", 4872, 5369, "positive", line=2),
        measure_row("Knife crime", "lower_is_better", "count", 100, 114, None, line=3),
        measure_row("Hate crime", "lower_is_better", "count", 100, 104, "negative", line=4),
        measure_row("Burglary", "lower_is_better", "count", 1000, 1200, None, line=5),
        measure_row("Shoplifting", "lower_is_better", "count", 1000, 1000, None, line=6),
    ], series={
        ("Knife crime", "Force"): SHIFT_UP,
        ("Hate crime", "Force"): COMMON,
        ("Burglary", "Force"): COMMON[:11],           # too short: threshold instead
        ("Shoplifting", "City"): SHIFT_UP,             # not the force area: threshold
    })


def test_spc_shift_is_a_negative_exception_for_lower_is_better(spc_db: Path) -> None:
    """12 months above the mean of a lower-is-better count: special cause concern."""
    knife = detect(spc_db).loc["Knife crime"]
    assert knife["source"] == "spc"
    assert knife["rule"] == "SPC: 7 points one side of the mean"
    assert knife["detail"] == "Feb 2018–Jan 2019: 12 points above the mean of 107; limits 96.1–117.9"
    assert knife["detected"] and knife["direction"] == "negative"
    assert knife["disagrees"]  # the analyst made no call


def test_spc_common_cause_disagrees_with_analyst(spc_db: Path) -> None:
    hate = detect(spc_db).loc["Hate crime"]
    assert hate["source"] == "spc" and hate["rule"] == "SPC: common cause (no rule fired)"
    assert not hate["detected"] and hate["direction"] is None
    assert hate["detail"].startswith("Feb 2018–Jan 2019: 12 points; latest 104 (Jan 2019) within limits")
    assert hate["analyst_call"] == "negative" and hate["disagrees"]


def test_short_or_other_area_series_fall_back_to_threshold(spc_db: Path) -> None:
    found = detect(spc_db)
    assert found.loc["Burglary", "source"] == "threshold"
    assert found.loc["Burglary", "direction"] == "negative"  # +20% on lower-is-better
    assert found.loc["Shoplifting", "source"] == "threshold"
    assert found.loc["Referrals", "source"] == "threshold"
    fewer = detect(spc_db, DetectionSettings(min_spc_points=11))
    assert fewer.loc["Burglary", "source"] == "spc"


def test_series_after_the_report_period_is_ignored(tmp_path: Path) -> None:
    """A series running past the report month is cut at the report month."""
    path = build_db(tmp_path / "late.duckdb",
                    [measure_row("Knife crime", "lower_is_better", "count", 100, 104, None)],
                    series={("Knife crime", "Force"): COMMON + [150.0] * 6},
                    series_end=date(2019, 7, 1))
    knife = detect(path).loc["Knife crime"]
    assert knife["source"] == "spc" and not knife["detected"]
    assert "(Jan 2019)" in knife["detail"]


def test_spc_outside_limits_detail(tmp_path: Path) -> None:
    path = build_db(tmp_path / "out.duckdb",
                    [measure_row("Referrals", "higher_is_better", "count", 100, 130, None)],
                    series={("Referrals", "Force"): COMMON + [130.0]})
    row = detect(path).loc["Referrals"]
    assert row["rule"] == "SPC: point outside the process limits"
    assert row["direction"] == "positive"
    assert row["detail"].startswith("Jan 2019: 130 above the upper process limit of ")


def test_readme_states_the_default_thresholds() -> None:
    """The README's "Exception rules" section publishes the defaults the code uses."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = " ".join(readme.split("## Exception rules", 1)[1].split("\n## ", 1)[0].split())
    defaults = DetectionSettings()
    for threshold, unit in ((defaults.percent_threshold, "percent"), (defaults.points_threshold, "points"),
                            (defaults.steps_threshold, "steps")):
        assert f"≥ {detection.threshold_text(threshold, unit)}" in section
    assert f"at least {defaults.min_spc_points} points up to the report month" in section
    assert defaults.spc_settings.screen_outliers and "outlier screening is on by default" in section
    assert "Making Data Count Excel tool does not screen" in section
    assert f"fewer than {defaults.spc_settings.min_points_warning} points behind the limits" in section


def test_cli_flags_reach_the_settings(spc_db: Path) -> None:
    """--percent-threshold and --min-spc-points change what is detected."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = detection.main(["--period", "2019-01", "--db", str(spc_db), "--percent-threshold", "25",
                               "--min-spc-points", "30", "--all"])
    assert code == 0
    printed = pd.read_csv(io.StringIO(out.getvalue())).set_index("measure")
    assert set(printed["source"]) == {"threshold"}
    assert printed.loc["Burglary", "rule"] == "Threshold: |change| ≥ 25%"
    assert pd.isna(printed.loc["Burglary", "direction"])  # +20% is now within the threshold


def test_rows_carry_the_measure_and_its_computed_change(threshold_db: Path) -> None:
    """Each row repeats the measure's theme, polarity and unit, and the change the rule judged."""
    referrals = detect(threshold_db).loc["Referrals"]
    assert referrals["theme"] == "Protecting people from harm"
    assert referrals["polarity"] == "higher_is_better"
    assert referrals["unit"] == "count"
    assert referrals["change"] == pytest.approx((5369 - 4872) / 4872 * 100)
    assert referrals["change_unit"] == "percent"


def test_rows_in_plan_theme_order_then_extract_order(tmp_path: Path) -> None:
    """Rows follow the plan's theme order, themes outside the plan last, then the extract's line order."""
    path = build_db(tmp_path / "order.duckdb", [
        measure_row("Other theme", "higher_is_better", "count", 100, 101, theme="Something else", line=2),
        measure_row("ASB", "lower_is_better", "count", 100, 101, theme="Tackling crime and ASB", line=3),
        measure_row("Burglary", "lower_is_better", "count", 100, 101, theme="Tackling crime and ASB", line=4),
        measure_row("Referrals", "higher_is_better", "count", 100, 101, line=5),
    ])
    assert list(detect(path)["measure"]) == ["Referrals", "ASB", "Burglary", "Other theme"]


def test_threshold_details_speak_the_unit(threshold_db: Path) -> None:
    """Percentages show as per cent figures with changes and thresholds in percentage points."""
    found = detect(threshold_db)
    assert found.loc["Positive outcomes", "detail"] == "11.6% (Jan 2018) → 8.9% (Jan 2019): -2.7 pts, ✖ Worse"
    assert found.loc["Repeat victims", "detail"] == (
        "33.2% (Jan 2018) → 32.7% (Jan 2019): -0.5 pts, within ±2 pts")


def test_figures_for_a_year_and_with_nothing_published(tmp_path: Path) -> None:
    """A baseline for a whole year shows the year; a figure with no value, status or text says so."""
    path = build_db(tmp_path / "figures.duckdb", [
        measure_row("Satisfaction", "higher_is_better", "percent", 70.0, 75.0, baseline_is_year=True, line=2),
        measure_row("New measure", "higher_is_better", "count", None, 5369, line=3),
    ])
    found = detect(path)
    assert found.loc["Satisfaction", "detail"] == "70.0% (2018) → 75.0% (Jan 2019): +5.0 pts, ✔ Better"
    assert found.loc["New measure", "detail"] == "no figure → 5,369 (Jan 2019): no change can be computed"
    assert not found.loc["New measure", "detected"]


def test_change_reaching_the_threshold_to_ten_decimals_counts(tmp_path: Path) -> None:
    """A change 1e-11 short of the threshold is rounding noise: it reaches the threshold."""
    path = build_db(tmp_path / "noise.duckdb", [
        measure_row("Confidence", "higher_is_better", "percent", 45.0, 46.99999999999),
    ])
    confidence = detect(path).loc["Confidence"]
    assert confidence["detected"] and confidence["direction"] == "positive"
    assert confidence["detail"].endswith(": +2.0 pts, ✔ Better")


def test_threshold_for_an_unknown_change_unit_is_an_error() -> None:
    """A change unit with no threshold is refused by name, not judged against some default."""
    with pytest.raises(ValueError, match="no threshold for change unit 'furlongs'"):
        DetectionSettings().threshold_for("furlongs")


def change_row(change: float | None, change_unit: str = "percent", unit: str = "count",
               direction: str | None = None) -> dict:
    """A `measure_changes` row as `threshold_verdict` reads it: 100 in Jan 2018, then Jan 2019."""
    row = {"change": change, "change_unit": change_unit, "unit": unit, "direction": direction}
    for which, value, when in (("baseline", 100.0, date(2018, 1, 1)), ("current", None, date(2019, 1, 1))):
        row.update({f"{which}_value": value, f"{which}_status": None if value is not None else "Pending",
                    f"{which}_text": None, f"{which}_period": when, f"{which}_period_is_year": False})
    return row


def test_verdicts_that_find_nothing_say_detected_false() -> None:
    """No change, a change within the threshold, and common cause: each a verdict of False, no direction."""
    settings = DetectionSettings()
    rule = "Threshold: |change| ≥ 10%"
    assert detection.threshold_verdict(change_row(None), settings) == Verdict(
        "threshold", rule, "100 (Jan 2018) → Pending: no change can be computed", False, None)
    assert detection.threshold_verdict(change_row(9.0), settings) == Verdict(
        "threshold", rule, "100 (Jan 2018) → Pending: +9.0%, within ±10%", False, None)
    months = [m.date() for m in pd.date_range(end=pd.Timestamp(REPORT), periods=12, freq="MS")]
    result = spc.spc_table(months, [31.0, 33.0] * 5 + [32.0, 31.5], "higher_is_better")
    assert detection.spc_verdict(result, "percent") == Verdict(
        "spc", "SPC: common cause (no rule fired)",
        "Feb 2018–Jan 2019: 12 points; latest 31.5% (Jan 2019) within limits 27.2%–36.7%, mean 32.0%; "
        "no special cause at the latest point", False, None)


def test_a_single_point_series_says_one_point(tmp_path: Path) -> None:
    """With SPC allowed on one month, the detail counts it as 1 point (not '1 points')."""
    path = build_db(tmp_path / "one.duckdb",
                    [measure_row("Referrals", "higher_is_better", "count", 100, 5, None)],
                    series={("Referrals", "Force"): [5.0]})
    referrals = detect(path, DetectionSettings(min_spc_points=1)).loc["Referrals"]
    assert referrals["source"] == "spc" and not referrals["detected"]
    assert referrals["detail"].startswith("Jan 2019: 1 point; latest 5 (Jan 2019) within limits ")


BASE = [100.0, 104.0] * 6   # with the limits fixed after these 12: mean 102, limits 91.4–112.6


@pytest.fixture
def spc_rules_db(tmp_path: Path) -> Path:
    """Series that end, after BASE, in each SPC rule (limits fixed after BASE)."""
    return build_db(tmp_path / "rules.duckdb", [
        measure_row("Rising", "higher_is_better", "count", 100, 115, None, line=2),
        measure_row("Falling", "lower_is_better", "count", 100, 89, None, line=3),
        measure_row("Two above", "lower_is_better", "count", 100, 111, None, line=4),
        measure_row("Two below", "higher_is_better", "percent", 100, 93, None, line=5),
        measure_row("Trend", "lower_is_better", "count", 104, 101, None, line=6),
    ], series={
        ("Rising", "Force"): BASE + [103, 105, 107, 109, 111, 113, 115],
        ("Falling", "Force"): BASE + [101, 99, 97, 95, 93, 91, 89],
        ("Two above", "Force"): BASE + [110, 104, 111],
        ("Two below", "Force"): BASE + [94, 100, 93],
        ("Trend", "Force"): BASE + [103.5, 103, 102.5, 102, 101.5, 101],
    })


FIXED = DetectionSettings(spc_settings=SpcSettings(fix_after=12))


def test_spc_outside_limits_names_the_limit_crossed_and_the_other_rules(spc_rules_db: Path) -> None:
    """Above the upper limit or below the lower one, with that limit's value and any other rule that fired."""
    found = detect(spc_rules_db, FIXED)
    rising, falling = found.loc["Rising"], found.loc["Falling"]
    assert rising["rule"] == falling["rule"] == "SPC: point outside the process limits"
    assert rising["detail"] == ("Jan 2019: 115 above the upper process limit of 112.6 "
                                "(mean 102; limits 91.4–112.6) (also: trend, shift)")
    assert falling["detail"] == ("Jan 2019: 89 below the lower process limit of 91.4 "
                                 "(mean 102; limits 91.4–112.6) (also: trend, shift)")
    assert rising["direction"] == falling["direction"] == "positive"  # falling is better for Falling


def test_spc_two_in_three_detail_above_and_below(spc_rules_db: Path) -> None:
    """2 of the last 3 points beyond the 2σ line: how many, which side, that line's value, in the unit."""
    found = detect(spc_rules_db, FIXED)
    above, below = found.loc["Two above"], found.loc["Two below"]
    assert above["rule"] == below["rule"] == "SPC: 2 of 3 beyond 2σ"
    assert above["detail"] == ("Nov 2018–Jan 2019: 2 of 3 points above 109.1 (two thirds of the way to the "
                               "upper limit); mean 102; limits 91.4–112.6")
    assert below["detail"] == ("Nov 2018–Jan 2019: 2 of 3 points below 94.9% (two thirds of the way to the "
                               "lower limit); mean 102.0%; limits 91.4%–112.6%")
    assert above["direction"] == below["direction"] == "negative"


def test_spc_trend_detail_counts_the_run(spc_rules_db: Path) -> None:
    """A trend says from which month, how many points, which way, and from what value to what."""
    trend = detect(spc_rules_db, FIXED).loc["Trend"]
    assert trend["rule"] == "SPC: 7-point trend"
    assert trend["detail"] == "Jul 2018–Jan 2019: 7 points falling (104 → 101); mean 102; limits 91.4–112.6"
    assert trend["direction"] == "positive"


def test_spc_settings_reach_the_limits(spc_rules_db: Path) -> None:
    """Without the limits fixed after 12 points the same series give other limits and verdicts."""
    found = detect(spc_rules_db)
    assert found.loc["Two above", "rule"] == "SPC: common cause (no rule fired)"
    assert "limits 91.4–112.6" not in found.loc["Rising", "detail"]


def test_spc_shift_below_the_mean(tmp_path: Path) -> None:
    """12 months below the mean of a lower-is-better count: special cause improvement."""
    path = build_db(tmp_path / "down.duckdb",
                    [measure_row("Knife crime", "lower_is_better", "count", 110, 104, None)],
                    series={("Knife crime", "Force"): [110.0, 114.0] * 6 + [100.0, 104.0] * 6})
    knife = detect(path).loc["Knife crime"]
    assert knife["rule"] == "SPC: 7 points one side of the mean"
    assert knife["detail"] == "Feb 2018–Jan 2019: 12 points below the mean of 107; limits 95.2–118.8"
    assert knife["direction"] == "positive"


def test_spc_short_series_warning_follows_the_detail(tmp_path: Path) -> None:
    """Limits on fewer points than recommended: the detection says so after what fired."""
    path = build_db(tmp_path / "short.duckdb",
                    [measure_row("Referrals", "higher_is_better", "count", 100, 130, None)],
                    series={("Referrals", "Force"): [100.0, 104.0] * 3 + [100.0, 130.0]})
    row = detect(path, DetectionSettings(min_spc_points=8)).loc["Referrals"]
    assert row["rule"] == "SPC: point outside the process limits"
    assert row["detail"] == ("Jan 2019: 130 above the upper process limit of 115.9 (mean 105.2; limits "
                             "94.6–115.9). Only 8 points, fewer than the 12 recommended: trial limits that "
                             "will change as months are added.")


def run_cli(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = detection.main(argv)
    return code, out.getvalue()


def test_cli_help_names_the_command_and_every_option(capsys: pytest.CaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """--help says what the command prints and what each option means, with its default."""
    monkeypatch.setenv("COLUMNS", "250")  # one line per help text
    with pytest.raises(SystemExit) as exit_:
        detection.main(["--help"])
    assert exit_.value.code == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert lines[0].startswith("usage: python -m dashboard.detection [-h] --period PERIOD [--db DB] ")
    for line in (
        "Print the exceptions the published rules detect for one report period, as CSV.",
        "--period PERIOD report month, YYYY-MM",
        "--db DB database file (default: DASHBOARD_DB or data/dashboard.duckdb)",
        "counts, money, numbers: |change| in % (default 10.0)",
        "percentages: |change| in percentage points (default 2.0)",
        "grades: |change| in steps (default 1.0)",
        "monthly points needed to use SPC (default 12)",
        "--fix-after N SPC: compute mean and limits from the first N points only",
        "--all print every measure, not only detections",
    ):
        assert line in lines, line
    assert any(line.startswith("SPC: leave moving ranges") for line in lines)


@pytest.mark.parametrize(("argv", "message"), [
    (["--period", "2019/01"], "argument --period: expected a month as YYYY-MM, got '2019/01'"),
    ([], "the following arguments are required: --period"),
    (["--period", "2019-01", "--fix-after", "1"], "fix_after must be at least 2"),
])
def test_cli_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    """A bad or missing month, or impossible SPC settings, are usage errors that say what is wrong."""
    with pytest.raises(SystemExit) as exit_:
        detection.main(argv + ["--db", "nowhere.duckdb"])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_missing_database_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """No database: an error on stderr naming the file, nothing on stdout."""
    missing = tmp_path / "none.duckdb"
    code = detection.main(["--period", "2019-01", "--db", str(missing)])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err == f"error: no database at {missing}; load extracts first (make load)\n"


def test_cli_unknown_period_lists_every_report_period(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    two = build_db(tmp_path / "two.duckdb", [
        measure_row("Referrals", "higher_is_better", "count", 100, 120, period=date(2018, 1, 1)),
        measure_row("Referrals", "higher_is_better", "count", 100, 120),
    ])
    assert detection.main(["--period", "2020-03", "--db", str(two)]) == 1
    assert "report periods: Jan 2018, Jan 2019\n" in capsys.readouterr().err
    empty = build_db(tmp_path / "empty.duckdb", [])
    assert detection.main(["--period", "2020-03", "--db", str(empty)]) == 1
    assert "no measures for Mar 2020; report periods: none loaded\n" in capsys.readouterr().err


def test_cli_points_and_steps_thresholds(tmp_path: Path) -> None:
    """--points-threshold and --steps-threshold set the thresholds for percentages and grades."""
    path = build_db(tmp_path / "grades.duckdb", [
        measure_row("Positive outcomes", "higher_is_better", "percent", 11.6, 8.9, line=2),
        measure_row("PEEL grade", "higher_is_better", "grade", 2, 4, line=3),
        measure_row("PEEL effectiveness", "higher_is_better", "grade", 3, 4, line=4),
    ])
    code, out = run_cli(["--period", "2019-01", "--db", str(path), "--points-threshold", "3",
                         "--steps-threshold", "2", "--all"])
    assert code == 0
    printed = pd.read_csv(io.StringIO(out)).set_index("measure")
    assert printed.loc["Positive outcomes", "rule"] == "Threshold: |change| ≥ 3 pts"
    assert pd.isna(printed.loc["Positive outcomes", "direction"])
    assert printed.loc["PEEL grade", "rule"] == "Threshold: |change| ≥ 2 steps"
    assert printed.loc["PEEL grade", "direction"] == "positive"
    assert printed.loc["PEEL grade", "detail"] == (
        "Requires Improvement (Jan 2018) → Good (Jan 2019): +2 steps, ✔ Better")
    assert pd.isna(printed.loc["PEEL effectiveness", "direction"])


def test_cli_spc_options_reach_the_settings(tmp_path: Path) -> None:
    """--no-screen-outliers keeps the big first jump in the limits; the default 12 points use SPC."""
    rising = [0.0] + [100.0 + i / 10 for i in range(11)]
    path = build_db(tmp_path / "rising.duckdb",
                    [measure_row("Referrals", "higher_is_better", "count", 0, 101, None)],
                    series={("Referrals", "Force"): rising})
    code, out = run_cli(["--period", "2019-01", "--db", str(path), "--no-screen-outliers"])
    assert code == 0
    printed = pd.read_csv(io.StringIO(out)).set_index("measure")
    assert printed.loc["Referrals", "source"] == "spc"
    assert printed.loc["Referrals", "rule"] == "SPC: 7-point trend"
    assert printed.loc["Referrals", "detail"] == (
        "Feb 2018–Jan 2019: 12 points rising (0 → 101); mean 92.1; limits 67.7–116.5 (also: shift)")
    code, out = run_cli(["--period", "2019-01", "--db", str(path)])
    screened = pd.read_csv(io.StringIO(out)).set_index("measure")
    assert screened.loc["Referrals", "rule"] == "SPC: point outside the process limits"


# --- Targets, assurance and known changes (issue 12) ----------------------------------------------


def add_targets_and_changes(path: Path, targets: list[tuple], changes: list[tuple] = ()) -> Path:
    """Rows as the loader stores them: targets (measure, area, applies_from, target) and
    changes (measure, area, month, reason)."""
    with staged_database(path) as con:
        for m, a, when, v in targets:
            con.execute("INSERT INTO targets VALUES (?, ?, ?, ?, ?, NULL, 'targets.csv', 2, 2)",
                        [m, a, when, f"{v:g}", v])
        for change in changes:
            con.execute("INSERT INTO changes VALUES (?, ?, ?, ?, 'changes.csv', 2, 2)", list(change))
    return path


def hate_crime_db(tmp_path: Path, target: float, polarity: str = "lower_is_better") -> Path:
    """Hate crime: 12 months of common cause, 100 and 104 (mean 102, limits 91.4-112.6)."""
    path = build_db(tmp_path / "a.duckdb",
                    [measure_row("Hate crime", polarity, "count", 100, 104, None)],
                    series={("Hate crime", "Force"): COMMON})
    return add_targets_and_changes(path, [("Hate crime", "", date(2018, 1, 1), target)])


def test_common_cause_consistently_failing_its_target_is_a_negative_exception(tmp_path: Path) -> None:
    """Lower is better, target 90 below the lower limit 91.4: no month will meet it."""
    hate = detect(hate_crime_db(tmp_path, 90.0)).loc["Hate crime"]
    assert hate["source"] == "spc" and hate["rule"] == detection.SPC_TARGET_FAILED_RULE
    assert hate["detected"] and hate["direction"] == "negative"
    assert hate["target"] == 90.0 and hate["assurance"] == spc.ASSURANCE_FAIL
    assert hate["detail"].endswith("; target 90 against process limits 91.4–112.6: consistently failing")
    assert hate["disagrees"]  # the analyst made no call


@pytest.mark.parametrize(("target", "polarity", "assured"), [
    (115.0, "lower_is_better", spc.ASSURANCE_PASS),       # every month below 115
    (100.0, "lower_is_better", spc.ASSURANCE_HIT_AND_MISS),
    (90.0, "higher_is_better", spc.ASSURANCE_PASS),       # every month above 90
    (112.6, "lower_is_better", spc.ASSURANCE_HIT_AND_MISS),  # near the upper limit, inside it
])
def test_passing_or_hit_and_miss_target_adds_words_only(tmp_path: Path, target: float, polarity: str,
                                                          assured: str) -> None:
    hate = detect(hate_crime_db(tmp_path, target, polarity)).loc["Hate crime"]
    assert hate["rule"] == "SPC: common cause (no rule fired)" and not hate["detected"]
    assert hate["source"] == "spc"
    assert hate["assurance"] == assured and hate["detail"].endswith(f": {assured}")


@pytest.mark.parametrize(("target", "printed"), [(90.0, "90"), (0.00001, "1e-05")])
def test_cli_prints_the_target_as_written(tmp_path: Path, target: float, printed: str) -> None:
    """A target of 90 prints as 90, not 90.0, as the extract and the detail write it; numbers keep
    ten significant figures, as `make spc` prints them (a tiny one with a lower-case e)."""
    code, out = run_cli(["--period", "2019-01", "--db", str(hate_crime_db(tmp_path, target))])
    assert code == 0
    line = next(line for line in out.splitlines() if ",Hate crime," in line)
    assert line.endswith(f",{printed},consistently failing,")


def test_neutral_measure_has_a_target_but_no_assurance(tmp_path: Path) -> None:
    hate = detect(hate_crime_db(tmp_path, 50.0, "neutral")).loc["Hate crime"]
    assert hate["target"] == 50.0 and hate["assurance"] is None and not hate["detected"]
    assert hate["detail"].endswith("; target 50; no assurance (neutral measure)")


def test_target_applying_after_the_report_month_is_not_used(tmp_path: Path) -> None:
    path = build_db(tmp_path / "later.duckdb", [measure_row("Hate crime", "lower_is_better", "count", 100, 104)],
                    series={("Hate crime", "Force"): COMMON})
    add_targets_and_changes(path, [("Hate crime", "", date(2019, 2, 1), 90.0)])
    hate = detect(path).loc["Hate crime"]
    assert pd.isna(hate["target"]) and hate["assurance"] is None and not hate["detected"]
    assert hate["detail"].endswith("; no target applies at the latest point")


def test_threshold_measure_shows_its_target_unjudged(threshold_db: Path) -> None:
    add_targets_and_changes(threshold_db, [("Burglary", "Force", date(2018, 4, 1), 950.0),
                                           ("Burglary", "", date(2018, 4, 1), 1.0)])
    row = detect(threshold_db).loc["Burglary"]
    assert row["source"] == "threshold" and row["target"] == 950.0  # the area's own row wins
    assert row["assurance"] is None and row["rebase"] == ""


def test_special_cause_with_a_target_keeps_its_verdict_and_gives_the_target_in_the_measures_units(
        tmp_path: Path) -> None:
    """A percent measure whose latest month is special cause improvement, with a target the process
    cannot reach: still a positive exception by its variation, the target in words, in per cent."""
    path = build_db(tmp_path / "p.duckdb", [measure_row("Victim satisfaction", "higher_is_better", "percent", 30, 50)],
                    series={("Victim satisfaction", "Force"): [30.0, 32.0] * 6 + [50.0]})
    add_targets_and_changes(path, [("Victim satisfaction", "", date(2018, 1, 1), 40.0)])
    row = detect(path).loc["Victim satisfaction"]
    assert row["rule"] == "SPC: point outside the process limits"
    assert bool(row["detected"]) is True and row["direction"] == "positive"
    assert row["detail"].endswith("; target 40.0% against process limits 27.1%–37.8%: consistently failing")


def test_every_known_change_of_the_area_is_named(tmp_path: Path) -> None:
    """One change for every area and one for the Force area alone: both rebase, both are named."""
    path = build_db(tmp_path / "r.duckdb", [measure_row("Knife crime", "lower_is_better", "count", 100, 114)],
                    series={("Knife crime", "Force"): SHIFT_UP})
    add_targets_and_changes(path, [], [("Knife crime", "", date(2018, 2, 1), "New recording system"),
                                       ("Knife crime", "Force", date(2018, 8, 1), "Boundary change"),
                                       ("Knife crime", "City", date(2018, 5, 1), "Not this area")])
    assert detect(path).loc["Knife crime", "rebase"] == "Feb 2018: New recording system; Aug 2018: Boundary change"


def test_known_change_rebases_the_limits_and_is_named(tmp_path: Path) -> None:
    """A step up at a known change: without it, a shift (concern); with it, each segment is
    common cause and the row names the change."""
    path = build_db(tmp_path / "r.duckdb", [measure_row("Knife crime", "lower_is_better", "count", 100, 114)],
                    series={("Knife crime", "Force"): SHIFT_UP})
    assert detect(path).loc["Knife crime", "direction"] == "negative"
    add_targets_and_changes(path, [], [("Knife crime", "", date(2018, 2, 1), "New recording system")])
    knife = detect(path).loc["Knife crime"]
    assert knife["rule"] == "SPC: common cause (no rule fired)" and not knife["detected"]
    assert knife["rebase"] == "Feb 2018: New recording system"
    assert "mean 112" in knife["detail"]  # the latest segment's: 110 and 114
