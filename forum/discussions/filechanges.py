"""What a discussion file would change in the stored discussion, said in plain words.

Weeks are matched by position, questions by number, tags by short name and documents by
language and file name. Each change keeps the old and new values for the history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from forum.core.errors import N_
from forum.core.i18n import I18n
from forum.discussions.checks import Problem
from forum.discussions.filespec import DiscussionSpec, DocumentSpec, State, WeekSpec
from forum.models.types import ModerationMode

OPENS_MOVED = N_("The opening date moved from %(before)s to %(after)s.")
CLOSES_MOVED = N_("The closing date moved from %(before)s to %(after)s.")
PUBLISHED_MOVED = N_("The publication date moved from %(before)s to %(after)s.")
ZONE_CHANGED = N_("The time zone changed from %(before)s to %(after)s.")
LANGUAGES_CHANGED = N_("The languages changed from %(before)s to %(after)s.")
MODERATION_PRE = N_("Contributions will be read by a moderator before they are published.")
MODERATION_POST = N_("Contributions will be published at once and read by a moderator after.")
COMMENTS_ON = N_("General comments are now taken.")
COMMENTS_OFF = N_("General comments are no longer taken.")
PUBLISHING = N_("The discussion will be published.")
UNPUBLISHING = N_("The discussion becomes a draft again: readers will no longer see it.")
TITLE_CHANGED = N_("The title in %(language)s changed.")
SUMMARY_CHANGED = N_("The summary in %(language)s changed.")
INTRODUCTION_CHANGED = N_("The introduction in %(language)s changed.")
MODERATOR_ADDED = N_("%(email)s becomes a moderator.")
MODERATOR_REMOVED = N_("%(email)s is no longer a moderator.")
MODERATORS_ORDER = N_("The moderators are listed in another order.")
ORGANISER_ADDED = N_("%(email)s becomes an organiser.")
ORGANISER_REMOVED = N_("%(email)s is no longer an organiser.")
TAG_ADDED = N_("The tag “%(tag)s” is added.")
TAG_REMOVED = N_("The tag “%(tag)s” is taken off the discussion.")
TAGS_ORDER = N_("The tags are listed in another order.")
TAG_LABEL_CHANGED = N_("The label of the tag “%(tag)s” in %(language)s changed.")
TAG_DESCRIPTION_CHANGED = N_("The description of the tag “%(tag)s” in %(language)s changed.")
DOCUMENT_ADDED = N_("The document “%(file)s” in %(language)s is added.")
DOCUMENT_REMOVED = N_("The document “%(file)s” in %(language)s is removed.")
DOCUMENT_TITLE_CHANGED = N_("The title of the document “%(file)s” in %(language)s changed.")
DOCUMENT_REPLACED = N_("The document “%(file)s” in %(language)s gets a new version of its file.")
WEEK_ADDED = N_("Week %(week)s is added, with questions %(numbers)s.")
WEEK_REMOVED = N_("Week %(week)s is removed.")
WEEK_OPENS_MOVED = N_("Week %(week)s now opens on %(after)s instead of %(before)s.")
WEEK_CLOSES_MOVED = N_("Week %(week)s now closes on %(after)s instead of %(before)s.")
WEEK_TITLE_CHANGED = N_("The title of week %(week)s in %(language)s changed.")
QUESTION_ADDED = N_("Question %(number)s is added to week %(week)s.")
QUESTION_REMOVED = N_("Question %(number)s is removed.")
QUESTION_MOVED = N_("Question %(number)s moves from week %(before)s to week %(after)s.")
QUESTION_CHANGED = N_("Question %(number)s: the text in %(language)s changed.")
NOTHING = N_("Nothing to change: the discussion already says what the file says.")


@dataclass(frozen=True)
class Change:
    """One change in plain words, and what it was and becomes (for the history)."""

    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    item: str = "discussion"
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)

    def text(self, i18n: I18n) -> str:
        return Problem(self.message, "", self.params).text(i18n)


def numbers(values: Sequence[int]) -> str:
    """`9-11, 14`: runs of numbers written as ranges."""
    runs: list[list[int]] = []
    for value in sorted(values):
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def describe(
    old: DiscussionSpec, new: DiscussionSpec, replaced: Callable[[DocumentSpec], bool]
) -> list[Change]:
    """Every change from `old` to `new`; `replaced` says whether a kept document's file differs."""
    zone = ZoneInfo(new.timezone)

    def when(value: datetime) -> str:
        return value.astimezone(zone).isoformat(" ", "minutes")

    changes: list[Change] = []
    for key, message in (("opens_at", OPENS_MOVED), ("closes_at", CLOSES_MOVED)):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            b, a = when(before), when(after)
            changes.append(
                Change(message, {"before": b, "after": a}, "discussion", {key: b}, {key: a})
            )
    if old.timezone != new.timezone:
        changes.append(_plain(ZONE_CHANGED, "timezone", old.timezone, new.timezone))
    if old.languages != new.languages:
        b, a = ", ".join(old.languages), ", ".join(new.languages)
        changes.append(_plain(LANGUAGES_CHANGED, "languages", b, a))
    if old.moderation != new.moderation:
        message = MODERATION_PRE if new.moderation == ModerationMode.PRE else MODERATION_POST
        changes.append(_plain(message, "moderation", old.moderation.value, new.moderation.value))
    if old.general_comments != new.general_comments:
        message = COMMENTS_ON if new.general_comments else COMMENTS_OFF
        changes.append(
            _plain(message, "general_comments", old.general_comments, new.general_comments)
        )
    changes += _state(old, new, when)
    for key, message in (
        ("title", TITLE_CHANGED),
        ("summary", SUMMARY_CHANGED),
        ("introduction", INTRODUCTION_CHANGED),
    ):
        changes += _texts(message, "discussion", key, getattr(old, key), getattr(new, key), {})
    changes += _people(old, new)
    changes += _tags(old, new)
    changes += _documents(old, new, replaced)
    changes += _weeks(old, new, when)
    changes += _questions(old, new)
    return changes


