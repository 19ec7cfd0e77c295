"""Exceptions that explain themselves: a published, traceable rule for every verdict.

The report calls an indicator an exception when it "has seen a significant divergence from the
level or trend expected". The dashboard detects this by one of two rules per measure:

* **SPC** (`dashboard.spc`), where the measure has a monthly series for the whole force
  (area 'Force') up to the report period with at least `DetectionSettings.min_spc_points`
  points: the latest point's variation (special cause improvement or concern) is the verdict.
* **Threshold** otherwise: the change computed from baseline and current (view
  `measure_changes`) against a threshold per change unit (per cent, percentage points, grade
  steps).

Where the measure has a target (targets*.csv), the SPC rule takes Making Data Count's assurance
into account: the latest point's variation decides first, as before; a latest point of common
cause whose target the process is **consistently failing** (the target beyond the process limits
on the side the process cannot reach) is a negative exception, rule "SPC: target consistently
failed", since no month will meet the target unless something changes. A consistently passing
or hit-and-miss target adds its words to the detail only. Known changes (changes*.csv) rebase
the limits, and the row says which.

Every row says which rule was used, what fired (months, values, limits), the target, the
assurance and the known changes, and whether the rule's verdict differs from the analyst's call
in the extract.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dashboard import assurance, domain
from dashboard import spc
from dashboard.db import connect_readonly, database_path, missing_database_error, query
from dashboard.measures import records

#: Columns of `detect_exceptions`' result, in order.
DETECTION_COLUMNS: tuple[str, ...] = (
    "theme", "measure", "polarity", "unit", "change", "change_unit", "detected", "direction",
    "source", "rule", "detail", "target", "assurance", "rebase", "analyst_call", "disagrees",
)
#: Columns the CLI prints.
CLI_COLUMNS: tuple[str, ...] = ("theme", "measure", "direction", "source", "rule", "detail", "target", "assurance",
                                "rebase")
SOURCE_SPC = "spc"
SOURCE_THRESHOLD = "threshold"


@dataclass(frozen=True)
class DetectionSettings:
    """The thresholds and the SPC switch-over; the README's "Exception rules" states the defaults."""

    #: Counts, money and numbers: |change| in per cent at or above this is an exception.
    percent_threshold: float = 10.0
    #: Percentages: |change| in percentage points at or above this is an exception.
    points_threshold: float = 2.0
    #: Grades: a move of at least this many steps on the PEEL scale is an exception.
    steps_threshold: float = 1.0
    #: A monthly series needs at least this many points, up to the report period, to be used.
    min_spc_points: int = 12
    #: The series area that stands for the whole force.
    spc_area: str = domain.FORCE_AREA
    #: How the SPC limits are computed (NHSRplotthedots' defaults).
    spc_settings: spc.SpcSettings = spc.SpcSettings()

    def threshold_for(self, change_unit: str) -> float:
        """The threshold that applies to a change measured in `change_unit`."""
        thresholds = {
            "percent": self.percent_threshold,
            "points": self.points_threshold,
            "steps": self.steps_threshold,
        }
        if change_unit not in thresholds:
            raise ValueError(f"no threshold for change unit {change_unit!r}")
        return thresholds[change_unit]


def threshold_text(threshold: float, change_unit: str) -> str:
    """'10%', '2 pts', '1 step': a threshold in the words of its unit."""
    number = f"{threshold:g}"
    if change_unit == "points":
        return f"{number} pts"
    if change_unit == "steps":
        return f"{number} step" + ("" if threshold == 1 else "s")
    return f"{number}%"


def exception_kind(direction: str | None) -> str | None:
    """Better is a positive exception, worse a negative one; neutral moves are neither."""
    if direction == domain.BETTER:
        return domain.POSITIVE
    if direction == domain.WORSE:
        return domain.NEGATIVE
    return None


def _figure_text(row: dict, which: str) -> str:
    """'4,872 (Jan 2018)', or the published status ('Pending') when there is no figure."""
    value = row[f"{which}_value"]
    if value is None:
        return row[f"{which}_status"] or row[f"{which}_text"] or "no figure"
    when = row[f"{which}_period"]
    shown = domain.format_value(value, row["unit"])
    if when is None:
        return shown
    return f"{shown} ({domain.format_month(when, bool(row[f'{which}_period_is_year']))})"


@dataclass(frozen=True)
class Verdict:
    """One rule's finding for one measure."""

    source: str
    rule: str
    detail: str
    detected: bool
    direction: str | None  # domain.POSITIVE | domain.NEGATIVE | None


