"""A person registers, confirms from the mail that arrived, signs in, edits, signs out."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.smtp import Inbox

pytestmark = pytest.mark.browser


def _text(message: object) -> str:
    from email.message import EmailMessage

    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_register_confirm_sign_in_edit_sign_out(
    browser: Browser, live_server: str, smtp_inbox: Inbox, javascript: bool
) -> None:
    email = f"amara.{'js' if javascript else 'nojs'}@example.org"
    context = await browser.new_context(
        java_script_enabled=javascript, viewport={"width": 360, "height": 800}
    )
    page = await context.new_page()
    await page.goto(live_server + "/fr/account/register")
    await page.get_by_label("Adresse électronique").fill(email)
    await page.get_by_label("Mot de passe").fill("le vent se lève sur la plaine")
    await page.get_by_label("Nom affiché avec vos contributions").fill("Amara Diop")
    await page.get_by_label("Organisation").fill("Réseau des centres de formation")
    await page.get_by_label("Pays").select_option("SN")
    await page.get_by_label("Groupe de parties prenantes").select_option("training_provider")
    await page.get_by_label("Langue des courriels").select_option("fr")
    await page.get_by_role("button", name="Créer mon compte").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consultez votre boîte de réception"
    )

    mail = smtp_inbox.wait_for(email)
    assert "Amara Diop" in str(mail["To"])
    link = re.search(r"http://\S+/account/confirm/\S+", _text(mail))
    assert link, _text(mail)
    await page.goto(link.group(0))
    await page.get_by_role("button", name="Confirmer mon adresse").click()
    await expect(page.locator(".notice").first).to_contain_text("confirmée")  # signed in

    await page.get_by_role("button", name="Se déconnecter").click()
    await page.get_by_role("link", name="Se connecter").first.click()
    await page.get_by_label("Adresse électronique").fill(email)
    await page.get_by_label("Mot de passe").fill("le vent se lève sur la plaine")
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_role("link", name="Amara Diop").click()
    await page.get_by_label("Organisation").fill("Centre régional de formation")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.locator(".notice")).to_contain_text("enregistré")
    await expect(page.get_by_label("Organisation")).to_have_value("Centre régional de formation")

    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    await page.goto(live_server + "/fr/account/profile")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    await context.close()


async def test_newcomer_from_a_question_comes_back_to_it_signed_in(
    browser: Browser, live_server: str, smtp_inbox: Inbox
) -> None:
    email = "kofi.newcomer@example.org"
    question = live_server + "/en/discussions/skills-in-crisis/questions/2"
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(question)
    await page.locator("main").get_by_role("link", name="Create an account").click()
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill("a long walk by the river")
    await page.get_by_label("Name shown with your contributions").fill("Kofi Boateng")
    await page.get_by_label("Stakeholder group").select_option("workers")
    await page.get_by_role("button", name="Create my account").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    link = re.search(r"http://\S+/account/confirm/\S+", _text(smtp_inbox.wait_for(email)))
    assert link
    await page.goto(link.group(0))
    await page.get_by_role("button", name="Confirm my address").click()

    await expect(page).to_have_url(question)
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Question 2")
    await context.close()
