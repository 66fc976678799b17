"""`forum export SLUG --format csv|json|jsonl`: to a file or stdout, a bar on a terminal only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from forum.cli import main
from forum.core.errors import NotFound
from forum.db import Database
from forum.exports.cli import Progress, run_export
from forum.exports.csvfile import BOM
from forum.exports.formats import Format
from forum.settings import Settings
from tests.exports.seeding import PENDING, seed


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_every_post_goes_to_the_file_in_each_format(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    ids = await seed(db)
    for form in Format:
        out = tmp_path / f"posts.{form.value}"
        assert await run_export(settings, "remote-apprenticeships", form, out) == len(ids)
        text = out.read_text(encoding="utf-8")
        assert PENDING in text  # the command line is the moderators' export
        if form is Format.CSV:
            assert text.startswith(BOM)
        elif form is Format.JSON:
            assert len(json.loads(text)["posts"]) == len(ids)
        else:
            assert [json.loads(line)["id"] for line in text.splitlines()] == sorted(ids.values())


async def test_an_unknown_discussion_is_not_found(db: Database, settings: Settings) -> None:
    with pytest.raises(NotFound):
        await run_export(settings, "nope", Format.CSV, None)


def test_the_bar_is_drawn_on_a_terminal_and_nowhere_else() -> None:
    terminal = Terminal()
    bar = Progress(4, terminal, width=4)
    bar(2)
    bar(2)
    assert terminal.getvalue() == "\r[##..] 2/4\r[####] 4/4\n"
    piped = io.StringIO()
    quiet = Progress(4, piped)
    quiet(4)
    assert piped.getvalue() == "" and quiet.done == 4


def test_the_command_refuses_an_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["export", "some-slug", "--format", "xlsx"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
