"""A published report on a page: "Figures: As reported to the Panel | Latest", kept in the link
(`?figures=reported`), and, on the latest figures, every figure revised since it was reported.

As reported, every later `cached_query` of the page run reads the report's frozen file
(`ui.data.read_figures_from`), so tables, charts and downloads are what the Panel was shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard import db, revision_views, revisions
from dashboard.domain import format_month
from loaders.publish import frozen_path
from ui.data import cached_live_query, read_figures_from
from ui.render import escape_markdown

FIGURES_PARAM = "figures"
REPORTED = "reported"
LATEST = "latest"
_CHOICES = {REPORTED: revision_views.AS_REPORTED, LATEST: revision_views.LATEST}
_WIDGET_KEY = "figures_mode"
_SAVED_KEY = "_figures_mode"
REVISIONS_PAGE = "pages/revisions.py"
#: A page's notice lists at most this many revised figures; the Revisions page lists them all.
NOTICE_MOST = 10
PUBLISH_COMMAND = ".venv/bin/python -m loaders --publish YYYY-MM --meeting YYYY-MM-DD --db data/dashboard.duckdb"


@dataclass(frozen=True)
class FiguresView:
    """Which figures a page shows for its report period, and what was revised since publication."""

    period: date
    publication: revisions.Publication | None = None
    reported: bool = False
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, hash=False)

    def marks(self, tables: Iterable[str] | None = None) -> pd.DataFrame:
        """The revisions to mark on the page: none when it shows the figures as reported."""
        if self.reported or self.publication is None:
            return pd.DataFrame(columns=self.revisions.columns)
        return revision_views.of_tables(self.revisions, tables)


def _requested() -> str:
    """The link's choice; where navigation dropped the link, the one this session made last."""
    requested = st.query_params.get(FIGURES_PARAM)
    # Within a session the link changes only through its widgets and the menu, and the menu drops
    # the query string: a link without the choice after this session chose "as reported" is one
    # the menu dropped (a link opened afresh starts a new session, on the latest figures).
    if requested is None and st.session_state.get(_SAVED_KEY) == REPORTED:
        requested = REPORTED
        st.query_params[FIGURES_PARAM] = REPORTED
    if requested in _CHOICES:
        st.session_state[_SAVED_KEY] = requested
    if requested not in (None, *_CHOICES):
        st.caption(escape_markdown(f"⚠ Ignored the link's figures {requested[:40]!r}: expected "
                                   f"{REPORTED} or {LATEST}."))
    return REPORTED if requested == REPORTED else LATEST


def _on_change() -> None:
    chosen = next(mode for mode, label in _CHOICES.items() if label == st.session_state[_WIDGET_KEY])
    st.session_state[_SAVED_KEY] = chosen
    if chosen == REPORTED:
        st.query_params[FIGURES_PARAM] = REPORTED
    else:
        st.query_params.pop(FIGURES_PARAM, None)


def choose_figures(period: date) -> FiguresView:
    """On a published report, the as-reported / latest control and a sentence saying which
    figures the page shows; every later query of the run reads them. Otherwise nothing."""
    read_figures_from(None)
    publication = cached_live_query(revisions.latest_publication, period)
    if publication is None:
        return FiguresView(period)
    found = cached_live_query(revisions.revisions, period)
    mode = _requested()
    st.session_state[_WIDGET_KEY] = _CHOICES[mode]  # the link is the source of truth
    st.radio("Figures", list(_CHOICES.values()), key=_WIDGET_KEY, horizontal=True, on_change=_on_change,
             help="As reported: the figures exactly as the Panel was shown them. Latest: today's "
                  "figures, with each one revised since marked.")
    frozen = frozen_path(db.database_path(), publication.frozen_file)
    if mode == REPORTED and not frozen.exists():
        st.warning(f"The figures as reported for {format_month(period)} are not kept beside this "
                   "database any more: these are the latest figures.")
        mode = LATEST
    revised = revision_views.count_text(len(found))
    told = f"{publication.told()} (load {publication.as_of_load_id})"
    if mode == REPORTED:
        read_figures_from(frozen)
        since = f"{revised} {'has' if len(found) == 1 else 'have'} been revised since: see Revisions." \
            if len(found) else "None has been revised since."
        st.info(f"These are the figures as {told}. {since}", icon=":material/history:")
    else:
        since = (f" {revised} {'has' if len(found) == 1 else 'have'} been revised since, each marked "
                 f"{revision_views.REVISED_MARK}: see Revisions." if len(found) else " None has been revised since.")
        st.caption(escape_markdown(f"These are the latest figures. The {format_month(period)} report was {told}.{since}"))
    if len(found):
        _link_to_revisions()
    return FiguresView(period, publication, mode == REPORTED, found)


def _link_to_revisions() -> None:
    label = "Revisions: every change since publication"
    try:
        st.page_link(REVISIONS_PAGE, label=label, icon=":material/history:")
    except StreamlitAPIException:  # a page run on its own, outside app.py's menu: a plain link
        st.markdown(f"[{label}](/revisions)")


def show_revisions(view: FiguresView, tables: Iterable[str] | None = None) -> None:
    """On the latest figures, a notice listing each revised figure of the page's records."""
    marked = view.marks(tables)
    if view.publication is None or marked.empty:
        return
    lines = revision_views.revision_lines(marked, view.publication)
    head = (f"✎ {revision_views.count_text(len(lines))} on this page "
            f"{'has' if len(lines) == 1 else 'have'} been revised since the {format_month(view.period)} "
            f"report was {view.publication.told()}:")
    shown = [f"- {escape_markdown(line)}" for line in lines[:NOTICE_MOST]]
    if len(lines) > NOTICE_MOST:  # a re-extracted series can revise hundreds of months
        shown.append(f"- and {len(lines) - NOTICE_MOST:,} more: see Revisions.")
    st.warning("\n".join([escape_markdown(head), *shown]))


def mark_measures(view: FiguresView | None, table: pd.DataFrame, field_columns: Mapping[str, str]) -> pd.DataFrame:
    """A headline or exceptions table with "✎ Revised" beside each figure revised since publication."""
    if view is None:
        return table
    return revision_views.mark_revised(table, view.marks(("measures",)), field_columns)
