"""Who a session cookie stands for, kept by one process while nothing about people changes.

A signed-in page would otherwise start with a statement to find the session, its person and
whether they have a post only they see; on a page whose content is kept (`web/fragments.py`)
that lookup is most of the work. The cache keeps what the lookup found, stamped with the count
of changes to people (`core/changes.py`) as last read by the process's background reader and
as counted by this process's own commits. An entry serves only while both are unchanged, for
at most MAX_AGE seconds, and only while the session is still valid by the clock.

So a change made in this process (a sign-out, a ban, a new post, a new name) shows on the very
next page; one made in another process shows once the reader has read it, a quarter of a second
later and never more than a second (`core/versions.STALE_AFTER`: past that nothing is trusted).
Requests that change something (POST and the like) never use the cache: an ended session may
read a page for that moment more, but never act.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from forum.accounts.sessions import SessionPolicy, SignedIn, hash_token, still_valid
from forum.core.lru import Lru

MAX_AGE = 60.0  # seconds an entry serves at most, whatever the counts say
MAX_ENTRIES = 4096  # sessions kept, the least recently used dropped first


@dataclass(frozen=True, slots=True)
class Stamp:
    """The counts of changes to people an entry was found under: every process's, as the
    background reader last read it, and this process's own."""

    people: int
    local: int


@dataclass(frozen=True, slots=True)
class _Kept:
    found: SignedIn
    stamp: Stamp
    at: float  # time.monotonic() when kept


class SessionCache:
    """Sessions found lately, by the hash of their token (the raw token is never kept)."""

    def __init__(
        self, policy: SessionPolicy, *, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE
    ) -> None:
        self.policy = policy
        self.max_age = max_age
        self.kept: Lru[str, _Kept] = Lru(max_entries, lambda _kept: 1)

    def find(self, raw_token: str, *, stamp: Stamp | None, now: datetime) -> SignedIn | None:
        """Return who `raw_token` stands for if kept under `stamp` and still valid, else None
        (then ask the database). No stamp (the counts not read lately): always None."""
        if stamp is None:
            return None
        kept = self.kept.get(hash_token(raw_token))
        if kept is None or kept.stamp != stamp or time.monotonic() - kept.at >= self.max_age:
            return None
        if not still_valid(kept.found, policy=self.policy, now=now):
            return None
        return kept.found

    def keep(self, raw_token: str, found: SignedIn, *, stamp: Stamp | None) -> None:
        """Keep what the database said, under the stamp taken BEFORE asking it."""
        if stamp is not None:
            self.kept.put(hash_token(raw_token), _Kept(found, stamp, time.monotonic()))

    def clear(self) -> None:
        self.kept.clear()
