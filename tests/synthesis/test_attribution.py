"""Who said it, after a quotation: a deleted account's person is "a former participant"."""

from __future__ import annotations

from forum.core.i18n import I18n
from forum.synthesis.attribution import Author, attribution


def test_by_name_gives_name_organisation_group_and_country(catalogs: dict[str, I18n]) -> None:
    author = Author("Lucía Gómez", "Red de Formación Dual", "ngo", "CO")
    said = attribution(catalogs["es"], author, "by_name")
    assert said.startswith("Lucía Gómez, Red de Formación Dual") and "Colombia" in said


def test_a_former_participant_keeps_their_consent_but_not_their_name(
    catalogs: dict[str, I18n],
) -> None:
    emptied = Author("", "", "ngo", "")
    assert attribution(catalogs["fr"], emptied, "by_name") == "un ancien participant"
    assert attribution(catalogs["en"], emptied, "by_name") == "a former participant"
    assert attribution(catalogs["es"], emptied, "anonymously") == (
        "una organización de la sociedad civil"
    )
    assert attribution(catalogs["en"], emptied, "not_at_all") == ""
