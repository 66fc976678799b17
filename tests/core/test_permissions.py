"""The permission checks: who may take part, moderate or administer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.core.errors import PermissionDenied
from forum.core.permissions import (
    SignInRequired,
    check_active,
    check_admin,
    check_can_contribute,
    check_moderator,
    check_signed_in,
    is_admin,
    is_staff,
)
from forum.models import User
from forum.models.types import Role, UserState

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


def person(**changes: object) -> User:
    values: dict[str, object] = {
        "email": "p@example.org",
        "display_name": "P",
        "role": Role.CONTRIBUTOR.value,
        "state": UserState.ACTIVE.value,
        "email_confirmed_at": NOW,
        "created_at": NOW,
    }
    values.update(changes)
    return User(**values)


def test_anonymous_must_sign_in() -> None:
    for check in (check_signed_in, check_moderator, check_admin):
        with pytest.raises(SignInRequired):
            check(None)
    with pytest.raises(SignInRequired):
        check_can_contribute(None, NOW)


def test_confirmed_active_contributor_may_take_part() -> None:
    user = person()
    assert check_can_contribute(user, NOW) is user


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email_confirmed_at": None}, "Confirm your e-mail address before taking part."),
        ({"state": "banned"}, "This account has been closed."),
        (
            {"state": "suspended", "suspended_until": NOW + timedelta(days=1)},
            "Your account is suspended; you can read but not take part.",
        ),
        (
            {"state": "suspended", "suspended_until": None},
            "Your account is suspended; you can read but not take part.",
        ),
    ],
)
def test_who_may_not_take_part_is_told_why(changes: dict[str, object], message: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_can_contribute(person(**changes), NOW)
    assert refused.value.message == message
    assert not isinstance(refused.value, SignInRequired)


def test_suspension_ends_on_its_date() -> None:
    user = person(state="suspended", suspended_until=NOW)
    assert check_active(user, NOW) is user
    assert check_active(user, NOW + timedelta(seconds=1)) is user
    with pytest.raises(PermissionDenied):
        check_active(user, NOW - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("role", "state", "moderate", "administer"),
    [
        ("contributor", "active", False, False),
        ("moderator", "active", True, False),
        ("admin", "active", True, True),
        ("admin", "banned", False, False),
    ],
)
def test_roles(role: str, state: str, moderate: bool, administer: bool) -> None:
    user = person(role=role, state=state)
    for check, allowed in ((check_moderator, moderate), (check_admin, administer)):
        if allowed:
            assert check(user) is user
        else:
            with pytest.raises(PermissionDenied):
                check(user)


@pytest.mark.parametrize(
    ("role", "state", "staff"),
    [
        ("contributor", "active", False),
        ("moderator", "active", True),
        ("moderator", "suspended", True),
        ("admin", "active", True),
        ("moderator", "banned", False),
        ("admin", "banned", False),
    ],
)
def test_is_staff_says_who_moderates_or_administers(role: str, state: str, staff: bool) -> None:
    assert is_staff(person(role=role, state=state)) is staff


def test_is_staff_of_nobody_is_false() -> None:
    assert is_staff(None) is False


@pytest.mark.parametrize(
    ("role", "state", "admin"),
    [
        (Role.ADMIN.value, UserState.ACTIVE.value, True),
        (Role.ADMIN.value, UserState.BANNED.value, False),
        (Role.MODERATOR.value, UserState.ACTIVE.value, False),
        (Role.CONTRIBUTOR.value, UserState.ACTIVE.value, False),
    ],
)
def test_is_admin_says_who_administers(role: str, state: str, admin: bool) -> None:
    assert is_admin(person(role=role, state=state)) is admin
    assert is_admin(None) is False
