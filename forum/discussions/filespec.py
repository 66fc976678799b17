"""A discussion file as organisers write it: what `forum import` reads and export writes.

The messages here are the file's own problems (a key missing, a value of the wrong kind, an
address taken); the rules a discussion must meet wherever it is written come from `checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from forum.core.errors import N_
from forum.discussions.checks import Draft, DraftQuestion, DraftTag, DraftWeek
from forum.models.types import ModerationMode, TagKind

# The file as a whole.
SOURCE_UNREADABLE = N_("The file cannot be read.")
NOT_UTF8 = N_("The file is not UTF-8 text; save it as UTF-8 and try again.")
NOT_TOML = N_(
    "This is not valid TOML near line %(line)s, column %(column)s: check the quotes, "
    "brackets and equals signs there."
)
# A key that must be there.
SLUG_MISSING = N_("The discussion's web address (slug) is missing.")
OPENS_MISSING = N_("The discussion's opening date is missing.")
CLOSES_MISSING = N_("The discussion's closing date is missing.")
MODERATION_MISSING = N_(
    "The moderation is missing: say pre (read before publishing) or post (read after)."
)
LANGUAGES_MISSING = N_("The list of languages is missing.")
WEEK_OPENS_MISSING = N_("The opening date of week %(week)s is missing.")
WEEK_CLOSES_MISSING = N_("The closing date of week %(week)s is missing.")
QUESTION_NUMBER_MISSING = N_("Question %(position)s of week %(week)s has no number.")
MODERATOR_NAME_MISSING = N_("Moderator %(position)s has no name.")
MODERATOR_EMAIL_MISSING = N_("Moderator %(position)s has no e-mail address.")
TAG_SLUG_MISSING = N_("Tag %(position)s has no short name (slug).")
TAG_KIND_MISSING = N_("Tag %(position)s has no kind: say topic or subject.")
DOCUMENT_LANGUAGE_MISSING = N_("Document %(position)s has no language.")
DOCUMENT_TITLE_MISSING = N_("Document %(position)s has no title.")
DOCUMENT_FILE_MISSING = N_("Document %(position)s names no file.")
# A value of the wrong kind.
NOT_TEXT = N_("“%(key)s” should be a text between quotes.")
NOT_DATE = N_("“%(key)s” should be a date and time, like %(example)s.")
NAIVE_DATE = N_(
    "“%(key)s” has no offset from UTC: write it like %(example)s, or end it with Z for UTC."
)
DATE_EXAMPLE = "2027-03-01T09:00:00+01:00"
NOT_NUMBER = N_("“%(key)s” should be a whole number, like 3.")
NOT_BOOLEAN = N_("“%(key)s” should be true or false.")
NOT_LIST = N_("“%(key)s” should be a list.")
NOT_TABLE = N_("“%(key)s” should be a table of keys and values.")
NOT_TEXTS = N_("“%(key)s” should hold one text per language code (en, es, fr…).")
BAD_CHOICE = N_("“%(key)s” should be one of: %(choices)s.")
UNKNOWN_KEY = N_("“%(key)s” is not a key we know here.")
UNKNOWN_KEY_CLOSE = N_("“%(key)s” is not a key we know here; did you mean “%(suggestion)s”?")
BAD_EMAIL = N_("“%(email)s” is not an e-mail address.")
# Values that do not fit together.
EXTRA_TEXT = N_("There is a text in %(language)s here, a language the discussion does not offer.")
DOCUMENT_LANGUAGE = N_(
    "Document %(position)s is in %(language)s, a language the discussion does not offer."
)
MODERATOR_TWICE = N_("“%(email)s” is listed twice among the moderators.")
ORGANISER_TWICE = N_("“%(email)s” is listed twice among the organisers.")
DOCUMENT_TWICE = N_("The file “%(file)s” is listed twice in %(language)s.")
FILE_UNREADABLE = N_("The file “%(file)s” cannot be read.")
FILE_TOO_LARGE = N_("The file “%(file)s” is larger than %(megabytes)s MB.")
DRAFT_WITH_DATE = N_(
    'A draft has no publication date: remove published_at, or set state = "published".'
)
# What the database already holds.
SLUG_EXISTS = N_(
    "A discussion with this address exists already; use forum import --update to change it."
)
NO_DISCUSSION = N_(
    "There is no discussion with the address “%(slug)s” to update; use forum import to create it."
)
SLUG_CHANGED = N_(
    "A discussion's address cannot change (it is “%(before)s”, the file says “%(after)s”): "
    "links to it would break."
)
TAG_IS_TOPIC = N_("The tag “%(tag)s” exists already as a topic.")
TAG_IS_SUBJECT = N_("The tag “%(tag)s” exists already as a subject.")
QUESTION_REMOVED = N_("Question %(number)s has contributions: it cannot be removed.")
WEEK_REMOVED = N_(
    "Week %(week)s holds question %(number)s, which has contributions: the week cannot be removed."
)
QUESTION_RENUMBERED = N_(
    "Question %(number)s has contributions: it cannot become question %(after)s."
)


class State(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(frozen=True)
class ModeratorSpec:
    name: str
    organisation: str
    email: str


@dataclass(frozen=True)
class TagSpec:
    slug: str
    kind: TagKind
    label: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentSpec:
    language: str
    title: str
    file: str  # as the file writes it, relative to the file's folder

    @property
    def filename(self) -> str:
        """The name it is stored and matched under."""
        return Path(self.file).name


@dataclass(frozen=True)
class QuestionSpec:
    number: int
    text: Mapping[str, str]


@dataclass(frozen=True)
class WeekSpec:
    opens_at: datetime
    closes_at: datetime
    title: Mapping[str, str]
    questions: tuple[QuestionSpec, ...]


@dataclass(frozen=True)
class DiscussionSpec:
    """Everything a discussion file says, read and checked."""

    slug: str
    opens_at: datetime
    closes_at: datetime
    timezone: str
    moderation: ModerationMode
    general_comments: bool
    languages: tuple[str, ...]
    title: Mapping[str, str]
    summary: Mapping[str, str]
    introduction: Mapping[str, str]
    moderators: tuple[ModeratorSpec, ...] = ()
    organisers: tuple[str, ...] = ()
    tags: tuple[TagSpec, ...] = ()
    documents: tuple[DocumentSpec, ...] = ()
    weeks: tuple[WeekSpec, ...] = ()
    state: State = State.PUBLISHED
    published_at: datetime | None = None
    # Where each place is written in the file it came from, for problems found later.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def draft(self) -> Draft:
        """The discussion as the one checker sees it."""
        return Draft(
            slug=self.slug,
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            timezone=self.timezone,
            languages=self.languages,
            title=self.title,
            summary=self.summary,
            introduction=self.introduction,
            weeks=[
                DraftWeek(
                    week.opens_at,
                    week.closes_at,
                    week.title,
                    [DraftQuestion(q.number, q.text) for q in week.questions],
                )
                for week in self.weeks
            ],
            tags=[DraftTag(tag.slug, tag.label) for tag in self.tags],
        )
