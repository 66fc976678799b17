"""Password hashing with argon2id and the rules for new passwords."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher, Type

from forum.accounts.passwords import (
    PERSONAL,
    TOO_COMMON,
    TOO_LONG,
    TOO_SHORT,
    common_passwords,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

PASSWORD = "correct horse battery staple"
EMAIL = "Zanele.Kgositsile@example.org"
NAME = "Zanele Kgositsile"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_hash_is_argon2id_and_salted(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    again = hash_password(PASSWORD)
    assert again.startswith("$argon2id$") and again != stored


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        (PASSWORD, True),
        ("correct horse battery staplE", False),
        ("correct horse battery stapl", False),
        (PASSWORD + " ", False),
        ("", False),
    ],
)
def test_verify(stored: str, password: str, expected: bool) -> None:
    assert verify_password(stored, password) is expected


@pytest.mark.parametrize(
    "bad_hash",
    ["", "garbage", "$argon2id$v=19$m=65536,t=3,p=4$bm90IGEgaGFzaA", "$2b$12$" + "a" * 53],
)
def test_verify_never_raises_on_a_bad_hash(bad_hash: str) -> None:
    assert verify_password(bad_hash, PASSWORD) is False


def test_verify_accepts_any_unicode_normal_form() -> None:
    stored = hash_password(unicodedata.normalize("NFC", "crème brûlée à l'été"))
    assert verify_password(stored, unicodedata.normalize("NFD", "crème brûlée à l'été"))
    assert verify_password(stored, "lone surrogate \ud800") is False


def test_needs_rehash(stored: str) -> None:
    assert needs_rehash(stored) is False
    weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    old = weaker.hash(PASSWORD)
    assert verify_password(old, PASSWORD)
    assert needs_rehash(old) is True
    assert needs_rehash("garbage") is True
    assert needs_rehash("") is True


def test_common_list_is_loaded_once_and_lower_case() -> None:
    words = common_passwords()
    assert common_passwords() is words
    assert 1_000 <= len(words) <= 10_000
    assert all(word == word.lower() for word in words)
    assert {"password", "123456", "password123"} <= words


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("", TOO_SHORT),
        ("k7#Qz9w", TOO_SHORT),
        ("k7#Qz9wX", None),
        ("e\u0301" * 7, TOO_SHORT),  # 14 code points, but 7 after NFC
        ("e\u0301" * 8, None),
        ("ab" * 128, None),
        ("ab" * 128 + "c", TOO_LONG),
        ("PassWord123", TOO_COMMON),
        ("  passWORD123\t", TOO_COMMON),
        ("ＰａｓｓＷｏｒｄ１２３", TOO_COMMON),  # full-width forms fold under NFKC
        ("password123!x", None),
        ("12345678", TOO_COMMON),
        ("zanele.kgositsile@example.org", PERSONAL),
        ("ZANELE.KGOSITSILE", PERSONAL),
        (" Zanele Kgositsile ", PERSONAL),
        ("zanele kgositsile 1987", None),
        ("Ngā manu e rere ana i te rangi — 東京の空に鳥が飛ぶ 🐦", None),
    ],
)
def test_password_problem(password: str, expected: str | None) -> None:
    assert password_problem(password, email=EMAIL, display_name=NAME) == expected


def test_personal_rules_are_not_common_by_accident() -> None:
    words = common_passwords()
    assert not {"zanele.kgositsile", "zanele kgositsile", "k7#qz9wx"} & words


def test_empty_identity_matches_nothing() -> None:
    assert password_problem("k7#Qz9wX") is None
    assert password_problem("k7#Qz9wX", email="no-at-sign", display_name="") is None
    assert password_problem("no-at-sign", email="no-at-sign") == PERSONAL


def test_messages_are_the_catalog_strings() -> None:
    assert TOO_SHORT == "Use at least 8 characters."
    assert TOO_LONG == "Use at most 256 characters."
    assert TOO_COMMON == "This password is too common: choose one that is harder to guess."
    assert PERSONAL == "Do not use your e-mail address or name as a password."
