"""Reading a discussion file: every problem at once, in the organiser's words, with its line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from forum.core.errors import ImportRefused
from forum.core.i18n import load_catalogs
from forum.discussions.filereading import parse_discussion, read_discussion_file
from forum.discussions.filespec import State
from tests.factories import LANGUAGES, discussion_data

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CATALOGS = load_catalogs(LANGUAGES)


def _write(data: dict[str, Any], tmp_path: Path, name: str = "discussion.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data, multiline_strings=True), encoding="utf-8")
    return path


def _refusal(data: dict[str, Any], tmp_path: Path) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        read_discussion_file(_write(data, tmp_path), LANGUAGES)
    return caught.value


def _said(error: ImportRefused, language: str = "en") -> list[str]:
    return [f"{p.place}: {p.text(CATALOGS[language])}" for p in error.problems]


def test_valid_file_reads(tmp_path: Path) -> None:
    spec, files = read_discussion_file(_write(discussion_data(start=START), tmp_path), LANGUAGES)
    assert spec.slug == "remote-apprenticeships"
    assert [q.number for w in spec.weeks for q in w.questions] == list(range(1, 12))
    assert spec.title["fr"] == "L'apprentissage à distance"
    assert spec.state == State.PUBLISHED and spec.published_at is None
    assert files == {}


def _week_2_closes_early(d: dict[str, Any]) -> None:
    d["weeks"][1]["closes_at"] = d["weeks"][1]["opens_at"] - timedelta(hours=1)


FAULTS: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (lambda d: d.pop("closes_at"), "closes_at: The discussion's closing date is missing."),
    (lambda d: d["title"].pop("fr"), "title.fr: The title is missing in French."),
    (_week_2_closes_early, "weeks[2].closes_at: Week 2 closes before it opens."),
    (
        lambda d: d.update(titel=d.pop("title")),
        "titel: “titel” is not a key we know here; did you mean “title”?",
    ),
    (lambda d: d.update(colour="blue"), "colour: “colour” is not a key we know here."),
    (
        lambda d: d.update(opens_at=START.replace(tzinfo=None)),
        "opens_at: “opens_at” has no offset from UTC: write it like "
        "2027-03-01T09:00:00+01:00, or end it with Z for UTC.",
    ),
    (
        lambda d: d.update(closes_at="next spring"),
        "closes_at: “closes_at” should be a date and time, like 2027-03-01T09:00:00+01:00.",
    ),
    (
        lambda d: d["weeks"][0]["questions"][0].update(number="one"),
        "weeks[1].questions[1].number: “number” should be a whole number, like 3.",
    ),
    (
        lambda d: d["weeks"][0]["questions"][1].pop("number"),
        "weeks[1].questions[2].number: Question 2 of week 1 has no number.",
    ),
    (
        lambda d: d.update(moderation="sometimes"),
        "moderation: “moderation” should be one of: pre, post.",
    ),
    (
        lambda d: d.update(general_comments="yes"),
        "general_comments: “general_comments” should be true or false.",
    ),
    (
        lambda d: d.update(title="Apprenticeships"),
        "title: “title” should hold one text per language code (en, es, fr…).",
    ),
    (
        lambda d: d.update(slug="Remote Apprenticeships"),
        "slug: The web address may hold only lower-case letters without accents, digits and "
        "single hyphens, up to 80 characters (for example green-skills-2027).",
    ),
    (
        lambda d: d["moderators"][0].update(email="ana at example"),
        "moderators[1].email: “ana at example” is not an e-mail address.",
    ),
    (
        lambda d: d["moderators"][1].pop("name"),
        "moderators[2].name: Moderator 2 has no name.",
    ),
    (
        lambda d: d["weeks"][1]["questions"][0].update(number=3),
        "weeks[2].questions[1].number: Question 3 is numbered twice; each question needs its "
        "own number.",
    ),
    (
        lambda d: d["tags"][1].update(slug="access-to-training"),
        "tags[2].slug: The tag “access-to-training” is listed twice.",
    ),
    (
        lambda d: d["tags"][0].update(kind="theme"),
        "tags[1].kind: “kind” should be one of: topic, subject.",
    ),
    (
        lambda d: d["summary"].update(de="Wie Betriebe die Ausbildung fortsetzten."),
        "summary.de: There is a text in German here, a language the discussion does not offer.",
    ),
    (
        lambda d: d["weeks"][0].pop("closes_at"),
        "weeks[1].closes_at: The closing date of week 1 is missing.",
    ),
    (
        lambda d: d["weeks"][1].update(questions=[]),
        "weeks[2].questions: Week 2 has no question.",
    ),
    (
        lambda d: d.update(timezone="Mars/Olympus"),
        "timezone: “Mars/Olympus” is not a time zone we know; pick one from the list.",
    ),
    (
        lambda d: d.update(state="draft", published_at=START),
        "published_at: A draft has no publication date: remove published_at, or set "
        'state = "published".',
    ),
    (
        lambda d: d.update(organisers=["lea@example.org", "lea@example.org"]),
        "organisers[2]: “lea@example.org” is listed twice among the organisers.",
    ),
    (
        lambda d: d.update(
            documents=[{"language": "de", "title": "Leitfaden", "file": "leitfaden.txt"}]
        ),
        "documents[1].language: Document 1 is in German, a language the discussion does not offer.",
    ),
    (
        lambda d: d.update(documents=[{"language": "en", "title": "Note", "file": "gone.pdf"}]),
        "documents[1].file: The file “gone.pdf” cannot be read.",
    ),
    (
        lambda d: d["weeks"].insert(1, "the week in between"),
        "weeks[2]: “weeks[2]” should be a table of keys and values.",
    ),
    (
        lambda d: d["weeks"][0].update(opens_at=START - timedelta(days=3)),
        "weeks[1]: Week 1 runs outside the discussion's dates.",
    ),
]


@pytest.mark.parametrize(("change", "expected"), FAULTS)
def test_each_fault_is_one_problem_in_the_organisers_words(
    change: Callable[[dict[str, Any]], object], expected: str, tmp_path: Path
) -> None:
    data = discussion_data(start=START)
    (tmp_path / "leitfaden.txt").write_text("Ein Leitfaden.", encoding="utf-8")
    change(data)
    assert _said(_refusal(data, tmp_path)) == [expected]


def test_five_different_faults_are_reported_in_one_pass(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    data.update(titel=data.pop("title"))  # the file's shape...
    data["moderators"][0]["email"] = "ana at example"
    data["weeks"][0]["opens_at"] = START.replace(tzinfo=None)
    _week_2_closes_early(data)  # ...and the rules, together
    del data["weeks"][1]["questions"][0]["text"]["es"]
    assert sorted(p.place for p in _refusal(data, tmp_path).problems) == [
        "moderators[1].email",
        "titel",
        "weeks[1].opens_at",
        "weeks[2].closes_at",
        "weeks[2].questions[1].text.es",
    ]


def test_a_wrong_language_code_is_one_problem(tmp_path: Path) -> None:
    """Every text is in `fr`, the list says `fre`: say so once, not once per text."""
    data = discussion_data(start=START)
    data["languages"] = ["en", "es", "fre"]
    assert _said(_refusal(data, tmp_path)) == [
        "languages: “fre” is not a language this forum offers."
    ]


def test_problems_name_their_line_in_the_interface_language(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    _week_2_closes_early(data)
    del data["title"]["es"]
    path = _write(data, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    second_week = [n for n, line in enumerate(lines, 1) if line == "[[weeks]]"][1]
    closes = next(n for n, line in enumerate(lines, 1) if n > second_week and "closes_at" in line)
    title = lines.index("[title]") + 1
    with pytest.raises(ImportRefused) as caught:
        read_discussion_file(path, LANGUAGES)
    assert caught.value.report(CATALOGS["en"]) == [
        f"{path}:{title}: title.es: The title is missing in Spanish.",
        f"{path}:{closes}: weeks[2].closes_at: Week 2 closes before it opens.",
    ]
    assert caught.value.report(CATALOGS["fr"])[1] == (
        f"{path}:{closes}: weeks[2].closes_at: La semaine 2 se termine avant de s'ouvrir."
    )
    assert caught.value.report(CATALOGS["es"])[0] == (
        f"{path}:{title}: title.es: Falta el título en español."
    )


def test_broken_toml_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as caught:
        parse_discussion(
            'slug = "x"\ntitle = {en = \n', source="broken.toml", base=tmp_path, languages=LANGUAGES
        )
    (report,) = caught.value.report(CATALOGS["en"])
    assert report.startswith("broken.toml:2: This is not valid TOML near line 2, column")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes('slug = "formación"'.encode("latin-1"))
    with pytest.raises(ImportRefused) as caught:
        read_discussion_file(path, LANGUAGES)
    assert _said(caught.value) == [": The file is not UTF-8 text; save it as UTF-8 and try again."]


def test_documents_are_read_and_their_size_limited(tmp_path: Path) -> None:
    (tmp_path / "note.en.txt").write_text("A short note on apprenticeships.", encoding="utf-8")
    (tmp_path / "annex.en.txt").write_bytes(b"annex " * 200_000)
    data = discussion_data(start=START)
    data["documents"] = [{"language": "en", "title": "Note", "file": "note.en.txt"}]
    spec, files = read_discussion_file(_write(data, tmp_path), LANGUAGES)
    assert spec.documents[0].filename == "note.en.txt"
    assert files == {"note.en.txt": b"A short note on apprenticeships."}
    data["documents"].append({"language": "en", "title": "Annex", "file": "annex.en.txt"})
    with pytest.raises(ImportRefused) as caught:
        read_discussion_file(_write(data, tmp_path), LANGUAGES, max_document_bytes=1024 * 1024)
    assert _said(caught.value, "es") == [
        "documents[2].file: El archivo «annex.en.txt» ocupa más de 1 MB."
    ]


def test_new_optional_keys_are_read(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    data["state"] = "draft"
    data["organisers"] = ["Lea@Example.org"]
    data["tags"][0]["description"] = {
        "en": "Who can train, and where.",
        "es": "Quién puede formarse, y dónde.",
        "fr": "Qui peut se former, et où.",
    }
    spec, _ = read_discussion_file(_write(data, tmp_path), LANGUAGES)
    assert spec.state == State.DRAFT
    assert spec.organisers == ("lea@example.org",)
    assert spec.tags[0].description["es"] == "Quién puede formarse, y dónde."
