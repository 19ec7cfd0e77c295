"""Checking the targets extract (`targets*.csv`): a measure's target, in its series' own units,
and the month from which it applies (Making Data Count's assurance compares it with the
process limits: dashboard/assurance.py).

One row per measure + area + applies_from. `area` empty means every area of the measure; a
row naming an area is that area's own target, and an area with any row of its own uses only
those. A later applies_from replaces the target from that month on. The target is read as a
series value is (loaders.series.series_value): '45%' is 45, '£2.1m' is 2,100 (£ thousands),
so it is in the units the series' points are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from loaders import values

if TYPE_CHECKING:  # the row type lives with the other row builders, which import this module
    from loaders.validate import Row

#: Columns of the `targets` table a row fills, in the order staged rows hold them.
TARGET_COLUMNS: tuple[str, ...] = ("measure", "area", "applies_from", "target_text", "target", "source")

TARGET_EXPECTED = ("a number in the series' own units, such as 1,200, 85.5, 45% (read as 45) or "
                   "£2.1m (read as 2,100, £ thousands)")


def parse_target(text: str) -> float:
    """The target as a series value would be read."""
    from loaders.series import series_value  # loaders.series imports the row checks

    try:
        number = series_value(text.strip())
    except values.ParseError:
        raise values.ParseError(text, TARGET_EXPECTED) from None
    if not math.isfinite(number):
        raise values.ParseError(text, TARGET_EXPECTED, "the number is too large")
    return number


def target_row(row: Row) -> tuple[Any, ...] | None:
    """A `targets` row's values in TARGET_COLUMNS order, or None when a required cell failed."""
    measure = row.required("measure")
    applies_from = row.parse("applies_from", values.parse_month, required=True)
    target = row.parse("target", parse_target, required=True)
    if measure is None or applies_from is None or target is None:
        return None
    return (measure, row.text("area") or "", applies_from.start, row.text("target"), target, row.text("source"))
