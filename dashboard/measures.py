"""Headline measures: report periods, themes, the headline table, theme summaries, exceptions.

Everything comes from the `measure_changes` view (change, direction and flags computed in SQL
from baseline and current), ordered by plan theme and the row order of the extract, and
worded with `dashboard.domain`'s formats so the tables read as the report reads.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from dashboard import domain
from dashboard.db import query

ANALYST_SOURCE = "analyst"
DETECTION_SOURCE = "detection"
#: Exception sources a reader can choose, with the words the pages show for them.
EXCEPTION_SOURCES: dict[str, str] = {
    ANALYST_SOURCE: "Analyst's call",
    DETECTION_SOURCE: "Detection rule",
}

HEADLINE_TABLE_COLUMNS: tuple[str, ...] = (
    "Theme", "Measure", "Baseline", "Current", "Change", "Direction", "Published trend", "Check",
    "Comment",
)
EXCEPTION_TABLE_COLUMNS: tuple[str, ...] = (
    "Theme", "Measure", "Exception", "Change", "Published", "Check", "Source", "Comment",
)

_CHANGES_SQL = """
SELECT period, theme, measure, polarity, unit, change_unit,
       baseline_text, baseline_value, baseline_status, baseline_period, baseline_period_is_year,
       current_text, current_value, current_status, current_period, current_period_is_year,
       trend_text, trend_value, trend_unit, headline, exception, comment,
       {exception_columns},
       change, direction, trend_compared, trend_disagrees, current_before_baseline, source_file, source_line
FROM measure_changes
WHERE period = ? AND (? IS NULL OR theme = ?)
"""
#: The exception table's own figure and narrative (schema 4).
_EXCEPTION_COLUMNS: tuple[str, ...] = (
    "exception_trend_text", "exception_trend_value", "exception_trend_unit", "exception_comment",
    "exception_trend_compared", "exception_trend_disagrees",
)
#: A database last loaded before schema 4 has none of them until its next load upgrades it;
#: its exceptions then show the headline trend and comment, as they did.
_NO_EXCEPTION_COLUMNS = ", ".join(
    f"{'false' if name.endswith('disagrees') else 'NULL'} AS {name}" for name in _EXCEPTION_COLUMNS)


def _changes_sql(con: duckdb.DuckDBPyConnection) -> str:
    found = query(con, "SELECT count(*) AS n FROM information_schema.columns "
                       "WHERE table_name = 'measure_changes' AND column_name = 'exception_trend_text'")
    columns = ", ".join(_EXCEPTION_COLUMNS) if int(found["n"].iloc[0]) else _NO_EXCEPTION_COLUMNS
    return _CHANGES_SQL.replace("{exception_columns}", columns)


def is_missing(value: Any) -> bool:
    """None, pandas' NA/NaT, or NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _clean(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None and dates as `date`."""
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def _theme_ordered(df: pd.DataFrame, *then: str) -> pd.DataFrame:
    """Plan theme order, then the given columns (the extract's row order, usually)."""
    if df.empty:
        return df.reset_index(drop=True)
    ranked = df.assign(_rank=[domain.theme_sort_key(str(t)) for t in df["theme"]])
    return ranked.sort_values(["_rank", *then], kind="stable").drop(columns="_rank").reset_index(drop=True)


# --- Periods, themes, areas ------------------------------------------------------------------------


