"""The scheduler's loop: every few seconds, run each job that is due and whose lease we get.

Safe to run on several machines at once (see `lease`). While the database is away it logs one
line, backs off and goes on when it returns; a job that fails is logged, recorded on its row
and tried again at its next turn.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import Sequence

from forum.core.clock import Clock, SystemClock
from forum.core.outage import Outage, is_outage
from forum.db import Database
from forum.scheduler import lease
from forum.scheduler.jobs import Job

logger = logging.getLogger("forum.scheduler")
TICK = 15.0  # seconds between looks at what is due


def holder_name() -> str:
    """Who holds a lease: this machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


async def run_due(db: Database, jobs: Sequence[Job], *, holder: str, clock: Clock) -> list[str]:
    """Run every job that is due and whose lease this holder gets; return what each said."""
    said = []
    for job in jobs:
        now = clock.now()
        async with db.transaction() as session:
            mine = await lease.take(session, name=job.name, every=job.every, holder=holder, now=now)
        if not mine:
            continue
        error = ""
        try:
            said.append(f"{job.name}: {await job.run(db, now)}")
        except Exception as failure:
            if is_outage(failure):
                raise  # the loop waits for the database; the lease lapses by itself
            logger.exception("job %s failed", job.name)
            error = f"{type(failure).__name__}: {failure}"
            said.append(f"{job.name}: failed ({error[:200]})")
        async with db.transaction() as session:
            await lease.release(session, name=job.name, holder=holder, now=clock.now(), error=error)
    return said


async def run_scheduler(
    db: Database,
    jobs: Sequence[Job],
    *,
    once: bool = False,
    tick: float = TICK,
    clock: Clock | None = None,
    max_loops: int | None = None,
) -> None:
    """Run due jobs every `tick` seconds (one round if `once`), printing what each did."""
    clock = clock or SystemClock()
    holder = holder_name()
    outage = Outage("scheduler")
    loops = 0
    while True:
        try:
            for line in await run_due(db, jobs, holder=holder, clock=clock):
                sys.stdout.write(f"{clock.now():%Y-%m-%d %H:%M:%S} {line}\n")
            sys.stdout.flush()
            outage.recovered()
            wait = tick
        except Exception as error:
            if not is_outage(error):
                raise
            wait = outage.failed(error)
        loops += 1
        if once or (max_loops is not None and loops >= max_loops):
            return
        await asyncio.sleep(wait)
