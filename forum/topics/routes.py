"""Topic pages (`/tags/`) and the Atom feeds of discussions, questions and tags."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.i18n import I18n
from forum.topics.atom import MEDIA_TYPE, atom_bytes
from forum.topics.entries import Entry
from forum.topics.feeds import Feed, atom_feed, discussion_feed, question_feed, tag_feed
from forum.topics.tags import list_tags, topic_page
from forum.web.cache import CachedBody, cached_page
from forum.web.forms import whole_number
from forum.web.request import database, now, page_i18n, render, settings_of, url


def absolute(request: Request, name: str, /, **params: object) -> str:
    """The absolute URL of a named route, as a feed reader must be given it."""
    return settings_of(request).base_url.rstrip("/") + url(request, name, **params)


def atom_response(request: Request, i18n: I18n, feed: Feed, *, alternate: str) -> Response:
    """Write `feed` as Atom for the reader's language; `alternate` is the page it follows."""

    def post_link(entry: Entry) -> str:
        return absolute(request, "post", slug=entry.discussion_slug, id=entry.id)

    base = settings_of(request).base_url.rstrip("/")
    document = atom_feed(
        feed,
        language=i18n.language,
        gettext=i18n.gettext,
        post_link=post_link,
        host=urlsplit(base).hostname or "localhost",
        self_link=base + request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        alternate_link=base + alternate,
    )
    return CachedBody(
        atom_bytes(document), media_type=MEDIA_TYPE, headers={"Content-Language": i18n.language}
    )


async def tags(request: Request) -> Response:
    return await cached_page(request, lambda: _tags(request), site_wide=True)


async def _tags(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        items = await list_tags(session, language=i18n.language, now=now(request))
    return render(request, "topics/tags.html", {"tags": items}, i18n=i18n)


async def tag(request: Request) -> Response:
    return await cached_page(request, lambda: _tag(request), site_wide=True)


async def _tag(request: Request) -> Response:
    i18n = page_i18n(request)
    query = request.query_params
    language = query.get("language")
    async with database(request).session() as session:
        page = await topic_page(
            session,
            slug=request.path_params["slug"],
            language=i18n.language,
            now=now(request),
            discussion=query.get("discussion") or None,
            post_language=language if language in settings_of(request).languages else None,
            page=whole_number(query.get("page")) or 1,
        )
    languages = settings_of(request).languages
    return render(request, "topics/tag.html", {"page": page, "languages": languages}, i18n=i18n)


async def tag_atom(request: Request) -> Response:
    return await cached_page(request, lambda: _tag_atom(request), site_wide=True)


async def _tag_atom(request: Request) -> Response:
    i18n = page_i18n(request)
    slug = request.path_params["slug"]
    async with database(request).session() as session:
        feed = await tag_feed(session, slug=slug, language=i18n.language, now=now(request))
    return atom_response(request, i18n, feed, alternate=url(request, "tag", slug=slug))


async def discussion_atom(request: Request) -> Response:
    return await cached_page(request, lambda: _discussion_atom(request))


async def _discussion_atom(request: Request) -> Response:
    i18n = page_i18n(request)
    slug = request.path_params["slug"]
    async with database(request).session() as session:
        feed = await discussion_feed(session, slug=slug, language=i18n.language, now=now(request))
    return atom_response(request, i18n, feed, alternate=url(request, "discussion", slug=slug))


async def question_atom(request: Request) -> Response:
    return await cached_page(request, lambda: _question_atom(request))


async def _question_atom(request: Request) -> Response:
    i18n = page_i18n(request)
    slug, number = request.path_params["slug"], request.path_params["number"]
    async with database(request).session() as session:
        feed = await question_feed(
            session, slug=slug, number=number, language=i18n.language, now=now(request)
        )
    return atom_response(
        request, i18n, feed, alternate=url(request, "question", slug=slug, number=number)
    )


_DISCUSSION = "/discussions/{slug}"
routes: list[BaseRoute] = [
    Route("/tags/", tags, name="tags"),
    Route("/tags/{slug}", tag, name="tag"),
    Route("/tags/{slug}/feed.atom", tag_atom, name="tag_feed"),
    Route(_DISCUSSION + "/feed.atom", discussion_atom, name="discussion_feed"),
    Route(_DISCUSSION + "/questions/{number:id}/feed.atom", question_atom, name="question_feed"),
]
