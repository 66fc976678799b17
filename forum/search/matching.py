"""How each back-end finds the posts and texts a query matches, and ranks them.

SQLite: an FTS5 MATCH expression over stems, one reading of the query per language, each
limited to the rows in that language (`language : "es" AND body : (...)`), ranked by bm25.
PostgreSQL: `websearch_to_tsquery` with each language's configuration, limited likewise,
ranked by `ts_rank`. Either way a Spanish post is read with Spanish stems only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, cast, func, literal, literal_column, or_, text
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.sql.elements import TextClause

from forum.search.indexing import configuration
from forum.search.query import Query, Term
from forum.search.words import SEARCH_LANGUAGES


@dataclass(frozen=True, slots=True)
class Match:
    """What a back-end adds to a search: the table to join, the condition, the rank."""

    table: str  # post_search or text_search
    key: ColumnElement[Any]  # the indexed row's key: a post's id, a text's row
    condition: ColumnElement[bool] | TextClause
    rank: ColumnElement[Any]  # smaller is better


def _phrase(term: Term, language: str) -> str:
    return '"' + " ".join(term.stems(language)) + '"'


def _fts_reading(query: Query, language: str) -> str:
    wanted = " AND ".join(_phrase(term, language) for term in query.wanted)
    left_out = "".join(f" NOT {_phrase(term, language)}" for term in query.excluded)
    return f"body : ({wanted}{left_out})"


def _languages(only: str) -> tuple[str, ...]:
    return (only,) if only in SEARCH_LANGUAGES else SEARCH_LANGUAGES


def fts_expression(query: Query, only: str = "") -> str:
    """The FTS5 query: only quoted stems, so nothing typed can be read as an operator.

    Each language reads the query with its own stems, on its own rows; languages that read
    it alike share one reading (ranking a simpler expression costs a quarter as much).
    """
    readings: dict[str, list[str]] = {}
    for language in _languages(only):
        readings.setdefault(_fts_reading(query, language), []).append(language)
    if len(readings) == 1 and not only:
        return next(iter(readings))
    parts = []
    for reading, languages in readings.items():
        codes = " OR ".join(f'"{code}"' for code in languages)
        parts.append(f"(language : ({codes}) AND {reading})")
    return " OR ".join(parts)


def websearch_text(query: Query) -> str:
    """The query for `websearch_to_tsquery`, rebuilt from what was read: quoted words only."""
    parts = []
    for term in query.terms:
        parts.append(("-" if term.excluded else "") + '"' + " ".join(term.words) + '"')
    return " ".join(parts)


def match(dialect: str, table: str, query: Query, only: str = "") -> Match:
    """How `table` matches `query`; `only` a language code: the rows in that language only."""
    if dialect == "postgresql":
        return _postgres(table, query, _languages(only))
    key: ColumnElement[Any] = literal_column(f"{table}.rowid")
    condition = text(f"{table} MATCH :match").bindparams(match=fts_expression(query, only))
    return Match(table, key, condition, literal_column(f"{table}.rank"))


def _postgres(table: str, query: Query, languages: tuple[str, ...]) -> Match:
    body: ColumnElement[Any] = literal_column(f"{table}.body")
    language: ColumnElement[Any] = literal_column(f"{table}.language")
    search = websearch_text(query)

    def tsquery(code: str) -> ColumnElement[Any]:
        config = cast(literal(configuration(code)), REGCONFIG)
        return func.websearch_to_tsquery(config, literal(search))

    condition = or_(*(and_(language == code, body.op("@@")(tsquery(code))) for code in languages))
    rank = -case(
        *((language == code, func.ts_rank(body, tsquery(code))) for code in languages),
        else_=0,
    )
    key: ColumnElement[Any] = literal_column(
        f"{table}.post_id" if table == "post_search" else f"{table}.id"
    )
    return Match(table, key, condition, rank)
