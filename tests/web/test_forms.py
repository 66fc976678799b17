"""Forms: the country list in each language, and where a form may send a person next."""

from __future__ import annotations

import pytest

from forum.web.forms import countries, safe_next


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
