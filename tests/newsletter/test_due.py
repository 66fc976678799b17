"""Newsletter mail that falls due: new question sets, new discussions and weekly digests."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select

from forum.app import TEMPLATES
from forum.core.i18n import build_templates, load_catalogs
from forum.core.text import render_markdown
from forum.db import Database
from forum.mail.compose import Postman
from forum.mail.worker import send_due
from forum.models import (
    DigestRun,
    Discussion,
    OutboxMessage,
    Post,
    Question,
    QuestionSet,
    SubscribedDiscussion,
    Subscriber,
    User,
    WeeklySummary,
)
from forum.models.types import PostStatus, QuoteConsent
from forum.newsletter.content import excerpt
from forum.newsletter.due import DueReport, digest_period, queue_due
from forum.newsletter.subscriptions import manage_token
from forum.settings import Settings
from tests.conftest import SECRET
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user, outbox, site_links
from tests.smtp import free_port, smtp_server

SLUG = "remote-apprenticeships"
OTHER = "green-skills"
BASE = "http://127.0.0.1:8000"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday; week 2 opens a week later
WEEK_TWO = START + timedelta(days=7)
LUCIA = "lucia@example.org"  # Spanish, follows every discussion
PIERRE = "pierre@example.org"  # French, follows only OTHER
TEMPLATES_ENV = build_templates(TEMPLATES)
CATALOGS = load_catalogs(("en", "es", "fr"))
ES = CATALOGS["es"]
POSTMAN = Postman(TEMPLATES_ENV, CATALOGS, BASE, default_language="en", links=site_links(BASE))

EN_POST = (
    "Our **small firm** paired each apprentice with a retired technician who phoned twice a "
    "week. The calls were short, but [the notes](https://example.org/notes) they kept became "
    "the backbone of the assessment at the end of the year. We would do it again, and we "
    "would start earlier, before the workshops closed, so that nobody lost the thread of "
    "what they had learned. Employers in the region now ask for the same arrangement."
)
ES_POST = "En nuestra cooperativa cada aprendiz grababa un vídeo corto de su práctica."
FR_POST = "Dans notre atelier, les apprentis tenaient un carnet de bord partagé."
ES_COMMENT = "Gracias a los moderadores por reunir tantas experiencias distintas."
ES_LATE = "Una semana después: las empresas pequeñas necesitan apoyo para tutorizar."
ES_PENDING = "Este texto aún espera a un moderador y no debe aparecer."
SUMMARY = "**Resumen de la semana 1:** el contacto diario con tutores fue decisivo."


@dataclass(frozen=True)
class World:
    discussion_id: int
    other_id: int
    lucia: Subscriber
    pierre: Subscriber
    posts: dict[str, int]


async def _subscriber(
    db: Database, email: str, language: str, *, status: str, follows: int | None
) -> Subscriber:
    async with db.transaction() as session:
        subscriber = Subscriber(
            email=email,
            language=language,
            all_discussions=follows is None,
            status=status,
            created_at=START - timedelta(days=3),
            confirmed_at=START - timedelta(days=3),
        )
        session.add(subscriber)
        await session.flush()
        if follows is not None:
            assert subscriber.id is not None
            session.add(SubscribedDiscussion(subscriber_id=subscriber.id, discussion_id=follows))
    return subscriber


async def _post(
    db: Database,
    discussion_id: int,
    author: User,
    *,
    number: int | None,
    language: str,
    source: str,
    approved_at: datetime | None,
) -> int:
    async with db.transaction() as session:
        question_id = None
        if number is not None:
            question_id = await session.scalar(
                select(Question.id).where(
                    Question.discussion_id == discussion_id, Question.number == number
                )
            )
        post = Post(
            discussion_id=discussion_id,
            question_id=question_id,
            author_id=author.id or 0,
            language=language,
            source=source,
            html=render_markdown(source),
            status=(PostStatus.APPROVED if approved_at else PostStatus.PENDING).value,
            quote_consent=QuoteConsent.BY_NAME.value,
            created_at=(approved_at or START) - timedelta(hours=1),
            approved_at=approved_at,
        )
        session.add(post)
        await session.flush()
        assert post.id is not None
        post.thread_id = post.id
    return post.id


async def _summary(db: Database, discussion_id: int, position: int, author: User) -> None:
    async with db.transaction() as session:
        set_id = await session.scalar(
            select(QuestionSet.id).where(
                QuestionSet.discussion_id == discussion_id, QuestionSet.position == position
            )
        )
        assert set_id is not None
        session.add(
            WeeklySummary(
                question_set_id=set_id,
                language="es",
                source=SUMMARY,
                html=render_markdown(SUMMARY),
                author_id=author.id,
                updated_at=WEEK_TWO - timedelta(hours=2),
            )
        )


async def make_world(db: Database) -> World:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=START)
        later = START + timedelta(days=60)  # nothing of it is due during these tests
        await add_discussion(session, discussion_data(slug=OTHER, start=later), now=START)
    async with db.session() as session:
        ids = dict((await session.execute(select(Discussion.slug, Discussion.id))).all())
    discussion_id, other_id = ids[SLUG], ids[OTHER]
    lucia = await _subscriber(db, LUCIA, "es", status="confirmed", follows=None)
    pierre = await _subscriber(db, PIERRE, "fr", status="confirmed", follows=other_id)
    await _subscriber(db, "pendiente@example.org", "es", status="pending", follows=None)
    maria = await make_user(db, email="maria@example.org", name="María Pérez")
    tom = await make_user(db, email="tom@example.org", name="Tom Baker", language="en")
    claire = await make_user(db, email="claire@example.org", name="Claire Roux", language="fr")
    day = timedelta(days=1)

    async def post(author: User, number: int | None, lang: str, text: str, at: Any) -> int:
        return await _post(
            db, discussion_id, author, number=number, language=lang, source=text, approved_at=at
        )

    posts = {
        "es": await post(maria, 2, "es", ES_POST, START + day),
        "en": await post(tom, 1, "en", EN_POST, START + 2 * day),
        "fr": await post(claire, 1, "fr", FR_POST, START + 3 * day),
        "comment": await post(maria, None, "es", ES_COMMENT, START + 4 * day),
        "pending": await post(maria, 3, "es", ES_PENDING, None),
        "late": await post(maria, 7, "es", ES_LATE, WEEK_TWO + day),
    }
    await _summary(db, discussion_id, 1, maria)
    return World(discussion_id, other_id, lucia, pierre, posts)


async def run(db: Database, now: datetime, **options: Any) -> DueReport:
    return await queue_due(
        db,
        postman=POSTMAN,
        secret=SECRET,
        now=now,
        **options,
    )


def kind(messages: list[OutboxMessage], prefix: str) -> list[OutboxMessage]:
    return [m for m in messages if (m.dedupe_key or "").startswith(prefix + ":")]


def es(message: str, **values: Any) -> str:
    """The Spanish catalog's version of a message (English until it is translated)."""
    return ES.gettext(message) % values if values else ES.gettext(message)


