"""A worker gives the memory its C heap holds free back to the system (glibc only).

Each page a worker builds makes and drops many objects. What Python frees, glibc's malloc
keeps for later: it returns to the system only the free memory at its heap's very top, and
it opens one more heap (an "arena") for each thread that allocates at the same moment as
another, up to eight per CPU. SQLite's connections each run on a thread of aiosqlite's.
Measured on the memory bench at 100,000 posts (`bench/memory.py`), a worker held about
7 MB free in its heap and 5 MB in its extra arenas.

So a serving process, on glibc:
- keeps at most `ARENAS` arenas (`mallopt(M_ARENA_MAX)`), unless MALLOC_ARENA_MAX is set in
  its environment, which glibc reads itself and which then wins;
- every `TRIM_EVERY` seconds asks glibc to return every free page of its heaps
  (`malloc_trim(0)`), in a thread, so the event loop goes on meanwhile.

Elsewhere (musl, macOS) both do nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
from collections.abc import Callable
from functools import cache

M_ARENA_MAX = -8  # glibc's <malloc.h>
ARENAS = 2
TRIM_EVERY = 5.0  # seconds


@cache
def _glibc() -> ctypes.CDLL | None:
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
    except (ValueError, OSError, AttributeError):  # not glibc, or no confstr at all
        return None
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


def limit_arenas() -> bool:
    """Keep this process to ARENAS malloc arenas; say whether the limit was set here."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, ARENAS))


def trim() -> bool:
    """Return the heaps' free pages to the system; say whether any was returned."""
    libc = _glibc()
    return libc is not None and bool(libc.malloc_trim(0))


async def keep_trimming(every: float = TRIM_EVERY, trim: Callable[[], bool] = trim) -> None:
    """Trim every `every` seconds until cancelled."""
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(trim)
