"""Forms: the country list in each language, and where a form may send a person next."""

from __future__ import annotations

import gc
import html
import re
from datetime import timedelta

import httpx
import pytest
from pyuca import Collator

from forum.db import Database
from forum.web.forms import countries, safe_next
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, post_form, sign_in_as
from tests.paths import ROOT


def _names(language: str) -> list[str]:
    return [name for _code, name in countries(language)]


@pytest.mark.parametrize(
    ("language", "pseudo"),
    [
        ("es", ["Pseudoacentos", "Región desconocida", "zona del euro", "Naciones Unidas"]),
        ("fr", ["pseudo-accents", "région indéterminée", "zone euro", "Nations Unies"]),
        ("en", ["Pseudo-Accents", "Unknown Region", "Eurozone", "United Nations"]),
    ],
)
def test_country_list_names_no_pseudo_region(language: str, pseudo: list[str]) -> None:
    names = _names(language)
    for name in pseudo:
        assert name not in names
    assert all(not code.isdigit() for code, _name in countries(language))


@pytest.mark.parametrize(
    ("language", "ordered"),
    [
        ("es", ["Barbados", "Baréin", "Bélgica", "Belice", "Benín", "Bután"]),
        ("fr", ["Belgique", "Belize", "Bénin", "Bermudes", "Bhoutan", "Biélorussie"]),
        ("en", ["Afghanistan", "Åland Islands", "Albania"]),
        ("es", ["Ecuador", "Egipto", "El Salvador", "Emiratos Árabes Unidos"]),
    ],
)
def test_country_list_sorts_by_locale_collation(language: str, ordered: list[str]) -> None:
    names = _names(language)
    positions = [names.index(name) for name in ordered]
    assert positions == sorted(positions), [names[i] for i in sorted(positions)]


LANGUAGES = ("en", "es", "fr")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http:/evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "/en//evil.example",
        "/en/%2F%2Fevil.example",
        "/en/%5C%5Cevil.example",
        "/en/\\evil.example",
        "/\t/evil.example",
        "/en/\t/evil.example",
        "/en/%09/evil.example",
        "/en/x\r\nSet-Cookie: a=b",
        "javascript:alert(1)",
        "/de/discussions/x",
        "/en",
        "en/discussions/x",
        "",
    ],
)
def test_safe_next_refuses_open_redirect(target: str) -> None:
    assert safe_next(target, "/en/", languages=LANGUAGES) == "/en/"


@pytest.mark.parametrize(
    ("target", "language", "expected"),
    [
        ("/en/discussions/x/questions/3", None, "/en/discussions/x/questions/3"),
        ("/en/discussions/x/questions/3?page=2", None, "/en/discussions/x/questions/3?page=2"),
        ("/en/", None, "/en/"),
        ("/en/discussions/x/questions/3", "fr", "/fr/discussions/x/questions/3"),
        ("/es/discussions/caf%C3%A9", "en", "/en/discussions/caf%C3%A9"),
    ],
)
def test_safe_next_keeps_a_page_of_this_site(
    target: str, language: str | None, expected: str
) -> None:
    assert safe_next(target, "/en/", languages=LANGUAGES, language=language) == expected


def _summary_links(page: str) -> list[str]:
    found = re.search(r'<div class="form-error"[^>]*>(.*?)</div>', page, re.S)
    assert found, "no error summary"
    return re.findall(r'<a href="#([^"]+)">', found.group(1))


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "Error: Create an account"),
        ("es", "Error: Crear una cuenta"),
        ("fr", "Erreur\u00a0: Créer un compte"),
    ],
)
async def test_form_with_errors_links_each_field_and_says_error_in_title(
    client: httpx.AsyncClient, language: str, title: str
) -> None:
    data = {"email": "not-an-address", "password": "short", "display_name": "", "country": "ZZ"}
    response = await post_form(client, f"/{language}/account/register", data)

    assert response.status_code == 422
    page = html.unescape(response.text)
    assert re.search(r"<title>([^<]*)</title>", page).group(1).startswith(title)  # type: ignore[union-attr]
    links = _summary_links(response.text)
    assert set(links) >= {"f-email", "f-password", "f-display_name", "f-country"}
    for target in links:
        assert f'id="{target}"' in response.text  # each link lands on its field


async def test_form_without_errors_has_plain_title(client: httpx.AsyncClient) -> None:
    page = (await client.get("/en/account/register")).text
    assert "<title>Create an account" in page and "form-error" not in page


async def test_answer_with_errors_links_to_the_text_box(
    client: httpx.AsyncClient, db: Database
) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    await sign_in_as(client, db, await make_user(db))
    base = "/fr/discussions/remote-apprenticeships/questions/3"
    response = await post_form(
        client,
        base + "/answer",
        {"source": " ", "language": "", "quote_consent": "by_name", "action": "publish"},
        form_page=base,
    )

    assert response.status_code == 422
    assert "<title>Erreur\u00a0: " in html.unescape(response.text)
    assert _summary_links(response.text) == ["compose-source"]
    assert 'id="compose-source"' in response.text


def _colour(value: str, variables: dict[str, str]) -> tuple[int, int, int]:
    while value.startswith("var("):
        value = variables[value[4:-1].strip()]
    hexa = value.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(2 * c for c in hexa)
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_focus_ring_contrasts_three_to_one_with_what_surrounds_it() -> None:
    css = re.sub(
        r"/\*.*?\*/", "", (ROOT / "forum" / "static" / "style.css").read_text(), flags=re.S
    )
    variables = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", css))
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
    focus = [body for selector, body in rules if ":focus-visible" in selector and "outline" in body]
    assert focus, "no focus style"
    for body in focus:  # every focus rule, the later ones included
        ring = re.search(r"outline:\s*\d+px\s+solid\s+([^;\s]+)", body)
        assert ring, body
        colour = _colour(ring.group(1), variables)
        backgrounds = ["var(--paper)", "var(--wash)", "#fdf0ef"]  # pages, panels, errors
        halo = re.search(r"box-shadow:[^;]*\s(#\w+|var\([^)]+\))\s*;", body)
        backgrounds += [halo.group(1)] if halo else []
        for background in backgrounds:
            ratio = contrast(colour, _colour(background, variables))
            assert ratio >= 3, (ring.group(1), background, round(ratio, 2))


def test_contrast_is_computed_as_wcag_says() -> None:
    assert round(contrast((255, 191, 71), (255, 255, 255)), 2) == 1.64  # the old ring, on white
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0


def test_no_collator_is_kept_once_the_countries_are_sorted() -> None:
    countries("fr")
    gc.collect()
    assert not [kept for kept in gc.get_objects() if isinstance(kept, Collator)]
