"""What must be true of a discussion before readers see it, said in the organiser's words.

One checker serves the studio (what still blocks publishing, what a form refuses) and
discussion files (`forum import`): both describe a discussion as a `Draft` and get back every
problem at once, each a translatable message with its place. Nothing here reads the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forum.core.errors import N_, FormInvalid
from forum.core.i18n import I18n

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 80
TITLE_MAX = 200
LABEL_MAX = 120

# Problems with the discussion as a whole.
NO_WEEK = N_("The discussion has no week yet.")
CLOSES_BEFORE_OPENS = N_("The discussion closes before it opens.")
BAD_ZONE = N_("“%(zone)s” is not a time zone we know; pick one from the list.")
BAD_LANGUAGE = N_("“%(code)s” is not a language this forum offers.")
NO_LANGUAGE = N_("Offer at least one language.")
LANGUAGE_TWICE = N_("A language is listed twice.")
BAD_SLUG = N_(
    "The web address may hold only lower-case letters without accents, digits and single "
    "hyphens, up to 80 characters (for example green-skills-2027)."
)
SLUG_TAKEN = N_("Another discussion already uses the web address “%(slug)s”.")
# Missing translations, one message per kind of text.
TITLE_MISSING = N_("The title is missing in %(language)s.")
SUMMARY_MISSING = N_("The summary is missing in %(language)s.")
INTRODUCTION_MISSING = N_("The introduction is missing in %(language)s.")
WEEK_TITLE_MISSING = N_("The title of week %(week)s is missing in %(language)s.")
QUESTION_MISSING = N_("Question %(number)s is missing in %(language)s.")
TAG_LABEL_MISSING = N_("The label of the tag “%(tag)s” is missing in %(language)s.")
SESSION_TITLE_MISSING = N_("The title of a live session is missing in %(language)s.")
TOO_LONG = N_("This text is longer than %(limit)s characters.")
# Weeks and questions.
WEEK_EMPTY = N_("Week %(week)s has no question.")
WEEK_CLOSES_BEFORE_OPENS = N_("Week %(week)s closes before it opens.")
WEEK_OUTSIDE = N_("Week %(week)s runs outside the discussion's dates.")
WEEK_OUT_OF_ORDER = N_(
    "Week %(week)s opens before week %(other)s does; weeks open one after the other."
)
# Numbering: every question its own number, every tag its own short name.
QUESTION_TWICE = N_("Question %(number)s is numbered twice; each question needs its own number.")
QUESTION_NUMBER_BAD = N_("Question numbers start at 1 (this one is %(number)s).")
TAG_TWICE = N_("The tag “%(tag)s” is listed twice.")
TAG_SLUG_BAD = N_(
    "A tag's short name may hold only lower-case letters without accents, digits and single "
    "hyphens (for example green-jobs)."
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: a translatable `message` with its `params`, and where it is.

    `place` names the part concerned the way files do (`weeks[2].questions[1].text`), so a
    file import can point at its line and the studio at its field.
    """

    message: str
    place: str = ""
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, i18n: I18n) -> str:
        """Say the problem in `i18n`'s language (a language code becomes its name there)."""
        params = {
            key: i18n.language_label(str(value)) if key == "language" else value
            for key, value in self.params.items()
        }
        return i18n.gettext(self.message) % params if params else i18n.gettext(self.message)


@dataclass(frozen=True)
class DraftQuestion:
    number: int
    text: Mapping[str, str]


@dataclass(frozen=True)
class DraftWeek:
    opens_at: datetime
    closes_at: datetime
    title: Mapping[str, str]
    questions: Sequence[DraftQuestion]


@dataclass(frozen=True)
class DraftTag:
    slug: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class Draft:
    """A discussion as organisers describe it, before it is checked."""

    slug: str
    opens_at: datetime
    closes_at: datetime
    timezone: str
    languages: Sequence[str]
    title: Mapping[str, str]
    summary: Mapping[str, str]
    introduction: Mapping[str, str]
    weeks: Sequence[DraftWeek] = ()
    tags: Sequence[DraftTag] = ()


def slug_problems(slug: str, place: str = "slug") -> list[Problem]:
    """Check a web address's form (not whether it is taken: that needs the database)."""
    if len(slug) > SLUG_MAX or not SLUG_PATTERN.fullmatch(slug):
        return [Problem(BAD_SLUG, place)]
    return []


def zone_problems(zone: str, place: str = "timezone") -> list[Problem]:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return [Problem(BAD_ZONE, place, {"zone": zone})]
    return []


def language_problems(
    languages: Sequence[str], offered: Sequence[str], place: str = "languages"
) -> list[Problem]:
    problems = [
        Problem(BAD_LANGUAGE, place, {"code": code}) for code in languages if code not in offered
    ]
    if not languages:
        problems.append(Problem(NO_LANGUAGE, place))
    if len(set(languages)) != len(languages):
        problems.append(Problem(LANGUAGE_TWICE, place))
    return problems


