"""Who may do what: pure checks that raise a translatable PermissionDenied."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from forum.core.errors import N_, PermissionDenied
from forum.models import User
from forum.models.types import Role, UserState


class SignInRequired(PermissionDenied):
    """Nobody is signed in: show the sign-in page rather than a refusal."""

    message = N_("Please sign in to continue.")


def check_signed_in(user: User | None) -> User:
    """Return the signed-in user; raise SignInRequired when nobody is signed in."""
    if user is None:
        raise SignInRequired()
    return user


def check_active(user: User | None, now: datetime) -> User:
    """Return the user if their account is neither banned nor suspended now."""
    user = check_signed_in(user)
    if user.state in (UserState.BANNED, UserState.DELETED):
        raise PermissionDenied(N_("This account has been closed."))
    if user.state == UserState.SUSPENDED and (
        user.suspended_until is None or user.suspended_until > now
    ):
        raise PermissionDenied(N_("Your account is suspended; you can read but not take part."))
    return user


def check_can_contribute(user: User | None, now: datetime) -> User:
    """Return the user if they may post: signed in, e-mail confirmed, active."""
    user = check_active(user, now)
    if user.email_confirmed_at is None:
        raise PermissionDenied(N_("Confirm your e-mail address before taking part."))
    return user


def is_staff(user: User | None) -> bool:
    """Say whether `user` is a moderator or an admin, whichever discussions they moderate.

    A banned account is nobody's staff. Whether someone moderates one discussion in
    particular is check_moderates's question.
    """
    return user is not None and is_staff_role(user.role, user.state)


def is_staff_role(role: str, state: str) -> bool:
    """Say whether an account of this role and state is staff: is_staff, read from columns."""
    return role in (Role.MODERATOR, Role.ADMIN) and state != UserState.BANNED


def check_moderator(user: User | None) -> User:
    """Return the user if they are a moderator or an admin."""
    user = check_signed_in(user)
    if not is_staff(user):
        raise PermissionDenied()
    return user


def is_admin(user: User | None) -> bool:
    """Say whether `user` is an admin (a banned account is not)."""
    return user is not None and user.role == Role.ADMIN and user.state != UserState.BANNED


def check_admin(user: User | None) -> User:
    """Return the user if they are an admin."""
    user = check_signed_in(user)
    if not is_admin(user):
        raise PermissionDenied()
    return user


def check_moderates(user: User | None, discussion_id: int, moderated: Collection[int]) -> User:
    """Return the user if they may moderate `discussion_id`: its moderators, and admins.

    `moderated` holds the ids of the discussions the user is assigned to moderate.
    """
    user = check_moderator(user)
    if user.role != Role.ADMIN and discussion_id not in moderated:
        raise PermissionDenied(N_("You do not moderate this discussion."))
    return user


def may_organise(user: User | None, discussion_id: int, organised: Collection[int]) -> bool:
    """Say whether `user` may set up and correct `discussion_id`: its organisers, and admins.

    `organised` holds the ids of the discussions the user organises. A banned account may
    not, whatever it was given.
    """
    if user is None or user.state == UserState.BANNED:
        return False
    return user.role == Role.ADMIN or discussion_id in organised


def check_organises(user: User | None, discussion_id: int, organised: Collection[int]) -> User:
    """Return the user if they may open `discussion_id` in the studio; else PermissionDenied."""
    user = check_signed_in(user)
    if not may_organise(user, discussion_id, organised):
        raise PermissionDenied(N_("You do not organise this discussion."))
    return user


def check_oversees(
    user: User | None, discussion_id: int, moderated: Collection[int], organised: Collection[int]
) -> User:
    """Return the user if they moderate or organise `discussion_id` (admins always may): the
    analysis, the exports and the synthesis are theirs. `moderated` and `organised` hold the
    ids of the discussions the user moderates and organises.
    """
    user = check_signed_in(user)
    if may_organise(user, discussion_id, organised):
        return user
    if is_staff(user) and discussion_id in moderated:
        return user
    raise PermissionDenied(N_("You neither moderate nor organise this discussion."))
