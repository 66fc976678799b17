"""Typed settings, read once from the environment or a `.env` file."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from forum.core.localize import DEFAULT_LANGUAGE

SUPPORTED_LANGUAGES = ("en", "es", "fr")
ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_LENGTH = 32
DEFAULT_DATA_DIR = Path("data")
# By default the SQLite file lives in the data folder, beside the uploads (one thing to back up).
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/forum.db"
# SQLite's `PRAGMA synchronous` on every connection: FULL survives a power loss (a server's
# choice); NORMAL in WAL mode may lose the last commits on power loss, never the file.
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


class SettingsError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


class _Source:
    """Read a setting from the environment first, then the .env file, cast to its type."""

    def __init__(self, environ: Mapping[str, str], path: Path | None) -> None:
        found = dotenv_values(path) if path is not None else {}
        self.values = {k: v for k, v in found.items() if v is not None} | dict(environ)

    def __call__(self, name: str, cast: Callable[[str], object] = str, default: object = "") -> Any:
        if name not in self.values:
            return default
        try:
            return cast(self.values[name])
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from error


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    env: str = "development"
    base_url: str = "http://127.0.0.1:8000"
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    mail_backend: str = "console"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = "forum@localhost"
    session_idle_days: int = 14
    session_max_days: int = 60
    max_body_bytes: int = 1024 * 1024
    post_min_chars: int = 2
    post_max_chars: int = 10_000
    remoderate_edits: bool = True
    reports_to_hide: int = 3
    # Uploaded documents (and, by default, nothing else yet) live under this folder.
    data_dir: Path = Path("data")
    max_document_bytes: int = 20 * 1024 * 1024
    # Files derived from installed packages (the language model's compact copy, written once
    # and read by every worker): safe to delete, rebuilt when missing, no need to back up.
    # From the environment: FORUM_CACHE_DIR, by default data_dir/cache. None (settings made
    # in code, as by tests and scripts): the user's cache folder, ~/.cache/forum.
    cache_dir: Path | None = None
    # Bounds of each worker's caches, in MiB: anonymous readers' whole pages, and what
    # signed-in pages share (thread lists, plus a quarter of that again for page shells).
    page_cache_mb: int = 8
    shared_cache_mb: int = 8
    # The analysis warns when a stakeholder group gave fewer answers than this to a question.
    representation_threshold: int = 3
    # Reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are
    # believed; from any other peer those headers are ignored. Empty: no proxy is trusted.
    trusted_proxies: tuple[str, ...] = ()
    # Who may read /metrics: a scraper sending this bearer token; empty: this machine only.
    metrics_token: str = field(default="", repr=False)
    sqlite_synchronous: str = "FULL"

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise SettingsError(f"FORUM_ENV={self.env!r} is not one of {', '.join(ENVIRONMENTS)}.")
        unknown = [lang for lang in self.languages if lang not in SUPPORTED_LANGUAGES]
        if unknown or not self.languages:
            raise SettingsError(
                f"FORUM_LANGUAGES={','.join(self.languages)!r}: each must be one of "
                f"{', '.join(SUPPORTED_LANGUAGES)}, and at least one is needed."
            )
        if self.mail_backend not in ("console", "smtp"):
            raise SettingsError(
                f"FORUM_MAIL_BACKEND={self.mail_backend!r} is not 'console' or 'smtp'."
            )
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise SettingsError(
                "FORUM_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(
                    f"FORUM_TRUSTED_PROXIES: {proxy!r} is not an IP address or network "
                    "(for example 127.0.0.1, 10.0.0.0/8 or ::1)."
                ) from None
        for name in ("page_cache_mb", "shared_cache_mb"):
            if not 1 <= getattr(self, name) <= 4096:
                raise SettingsError(f"FORUM_{name.upper()} must be from 1 to 4096 (MiB).")
        if self.sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise SettingsError(
                f"FORUM_SQLITE_SYNCHRONOUS={self.sqlite_synchronous!r} is not "
                f"{' or '.join(SQLITE_SYNCHRONOUS)} (FULL survives a power loss)."
            )
        if self.env == "production" and weak_secret(self.secret_key):
            raise SettingsError(
                "FORUM_SECRET_KEY is missing or weak: in production it must be at least "
                f"{MIN_SECRET_LENGTH} characters with some variety. Generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )

    @property
    def default_language(self) -> str:
        return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in self.languages else self.languages[0]

    @property
    def session_cookie(self) -> str:
        # The __Host- prefix makes browsers refuse the cookie unless Secure, host-only, Path=/.
        return "__Host-forum_session" if self.https else "forum_session"

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Read settings from `environ` (default: os.environ) and an optional .env file."""
        source = os.environ if environ is None else environ
        path = Path(env_file) if env_file is not None and Path(env_file).is_file() else None
        config = _Source(source, path)
        env = config("FORUM_ENV", default="development")
        secret = config("FORUM_SECRET_KEY", default="")
        if not secret and env != "production":
            secret = development_secret(Path(".forum-secret"))
        languages = tuple(
            lang.strip()
            for lang in config("FORUM_LANGUAGES", default=",".join(SUPPORTED_LANGUAGES)).split(",")
            if lang.strip()
        )
        # Resolved once, so that every process and message names the same folder wherever
        # the command was started from.
        data_dir = config("FORUM_DATA_DIR", cast=Path, default=DEFAULT_DATA_DIR).resolve()
        try:
            return cls(
                database_url=config(
                    "FORUM_DATABASE_URL", default=f"sqlite+aiosqlite:///{data_dir / 'forum.db'}"
                ),
                secret_key=secret,
                env=env,
                base_url=config("FORUM_BASE_URL", default="http://127.0.0.1:8000").rstrip("/"),
                languages=languages,
                mail_backend=config("FORUM_MAIL_BACKEND", default="console"),
                smtp_host=config("FORUM_SMTP_HOST", default="127.0.0.1"),
                smtp_port=config("FORUM_SMTP_PORT", cast=int, default=25),
                smtp_username=config("FORUM_SMTP_USERNAME", default=""),
                smtp_password=config("FORUM_SMTP_PASSWORD", default=""),
                smtp_starttls=config("FORUM_SMTP_STARTTLS", cast=_flag, default=False),
                mail_from=config("FORUM_MAIL_FROM", default="forum@localhost"),
                session_idle_days=config("FORUM_SESSION_IDLE_DAYS", cast=int, default=14),
                session_max_days=config("FORUM_SESSION_MAX_DAYS", cast=int, default=60),
                max_body_bytes=config("FORUM_MAX_BODY_BYTES", cast=int, default=1024 * 1024),
                post_min_chars=config("FORUM_POST_MIN_CHARS", cast=int, default=2),
                post_max_chars=config("FORUM_POST_MAX_CHARS", cast=int, default=10_000),
                remoderate_edits=config("FORUM_REMODERATE_EDITS", cast=_flag, default=True),
                reports_to_hide=config("FORUM_REPORTS_TO_HIDE", cast=int, default=3),
                data_dir=data_dir,
                max_document_bytes=config(
                    "FORUM_MAX_DOCUMENT_BYTES", cast=int, default=20 * 1024 * 1024
                ),
                cache_dir=config(
                    "FORUM_CACHE_DIR", cast=Path, default=data_dir / "cache"
                ).resolve(),
                page_cache_mb=config("FORUM_PAGE_CACHE_MB", cast=int, default=8),
                shared_cache_mb=config("FORUM_SHARED_CACHE_MB", cast=int, default=8),
                representation_threshold=config(
                    "FORUM_REPRESENTATION_THRESHOLD", cast=int, default=3
                ),
                trusted_proxies=address_list(config("FORUM_TRUSTED_PROXIES", default="")),
                metrics_token=config("FORUM_METRICS_TOKEN", default=""),
                sqlite_synchronous=config(
                    "FORUM_SQLITE_SYNCHRONOUS", cast=lambda v: v.strip().upper(), default="FULL"
                ),
            )
        except ValueError as error:
            raise SettingsError(str(error)) from error


def address_list(text: str) -> tuple[str, ...]:
    """Split a comma-separated list of addresses or networks, dropping blanks."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def weak_secret(secret: str) -> bool:
    """Tell whether a secret key is too short or too uniform to sign anything."""
    return len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 10


def development_secret(path: Path) -> str:
    """Return the development secret kept in `path`, creating it on first use."""
    if path.is_file():
        kept = path.read_text(encoding="utf-8").strip()
        if not weak_secret(kept):
            return kept
    secret = secrets.token_urlsafe(48)
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    return secret
