"""Sign-in and roles on the Streamlit side: who is looking, the account box, the sign-in gate.

The rules are `dashboard.access`'s; this module only reads `st.secrets`, `st.user` and the
connection, and renders the sign-in controls. Every act that changes data asks
`current_viewer()` again when it runs, not only when its button was drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard.access import (
    AccessConfigError,
    AccessSettings,
    Connection,
    Role,
    Viewer,
    settings_from,
    viewer_for,
)
from ui.render import escape_markdown

DEPLOYMENT_HELP = "See the Deployment section of the README to configure sign-in."


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # no secrets.toml anywhere: no sign-in configured
        return {}
    except Exception as exc:  # noqa: BLE001 - a broken secrets.toml must not crash every page
        raise AccessConfigError(f"secrets.toml cannot be read: {exc}") from exc


def access_settings() -> AccessSettings:
    """The deployment's sign-in settings ([auth] and [access] in .streamlit/secrets.toml)."""
    return settings_from(_secrets())


def client_connection() -> Connection:
    """The reader's TCP peer (as the server saw it, not a header) and request headers."""
    ctx = get_script_run_ctx()
    remote_ip = None
    if ctx is not None and runtime.exists():
        client = runtime.get_instance().get_client(ctx.session_id)
        context = getattr(client, "client_context", None) if client is not None else None
        remote_ip = getattr(context, "remote_ip", None)
    try:
        headers = dict(st.context.headers)
    except Exception:  # noqa: BLE001 - no request (a bare script run)
        headers = {}
    return Connection(remote_ip, headers)


def _user() -> Mapping[str, Any]:
    try:
        return st.user.to_dict()
    except Exception:  # noqa: BLE001 - st.user outside a session
        return {}


def current_viewer() -> Viewer:
    """Who is looking now; a broken [access] section makes everyone a reader."""
    try:
        settings = access_settings()
    except AccessConfigError:
        return Viewer(Role.READER)
    return viewer_for(settings, _user(), client_connection())


def render_account() -> None:
    """The sidebar's account box: who is signed in and as what, or a sign-in button."""
    try:
        settings = access_settings()
    except AccessConfigError as problem:
        st.sidebar.error(escape_markdown(f"Sign-in settings are not valid: {problem}"))
        return
    viewer = viewer_for(settings, _user(), client_connection())
    with st.sidebar:
        if viewer.signed_in:
            role = "analyst" if viewer.can_change_data else "reader"
            st.caption(escape_markdown(f"Signed in as {viewer.name} ({role})"))
            st.button("Sign out", key="account_sign_out", on_click=st.logout)
        elif settings.sign_in_configured:
            st.button("Sign in", key="account_sign_in", on_click=_login, args=(settings.provider,))
        elif viewer.local:
            st.caption("Local analyst: this copy has no sign-in, and you are at the server itself.")


def _login(provider: str | None) -> None:
    if provider:
        st.login(provider)
    else:
        st.login()


def require_sign_in() -> None:
    """When readers must sign in, a signed-out visitor gets only the sign-in page (no menu)."""
    try:
        settings = access_settings()
    except AccessConfigError:
        return
    if not (settings.sign_in_configured and settings.readers_must_sign_in) or _user().get("is_logged_in"):
        return

    def sign_in_page() -> None:
        st.title("Police and Crime Plan performance")
        st.text("Sign in to see the dashboard.")
        st.button("Sign in", key="gate_sign_in", type="primary", on_click=_login, args=(settings.provider,))

    st.navigation([st.Page(sign_in_page, title="Sign in", url_path="sign_in", default=True)],
                  position="hidden").run()
    st.stop()
