"""The scheduler's rounds: each job when due, a failing job recorded and tried again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from forum.core.clock import FixedClock
from forum.db import Database
from forum.scheduler import lease
from forum.scheduler.jobs import Job
from forum.scheduler.runner import run_due, run_scheduler


async def test_each_job_runs_when_due_and_a_failure_is_recorded(
    db: Database, clock: FixedClock
) -> None:
    runs: list[str] = []

    async def often(_db: Database, now: datetime) -> str:
        runs.append(f"often {now:%H:%M}")
        return "done"

    async def broken(_db: Database, _now: datetime) -> str:
        raise ValueError("no such thing")

    jobs = [Job("often", timedelta(minutes=1), often), Job("broken", timedelta(minutes=1), broken)]
    first = await run_due(db, jobs, holder="here:1", clock=clock)
    again = await run_due(db, jobs, holder="here:1", clock=clock)
    clock.advance(timedelta(minutes=1))
    later = await run_due(db, jobs, holder="here:1", clock=clock)
    assert first == ["often: done", "broken: failed (ValueError: no such thing)"]
    assert again == []  # nothing due within the minute
    assert later == first and len(runs) == 2
    async with db.session() as session:
        rows = {job.name: job for job in await lease.jobs(session)}
    assert rows["broken"].last_error == "ValueError: no such thing"
    assert rows["often"].last_error == "" and rows["often"].lease_until is None


async def test_once_runs_one_round_and_prints_it(
    db: Database, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async def hello(_db: Database, _now: datetime) -> str:
        return "hello"

    await run_scheduler(db, [Job("hello", timedelta(hours=1), hello)], once=True, clock=clock)
    assert capsys.readouterr().out.endswith("hello: hello\n")
