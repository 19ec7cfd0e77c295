"""The estates record's two lists: their codes, headings and total lines, as the report prints them.

A module of plain facts (no DuckDB, pandas or Plotly), so that the loader, which checks an
estates extract's `list` column against them, and `dashboard.estates`, which draws the lists,
share one definition without the loader's command line importing the charting code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SOLD = "sold"
EXCHANGED = "exchanged"
#: The sold list is of sites sold since this day, as its heading says.
SOLD_SINCE = date(2016, 4, 1)


@dataclass(frozen=True)
class EstateList:
    """One of the report's two estates tables: its heading, columns and total line."""

    code: str
    title: str
    columns: tuple[str, ...]   # the table's headings, as the report prints them
    total_label: str


LISTS: dict[str, EstateList] = {
    SOLD: EstateList(SOLD, "Police Station Sites Sold Since 1 April 2016",
                     ("Police station site", "Completion of sale", "Proposed future use"),
                     "Total capital receipt from above completed sales"),
    EXCHANGED: EstateList(EXCHANGED, "Contracts Exchanged subject to planning",
                          ("Police station site", "Status", "Proposed future use"),
                          "Total capital receipt to be received on completion of above"),
}