def _plain(message: str, key: str, before: object, after: object) -> Change:
    params = {"before": before, "after": after}
    return Change(message, params, "discussion", {key: before}, {key: after})


def _state(
    old: DiscussionSpec, new: DiscussionSpec, when: Callable[[datetime], str]
) -> list[Change]:
    if old.state != new.state:
        message = PUBLISHING if new.state == State.PUBLISHED else UNPUBLISHING
        return [_plain(message, "state", old.state.value, new.state.value)]
    if (
        new.published_at
        and old.published_at
        and new.published_at.replace(microsecond=0) != old.published_at.replace(microsecond=0)
    ):
        b, a = when(old.published_at), when(new.published_at)
        return [_plain(PUBLISHED_MOVED, "published_at", b, a)]
    return []


def _texts(
    message: str,
    item: str,
    key: str,
    old: Mapping[str, str],
    new: Mapping[str, str],
    params: Mapping[str, object],
) -> list[Change]:
    """One change per language whose text differs (a text added or removed included)."""
    return [
        Change(
            message,
            {**params, "language": code},
            item,
            {key: {code: old.get(code, "")}},
            {key: {code: new.get(code, "")}},
        )
        for code in sorted(old.keys() | new.keys())
        if old.get(code, "") != new.get(code, "")
    ]


def _people(old: DiscussionSpec, new: DiscussionSpec) -> list[Change]:
    changes = []
    before = [m.email for m in old.moderators]
    after = [m.email for m in new.moderators]
    changes += [
        Change(MODERATOR_ADDED, {"email": e}, f"moderator:{e}", {}, {"email": e})
        for e in after
        if e not in before
    ]
    changes += [
        Change(MODERATOR_REMOVED, {"email": e}, f"moderator:{e}", {"email": e}, {})
        for e in before
        if e not in after
    ]
    kept = [e for e in after if e in before]
    if kept != [e for e in before if e in after]:
        changes.append(
            Change(MODERATORS_ORDER, {}, "moderators", {"order": before}, {"order": after})
        )
    changes += [
        Change(ORGANISER_ADDED, {"email": e}, f"organiser:{e}", {}, {"email": e})
        for e in new.organisers
        if e not in old.organisers
    ]
    changes += [
        Change(ORGANISER_REMOVED, {"email": e}, f"organiser:{e}", {"email": e}, {})
        for e in old.organisers
        if e not in new.organisers
    ]
    return changes


