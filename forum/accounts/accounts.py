"""Accounts: register, confirm an address, sign in, reset or change a password, close."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from forum.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from forum.accounts.profiles import (
    ProfileData,
    check_name_is_nobody_elses,
    cleaned,
    normalise_email,
)
from forum.accounts.profiles import profile_errors as _profile_errors
from forum.accounts.sessions import end_all_sessions, hash_token
from forum.core import ratelimit
from forum.core.errors import N_, Conflict, FormInvalid, NotFound
from forum.mail.compose import Postman
from forum.models import AccountToken, User
from forum.models.types import Role, StakeholderGroup, TokenPurpose, UserState

TOKEN_LIFETIME = {TokenPurpose.CONFIRM: timedelta(days=3), TokenPurpose.RESET: timedelta(hours=2)}
SIGN_IN_LIMIT = (10, timedelta(minutes=10))
REGISTER_LIMIT = (5, timedelta(hours=1))
RESET_LIMIT = (5, timedelta(hours=1))


class LinkExpired(Conflict):
    message = N_("This link has expired. Ask for a new one below.")


class LinkUsed(Conflict):
    message = N_("This link has already been used.")


# Checked against when an address is unknown, so that sign-in takes as long either way.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Registration:
    email: str
    password: str
    profile: ProfileData


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None


async def _limit(
    session: AsyncSession, key: str, rule: tuple[int, timedelta], now: datetime
) -> None:
    await ratelimit.enforce(session, key=key, limit=rule[0], window=rule[1], now=now)


async def _issue_token(
    session: AsyncSession, user_id: int, purpose: TokenPurpose, now: datetime
) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + TOKEN_LIFETIME[purpose],
        )
    )
    await session.flush()
    return raw


async def _mail_link(
    session: AsyncSession,
    postman: Postman,
    user: User,
    purpose: TokenPurpose,
    now: datetime,
    next_path: str = "",
) -> None:
    """Issue a single-use link for `purpose` and mail it to `user` in their language.

    `next_path` (a page of the site, checked by the caller) is where the link leads after.
    """
    assert user.id is not None
    raw = await _issue_token(session, user.id, purpose, now)
    template = "confirm_email" if purpose is TokenPurpose.CONFIRM else "reset_password"
    await postman.post(
        session,
        to_address=user.email,
        to_name=user.display_name,
        language=user.preferred_language,
        template=template,
        context={"name": user.display_name, "token": raw, "next_path": next_path},
        now=now,
    )


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.scalars(select(User).where(User.email == email))).first()


def registration_errors(data: Registration, languages: tuple[str, ...]) -> dict[str, str]:
    """Check every field of a registration; return a message per refused field."""
    errors = _profile_errors(cleaned(data.profile), languages)
    if normalise_email(data.email) is None:
        errors["email"] = N_("Enter a valid e-mail address.")
    problem = password_problem(
        data.password, email=data.email, display_name=data.profile.display_name
    )
    if problem:
        errors["password"] = problem
    return errors


async def register(
    session: AsyncSession,
    *,
    data: Registration,
    ip: str,
    languages: tuple[str, ...],
    language: str,
    postman: Postman,
    now: datetime,
    next_path: str = "",
) -> None:
    """Create an account and mail a confirmation link; for a known address, tell its owner.

    The answer is the same either way, so that nobody learns which addresses have accounts.
    """
    await _limit(session, f"register:ip:{ip}", REGISTER_LIMIT, now)
    errors = registration_errors(data, languages)
    name = data.profile.display_name.strip()
    await check_name_is_nobody_elses(session, errors, name=name, user_id=None)
    if errors:
        raise FormInvalid(errors)
    email = normalise_email(data.email)
    assert email is not None
    existing = await user_by_email(session, email)
    if existing is not None:
        hash_password(data.password)  # take as long as a new account would: timing tells nothing
        await postman.post(
            session,
            to_address=existing.email,
            to_name=existing.display_name,
            language=existing.preferred_language,
            template="account_exists",
            context={"name": existing.display_name, "next_path": next_path},
            now=now,
        )
        return
    profile = cleaned(data.profile)
    user = User(
        email=email,
        display_name=profile.display_name,
        organisation=profile.organisation,
        country=profile.country,
        stakeholder_group=profile.stakeholder_group,
        preferred_language=profile.preferred_language,
        password_hash=hash_password(data.password),
        created_at=now,
    )
    session.add(user)
    await session.flush()
    await _mail_link(session, postman, user, TokenPurpose.CONFIRM, now, next_path)


async def _valid_token(
    session: AsyncSession, raw: str, purpose: TokenPurpose, now: datetime
) -> AccountToken:
    token = (
        await session.scalars(
            select(AccountToken).where(AccountToken.token_hash == hash_token(raw))
        )
    ).first()
    if token is None or token.purpose != purpose.value:
        raise NotFound("token")
    if token.used_at is not None:
        raise LinkUsed()
    if now >= token.expires_at:
        raise LinkExpired()
    return token


async def check_link(
    session: AsyncSession, *, token: str, purpose: TokenPurpose, now: datetime
) -> None:
    """Raise NotFound, LinkUsed or LinkExpired unless the link can still be used."""
    await _valid_token(session, token, purpose, now)


async def confirm_email(session: AsyncSession, *, token: str, now: datetime) -> User:
    """Confirm the address a link was sent to; the link then stops working."""
    row = await _valid_token(session, token, TokenPurpose.CONFIRM, now)
    row.used_at = now
    user = await session.get(User, row.user_id)
    assert user is not None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


async def resend_confirmation(
    session: AsyncSession, *, user_id: int, postman: Postman, now: datetime
) -> None:
    """Mail a new confirmation link to a signed-in person who has not confirmed yet."""
    await _limit(session, f"confirm:user:{user_id}", RESET_LIMIT, now)
    user = await session.get(User, user_id)
    if user is None or user.email_confirmed_at is not None:
        return
    await _mail_link(session, postman, user, TokenPurpose.CONFIRM, now)


async def sign_in(
    session: AsyncSession, *, email: str, password: str, ip: str, now: datetime
) -> SignInResult:
    """Check a sign-in; only failures count against the IP and the account.

    Every attempt is counted first (the counter's row lock makes concurrent ones wait their
    turn), and a success takes its count back. Returns rather than raises on a wrong password,
    so that the counters are committed.
    """
    address = normalise_email(email) or email.strip().lower()[:320]
    by_ip = f"sign-in:ip:{ip}"
    await _limit(session, by_ip, SIGN_IN_LIMIT, now)
    await _limit(session, f"sign-in:account:{address}", SIGN_IN_LIMIT, now)
    user = await user_by_email(session, address)
    # Verify against a real hash even for unknown addresses, so timing tells nothing.
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    if not verify_password(stored, password) or user is None or not user.password_hash:
        return SignInResult(None, N_("The e-mail address or the password is not right."))
    if user.state == UserState.BANNED:
        return SignInResult(None, N_("This account has been closed."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await ratelimit.reset(session, key=f"sign-in:account:{address}")
    # Not a reset: signing in to one's own account must not wipe out guesses at others.
    await ratelimit.forgive(session, key=by_ip)
    return SignInResult(user)


async def request_password_reset(
    session: AsyncSession, *, email: str, ip: str, postman: Postman, now: datetime
) -> None:
    """Mail a reset link if the address has an account; answer the same way if not."""
    await _limit(session, f"reset:ip:{ip}", RESET_LIMIT, now)
    address = normalise_email(email)
    if address is None:
        raise FormInvalid({"email": N_("Enter a valid e-mail address.")})
    user = await user_by_email(session, address)
    if user is None or user.state == UserState.BANNED:
        return
    await _mail_link(session, postman, user, TokenPurpose.RESET, now)


async def reset_password(
    session: AsyncSession, *, token: str, password: str, now: datetime
) -> User:
    """Set a new password from a reset link; sign out everywhere; the link stops working."""
    row = await _valid_token(session, token, TokenPurpose.RESET, now)
    user = await session.get(User, row.user_id)
    assert user is not None and user.id is not None
    problem = password_problem(password, email=user.email, display_name=user.display_name)
    if problem:
        raise FormInvalid({"password": problem})
    row.used_at = now
    user.password_hash = hash_password(password)
    # Following the link proved the person reads this mailbox.
    user.email_confirmed_at = user.email_confirmed_at or now
    await end_all_sessions(session, user_id=user.id)
    return user


async def change_password(
    session: AsyncSession, *, user_id: int, current: str, new: str, keep_token: str
) -> None:
    """Change a password after checking the current one; other browsers are signed out."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(str(user_id))
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = N_("This is not your current password.")
    problem = password_problem(new, email=user.email, display_name=user.display_name)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise FormInvalid(errors)
    user.password_hash = hash_password(new)
    await end_all_sessions(session, user_id=user_id, keep_token=keep_token)


async def restrict_user(
    session: AsyncSession, *, user_id: int, state: UserState, until: datetime | None = None
) -> User:
    """Suspend (until a date) or ban a person, or make them active; sessions end at once."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(str(user_id))
    user.state = state.value
    user.suspended_until = until if state == UserState.SUSPENDED else None
    if state != UserState.ACTIVE:
        await end_all_sessions(session, user_id=user_id)
    return user


async def create_admin(
    session: AsyncSession, *, email: str, display_name: str, password: str, now: datetime
) -> User:
    """Make an admin account, confirmed, or promote the existing account with that address."""
    address = normalise_email(email)
    if address is None:
        raise FormInvalid({"email": N_("Enter a valid e-mail address.")})
    problem = password_problem(password, email=address, display_name=display_name)
    if problem:
        raise FormInvalid({"password": problem})
    user = await user_by_email(session, address)
    if user is None:
        user = User(
            email=address,
            display_name=display_name.strip() or address,
            stakeholder_group=StakeholderGroup.OTHER.value,
            created_at=now,
        )
        session.add(user)
    user.role = Role.ADMIN.value
    user.state = UserState.ACTIVE.value
    user.password_hash = hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or now
    await session.flush()
    return user
