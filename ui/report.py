"""The preamble every report page shares: data present, a report period and theme chosen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import streamlit as st

from dashboard import measures, periods as report_periods
from dashboard.domain import FORCE_AREA, format_month
from ui.data import cached_query, require_data
from ui.filters import (
    area_selector,
    current_filters,
    period_selector,
    set_filters,
    share_hint,
    theme_selector,
)
from ui.published import FiguresView, choose_figures

NO_MEASURES = "No headline measures are loaded yet: load a measures.csv extract (see the Data page)."


@dataclass(frozen=True)
class ReportChoice:
    period: date
    month: str          # "Jan 2019"
    theme: str | None   # None: all themes
    area: str | None    # None: the whole force (only pages that chart series offer a choice)
    figures: FiguresView | None = field(default=None, compare=False)  # as reported or latest, and revisions


def open_on_latest_report() -> None:
    """With no period in the link, open on the latest Panel report, as the Overview does,
    rather than on a page's own later month (a later quarter or forecast)."""
    filters = current_filters()  # also warns of link values it cannot use
    default = cached_query(report_periods.default_report_period)
    if filters.period is None and default is not None:
        set_filters(filters.with_(period=default))


def choose_report(with_area: bool = False) -> ReportChoice:
    """Stop with the how-to-load panel or a message when there is nothing to show; otherwise
    draw the shared period, theme (and area) selectors, which keep the choice in the link."""
    require_data()
    current_filters()
    periods = cached_query(measures.list_periods)
    if not periods:
        st.info(NO_MEASURES)
        st.stop()
    period = period_selector(periods, one_click=True, default=cached_query(report_periods.default_report_period))
    figures = choose_figures(period)  # as reported: every query from here on reads the frozen report
    theme = theme_selector(cached_query(measures.list_themes, period))
    area = None
    if with_area:
        area = area_selector([a for a in cached_query(measures.list_series_areas) if a != FORCE_AREA])
    share_hint()
    return ReportChoice(period, format_month(period), theme, area, figures)
