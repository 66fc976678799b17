"""A signed-in person's session cookie for the benches, made as signing in makes it."""

from __future__ import annotations

from datetime import UTC, datetime

from seed import settings_for


async def session_cookie(database_url: str, secret_key: str, email: str) -> str:
    """Open a session for the person with `email` (forum.accounts.sessions.start_session, the
    way the sign-in page does) and return the Cookie header that carries it."""
    from sqlmodel import col, select

    from forum.accounts.sessions import session_policy, start_session
    from forum.db import Database
    from forum.models import User

    settings = settings_for(database_url, secret_key)
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            user_id = await session.scalar(select(col(User.id)).where(col(User.email) == email))
            if user_id is None:
                raise SystemExit(f"bench: nobody has the address {email}")
            raw = await start_session(
                session, user_id=user_id, policy=session_policy(settings), now=datetime.now(UTC)
            )
    finally:
        await db.dispose()
    return f"{settings.session_cookie}={raw}"
