"""A kept session serves only under the counts it was found under, within its age, and
while the clock still allows the session."""

from __future__ import annotations

from datetime import timedelta

from forum.accounts.session_cache import SessionCache, Stamp
from forum.accounts.sessions import SessionPolicy, SignedIn
from forum.models import User, UserSession
from tests.conftest import NOW

POLICY = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))
STAMP = Stamp(people=5, local=2)


def _found(state: str = "active") -> SignedIn:
    user = User(id=7, email="ines@example.org", display_name="Inès", state=state, created_at=NOW)
    session = UserSession(
        id=3,
        token_hash="h",
        user_id=7,
        created_at=NOW,
        last_seen_at=NOW,
        expires_at=NOW + timedelta(days=60),
    )
    return SignedIn(user, session, has_unshared_posts=False)


def test_a_kept_session_serves_under_the_same_counts_only() -> None:
    cache = SessionCache(POLICY)
    found = _found()
    cache.keep("token-1", found, stamp=STAMP)
    assert cache.find("token-1", stamp=STAMP, now=NOW) is found
    assert cache.find("token-2", stamp=STAMP, now=NOW) is None
    assert cache.find("token-1", stamp=Stamp(people=6, local=2), now=NOW) is None
    assert cache.find("token-1", stamp=Stamp(people=5, local=3), now=NOW) is None
    assert cache.find("token-1", stamp=None, now=NOW) is None


def test_nothing_is_kept_without_counts_read_lately() -> None:
    cache = SessionCache(POLICY)
    cache.keep("token-1", _found(), stamp=None)
    assert cache.find("token-1", stamp=STAMP, now=NOW) is None


def test_the_clock_still_ends_a_kept_session() -> None:
    cache = SessionCache(POLICY)
    cache.keep("token-1", _found(), stamp=STAMP)
    assert cache.find("token-1", stamp=STAMP, now=NOW + timedelta(days=15)) is None  # idle
    cache.keep("token-1", _found(state="banned"), stamp=STAMP)
    assert cache.find("token-1", stamp=STAMP, now=NOW) is None


def test_an_entry_serves_for_its_age_at_most() -> None:
    cache = SessionCache(POLICY, max_age=0.0)
    cache.keep("token-1", _found(), stamp=STAMP)
    assert cache.find("token-1", stamp=STAMP, now=NOW) is None


def test_the_cache_keeps_a_bounded_number_and_never_the_raw_token() -> None:
    cache = SessionCache(POLICY, max_entries=8)
    for index in range(20):
        cache.keep(f"token-{index}", _found(), stamp=STAMP)
    assert len(cache.kept.items) <= 8
    assert cache.find("token-19", stamp=STAMP, now=NOW) is not None
    assert cache.find("token-0", stamp=STAMP, now=NOW) is None
    assert not any("token" in key for key in cache.kept.items)