def threshold_verdict(row: dict, settings: DetectionSettings) -> Verdict:
    """The threshold rule on the computed change of one `measure_changes` row."""
    change_unit = row["change_unit"]
    threshold = settings.threshold_for(change_unit)
    rule = f"Threshold: |change| ≥ {threshold_text(threshold, change_unit)}"
    figures = f"{_figure_text(row, 'baseline')} → {_figure_text(row, 'current')}"
    change = row["change"]
    if change is None:
        return Verdict(SOURCE_THRESHOLD, rule, f"{figures}: no change can be computed", False, None)
    shown = domain.format_change(change, change_unit)
    # Rounded to 10 decimals so a change printed as exactly the threshold counts as reaching it.
    fired = round(abs(change), 10) >= threshold
    if not fired:
        detail = f"{figures}: {shown}, within ±{threshold_text(threshold, change_unit)}"
        return Verdict(SOURCE_THRESHOLD, rule, detail, False, None)
    direction = row["direction"]
    detail = f"{figures}: {shown}, {domain.direction_label(direction)}"
    return Verdict(SOURCE_THRESHOLD, rule, detail, True, exception_kind(direction))


#: How each SPC rule is named in the `rule` column.
SPC_RULE_LABELS: dict[str, str] = {
    spc.RULE_OUTSIDE: "SPC: point outside the process limits",
    spc.RULE_TREND: "SPC: 7-point trend",
    spc.RULE_TWO_IN_THREE: "SPC: 2 of 3 beyond 2σ",
    spc.RULE_SHIFT: "SPC: 7 points one side of the mean",
}
SPC_COMMON_CAUSE_RULE = "SPC: common cause (no rule fired)"
SPC_TARGET_FAILED_RULE = "SPC: target consistently failed"
#: Special cause variation as a positive or negative exception (neutral measures: neither).
SPC_EXCEPTION_KIND: dict[str, str] = {
    spc.SPECIAL_IMPROVEMENT: domain.POSITIVE,
    spc.SPECIAL_CONCERN: domain.NEGATIVE,
}


def _span(periods: list, first: int, last: int) -> str:
    if first == last:
        return domain.format_month(periods[last])
    return f"{domain.format_month(periods[first])}–{domain.format_month(periods[last])}"


def _run_start(keys: np.ndarray, last: int) -> int:
    """First index of the run of equal keys that ends at `last`."""
    start = last
    while start > 0 and keys[start - 1] == keys[last]:
        start -= 1
    return start


def _spc_detail(result: spc.SpcResult, rule: str, unit: str) -> str:
    """What fired at the latest point: over which months, against which limits."""
    table = result.table
    values = table["value"].to_numpy()
    periods = list(table["period"])
    last = len(values) - 1

    def fmt(value: float) -> str:
        return domain.format_value(float(value), unit)

    limits = f"limits {fmt(result.lower_process_limit)}–{fmt(result.upper_process_limit)}"
    above = values[last] > result.mean
    side_word = "above" if above else "below"
    if rule == spc.RULE_OUTSIDE:
        limit_name = "upper" if above else "lower"
        limit = result.upper_process_limit if above else result.lower_process_limit
        return (f"{domain.format_month(periods[last])}: {fmt(values[last])} {side_word} the {limit_name} "
                f"process limit of {fmt(limit)} (mean {fmt(result.mean)}; {limits})")
    if rule == spc.RULE_TREND:
        steps = np.sign(np.diff(values))
        first = _run_start(steps, last - 1)
        count = last - first + 1
        word = "rising" if steps[last - 1] > 0 else "falling"
        return (f"{_span(periods, first, last)}: {count} points {word} ({fmt(values[first])} → "
                f"{fmt(values[last])}); mean {fmt(result.mean)}; {limits}")
    if rule == spc.RULE_TWO_IN_THREE:
        first = max(last - 2, 0)
        limit = result.upper_process_limit if above else result.lower_process_limit
        near = result.mean + (limit - result.mean) * 2 / 3
        close = int(result.flags["two_in_three"].iloc[first:last + 1].sum())
        return (f"{_span(periods, first, last)}: {close} of 3 points {side_word} {fmt(near)} (two thirds "
                f"of the way to the {'upper' if above else 'lower'} limit); mean {fmt(result.mean)}; {limits}")
    sides = np.sign(values - result.mean)
    first = _run_start(sides, last)
    return (f"{_span(periods, first, last)}: {last - first + 1} points {side_word} the mean of "
            f"{fmt(result.mean)}; {limits}")


