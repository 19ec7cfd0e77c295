"""The app's pages, in menu order: one list, read by app.py, the tests and the README check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    path: str        # relative to the project root
    title: str       # menu entry and the page's heading
    icon: str
    url_path: str    # the file's stem, so a legacy-route run and the frame agree on the page


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", "overview"),
    PageSpec("pages/headlines.py", "Theme headlines", ":material/table_chart:", "headlines"),
    PageSpec("pages/exceptions.py", "Exceptions", ":material/swap_vert:", "exceptions"),
    PageSpec("pages/summary.py", "Performance summary", ":material/grid_view:", "summary"),
    PageSpec("pages/delivery.py", "Delivery plan", ":material/checklist:", "delivery"),
    PageSpec("pages/budget.py", "Budget", ":material/account_balance:", "budget"),
    PageSpec("pages/recommendations.py", "Recommendations tracker", ":material/fact_check:", "recommendations"),
    PageSpec("pages/decisions_estates.py", "Decisions and estates", ":material/gavel:", "decisions_estates"),
    PageSpec("pages/framework.py", "Plan framework", ":material/account_tree:", "framework"),
    PageSpec("pages/panel_pack.py", "Panel pack", ":material/description:", "panel_pack"),
    PageSpec("pages/revisions.py", "Revisions", ":material/history:", "revisions"),
    PageSpec("pages/data.py", "Data", ":material/database:", "data"),
)


def build_navigation() -> StreamlitPage:
    """`st.navigation` over the pages; the first is the default (the Overview)."""
    pages = [
        st.Page(
            str(PROJECT_ROOT / spec.path),
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=index == 0,
        )
        for index, spec in enumerate(PAGES)
    ]
    return st.navigation(pages)


def ensure_frame() -> None:
    """Make sure the page runs inside app.py's frame (menu, page config, shared filters).

    Streamlit decides once per process whether a `pages/` folder beside app.py is a legacy
    multipage folder, and keeps doing so until app.py calls `st.navigation`. So when the first
    request after a start is a link to a page (`/headlines?period=2019-01`), Streamlit runs
    pages/headlines.py on its own: no frame, file names in the menu. Here the page notices,
    switches the legacy route off and reruns; the rerun goes through app.py to the same page,
    because every page's url_path is its file's stem (the legacy route's page id).
    """
    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()
