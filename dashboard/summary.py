"""The performance summary (Making Data Count's "integrated performance report"): one row per
measure with a monthly series in an area, what its latest month says, and the counts of
measures by variation and assurance.

Each row is the measure's series up to the report month run through `dashboard.spc` as its chart
is (`spc_table` with the measure's targets and known changes from `dashboard.assurance`): the
mean and limits are the latest segment's when a known change rebased them, and the assurance is
the target in force in the latest month against those limits. No Streamlit here: DataFrames and a
Plotly figure; the page (pages/summary.py) and the pack (dashboard/pack_summary.py) show them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import assurance, domain, glossary, measures, spc
from dashboard.charts import ChartMeta, finish_figure, legend_below, text_on, wrap_text
from dashboard.db import as_date, query
from dashboard.summary_icons import assurance_icon, variation_icon

#: Columns of `query_summary`'s result, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "measure", "theme", "polarity", "unit", "in_measures", "points", "first_period", "latest_period",
    "latest_value", "mean", "lower_process_limit", "upper_process_limit", "target", "target_text",
    "target_from", "variation", "side", "assurance", "assurance_words", "last_special_period",
    "months_since_special", "warning", "limits_from", "rebase_reason",
)

#: The filters a reader can choose (`?show=...` on the page), and their labels.
CONCERNS = "concerns"
IMPROVEMENTS = "improvements"
FAILING = "failing"
VIEWS: tuple[str, ...] = (CONCERNS, IMPROVEMENTS, FAILING)
VIEW_LABELS: dict[str, str] = {
    CONCERNS: "Special cause concerns",
    IMPROVEMENTS: "Special cause improvements",
    FAILING: "Targets consistently failing",
}

#: The table's columns, as the page and the pack print them.
TABLE_COLUMNS: tuple[str, ...] = (
    "Measure", "Latest month", "Latest", "Mean", "Lower process limit", "Upper process limit", "Target",
    "Variation", "Assurance", "Months since special cause",
)
#: Columns that hold figures (right-aligned on the page).
FIGURE_COLUMNS: tuple[str, ...] = ("Latest", "Mean", "Lower process limit", "Upper process limit", "Target")

#: Assurance categories in the matrix's order (None: no assurance, for either reason).
MATRIX_ASSURANCES: tuple[str | None, ...] = (
    spc.ASSURANCE_PASS, spc.ASSURANCE_HIT_AND_MISS, spc.ASSURANCE_FAIL, None,
)
#: The matrix's name for "no assurance": no target, or a neutral measure.
NO_ASSURANCE_LABEL = "No assurance"
#: Colours of the matrix's segments; each segment also prints its letter (never colour alone).
_ASSURANCE_COLOURS: dict[str | None, str] = {
    spc.ASSURANCE_PASS: domain.DIRECTION_STYLES[domain.BETTER].colour,
    spc.ASSURANCE_HIT_AND_MISS: "#595959",
    spc.ASSURANCE_FAIL: domain.DIRECTION_STYLES[domain.WORSE].colour,
    None: "#D9D9D9",
}
#: The letter each segment prints beside its count, as the assurance icons carry it.
ASSURANCE_LETTERS: dict[str | None, str] = {
    spc.ASSURANCE_PASS: "P", spc.ASSURANCE_HIT_AND_MISS: "?", spc.ASSURANCE_FAIL: "F", None: "–",
}


# --- The rows ---------------------------------------------------------------------------------------

_SERIES_SQL = """
WITH described AS (
    -- each measure's theme, polarity and unit from the report, else its latest earlier row,
    -- else its latest row of all
    SELECT measure, theme, polarity, unit,
           row_number() OVER (PARTITION BY measure ORDER BY (period <= ?) DESC, period DESC) AS pick
    FROM measures
)
SELECT s.measure, s.period, s.value, d.theme, d.polarity, d.unit, d.measure IS NOT NULL AS in_measures
FROM series s LEFT JOIN described d ON d.measure = s.measure AND d.pick = 1
WHERE s.area = ? AND s.period <= ? AND (? IS NULL OR d.theme = ?)
ORDER BY s.measure, s.period
"""


def months_between(earlier: date, later: date) -> int:
    """Whole months from `earlier` to `later` (Dec 2024 is 1 month after Nov 2024)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _last_special(table: pd.DataFrame) -> date | None:
    """The month of the series' latest special cause point (any rule), or None."""
    special = table[table["variation"] != spc.COMMON_CAUSE]
    return special["period"].iloc[-1] if len(special) else None