def _tags(old: DiscussionSpec, new: DiscussionSpec) -> list[Change]:
    before = {tag.slug: tag for tag in old.tags}
    after = {tag.slug: tag for tag in new.tags}
    changes = [
        Change(TAG_ADDED, {"tag": s}, f"tag:{s}", {}, {"slug": s}) for s in after if s not in before
    ]
    changes += [
        Change(TAG_REMOVED, {"tag": s}, f"tag:{s}", {"slug": s}, {})
        for s in before
        if s not in after
    ]
    if [s for s in after if s in before] != [s for s in before if s in after]:
        changes.append(
            Change(TAGS_ORDER, {}, "tags", {"order": list(before)}, {"order": list(after)})
        )
    for slug, tag in after.items():
        if slug in before:
            was = before[slug]
            item, params = f"tag:{slug}", {"tag": slug}
            changes += _texts(TAG_LABEL_CHANGED, item, "label", was.label, tag.label, params)
            changes += _texts(
                TAG_DESCRIPTION_CHANGED,
                item,
                "description",
                was.description,
                tag.description,
                params,
            )
    return changes


def _documents(
    old: DiscussionSpec, new: DiscussionSpec, replaced: Callable[[DocumentSpec], bool]
) -> list[Change]:
    before = {(d.language, d.filename): d for d in old.documents}
    after = {(d.language, d.filename): d for d in new.documents}
    changes = []
    for key, document in after.items():
        params = {"file": key[1], "language": key[0]}
        item = f"document:{key[0]}/{key[1]}"
        was = before.get(key)
        if was is None:
            changes.append(Change(DOCUMENT_ADDED, params, item, {}, {"title": document.title}))
            continue
        if was.title != document.title:
            changes.append(
                Change(
                    DOCUMENT_TITLE_CHANGED,
                    params,
                    item,
                    {"title": was.title},
                    {"title": document.title},
                )
            )
        if replaced(document):
            changes.append(Change(DOCUMENT_REPLACED, params, item))
    for key, document in before.items():
        if key not in after:
            params = {"file": key[1], "language": key[0]}
            item = f"document:{key[0]}/{key[1]}"
            changes.append(Change(DOCUMENT_REMOVED, params, item, {"title": document.title}, {}))
    return changes


def _weeks(
    old: DiscussionSpec, new: DiscussionSpec, when: Callable[[datetime], str]
) -> list[Change]:
    changes = []
    for w, week in enumerate(new.weeks, start=1):
        item = f"week:{w}"
        if w > len(old.weeks):
            after = _week_values(week, when)
            listed = numbers([q.number for q in week.questions])
            changes.append(Change(WEEK_ADDED, {"week": w, "numbers": listed}, item, {}, after))
            continue
        was = old.weeks[w - 1]
        for key, message in (("opens_at", WEEK_OPENS_MOVED), ("closes_at", WEEK_CLOSES_MOVED)):
            if getattr(was, key) != getattr(week, key):
                b, a = when(getattr(was, key)), when(getattr(week, key))
                params = {"week": w, "before": b, "after": a}
                changes.append(Change(message, params, item, {key: b}, {key: a}))
        changes += _texts(WEEK_TITLE_CHANGED, item, "title", was.title, week.title, {"week": w})
    for w in range(len(new.weeks) + 1, len(old.weeks) + 1):
        before = _week_values(old.weeks[w - 1], when)
        changes.append(Change(WEEK_REMOVED, {"week": w}, f"week:{w}", before, {}))
    return changes


def _week_values(week: WeekSpec, when: Callable[[datetime], str]) -> dict[str, Any]:
    return {
        "opens_at": when(week.opens_at),
        "closes_at": when(week.closes_at),
        "title": dict(week.title),
        "questions": [q.number for q in week.questions],
    }


def _questions(old: DiscussionSpec, new: DiscussionSpec) -> list[Change]:
    before = {q.number: (w, q) for w, week in enumerate(old.weeks, 1) for q in week.questions}
    after = {q.number: (w, q) for w, week in enumerate(new.weeks, 1) for q in week.questions}
    changes = []
    for number, (w, question) in sorted(after.items()):
        item = f"question:{number}"
        if number not in before:
            if w <= len(old.weeks):  # a new week's questions are said with the week
                params = {"number": number, "week": w}
                changes.append(
                    Change(QUESTION_ADDED, params, item, {}, {"text": dict(question.text)})
                )
            continue
        was_week, was = before[number]
        if was_week != w:
            params = {"number": number, "before": was_week, "after": w}
            changes.append(Change(QUESTION_MOVED, params, item, {"week": was_week}, {"week": w}))
        changes += _texts(
            QUESTION_CHANGED, item, "text", was.text, question.text, {"number": number}
        )
    for number, (_, question) in sorted(before.items()):
        if number not in after:
            item = f"question:{number}"
            changes.append(
                Change(
                    QUESTION_REMOVED, {"number": number}, item, {"text": dict(question.text)}, {}
                )
            )
    return changes
