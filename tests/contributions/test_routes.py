"""Answering, replying, previewing, editing and reading threads over HTTP."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import html5lib
import httpx
import pytest
from sqlmodel import func, select

import forum.db
from forum.app import create_app
from forum.contributions.posting import PREVIEW_LIMIT
from forum.core.clock import FixedClock
from forum.core.content import bump_content_version
from forum.db import Database
from forum.models import Discussion, OutboxMessage, Post, PostRevision, Question, User
from forum.models.types import Role
from forum.settings import Settings
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import csrf_token, make_user, post_form, sign_in_as, user_row

# An answer from the POST to the 303, on SQLite and on PostgreSQL.
SUBMIT_STATEMENTS = {True: 8, False: 7}  # SQLite counts its BEGINs; PostgreSQL has none
# A published reply to someone else's post, mail queued, until the mail is marked sent.
REPLY_STATEMENTS = {True: 14, False: 12}

BASE = "/{lang}/discussions/remote-apprenticeships"
SPANISH = "En nuestra región los aprendices siguieron formándose con tutorías por teléfono."
ENGLISH = "Our college lent laptops to apprentices and kept workshops open in small groups."


@pytest.fixture
async def discussion(db: Database) -> None:
    """Week one open two days ago, pre-moderated."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)


async def _answer(
    client: httpx.AsyncClient,
    text: str,
    *,
    lang: str = "es",
    action: str = "publish",
    language: str = "",
) -> httpx.Response:
    base = BASE.format(lang=lang)
    return await post_form(
        client,
        f"{base}/questions/3/answer",
        {"source": text, "language": language, "quote_consent": "by_name", "action": action},
        form_page=f"{base}/questions/3",
    )


async def _count(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Post)) or 0)


@pytest.mark.usefixtures("discussion")
async def test_answer_is_pending_and_seen_only_by_its_author(
    client: httpx.AsyncClient, db: Database
) -> None:
    author = await make_user(db)
    await sign_in_as(client, db, author)
    response = await _answer(client, SPANISH)
    assert response.status_code == 303
    permalink = response.headers["location"]
    page = await client.get(permalink)
    assert "Su contribución está a la espera de moderación" in page.text
    assert "tutorías por teléfono" in page.text
    own = (await client.get(BASE.format(lang="es") + "/questions/3")).text
    assert "tutorías por teléfono" in own and "A la espera de moderación" in own
    stranger = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    assert (
        "tutorías por teléfono"
        not in (await stranger.get(BASE.format(lang="es") + "/questions/3")).text
    )
    assert (await stranger.get(permalink)).status_code == 404
    await stranger.aclose()
    async with db.session() as session:
        post = (await session.scalars(select(Post))).one()
    assert post.language == "es" and post.status == "pending"


