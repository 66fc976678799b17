"""Who said it: the words a synthesis writes after a quotation, in the synthesis's language.

By name: "name, organisation, group, country". Anonymously: a whole sentence per group,
"a training provider from Colombia", so that each language can agree its articles and
genders; no internal code is ever shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from forum.core.errors import N_
from forum.core.i18n import I18n
from forum.core.people import shown_name
from forum.models.types import QuoteConsent, StakeholderGroup


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    organisation: str
    group: str
    country: str  # a two-letter code, or ""


GROUP_NAMES = {
    StakeholderGroup.GOVERNMENT: N_("Government"),
    StakeholderGroup.EMPLOYERS: N_("Employers' organisation"),
    StakeholderGroup.WORKERS: N_("Workers' organisation"),
    StakeholderGroup.TRAINING_PROVIDER: N_("Training provider"),
    StakeholderGroup.NGO: N_("NGO / civil society"),
    StakeholderGroup.ACADEMIA: N_("Academia and research"),
    StakeholderGroup.INTERNATIONAL: N_("International organisation"),
    StakeholderGroup.INDIVIDUAL: N_("Individual"),
    StakeholderGroup.OTHER: N_("Other"),
}
# One whole sentence per group, with and without a country: translators agree each one.
ANONYMOUS_FROM = {
    StakeholderGroup.GOVERNMENT: N_("a government representative from %(country)s"),
    StakeholderGroup.EMPLOYERS: N_("an employers' organisation from %(country)s"),
    StakeholderGroup.WORKERS: N_("a workers' organisation from %(country)s"),
    StakeholderGroup.TRAINING_PROVIDER: N_("a training provider from %(country)s"),
    StakeholderGroup.NGO: N_("a civil society organisation from %(country)s"),
    StakeholderGroup.ACADEMIA: N_("a researcher from %(country)s"),
    StakeholderGroup.INTERNATIONAL: N_("an international organisation, from %(country)s"),
    StakeholderGroup.INDIVIDUAL: N_("a participant from %(country)s"),
    StakeholderGroup.OTHER: N_("a participant from %(country)s"),
}
ANONYMOUS = {
    StakeholderGroup.GOVERNMENT: N_("a government representative"),
    StakeholderGroup.EMPLOYERS: N_("an employers' organisation"),
    StakeholderGroup.WORKERS: N_("a workers' organisation"),
    StakeholderGroup.TRAINING_PROVIDER: N_("a training provider"),
    StakeholderGroup.NGO: N_("a civil society organisation"),
    StakeholderGroup.ACADEMIA: N_("a researcher"),
    StakeholderGroup.INTERNATIONAL: N_("an international organisation"),
    StakeholderGroup.INDIVIDUAL: N_("a participant"),
    StakeholderGroup.OTHER: N_("a participant"),
}


def _group(value: str) -> StakeholderGroup:
    try:
        return StakeholderGroup(value)
    except ValueError:
        return StakeholderGroup.OTHER


def country_name(i18n: I18n, code: str) -> str:
    """Name a country in the reader's language ("Colombia", "Colombie")."""
    return str(i18n.locale.territories.get(code, "")) if code else ""


def attribution(i18n: I18n, author: Author, consent: str) -> str:
    """Say who wrote a quoted post as its author allowed; "" when they refused quoting."""
    group = _group(author.group)
    if consent == QuoteConsent.BY_NAME and not author.name:  # the account was deleted
        return shown_name(author.name, i18n.gettext)
    if consent == QuoteConsent.BY_NAME:
        parts = (
            author.name,
            author.organisation,
            i18n.gettext(GROUP_NAMES[group]),
            country_name(i18n, author.country),
        )
        return ", ".join(part for part in parts if part.strip())
    if consent == QuoteConsent.ANONYMOUSLY:
        country = country_name(i18n, author.country)
        if country:
            return i18n.gettext(ANONYMOUS_FROM[group]) % {"country": country}
        return i18n.gettext(ANONYMOUS[group])
    return ""
