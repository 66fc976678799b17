"""What an organiser types for a live session: accepted as meant, or every fault named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.core.errors import FormInvalid
from forum.live.checks import (
    BAD_DATE,
    BAD_DURATION,
    BAD_LANGUAGE,
    BAD_LINK,
    BAD_TIME,
    BAD_ZONE,
    DESCRIPTION_TOO_LONG,
    NO_SUCH_TIME,
    NO_TITLE,
    TITLE_TOO_LONG,
    blank_form,
    check_session,
)
from forum.models import Discussion
from tests.conftest import NOW
from tests.live.conftest import session_input

LANGUAGES = ("en", "es", "fr")


def _errors(**changes: object) -> dict[str, str]:
    with pytest.raises(FormInvalid) as refused:
        check_session(session_input(**changes), LANGUAGES)
    return refused.value.errors


def test_time_is_read_in_the_chosen_zone_and_kept_in_utc() -> None:
    checked = check_session(session_input(), LANGUAGES)
    assert checked.starts_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 15:00 in Madrid
    assert checked.timezone == "Europe/Madrid" and checked.duration_minutes == 120
    assert checked.titles == {"en": "Ask the trainers", "es": "Pregunte a los formadores"}
    assert checked.descriptions == {"en": "An hour of questions."}
    summer = check_session(session_input(day="2026-07-10"), LANGUAGES)
    assert summer.starts_at == datetime(2026, 7, 10, 13, 0, tzinfo=UTC)  # summer time
    assert check_session(session_input(timezone="UTC"), LANGUAGES).starts_at.hour == 15


def test_every_refused_field_is_named_at_once() -> None:
    errors = _errors(
        titles={"en": " ", "es": "", "fr": ""},
        day="10/03/2026",
        clock="3pm",
        timezone="Mars/Olympus",
        duration="9000",
        registration_url="javascript:alert(1)",
        language="de",
    )
    assert errors == {
        "title-en": NO_TITLE,
        "day": BAD_DATE,
        "clock": BAD_TIME,
        "timezone": BAD_ZONE,
        "duration": BAD_DURATION,
        "registration_url": BAD_LINK,
        "language": BAD_LANGUAGE,
    }


@pytest.mark.parametrize("duration", ["14", "481", "", "-30", "1e2", "١٢٠", "90.5"])
def test_length_must_be_whole_minutes_from_15_to_480(duration: str) -> None:
    assert _errors(duration=duration) == {"duration": BAD_DURATION}


@pytest.mark.parametrize("minutes", ["15", "480", " 90 "])
def test_length_bounds_are_accepted(minutes: str) -> None:
    assert check_session(session_input(duration=minutes), LANGUAGES).duration_minutes == int(
        minutes
    )


@pytest.mark.parametrize(
    "link",
    [
        "ftp://example.org/file",
        "https://",
        "https://exa mple.org/",
        "example.org/register",
        "data:text/html,hi",
        "https://example.org:99999/",
        "https://example.org/\u0000",
        "https://example.org/" + "a" * 500,
    ],
)
def test_registration_link_must_be_a_web_address(link: str) -> None:
    assert _errors(registration_url=link) == {"registration_url": BAD_LINK}


def test_registration_link_is_optional() -> None:
    assert check_session(session_input(registration_url="  "), LANGUAGES).registration_url == ""
    plain = check_session(session_input(registration_url="http://127.0.0.1:8080/x"), LANGUAGES)
    assert plain.registration_url == "http://127.0.0.1:8080/x"


@pytest.mark.parametrize("day", ["2026-02-30", "2026-3-10", "tomorrow", "20260310", ""])
def test_date_must_exist(day: str) -> None:
    assert _errors(day=day) == {"day": BAD_DATE}


@pytest.mark.parametrize("clock", ["24:00", "15", "15h", "", "15:00:00:00"])
def test_time_must_be_hours_and_minutes(clock: str) -> None:
    assert _errors(clock=clock) == {"clock": BAD_TIME}


def test_a_time_the_clocks_skip_is_refused() -> None:
    # On 29 March 2026 clocks in Madrid go from 02:00 straight to 03:00.
    assert _errors(day="2026-03-29", clock="02:30") == {"clock": NO_SUCH_TIME}
    # A time that happens twice (clocks back on 25 October) is taken the first time.
    twice = check_session(session_input(day="2026-10-25", clock="02:30"), LANGUAGES)
    assert twice.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_texts_have_limits() -> None:
    long_title = {"en": "x" * 201, "es": "bien", "fr": ""}
    long_text = {"en": "", "es": "", "fr": "y" * 2001}
    assert _errors(titles=long_title, descriptions=long_text) == {
        "title-en": TITLE_TOO_LONG,
        "description-fr": DESCRIPTION_TOO_LONG,
    }


def test_working_language_must_be_the_discussions() -> None:
    with pytest.raises(FormInvalid) as refused:
        check_session(session_input(language="fr"), ("en", "es"))
    assert refused.value.errors == {"language": BAD_LANGUAGE}


def test_blank_form_offers_the_discussions_zone_two_hours_and_first_language() -> None:
    discussion = Discussion(
        slug="x",
        opens_at=NOW,
        closes_at=NOW,
        timezone="America/Bogota",
        moderation_mode="pre",
        languages="es,en",
        created_at=NOW,
    )
    assert blank_form(discussion) == {
        "timezone": "America/Bogota",
        "duration": "120",
        "language": "es",
    }
