"""The analyst's controls on the Data page: upload extracts, restore an earlier version.

Rendered only for an analyst (`ui.roles`); a reader sees why not and how sign-in is set up.
Each act checks the viewer's role again when it runs, so no widget state or link sent by a
reader's browser can start a load. Loads and restores run in a child process, one at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from dashboard import db, loads
from dashboard.access import Viewer
from loaders.atomic import load_in_progress
from loaders.provenance import RESTORE, UPLOAD, Actor
from ui.data import clear_caches
from ui.render import escape_markdown, show_text_table
from ui.roles import DEPLOYMENT_HELP, access_settings, current_viewer

T = TypeVar("T")

REPORT_KEY = "data_last_load_report"
RESTORE_REPORT_KEY = "data_last_restore_report"
BUSY_MESSAGE = "Another load or restore is running. Try again when it has finished."


def max_upload_bytes() -> int:
    """The per-file cap, from `server.maxUploadSize` in .streamlit/config.toml (MB)."""
    return int(st.get_option("server.maxUploadSize")) * 1_000_000


def render_change_controls() -> None:
    """Upload and restore for an analyst; for a reader, why they are not offered."""
    viewer = current_viewer()
    if not viewer.can_change_data:
        _explain_read_only(viewer)
        return
    _render_upload()
    _render_last_load_report()


def _explain_read_only(viewer: Viewer) -> None:
    st.header("Changing the figures")
    if viewer.signed_in:
        st.text(f"Signed in as a reader. Loading extracts and restoring earlier versions is for the "
                f"OPCC's analysts named in this deployment's settings.")
        return
    try:
        sign_in = access_settings().sign_in_configured
    except ValueError:
        sign_in = False
    if sign_in:
        st.text("Loading extracts and restoring earlier versions is for the OPCC's analysts: "
                "sign in (in the sidebar) to do either.")
    else:
        st.text("This copy of the dashboard has no sign-in configured, so extracts can be loaded "
                "here only by someone at the server itself (opening it as localhost), or on the "
                "server with python -m loaders. " + DEPLOYMENT_HELP)


def _run_change(source: str, working: str, change: Callable[[Actor], T]) -> T | None:
    """Run a load or restore as the analyst viewing, checked now, one at a time.

    None (and a message on the page) when the viewer is not an analyst, another change is
    running, or the loader stopped without a report."""
    viewer = current_viewer()
    if not viewer.can_change_data or not viewer.name:
        st.error("Only an analyst can change the figures.")
        return None
    if load_in_progress(db.database_path()):
        st.warning(BUSY_MESSAGE)
        return None
    with st.spinner(working):
        try:
            return change(Actor(viewer.name, source))
        except loads.LoaderFailed as failure:
            st.error(escape_markdown(str(failure)))
            return None


def _render_upload() -> None:
    st.header("Upload extracts")
    cap_mb = max_upload_bytes() // 1_000_000
    st.text(
        "Choose one or more CSV extracts: measures*.csv, series*.csv, deliverables*.csv, budget*.csv. "
        "They are checked together. If any file has an error, nothing is loaded and the database stays "
        "exactly as it was; otherwise every file is loaded and rows with the same key are replaced."
    )
    st.text(f"Each file may be up to {cap_mb} MB; load bigger extracts on the server with python -m loaders. "
            "The database as it was before is kept, so a load can be undone under Earlier versions.")
    uploads = st.file_uploader("Extract files", type="csv", accept_multiple_files=True, key="data_uploads")
    if st.button("Check and load", type="primary", disabled=not uploads, key="data_load"):
        _load(uploads)


def _load(uploads: list) -> None:  # noqa: ANN001 - Streamlit's UploadedFile
    files = [(f.name, f.getvalue()) for f in uploads]
    report = _run_change(UPLOAD, "Checking and loading…", lambda actor: loads.load_uploads(
        files, db.database_path(), actor, max_bytes=max_upload_bytes()))
    if report is None:
        return
    if report.ok:
        clear_caches()  # every page reads the new file from its next run
    st.session_state[REPORT_KEY] = report
    st.session_state.pop(RESTORE_REPORT_KEY, None)


def _render_last_load_report() -> None:
    report = st.session_state.get(REPORT_KEY)
    if report is None:
        return
    headline = escape_markdown(report.headline(show_database=False))
    (st.success if report.ok else st.error)(headline)
    if report.files:
        show_text_table(loads.files_frame(report), key="data-report-files", alt="Files in the last load")
    if report.errors or report.warnings:
        st.subheader(f"Errors ({len(report.errors)}) and warnings ({len(report.warnings)})")
        show_text_table(report.issues_frame(), key="data-report-issues",
                        column_config={"value": st.column_config.TextColumn("value", width="medium"),
                                       "expected": st.column_config.TextColumn("expected", width="large")},
                        alt="Problems found in the uploaded files, with file, line, column and value")


def render_restore(con) -> None:  # noqa: ANN001 - DuckDB connection
    """Kept versions, and (for an analyst) putting one back."""
    versions = loads.restorable_versions(con, db.database_path())
    st.header("Earlier versions")
    st.caption("Before each load or restore the database it replaces is kept, so any change can be undone. "
               "A restore is recorded in the load history like a load.")
    if versions.empty:
        st.text("No earlier version is kept yet: one is kept at the next load.")
        return
    show_text_table(versions, key="data-versions",
                    alt="Earlier versions kept: the load each ends with, when, by whom, its files")
    if not current_viewer().can_change_data:
        return
    choice = st.selectbox("Restore the figures as they were after load", versions["after_load"].tolist(),
                          key="data_restore_load")
    confirmed = st.checkbox(f"I want every page to show the figures as they were after load {choice}",
                            key="data_restore_confirm")
    # A callback runs before the page does, so everything below is drawn from the restored file.
    st.button("Restore", disabled=not confirmed, key="data_restore", on_click=_restore, args=(int(choice),))
    result = st.session_state.get(RESTORE_REPORT_KEY)
    if result is not None:
        (st.success if result.ok else st.error)(escape_markdown(result.message))


def _restore(load_id: int) -> None:
    report = _run_change(RESTORE, f"Restoring the version after load {load_id}…",
                         lambda actor: loads.restore(db.database_path(), load_id, actor))
    if report is None:
        return
    st.session_state[RESTORE_REPORT_KEY] = report
    st.session_state.pop(REPORT_KEY, None)  # the last load's report no longer describes the data
    if report.ok:
        clear_caches()
        st.session_state["data_restore_confirm"] = False
