"""The panel pack's performance summary appendix: the Performance summary page's table (one row
per measure with a monthly series for the whole force, up to the report month: latest month and
figure, mean, process limits, target, variation, assurance, months since special cause), a key
to the words it uses, and the counts by variation and assurance. Written into
`dashboard.pack`'s document on a landscape page, like dashboard/pack_framework.py; a paper whose
month comes before every series has no such appendix.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from dashboard import domain, glossary, spc, summary

if TYPE_CHECKING:   # pack imports this module
    from dashboard.pack import PackTable, _Doc

HEADING = f"Performance Summary: Monthly Series, {domain.FORCE_AREA}"
#: Widths of the summary's columns (summary.TABLE_COLUMNS) on a landscape page (25.7 cm of text).
WIDTHS_CM: tuple[float, ...] = (5.0, 1.9, 1.8, 1.8, 2.0, 2.0, 2.4, 3.6, 2.6, 2.6)
KEY_WIDTHS_CM: tuple[float, ...] = (5.2, 20.5)
#: The matrix's table: the variation, four assurance columns and the total.
MATRIX_WIDTHS_CM: tuple[float, ...] = (5.7, 4.2, 4.2, 4.2, 4.2, 3.2)
TABLE_NAME = "performance-summary"
MATRIX_TABLE_NAME = "performance-summary-by-variation-and-assurance"


def gather_summary(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """The summary the paper for `period` carries: every measure's force-wide monthly series up
    to the report month (empty when none reaches back that far)."""
    return summary.query_summary(con, period, domain.FORCE_AREA)


def key_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The variation and assurance words the table uses, each with its meaning."""
    terms = [glossary.VARIATION_WORDS[v] for v in dict.fromkeys(rows["variation"]) if v is not None]
    for row in summary.row_records(rows):
        key = row["assurance"] if row["assurance"] is not None else row["assurance_words"]
        if glossary.ASSURANCE_WORDS[key] not in terms:
            terms.append(glossary.ASSURANCE_WORDS[key])
    return pd.DataFrame({"Words in the table": [t.name for t in terms], "Meaning": [t.meaning for t in terms]})


def key_point(rows: pd.DataFrame, period: date, letter: str) -> str:
    """Section 3's point on the summary: how many measures show concern, improvement or neither,
    and how many targets are consistently failing, naming the appendix."""
    counts = rows["variation"].value_counts()
    shown = [(spc.SPECIAL_CONCERN, "special cause concern"),
             (spc.SPECIAL_IMPROVEMENT, "special cause improvement"),
             (spc.COMMON_CAUSE, "common cause variation"),
             (spc.SPECIAL_HIGH, "special cause high (a neutral measure)"),
             (spc.SPECIAL_LOW, "special cause low (a neutral measure)")]
    parts = [f"{words} in {int(counts.get(v, 0))}" for v, words in shown
             if v in (spc.SPECIAL_CONCERN, spc.SPECIAL_IMPROVEMENT, spc.COMMON_CAUSE)
             or counts.get(v, 0)]
    targets = int(rows["target_from"].notna().sum())
    failing = int((rows["assurance"] == spc.ASSURANCE_FAIL).sum())
    assured = (f"{targets} of them {'has' if targets == 1 else 'have'} a target, {failing} consistently failing it"
               if targets else "none has a target set")
    return (f"Of the {len(rows)} measure{'' if len(rows) == 1 else 's'} with a monthly series for the whole force, "
            f"the latest month ({domain.format_month(period)}) shows {', '.join(parts[:-1])} and {parts[-1]}; "
            f"{assured} (Appendix {letter}).")


def write_summary_appendix(doc: _Doc, rows: pd.DataFrame, period: date, letter: str) -> None:
    """The summary on a landscape page: what it shows, the table, its key, and the counts."""
    month = domain.format_month(period)
    doc.new_section(landscape=True)
    doc.heading(f"Appendix {letter}: {HEADING}", level=1)
    doc.paragraph(
        f"Every measure with a monthly series for the whole force, up to {month}, in Making Data Count's "
        "terms: the latest month and figure; the mean and process limits of the series (the range it "
        "would normally stay within); the target that applies in the latest month, where one is set; the "
        "variation the latest month shows and the target's assurance; and how many months ago the series "
        "last showed special cause. The Performance summary page of the dashboard shows the same table.")
    doc.paragraph(summary.describe_summary(rows))
    doc.table(summary.summary_table(rows), widths_cm=WIDTHS_CM)
    for note in summary.notes(rows):
        doc.paragraph(note, italic=True)
    doc.heading("The words used", level=2)
    doc.table(key_table(rows), widths_cm=KEY_WIDTHS_CM)
    doc.heading("Measures by variation and assurance", level=2)
    doc.table(summary.matrix_table(summary.count_matrix(rows)), widths_cm=MATRIX_WIDTHS_CM)


def summary_tables(rows: pd.DataFrame) -> list[PackTable]:
    """The appendix's tables for the pack's ZIP (none when the paper has no summary)."""
    from dashboard.pack import PackTable

    if rows.empty:
        return []
    return [PackTable(TABLE_NAME, summary.summary_table(rows)),
            PackTable(MATRIX_TABLE_NAME, summary.matrix_table(summary.count_matrix(rows)))]
