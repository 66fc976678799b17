"""The privacy page in each language, and the links to it where personal data is asked."""

from __future__ import annotations

import httpx
import pytest

from forum.accounts.privacy import privacy_text
from forum.core.errors import NotFound

# A sentence of each language's own text, and the page's title in that language.
OWN_WORDS = {
    "en": ("Your IP address", "Privacy: your data"),
    "es": ("Su dirección IP", "Privacidad: sus datos"),
    "fr": ("Votre adresse IP", "Confidentialité\u00a0: vos données"),
}


@pytest.mark.parametrize("lang", sorted(OWN_WORDS))
async def test_the_page_in_each_language(client: httpx.AsyncClient, lang: str) -> None:
    sentence, title = OWN_WORDS[lang]
    page = await client.get(f"/{lang}/privacy")
    assert page.status_code == 200
    assert sentence in page.text and f"<h1>{title}</h1>" in page.text
    assert '<h2 id="s1-title">' in page.text  # the text's sections, under the page's title
    others = [words[0] for other, words in OWN_WORDS.items() if other != lang]
    assert not any(sentence in page.text for sentence in others)
    assert f'href="/{lang}/account/sign-in"' in page.text


def test_every_language_says_what_how_long_and_how_to_leave() -> None:
    for lang, words in {
        "en": ("cookie", "14 days", "JSON", "former participant"),
        "es": ("cookie", "14 días", "JSON", "antigua persona participante"),
        "fr": ("cookie", "14 jours", "JSON", "ancien participant"),
    }.items():
        text = privacy_text(lang)
        html = " ".join([text.introduction_html, *(part.html for part in text.sections)]).lower()
        assert len(text.sections) == 3
        assert all(word.lower() in html for word in words), lang


def test_a_language_without_a_text_is_not_found() -> None:
    with pytest.raises(NotFound):
        privacy_text("de")


# Every page links it in its footer; a form asking for personal data links it once more.
@pytest.mark.parametrize(
    ("path", "links"),
    [("/es/", 1), ("/es/guidelines", 1), ("/es/account/register", 2), ("/es/newsletter", 2)],
)
async def test_linked_from_the_footer_and_the_forms(
    client: httpx.AsyncClient, path: str, links: int
) -> None:
    page = await client.get(path)
    assert page.text.count('href="/es/privacy"') == links


async def test_the_register_form_says_why_it_asks(client: httpx.AsyncClient) -> None:
    page = await client.get("/fr/account/register")
    assert "pour voir quelles voix manquent" in page.text
