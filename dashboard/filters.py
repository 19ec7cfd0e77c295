"""The shared filters (report period, theme, area) and their link form (`?period=2019-01&theme=...`).

A filtered view is a link: the filters travel as query parameters. This module parses and
writes those parameters without Streamlit, so the rules are unit-tested.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from dashboard.domain import format_month

PERIOD_PARAM = "period"
THEME_PARAM = "theme"
AREA_PARAM = "area"
FILTER_PARAMS: tuple[str, ...] = (PERIOD_PARAM, THEME_PARAM, AREA_PARAM)

_PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
#: Theme and area names are short labels; anything longer is not one of ours.
_MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Filters:
    """What every page is filtered by; hashable, so it works as a cache key."""

    period: date | None = None
    theme: str | None = None
    area: str | None = None

    def with_(self, **changes: object) -> Filters:
        """A copy with some filters changed."""
        return replace(self, **changes)


def parse_period_param(text: str) -> date | None:
    """`2019-01` -> date(2019, 1, 1); anything else -> None."""
    match = _PERIOD_PATTERN.match(text.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return date(year, month, 1)


def format_period_param(period: date) -> str:
    """date(2019, 1, 1) -> `2019-01`."""
    return f"{period.year:04d}-{period.month:02d}"


def _parse_name(text: str) -> str | None:
    name = " ".join(text.split())
    if not name or len(name) > _MAX_NAME_LENGTH:
        return None
    return name


def parse_filter_params(params: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """Filters from query parameters, and a warning for each value that could not be used."""
    warnings: list[str] = []
    period = None
    raw_period = params.get(PERIOD_PARAM)
    if raw_period is not None:
        period = parse_period_param(raw_period)
        if period is None:
            warnings.append(f"Ignored the link's period {raw_period!r}: expected a month like 2019-01.")
    names: dict[str, str | None] = {}
    for key in (THEME_PARAM, AREA_PARAM):
        raw = params.get(key)
        names[key] = None if raw is None else _parse_name(raw)
        if raw is not None and names[key] is None:
            warnings.append(f"Ignored the link's {key} {raw[:40]!r}: not a {key} name.")
    return Filters(period, names[THEME_PARAM], names[AREA_PARAM]), warnings


def filters_to_params(filters: Filters) -> dict[str, str]:
    """Query parameters for the filters that are set (unset filters leave no parameter)."""
    params: dict[str, str] = {}
    if filters.period is not None:
        params[PERIOD_PARAM] = format_period_param(filters.period)
    if filters.theme:
        params[THEME_PARAM] = filters.theme
    if filters.area:
        params[AREA_PARAM] = filters.area
    return params


def resolve_choice(requested: str | None, options: list[str]) -> tuple[str | None, str | None]:
    """The requested option if it is one of `options` (None = all), else None and a warning."""
    if requested is None or requested in options:
        return requested, None
    return None, f"{requested!r} has nothing to show here; showing all."


def resolve_period(
    requested: date | None, periods: list[date], default: date | None = None
) -> tuple[date | None, str | None]:
    """The requested period if loaded; otherwise `default` (the latest Panel report) when it is
    loaded, else the latest loaded period; with a warning when the link asked for another."""
    if not periods:
        return None, None
    fallback = default if default in periods else max(periods)
    if requested is None:
        return fallback, None
    if requested in periods:
        return requested, None
    which = "the latest Panel report" if default in periods else "the latest"
    return fallback, (
        f"No report for {format_month(requested)} is loaded; showing {which}, {format_month(fallback)}."
    )
