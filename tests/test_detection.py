"""Exception detection: threshold and SPC verdicts, the analyst's call, the CLI."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import detection
from dashboard.db import connect_readonly
from dashboard.detection import DETECTION_COLUMNS, DetectionSettings, detect_exceptions
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
                status: str | None = None) -> list:
    """A `measures` row as the loader would store it: Jan 2018 against Jan 2019."""
    return [
        REPORT, theme, measure, polarity, unit,
        None if baseline is None else str(baseline), baseline, None if baseline is not None else status,
        date(2018, 1, 1), False,
        None if current is None else str(current), current, None if current is not None else status,
        date(2019, 1, 1), False,
        True, exception, "measures.csv", line, 1,
    ]


def build_db(path: Path, measures: list[list], series: dict[tuple[str, str], list[float]] | None = None,
             series_end: date = REPORT) -> Path:
    """A database with these measures rows and monthly series ending at `series_end`."""
    with staged_database(path) as con:
        placeholders = ", ".join("?" for _ in MEASURE_COLUMNS)
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
    assert list(printed.columns) == ["theme", "measure", "direction", "source", "rule", "detail"]
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
