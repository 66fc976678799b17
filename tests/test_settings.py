"""Settings: read once from the environment, refusing what cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from forum.settings import Settings, SettingsError, development_secret


def test_defaults_when_environment_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_environ({}, env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'forum.db'}"
    assert settings.languages == ("en", "es", "fr")
    assert settings.env == "development"
    assert settings.mail_backend == "console"
    assert settings.sqlite_synchronous == "FULL"
    # a development key is generated once and kept
    assert (tmp_path / ".forum-secret").read_text().strip() == settings.secret_key
    assert Settings.from_environ({}, env_file=None).secret_key == settings.secret_key


def test_environment_and_env_file_are_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("FORUM_LANGUAGES=es,fr\nFORUM_SMTP_PORT=2525\n", encoding="utf-8")
    settings = Settings.from_environ(
        {
            "FORUM_SECRET_KEY": "k" * 10 + "abcdefghijklmnopqrstuvwxyz",
            "FORUM_BASE_URL": "https://x.org/",
        },
        env_file=env_file,
    )
    assert settings.languages == ("es", "fr")
    assert settings.default_language == "es"
    assert settings.smtp_port == 2525
    assert settings.base_url == "https://x.org"
    assert settings.https


def test_sqlite_synchronous_normal_is_allowed(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {"FORUM_SQLITE_SYNCHRONOUS": " normal ", "FORUM_SECRET_KEY": "k" * 10 + "abcdefghijkl"},
        env_file=None,
    )
    assert settings.sqlite_synchronous == "NORMAL"


@pytest.mark.parametrize("secret", ["", "short", "a" * 64])
def test_production_refuses_missing_or_weak_secret(secret: str) -> None:
    with pytest.raises(SettingsError, match="FORUM_SECRET_KEY"):
        Settings.from_environ(
            {"FORUM_ENV": "production", "FORUM_SECRET_KEY": secret}, env_file=None
        )


def test_production_accepts_strong_secret() -> None:
    key = "Zq4-7vP_2mX9sLk3Wd8hYt6Rb1Nc5Fg0Je"
    settings = Settings.from_environ(
        {"FORUM_ENV": "production", "FORUM_SECRET_KEY": key}, env_file=None
    )
    assert settings.secret_key == key


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FORUM_LANGUAGES", "en,de", "FORUM_LANGUAGES"),
        ("FORUM_ENV", "staging", "FORUM_ENV"),
        ("FORUM_DATABASE_URL", "mysql://x", "FORUM_DATABASE_URL"),
        ("FORUM_MAIL_BACKEND", "pigeon", "FORUM_MAIL_BACKEND"),
        ("FORUM_SMTP_PORT", "twenty-five", "FORUM_SMTP_PORT"),
        ("FORUM_SQLITE_SYNCHRONOUS", "OFF", "FORUM_SQLITE_SYNCHRONOUS"),
    ],
)
def test_bad_values_are_refused_by_name(
    name: str, value: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ({name: value}, env_file=None)


def test_weak_kept_secret_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / ".forum-secret"
    path.write_text("weak\n")
    secret = development_secret(path)
    assert len(secret) >= 32 and path.read_text().strip() == secret
    assert path.stat().st_mode & 0o777 == 0o600


def test_moderation_and_post_settings_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_environ(
        {
            "FORUM_REPORTS_TO_HIDE": "5",
            "FORUM_POST_MAX_CHARS": "4000",
            "FORUM_REMODERATE_EDITS": "false",
        },
        env_file=None,
    )
    assert settings.reports_to_hide == 5 and settings.post_max_chars == 4000
    assert settings.remoderate_edits is False


def test_representation_threshold_is_read() -> None:
    assert Settings.from_environ({}, env_file=None).representation_threshold == 3
    given = {"FORUM_REPRESENTATION_THRESHOLD": "5"}
    assert Settings.from_environ(given, env_file=None).representation_threshold == 5


def test_the_data_folder_holds_the_database_by_default_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    found = Settings.from_environ({}, env_file=None)
    assert found.data_dir == tmp_path / "data" and found.data_dir.is_absolute()
    assert found.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'forum.db'}"
    elsewhere = Settings.from_environ({"FORUM_DATA_DIR": "/srv/forum"}, env_file=None)
    assert elsewhere.database_url == "sqlite+aiosqlite:////srv/forum/forum.db"
    given = {"FORUM_DATA_DIR": "/srv/forum", "FORUM_DATABASE_URL": "sqlite+aiosqlite:///x.db"}
    assert Settings.from_environ(given, env_file=None).database_url == "sqlite+aiosqlite:///x.db"


def test_cache_settings_are_read_with_bounds_that_fit_one_worker_in_150_mb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    found = Settings.from_environ({}, env_file=None)
    assert (found.page_cache_mb, found.shared_cache_mb) == (8, 8)
    assert found.cache_dir == tmp_path / "data" / "cache"
    given = {"FORUM_PAGE_CACHE_MB": "64", "FORUM_SHARED_CACHE_MB": "8", "FORUM_CACHE_DIR": "c"}
    read = Settings.from_environ(given, env_file=None)
    assert (read.page_cache_mb, read.shared_cache_mb) == (64, 8)
    assert read.cache_dir == tmp_path / "c"


@pytest.mark.parametrize("value", ["0", "-1", "5000", "lots"])
@pytest.mark.parametrize("name", ["FORUM_PAGE_CACHE_MB", "FORUM_SHARED_CACHE_MB"])
def test_cache_bounds_out_of_range_are_refused(
    name: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match=name):
        Settings.from_environ({name: value}, env_file=None)