def assurance_detail(result: spc.SpcResult, unit: str) -> str:
    """The target and the assurance in words ('' without a target)."""
    if not result.targets:
        return ""
    if result.target is None:
        return "no target applies at the latest point"
    target = domain.format_value(result.target, unit)
    if result.assurance is None:
        return f"target {target}; no assurance (neutral measure)"
    return (f"target {target} against process limits {domain.format_value(result.lower_process_limit, unit)}–"
            f"{domain.format_value(result.upper_process_limit, unit)}: {result.assurance}")


def rebase_text(result: spc.SpcResult) -> str:
    """The known changes that rebased the limits: 'Jun 2023: reason'; '' for none."""
    return "; ".join(f"{domain.format_month(c.month)}: {c.reason}" for c in result.changes)


def spc_verdict(result: spc.SpcResult, unit: str) -> Verdict:
    """The SPC rule's verdict: the latest point's variation, the rule that decided it, and why;
    with a target, the assurance (a common-cause point consistently failing its target is a
    negative exception)."""
    verdict = _variation_verdict(result, unit)
    words = assurance_detail(result, unit)
    if not words:
        return verdict
    if not verdict.detected and result.assurance == spc.ASSURANCE_FAIL:
        return Verdict(SOURCE_SPC, SPC_TARGET_FAILED_RULE, f"{verdict.detail}; {words}", True, domain.NEGATIVE)
    return Verdict(verdict.source, verdict.rule, f"{verdict.detail}; {words}", verdict.detected, verdict.direction)


def _variation_verdict(result: spc.SpcResult, unit: str) -> Verdict:
    """The verdict of the latest point's variation alone."""
    table = result.table
    periods = list(table["period"])
    fired = spc.rules_at(result, len(periods) - 1)
    if not fired:
        last_value = domain.format_value(float(table["value"].iloc[-1]), unit)
        points = f"{len(periods)} point" + ("" if len(periods) == 1 else "s")
        detail = (f"{_span(periods, 0, len(periods) - 1)}: {points}; latest {last_value} "
                  f"({domain.format_month(periods[-1])}) within limits "
                  f"{domain.format_value(result.lower_process_limit, unit)}–"
                  f"{domain.format_value(result.upper_process_limit, unit)}, mean "
                  f"{domain.format_value(result.mean, unit)}; no special cause at the latest point")
        return Verdict(SOURCE_SPC, SPC_COMMON_CAUSE_RULE, detail, False, None)
    detail = _spc_detail(result, fired[0], unit)
    if len(fired) > 1:
        detail += f" (also: {', '.join(fired[1:])})"
    if result.warning:
        detail += f". {result.warning}"
    return Verdict(SOURCE_SPC, SPC_RULE_LABELS[fired[0]], detail, True,
                   SPC_EXCEPTION_KIND.get(result.state or ""))


def _first_of_month(period: date) -> date:
    return date(period.year, period.month, 1)


def _measure_rows(con: duckdb.DuckDBPyConnection, period: date) -> list[dict]:
    frame = query(
        con,
        """
        SELECT theme, measure, polarity, unit, change, change_unit, direction, exception,
               baseline_text, baseline_value, baseline_status, baseline_period,
               baseline_period_is_year,
               current_text, current_value, current_status, current_period,
               current_period_is_year, source_line
        FROM measure_changes
        WHERE period = ?
        ORDER BY source_line, measure
        """,
        [period],
    )
    rows = records(frame)
    return sorted(rows, key=lambda r: (domain.theme_sort_key(r["theme"]), r["source_line"]))


def _force_series(con: duckdb.DuckDBPyConnection, period: date, area: str) -> dict[str, pd.DataFrame]:
    """Monthly series of the report's measures for `area`, up to the report period."""
    frame = query(
        con,
        """
        SELECT s.measure, s.period, s.value
        FROM series s
        WHERE s.area = ? AND s.period <= ?
          AND s.measure IN (SELECT measure FROM measures WHERE period = ?)
        ORDER BY s.measure, s.period
        """,
        [area, period, period],
    )
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return {str(name): group for name, group in frame.groupby("measure", sort=False)}


def _disagrees(verdict: Verdict, analyst_call: str | None) -> bool:
    """The rule's verdict differs from the analyst's call, or found one the analyst did not."""
    if analyst_call is not None:
        return verdict.direction != analyst_call
    return verdict.direction is not None


