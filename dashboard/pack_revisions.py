"""The paper's "Revisions to previously reported figures": what changed since earlier papers.

A report's pack lists every figure of an earlier published report that a load has changed
since the Panel saw it (`dashboard.revisions`), with what the Panel was told, the figure now,
and when and by whom it was changed. With no such change the section is left out.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from dashboard import domain, revisions

if TYPE_CHECKING:
    from dashboard.pack import PackTable, _Doc

HEADING = "Revisions to Previously Reported Figures"
TABLE_COLUMNS: tuple[str, ...] = ("Report", "Figure", "Field", "Reported to the Panel", "Now", "Changed")
WIDTHS_CM: tuple[float, ...] = (1.9, 4.6, 2.2, 3.0, 3.0, 3.3)


def gather_revisions(con: duckdb.DuckDBPyConnection, period: date) -> pd.DataFrame:
    """Revisions to every published report before `period` (the one this paper replaces
    included), earliest report first."""
    found = revisions.revisions(con)
    if found.empty:
        return found
    earlier = found[[p < period for p in found["period"]]]
    return earlier.sort_values(["period", "Record", "Figure", "Field"], kind="stable").reset_index(drop=True)


def revisions_table(found: pd.DataFrame) -> pd.DataFrame:
    """One row per revised field, as the paper prints it."""
    if found.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    return pd.DataFrame({
        "Report": found["Report"],
        "Figure": [f"{record}: {figure}" for record, figure in zip(found["Record"], found["Figure"])],
        "Field": found["Field"],
        "Reported to the Panel": found["Reported to the Panel"],
        "Now": found["Now"],
        "Changed": [f"{loaded} by {by} (load {load}, {file})" for loaded, by, load, file
                    in zip(found["Loaded"], found["Loaded by"], found["Load"], found["File"])],
    }, columns=list(TABLE_COLUMNS))


def write_revisions_section(doc: _Doc, found: pd.DataFrame, number: int) -> None:
    """Section `number`: the revisions, each with who changed it and when."""
    doc.heading(f"{number}. {HEADING}", level=1)
    reports = ", ".join(dict.fromkeys(domain.format_month(p) for p in found["period"]))
    count = len(found)
    doc.numbered(f"{number}.1", f"Since the Panel was given the {reports} report{'s' if ',' in reports else ''}, "
                                f"{count} figure{'' if count == 1 else 's'} in {'them' if ',' in reports else 'it'} "
                                f"{'has' if count == 1 else 'have'} been revised by a later load of the extracts "
                                "(late recording, reclassification or a correction). Each is listed with the "
                                "figure the Panel was given and the figure now.")
    doc.table(revisions_table(found), widths_cm=WIDTHS_CM)


def revision_tables(found: pd.DataFrame) -> list[PackTable]:
    from dashboard.pack import PackTable

    if found.empty:
        return []
    return [PackTable("revisions-to-previously-reported-figures", revisions_table(found))]
