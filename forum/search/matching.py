"""How each back-end finds the posts and texts a query matches, and ranks them.

SQLite: an FTS5 MATCH expression over stems, one reading of the query per language, each
limited to the rows in that language (`language : "es" AND body : (...)`), ranked by bm25.
PostgreSQL: `websearch_to_tsquery` with each language's configuration, limited likewise,
ranked by `ts_rank`. Either way a Spanish post is read with Spanish stems only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, literal_column, text
from sqlalchemy.sql.elements import TextClause

from forum.search.indexing import configuration
from forum.search.query import Query, Term
from forum.search.words import SEARCH_LANGUAGES


@dataclass(frozen=True, slots=True)
class Match:
    """What a back-end adds to a search: the table to join, the condition, the rank."""

    table: str  # post_search or text_search
    key: ColumnElement[Any]  # the indexed row's key: a post's id, a text's row
    condition: TextClause
    rank: ColumnElement[Any] | TextClause  # smaller is better


def _phrase(term: Term, language: str) -> str:
    return '"' + " ".join(term.stems(language)) + '"'


def _fts_reading(query: Query, language: str) -> str:
    wanted = " AND ".join(_phrase(term, language) for term in query.wanted)
    left_out = "".join(f" NOT {_phrase(term, language)}" for term in query.excluded)
    return f'(language : "{language}" AND body : ({wanted}{left_out}))'


def fts_expression(query: Query) -> str:
    """The FTS5 query: only quoted stems, so nothing typed can be read as an operator."""
    return " OR ".join(_fts_reading(query, language) for language in SEARCH_LANGUAGES)


def websearch_text(query: Query) -> str:
    """The query for `websearch_to_tsquery`, rebuilt from what was read: quoted words only."""
    parts = []
    for term in query.terms:
        parts.append(("-" if term.excluded else "") + '"' + " ".join(term.words) + '"')
    return " ".join(parts)


def match(dialect: str, table: str, query: Query) -> Match:
    if dialect == "postgresql":
        return _postgres(table, query)
    key: ColumnElement[Any] = literal_column(f"{table}.rowid")
    condition = text(f"{table} MATCH :match").bindparams(match=fts_expression(query))
    return Match(table, key, condition, literal_column(f"{table}.rank"))


def _tsquery(language: str, prefix: str) -> str:
    return f"websearch_to_tsquery(CAST(:{prefix}config_{language} AS regconfig), :{prefix}search)"


def _params(query: Query, prefix: str) -> dict[str, str]:
    params = {
        f"{prefix}config_{language}": configuration(language) for language in SEARCH_LANGUAGES
    }
    return {**params, f"{prefix}search": websearch_text(query)}


def _postgres(table: str, query: Query) -> Match:
    readings = " OR ".join(
        f"({table}.language = '{language}' AND {table}.body @@ {_tsquery(language, '')})"
        for language in SEARCH_LANGUAGES
    )
    condition = text(f"({readings})").bindparams(**_params(query, ""))
    ranks = " ".join(
        f"WHEN '{language}' THEN ts_rank({table}.body, {_tsquery(language, 'rank_')})"
        for language in SEARCH_LANGUAGES
    )
    rank = text(f"-(CASE {table}.language {ranks} ELSE 0 END)").bindparams(
        **_params(query, "rank_")
    )
    key: ColumnElement[Any] = literal_column(
        f"{table}.post_id" if table == "post_search" else f"{table}.id"
    )
    return Match(table, key, condition, rank)