def _summary_row(con: duckdb.DuckDBPyConnection, measure: str, rows: pd.DataFrame, area: str,
                 settings: spc.SpcSettings) -> dict:
    first = rows.iloc[0]
    in_measures = bool(first["in_measures"])
    polarity = str(first["polarity"]) if in_measures else domain.NEUTRAL
    unit = str(first["unit"]) if in_measures else domain.NUMBER
    periods = [as_date(p) for p in rows["period"]]
    # The chart's own computation: targets as steps, limits rebased at each known change.
    targets = assurance.targets_for(con, measure, area)
    result = spc.spc_table(periods, rows["value"].to_numpy(dtype=float), polarity, settings,
                           targets=targets, changes=assurance.changes_for(con, measure, area))
    table = result.table
    latest = periods[-1]
    target = spc.target_applying(targets, latest)
    rebased = result.changes[-1] if result.changes else None
    last_special = _last_special(table)
    return {
        "measure": measure,
        "theme": str(first["theme"]) if in_measures else None,
        "polarity": polarity,
        "unit": unit,
        "in_measures": in_measures,
        "points": len(table),
        "first_period": periods[0],
        "latest_period": latest,
        "latest_value": float(table["value"].iloc[-1]),
        "mean": result.mean,
        "lower_process_limit": result.lower_process_limit,
        "upper_process_limit": result.upper_process_limit,
        "target": result.target if result.target is not None else math.nan,
        "target_text": target.text if target else None,
        "target_from": target.applies_from if target else None,
        "variation": result.state,
        "side": int(result.flags["signal"].iloc[-1]),
        "assurance": result.assurance,
        "assurance_words": assurance.assurance_words(result.assurance, target is not None),
        "last_special_period": last_special,
        "months_since_special": months_between(last_special, latest) if last_special else None,
        "warning": result.warning,
        "limits_from": rebased.month if rebased else None,
        "rebase_reason": rebased.reason if rebased else None,
    }


def query_summary(
    con: duckdb.DuckDBPyConnection,
    period: date,
    area: str | None = None,
    theme: str | None = None,
    settings: spc.SpcSettings = spc.SpcSettings(),
) -> pd.DataFrame:
    """One row per measure with a monthly series in `area` (the whole force when None) up to
    `period`, in plan theme order: latest month and value, mean and limits, the target and its
    assurance, the latest variation, and the months since the last special cause."""
    where = area or domain.FORCE_AREA
    frame = query(con, _SERIES_SQL, [period, where, period, theme, theme])
    records = [_summary_row(con, str(measure), rows, where, settings)
               for measure, rows in frame.groupby("measure", sort=False)]
    summary = pd.DataFrame(records, columns=list(SUMMARY_COLUMNS), dtype=object)
    if summary.empty:
        return summary
    for column in ("latest_value", "mean", "lower_process_limit", "upper_process_limit", "target"):
        summary[column] = summary[column].astype("float64")
    order = sorted(range(len(summary)), key=lambda i: (
        domain.theme_sort_key(summary["theme"].iloc[i] or "~"), summary["measure"].iloc[i]))
    return summary.iloc[order].reset_index(drop=True)


def latest_series_month(con: duckdb.DuckDBPyConnection, area: str | None = None) -> date | None:
    """The latest month any series of `area` reaches (where to send a reader whose report month
    comes before every series); None when the area has none."""
    found = query(con, "SELECT max(period) AS latest FROM series WHERE area = ?", [area or domain.FORCE_AREA])
    latest = found["latest"].iloc[0]
    return None if pd.isna(latest) else as_date(latest)


def describe_source(con: duckdb.DuckDBPyConnection, area: str | None = None) -> str:
    """The files an area's monthly series came from and when they were loaded."""
    files = query(con, """
        SELECT s.source_file, max(l.loaded_at) AS loaded_at
        FROM series s LEFT JOIN load_log l ON l.load_id = s.load_id AND l.file_name = s.source_file
        WHERE s.area = ?
        GROUP BY s.source_file ORDER BY s.source_file
        """, [area or domain.FORCE_AREA])
    return measures.describe_files(files)


# --- Filters ----------------------------------------------------------------------------------------


def filter_summary(summary: pd.DataFrame, view: str | None) -> pd.DataFrame:
    """The rows a view shows: None, every row; a view not in VIEWS is a programming error."""
    if view is None:
        return summary
    if view == CONCERNS:
        keep = summary["variation"] == spc.SPECIAL_CONCERN
    elif view == IMPROVEMENTS:
        keep = summary["variation"] == spc.SPECIAL_IMPROVEMENT
    elif view == FAILING:
        keep = summary["assurance"] == spc.ASSURANCE_FAIL
    else:
        raise ValueError(f"unknown summary view {view!r}; expected one of {', '.join(VIEWS)}")
    return summary[keep.astype(bool)].reset_index(drop=True)