def manage_url(subscriber: Subscriber, language: str = "es") -> str:
    assert subscriber.id is not None
    return f"{BASE}/{language}/newsletter/manage/{manage_token(SECRET, subscriber.id)}"


async def test_week_two_opening_announces_its_questions_in_spanish(db: Database) -> None:
    world = await make_world(db)

    report = await run(db, WEEK_TWO)

    messages = await outbox(db)
    assert PIERRE not in {m.to_address for m in messages}
    assert {m.to_address for m in messages} == {LUCIA}
    [mail] = kind(messages, "set-open")
    week = await _set_id(db, world.discussion_id, 2)
    assert mail.dedupe_key == f"set-open:{week}:{world.lucia.id}"
    assert report.set_announcements == 1 and report.discussion_notices == 0
    assert mail.language == "es"
    title = "Aprendizaje a distancia"
    subject = "Questions for week %(number)s are open: %(title)s"
    assert mail.subject == es(subject, number=2, title=title)
    assert "Semana 2: mantener el contacto" in mail.text_body
    assert "Semana 1" not in mail.text_body
    for number in range(7, 12):
        link = f"{BASE}/es/discussions/{SLUG}/questions/{number}"
        assert f"Pregunta {number}: ¿qué funcionó para el alumnado de su región?" in mail.text_body
        assert f"{link}\n" in mail.text_body
        assert f'href="{link}"' in mail.html_body
    assert "/questions/6" not in mail.text_body
    assert manage_url(world.lucia) in mail.text_body
    assert f'href="{manage_url(world.lucia)}"' in mail.html_body
    assert '<html lang="es">' in mail.html_body
    headers = json.loads(mail.extra_headers)
    assert headers["List-Unsubscribe"].startswith(f"<{BASE}/es/newsletter/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_unmailable_address_is_skipped_and_the_others_still_get_mail(
    db: Database,
) -> None:
    await make_world(db)
    await _subscriber(db, "dos palabras@example.org", "es", status="confirmed", follows=None)

    report = await run(db, WEEK_TWO)

    assert (report.set_announcements, report.digests) == (1, 1)
    assert report.skipped == 2  # the announcement and the digest, both refused for that address
    assert {m.to_address for m in await outbox(db)} == {LUCIA}
    assert len(await outbox(db, to=LUCIA)) == 2


