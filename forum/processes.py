"""The forum's processes and long commands: serving, the scheduler, the newsletter's round.

`forum.cli` parses the command line and calls these; they print for a person at a terminal
(a banner, a progress bar) and leave the work to the areas' services.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from forum.accounts.sessions import session_policy
from forum.core.clock import SystemClock
from forum.db import Database
from forum.newsletter.due import DueReport, queue_due
from forum.scheduler.jobs import schedule
from forum.scheduler.runner import run_scheduler
from forum.schema import SchemaBehind, check_schema
from forum.settings import Settings


def progress_bar(done: int, total: int) -> None:
    """Draw a progress bar on a terminal; print nothing when output goes to a file (cron)."""
    if not sys.stdout.isatty() or total <= 0:
        return
    width = 30
    filled = width * done // total
    sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stdout.write("\n")
    sys.stdout.flush()


async def newsletter_send_due(settings: Settings) -> DueReport:
    from forum.app import create_app

    app = create_app(settings)  # the mails link to the app's named pages
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        return await queue_due(
            db,
            postman=app.state.postman,
            secret=settings.secret_key,
            now=SystemClock().now(),
            progress=progress_bar,
        )
    finally:
        await db.dispose()


def serve_banner(host: str, port: int, *, program: str) -> str:
    """What to print before serving: where the forum is and how to get in as an admin."""
    return (
        f"The forum is at http://{host}:{port}/ (Ctrl-C stops it).\n"
        "To moderate and run discussions, make an admin account (in another terminal):\n"
        f"  {program} create-admin --email you@example.org --name 'Your Name'\n"
        "then sign in with that address and the password you chose."
    )


def _program() -> str:
    """How the person typed this command: `.venv/bin/forum` from the project folder."""
    path = Path(sys.argv[0])
    if path.name != "forum":
        return "forum"
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


LOCAL_PROXIES = ("127.0.0.1", "::1")  # --proxy-headers without FORUM_TRUSTED_PROXIES


def serve(settings: Settings, host: str, port: int, *, workers: int, proxy_headers: bool) -> int:
    import uvicorn

    from forum.app import create_app

    if proxy_headers and not settings.trusted_proxies:
        settings = replace(settings, trusted_proxies=LOCAL_PROXIES)
        os.environ["FORUM_TRUSTED_PROXIES"] = ",".join(LOCAL_PROXIES)  # for the workers too
    try:
        check_schema(settings)
    except SchemaBehind as behind:
        sys.stderr.write(f"{behind}\n")
        return 1
    sys.stdout.write(serve_banner(host, port, program=_program()) + "\n")
    sys.stdout.flush()
    if workers > 1:
        # Each worker process imports the app and reads the same settings from the environment.
        uvicorn.run(
            "forum.asgi:app",
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,
            log_config=None,  # ours (configure_logging): one line per request, with its id
            access_log=False,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            proxy_headers=False,
            log_config=None,
            access_log=False,
        )
    return 0


async def scheduler(settings: Settings, *, once: bool) -> None:
    from forum.app import create_app

    app = create_app(settings)  # the newsletter's mails link to the app's named pages
    jobs = schedule(
        postman=app.state.postman, secret=settings.secret_key, policy=session_policy(settings)
    )
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        await run_scheduler(db, jobs, once=once)
    finally:
        await db.dispose()