def view_counts(summary: pd.DataFrame) -> dict[str, int]:
    """How many rows each view holds."""
    return {view: len(filter_summary(summary, view)) for view in VIEWS}


def view_label(view: str) -> str:
    """'Special cause concerns', ...: a view's name on the page."""
    return VIEW_LABELS[view]


# --- Words ------------------------------------------------------------------------------------------


def variation_words(variation: str | None, side: int = 0) -> str:
    """'Special cause concern (higher values)', 'Common cause': the variation in words, with
    the side of the mean for improvement and concern, as Making Data Count's H and L do."""
    if variation is None:
        return "No points"
    words = glossary.VARIATION_WORDS[variation].name
    if variation in (spc.SPECIAL_IMPROVEMENT, spc.SPECIAL_CONCERN) and side in glossary.VARIATION_SIDE_WORDS:
        words += f" ({glossary.VARIATION_SIDE_WORDS[side]})"
    return words


def assurance_label(row: dict) -> str:
    """'Consistently failing', 'No target', 'No assurance (neutral measure)'."""
    key = row["assurance"] if row["assurance"] is not None else row["assurance_words"]
    return glossary.ASSURANCE_WORDS[key].name


def _months_text(row: dict) -> str:
    months = row["months_since_special"]
    if months is None:
        return f"None in {row['points']} month{'' if row['points'] == 1 else 's'}"
    if months == 0:
        return "0 (the latest month)"
    return f"{months} (last {domain.format_month(row['last_special_period'])})"


def _figure(value: float, unit: str) -> str:
    """Mean and limits to one decimal, as the SPC chart's table gives them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return domain.format_value(round(float(value), 1), unit)


def _target_text(row: dict) -> str:
    if row["target_from"] is None:
        return "–"
    shown = domain.format_value(float(row["target"]), row["unit"])
    return f"{shown} (from {domain.format_month(row['target_from'])})"


def row_records(summary: pd.DataFrame) -> list[dict]:
    """The rows as dicts (None and NaN kept as they are)."""
    return [dict(zip(summary.columns, values)) for values in summary.itertuples(index=False, name=None)]


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as a reader sees it: words and formatted figures, one row per measure."""
    rows = row_records(summary)
    return pd.DataFrame({
        "Measure": [r["measure"] for r in rows],
        "Latest month": [domain.format_month(r["latest_period"]) for r in rows],
        "Latest": [domain.format_value(r["latest_value"], r["unit"]) for r in rows],
        "Mean": [_figure(r["mean"], r["unit"]) for r in rows],
        "Lower process limit": [_figure(r["lower_process_limit"], r["unit"]) for r in rows],
        "Upper process limit": [_figure(r["upper_process_limit"], r["unit"]) for r in rows],
        "Target": [_target_text(r) for r in rows],
        "Variation": [variation_words(r["variation"], r["side"]) for r in rows],
        "Assurance": [assurance_label(r) for r in rows],
        "Months since special cause": [_months_text(r) for r in rows],
    }, columns=list(TABLE_COLUMNS))


def table_icons(summary: pd.DataFrame) -> dict[str, list[str]]:
    """The icons beside the Variation and Assurance words, one per row (for `table_html`)."""
    return {
        "Variation": [variation_icon(v) if v is not None else "" for v in summary["variation"]],
        "Assurance": [assurance_icon(a) for a in summary["assurance"]],
    }


def notes(summary: pd.DataFrame) -> list[str]:
    """What a reader must know about some rows: trial limits, a measure not in the report."""
    found = []
    for row in row_records(summary):
        if isinstance(row["warning"], str) and row["warning"]:
            found.append(f"{row['measure']}: {row['warning']}")
        if row.get("limits_from") is not None:
            found.append(f"{row['measure']}: mean and limits from {domain.format_month(row['limits_from'])} on, "
                         f"recalculated after a known change ({row['rebase_reason']}).")
        if not row["in_measures"]:
            found.append(f"{row['measure']} is not among the loaded measures: treated as neutral, so it has "
                         "no improvement, concern or assurance.")
    return found


def describe_summary(summary: pd.DataFrame) -> str:
    """'16 measures: 3 special cause concern, 1 special cause improvement, 12 common cause; 2 targets ...'."""
    if summary.empty:
        return "No measures."
    counts = summary["variation"].value_counts()
    parts = [f"{int(counts[v])} {glossary.VARIATION_WORDS[v].name.lower()}" for v in spc.VARIATIONS if v in counts]
    judged = summary["assurance"].dropna().value_counts()
    targets = int(summary["target_from"].notna().sum())
    assured = [f"{int(judged[a])} {glossary.ASSURANCE_WORDS[a].name.lower()}" for a in MATRIX_ASSURANCES
               if a is not None and a in judged]
    text = f"{len(summary)} measure{'' if len(summary) == 1 else 's'}: {', '.join(parts)}"
    if targets:
        text += f"; {targets} with a target" + (f" ({', '.join(assured)})" if assured else "")
    else:
        text += "; none has a target set"
    return text + "."


