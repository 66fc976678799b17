"""People's profiles: validating what they type, saving it, and what others may see."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import N_, FormInvalid, NotFound
from forum.core.text import looks_alike, unshowable
from forum.models import User
from forum.models.types import Role, StakeholderGroup

HIDDEN_IN_NAME = N_("This name holds characters that are invisible or turn the text around.")
LIKE_STAFF = N_("This name looks too much like the name of a moderator. Please choose another.")


@dataclass(frozen=True)
class ProfileData:
    display_name: str
    organisation: str
    country: str
    stakeholder_group: str
    preferred_language: str


@dataclass(frozen=True)
class PublicProfile:
    id: int
    display_name: str
    organisation: str
    country: str
    stakeholder_group: str


# Kosovo has no ISO 3166-1 code yet; "XK" is the one CLDR, the EU and others use for it.
USER_ASSIGNED_COUNTRIES = frozenset({"XK"})


@cache
def country_codes() -> frozenset[str]:
    """The codes a person may choose: ISO 3166-1's countries and territories, and Kosovo.

    CLDR also names regions ("419"), groupings (EU, UN, the euro zone), pseudo-locales (XA,
    XB), "unknown" (ZZ) and parts of countries (IC, EA): none is a country to come from.
    """
    return frozenset(country.alpha_2 for country in pycountry.countries) | USER_ASSIGNED_COUNTRIES


def text_problem(value: str, *, required: bool, maximum: int) -> str | None:
    """Return why a one-line text field is refused, or None."""
    if required and not value.strip():
        return N_("This field is required.")
    if len(value) > maximum:
        return N_("This is too long.")
    if unshowable(value):
        return N_("This contains characters that cannot be shown (such as line breaks).")
    return None


def name_problem(name: str) -> str | None:
    """Return why a display name is refused, or None; a name is a one-line text, and more."""
    problem = text_problem(name, required=True, maximum=120)
    if problem is None and unshowable(name, invisible=True):
        return HIDDEN_IN_NAME
    return problem


async def staff_lookalike(session: AsyncSession, *, name: str, user_id: int | None) -> bool:
    """Say whether `name` looks like the name of a moderator or admin other than `user_id`."""
    staff = select(col(User.id), col(User.display_name)).where(
        col(User.role).in_([Role.MODERATOR.value, Role.ADMIN.value])
    )
    rows = (await session.execute(staff)).all()
    return any(looks_alike(name, shown) for person, shown in rows if person != user_id)


async def check_name_is_nobody_elses(
    session: AsyncSession, errors: dict[str, str], *, name: str, user_id: int | None
) -> None:
    """Add a refusal to `errors` if the display name passes for a staff member's."""
    if "display_name" not in errors and await staff_lookalike(session, name=name, user_id=user_id):
        errors["display_name"] = LIKE_STAFF


def normalise_email(value: str) -> str | None:
    """Return the address lower-cased and normalised, or None if it is not one."""
    if len(value) > 254 or unshowable(value):
        return None
    try:
        # Our mailer speaks plain SMTP: an address needing SMTPUTF8 could never be reached.
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def profile_errors(data: ProfileData, languages: tuple[str, ...]) -> dict[str, str]:
    """Check every profile field; return a message per refused field."""
    errors: dict[str, str] = {}
    for name, problem in (
        ("display_name", name_problem(data.display_name)),
        ("organisation", text_problem(data.organisation, required=False, maximum=200)),
    ):
        if problem:
            errors[name] = problem
    if data.country and data.country not in country_codes():
        errors["country"] = N_("Choose a country from the list.")
    if data.stakeholder_group not in {group.value for group in StakeholderGroup}:
        errors["stakeholder_group"] = N_("Choose a group from the list.")
    if data.preferred_language not in languages:
        errors["preferred_language"] = N_("Choose a language from the list.")
    return errors


def cleaned(data: ProfileData) -> ProfileData:
    """Trim the surrounding spaces people type by accident."""
    return ProfileData(
        display_name=data.display_name.strip(),
        organisation=data.organisation.strip(),
        country=data.country,
        stakeholder_group=data.stakeholder_group,
        preferred_language=data.preferred_language,
    )


async def update_profile(
    session: AsyncSession,
    *,
    user_id: int,
    data: ProfileData,
    languages: tuple[str, ...],
    notify_replies: bool | None = None,
    notify_moderation: bool | None = None,
) -> User:
    """Save a person's profile; raise FormInvalid naming every refused field."""
    data = cleaned(data)
    errors = profile_errors(data, languages)
    await check_name_is_nobody_elses(session, errors, name=data.display_name, user_id=user_id)
    if errors:
        raise FormInvalid(errors)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(str(user_id))
    user.display_name = data.display_name
    user.organisation = data.organisation
    user.country = data.country
    user.stakeholder_group = data.stakeholder_group
    user.preferred_language = data.preferred_language
    if notify_replies is not None:
        user.notify_replies = notify_replies
    if notify_moderation is not None:
        user.notify_moderation = notify_moderation
    await session.flush()
    return user


async def public_profile(session: AsyncSession, *, user_id: int) -> PublicProfile:
    """Return what anyone may see of a person (never the e-mail address)."""
    user = await session.get(User, user_id)
    if user is None or user.state in ("banned", "deleted") or not user.email_confirmed_at:
        raise NotFound(str(user_id))
    return PublicProfile(
        id=user_id,
        display_name=user.display_name,
        organisation=user.organisation,
        country=user.country,
        stakeholder_group=user.stakeholder_group,
    )
