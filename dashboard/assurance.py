"""Targets, known changes and Making Data Count's assurance (no Streamlit).

The assurance says whether a measure's process, as it runs now, will meet its target: the
target beyond the process limits on the side the process already beats is "consistently
passing", beyond them on the side it cannot reach "consistently failing", between them "hit and
miss" (NHSRplotthedots `ptd_calculate_assurance_type`; NHS England, Making Data Count). A
neutral measure, or one with no target, has none. The labels live in `dashboard.spc`, beside
the variation labels.

Targets come from `targets*.csv` (table `targets`), known changes that rebase the limits from
`changes*.csv` (table `changes`); both are keyed by measure and area, where area '' means every
area of the measure (docs/EXTRACTS.md).
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np

from dashboard import spc
from dashboard.db import as_date, query, table_exists
from dashboard.spc import KnownChange, Target

__all__ = ["KnownChange", "Target", "assurance", "assurance_words", "changes_for", "target_at", "targets_for"]

#: Every area of a measure: a target or change recorded with area empty.
ALL_AREAS = ""


def assurance(target: float | None, lower: float, upper: float, polarity: str) -> str | None:
    """The assurance of a process with limits `lower`..`upper` against `target`, or None
    (no target, no limits, or a neutral measure)."""
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return None
    code = spc.assurance_codes(np.array([target]), np.array([lower]), np.array([upper]),
                               np.array([spc.improvement_sign(polarity)]))[0]
    return spc.ASSURANCES[int(code)]


def assurance_words(label: str | None, has_target: bool) -> str:
    """The assurance in words, including why there is none."""
    if label is not None:
        return label
    return spc.NO_ASSURANCE_NEUTRAL if has_target else spc.NO_ASSURANCE_NO_TARGET


_TARGETS_SQL = """
SELECT area, applies_from, target, target_text, source FROM targets
WHERE measure = ? AND area = ? ORDER BY applies_from
"""
_CHANGES_SQL = """
SELECT area, month, reason FROM changes
WHERE measure = ? AND area IN (?, ?) ORDER BY month, area
"""


def targets_for(con: duckdb.DuckDBPyConnection, measure: str, area: str) -> list[Target]:
    """The targets of `measure` for `area`, by applies_from: the area's own rows when it has
    any, else the measure's rows for every area. [] when none (or no targets table)."""
    if not table_exists(con, "targets"):
        return []
    for where in (area, ALL_AREAS):
        rows = query(con, _TARGETS_SQL, [measure, where])
        if not rows.empty:
            return [Target(as_date(r.applies_from), float(r.target), r.target_text, r.source, r.area)
                    for r in rows.itertuples(index=False)]
    return []


def target_at(con: duckdb.DuckDBPyConnection, measure: str, area: str, month: date) -> Target | None:
    """The target that applies to `measure` in `area` in `month`: the latest applying from
    that month or before; None when none does."""
    return spc.target_applying(targets_for(con, measure, area), month)


def changes_for(con: duckdb.DuckDBPyConnection, measure: str, area: str) -> list[KnownChange]:
    """Known changes of `measure` in `area` (its own and every area's), by month. [] when none."""
    if not table_exists(con, "changes"):
        return []
    rows = query(con, _CHANGES_SQL, [measure, area, ALL_AREAS])
    seen: dict[date, KnownChange] = {}
    for r in rows.itertuples(index=False):
        month = as_date(r.month)
        # One change per month: the area's own reason wins over an all-area one in the same month.
        if month not in seen or r.area == area:
            seen[month] = KnownChange(month, r.reason, r.area)
    return list(seen.values())