# --- The matrix of counts ---------------------------------------------------------------------------


def _assurance_name(category: str | None) -> str:
    return glossary.ASSURANCE_WORDS[category].name if category is not None else NO_ASSURANCE_LABEL


def matrix_column(category: str | None) -> str:
    """'Consistently passing (P)': a column of the matrix's table and its legend entry, with the
    letter its segments print."""
    return f"{_assurance_name(category)} ({ASSURANCE_LETTERS[category]})"


#: Variations the matrix always shows; a neutral measure's high and low only when one has them.
MATRIX_VARIATIONS: tuple[str, ...] = (spc.COMMON_CAUSE, spc.SPECIAL_IMPROVEMENT, spc.SPECIAL_CONCERN)


@dataclass(frozen=True)
class Matrix:
    """Counts of measures by variation (rows) and assurance (columns, MATRIX_ASSURANCES)."""

    variations: tuple[str, ...]
    counts: np.ndarray   # (len(variations), len(MATRIX_ASSURANCES)) int


def count_matrix(summary: pd.DataFrame) -> Matrix:
    """How many measures fall in each variation and assurance (no assurance counted as one)."""
    counts = np.zeros((len(spc.VARIATIONS), len(MATRIX_ASSURANCES)), dtype=int)
    for variation, judged in zip(summary.get("variation", []), summary.get("assurance", [])):
        if variation is None:
            continue
        counts[spc.VARIATIONS.index(variation), MATRIX_ASSURANCES.index(judged)] += 1
    shown = [i for i, v in enumerate(spc.VARIATIONS) if v in MATRIX_VARIATIONS or counts[i].sum()]
    return Matrix(tuple(spc.VARIATIONS[i] for i in shown), counts[shown])


def matrix_table(matrix: Matrix) -> pd.DataFrame:
    """The matrix as a table: a row per variation, a column per assurance, and each row's total."""
    table = pd.DataFrame({"Variation": [glossary.VARIATION_WORDS[v].name for v in matrix.variations]})
    for column, category in enumerate(MATRIX_ASSURANCES):
        table[matrix_column(category)] = matrix.counts[:, column].tolist()
    table["Measures"] = matrix.counts.sum(axis=1).tolist()
    return table


def describe_matrix(matrix: Matrix) -> str:
    """The chart's alt text: every non-zero count in words."""
    parts = []
    for row, variation in enumerate(matrix.variations):
        cells = [f"{int(n)} {_assurance_name(a).lower()}" for a, n in zip(MATRIX_ASSURANCES, matrix.counts[row]) if n]
        if cells:
            parts.append(f"{glossary.VARIATION_WORDS[variation].name}: {', '.join(cells)}")
    total = int(matrix.counts.sum())
    return (f"Measures by variation and assurance, {total} in all. " + "; ".join(parts) + "."
            if parts else "Measures by variation and assurance: none.")


def build_matrix_figure(matrix: Matrix, meta: ChartMeta) -> go.Figure:
    """Per variation, a bar of its measures split by assurance; each segment prints its letter
    and count (P 3, F 1), so the split never rests on colour."""
    fig = go.Figure()
    labels = [wrap_text(glossary.VARIATION_WORDS[v].name, 16) for v in matrix.variations]
    for column, category in enumerate(MATRIX_ASSURANCES):
        colour = _ASSURANCE_COLOURS[category]
        letter = ASSURANCE_LETTERS[category]
        counts = matrix.counts[:, column].tolist()
        fig.add_trace(go.Bar(
            name=matrix_column(category),
            y=labels,
            x=counts,
            orientation="h",
            marker={"color": colour, "line": {"color": "#FFFFFF", "width": 1}},
            text=[f"{letter} {n}" if n else "" for n in counts],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            textfont={"color": text_on(colour)},
            hovertemplate=f"%{{y}}<br>{_assurance_name(category)}: %{{x}}<extra></extra>",
        ))
    # A segment too short for its label drops it (the table has every count), as on the Overview.
    fig.update_layout(barmode="stack", height=220 + 56 * len(labels), uniformtext={"minsize": 11, "mode": "hide"})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Measures", dtick=max(1, int(math.ceil(matrix.counts.sum(axis=1).max(initial=1) / 8))))
    return legend_below(finish_figure(fig, meta))
