"""A contributor answers a question (preview, send, awaiting moderation) and follows a thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.clock import SystemClock
from forum.core.content import bump_content_version
from forum.db import Database
from forum.models.types import Role
from forum.settings import Settings
from tests.conftest import run_async
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

ANSWER = (
    "In our region, **apprentices kept learning** through short video calls with their "
    "workplace tutors, and the training centre posted printed exercises to those without a "
    "connection."
)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_answer_preview_send_and_await_moderation(
    browser: Browser,
    live_server: str,
    live_settings: Settings,
    javascript: bool,
    screenshots: Path | None,
) -> None:
    email = f"tutor.{'js' if javascript else 'nojs'}@example.org"
    db = Database(live_settings.database_url)
    await make_user(db, email=email, name="Kofi Mensah", language="en")
    await db.dispose()

    context = await browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    await page.goto(live_server + "/en/account/sign-in")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    await page.goto(live_server + "/en/discussions/skills-in-crisis/questions/3")
    composer = page.locator("section.write")
    await composer.get_by_label("Your text", exact=True).fill(ANSWER)
    await composer.get_by_label("Yes, without my name").check()
    await composer.get_by_role("button", name="Preview").click()

    preview = page.locator("section.preview")
    await expect(preview.locator("strong")).to_have_text("apprentices kept learning")
    await expect(page.get_by_label("Language of your text")).to_have_value("en")
    await expect(page.get_by_label("Yes, without my name")).to_be_checked()
    if screenshots:
        await page.screenshot(path=str(screenshots / f"preview-{javascript}.png"), full_page=True)
    await page.get_by_role("button", name="Send").click()

    await expect(page.locator(".notice")).to_contain_text("awaiting moderation")
    await expect(page.locator("article.highlighted .badge-pending")).to_have_text(
        "Awaiting moderation"
    )
    await page.goto(live_server + "/en/discussions/skills-in-crisis/questions/3")
    await expect(page.locator(".threads")).to_contain_text("apprentices kept learning")
    if screenshots:
        await page.screenshot(
            path=str(screenshots / f"question-own-{javascript}.png"), full_page=True
        )
    await context.close()


@pytest.fixture(scope="module")
def conversation(live_settings: Settings) -> dict[str, int]:
    """On question 4: a moderator asks, Luc answers her, she answers him; written once."""

    async def write() -> dict[str, int]:
        db = Database(live_settings.database_url)
        aida = await make_user(
            db, email="aida.mod@example.org", name="Aïda Diallo", role=Role.MODERATOR
        )
        luc = await make_user(db, email="luc.thread@example.org", name="Luc Bernard")
        written: dict[str, int] = {}
        plan = [
            ("root", aida, None, "Which printed materials reached apprentices best?"),
            ("reply", luc, "root", "Des fiches d'exercices envoyées par la poste, chaque lundi."),
            ("answer", aida, "reply", "Thank you: did the tutors correct them by phone?"),
        ]
        for key, author, parent, text in plan:
            async with db.transaction() as session:
                post = await create_post(
                    session,
                    author=author,
                    discussion_slug="skills-in-crisis",
                    question_number=4,
                    parent_id=written.get(parent or ""),
                    draft=Draft(text, "", "by_name"),
                    limits=PostLimits(),
                    now=SystemClock().now(),
                )
                if author is luc:  # a moderator's answer is published at once; publish his too
                    post.status = "approved"
                    await bump_content_version(session, discussion_id=post.discussion_id)
                written[key] = post.id or 0
        await db.dispose()
        return written

    return run_async(write())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [1280, 360])
async def test_reader_sees_who_answers_whom_and_replies_from_the_posts_page(
    browser: Browser,
    live_server: str,
    live_settings: Settings,
    conversation: dict[str, int],
    javascript: bool,
    width: int,
    screenshots: Path | None,
) -> None:
    email = f"reader.{width}.{'js' if javascript else 'nojs'}@example.org"
    db = Database(live_settings.database_url)
    await make_user(db, email=email, name="Nadia Haddad", language="en")
    await db.dispose()
    context = await browser.new_context(
        java_script_enabled=javascript, viewport={"width": width, "height": 900}
    )
    page = await context.new_page()
    question = live_server + "/en/discussions/skills-in-crisis/questions/4"
    await page.goto(question)
    replies = page.get_by_role("list", name="Replies to Aïda Diallo").first
    await expect(replies.get_by_role("listitem").first).to_contain_text("fiches d'exercices")
    nested = page.get_by_role("list", name="Replies to Luc Bernard")
    await expect(nested.get_by_role("listitem")).to_contain_text("correct them by phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    if screenshots:
        await page.screenshot(path=str(screenshots / f"thread-{width}-{javascript}.png"))
    await nested.get_by_role("link", name="In reply to Luc Bernard").click()
    await expect(page).to_have_url(question + f"#post-{conversation['reply']}")

    await page.goto(live_server + "/en/account/sign-in")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.goto(question)
    await expect(page.locator("textarea")).to_have_count(1)  # the answer form alone
    luc = page.locator(f"#post-{conversation['reply']}")
    await luc.get_by_role("link", name="Reply", exact=True).click()
    await expect(page.get_by_role("heading", name="Reply to Luc Bernard")).to_be_visible()
    await expect(page.locator("textarea")).to_have_count(2)  # the reply and the report note
    writer = page.locator("section#reply")
    await writer.get_by_label("Your text", exact=True).fill(
        "Our tutors corrected them by phone on Fridays, and posted them back."
    )
    await writer.get_by_label("Yes, with my name").check()
    await writer.get_by_role("button", name="Send").click()
    await expect(page.locator(".notice")).to_contain_text("awaiting moderation")
    await context.close()