def list_periods(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Report periods with measures, oldest first."""
    df = query(con, "SELECT DISTINCT period FROM measures ORDER BY period")
    return [_clean(p) for p in df["period"]]


def previous_period(con: duckdb.DuckDBPyConnection, period: date) -> date | None:
    """The report period before `period`, if one is loaded."""
    df = query(con, "SELECT max(period) AS previous FROM measures WHERE period < ?", [period])
    return _clean(df["previous"].iloc[0])


def list_themes(con: duckdb.DuckDBPyConnection, period: date | None = None) -> list[str]:
    """Themes with measures (in one period, or any), in plan order."""
    df = query(
        con, "SELECT DISTINCT theme FROM measures WHERE (? IS NULL OR period = ?)", [period, period]
    )
    return sorted((str(t) for t in df["theme"]), key=domain.theme_sort_key)


def list_series_areas(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Areas that monthly series are broken down by, 'Force' first."""
    df = query(con, "SELECT DISTINCT area FROM series ORDER BY area")
    areas = [str(a) for a in df["area"]]
    return sorted(areas, key=lambda a: (a != domain.FORCE_AREA, a))


# --- Wording ---------------------------------------------------------------------------------------


def figure_text(row: dict[str, Any], which: str) -> str:
    """'4,872 (Jan 2018)', 'Requires Improvement (2017)', 'Pending (Apr 2019)', or '–'."""
    value = row[f"{which}_value"]
    when = row[f"{which}_period"]
    status = row[f"{which}_status"]
    if value is None and status is None:
        # No single figure (e.g. '+£1.0m rev -£3.0m cap (Nov 2018)'): the published text, which
        # already carries its period.
        return row[f"{which}_text"] or "–"
    if value is None:
        shown = status
    else:
        shown = domain.format_value(value, row["unit"])
    if when is None or shown == "–":
        return shown
    return f"{shown} ({domain.format_month(when, bool(row[f'{which}_period_is_year']))})"


def check_text(row: dict[str, Any]) -> str:
    """The inconsistencies a reader must see, in words; empty when there are none."""
    notes = []
    if row["trend_disagrees"]:
        computed = (published_change_text(row["trend_compared"], row["trend_unit"])
                    if row["trend_unit"] in ("number", "money")
                    else domain.format_change(row["change"], row["change_unit"]))
        notes.append(f"⚠ Published trend {row['trend_text']} disagrees with computed {computed}")
    if row["current_before_baseline"]:
        year_only = bool(row["current_period_is_year"] or row["baseline_period_is_year"])
        notes.append(
            "⚠ Current figure ("
            + domain.format_month(row["current_period"], year_only)
            + ") is dated before the baseline ("
            + domain.format_month(row["baseline_period"], year_only)
            + ")"
        )
    return "; ".join(notes)


def exception_check_text(row: dict[str, Any]) -> str:
    """The exception table's own figure against the computed change, in words; empty when they agree."""
    if not row.get("exception_trend_disagrees"):
        return ""
    computed = (published_change_text(row["exception_trend_compared"], row["exception_trend_unit"])
                if row["exception_trend_unit"] in ("number", "money")
                else domain.format_change(row["change"], row["change_unit"]))
    return f"⚠ Published {row['exception_trend_text']} disagrees with computed {computed}"


def published_change_text(value: float | None, trend_unit: str | None) -> str:
    """A published trend value in the dashboard's wording (used where no change can be computed)."""
    if value is None:
        return "–"
    if trend_unit in ("percent", "points", "steps"):
        return domain.format_change(value, trend_unit)
    if trend_unit == "money":
        return domain.format_money_k(value, signed=True)
    return f"{value:+,g}"


def _add_wording(df: pd.DataFrame) -> pd.DataFrame:
    rows = records(df)
    df = df.copy()
    df["baseline_shown"] = [figure_text(r, "baseline") for r in rows]
    df["current_shown"] = [figure_text(r, "current") for r in rows]
    df["change_shown"] = [domain.format_change(r["change"], r["change_unit"]) for r in rows]
    df["direction_shown"] = [
        domain.direction_label(r["direction"]) if r["change"] is not None else domain.direction_label(None)
        for r in rows
    ]
    df["check"] = [check_text(r) for r in rows]
    df["exception_check"] = [exception_check_text(r) for r in rows]
    return df


# --- Headline table --------------------------------------------------------------------------------


def query_measure_changes(
    con: duckdb.DuckDBPyConnection, period: date, theme: str | None = None
) -> pd.DataFrame:
    """The report's measures with computed change, direction, flags and their wording."""
    df = query(con, _changes_sql(con), [period, theme, theme])
    return _add_wording(_theme_ordered(df, "source_line", "measure"))


def headline_rows(changes: pd.DataFrame) -> pd.DataFrame:
    """The headline measures among `query_measure_changes`' rows, in the same order."""
    return changes[changes["headline"].astype(bool)].reset_index(drop=True)


def headline_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The headline table as shown and downloaded: words and formatted figures only."""
    rows = records(changes)
    return pd.DataFrame(
        {
            "Theme": [r["theme"] for r in rows],
            "Measure": [r["measure"] for r in rows],
            "Baseline": [r["baseline_shown"] for r in rows],
            "Current": [r["current_shown"] for r in rows],
            # A flagged row's change carries the warning sign too, so it shows without scrolling.
            "Change": [r["change_shown"] + (" ⚠" if r["check"] else "") for r in rows],
            "Direction": [r["direction_shown"] for r in rows],
            "Published trend": [r["trend_text"] or "–" for r in rows],
            "Check": [r["check"] for r in rows],
            "Comment": [r["comment"] or "" for r in rows],
        },
        columns=list(HEADLINE_TABLE_COLUMNS),
    )


# --- Overview: per theme --------------------------------------------------------------------------

SUMMARY_COLUMNS: tuple[str, ...] = (
    "theme", "measures", "better", "worse", "no_change", "neutral_moved", "not_comparable",
    "positive_exceptions", "negative_exceptions", "flagged",
)


def query_theme_summary(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Per theme, as the headline table counts them: headline measures better, worse, unchanged,
    not comparable and flagged; and exceptions, as the Exceptions page counts them (every measure
    the report makes an exception, in the headline table or only in the exception report)."""
    df = query(
        con,
        """
        SELECT theme,
               count(*) FILTER (headline) AS measures,
               count(*) FILTER (headline AND direction = 'better') AS better,
               count(*) FILTER (headline AND direction = 'worse') AS worse,
               count(*) FILTER (headline AND direction = 'no change') AS no_change,
               count(*) FILTER (headline AND direction IN ('higher', 'lower')) AS neutral_moved,
               count(*) FILTER (headline AND direction IS NULL) AS not_comparable,
               count(*) FILTER (exception = 'positive') AS positive_exceptions,
               count(*) FILTER (exception = 'negative') AS negative_exceptions,
               count(*) FILTER (headline AND (trend_disagrees OR current_before_baseline)) AS flagged
        FROM measure_changes
        WHERE period = ?
        GROUP BY theme
        """,
        [period],
    )
    df = _theme_ordered(df)
    counts = [c for c in SUMMARY_COLUMNS if c != "theme"]
    return df.astype({c: "int64" for c in counts})[list(SUMMARY_COLUMNS)]


def headline_counts(summary: pd.DataFrame) -> dict[str, int]:
    """Totals over the themes shown, labelled with icon and word."""
    better, worse, same = (domain.direction_label(d) for d in (domain.BETTER, domain.WORSE, domain.NO_CHANGE))
    pos, neg = (domain.EXCEPTION_STYLES[k] for k in domain.EXCEPTION_KINDS)
    not_comparable = f"{domain.NOT_COMPARABLE.icon} {domain.NOT_COMPARABLE.label}"
    return {
        "Headline measures": int(summary["measures"].sum()),
        better: int(summary["better"].sum()),
        worse: int(summary["worse"].sum()),
        same: int(summary["no_change"].sum()),
        not_comparable: int(summary["not_comparable"].sum()),
        f"{pos.icon} {pos.label}s": int(summary["positive_exceptions"].sum()),
        f"{neg.icon} {neg.label}s": int(summary["negative_exceptions"].sum()),
    }


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The theme summary as shown: direction words and icons in the headings, never colour alone.

    Neutral measures that moved get a column only when there are some.
    """
    better, worse, same = (domain.direction_label(d) for d in (domain.BETTER, domain.WORSE, domain.NO_CHANGE))
    pos, neg = (domain.EXCEPTION_STYLES[k] for k in domain.EXCEPTION_KINDS)
    columns = {
        "Theme": summary["theme"],
        "Headline measures": summary["measures"],
        better: summary["better"],
        worse: summary["worse"],
        same: summary["no_change"],
        f"{domain.NOT_COMPARABLE.icon} {domain.NOT_COMPARABLE.label}": summary["not_comparable"],
        f"{pos.icon} {pos.label}s": summary["positive_exceptions"],
        f"{neg.icon} {neg.label}s": summary["negative_exceptions"],
        "⚠ Flagged for checking": summary["flagged"],
    }
    if summary["neutral_moved"].any():
        columns["Neutral, moved"] = summary["neutral_moved"]
    return pd.DataFrame(columns)


# --- What changed since the previous report -------------------------------------------------------

CHANGES_SINCE_COLUMNS: tuple[str, ...] = ("Theme", "Measure", "Previous report", "This report", "What changed")


def _exception_words(kind: str | None) -> str:
    return domain.EXCEPTION_STYLES[kind].label.lower() if kind in domain.EXCEPTION_STYLES else "no exception"


def _what_changed(before: dict[str, Any] | None, now: dict[str, Any] | None) -> list[str]:
    if before is None:
        return ["New in this report"]
    if now is None:
        return ["Not in this report"]
    notes = []
    if before["direction"] != now["direction"]:
        notes.append(
            f"Direction now {domain.direction_label(now['direction'])} "
            f"(was {domain.direction_label(before['direction'])})"
        )
    if before["exception"] != now["exception"]:
        notes.append(f"Now {_exception_words(now['exception'])} (was {_exception_words(before['exception'])})")
    if before["current_shown"] != now["current_shown"] and not notes:
        notes.append("Current figure updated")
    return notes


def query_changes_since(
    con: duckdb.DuckDBPyConnection, period: date, previous: date
) -> pd.DataFrame:
    """Measures whose figure, direction or exception differs from the previous report's."""
    before = {r["measure"]: r for r in records(query_measure_changes(con, previous))}
    now = {r["measure"]: r for r in records(query_measure_changes(con, period))}
    rows = []
    for measure in [*now, *(m for m in before if m not in now)]:
        old, new = before.get(measure), now.get(measure)
        notes = _what_changed(old, new)
        if notes:
            rows.append({
                "Theme": (new or old)["theme"],
                "Measure": measure,
                "Previous report": old["current_shown"] if old else "–",
                "This report": new["current_shown"] if new else "–",
                "What changed": "; ".join(notes),
            })
    return pd.DataFrame(rows, columns=list(CHANGES_SINCE_COLUMNS))


# --- Exceptions -----------------------------------------------------------------------------------

EXCEPTION_COLUMNS: tuple[str, ...] = (
    "theme", "measure", "polarity", "unit", "kind", "change", "change_unit", "change_shown",
    "change_basis", "source", "rule", "detail", "published", "check", "comment",
)


def _plot_change(row: dict[str, Any]) -> tuple[float | None, str | None, str]:
    """The change to draw: computed where baseline and current allow, else the figure the
    exception table published, else the headline table's trend."""
    if row["change"] is not None:
        return row["change"], row["change_unit"], "computed"
    if row.get("exception_trend_value") is not None:
        return row["exception_trend_value"], row["exception_trend_unit"], "published"
    if row["trend_value"] is not None:
        return row["trend_value"], row["trend_unit"], "published"
    return None, None, "none"


def exception_figure(row: dict[str, Any]) -> str:
    """The change as the exception table publishes it; an extract without that column: the
    headline trend; neither: empty."""
    return row.get("exception_trend_text") or row["trend_text"] or ""


def exception_narrative(row: dict[str, Any]) -> str:
    """The exception's narrative: its own column, else (an older extract) the comment."""
    return row.get("exception_comment") or row["comment"] or ""


def _exception_record(row: dict[str, Any], kind: str, source: str, rule: str, detail: str) -> dict[str, Any]:
    change, unit, basis = _plot_change(row)
    if basis == "computed":
        shown = domain.format_change(change, unit)
    elif basis == "published":
        shown = published_change_text(change, unit) + " (published)"
    else:
        shown = "–"
    return {
        "theme": row["theme"], "measure": row["measure"], "polarity": row["polarity"],
        "unit": row["unit"], "kind": kind, "change": change, "change_unit": unit,
        "change_shown": shown, "change_basis": basis, "source": source, "rule": rule,
        "detail": detail, "published": exception_figure(row),
        # the exception's own figure is checked where it has one; else the headline trend's check
        "check": row["exception_check"] if row.get("exception_trend_text") else row["check"],
        "comment": exception_narrative(row),
    }


def _detected(con: duckdb.DuckDBPyConnection, period: date) -> list[dict[str, Any]]:
    from dashboard import detection  # imported here: the detection rules are optional to this page

    found = detection.detect_exceptions(con, period)
    return records(found[found["detected"].astype(bool)])


def query_exceptions(
    con: duckdb.DuckDBPyConnection,
    period: date,
    kinds: tuple[str, ...] = domain.EXCEPTION_KINDS,
    theme: str | None = None,
    source: str = ANALYST_SOURCE,
) -> pd.DataFrame:
    """Positive and/or negative exceptions of one report, by the analyst's call or the detection rule."""
    if source not in EXCEPTION_SOURCES:
        raise ValueError(f"unknown exception source {source!r}; expected one of {sorted(EXCEPTION_SOURCES)}")
    rows = {r["measure"]: r for r in records(query_measure_changes(con, period, theme))}
    found_rows = []
    if source == ANALYST_SOURCE:
        for row in rows.values():
            if row["exception"] in kinds:
                found_rows.append(_exception_record(row, row["exception"], EXCEPTION_SOURCES[source], "", ""))
    else:
        for found in _detected(con, period):
            row = rows.get(found["measure"])
            if row is not None and found["direction"] in kinds:
                found_rows.append(_exception_record(
                    row, found["direction"], EXCEPTION_SOURCES[source], found["rule"], found["detail"]
                ))
    df = pd.DataFrame(found_rows, columns=list(EXCEPTION_COLUMNS))
    df["change"] = df["change"].astype("float64")
    return _theme_ordered(df) if not df.empty else df


def exception_table(exceptions: pd.DataFrame) -> pd.DataFrame:
    """The exceptions as shown: kind in words with its icon, change with its basis, the figure the
    exception table published and its check, the narrative."""
    rows = records(exceptions)

    def source_text(r: dict[str, Any]) -> str:
        return f"{r['source']}: {r['rule']} ({r['detail']})" if r["rule"] else r["source"]

    return pd.DataFrame(
        {
            "Theme": [r["theme"] for r in rows],
            "Measure": [r["measure"] for r in rows],
            "Exception": [
                f"{domain.EXCEPTION_STYLES[r['kind']].icon} {domain.EXCEPTION_STYLES[r['kind']].label}"
                for r in rows
            ],
            "Change": [r["change_shown"] for r in rows],
            "Published": [r["published"] or "–" for r in rows],
            # the exception table's own figure against baseline and current, as the headline table checks its trend
            "Check": [r["check"] for r in rows],
            "Source": [source_text(r) for r in rows],
            "Comment": [r["comment"] for r in rows],
        },
        columns=list(EXCEPTION_TABLE_COLUMNS),
    )


# --- Monthly series -------------------------------------------------------------------------------


def query_series(
    con: duckdb.DuckDBPyConnection, measure: str, area: str | None = None, up_to: date | None = None
) -> pd.DataFrame:
    """A measure's monthly values (one area, or 'Force' when none is chosen), oldest first."""
    df = query(
        con,
        """
        SELECT period, area, value FROM series
        WHERE measure = ? AND area = coalesce(?, 'Force') AND (? IS NULL OR period <= ?)
        ORDER BY period
        """,
        [measure, area, up_to, up_to],
    )
    df["period"] = [p.date() if isinstance(p, pd.Timestamp) else p for p in df["period"]]
    return df


# --- Overview table: measures, exceptions and delivery per theme ----------------------------------


def rag_text_by_theme(rag_summary: pd.DataFrame) -> dict[str, str]:
    """Each theme's RAG counts as the report writes them: '● 14/14 (100%) Green', zeros left out."""
    texts: dict[str, list[str]] = {}
    for row in records(rag_summary):
        if row["n"]:
            status = domain.RAG_BY_CODE[row["status"]]
            texts.setdefault(row["theme"], []).append(f"{status.icon} {row['summary_text']} {status.label}")
    return {theme: "; ".join(parts) for theme, parts in texts.items()}


def overview_table(summary: pd.DataFrame, rag_texts: dict[str, str]) -> pd.DataFrame:
    """The theme summary with each theme's delivery-plan RAG summary beside it."""
    table = summary_table(summary)
    table.insert(1, "Delivery plan (RAG)", [rag_texts.get(theme, "–") for theme in summary["theme"]])
    return table


# --- Where the figures came from ------------------------------------------------------------------


def describe_files(df: pd.DataFrame) -> str:
    """'measures.csv, loaded 24 Nov 2026 21:51 UTC' for each file (source_file, loaded_at) of `df`."""
    if df.empty:
        return "no load recorded"
    return "; ".join(
        f"{name}, load time not recorded" if is_missing(at)
        else f"{name}, loaded {domain.format_loaded_at(pd.Timestamp(at).to_pydatetime())}"
        for name, at in zip(df["source_file"], df["loaded_at"])
    )


def describe_measures_source(con: duckdb.DuckDBPyConnection, period: date, theme: str | None = None) -> str:
    """The files a report's measures came from and when: 'measures.csv, loaded 24 Nov 2026 21:51 UTC'."""
    df = query(
        con,
        """
        SELECT m.source_file, max(l.loaded_at) AS loaded_at
        FROM measures m LEFT JOIN load_log l ON l.load_id = m.load_id AND l.file_name = m.source_file
        WHERE m.period = ? AND (? IS NULL OR m.theme = ?)
        GROUP BY m.source_file ORDER BY m.source_file
        """,
        [period, theme, theme],
    )
    return describe_files(df)


def describe_series_source(con: duckdb.DuckDBPyConnection, measure: str, area: str | None = None) -> str:
    """The files a measure's monthly series came from and when."""
    df = query(
        con,
        """
        SELECT s.source_file, max(l.loaded_at) AS loaded_at
        FROM series s LEFT JOIN load_log l ON l.load_id = s.load_id AND l.file_name = s.source_file
        WHERE s.measure = ? AND s.area = coalesce(?, 'Force')
        GROUP BY s.source_file ORDER BY s.source_file
        """,
        [measure, area],
    )
    return describe_files(df)
