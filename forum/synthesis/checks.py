"""The one checker of a synthesis: every problem, with its language and line.

Missing post, altered quote, refused consent, unknown placeholder, missing language: each is
a translatable message said in the editor's language; publishing is refused while any is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import N_
from forum.core.i18n import I18n
from forum.core.text import MULTILINE, unshowable
from forum.models import Post, User
from forum.models.types import PostStatus, QuoteConsent
from forum.synthesis.attribution import Author
from forum.synthesis.citations import find_citations, quote_appears
from forum.synthesis.figures import (
    Vocabulary,
    count_figures,
    figure_problems,
    find_figures,
    vocabulary,
)

MAX_SYNTHESIS_CHARS = 100_000

MISSING_LANGUAGE = N_("There is no synthesis in %(language)s yet.")
MISSING_POST = N_("[#%(id)s]: there is no published post with this number in this discussion.")
ALTERED_QUOTE = N_(
    "[#%(id)s]: the quoted words are not in the post. Quote it exactly, or mark your "
    "translation as [#%(id)s translated]."
)
REFUSED_CONSENT = N_("[#%(id)s]: its author did not agree to be quoted.")
TOO_LONG = N_("This text is too long: at most %(limit)s characters.")
UNSHOWABLE = N_("This text holds characters that cannot be shown.")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the synthesis: in which language, on which line (0: the whole text)."""

    language: str
    line: int
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, i18n: I18n) -> str:
        """Say the problem in `i18n`'s language (a language code becomes its name there)."""
        params = {
            key: i18n.language_label(str(value)) if key == "language" else value
            for key, value in self.params.items()
        }
        return i18n.gettext(self.message) % params if params else i18n.gettext(self.message)


@dataclass(frozen=True, slots=True)
class CitedPost:
    id: int
    discussion_id: int
    status: str
    language: str
    source: str
    html: str
    consent: str
    author: Author


@dataclass(frozen=True, slots=True)
class Record:
    """What the checker and the renderer read from the database, once for all languages."""

    posts: Mapping[int, CitedPost]
    vocabulary: Vocabulary
    counts: Mapping[tuple[str, tuple[tuple[str, str], ...]], int]


async def cited_posts(session: AsyncSession, ids: Sequence[int]) -> dict[int, CitedPost]:
    """Load the posts cited and their authors: one statement (none without citations)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Post, User)
        .join(User, col(User.id) == col(Post.author_id))
        .where(col(Post.id).in_(sorted(set(ids))))
    )
    return {
        post.id: CitedPost(
            id=post.id,
            discussion_id=post.discussion_id,
            status=post.status,
            language=post.language,
            source=post.source,
            html=post.html,
            consent=post.quote_consent,
            author=Author(
                user.display_name, user.organisation, user.stakeholder_group, user.country
            ),
        )
        for post, user in rows.all()
        if post.id is not None
    }


async def read_record(
    session: AsyncSession,
    *,
    discussion_id: int,
    languages: Sequence[str],
    texts: Mapping[str, str],
) -> Record:
    """Read the cited posts, the filters' vocabulary and the figures: four statements at most."""
    ids = [cite.post_id for text in texts.values() for cite in find_citations(text)]
    posts = await cited_posts(session, ids)
    words = await vocabulary(session, discussion_id=discussion_id, languages=languages)
    figures = [
        figure
        for text in texts.values()
        for figure in find_figures(text)
        if not figure_problems(figure, words)
    ]
    counts = await count_figures(session, discussion_id=discussion_id, figures=figures)
    return Record(posts, words, counts)


def check_text(discussion_id: int, language: str, source: str, record: Record) -> list[Problem]:
    """Every problem of the synthesis in one language, in the order of its lines."""
    if not source.strip():
        return [Problem(language, 0, MISSING_LANGUAGE, {"language": language})]
    problems: list[Problem] = []
    if len(source) > MAX_SYNTHESIS_CHARS:
        problems.append(Problem(language, 0, TOO_LONG, {"limit": MAX_SYNTHESIS_CHARS}))
    if unshowable(source, allow=MULTILINE):
        problems.append(Problem(language, 0, UNSHOWABLE))
    for cite in find_citations(source):
        post = record.posts.get(cite.post_id)
        params = {"id": cite.post_id}
        if (
            post is None
            or post.discussion_id != discussion_id
            or post.status != PostStatus.APPROVED
        ):
            problems.append(Problem(language, cite.line, MISSING_POST, params))
            continue
        if post.consent not in (QuoteConsent.BY_NAME, QuoteConsent.ANONYMOUSLY):
            problems.append(Problem(language, cite.line, REFUSED_CONSENT, params))
            continue
        if (
            cite.quote is not None
            and not cite.translated
            and not quote_appears(cite.quote, post.source, post.html)
        ):
            problems.append(Problem(language, cite.line, ALTERED_QUOTE, params))
    for figure in find_figures(source):
        for problem in figure_problems(figure, record.vocabulary):
            problems.append(Problem(language, problem.line, problem.message, problem.params))
    return sorted(problems, key=lambda problem: problem.line)


def check_synthesis(
    discussion_id: int, languages: Sequence[str], texts: Mapping[str, str], record: Record
) -> list[Problem]:
    """Every problem of the synthesis, language by language in the discussion's order."""
    return [
        problem
        for language in languages
        for problem in check_text(discussion_id, language, texts.get(language, ""), record)
    ]
