"""Forms: the country list in each language, and where a form may send a person next."""

from __future__ import annotations

import pytest

from forum.web.forms import countries


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