async def test_reader_of_a_language_not_offered_gets_the_default_language(db: Database) -> None:
    await make_world(db)
    reader = await _subscriber(db, "leser@example.org", "de", status="confirmed", follows=None)

    await run(db, WEEK_TWO)

    [mail] = kind(await outbox(db, to="leser@example.org"), "set-open")
    assert mail.language == "en"
    assert mail.subject.startswith("Questions for week 2 are open")
    assert manage_url(reader, "en") in mail.text_body
    assert '<html lang="en">' in mail.html_body
    headers = json.loads(mail.extra_headers)
    assert headers["List-Unsubscribe"].startswith(f"<{BASE}/en/newsletter/unsubscribe/")


async def _set_id(db: Database, discussion_id: int, position: int) -> int:
    async with db.session() as session:
        set_id = await session.scalar(
            select(QuestionSet.id).where(
                QuestionSet.discussion_id == discussion_id, QuestionSet.position == position
            )
        )
    assert set_id is not None
    return set_id


async def test_weekly_digest_groups_approved_posts_under_the_summary(db: Database) -> None:
    world = await make_world(db)

    assert not kind(await outbox(db), "digest")
    await run(db, WEEK_TWO - timedelta(minutes=1))
    assert not kind(await outbox(db), "digest"), "a week has not passed yet"
    report = await run(db, WEEK_TWO + timedelta(hours=3))

    assert report.digests == 1
    [mail] = kind(await outbox(db), "digest")
    async with db.session() as session:
        [digest_run] = (await session.scalars(select(DigestRun))).all()
    assert (digest_run.period_start, digest_run.period_end) == (START, WEEK_TWO)
    assert mail.dedupe_key == f"digest:{digest_run.id}:{world.lucia.id}"
    assert mail.to_address == LUCIA and mail.language == "es"
    assert mail.subject == es("This week in “%(title)s”", title="Aprendizaje a distancia")
    text = mail.text_body
    order = [
        "Resumen de la semana 1:",
        "Pregunta 1: ¿qué funcionó",
        "Tom Baker " + es("(in %(language)s)", language="inglés") + ":",
        "Claire Roux " + es("(in %(language)s)", language="francés") + ":",
        "Pregunta 2: ¿qué funcionó",
        "María Pérez:\n  " + ES_POST,
        es("General comments"),
        ES_COMMENT,
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions), text
    for name, post_id in world.posts.items():
        link = f"{BASE}/es/discussions/{SLUG}/posts/{post_id}"
        shown = name in ("es", "en", "fr", "comment")
        assert (link in text) is shown and (f'href="{link}"' in mail.html_body) is shown, name
    assert ES_PENDING not in text and ES_LATE not in text
    assert "**" not in text.split(order[2])[1] and "small firm paired" in text
    assert "…" in text and EN_POST[-40:] not in text
    assert "<strong>Resumen de la semana 1:</strong>" in mail.html_body
    assert manage_url(world.lucia) in text
    assert json.loads(mail.extra_headers)["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert PIERRE not in {m.to_address for m in await outbox(db)}


async def test_later_digests_follow_the_weekly_grid_and_stop_after_closing(db: Database) -> None:
    world = await make_world(db)
    await run(db, WEEK_TWO + timedelta(hours=3))

    second = await run(db, START + timedelta(days=14, hours=5))
    empty = await run(db, START + timedelta(days=21, hours=1))  # closes at day 21
    after = await run(db, START + timedelta(days=35))

    assert (second.digests, empty.digests, after.digests) == (1, 0, 0)
    async with db.session() as session:
        runs = (await session.scalars(select(DigestRun).order_by(col(DigestRun.id)))).all()
    assert [(r.period_start - START, r.period_end - START) for r in runs] == [
        (timedelta(days=0), timedelta(days=7)),
        (timedelta(days=7), timedelta(days=14)),
        (timedelta(days=14), timedelta(days=21)),  # kept, though nothing was sent for it
    ]
    digests = kind(await outbox(db), "digest")
    assert [m.dedupe_key for m in digests] == [
        f"digest:{runs[0].id}:{world.lucia.id}",
        f"digest:{runs[1].id}:{world.lucia.id}",
    ]
    late = digests[1].text_body
    assert ES_LATE in late and ES_POST not in late
    assert "Pregunta 7:" in late and "Resumen" not in late


async def test_running_twice_or_concurrently_queues_nothing_twice(db: Database) -> None:
    await make_world(db)
    moment = WEEK_TWO + timedelta(hours=1)

    reports = await asyncio.gather(run(db, moment), run(db, moment + timedelta(minutes=7)))
    first = await outbox(db)
    again = await run(db, moment + timedelta(hours=2))

    assert sum(r.set_announcements for r in reports) == 1
    assert sum(r.digests for r in reports) == 1
    assert not again
    assert [m.id for m in await outbox(db)] == [m.id for m in first]
    assert sorted(m.dedupe_key or "" for m in first) == sorted({m.dedupe_key or "" for m in first})
    assert len(first) == 2
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(DigestRun)) == 1


