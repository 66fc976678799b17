"""A reader subscribes to the newsletter and confirms it from the mail that arrived."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser.test_account_browser import _text
from tests.smtp import Inbox

pytestmark = pytest.mark.browser


async def test_subscribe_and_confirm_in_the_browser(
    browser: Browser, live_server: str, smtp_inbox: Inbox
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 800})
    page = await context.new_page()
    await page.goto(live_server + "/es/newsletter")
    await page.get_by_label("Dirección de correo electrónico").fill("suscriptora@example.org")
    await page.get_by_role("button", name="Suscribirme").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consulte su bandeja de entrada"
    )
    mail = smtp_inbox.wait_for("suscriptora@example.org")
    link = re.search(r"http://\S+/newsletter/confirm/\S+", _text(mail))
    assert link, _text(mail)
    await page.goto(link.group(0))
    await page.get_by_role("button", name="Confirmar mi suscripción").click()
    await expect(page.locator(".notice")).to_contain_text("Ya está suscrito")
    await expect(page.get_by_label("Idioma de los correos")).to_have_value("es")
    await context.close()
