"""The rules of who may change the figures (dashboard.access), without Streamlit."""

from __future__ import annotations

import pytest

from dashboard.access import (
    AccessConfigError,
    AccessSettings,
    Connection,
    Role,
    settings_from,
    viewer_for,
)

LOCAL = Connection("127.0.0.1", {"Host": "localhost:8501"})
REMOTE = Connection("203.0.113.9", {"Host": "dashboard.example"})
SIGN_IN = AccessSettings(sign_in_configured=True, analysts=frozenset({"analyst@opcc.example"}),
                         analyst_groups=frozenset({"g-analysts"}))


@pytest.mark.parametrize("connection, loopback", [
    (Connection("127.0.0.1", {"Host": "localhost:8501"}), True),
    (Connection("::1", {"host": "[::1]:8501"}), True),
    (Connection("127.0.0.5", {"Host": "127.0.0.1"}), True),
    (Connection("127.0.0.1", {"Host": "localhost", "X-Forwarded-For": "10.0.0.1"}), False),
    (Connection("127.0.0.1", {"Host": "localhost", "Forwarded": "for=10.0.0.1"}), False),
    (Connection("127.0.0.1", {"Host": "localhost", "X-Real-IP": "10.0.0.1"}), False),
    (Connection("127.0.0.1", {"Host": "rebind.attacker.example"}), False),
    (Connection("127.0.0.1", {}), False),
    (Connection("10.0.0.7", {"Host": "localhost"}), False),
    (Connection("not an ip", {"Host": "localhost"}), False),
    (Connection(None, {"Host": "localhost"}), False),
])
def test_loopback_means_at_the_server_with_nothing_in_between(connection, loopback) -> None:
    assert connection.is_loopback() is loopback


def test_without_sign_in_the_local_client_is_the_analyst() -> None:
    settings = settings_from({})
    local = viewer_for(settings, None, LOCAL)
    assert local.role is Role.ANALYST and local.local and local.name.startswith("local analyst (")
    assert viewer_for(settings, None, REMOTE).role is Role.READER


def test_with_sign_in_loopback_alone_is_not_enough() -> None:
    assert viewer_for(SIGN_IN, {"is_logged_in": False}, LOCAL).role is Role.READER
    assert viewer_for(SIGN_IN, None, LOCAL).role is Role.READER


@pytest.mark.parametrize("user, role", [
    ({"is_logged_in": True, "email": "Analyst@OPCC.example"}, Role.ANALYST),
    ({"is_logged_in": True, "email": "analyst@opcc.example", "email_verified": False}, Role.READER),
    ({"is_logged_in": True, "email": "someone@opcc.example", "groups": ["g-analysts", "x"]}, Role.ANALYST),
    ({"is_logged_in": True, "email": "someone@opcc.example", "groups": "g-analysts"}, Role.ANALYST),
    ({"is_logged_in": True, "email": "someone@opcc.example", "groups": ["g-readers"]}, Role.READER),
    ({"is_logged_in": True, "sub": "abc", "roles": ["g-analysts"]}, Role.READER),  # other claim
    ({"is_logged_in": False, "email": "analyst@opcc.example"}, Role.READER),
])
def test_signed_in_analysts_are_named_by_email_or_group(user, role) -> None:
    viewer = viewer_for(SIGN_IN, user, REMOTE)
    assert viewer.role is role
    assert viewer.can_change_data is (role is Role.ANALYST)


def test_the_audit_name_is_the_email_else_username_else_subject() -> None:
    assert viewer_for(SIGN_IN, {"is_logged_in": True, "email": "a@b.example"}, REMOTE).name == "a@b.example"
    assert viewer_for(SIGN_IN, {"is_logged_in": True, "preferred_username": "jd@opcc", "sub": "s"},
                      REMOTE).name == "jd@opcc"
    assert viewer_for(SIGN_IN, {"is_logged_in": True, "sub": "s-1"}, REMOTE).name == "s-1"


def test_settings_are_read_from_secrets() -> None:
    settings = settings_from({
        "auth": {"client_id": "x"},
        "access": {"analysts": ["A@X.example "], "analyst_groups": "g", "group_claim": "roles",
                   "readers_must_sign_in": True, "provider": "microsoft"},
    })
    assert settings == AccessSettings(True, True, frozenset({"a@x.example"}), frozenset({"g"}), "roles", "microsoft")


@pytest.mark.parametrize("access, message", [
    ({"analyst": ["a@x"]}, "does not know: analyst"),
    ({"analysts": [1, 2]}, "analysts must be a list of strings"),
    ({"readers_must_sign_in": "yes"}, "true or false"),
    ("everyone", "must be a table"),
])
def test_settings_that_are_not_understood_are_errors(access, message) -> None:
    with pytest.raises(AccessConfigError, match=message):
        settings_from({"access": access})
