"""A contributor answers a question: preview, send, and see it awaiting moderation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from forum.db import Database
from forum.settings import Settings
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