@pytest.mark.usefixtures("discussion")
async def test_preview_shows_exactly_what_will_be_published_and_keeps_text(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    text = ENGLISH + "\n\n**Bold idea** <script>alert(1)</script>"
    response = await _answer(client, text, lang="en", action="preview")
    assert response.status_code == 200
    assert "<strong>Bold idea</strong>" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text  # typed text kept, escaped
    assert '<option value="en" selected>' in response.text  # detected language pre-selected
    assert await _count(db) == 0


@pytest.mark.usefixtures("discussion")
async def test_previews_past_the_limit_are_a_429_with_retry_after_and_text_kept(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in_as(client, db, await make_user(db))
    most, window = PREVIEW_LIMIT
    for _ in range(most):
        assert (await _answer(client, SPANISH, action="preview")).status_code == 200
    response = await _answer(client, SPANISH, action="preview")
    assert response.status_code == 429
    assert response.headers["retry-after"] == str(int(window.total_seconds()))
    assert "Demasiados intentos" in response.text and SPANISH in response.text
    assert await _count(db) == 0
    clock.advance(window)
    assert (await _answer(client, SPANISH, action="preview")).status_code == 200


@pytest.mark.usefixtures("discussion")
async def test_empty_answer_is_refused_with_message(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    response = await _answer(client, "   ", lang="fr")
    assert response.status_code == 422
    assert "Écrivez quelque chose avant d’envoyer." in response.text
    assert await _count(db) == 0


@pytest.mark.usefixtures("discussion")
async def test_closed_week_refuses_and_keeps_text(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    await sign_in_as(client, db, await make_user(db))
    clock.advance(timedelta(days=12))  # week one closes 13 days after it opened
    response = await _answer(client, SPANISH)
    assert response.status_code == 409
    assert "tutorías por teléfono" in response.text
    assert await _count(db) == 0


@pytest.mark.usefixtures("discussion")
async def test_unconfirmed_person_cannot_answer(client: httpx.AsyncClient, db: Database) -> None:
    await sign_in_as(client, db, await make_user(db, confirmed=False))
    page = (await client.get(BASE.format(lang="en") + "/questions/3")).text
    assert "Confirm your e-mail address before taking part." in page
    assert 'name="source"' not in page
    response = await _answer(client, ENGLISH, lang="en")
    assert response.status_code == 403
    assert await _count(db) == 0


@pytest.mark.usefixtures("discussion")
async def test_anonymous_reader_is_asked_to_sign_in(client: httpx.AsyncClient) -> None:
    page = (await client.get(BASE.format(lang="en") + "/questions/3")).text
    assert "To take part, please sign in or create an account." in page
    assert "/en/account/sign-in?next=" in page


@pytest.mark.usefixtures("discussion")
async def test_anonymous_answer_is_sent_to_sign_in_and_back_to_the_question(
    client: httpx.AsyncClient, db: Database
) -> None:
    question = BASE.format(lang="en") + "/questions/3"
    token = await csrf_token(client, "/en/account/sign-in")  # the question shows no form
    response = await client.post(
        question + "/answer",
        data={"csrf_token": token, "source": ENGLISH, "quote_consent": "by_name"},
    )
    assert response.status_code == 303
    # back to the page the form was on: the answer's own address only takes a POST
    assert response.headers["location"] == "/en/account/sign-in?next=" + quote(question)
    assert await _count(db) == 0


@pytest.mark.usefixtures("discussion")
async def test_moderator_answer_is_published_and_others_reply(
    client: httpx.AsyncClient, db: Database
) -> None:
    moderator = await make_user(db, email="mod@example.org", name="Moderadora", role=Role.MODERATOR)
    await sign_in_as(client, db, moderator)
    first = await _answer(client, SPANISH)
    post_id = int(first.headers["location"].split("/posts/")[1].split("#")[0])
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(other, db, await make_user(db, email="luc@example.org", name="Luc"))
    base = BASE.format(lang="fr")
    reply = await post_form(
        other,
        f"{base}/posts/{post_id}/reply",
        {
            "source": "Merci, chez nous la radio locale a aussi beaucoup aidé les apprentis.",
            "language": "",
            "quote_consent": "anonymously",
            "action": "publish",
        },
        form_page=f"{base}/questions/3",
    )
    assert reply.status_code == 303
    page = (await other.get(f"{base}/questions/3")).text
    assert "Moderadora" in page and "radio locale" in page
    assert 'class="post depth-1' in page
    await other.aclose()


@pytest.mark.usefixtures("discussion")
async def test_edit_keeps_revision_and_others_get_403(
    client: httpx.AsyncClient, db: Database
) -> None:
    author = await make_user(db)
    await sign_in_as(client, db, author)
    created = await _answer(client, SPANISH)
    post_id = int(created.headers["location"].split("/posts/")[1].split("#")[0])
    base = BASE.format(lang="es")
    edit = f"{base}/posts/{post_id}/edit"
    saved = await post_form(
        client,
        edit,
        {
            "source": SPANISH + " Y funcionó bien.",
            "language": "es",
            "quote_consent": "by_name",
            "action": "publish",
        },
    )
    assert saved.status_code == 303
    async with db.session() as session:
        revisions = list(await session.scalars(select(PostRevision)))
        post = await session.get(Post, post_id)
    assert [r.source for r in revisions] == [SPANISH]
    assert post is not None and post.source.endswith("Y funcionó bien.")
    intruder = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(intruder, db, await make_user(db, email="otra@example.org"))
    assert (await intruder.get(edit)).status_code == 403
    await intruder.aclose()


@pytest.mark.usefixtures("discussion")
async def test_language_filter_and_order(client: httpx.AsyncClient, db: Database) -> None:
    author = await make_user(db, role=Role.MODERATOR)  # published at once
    await sign_in_as(client, db, author)
    await _answer(client, SPANISH)
    await _answer(client, ENGLISH, lang="en")
    base = BASE.format(lang="en") + "/questions/3"
    only_spanish = (await client.get(base + "?language=es")).text
    assert "tutorías" in only_spanish and "lent laptops" not in only_spanish
    newest = (await client.get(base + "?order=newest")).text
    assert newest.index("lent laptops") < newest.index("tutorías")


async def test_question_page_statements_do_not_grow(
    client: httpx.AsyncClient,
    db: Database,
    count_statements: StatementCounter,
    discussion: None,
) -> None:
    """The same statements render 10 posts or 500 (threads with replies)."""
    author = await make_user(db, role=Role.MODERATOR)
    await sign_in_as(client, db, author)
    first = await _answer(client, SPANISH)
    template_id = int(first.headers["location"].split("/posts/")[1].split("#")[0])
    async with db.session() as session:
        template = await session.get(Post, template_id)
    assert template is not None
    counts = []
    for target in (10, 500):
        async with db.transaction() as session:
            for index in range(await _count(db), target):
                root = index % 5 == 0
                row = Post(
                    **{
                        **template.model_dump(exclude={"id", "parent_id", "thread_id", "depth"}),
                        "source": f"{SPANISH} {index}",
                        "created_at": NOW,
                    }
                )
                if not root:
                    row.parent_id, row.depth = template_id, 1
                    row.thread_id = template_id
                session.add(row)
                await session.flush()
                if root:
                    row.thread_id = row.id or 0
                    template_id = row.id or 0
            # as every service that publishes does: the shared thread lists are stale now
            await bump_content_version(session, discussion_id=template.discussion_id)
        assert await _count(db) == target
        before = count_statements.count
        page = await client.get(BASE.format(lang="es") + "/questions/3")
        assert page.status_code == 200 and page.text.count('class="post ') >= 10
        counts.append(count_statements.count - before)
    assert counts[0] == counts[1]


def _checked_consents(page: str) -> list[str]:
    return re.findall(r'name="quote_consent" value="(\w+)"[^>]* checked', page)


@pytest.mark.usefixtures("discussion")
async def test_first_answer_form_asks_consent_without_a_default(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    page = (await client.get(BASE.format(lang="en") + "/questions/3")).text
    assert 'name="quote_consent" value="by_name"' in page
    assert _checked_consents(page) == []


@pytest.mark.usefixtures("discussion")
async def test_answer_without_consent_is_refused_and_text_kept(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    base = BASE.format(lang="es")
    response = await post_form(
        client,
        f"{base}/questions/3/answer",
        {"source": SPANISH, "language": "", "action": "publish"},
        form_page=f"{base}/questions/3",
    )
    assert response.status_code == 422
    assert "Indique si podemos citar sus palabras." in response.text
    assert "tutorías por teléfono" in response.text
    assert _checked_consents(response.text) == []
    assert await _count(db) == 0


@pytest.mark.usefixtures("discussion")
async def test_next_answer_form_preselects_the_authors_last_choice(
    client: httpx.AsyncClient, db: Database
) -> None:
    await sign_in_as(client, db, await make_user(db))
    base = BASE.format(lang="en")
    response = await post_form(
        client,
        f"{base}/questions/3/answer",
        {"source": ENGLISH, "language": "", "quote_consent": "anonymously", "action": "publish"},
        form_page=f"{base}/questions/3",
    )
    assert response.status_code == 303
    page = (await client.get(f"{base}/questions/4")).text
    assert _checked_consents(page) == ["anonymously"]
    assert "Your choice last time is selected" in page


@pytest.mark.usefixtures("discussion")
async def test_closed_discussion_message_shows_once(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    author = await make_user(db)
    await sign_in_as(client, db, author)
    base = BASE.format(lang="en")
    token_page = (await client.get(f"{base}/questions/3")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page)
    assert token
    clock.advance(timedelta(days=30))  # the whole discussion has closed
    await sign_in_as(client, db, author, now=clock.now())
    question = (await client.get(f"{base}/questions/3")).text
    assert question.count("This discussion is closed.") == 1
    refused = await client.post(
        f"{base}/questions/3/answer",
        data={
            "csrf_token": token[1],
            "source": ENGLISH,
            "language": "",
            "quote_consent": "by_name",
            "action": "publish",
        },
    )
    assert refused.status_code == 409
    assert refused.text.count("This discussion is closed.") == 1
    assert "lent laptops" in refused.text


async def _published(db: Database, *, question: int | None, replies: tuple[int, ...]) -> None:
    """Write published threads straight away: a root each, with this many replies under it."""
    author = await make_user(db, email=f"writer{question}@example.org", name="Aïda Diallo")
    async with db.transaction() as session:
        discussion = (await session.scalars(select(Discussion))).one()
        question_id = None
        if question is not None:
            question_id = await session.scalar(
                select(Question.id).where(Question.number == question)
            )
        for count in replies:
            root = Post(
                discussion_id=discussion.id or 0,
                question_id=question_id,
                author_id=author.id or 0,
                language="en",
                source=ENGLISH,
                html=f"<p>{ENGLISH}</p>",
                status="approved",
                quote_consent="by_name",
                created_at=NOW,
            )
            session.add(root)
            await session.flush()
            root.thread_id = root.id or 0
            for _ in range(count):
                session.add(
                    Post(
                        **root.model_dump(exclude={"id", "depth", "parent_id", "in_reply_to_id"}),
                        parent_id=root.id,
                        in_reply_to_id=root.id,
                        depth=1,
                    )
                )
        await bump_content_version(session, discussion_id=discussion.id or 0)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "5 contributions in 2 threads"),
        ("es", "5 contribuciones en 2 hilos"),
        ("fr", "5 contributions dans 2 fils"),
    ],
)
async def test_counts_say_contributions_and_threads_the_same_everywhere(
    client: httpx.AsyncClient, db: Database, lang: str, words: str
) -> None:
    data = discussion_data(start=NOW - timedelta(days=2))
    data["general_comments"] = True
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    await _published(db, question=3, replies=(2, 1))
    await _published(db, question=None, replies=(3, 0))
    base = BASE.format(lang=lang)
    discussion = (await client.get(base)).text
    assert discussion.count(words) == 2  # question 3 and the general comments
    question = (await client.get(f"{base}/questions/3")).text
    assert re.search(r'<h2 id="answers">[^<]*' + words, question)
    comments = (await client.get(f"{base}/comments")).text
    assert words in comments
    one = {"en": "1 contribution in 1 thread", "es": "1 contribución en 1 hilo"}
    await _published(db, question=4, replies=(0,))
    if lang in one:
        assert one[lang] in (await client.get(base)).text


async def _conversation(db: Database) -> dict[str, int]:
    """On question 3: Aïda (a moderator) answers, Luc replies, Aïda answers him; Sofía answers."""
    aida = await make_user(db, email="aida@example.org", name="Aïda Diallo", role=Role.MODERATOR)
    luc = await make_user(db, email="luc@example.org", name="Luc Bernard", language="fr")
    sofia = await make_user(db, email="sofia@example.org", name="Sofía Ramos", role=Role.ADMIN)
    written: dict[str, int] = {}
    async with db.transaction() as session:
        discussion = (await session.scalars(select(Discussion))).one()
        question_id = await session.scalar(select(Question.id).where(Question.number == 3))
        plan = [
            ("root", aida, None, "Our tutors called every apprentice once a week."),
            ("reply", luc, "root", "Chez nous, les tuteurs passaient aussi en atelier."),
            ("answer", aida, "reply", "Visits helped here too, once the rules allowed it."),
            ("other", sofia, None, "Radio lessons reached the valleys without internet."),
        ]
        for key, author, parent, text in plan:
            above = written.get(parent or "")
            post = Post(
                discussion_id=discussion.id or 0,
                question_id=question_id,
                parent_id=above,
                in_reply_to_id=above,
                depth=0 if above is None else (1 if parent == "root" else 2),
                thread_id=written.get("root", 0) if above else 0,
                author_id=author.id or 0,
                language="fr" if author is luc else "en",
                source=text,
                html=f"<p>{text}</p>",
                status="approved",
                quote_consent="by_name",
                created_at=NOW,
            )
            session.add(post)
            await session.flush()
            if above is None:
                post.thread_id = post.id or 0
            written[key] = post.id or 0
        await bump_content_version(session, discussion_id=discussion.id or 0)
    return written


def _tree(page: str) -> Any:
    return html5lib.parse(page, namespaceHTMLElements=False)


def _item_of(tree: Any, post_id: int) -> Any:
    """The list item holding the post's article."""
    return tree.find(f".//li/article[@id='post-{post_id}']/..")


@pytest.mark.usefixtures("discussion")
async def test_replies_nest_in_lists_and_link_to_whom_they_answer(
    client: httpx.AsyncClient, db: Database
) -> None:
    posts = await _conversation(db)
    for lang, words in (("en", "In reply to"), ("es", "En respuesta a")):
        page = (await client.get(BASE.format(lang=lang) + "/questions/3")).text
        tree = _tree(page)
        root, reply, answer = (_item_of(tree, posts[k]) for k in ("root", "reply", "answer"))
        assert root is not None and reply is not None and answer is not None
        assert reply in list(root.find("ol")) and answer in list(reply.find("ol"))
        assert _item_of(tree, posts["other"]) in list(tree.find(".//ol[@class='threads']"))
        link = reply.find(f"article//a[@href='#post-{posts['root']}']")
        assert link is not None and "Aïda Diallo" in "".join(link.itertext())
        assert words in "".join(reply.find("article").itertext())
        back = answer.find(f"article//a[@href='#post-{posts['reply']}']")
        assert back is not None and "Luc Bernard" in "".join(back.itertext())
        assert root.find("article/p[@class='in-reply-to']") is None


@pytest.mark.usefixtures("discussion")
async def test_posts_link_to_their_own_page_for_reply_and_report_forms(
    client: httpx.AsyncClient, db: Database
) -> None:
    posts = await _conversation(db)
    await sign_in_as(client, db, await make_user(db))
    base = BASE.format(lang="en")
    page = (await client.get(f"{base}/questions/3")).text
    assert page.count('name="source"') == 1  # the answer form alone
    assert 'name="section"' not in page  # no report form either
    for post_id in posts.values():
        assert f'href="{base}/posts/{post_id}#reply"' in page
        assert f'href="{base}/posts/{post_id}#report"' in page
    own = (await client.get(f"{base}/posts/{posts['reply']}")).text
    assert own.count('name="source"') == 1 and own.count('name="section"') == 1
    assert f'action="{base}/posts/{posts["reply"]}/reply"' in own
    assert 'id="reply"' in own and 'id="report"' in own
    sent = await post_form(
        client,
        f"{base}/posts/{posts['reply']}/reply",
        {"source": ENGLISH, "language": "", "quote_consent": "by_name", "action": "publish"},
        form_page=f"{base}/posts/{posts['reply']}",
    )
    assert sent.status_code == 303


def _badge(tree: Any, post_id: int) -> str:
    found = tree.find(f".//article[@id='post-{post_id}']//span[@class='badge badge-staff']")
    return "" if found is None else "".join(found.itertext())


@pytest.mark.usefixtures("discussion")
async def test_staff_posts_carry_a_translated_badge(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    posts = await _conversation(db)
    for lang, moderator, admin in (
        ("en", "Moderator", "Administrator"),
        ("es", "Equipo de moderación", "Administración"),
        ("fr", "Équipe de modération", "Administration"),
    ):
        tree = _tree((await client.get(BASE.format(lang=lang) + "/questions/3")).text)

        badges = {key: _badge(tree, post_id) for key, post_id in posts.items()}
        assert badges == {"root": moderator, "answer": moderator, "other": admin, "reply": ""}


EDITED = "Our college lent laptops and, from March, paid for home internet for apprentices."


async def _published_thread_then_edit(
    client: httpx.AsyncClient, db: Database
) -> tuple[int, int, httpx.AsyncClient]:
    """María answers, Luc replies, a moderator publishes both, María edits her answer.

    Return her answer's id, the reply's id and a client signed in as the moderator.
    """
    maria = await make_user(db)
    await sign_in_as(client, db, maria)
    answer = await _answer(client, ENGLISH, lang="en")
    answer_id = int(answer.headers["location"].split("/posts/")[1].split("#")[0])
    moderator = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    ana = await user_row(db, "ana@example.org")
    assert ana is not None
    await sign_in_as(moderator, db, ana)
    approved = await post_form(
        moderator, f"/en/moderation/posts/{answer_id}/approve", {}, form_page="/en/moderation/"
    )
    assert approved.status_code == 303
    luc = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(luc, db, await make_user(db, email="luc@example.org", name="Luc Bernard"))
    base = BASE.format(lang="en")
    reply = await post_form(
        luc,
        f"{base}/posts/{answer_id}/reply",
        {"source": FRENCH_REPLY, "language": "", "quote_consent": "by_name", "action": "publish"},
        form_page=f"{base}/posts/{answer_id}",
    )
    await luc.aclose()
    reply_id = int(reply.headers["location"].split("/posts/")[1].split("#")[0])
    await post_form(
        moderator, f"/en/moderation/posts/{reply_id}/approve", {}, form_page="/en/moderation/"
    )
    edited = await post_form(
        client,
        f"{base}/posts/{answer_id}/edit",
        {"source": EDITED, "language": "en", "quote_consent": "by_name", "action": "publish"},
    )
    assert edited.status_code == 303
    return answer_id, reply_id, moderator


FRENCH_REPLY = "Chez nous, la région a prêté des clés 4G aux apprentis qui n'avaient rien."


async def _reader_sees(client: httpx.AsyncClient, path: str) -> str:
    reader = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    page = (await reader.get(path)).text
    await reader.aclose()
    return page


@pytest.mark.usefixtures("discussion")
async def test_edit_of_published_answer_keeps_it_and_its_replies_until_approved(
    client: httpx.AsyncClient, db: Database
) -> None:
    answer_id, reply_id, moderator = await _published_thread_then_edit(client, db)
    base = BASE.format(lang="en")
    page = await _reader_sees(client, f"{base}/questions/3")
    assert "lent laptops to apprentices" in page and "home internet" not in page
    assert "2 contributions in 1 thread" in page
    tree = _tree(page)
    assert _item_of(tree, reply_id) in list(_item_of(tree, answer_id).find("ol"))
    assert "awaiting moderation" not in page
    own = (await client.get(f"{base}/questions/3")).text
    assert "lent laptops to apprentices" in own and "home internet" in own
    assert "Edit awaiting moderation" in own
    assert "2 contributions in 1 thread" in own
    form = (await client.get(f"{base}/posts/{answer_id}/edit")).text
    assert "home internet" in form  # the author goes on from their latest text
    queue = (await moderator.get("/en/moderation/")).text
    assert "home internet" in queue and "1 post waiting" in queue
    approved = await post_form(
        moderator, f"/en/moderation/posts/{answer_id}/approve", {}, form_page="/en/moderation/"
    )
    assert approved.status_code == 303
    page = await _reader_sees(client, f"{base}/questions/3")
    assert "home internet" in page and "lent laptops to apprentices" not in page
    assert "2 contributions in 1 thread" in page
    assert "Edit awaiting moderation" not in (await client.get(f"{base}/questions/3")).text
    async with db.session() as session:
        post = await session.get(Post, answer_id)
        kept = list(await session.scalars(select(PostRevision)))
    assert post is not None and post.source == EDITED and post.pending_source is None
    assert [(r.source, r.status) for r in kept] == [(ENGLISH, "approved")]
    await moderator.aclose()


@pytest.mark.usefixtures("discussion")
async def test_rejected_edit_leaves_the_published_answer(
    client: httpx.AsyncClient, db: Database
) -> None:
    answer_id, _reply_id, moderator = await _published_thread_then_edit(client, db)
    rejected = await post_form(
        moderator,
        f"/en/moderation/posts/{answer_id}/reject",
        {"section": "on-topic", "note": "Please keep to the question."},
        form_page="/en/moderation/",
    )
    assert rejected.status_code == 303
    base = BASE.format(lang="en")
    page = await _reader_sees(client, f"{base}/questions/3")
    assert "lent laptops to apprentices" in page and "home internet" not in page
    own = (await client.get(f"{base}/questions/3")).text
    assert "lent laptops to apprentices" in own and "Edit awaiting moderation" not in own
    assert "Not published" not in own
    assert "1 post waiting" not in (await moderator.get("/en/moderation/")).text
    async with db.session() as session:
        post = await session.get(Post, answer_id)
        kept = list(await session.scalars(select(PostRevision)))
    assert post is not None and post.status == "approved" and post.source == ENGLISH
    assert post.pending_source is None and post.rejection_section == "on-topic"
    assert [(r.source, r.status) for r in kept] == [(EDITED, "rejected")]  # their text is kept
    await moderator.aclose()


@pytest.mark.usefixtures("discussion")
async def test_mail_is_sent_after_the_response_only_when_the_post_queued_some(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    """An answer queues no mail, so nothing reads the outbox after it (a write transaction
    saved on every post); a published reply to someone else's post is mailed at once."""
    moderator = await make_user(db, email="mod@example.org", name="Moderadora", role=Role.MODERATOR)
    await sign_in_as(client, db, moderator)
    before = count_statements.count
    first = await _answer(client, SPANISH)
    assert first.status_code == 303
    answering = count_statements.statements[before:]
    assert answering and not [s for s in answering if "outbox_messages" in s]
    post_id = int(first.headers["location"].split("/posts/")[1].split("#")[0])
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    colleague = await make_user(db, email="col@example.org", name="Colega", role=Role.MODERATOR)
    await sign_in_as(other, db, colleague)
    reply = await post_form(
        other,
        BASE.format(lang="es") + f"/posts/{post_id}/reply",
        {
            "source": SPANISH + " Y más.",
            "language": "",
            "quote_consent": "by_name",
            "action": "publish",
        },
        form_page=BASE.format(lang="es") + "/questions/3",
    )
    await other.aclose()
    assert reply.status_code == 303
    async with db.session() as session:
        sent = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.to_address, m.status) for m in sent] == [("mod@example.org", "sent")]


async def _counted_posts(
    http: httpx.AsyncClient, counter: StatementCounter, clock: FixedClock, action: str, times: int
) -> list[int]:
    """Publish `times` posts through `action` (under the discussion's address), each with the
    question page's form token; return the statements each cost from the POST to the 303."""
    base = BASE.format(lang="es")
    counts = []
    for n in range(times):
        clock.advance(timedelta(minutes=3))  # past the "too-fast" rule's window of 5 posts
        token = await csrf_token(http, f"{base}/questions/3")
        before = counter.count
        response = await http.post(
            f"{base}/{action}",
            data={
                "source": f"{SPANISH} ({n})",
                "language": "",
                "quote_consent": "by_name",
                "action": "publish",
                "csrf_token": token,
            },
        )
        assert response.status_code == 303
        counts.append(counter.count - before)
    return counts


@pytest.mark.usefixtures("discussion")
@pytest.mark.parametrize("trusted", [False, True])
async def test_an_answer_costs_a_fixed_number_of_statements(
    client: httpx.AsyncClient,
    db: Database,
    count_statements: StatementCounter,
    clock: FixedClock,
    trusted: bool,
) -> None:
    """The submit path's statements, from the POST to the 303, the same for the first answer
    and the twenty-first (the author's recent texts are read in one statement), and the same
    for a trusted author, whose approved posts are not counted (trust wins over
    "first-posts", the only rule that reads them), as for another, whose count comes with
    their texts."""
    author = await make_user(db, role=Role.MODERATOR)
    if trusted:
        async with db.transaction() as session:
            row = await session.get(User, author.id)
            assert row is not None
            row.trusted = True
    await sign_in_as(client, db, author)
    counts = await _counted_posts(client, count_statements, clock, "questions/3/answer", 21)
    # The session (viewer, a single read: no BEGIN; the author is not read again); BEGIN
    # IMMEDIATE (SQLite), the discussion with the question (one), the author's texts and
    # times with the count of their approved posts (one; trusted or not), the insert (its
    # thread's id in it), the search index, the version, the count of changes to people
    # (core/changes.py); the consent once.
    assert counts[1:] == [SUBMIT_STATEMENTS[db.is_sqlite]] * 20, counts


@pytest.mark.usefixtures("discussion")
async def test_a_mailed_reply_costs_a_fixed_number_of_statements(
    client: httpx.AsyncClient,
    db: Database,
    count_statements: StatementCounter,
    clock: FixedClock,
) -> None:
    """A published reply to someone else's post, from the POST to the mail marked sent: the
    post replied to, the discussion and the replier are read once, not again for the mail."""
    first = await make_user(db, email="first@example.org", role=Role.MODERATOR)
    await sign_in_as(client, db, first)
    answered = await _answer(client, SPANISH)
    parent_id = int(answered.headers["location"].split("/posts/")[1].split("#")[0])
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    await sign_in_as(other, db, await make_user(db, email="r@example.org", role=Role.MODERATOR))
    counts = await _counted_posts(other, count_statements, clock, f"posts/{parent_id}/reply", 4)
    await other.aclose()
    async with db.session() as session:
        mailed = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.to_address, m.status) for m in mailed] == [("first@example.org", "sent")] * 4
    # The session; BEGIN IMMEDIATE (SQLite), the discussion with the post replied to and its
    # question's closing time (one), the author's texts, times and approved posts (one), the
    # insert, the search index, the version, the count of changes to people; for the mail:
    # its addressee, the discussion's title, the mail (a reply written now has no mail queued
    # yet: the outbox is not searched), queued already claimed; after the response, reading it
    # (one statement, no BEGIN) and marking it sent (BEGIN IMMEDIATE, one UPDATE).
    assert counts[1:] == [REPLY_STATEMENTS[db.is_sqlite]] * 3, counts


@pytest.mark.usefixtures("discussion")
async def test_answers_sent_at_once_all_land_without_database_is_locked(
    settings: Settings, clock: FixedClock, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight people answer at the same moment: eight 303s and eight posts. On SQLite the busy
    timeout is 0, so a writer that met another inside SQLite would fail at once: the app's
    writers take turns before they get there."""
    monkeypatch.setattr(forum.db, "SQLITE_BUSY_TIMEOUT_MS", 0)
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    people = [
        httpx.AsyncClient(transport=transport, base_url="http://testserver") for _ in "12345678"
    ]
    base = BASE.format(lang="en")
    try:
        forms = []
        for n, person in enumerate(people):
            author = await make_user(db, email=f"w{n}@example.org", name=f"Writer {n}")
            await sign_in_as(person, db, author)
            forms.append((person, await csrf_token(person, f"{base}/questions/3")))
        responses = await asyncio.gather(
            *(
                person.post(
                    f"{base}/questions/3/answer",
                    data={
                        "source": f"{ENGLISH} ({n})",
                        "language": "",
                        "quote_consent": "by_name",
                        "action": "publish",
                        "csrf_token": token,
                    },
                )
                for n, (person, token) in enumerate(forms)
            )
        )
    finally:
        for person in people:
            await person.aclose()
        await app.state.db.dispose()
    assert [response.status_code for response in responses] == [303] * 8
    assert await _count(db) == 8
