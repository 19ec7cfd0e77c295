"""Checking the known-changes extract (`changes*.csv`): a change to what a measure counts (a
recording-practice change, a new service, a boundary change) recorded against a measure, area
and month, with its reason. The SPC limits and all four rules are computed afresh from that
month, as NHSRplotthedots' `rebase` does (dashboard/spc.py).

One row per measure + area + month. `area` empty means every area of the measure. The month
is the first month of the new limits: the change's first month under the new practice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loaders import values

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.validate import Row

#: Columns of the `changes` table a row fills, in the order staged rows hold them.
CHANGE_COLUMNS: tuple[str, ...] = ("measure", "area", "month", "reason")


def change_row(row: Row) -> tuple[Any, ...] | None:
    """A `changes` row's values in CHANGE_COLUMNS order, or None when a required cell failed."""
    measure = row.required("measure")
    month = row.parse("month", values.parse_month, required=True)
    reason = row.required("reason")
    if measure is None or month is None or reason is None:
        return None
    return (measure, row.text("area") or "", month.start, reason)
