"""The `forum` command: serve, migrate, demo, import, export, analyse, create-admin, newsletter,
worker, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from forum.backups import BackupRefused, UsePgDump, backup, restore
from forum.core.clock import SystemClock
from forum.core.errors import N_, FormInvalid, ImportRefused, NotFound
from forum.core.i18n import I18n, load_catalogs
from forum.db import Database
from forum.discussions.demo import demo_specs, load_demo_discussion
from forum.discussions.exporting import Export, export_discussion
from forum.discussions.filechanges import NOTHING
from forum.discussions.importing import import_discussion, read_discussion_file
from forum.discussions.updating import update_discussion
from forum.exports.cli import run_export
from forum.exports.formats import Format
from forum.logs import configure_logging
from forum.mail.worker import run_worker
from forum.processes import newsletter_send_due, progress_bar, scheduler, serve
from forum.schema import code_revisions, migrate
from forum.settings import SUPPORTED_LANGUAGES, Settings, SettingsError
from forum.synthesis.demo import Publisher


def migrate_report(before: str | None, after: str | None) -> str:
    """Say what `forum migrate` did, in one line."""
    if before is None:
        return f"Database created and migrated to revision {after}."
    if before == after:
        return f"Database already up to date (revision {after})."
    return f"Database migrated from revision {before} to {after}."


async def load_demo(settings: Settings) -> list[tuple[str, int | None]]:
    """Load every demo discussion not yet stored; return (slug, posts added or None) for each."""
    from forum.app import create_app

    app = create_app(settings)  # the synthesis links to posts and tells subscribers by mail
    publisher = Publisher(
        catalogs=app.state.catalogs,
        links=app.state.site_links,
        postman=app.state.postman,
        secret=settings.secret_key,
    )
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    now = SystemClock().now()
    results = []
    try:
        for spec, files, source in demo_specs(now.date(), settings.languages):
            async with db.transaction() as session:
                added = await load_demo_discussion(
                    session,
                    spec,
                    files,
                    now=now,
                    source=source,
                    data_dir=settings.data_dir,
                    publisher=publisher,
                )
            results.append((spec.slug, added))
    finally:
        await db.dispose()
    return results


def demo_report(added: int | None) -> str:
    """Say what `forum demo` did with one discussion."""
    if added is None:
        return "already there, left as it is"
    return f"added, with {added} posts" if added else "added"


IMPORTED = N_("The discussion “%(slug)s” is imported.")
DRY_RUN = N_("Nothing is written yet: run again with --apply to make these changes.")
APPLIED = N_("These changes are written.")
NO_SUCH_DISCUSSION = N_("There is no discussion with the address “%(slug)s”.")


def _say(i18n: I18n, message: str, **params: object) -> str:
    return i18n.gettext(message) % params if params else i18n.gettext(message)


async def _import(settings: Settings, args: argparse.Namespace, i18n: I18n) -> list[str]:
    """Create (or, with --update, update) the discussion the file describes; say what was done."""
    spec, files = read_discussion_file(
        args.file, settings.languages, max_document_bytes=settings.max_document_bytes
    )
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        async with db.transaction() as session:
            if not args.update:
                now = SystemClock().now()
                await import_discussion(
                    session,
                    spec,
                    files,
                    now=now,
                    source=str(args.file),
                    data_dir=settings.data_dir,
                    max_document_bytes=settings.max_document_bytes,
                )
                return [_say(i18n, IMPORTED, slug=spec.slug)]
            changes = await update_discussion(
                session,
                spec,
                files,
                now=SystemClock().now(),
                apply=args.apply,
                source=str(args.file),
                slug=args.discussion,
                data_dir=settings.data_dir,
                max_document_bytes=settings.max_document_bytes,
            )
    finally:
        await db.dispose()
    if not changes:
        return [_say(i18n, NOTHING)]
    return [change.text(i18n) for change in changes] + [
        _say(i18n, APPLIED if args.apply else DRY_RUN)
    ]


async def _export(settings: Settings, slug: str, documents: Path | None) -> Export:
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        async with db.session() as session:
            export = await export_discussion(session, slug, data_dir=settings.data_dir)
    finally:
        await db.dispose()
    if documents is not None:
        for name, content in export.files.items():
            path = documents / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return export


async def _analyse(settings: Settings, slug: str) -> int:
    """Find a discussion's themes again and keep them; return how many key phrases."""
    from forum.analysis.themes import extract_themes

    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        async with db.transaction() as session:
            return await extract_themes(session, slug=slug, now=SystemClock().now())
    finally:
        await db.dispose()