def missing_texts(
    texts: Mapping[str, str],
    languages: Sequence[str],
    message: str,
    place: str,
    limit: int | None = None,
    **params: object,
) -> list[Problem]:
    """One problem per offered language whose text is empty, and one per text too long."""
    problems = [
        Problem(message, f"{place}.{code}", {**params, "language": code})
        for code in languages
        if not texts.get(code, "").strip()
    ]
    if limit is not None:
        problems += [
            Problem(TOO_LONG, f"{place}.{code}", {"limit": limit})
            for code in languages
            if len(texts.get(code, "").strip()) > limit
        ]
    return problems


def period_problems(
    opens_at: datetime, closes_at: datetime, message: str, place: str, **params: object
) -> list[Problem]:
    if closes_at <= opens_at:
        return [Problem(message, f"{place}closes_at", params)]
    return []


def numbering_problems(draft: Draft) -> list[Problem]:
    """Questions numbered twice or below 1, tags listed twice or with a malformed short name.

    The studio numbers questions and names tags itself; a file says them, so it checks here.
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    for w, week in enumerate(draft.weeks, start=1):
        for q, question in enumerate(week.questions, start=1):
            place = f"weeks[{w}].questions[{q}].number"
            if question.number < 1:
                problems.append(Problem(QUESTION_NUMBER_BAD, place, {"number": question.number}))
            elif question.number in seen:
                problems.append(Problem(QUESTION_TWICE, place, {"number": question.number}))
            seen.add(question.number)
    slugs: set[str] = set()
    for t, tag in enumerate(draft.tags, start=1):
        if len(tag.slug) > SLUG_MAX or not SLUG_PATTERN.fullmatch(tag.slug):
            problems.append(Problem(TAG_SLUG_BAD, f"tags[{t}].slug"))
        elif tag.slug in slugs:
            problems.append(Problem(TAG_TWICE, f"tags[{t}].slug", {"tag": tag.slug}))
        slugs.add(tag.slug)
    return problems


def check_draft(draft: Draft, offered: Sequence[str]) -> list[Problem]:
    """Every reason `draft` may not be published yet, in the order a reader meets them."""
    languages = [code for code in draft.languages if code in offered]
    problems = slug_problems(draft.slug)
    problems += language_problems(draft.languages, offered)
    problems += zone_problems(draft.timezone)
    problems += period_problems(draft.opens_at, draft.closes_at, CLOSES_BEFORE_OPENS, "")
    problems += missing_texts(draft.title, languages, TITLE_MISSING, "title", TITLE_MAX)
    problems += missing_texts(draft.summary, languages, SUMMARY_MISSING, "summary")
    problems += missing_texts(draft.introduction, languages, INTRODUCTION_MISSING, "introduction")
    if not draft.weeks:
        problems.append(Problem(NO_WEEK, "weeks"))
    problems += week_problems(draft, languages)
    for t, tag in enumerate(draft.tags, start=1):
        problems += missing_texts(
            tag.label, languages, TAG_LABEL_MISSING, f"tags[{t}].label", LABEL_MAX, tag=tag.slug
        )
    return problems


def week_problems(draft: Draft, languages: Sequence[str]) -> list[Problem]:
    """Each week's dates, title and questions; and weeks that open out of their order.

    Weeks may overlap (the first week's questions often stay open while the second's are
    answered), but each opens after the one before it.
    """
    problems: list[Problem] = []
    for w, week in enumerate(draft.weeks, start=1):
        place = f"weeks[{w}]"
        problems += missing_texts(
            week.title, languages, WEEK_TITLE_MISSING, f"{place}.title", TITLE_MAX, week=w
        )
        problems += period_problems(
            week.opens_at, week.closes_at, WEEK_CLOSES_BEFORE_OPENS, f"{place}.", week=w
        )
        if week.opens_at < draft.opens_at or week.closes_at > draft.closes_at:
            problems.append(Problem(WEEK_OUTSIDE, place, {"week": w}))
        if not week.questions:
            problems.append(Problem(WEEK_EMPTY, f"{place}.questions", {"week": w}))
        for q, question in enumerate(week.questions, start=1):
            problems += missing_texts(
                question.text,
                languages,
                QUESTION_MISSING,
                f"{place}.questions[{q}].text",
                number=question.number,
            )
    for w in range(1, len(draft.weeks)):
        if draft.weeks[w].opens_at <= draft.weeks[w - 1].opens_at:
            problems.append(
                Problem(WEEK_OUT_OF_ORDER, f"weeks[{w + 1}].opens_at", {"week": w + 1, "other": w})
            )
    return problems


class Refused(FormInvalid):
    """A form or a file was refused for these problems; nothing of it was written.

    `errors` maps each problem's place to its message, for pages that show no parameters;
    pages that can should say `problem.text(i18n)` for each of `problems`.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__({problem.place: problem.message for problem in problems})
        self.problems = list(problems)
