"""The search page: a plain GET form, its filters, and the results a page at a time."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.core.errors import N_
from forum.models.types import StakeholderGroup
from forum.search.choices import search_choices
from forum.search.feed import search_feed
from forum.search.query import parse_query
from forum.search.searching import COUNT_CAP, MAX_PAGE, SORTS, Filters, search
from forum.topics.routes import atom_response
from forum.web.cache import cached_page
from forum.web.forms import countries, whole_number
from forum.web.request import database, now, page_i18n, render, settings_of, url

FILTER_NAMES = ("discussion", "question", "language", "tag", "group", "country", "since", "until")
FEED_TITLE = N_("Search: %(query)s")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def read_filters(request: Request, language: str) -> tuple[Filters, dict[str, str]]:
    """The filters asked for, keeping only values that can mean something; and those values."""
    given = {name: request.query_params.get(name, "").strip()[:100] for name in FILTER_NAMES}
    given["sort"] = request.query_params.get("sort", "")
    if given["language"] not in settings_of(request).languages:
        given["language"] = ""
    if given["group"] not in {group.value for group in StakeholderGroup}:
        given["group"] = ""
    if given["country"] not in {code for code, _name in countries(language)}:
        given["country"] = ""
    question = whole_number(given["question"]) if given["discussion"] else None
    given["question"] = str(question) if question else ""
    since, until = _day(given["since"]), _day(given["until"])
    given["since"], given["until"] = (
        (since.isoformat() if since else ""),
        (until.isoformat() if until else ""),
    )
    given["sort"] = given["sort"] if given["sort"] in SORTS else SORTS[0]
    filters = Filters(
        discussion=given["discussion"],
        question=question or None,
        language=given["language"],
        tag=given["tag"],
        group=given["group"],
        country=given["country"],
        since=since,
        until=until,
        sort=given["sort"],
    )
    return filters, given


async def search_page(request: Request) -> Response:
    """Search what readers may see. Never cached: every query string would be a new page."""
    i18n = page_i18n(request)
    query = parse_query(request.query_params.get("q", ""))
    filters, given = read_filters(request, i18n.language)
    page = min(whole_number(request.query_params.get("page")) or 1, MAX_PAGE)
    async with database(request).session() as session:
        choices = await search_choices(session, language=i18n.language, now=now(request))
        results = await search(
            session, query, filters, language=i18n.language, now=now(request), page=page
        )
    kept = _kept(query.text, given)
    context = {
        "feed_query": _feed_query(kept) if query.searchable else "",
        "results": results,
        "cap": COUNT_CAP,
        "choices": choices,
        "given": given,
        "kept": kept,
        "asked": bool(query.text),
        "countries": countries(i18n.language),
        "groups": [group.value for group in StakeholderGroup],
        "languages": settings_of(request).languages,
    }
    return render(request, "search/search.html", context, i18n=i18n)


def _kept(typed: str, given: dict[str, str]) -> dict[str, Any]:
    """What the search's links keep: the query and the filters that hold a value."""
    return {"q": typed, **{name: value for name, value in given.items() if value}}


def _feed_query(kept: dict[str, Any]) -> str:
    """The query string of the search's feed: what was asked and the filters, not the order."""
    return urlencode({name: value for name, value in kept.items() if name != "sort"})


async def search_atom(request: Request) -> Response:
    """A search's newest matches as Atom, cached like the other feeds (readers poll them)."""
    return await cached_page(request, lambda: _search_atom(request), site_wide=True)


async def _search_atom(request: Request) -> Response:
    i18n = page_i18n(request)
    query = parse_query(request.query_params.get("q", ""))
    filters, given = read_filters(request, i18n.language)
    async with database(request).session() as session:
        feed = await search_feed(
            session,
            query,
            filters,
            title=i18n.gettext(FEED_TITLE) % {"query": query.text},
            language=i18n.language,
            now=now(request),
        )
    kept = _kept(query.text, given)
    return atom_response(
        request, i18n, feed, alternate=f"{url(request, 'search')}?{urlencode(kept)}"
    )


routes: list[BaseRoute] = [
    Route("/search", search_page, name="search"),
    Route("/search/feed.atom", search_atom, name="search_feed"),
]
