"""Count the SQL statements of the three busiest pages when rendered from the database.

Run:  .venv/bin/python bench/statements.py [--posts N] [--show]

Seeds a throw-away SQLite database (the demo, then N approved posts over questions 1-6 of
"skills-in-crisis", as bench/seed.py does) and a second one with 10 posts, then, in this
process through httpx.ASGITransport, requests the question page, the discussion page and the
home page twice each: as an anonymous reader on a cache miss, and signed in as a contributor
(whose pages are rendered every time). Each count is every statement SQLAlchemy sends during
the request, BEGIN included, connection PRAGMAs excluded (the pool keeps the connection), as
tests/helpers.py and bench/measure.py count them; the session lookup of a signed-in reader
counts too. Issue 15 (P2) asks for at most 8, the same at 10 posts as at N.

An anonymous miss is what a running server does: its content versions are fresh (read in the
background), so the miss asks the database for no version. Here the versions are read just
before each anonymous request, outside the count, and the page cache is emptied; the
signed-in reader never uses the page cache.

This is a script, not a test: it prints figures (`--show` prints each statement too).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from figures import Figure, print_figures  # noqa: E402
from seed import SLUG, record_statements, settings_for, throwaway_database  # noqa: E402

MAX_POSTS = 100_000
REFERENCE_POSTS = 10
TARGET = 8
PAGES = (
    ("question", f"/en/discussions/{SLUG}/questions/1"),
    ("discussion", f"/en/discussions/{SLUG}"),
    ("home", "/en/"),
)
READERS = ("anonymous", "signed in")
NOTES = {
    "anonymous": "SQLite, BEGIN counted; a cache miss with fresh versions, as when serving",
    "signed in": "SQLite, BEGIN and the session lookup counted; never from the page cache",
}


@dataclass
class Counted:
    """The statements each page cost each reader: (page name, reader) -> the SQL sent."""

    posts: int
    statements: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def count(self, page: str, reader: str) -> int:
        return len(self.statements[(page, reader)])


async def _sign_in(app: Any) -> str:
    """Open a session for the first seeded contributor; return the raw cookie token."""
    from datetime import UTC, datetime

    from sqlmodel import col, select

    from forum.accounts.sessions import session_policy, start_session
    from forum.models import User

    async with app.state.db.transaction() as session:
        user_id = await session.scalar(
            select(col(User.id)).where(col(User.email).like("bench.user%")).order_by(col(User.id))
        )
        if user_id is None:
            raise SystemExit("bench: no seeded contributor to sign in as")
        policy = session_policy(app.state.settings)
        return await start_session(session, user_id=user_id, policy=policy, now=datetime.now(UTC))


async def _fresh_versions(app: Any) -> None:
    """Read every content version as the running server's background reader does."""
    async with app.state.db.session() as session:
        await app.state.versions.read(session)


def _empty_page_cache(app: Any) -> None:
    app.state.page_cache.clear()
    app.state.shared_store.clear()  # what signed-in pages share: rendered from the database


async def count_statements(database_url: str, secret_key: str, posts: int) -> Counted:
    """Request each page as each reader, twice (the first warms), and keep the second's SQL."""
    import httpx

    from forum.app import create_app

    app = create_app(settings_for(database_url, secret_key))
    sent = record_statements(app)  # emptied before each page
    counted = Counted(posts)
    try:
        token = await _sign_in(app)
        cookie = {app.state.settings.session_cookie: token}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as web:
            for name, path in PAGES:
                for reader in READERS:
                    for _attempt in range(2):
                        await _fresh_versions(app)
                        _empty_page_cache(app)  # and what signed-in pages share
                        web.cookies.clear()
                        if reader == "signed in":
                            web.cookies.update(cookie)
                        sent.clear()
                        response = await web.get(path)
                        if response.status_code != 200:
                            raise SystemExit(f"bench: {path} answered {response.status_code}")
                        if response.headers.get("x-cache") == "hit":
                            raise SystemExit(f"bench: {path} came from the page cache")
                    counted.statements[(name, reader)] = list(sent)
    finally:
        await app.state.db.dispose()
    return counted


def count_seeded(posts: int) -> Counted:
    """Seed `posts` posts in a throw-away database and count the pages' statements there."""
    with throwaway_database(posts, "forum-statements-") as seeded:
        return asyncio.run(
            count_statements(seeded.seeded.database_url, seeded.secret_key, seeded.seeded.posts)
        )


def figures_from(main: Counted, reference: Counted) -> list[Figure]:
    """One figure per page and reader, then whether every count is equal at both sizes."""
    rows: list[Figure] = []
    for name, _path in PAGES:
        for reader in READERS:
            count = main.count(name, reader)
            rows.append(
                Figure(
                    "P2",
                    f"SQL statements, {name} page, {reader}, rendered (no page cache)",
                    f"{count} at {main.posts:,} posts",
                    f"<= {TARGET}",
                    count <= TARGET,
                    NOTES[reader],
                )
            )
    unequal = [
        f"{name} {reader} {reference.count(name, reader)} vs {main.count(name, reader)}"
        for name, _path in PAGES
        for reader in READERS
        if reference.count(name, reader) != main.count(name, reader)
    ]
    rows.append(
        Figure(
            "P2",
            f"SQL statements equal at {reference.posts} and {main.posts:,} posts (3 pages x 2 "
            "readers)",
            "equal" if not unequal else "; ".join(unequal),
            "equal",
            not unequal,
        )
    )
    return rows


def statement_figures(posts: int = 1_000) -> list[Figure]:
    """Seed `posts` (and 10) posts, count every page's statements; the P2 rows of the table.

    To count on a database seeded already, call `count_statements` on it and on a 10-post
    one, then `figures_from(main, reference)`.
    """
    posts = max(REFERENCE_POSTS, min(posts, MAX_POSTS))
    main = count_seeded(posts)
    reference = count_seeded(REFERENCE_POSTS)
    return figures_from(main, reference)


def _show(counted: Counted) -> None:
    for (name, reader), statements in counted.statements.items():
        print(f"\n{name} page, {reader}, {counted.posts} posts: {len(statements)} statements")
        for number, sql in enumerate(statements, 1):
            print(f"  {number:2d}. {' '.join(sql.split())[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000, help=f"<= {MAX_POSTS:,}")
    parser.add_argument("--show", action="store_true", help="print every statement")
    options = parser.parse_args()
    if not REFERENCE_POSTS <= options.posts <= MAX_POSTS:
        parser.error(f"--posts must be from {REFERENCE_POSTS} to {MAX_POSTS:,}")
    main_counts = count_seeded(options.posts)
    reference = count_seeded(REFERENCE_POSTS)
    if options.show:
        _show(main_counts)
        print()
    print_figures(figures_from(main_counts, reference))


if __name__ == "__main__":
    main()