async def test_new_discussion_is_announced_to_those_following_all(db: Database) -> None:
    world = await make_world(db)
    progress: list[tuple[int, int]] = []

    report = await run(db, START + timedelta(hours=1), progress=lambda *p: progress.append(p))

    assert (report.discussion_notices, report.set_announcements, report.digests) == (1, 1, 0)
    assert progress == [(1, 2), (2, 2)]
    [notice] = kind(await outbox(db), "discussion-open")
    assert notice.dedupe_key == f"discussion-open:{world.discussion_id}:{world.lucia.id}"
    assert notice.subject == es(
        "A new discussion is open: %(title)s", title="Aprendizaje a distancia"
    )
    assert "Cómo empresas y escuelas mantuvieron la formación." in notice.text_body
    assert f"{BASE}/es/discussions/{SLUG}\n" in notice.text_body
    assert "2 de marzo de 2026" in notice.text_body
    assert manage_url(world.lucia) in notice.html_body
    [week_one] = kind(await outbox(db), "set-open")
    assert f"{BASE}/es/discussions/{SLUG}/questions/1\n" in week_one.text_body
    assert PIERRE not in {m.to_address for m in await outbox(db)}


async def test_queries_do_not_grow_with_readers_or_posts(db: Database) -> None:
    world = await make_world(db)
    author = await make_user(db, email="otro@example.org", name="Otro Autor")

    async def selects() -> int:
        with counting(db) as counter:
            await run(db, WEEK_TWO)
        async with db.transaction() as session:
            await session.execute(delete(OutboxMessage))
            await session.execute(delete(DigestRun))
        return sum("outbox_messages" not in s for s in counter.statements)

    small = await selects()
    for index in range(6):
        await _subscriber(db, f"r{index}@example.org", "fr", status="confirmed", follows=None)
        await _post(
            db,
            world.discussion_id,
            author,
            number=index + 1,
            language="es",
            source=f"Aportación número {index} sobre tutorías a distancia.",
            approved_at=START + timedelta(hours=index + 1),
        )
    large = await selects()

    assert large == small


async def test_smtp_down_then_up_delivers_each_newsletter_mail_once(
    db: Database, settings: Settings
) -> None:
    await make_world(db)
    port = free_port()
    smtp = dataclasses.replace(settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)
    await run(db, WEEK_TWO)
    queued = await outbox(db)
    assert len(queued) == 2  # week 2's questions and week 1's digest

    down = await send_due(db, smtp, now=WEEK_TWO)

    assert (down.sent, down.retried, down.failed) == (0, 2, 0)
    assert {(m.status, m.attempts) for m in await outbox(db)} == {("pending", 1)}
    with smtp_server(port) as inbox:
        assert not await send_due(db, smtp, now=WEEK_TWO)  # backing off
        later = WEEK_TWO + timedelta(minutes=1, seconds=1)
        up = await send_due(db, smtp, now=later)
        again = await send_due(db, smtp, now=later + timedelta(hours=1))
        await run(db, later)  # queuing again after sending adds nothing
        still = await send_due(db, smtp, now=later + timedelta(hours=2))
    assert (up.sent, up.retried, up.failed) == (2, 0, 0)
    assert not again and not still
    received = inbox.messages()
    assert sorted(str(m["Subject"]) for m in received) == sorted(m.subject for m in queued)
    assert [e.rcpt_tos for e in inbox.envelopes] == [[LUCIA], [LUCIA]]
    for message in received:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(message["List-Unsubscribe"]).startswith(f"<{BASE}/es/newsletter/unsubscribe/")
        assert message["Content-Language"] == "es"
    assert {m.status for m in await outbox(db)} == {"sent"}


def test_digest_period_ends_on_the_weekly_grid() -> None:
    day = timedelta(days=1)
    assert digest_period(None, START, START + 6 * day) is None
    assert digest_period(None, START, START + 7 * day) == (START, START + 7 * day)
    assert digest_period(None, START, START + 9 * day) == (START, START + 7 * day)
    assert digest_period(START + 7 * day, START, START + 24 * day) == (
        START + 7 * day,
        START + 21 * day,
    )


def test_excerpt_keeps_text_only_and_cuts_at_a_word() -> None:
    html = "<p>Un <strong>taller</strong> &amp; <a href='x'>una guía</a>.</p><ul><li>uno</li></ul>"
    assert excerpt(html) == "Un taller & una guía. uno"
    long = "<p>" + "palabra " * 80 + "</p>"
    cut = excerpt(long)
    assert cut.endswith("palabra…") and len(cut) <= 301
