"""Shared filters held in the page's link (`st.query_params`) and carried across pages.

Switching pages with `st.navigation` can drop the query string, so the filters are also kept
in the session and put back on the page the reader lands on. Each selector writes its choice
back to both, so the address bar always holds a link to the view on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.domain import format_month
from dashboard.filters import (
    AREA_PARAM,
    FILTER_PARAMS,
    PERIOD_PARAM,
    THEME_PARAM,
    Filters,
    filters_to_params,
    format_period_param,
    parse_filter_params,
    resolve_choice,
    resolve_period,
)
from ui.navigation import ensure_frame
from ui.render import escape_markdown

ALL_THEMES = "All themes"
ALL_AREAS = "Whole force area"
#: Up to this many report periods are offered as radio buttons (one click), more as a drop-down.
RADIO_MAX_PERIODS = 6
_SAVED_KEY = "_shared_filter_params"
_WIDGET_KEYS = {PERIOD_PARAM: "filter_period", THEME_PARAM: "filter_theme", AREA_PARAM: "filter_area"}


def _link_params() -> dict[str, str]:
    return {key: st.query_params[key] for key in FILTER_PARAMS if key in st.query_params}


def _synced_params() -> dict[str, str]:
    """This run's filter parameters, with the session's put back where navigation dropped them."""
    link = _link_params()
    saved: dict[str, str] | None = st.session_state.get(_SAVED_KEY)
    if saved and not link:
        for key, value in saved.items():
            st.query_params[key] = value
        return dict(saved)
    st.session_state[_SAVED_KEY] = link
    return link


def _write_param(key: str, value: str | None) -> None:
    saved = dict(st.session_state.get(_SAVED_KEY) or {})
    if value is None:
        saved.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]
    else:
        saved[key] = value
        st.query_params[key] = value
    st.session_state[_SAVED_KEY] = saved


def sync_filters() -> None:
    """Put the session's filters back into the link if navigation dropped them (app.py, each run)."""
    _synced_params()


def current_filters() -> Filters:
    """The filters in this view's link (or carried from the previous page); bad values warned of."""
    ensure_frame()
    filters, warnings = parse_filter_params(_synced_params())
    for warning in warnings:
        st.caption(escape_markdown(f"⚠ {warning}"))  # the warning quotes the link's text
    return filters


def set_filters(filters: Filters) -> None:
    """Make `filters` the view's filters (link and session)."""
    params = filters_to_params(filters)
    for key in FILTER_PARAMS:
        _write_param(key, params.get(key))


def _container(where: DeltaGenerator | None) -> DeltaGenerator:
    return where if where is not None else st.sidebar


def _on_period_change() -> None:
    chosen: date | None = st.session_state.get(_WIDGET_KEYS[PERIOD_PARAM])
    _write_param(PERIOD_PARAM, format_period_param(chosen) if chosen else None)


def period_selector(
    periods: Sequence[date],
    label: str = "Report period",
    where: DeltaGenerator | None = None,
    one_click: bool = False,
    default: date | None = None,
) -> date | None:
    """Choose the report period (latest first; `default`, else the latest, when the link names
    none); returns the choice.

    With `one_click`, up to `RADIO_MAX_PERIODS` periods are radio buttons rather than a drop-down.
    """
    options = sorted(set(periods), reverse=True)
    requested, _ = parse_filter_params(_synced_params())
    chosen, warning = resolve_period(requested.period, options, default)
    container = _container(where)
    if warning:
        container.caption(escape_markdown(f"⚠ {warning}"))
    if not options:
        return None
    widget = container.radio if one_click and len(options) <= RADIO_MAX_PERIODS else container.selectbox
    widget(
        label,
        options,
        index=options.index(chosen),
        format_func=format_month,
        key=_WIDGET_KEYS[PERIOD_PARAM],
        on_change=_on_period_change,
    )
    return chosen


def _name_selector(
    param: str, names: Sequence[str], label: str, all_label: str, where: DeltaGenerator | None
) -> str | None:
    options = list(dict.fromkeys(names))
    requested, _ = parse_filter_params(_synced_params())
    chosen, warning = resolve_choice(getattr(requested, param), options)
    container = _container(where)
    if warning:
        container.caption(escape_markdown(f"⚠ {label}: {warning}"))
    widget_key = _WIDGET_KEYS[param]

    def on_change() -> None:
        value = st.session_state.get(widget_key)
        _write_param(param, None if value == all_label else value)

    choices = [all_label, *options]
    container.selectbox(
        label,
        choices,
        index=choices.index(chosen) if chosen else 0,
        key=widget_key,
        on_change=on_change,
    )
    return chosen


def theme_selector(
    themes: Sequence[str], label: str = "Theme", where: DeltaGenerator | None = None
) -> str | None:
    """Choose one theme or all (None); returns the choice."""
    return _name_selector(THEME_PARAM, themes, label, ALL_THEMES, where)


def area_selector(
    areas: Sequence[str], label: str = "Area", where: DeltaGenerator | None = None
) -> str | None:
    """Choose one area or all (None); shown only when the series have more than one area."""
    if len(set(areas)) < 2:
        return None
    return _name_selector(AREA_PARAM, areas, label, ALL_AREAS, where)


def share_hint(where: DeltaGenerator | None = None) -> None:
    """Tell readers the address bar is a link to this filtered view."""
    _container(where).caption("The address bar holds these filters: copy it to share this view.")


def linked_selectbox(
    param: str, options: Sequence[str], label: str, key: str, default: str | None = None
) -> str | None:
    """A page's own choice kept in the link as `?param=...` (not carried to other pages)."""
    choices = list(dict.fromkeys(options))
    if not choices:
        return None
    requested = st.query_params.get(param)
    if requested is not None and requested not in choices:
        st.warning(escape_markdown(f"The link's {param} '{requested}' is not available here; showing another."))
    chosen = requested if requested in choices else (default if default in choices else choices[0])

    def on_change() -> None:
        st.query_params[param] = st.session_state[key]

    return st.selectbox(label, choices, index=choices.index(chosen), key=key, on_change=on_change)


#: The choice that sets a page's own filter aside.
ALL = "All"


def linked_choice(page: str, param: str, options: Sequence[str], label: str, default: str | None = None,
                  format_func: Callable[[str], str] = str, where: DeltaGenerator | None = None) -> str | None:
    """A selectbox of `options` and 'All' whose choice lives in the link (`?param=value`), like
    the shared filters; None for 'All'. Its widget key is `{page}_{param}`."""
    choices = [ALL, *options]
    requested = st.query_params.get(param, default)
    key = f"{page}_{param}"
    # The link is the source of truth: the widget shows what it says on every run.
    st.session_state[key] = requested if requested in choices else ALL

    def on_change() -> None:
        value = st.session_state[key]
        if value == ALL and default is None:
            st.query_params.pop(param, None)
        else:  # 'All' is kept in the link when leaving it out would mean the default
            st.query_params[param] = value

    # In the page, not the sidebar: the page's own filters sit beside what they filter.
    chosen = (where if where is not None else st).selectbox(
        label, choices, key=key, on_change=on_change, format_func=lambda c: c if c == ALL else format_func(c))
    return None if chosen == ALL else chosen
