"""Reading a discussion file: every problem at once, in the organiser's words, with its place.

The file's shape (keys missing, unknown or of the wrong kind) and the rules every discussion
meets (`checks.check_draft`, run on whatever could be read) are found in one pass; the
checker's findings about a part already reported as unreadable are left out, so one mistake
gives one line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forum.core.errors import ImportRefused
from forum.discussions import checks
from forum.discussions import filespec as say
from forum.discussions.checks import Problem
from forum.discussions.filelines import place_lines
from forum.discussions.filespec import (
    DiscussionSpec,
    DocumentSpec,
    ModeratorSpec,
    QuestionSpec,
    State,
    TagSpec,
    WeekSpec,
)
from forum.discussions.filevalues import Reader, under
from forum.models.types import ModerationMode, TagKind

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
NAME_MAX = 120
ORGANISATION_MAX = 200
FILENAME_MAX = 200
_SOMETIME = datetime(2000, 1, 1, tzinfo=UTC)  # stands in for a date that could not be read

TOP = (
    "slug", "opens_at", "closes_at", "timezone", "moderation", "general_comments", "languages",
    "title", "summary", "introduction", "moderators", "organisers", "tags", "documents",
    "weeks", "state", "published_at",
)  # fmt: skip
WEEK = ("opens_at", "closes_at", "title", "questions")
QUESTION = ("number", "text")
MODERATOR = ("name", "organisation", "email")
TAG = ("slug", "kind", "label", "description")
DOCUMENT = ("language", "title", "file")


def parse_discussion(
    text: str,
    *,
    source: str,
    base: Path,
    languages: Sequence[str],
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
) -> tuple[DiscussionSpec, dict[str, bytes]]:
    """Read a discussion file's text; raise ImportRefused with every problem in it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+), column (\d+)", str(error))
        line, column = (int(found[1]), int(found[2])) if found else (1, 1)
        problem = Problem(say.NOT_TOML, "", {"line": line, "column": column})
        raise ImportRefused([problem], source=source, lines={"": line}) from error
    return validate_discussion(
        data,
        source=source,
        base=base,
        languages=languages,
        max_document_bytes=max_document_bytes,
        lines=place_lines(text),
    )