async def _create_admin(settings: Settings, email: str, name: str, password: str) -> str:
    from forum.accounts.accounts import create_admin

    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        async with db.transaction() as session:
            user = await create_admin(
                session, email=email, display_name=name, password=password, now=SystemClock().now()
            )
    finally:
        await db.dispose()
    return user.email


def _admin_password() -> str:
    """Read the password from FORUM_ADMIN_PASSWORD, or ask for it twice on a terminal."""
    from_env = os.environ.get("FORUM_ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SystemExit("forum: set FORUM_ADMIN_PASSWORD or run create-admin on a terminal")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("forum: the two passwords differ; nothing was changed")
    return first


def _backup_or_restore(settings: Settings, args: argparse.Namespace, i18n: I18n) -> str:
    """Run `forum backup` or `forum restore`; say what was written."""
    url, data_dir = settings.database_url, settings.data_dir
    if args.command == "backup":
        now = SystemClock().now()
        return backup(database_url=url, data_dir=data_dir, output=args.output, now=now).text(i18n)
    revisions = code_revisions()
    return restore(args.path, database_url=url, data_dir=data_dir, revisions=revisions).text(i18n)


def _workers(text: str) -> int:
    number = int(text)
    if not 1 <= number <= 64:
        raise argparse.ArgumentTypeError("give between 1 and 64 workers")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forum", description="A moderated, multilingual e-discussion forum."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the forum with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=_workers, default=1, help="processes to serve with (default 1)"
    )
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="believe X-Forwarded-For/-Proto from FORUM_TRUSTED_PROXIES (default: this machine)",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("demo", help="load the demo discussions (skips those already there)")
    load = commands.add_parser(
        "import", help="create a discussion from a TOML file, or update one with --update"
    )
    load.add_argument("file", type=Path)
    load.add_argument(
        "--update", action="store_true", help="update the stored discussion: say what changes"
    )
    load.add_argument("--apply", action="store_true", help="with --update: write the changes")
    load.add_argument(
        "--discussion", metavar="SLUG", help="with --update: the discussion to update"
    )
    load.add_argument("--language", choices=SUPPORTED_LANGUAGES, default="en")
    export = commands.add_parser(
        "export-discussion", help="print a discussion as a TOML file forum import reads"
    )
    export.add_argument("slug")
    export.add_argument(
        "--documents", type=Path, metavar="DIR", help="also write the documents' files there"
    )
    export.add_argument("--language", choices=SUPPORTED_LANGUAGES, default="en")
    analyse = commands.add_parser(
        "analyse", help="find a discussion's themes (key phrases) again and keep them"
    )
    analyse.add_argument("slug")
    analyse.add_argument("--language", choices=SUPPORTED_LANGUAGES, default="en")
    posts = commands.add_parser(
        "export", help="write every post of a discussion as CSV, JSON or JSON lines"
    )
    posts.add_argument("slug")
    posts.add_argument("--format", choices=[f.value for f in Format], default=Format.CSV.value)
    posts.add_argument("--output", type=Path, metavar="FILE", help="write there, not to stdout")
    posts.add_argument("--language", choices=SUPPORTED_LANGUAGES, default="en")
    admin = commands.add_parser(
        "create-admin", help="make an admin account (password from FORUM_ADMIN_PASSWORD or asked)"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="")
    letters = commands.add_parser("newsletter", help="newsletter mail")
    actions = letters.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser(
        "send-due", help="queue the announcements and digests due now (`forum worker` sends them)"
    )
    scheduler = commands.add_parser(
        "scheduler", help="run the newsletter's due mails and housekeeping, each when due"
    )
    scheduler.add_argument("--once", action="store_true", help="one round, then stop (cron)")
    worker = commands.add_parser("worker", help="send the mail outbox, with retries")
    worker.add_argument("--once", action="store_true", help="one round, then stop")
    worker.add_argument("--interval", type=float, default=10.0, help="seconds between rounds")
    save = commands.add_parser("backup", help="copy the SQLite database and documents to a folder")
    save.add_argument("--output", type=Path, metavar="DIR", default=Path("."), help="under DIR")
    back = commands.add_parser("restore", help="bring a backup back where there is nothing yet")
    back.add_argument("path", type=Path, help="the backup's folder")
    for command in (save, back):
        command.add_argument("--language", choices=SUPPORTED_LANGUAGES, default="en")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "worker", "scheduler"):
        configure_logging()  # JSON lines unless on a terminal
    try:
        settings = Settings.from_environ()
        if args.command == "serve":
            return serve(
                settings,
                args.host,
                args.port,
                workers=args.workers,
                proxy_headers=args.proxy_headers,
            )
        elif args.command == "migrate":
            print(migrate_report(*migrate(settings)))
        elif args.command == "demo":
            for slug, added in asyncio.run(load_demo(settings)):
                print(f"{slug}: {demo_report(added)}")
        elif args.command == "import":
            i18n = load_catalogs([args.language])[args.language]
            try:
                print("\n".join(asyncio.run(_import(settings, args, i18n))))
            except ImportRefused as error:
                print(_say(i18n, error.message), file=sys.stderr)
                print("\n".join(error.report(i18n)), file=sys.stderr)
                return 1
        elif args.command == "export-discussion":
            try:
                sys.stdout.write(asyncio.run(_export(settings, args.slug, args.documents)).text)
            except NotFound:
                i18n = load_catalogs([args.language])[args.language]
                print(_say(i18n, NO_SUCH_DISCUSSION, slug=args.slug), file=sys.stderr)
                return 1
        elif args.command == "analyse":
            try:
                found = asyncio.run(_analyse(settings, args.slug))
            except NotFound:
                i18n = load_catalogs([args.language])[args.language]
                print(_say(i18n, NO_SUCH_DISCUSSION, slug=args.slug), file=sys.stderr)
                return 1
            print(f"{args.slug}: {found} key phrases kept")
        elif args.command == "export":
            try:
                asyncio.run(run_export(settings, args.slug, Format(args.format), args.output))
            except NotFound:
                i18n = load_catalogs([args.language])[args.language]
                print(_say(i18n, NO_SUCH_DISCUSSION, slug=args.slug), file=sys.stderr)
                return 1
        elif args.command == "create-admin":
            password = _admin_password()
            email = asyncio.run(_create_admin(settings, args.email, args.name, password))
            print(f"{email} is an admin")
        elif args.command == "newsletter":
            report = asyncio.run(newsletter_send_due(settings))
            print(report.summary())
        elif args.command == "scheduler":
            asyncio.run(scheduler(settings, once=args.once))
        elif args.command in ("backup", "restore"):
            i18n = load_catalogs([args.language])[args.language]
            try:
                print(_backup_or_restore(settings, args, i18n))
            except UsePgDump as error:
                print(_say(i18n, error.message), *error.commands, sep="\n  ", file=sys.stderr)
                return 2
            except BackupRefused as error:
                print(f"forum: {_say(i18n, error.message, **error.params)}", file=sys.stderr)
                return 1
        elif args.command == "worker":
            asyncio.run(
                run_worker(settings, once=args.once, interval=args.interval, progress=progress_bar)
            )
    except SettingsError as error:
        print(f"forum: configuration error: {error}", file=sys.stderr)
        return 2
    except FormInvalid as error:
        for field, message in error.errors.items():
            print(f"forum: {field}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
