"""Password hashing with argon2id and the rules a new password must meet."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from forum.core.errors import N_

MIN_LENGTH = 8
MAX_LENGTH = 256

# argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes), pinned
# to argon2id; hashes made with other parameters are upgraded on sign-in via needs_rehash().
_HASHER = PasswordHasher(type=Type.ID)

TOO_SHORT = N_("Use at least 8 characters.")
TOO_LONG = N_("Use at most 256 characters.")
TOO_COMMON = N_("This password is too common: choose one that is harder to guess.")
PERSONAL = N_("Do not use your e-mail address or name as a password.")


def _secret(password: str) -> bytes:
    """Return the bytes to hash: NFC, so that every keyboard's "é" gives the same password."""
    return unicodedata.normalize("NFC", password).encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    """Hash `password` with argon2id and a fresh random salt."""
    return _HASHER.hash(_secret(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash`; False for an empty or invalid hash."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, _secret(password))
    except (VerificationError, InvalidHashError, ValueError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether `password_hash` was made with other parameters (or is not a valid hash)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def _fold(text: str) -> str:
    """Return `text` as compared with other texts: NFKC, stripped, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, read once."""
    source = resources.files("forum") / "data" / "common-passwords.txt"
    lines = source.read_text(encoding="utf-8").splitlines()
    return frozenset(folded for line in lines if (folded := _fold(line)))


def _is_personal(folded: str, email: str, display_name: str) -> bool:
    """Tell whether a folded password is the e-mail address, its local part or the name."""
    address = _fold(email)
    personal = {address, address.rpartition("@")[0], _fold(display_name)}
    personal.discard("")
    return folded in personal


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Return what is wrong with a new password (a message marked with N_), or None."""
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        return TOO_SHORT
    if length > MAX_LENGTH:
        return TOO_LONG
    folded = _fold(password)
    if folded in common_passwords():
        return TOO_COMMON
    if _is_personal(folded, email, display_name):
        return PERSONAL
    return None
