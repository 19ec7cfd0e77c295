"""Who may change the figures: readers and analysts, decided from the deployment's settings.

Reading is public (or, when the deployment says so, for anyone signed in); loading extracts and
restoring an earlier database are an analyst's acts. With sign-in configured, an analyst is a
signed-in user named in `[access]` (an e-mail address, or a value of a group claim such as
Microsoft Entra ID's `groups` or `roles`). With no sign-in configured, the only analyst is
someone at the server itself (a loopback connection, no proxy in between): the local analyst.

No Streamlit here: `ui.roles` reads `st.secrets`, `st.user` and the connection and asks this
module.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from loaders.provenance import os_user

#: Headers a reverse proxy adds: a request carrying one came from further away than loopback.
FORWARDING_HEADERS: tuple[str, ...] = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")
LOOPBACK_HOSTS: frozenset[str] = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
DEFAULT_GROUP_CLAIM = "groups"


class Role(str, Enum):
    READER = "reader"
    ANALYST = "analyst"


@dataclass(frozen=True)
class AccessSettings:
    """The `[access]` section of `.streamlit/secrets.toml`, and whether `[auth]` exists."""

    sign_in_configured: bool = False
    readers_must_sign_in: bool = False
    analysts: frozenset[str] = frozenset()        # e-mail addresses, lower case
    analyst_groups: frozenset[str] = frozenset()  # values of `group_claim`
    group_claim: str = DEFAULT_GROUP_CLAIM
    provider: str | None = None                   # a named provider, [auth.NAME]


@dataclass(frozen=True)
class Viewer:
    """The person looking at the page, as far as the dashboard knows."""

    role: Role
    name: str | None = None   # who, for the audit trail and "Signed in as"
    signed_in: bool = False
    local: bool = False       # the local analyst: no sign-in configured, at the server itself

    @property
    def can_change_data(self) -> bool:
        return self.role is Role.ANALYST


class AccessConfigError(ValueError):
    """`[access]` in secrets.toml is not what the dashboard understands."""


def _strings(value: Any, key: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise AccessConfigError(f"[access] {key} must be a list of strings, like [\"a@example.org\"]")
    return frozenset(v.strip() for v in value if v.strip())


def settings_from(secrets: Mapping[str, Any]) -> AccessSettings:
    """Read the deployment's settings from the secrets mapping (`st.secrets`)."""
    access = secrets.get("access") or {}
    if not isinstance(access, Mapping):
        raise AccessConfigError("[access] in secrets.toml must be a table of settings")
    known = {"analysts", "analyst_groups", "group_claim", "readers_must_sign_in", "provider"}
    unknown = sorted(set(access) - known)
    if unknown:
        raise AccessConfigError(f"[access] has settings the dashboard does not know: {', '.join(unknown)} "
                                f"(known: {', '.join(sorted(known))})")
    must_sign_in = access.get("readers_must_sign_in", False)
    if not isinstance(must_sign_in, bool):
        raise AccessConfigError("[access] readers_must_sign_in must be true or false")
    provider = access.get("provider") or None
    return AccessSettings(
        sign_in_configured=bool(secrets.get("auth")),
        readers_must_sign_in=must_sign_in,
        analysts=frozenset(e.lower() for e in _strings(access.get("analysts"), "analysts")),
        analyst_groups=_strings(access.get("analyst_groups"), "analyst_groups"),
        group_claim=str(access.get("group_claim") or DEFAULT_GROUP_CLAIM),
        provider=str(provider) if provider else None,
    )


@dataclass(frozen=True)
class Connection:
    """What the server knows of the reader's connection."""

    remote_ip: str | None = None
    headers: Mapping[str, str] | None = None

    def is_loopback(self) -> bool:
        """At the server itself: a loopback peer, no proxy's headers, a loopback Host.

        The Host check keeps a web page elsewhere from reaching a local app through a name
        that resolves to 127.0.0.1 (DNS rebinding)."""
        if self.remote_ip is None:
            return False
        try:
            if not ipaddress.ip_address(self.remote_ip).is_loopback:
                return False
        except ValueError:
            return False
        headers = {k.lower(): v for k, v in (self.headers or {}).items()}
        if any(name in headers for name in FORWARDING_HEADERS):
            return False
        return _host_name(headers.get("host", "")) in LOOPBACK_HOSTS


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8501
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def user_name(user: Mapping[str, Any]) -> str | None:
    """The signed-in user's name for the audit trail: e-mail, else username, else subject."""
    for claim in ("email", "preferred_username", "upn", "sub"):
        value = user.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _claim_values(user: Mapping[str, Any], claim: str) -> set[str]:
    value = user.get(claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, Iterable):
        return {v for v in value if isinstance(v, str)}
    return set()


def is_named_analyst(settings: AccessSettings, user: Mapping[str, Any]) -> bool:
    """Named in `[access]` by a verified e-mail address or a group claim."""
    email = user.get("email")
    email_ok = isinstance(email, str) and user.get("email_verified", True) is not False
    if email_ok and email.strip().lower() in settings.analysts:
        return True
    return bool(_claim_values(user, settings.group_claim) & settings.analyst_groups)


def viewer_for(settings: AccessSettings, user: Mapping[str, Any] | None, connection: Connection) -> Viewer:
    """The viewer's role: an analyst only when signed in and named, or local with no sign-in."""
    if not settings.sign_in_configured:
        if connection.is_loopback():
            return Viewer(Role.ANALYST, f"local analyst ({os_user()})", local=True)
        return Viewer(Role.READER)
    user = user or {}
    if not user.get("is_logged_in"):
        return Viewer(Role.READER)
    name = user_name(user)
    role = Role.ANALYST if name and is_named_analyst(settings, user) else Role.READER
    return Viewer(role, name, signed_in=True)
