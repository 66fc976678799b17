"""Reading forms and answering them: typed values back, errors by field, status codes."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from babel import Locale
from pyuca import Collator
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from forum.accounts.profiles import country_codes
from forum.core.errors import FormInvalid
from forum.core.i18n import I18n
from forum.core.ratelimit import RateLimited
from forum.models.types import StakeholderGroup
from forum.settings import SUPPORTED_LANGUAGES
from forum.web.urls import kept_query, language_of, screen_path

# A path under a language mount, in the characters a URL path and query may hold as they are.
_NEXT = re.compile(r"^/([a-z]{2,3})/[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$")
# The pages on the way in: from them, "next" is passed on, not replaced.
ACCOUNT_SCREENS = frozenset({"sign_in", "register", "confirm_email", "reset_request"})


@dataclass
class FormState:
    """What a form shows: the values typed (never passwords) and a message per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    guideline: str = ""  # the id of the guidelines section a refusal cites

    def value(self, name: str) -> str:
        return self.values.get(name, "")


async def read_form(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """Return the named text fields of a posted form ("" for a missing one)."""
    values: dict[str, str] = {}
    async with request.form() as form:  # closes any uploaded file the client slipped in
        for name in names:
            value = form.get(name, "")
            values[name] = value if isinstance(value, str) else ""
    return values


# The largest number a query or form may carry: nine digits, like the ids in paths.
MAX_WHOLE_NUMBER = 999_999_999


def whole_number(text: str | None, maximum: int = MAX_WHOLE_NUMBER) -> int | None:
    """Return `text` as a number if it is ASCII digits only, at most `maximum`; else None.

    Not str.isdigit(): it accepts "²" or "١", which int() refuses or reads as another number.
    """
    if not text or not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def failed_form(
    values: dict[str, str], error: FormInvalid | RateLimited, *, secret: tuple[str, ...] = ()
) -> tuple[FormState, int, dict[str, str]]:
    """Build the form to show again after `error`: its state, status code and headers."""
    kept = {name: value for name, value in values.items() if name not in secret}
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(max(error.retry_after, 1))}
        return FormState(kept, {}, error.message), 429, headers
    return FormState(kept, error.errors, error.message), 422, {}


def safe_next(
    target: str, default: str, *, languages: Collection[str], language: str | None = None
) -> str:
    """Accept only a page of this site, `/{lang}/…`, as a place to go next; else `default`.

    Never `//host`, a scheme, a backslash, a blank or a control character, even encoded:
    browsers read `/\\host` and `/<tab>/host` as another site. Given `language`, the page
    is taken in that language (the one the person was reading when they went on).
    """
    match = _NEXT.match(target)
    if match is None or match.group(1) not in languages:
        return default
    decoded = unquote(target)
    if "//" in decoded or "\\" in decoded or not decoded.isprintable() or " " in decoded:
        return default
    return target if language is None else f"/{language}/{target[match.end(1) + 1 :]}"


MAX_NEXT_LENGTH = 500


def next_of(request: Request, target: str) -> str:
    """`target` if it is a safe place to go next, in the reader's language; else ""."""
    if len(target) > MAX_NEXT_LENGTH:  # no page of ours has so long an address: never echo it
        return ""
    languages = request.app.state.settings.languages
    return safe_next(target, "", languages=languages, language=language_of(request))


def return_to(request: Request) -> str:
    """Where signing in or registering from this page should come back to ("" for none)."""
    if getattr(request.scope.get("route"), "name", None) in ACCOUNT_SCREENS:
        return next_of(request, request.query_params.get("next", ""))
    if request.method != "GET":
        return next_of(request, screen_path(request) or "")
    query = kept_query(request)  # the page's own filters, never an echo of any query
    return next_of(request, quote(request.url.path) + (f"?{query}" if query else ""))


def see_other(url: str, **headers: Any) -> Response:
    return RedirectResponse(url, status_code=303, headers=headers or None)


def countries(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country a person may choose, sorted as readers of `language` do.

    The root collation is the order of English, French and Spanish alike for these names:
    CLDR tailors only "ñ" for Spanish, and the one name holding it, "España", shares its
    beginning with no other.
    """
    return _countries_by_language(frozenset({language, *SUPPORTED_LANGUAGES}))[language]


@cache
def _countries_by_language(
    languages: frozenset[str],
) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every language's sorted countries, with one collator (16 MB: building it takes a
    second) that is let go afterwards: the lists are all a worker needs."""
    key = Collator().sort_key
    found = {}
    for language in languages:
        names = Locale.parse(language).territories
        pairs = ((code, str(names.get(code, code))) for code in country_codes())
        found[language] = tuple(sorted(pairs, key=lambda pair: key(pair[1])))
    return found


def profile_choices(request: Request, i18n: I18n) -> dict[str, Any]:
    """The choices of the profile form, named in the reader's language."""
    return {
        "countries": countries(i18n.language),
        "groups": [group.value for group in StakeholderGroup],
        "languages": request.app.state.settings.languages,
    }
