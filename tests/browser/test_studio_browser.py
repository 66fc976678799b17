"""An organiser builds a discussion in the studio without JavaScript, publishes and corrects it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from forum.db import Database
from forum.models.types import Role
from forum.settings import Settings
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

ZONE = "America/Lima"
SLUG = "skills-for-care-work"
TEXTS = {
    "title": (
        "Skills for care work",
        "Competencias para el trabajo de cuidados",
        "Des compétences pour les métiers du soin",
    ),
    "summary": (
        "How training can value the people who care for others.",
        "Cómo la formación puede valorar a quienes cuidan de otras personas.",
        "Comment la formation peut valoriser celles et ceux qui prennent soin des autres.",
    ),
    "introduction": (
        "Care work is **growing** everywhere. Tell us what helps.",
        "El trabajo de cuidados **crece** en todas partes. Cuéntenos qué ayuda.",
        "Les métiers du soin **se développent** partout. Dites-nous ce qui aide.",
    ),
}
WEEKS = [
    ("Week 1: who cares", "Semana 1: quién cuida", "Semaine 1 : qui prend soin"),
    (
        "Week 2: recognising skills",
        "Semana 2: reconocer competencias",
        "Semaine 2 : reconnaître les compétences",
    ),
]
QUESTIONS = [
    (
        "Which skills do carers need most?",
        "¿Qué competencias necesitan más quienes cuidan?",
        "De quelles compétences les aidants ont-ils le plus besoin ?",
    ),
    (
        "How should those skills be certified?",
        "¿Cómo deberían certificarse esas competencias?",
        "Comment faudrait-il certifier ces compétences ?",
    ),
]
TAGS = [
    ("care-economy", "Care economy", "Economía del cuidado", "Économie du soin"),
    (
        "skills-recognition",
        "Recognition of skills",
        "Reconocimiento de competencias",
        "Reconnaissance des compétences",
    ),
]
GUIDE = "Cómo participar: lea la pregunta y responda con su experiencia."
FRENCH_FIX = "Quelles compétences manquent le plus aux personnes aidantes ?"
ANSWER = "Home carers in our district asked first for training in first aid and in dementia care."


def local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


async def _signed_in(browser: Browser, live: str, email: str) -> BrowserContext:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = await context.new_page()
    await page.goto(live + "/en/account/sign-in")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return context


async def _fill_languages(page: Page, name: str, texts: tuple[str, ...]) -> None:
    for code, text in zip(("en", "es", "fr"), texts, strict=True):
        await page.locator(f"#f-{name}-{code}").fill(text)


async def _saved(page: Page) -> None:
    await expect(page.locator("p.notice[role=status]")).to_be_visible()


async def test_an_organiser_builds_publishes_and_corrects_a_discussion(
    browser: Browser, live_server: str, live_settings: Settings, screenshots: Path | None
) -> None:
    db = Database(live_settings.database_url)
    await make_user(
        db, email="studio.admin@example.org", name="Ines Duarte", role=Role.ADMIN, language="en"
    )
    await make_user(db, email="studio.writer@example.org", name="Tomás Quispe", language="es")
    await db.dispose()
    now = datetime.now(UTC)
    live = live_server
    admin = await _signed_in(browser, live, "studio.admin@example.org")
    page = await admin.new_page()

    # A new draft: address, zone, dates, three languages.
    await page.goto(live + "/en/studio/new")
    await page.get_by_label("Web address").fill(SLUG)
    await page.get_by_label("Time zone of the discussion").select_option(ZONE)
    await page.get_by_label("Opens").fill(local(now - timedelta(hours=1)))
    await page.get_by_label("Closes").fill(local(now + timedelta(days=14)))
    await page.get_by_role("button", name="Create the draft").click()
    await expect(page.get_by_role("heading", name="Texts")).to_be_visible()
    assert (await page.request.get(f"{live}/en/discussions/{SLUG}")).status == 404

    for name, texts in TEXTS.items():
        await _fill_languages(page, name, texts)
    await page.get_by_role("button", name="Save the texts").click()
    await _saved(page)

    # Two weeks, a question each.
    for index, titles in enumerate(WEEKS):
        await page.goto(f"{live}/en/studio/{SLUG}/weeks")
        start = now - timedelta(hours=1) + timedelta(days=6 * index)
        await page.get_by_label(f"Opens ({ZONE})").fill(local(start))
        await page.get_by_label(f"Closes ({ZONE})").fill(local(now + timedelta(days=13)))
        await _fill_languages(page, "title", titles)
        await page.get_by_role("button", name="Add the week").click()
        await _saved(page)
        await page.get_by_role("link", name=f"Edit week {index + 1} and its questions").click()
        await _fill_languages(page, "text", QUESTIONS[index])
        await page.get_by_role("button", name="Add the question").click()
        await _saved(page)

    # Two tags.
    for slug, *labels in TAGS:
        await page.goto(f"{live}/en/studio/{SLUG}/tags")
        await page.get_by_label("Short name for its web address").fill(slug)
        await _fill_languages(page, "label", tuple(labels))
        await page.get_by_role("button", name="Add the tag").click()
        await _saved(page)

    # A document in Spanish, uploaded as a file.
    await page.goto(f"{live}/en/studio/{SLUG}/documents")
    await page.get_by_label("Language", exact=True).select_option("es")
    await page.get_by_label("Title", exact=True).fill("Guía para participantes")
    await page.get_by_label("File", exact=True).set_input_files(
        files=[
            {
                "name": "guia-participantes.txt",
                "mimeType": "text/plain",
                "buffer": GUIDE.encode(),
            }
        ]
    )
    await page.get_by_role("button", name="Add the document").click()
    await _saved(page)

    # The preview in Spanish shows both weeks' questions before anyone can read them.
    await page.goto(f"{live}/es/studio/{SLUG}/preview")
    await expect(page.locator(".preview-banner")).to_contain_text("Vista previa")
    await expect(page.get_by_role("heading", level=1)).to_have_text(TEXTS["title"][1])
    await expect(page.get_by_text(QUESTIONS[1][1])).to_be_visible()
    await expect(page.get_by_text("Economía del cuidado")).to_be_visible()
    await expect(page.get_by_role("link", name="Guía para participantes")).to_be_visible()
    if screenshots:
        await page.screenshot(path=str(screenshots / "studio-preview-es.png"), full_page=True)

    # Publish now.
    await page.goto(f"{live}/en/studio/{SLUG}")
    await expect(page.get_by_text("Nothing: every text is there")).to_be_visible()
    await page.get_by_role("button", name="Publish").click()
    await _saved(page)
    await expect(page.locator(".studio-name .badge")).to_have_text("Open")

    # A contributor answers question 1.
    writer = await _signed_in(browser, live, "studio.writer@example.org")
    answer = await writer.new_page()
    await answer.goto(f"{live}/en/discussions/{SLUG}/questions/1")
    await answer.locator("section.write").get_by_label("Your text", exact=True).fill(ANSWER)
    await answer.locator("section.write").get_by_label("Yes, with my name").check()
    await answer.locator("section.write").get_by_role("button", name="Send").click()
    await expect(answer.locator(".notice").first).to_be_visible()

    # The organiser corrects the French wording of the answered question.
    await page.goto(f"{live}/fr/studio/{SLUG}/weeks")
    await page.get_by_role("link", name="Question 1", exact=True).click()
    await expect(page.locator(".notice")).to_contain_text("1 contribution répond")
    await page.locator("#f-text-fr").fill(FRENCH_FIX)
    await page.get_by_role("button", name="Enregistrer la question").click()
    await expect(page.locator("p.notice[role=status]")).to_contain_text("historique")

    # Readers see the new wording and the answer; the history keeps the first wording.
    reader = await browser.new_context(java_script_enabled=False)
    public = await reader.new_page()
    await public.goto(f"{live}/fr/discussions/{SLUG}/questions/1")
    await expect(public.get_by_text(FRENCH_FIX)).to_be_visible()
    await public.goto(f"{live}/es/discussions/{SLUG}")
    await expect(public.get_by_role("heading", level=1)).to_have_text(TEXTS["title"][1])
    document = await public.request.get(
        live
        + await public.get_by_role("link", name="Guía para participantes").get_attribute("href")
    )
    assert document.status == 200 and "Cómo participar" in await document.text()
    await page.goto(f"{live}/fr/studio/{SLUG}/history")
    history = page.locator("ol.history > li").first
    await expect(history).to_contain_text("Question reformulée")
    await expect(history).to_contain_text(QUESTIONS[0][2])
    await expect(history).to_contain_text(FRENCH_FIX)
    if screenshots:
        await page.screenshot(path=str(screenshots / "studio-history-fr.png"), full_page=True)
    for context in (admin, writer, reader):
        await context.close()
