"""The `forum` command: help, migrate, demo (idempotent), import, update and export."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import tomli_w

from forum.processes import serve_banner
from forum.schema import MIGRATIONS, migrate
from forum.settings import Settings
from tests.conftest import NOW, SECRET, in_thread
from tests.factories import discussion_data
from tests.paths import ROOT


def forum(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the venv was installed from
        "FORUM_DATABASE_URL": database_url,
        "FORUM_ENV": "test",
        "FORUM_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijkl",
    }
    return subprocess.run(
        [sys.executable, "-m", "forum.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_commands(tmp_path: Path) -> None:
    result = forum("--help", database_url="sqlite+aiosqlite:///x.db", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "migrate", "demo", "import", "export-discussion"):
        assert command in result.stdout


def test_migrate_demo_twice_then_import(database_url: str, tmp_path: Path) -> None:
    assert forum("migrate", database_url=database_url, cwd=tmp_path).returncode == 0
    first = forum("demo", database_url=database_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "skills-in-crisis: added" in first.stdout
    second = forum("demo", database_url=database_url, cwd=tmp_path)
    assert second.returncode == 0
    assert "skills-in-crisis: already there" in second.stdout
    assert "added" not in second.stdout

    good = tmp_path / "good.toml"
    good.write_text(tomli_w.dumps(discussion_data(start=NOW)), encoding="utf-8")
    result = forum("import", str(good), database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The discussion “remote-apprenticeships” is imported.\n"
    again = forum("import", str(good), "--language", "es", database_url=database_url, cwd=tmp_path)
    assert again.returncode == 1
    assert f"{good}:1: slug: Ya existe un debate con esta dirección" in again.stderr


def test_import_refusal_says_each_problem_with_its_line(tmp_path: Path) -> None:
    data = discussion_data(start=NOW)
    del data["title"]["es"]
    data["weeks"][1]["questions"][0]["number"] = 1
    bad = tmp_path / "bad.toml"
    bad.write_text(tomli_w.dumps(data), encoding="utf-8")
    lines = bad.read_text(encoding="utf-8").splitlines()
    title = lines.index("[title]") + 1
    second_week = [n for n, line in enumerate(lines, 1) if line == "[[weeks]]"][1]
    number = next(n for n, line in enumerate(lines, 1) if n > second_week and "number" in line)
    result = forum(
        "import",
        str(bad),
        "--language",
        "fr",
        database_url="sqlite+aiosqlite:///x.db",
        cwd=tmp_path,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "Le fichier de la discussion a été refusé\u00a0; rien n'en a été écrit.",
        f"{bad}:{title}: title.es: Le titre manque en espagnol.",
        f"{bad}:{number}: weeks[2].questions[1].number: La question 1 est numérotée deux fois"
        "\u00a0; chaque question a besoin de son propre numéro.",
    ]
    assert not (tmp_path / "x.db").exists()  # refused before the database was opened


def test_export_then_update_from_the_edited_file(database_url: str, tmp_path: Path) -> None:
    assert forum("migrate", database_url=database_url, cwd=tmp_path).returncode == 0
    first = tmp_path / "first.toml"
    first.write_text(tomli_w.dumps(discussion_data(start=NOW)), encoding="utf-8")
    assert forum("import", str(first), database_url=database_url, cwd=tmp_path).returncode == 0
    exported = forum(
        "export-discussion", "remote-apprenticeships", database_url=database_url, cwd=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    edited = tmp_path / "edited.toml"
    edited.write_text(
        exported.stdout.replace(
            "Question 3 : qu'est-ce qui a marché", "Question 3 : qu'est-ce qui a le mieux marché"
        ),
        encoding="utf-8",
    )
    dry = forum("import", "--update", str(edited), database_url=database_url, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "Question 3: the text in French changed.",
        "Nothing is written yet: run again with --apply to make these changes.",
    ]
    unchanged = forum(
        "export-discussion", "remote-apprenticeships", database_url=database_url, cwd=tmp_path
    )
    assert unchanged.stdout == exported.stdout
    applied = forum(
        "import", "--update", "--apply", str(edited), database_url=database_url, cwd=tmp_path
    )
    assert applied.returncode == 0 and applied.stdout.endswith("These changes are written.\n")
    after = forum(
        "export-discussion",
        "remote-apprenticeships",
        "--documents",
        str(tmp_path / "files"),
        database_url=database_url,
        cwd=tmp_path,
    )
    assert after.stdout == edited.read_text(encoding="utf-8")
    missing = forum("export-discussion", "no-such-thing", database_url=database_url, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr == "There is no discussion with the address “no-such-thing”.\n"


@pytest.mark.parametrize("secret", ["", "weak"])
def test_production_without_strong_secret_stops(tmp_path: Path, secret: str) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "FORUM_ENV": "production",
        "FORUM_SECRET_KEY": secret,
    }
    result = subprocess.run(
        [sys.executable, "-m", "forum.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "FORUM_SECRET_KEY is missing or weak" in result.stderr


def test_create_admin_makes_admin_and_refuses_weak_password(
    database_url: str, tmp_path: Path
) -> None:
    assert forum("migrate", database_url=database_url, cwd=tmp_path).returncode == 0
    env_password = "the admin's long passphrase"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "forum.cli",
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Site Admin",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "FORUM_DATABASE_URL": database_url,
            "FORUM_ENV": "test",
            "FORUM_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijkl",
            "FORUM_ADMIN_PASSWORD": env_password,
        },
    )
    assert result.returncode == 0, result.stderr
    assert "admin@example.org is an admin" in result.stdout
    weak = subprocess.run(
        [sys.executable, "-m", "forum.cli", "create-admin", "--email", "b@example.org"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "FORUM_DATABASE_URL": database_url,
            "FORUM_ENV": "test",
            "FORUM_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijkl",
            "FORUM_ADMIN_PASSWORD": "password",
        },
    )
    assert weak.returncode == 1 and "password: This password is too common" in weak.stderr


def test_worker_once_sends_nothing_quietly(database_url: str, tmp_path: Path) -> None:
    assert forum("migrate", database_url=database_url, cwd=tmp_path).returncode == 0
    result = forum("worker", "--once", database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_migrate_new_database_says_created_then_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    first = forum("migrate", database_url=url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"Database created and migrated to revision {_head()}." in first.stdout
    again = forum("migrate", database_url=url, cwd=tmp_path)
    assert f"Database already up to date (revision {_head()})." in again.stdout


def test_migrate_old_database_says_from_which_revision(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    in_thread(migrate, Settings(database_url=url, env="test", secret_key=SECRET), "0005")
    result = forum("migrate", database_url=url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Database migrated from revision 0005 to {_head()}." in result.stdout


def test_migrate_known_database_says_up_to_date(database_url: str, tmp_path: Path) -> None:
    result = forum("migrate", database_url=database_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Database already up to date (revision {_head()})." in result.stdout


def test_serve_banner_tells_address_and_how_to_make_an_admin() -> None:
    text = serve_banner("127.0.0.1", 8123, program=".venv/bin/forum")
    assert "http://127.0.0.1:8123/" in text
    assert ".venv/bin/forum create-admin --email" in text


def test_analyse_keeps_a_discussions_themes(database_url: str, tmp_path: Path) -> None:
    assert forum("migrate", database_url=database_url, cwd=tmp_path).returncode == 0
    assert forum("demo", database_url=database_url, cwd=tmp_path).returncode == 0
    found = forum("analyse", "skills-in-crisis", database_url=database_url, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("skills-in-crisis: ") and "key phrases kept" in found.stdout
    missing = forum(
        "analyse", "no-such", "--language", "es", database_url=database_url, cwd=tmp_path
    )
    assert missing.returncode == 1
    assert "No hay ningún debate" in missing.stderr or "no-such" in missing.stderr


def test_serve_refuses_a_missing_database_and_creates_none(tmp_path: Path) -> None:
    result = forum("serve", database_url="sqlite+aiosqlite:///./forum.db", cwd=tmp_path)
    assert result.returncode == 1
    assert f"There is no database at {tmp_path / 'forum.db'}" in result.stderr
    assert "Run `forum migrate` first" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the folder


def test_serve_refuses_a_schema_older_than_the_code(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    in_thread(migrate, Settings(database_url=url, env="test", secret_key=SECRET), "0013")
    result = forum("serve", database_url=url, cwd=tmp_path)
    assert result.returncode == 1 and "The database has revision 0013" in result.stderr


def test_serve_takes_a_number_of_workers_within_bounds(tmp_path: Path) -> None:
    for wrong in ("0", "65", "many"):
        result = forum(
            "serve", "--workers", wrong, database_url="sqlite+aiosqlite:///x.db", cwd=tmp_path
        )
        assert result.returncode == 2 and "--workers" in result.stderr


def test_serve_with_two_workers_behind_a_local_proxy(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}"
    assert forum("migrate", database_url=url, cwd=tmp_path).returncode == 0
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "FORUM_DATABASE_URL": url,
        "FORUM_ENV": "test",
        "FORUM_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijkl",
    }
    command = [sys.executable, "-m", "forum.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--proxy-headers"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = None
        deadline = time.monotonic() + 60
        while ready is None and time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.5)
        assert ready is not None, server.stderr.read() if server.poll() is not None else "timeout"
        assert ready.status_code == 200 and ready.json()["status"] == "ok"
        page = httpx.get(f"http://127.0.0.1:{port}/en/", timeout=10)
        assert page.status_code == 200
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "Started parent process" in err and err.count("Started server process") == 2


def test_scheduler_once_runs_each_job_then_nothing_until_due(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}"
    assert forum("migrate", database_url=url, cwd=tmp_path).returncode == 0
    first = forum("scheduler", "--once", database_url=url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert " newsletter: queued 0 question-set" in first.stdout
    assert " housekeeping: 0 rate-limit counters and 0 spent tokens deleted" in first.stdout
    second = forum("scheduler", "--once", database_url=url, cwd=tmp_path)
    assert second.returncode == 0 and second.stdout == ""  # a second machine, or cron again
