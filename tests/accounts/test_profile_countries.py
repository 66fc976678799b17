"""Profiles: the countries a person may choose are real countries and territories only."""

from __future__ import annotations

import pytest

from forum.accounts.profiles import ProfileData, country_codes, profile_errors


def test_country_codes_offer_no_pseudo_regions() -> None:
    codes = country_codes()
    for pseudo in ("XA", "XB", "ZZ", "EU", "EZ", "UN", "QO", "419", "001", "150"):
        assert pseudo not in codes
    for real in ("PE", "CO", "SN", "FR", "ES", "BE", "BT", "PR", "GL", "XK"):
        assert real in codes
    assert len(codes) == 250  # the 249 ISO 3166-1 countries and territories, and Kosovo


@pytest.mark.parametrize("code", ["EU", "ZZ", "XA", "UN"])
def test_profile_with_pseudo_region_is_refused(code: str) -> None:
    data = ProfileData("Ana", "", code, "ngo", "es")
    assert profile_errors(data, ("en", "es", "fr")) == {
        "country": "Choose a country from the list."
    }