def read_discussion_file(
    path: Path, languages: Sequence[str], *, max_document_bytes: int = MAX_DOCUMENT_BYTES
) -> tuple[DiscussionSpec, dict[str, bytes]]:
    """Read and check the file at `path`; return the spec and its documents' contents."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ImportRefused([Problem(say.SOURCE_UNREADABLE)], source=str(path)) from error
    except UnicodeDecodeError as error:
        raise ImportRefused([Problem(say.NOT_UTF8)], source=str(path)) from error
    return parse_discussion(
        text,
        source=str(path),
        base=path.parent,
        languages=languages,
        max_document_bytes=max_document_bytes,
    )


def validate_discussion(
    data: dict[str, Any],
    *,
    source: str,
    base: Path,
    languages: Sequence[str],
    max_document_bytes: int = MAX_DOCUMENT_BYTES,
    lines: dict[str, int] | None = None,
) -> tuple[DiscussionSpec, dict[str, bytes]]:
    """Check a parsed file; raise ImportRefused listing all that is wrong, or return it."""
    reader = Reader()
    spec = _read(reader, data, lines or {})
    rules = _rule_problems(reader, spec, languages)
    files = _read_documents(reader, spec.documents, base, max_document_bytes)
    problems = reader.problems + rules
    if problems:
        raise ImportRefused(problems, source=source, lines=lines)
    return spec, files


def _read(reader: Reader, data: dict[str, Any], lines: dict[str, int]) -> DiscussionSpec:
    """Read what can be read; a value that cannot is reported and stood in for."""
    top = reader.table(data, "", TOP)
    opens_at = reader.date(top, "opens_at", "", say.OPENS_MISSING)
    closes_at = reader.date(top, "closes_at", "", say.CLOSES_MISSING)
    reader.dates_unread = opens_at is None or closes_at is None
    languages = reader.strings(top, "languages", "", say.LANGUAGES_MISSING)
    reader.languages = languages
    state = reader.choice(top, "state", "", State, None) or State.PUBLISHED
    published_at = reader.date(top, "published_at", "", None)
    if state == State.DRAFT and published_at is not None:
        reader.refuse(say.DRAFT_WITH_DATE, "published_at")
    return DiscussionSpec(
        slug=reader.text(top, "slug", "", say.SLUG_MISSING) or "",
        opens_at=opens_at or _SOMETIME,
        closes_at=closes_at or _SOMETIME,
        timezone=reader.text(top, "timezone", "") or "UTC",
        moderation=reader.choice(top, "moderation", "", ModerationMode, say.MODERATION_MISSING)
        or ModerationMode.PRE,
        general_comments=reader.boolean(top, "general_comments", ""),
        languages=tuple(languages or ()),
        title=reader.texts(top, "title", ""),
        summary=reader.texts(top, "summary", ""),
        introduction=reader.texts(top, "introduction", ""),
        moderators=tuple(_moderators(reader, top)),
        organisers=tuple(_organisers(reader, top)),
        tags=tuple(_tags(reader, top)),
        documents=tuple(_documents(reader, top)),
        weeks=tuple(_weeks(reader, top)),
        state=state,
        published_at=published_at,
        lines=lines,
    )


def _moderators(reader: Reader, top: dict[str, Any]) -> list[ModeratorSpec]:
    moderators = []
    seen: set[str] = set()
    for place, n, data in reader.tables(top, "moderators", MODERATOR):
        name = reader.text(data, "name", place, say.MODERATOR_NAME_MISSING, NAME_MAX, position=n)
        organisation = reader.text(data, "organisation", place, None, ORGANISATION_MAX)
        email = reader.email(
            reader.text(data, "email", place, say.MODERATOR_EMAIL_MISSING, position=n),
            f"{place}.email",
        )
        if email in seen:
            reader.refuse(say.MODERATOR_TWICE, f"{place}.email", email=email)
        if email:
            seen.add(email)
        moderators.append(ModeratorSpec(name or "", organisation or "", email or ""))
    return moderators


def _organisers(reader: Reader, top: dict[str, Any]) -> list[str]:
    organisers: list[str] = []
    for i, value in enumerate(reader.strings(top, "organisers", "", None) or [], start=1):
        email = reader.email(value, f"organisers[{i}]")
        if email in organisers:
            reader.refuse(say.ORGANISER_TWICE, f"organisers[{i}]", email=email)
        elif email:
            organisers.append(email)
    return organisers


def _tags(reader: Reader, top: dict[str, Any]) -> list[TagSpec]:
    tags = []
    for place, n, data in reader.tables(top, "tags", TAG):
        slug = reader.text(data, "slug", place, say.TAG_SLUG_MISSING, position=n)
        kind = reader.choice(data, "kind", place, TagKind, say.TAG_KIND_MISSING)
        label = reader.texts(data, "label", place)
        description = reader.texts(data, "description", place)
        tags.append(TagSpec(slug or "", kind or TagKind.TOPIC, label, description))
    return tags


def _documents(reader: Reader, top: dict[str, Any]) -> list[DocumentSpec]:
    documents = []
    seen: set[tuple[str, str]] = set()
    for place, n, data in reader.tables(top, "documents", DOCUMENT):
        language = reader.text(data, "language", place, say.DOCUMENT_LANGUAGE_MISSING, position=n)
        title = reader.text(data, "title", place, say.DOCUMENT_TITLE_MISSING, 200, position=n)
        file = reader.text(data, "file", place, say.DOCUMENT_FILE_MISSING, position=n)
        document = DocumentSpec(language or "", title or "", file or "")
        if file and len(document.filename) > FILENAME_MAX:
            reader.refuse(checks.TOO_LONG, f"{place}.file", limit=FILENAME_MAX)
        if file and language and (language, document.filename) in seen:
            reader.refuse(say.DOCUMENT_TWICE, f"{place}.file", file=file, language=language)
        seen.add((language or "", document.filename))
        documents.append(document)
    return documents


def _weeks(reader: Reader, top: dict[str, Any]) -> list[WeekSpec]:
    weeks = []
    for place, w, data in reader.tables(top, "weeks", WEEK):
        opens_at = reader.date(data, "opens_at", place, say.WEEK_OPENS_MISSING, week=w)
        closes_at = reader.date(data, "closes_at", place, say.WEEK_CLOSES_MISSING, week=w)
        if opens_at is None or closes_at is None:
            reader.bad_weeks.add(w)
        title = reader.texts(data, "title", place)
        questions = []
        for q_place, q, q_data in reader.tables(data, "questions", QUESTION):
            q_place = f"{place}.{q_place}"
            number = reader.number(
                q_data, "number", q_place, say.QUESTION_NUMBER_MISSING, position=q, week=w
            )
            if number is None:
                reader.unreadable.add(q_place)
            questions.append(QuestionSpec(number or 0, reader.texts(q_data, "text", q_place)))
        weeks.append(
            WeekSpec(opens_at or _SOMETIME, closes_at or _SOMETIME, title, tuple(questions))
        )
    return weeks


def _rule_problems(reader: Reader, spec: DiscussionSpec, offered: Sequence[str]) -> list[Problem]:
    """The checker's findings on what was read, less those about unreadable parts."""
    draft = spec.draft()
    found = checks.check_draft(draft, offered) + checks.numbering_problems(draft)
    dates = {checks.CLOSES_BEFORE_OPENS, checks.WEEK_OUTSIDE}
    per_week = {checks.WEEK_CLOSES_BEFORE_OPENS, checks.WEEK_OUTSIDE, checks.WEEK_OUT_OF_ORDER}

    def keep(problem: Problem) -> bool:
        if any(under(problem.place, place) for place in reader.unreadable):
            return False
        if reader.dates_unread and problem.message in dates:
            return False
        weeks = {problem.params.get("week"), problem.params.get("other")}
        return not (problem.message in per_week and weeks & reader.bad_weeks)

    problems = [problem for problem in found if keep(problem)]
    if reader.languages is not None and not checks.language_problems(reader.languages, offered):
        # Texts in a language the discussion does not offer; when the list of languages is
        # itself wrong, that one problem says it all.
        problems += [
            Problem(say.EXTRA_TEXT, f"{place}.{code}", {"language": code})
            for place, codes in reader.text_tables
            for code in codes
            if code not in reader.languages
        ]
        problems += [
            Problem(
                say.DOCUMENT_LANGUAGE,
                f"documents[{n}].language",
                {"position": n, "language": d.language},
            )
            for n, d in enumerate(spec.documents, start=1)
            if d.language and d.language not in reader.languages
        ]
    return problems


def _read_documents(
    reader: Reader, documents: Sequence[DocumentSpec], base: Path, max_bytes: int
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for n, document in enumerate(documents, start=1):
        if not document.file:
            continue
        place = f"documents[{n}].file"
        try:
            content = (base / document.file).read_bytes()
        except OSError:
            reader.refuse(say.FILE_UNREADABLE, place, file=document.file)
            continue
        if len(content) > max_bytes:
            megabytes = f"{max_bytes / (1024 * 1024):g}"
            reader.refuse(say.FILE_TOO_LARGE, place, file=document.file, megabytes=megabytes)
        files[document.file] = content
    return files
