"""Composing mail: templates rendered into a subject, a text body and an HTML body."""

from __future__ import annotations

from forum.core.clock import FixedClock
from forum.core.i18n import build_templates, load_catalogs
from forum.mail.compose import render_mail
from tests.paths import TEST_TEMPLATES


async def test_render_mail_escapes_html_but_not_text(clock: FixedClock) -> None:
    env = build_templates(TEST_TEMPLATES)  # a template kept for this test
    i18n = load_catalogs(["es"])["es"]
    context = {
        "title": "Débat  «Apprentissage»\n& <formation>",
        "when": clock.now(),
        "name": "Begoña & <Ana>",
        "message": "Une réponse vous attend.",
        "url": "http://127.0.0.1:8000/es/?a=1&b=2",
    }

    mail = render_mail(env, i18n, "example", context)

    assert mail.subject == "Débat «Apprentissage» & <formation> (4 de marzo de 2026)"
    assert mail.text.startswith("Begoña & <Ana>,\n")
    assert "http://127.0.0.1:8000/es/?a=1&b=2\n" in mail.text
    assert "(4 de marzo de 2026)" not in mail.text
    assert "Begoña &amp; &lt;Ana&gt;" in mail.html
    assert 'href="http://127.0.0.1:8000/es/?a=1&amp;b=2"' in mail.html
    assert '<html lang="es">' in mail.html