def detect_exceptions(
    con: duckdb.DuckDBPyConnection,
    period: date,
    settings: DetectionSettings = DetectionSettings(),
) -> pd.DataFrame:
    """One row per measure of the report for `period`: the rule applied and its verdict."""
    report_period = _first_of_month(period)
    series = _force_series(con, report_period, settings.spc_area)
    records = []
    for row in _measure_rows(con, report_period):
        monthly = series.get(row["measure"])
        targets = assurance.targets_for(con, row["measure"], settings.spc_area)
        target, assured, rebase = None, None, ""
        if monthly is not None and len(monthly) >= settings.min_spc_points:
            result = spc.spc_table(list(monthly["period"]), monthly["value"].to_numpy(), row["polarity"],
                                   settings.spc_settings, targets=targets,
                                   changes=assurance.changes_for(con, row["measure"], settings.spc_area))
            verdict = spc_verdict(result, row["unit"])
            target, assured, rebase = result.target, result.assurance, rebase_text(result)
        else:
            verdict = threshold_verdict(row, settings)
            # The threshold rule has no process limits to judge a target against: shown, not judged.
            applying = spc.target_applying(targets, report_period)
            target = applying.value if applying else None
        analyst_call = row["exception"]
        records.append({
            "theme": row["theme"],
            "measure": row["measure"],
            "polarity": row["polarity"],
            "unit": row["unit"],
            "change": row["change"],
            "change_unit": row["change_unit"],
            "detected": verdict.detected,
            "direction": verdict.direction,
            "source": verdict.source,
            "rule": verdict.rule,
            "detail": verdict.detail,
            "target": target,
            "assurance": assured,
            "rebase": rebase,
            "analyst_call": analyst_call,
            "disagrees": _disagrees(verdict, analyst_call),
        })
    # Object columns keep None as None (pandas 3 would turn text columns' None into NaN).
    frame = pd.DataFrame(records, columns=list(DETECTION_COLUMNS), dtype=object)
    return frame.astype({"change": "float64", "target": "float64", "detected": bool, "disagrees": bool})


def _parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a month as YYYY-MM, got {text!r}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m dashboard.detection --period YYYY-MM [--db FILE]`: detected exceptions as CSV."""
    defaults = DetectionSettings()
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.detection",
        description="Print the exceptions the published rules detect for one report period, as CSV.",
    )
    parser.add_argument("--period", required=True, type=_parse_month, help="report month, YYYY-MM")
    parser.add_argument("--db", type=Path, default=None, help="database file (default: DASHBOARD_DB "
                        "or data/dashboard.duckdb)")
    parser.add_argument("--percent-threshold", type=float, default=defaults.percent_threshold,
                        help="counts, money, numbers: |change| in %% (default %(default)s)")
    parser.add_argument("--points-threshold", type=float, default=defaults.points_threshold,
                        help="percentages: |change| in percentage points (default %(default)s)")
    parser.add_argument("--steps-threshold", type=float, default=defaults.steps_threshold,
                        help="grades: |change| in steps (default %(default)s)")
    parser.add_argument("--min-spc-points", type=int, default=defaults.min_spc_points,
                        help="monthly points needed to use SPC (default %(default)s)")
    spc.add_spc_options(parser, help_prefix="SPC: ")
    parser.add_argument("--all", action="store_true", help="print every measure, not only detections")
    args = parser.parse_args(argv)
    spc_settings = spc.spc_settings_from(args, parser)
    db_path = args.db or database_path()
    if missing := missing_database_error(db_path):
        print(f"error: {missing}", file=sys.stderr)
        return 1
    settings = DetectionSettings(
        percent_threshold=args.percent_threshold,
        points_threshold=args.points_threshold,
        steps_threshold=args.steps_threshold,
        min_spc_points=args.min_spc_points,
        spc_settings=spc_settings,
    )
    con = connect_readonly(db_path)
    try:
        found = detect_exceptions(con, args.period, settings)
        known = query(con, "SELECT DISTINCT period FROM measures ORDER BY period")["period"]
    finally:
        con.close()
    if found.empty:
        listed = ", ".join(domain.format_month(p) for p in known) or "none loaded"
        print(f"error: no measures for {domain.format_month(args.period)}; report periods: {listed}",
              file=sys.stderr)
        return 1
    shown = found if args.all else found[found["detected"]]
    shown.loc[:, list(CLI_COLUMNS)].to_csv(sys.stdout, index=False, float_format="%.10g")
    return 0


if __name__ == "__main__":
    sys.exit(main())
