"""Guidelines as machine rules: each kind fires, near misses do not, rule files are checked."""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from forum.guidelines.rules import (
    HOLD,
    KINDS,
    MESSAGES,
    REFUSE,
    AuthorHistory,
    RuleBook,
    RulesError,
    guideline_findings,
    holds,
    load_rules,
    refusals,
)
from tests.conftest import IN_CI, NOW
from tests.paths import CORPORA, ROOT

SECTIONS = (
    "respect",
    "on-topic",
    "personal-data",
    "no-advertising",
    "sources",
    "languages",
    "quality",
    "moderation",
)
SHIPPED = ROOT / "forum" / "data" / "guidelines" / "rules.toml"
SETTLED = AuthorHistory(recent_texts=(), recent_post_times=(), approved_count=10)


@pytest.fixture(scope="module")
def shipped() -> RuleBook:
    return load_rules(SHIPPED, SECTIONS)


def _book(tmp_path: Path, source: str) -> RuleBook:
    path = tmp_path / "rules.toml"
    path.write_text(source, encoding="utf-8")
    return load_rules(path, SECTIONS)


def _fired(
    book: RuleBook, text: str, language: str = "en", history: AuthorHistory = SETTLED
) -> list[str]:
    findings = guideline_findings(book, text=text, language=language, history=history, now=NOW)
    return [finding.rule_id for finding in findings]


# The shipped file


def test_the_shipped_rules_load_and_cite_only_known_sections(shipped: RuleBook) -> None:
    assert {rule.id: (rule.kind, rule.section, rule.action) for rule in shipped.rules} == {
        "insults": ("terms", "respect", HOLD),
        "many-links": ("links", "no-advertising", HOLD),
        "personal-data": ("personal-data", "personal-data", HOLD),
        "shouting": ("shouting", "languages", REFUSE),
        "too-short": ("too-short", "quality", REFUSE),
        "too-long": ("too-long", "quality", REFUSE),
        "duplicate": ("duplicate", "quality", REFUSE),
        "too-fast": ("too-fast", "no-advertising", REFUSE),
        "first-posts": ("first-posts", "moderation", HOLD),
    }
    assert {rule.kind for rule in shipped.rules} == set(KINDS)
    assert {rule.section for rule in shipped.rules} <= set(SECTIONS)
    params = {rule.id: dict(rule.params) for rule in shipped.rules}
    assert params["many-links"] == {"max_links": 3}
    assert params["too-short"] == {"min_words": 3}
    assert params["too-long"] == {"max_chars": 10_000}
    assert params["too-fast"] == {"max_posts": 5, "window_seconds": 600}
    assert params["first-posts"] == {"count": 2}


def test_every_kind_has_its_own_message() -> None:
    assert set(MESSAGES) == set(KINDS)
    assert len(set(MESSAGES.values())) == len(KINDS)
    assert all(message.endswith(".") for message in MESSAGES.values())


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Apprentices learn best on the shop floor, with a patient mentor.", "en"),
        ("Los aprendices aprenden mejor en el taller, con un buen tutor.", "es"),
        ("Les apprentis apprennent mieux à l'atelier, avec un tuteur patient.", "fr"),
        ("In 2024 our village had 3 training courses and 12 apprentices.", "en"),
    ],
)
def test_an_ordinary_post_passes(shipped: RuleBook, text: str, language: str) -> None:
    assert _fired(shipped, text, language) == []


# terms


@pytest.mark.parametrize(
    ("text", "language", "fires"),
    [
        ("You are an idiot, frankly.", "en", True),
        ("You are an IDIOT, frankly.", "en", True),
        ("You are an ídiot, frankly.", "en", True),
        ("You are a 1d10t, frankly.", "en", True),
        ("You are an iiidiot, frankly.", "en", True),
        ("You are a m00r0n, frankly.", "en", True),
        ("You are an ｉｄｉｏｔ, frankly.", "en", True),  # full-width letters
        ("You are an id\u200biot, frankly.", "en", True),  # a zero-width space inside
        ("Eres un idiota, la verdad.", "es", True),
        ("Eres un IMBECIL, la verdad.", "es", True),
        ("C'est un crétin, vraiment.", "fr", True),
        ("C'est un CRETIN, vraiment.", "fr", True),
        ("Quel imbécile, ce projet.", "fr", True),
        # Near misses: a term inside a longer word, or another language's term.
        ("The idiotic plan failed badly.", "en", False),
        ("Idioms make English hard to learn.", "en", False),
        ("He moronically agreed to everything.", "en", False),
        ("You are an idiota, frankly.", "en", False),
        ("Eres un crétin, la verdad.", "es", False),
        ("C'est un idiota, vraiment.", "fr", False),
        ("Eres un idiot, la verdad.", "es", False),
    ],
)
def test_terms_match_whole_folded_words_in_the_posts_language(
    shipped: RuleBook, text: str, language: str, fires: bool
) -> None:
    assert ("insults" in _fired(shipped, text, language)) is fires


WORDS = """
[[rule]]
id = "words"
kind = "terms"
section = "respect"
action = "hold"
[rule.terms]
"*" = ["shut up"]
en = ["hell", "lame"]
fr = ["tais-toi"]
"""


@pytest.mark.parametrize(
    ("text", "language", "fires"),
    [
        ("What the hell is this plan?", "en", True),
        ("What the h3ll is this plan?", "en", True),
        ("What the HELLLL is this plan?", "en", True),
        ("Hello from Michelle, who sells shells.", "en", False),  # the Scunthorpe problem
        ("That is a 1ame excuse.", "en", True),  # "1" read as "l"
        ("That is a LAME excuse.", "en", True),
        ("The flame burned all night.", "en", False),
        ("Please shut   up now.", "en", True),  # multi-word, any spacing
        ("Por favor, SHUT-UP ya.", "es", True),  # "*" applies to every language
        ("Shut the door, then look up.", "en", False),
        ("Shutup is one word here.", "en", False),
        ("Tais-toi maintenant.", "fr", True),
        ("Tais toi maintenant.", "fr", True),
        ("Tais-toi is French.", "en", False),
        ("Hell, c'est l'enfer.", "fr", False),
        ("Please shut up, everyone.", "de", True),  # a language without its own list: "*"
    ],
)
def test_terms_handle_look_alikes_multi_word_terms_and_every_language(
    tmp_path: Path, text: str, language: str, fires: bool
) -> None:
    assert ("words" in _fired(_book(tmp_path, WORDS), text, language)) is fires


# links

MARKDOWN_LINKS = (
    "[one](https://a.example) [two](https://b.example) [three](https://c.example) "
    "[four](https://d.example)"
)


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("See https://a.example, http://b.example and www.c.example for more.", False),
        ("See https://a.example, http://b.example, www.c.example and www.d.example.", True),
        ("Read https://www.a.example, https://www.b.example and https://www.c.example.", False),
        (MARKDOWN_LINKS, True),
        ("Read example.com, example.org, example.net and example.es for details.", False),
        ("Lee HTTPS://A.EXAMPLE, HTTP://B.EXAMPLE, WWW.C.EXAMPLE y WWW.D.EXAMPLE.", True),
    ],
)
def test_more_links_than_allowed_fire(shipped: RuleBook, text: str, fires: bool) -> None:
    assert ("many-links" in _fired(shipped, text)) is fires


# personal data


@pytest.mark.parametrize(
    "text",
    [
        "Write to ana.lopez@example.org if you want the slides.",
        "Mi correo es JOSE+foro@correo.example.es, gracias.",
        "Call me on +34 612 345 678 tonight.",
        "Appelez-moi au (01) 23 45 67 89 demain.",
        "Llámame al 612-345-678 mañana.",
        "Mon numéro : 06.12.34.56.78, merci.",
        "My number is 0612345678, call any time.",
        "Ring +44 (0)20 7946 0958 after lunch.",
    ],
)
def test_emails_and_phone_numbers_fire(shipped: RuleBook, text: str) -> None:
    assert "personal-data" in _fired(shipped, text)


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 we started the apprenticeship project.",
        "See week 3 of the course for the welding basics.",
        "From 2019 to 2024 the college grew a lot.",
        "The years 2023-2024 were hard for small firms.",
        "Thanks @maria for the summary of the meeting.",
        "El presupuesto es de 1.500.000 euros este año.",
        "La salle 12 345 est au premier étage.",
        "Read https://example.org/post/123456789 for the details.",
        "Order ABC12345678 arrived on Monday morning.",
        "Write to me at the office, not by e-mail.",
    ],
)
def test_years_short_numbers_and_codes_are_not_personal_data(shipped: RuleBook, text: str) -> None:
    assert "personal-data" not in _fired(shipped, text)


def test_personal_data_can_look_for_emails_only(tmp_path: Path) -> None:
    book = _book(
        tmp_path,
        '[[rule]]\nid = "mail"\nkind = "personal-data"\nsection = "personal-data"\n'
        'action = "hold"\nemails = true\nphones = false\n',
    )
    assert _fired(book, "Write to ana@example.org today.") == ["mail"]
    assert _fired(book, "Call me on +34 612 345 678 tonight.") == []


# shouting


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("THIS IS A VERY BAD IDEA FOR EVERYONE", True),
        ("ESTO ES UNA IDEA MUY MALA PARA TODOS", True),
        ("NO WAY", False),  # too few letters to tell
        ("The EU, NATO and the OECD agree on the plan.", False),
        ("Je pense que c'est une BONNE idée pour tout le monde.", False),
    ],
)
def test_shouting_fires_on_long_upper_case_text(shipped: RuleBook, text: str, fires: bool) -> None:
    assert ("shouting" in _fired(shipped, text)) is fires


SHOUTING = """
[[rule]]
id = "loud"
kind = "shouting"
section = "languages"
action = "refuse"
min_letters = 10
max_upper_ratio = 0.5
"""


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("ABCDEfghij", False),  # exactly the ratio does not exceed it
        ("ABCDEFghij", True),
        ("ABCDEF ghij 123 !!!", True),  # digits and punctuation are not letters
        ("ABCDEFGHI", False),  # nine letters are fewer than min_letters
        ("ÉCOLE ÉTAT ok", True),
    ],
)
def test_shouting_thresholds(tmp_path: Path, text: str, fires: bool) -> None:
    assert (_fired(_book(tmp_path, SHOUTING), text) == ["loud"]) is fires


# too-short and too-long


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("I agree.", True),
        ("D'accord !", True),
        ("!!! ??? ...", True),
        ("", True),
        ("I agree completely.", False),
        ("Estoy de acuerdo.", False),
        ("Je suis d'accord.", False),
    ],
)
def test_too_short(shipped: RuleBook, text: str, fires: bool) -> None:
    assert ("too-short" in _fired(shipped, text)) is fires


@pytest.mark.parametrize(("length", "fires"), [(10_000, False), (10_001, True)])
def test_too_long(shipped: RuleBook, length: int, fires: bool) -> None:
    text = ("Long text here. " * 700)[:length]
    assert len(text) == length
    assert ("too-long" in _fired(shipped, text)) is fires


# duplicate


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("I think the plan is good.", True),
        ("  i THINK the plan\nis   good. ", True),
        ("I think the plan is bad.", False),
        ("Creo que el plan es bueno.", True),
        ("CREO QUE   el plan es bueno.", True),
        ("Je pense que le plan est bon.", False),
    ],
)
def test_duplicate_compares_normalised_texts(shipped: RuleBook, text: str, fires: bool) -> None:
    history = AuthorHistory(
        recent_texts=["I think the plan is good.", "Creo que el plan es bueno."],
        recent_post_times=(),
        approved_count=10,
    )
    assert ("duplicate" in _fired(shipped, text, history=history)) is fires


def test_an_empty_text_is_no_duplicate_of_an_empty_text(shipped: RuleBook) -> None:
    history = AuthorHistory(recent_texts=["", "   "], recent_post_times=(), approved_count=10)
    assert "duplicate" not in _fired(shipped, "  ", history=history)


# too-fast


def _times(*seconds_ago: int) -> list[datetime]:
    return [NOW - timedelta(seconds=seconds) for seconds in seconds_ago]


@pytest.mark.parametrize(
    ("times", "fires"),
    [
        (_times(60, 120, 180, 240, 300), True),  # this post is the sixth in ten minutes
        (_times(60, 120, 180, 240), False),
        (_times(60, 120, 180, 240, 600), False),  # exactly ten minutes ago is outside
        (_times(60, 120, 180, 240, 599), True),
        (_times(700, 800, 900, 1000, 1100, 1200), False),
        ((), False),
    ],
)
def test_too_fast(shipped: RuleBook, times: list[datetime], fires: bool) -> None:
    history = AuthorHistory(recent_texts=(), recent_post_times=times, approved_count=10)
    text = "A thoughtful answer about the apprenticeship plan."
    assert ("too-fast" in _fired(shipped, text, history=history)) is fires


# first-posts


@pytest.mark.parametrize(("approved", "fires"), [(0, True), (1, True), (2, False), (50, False)])
def test_first_posts_are_held(shipped: RuleBook, approved: int, fires: bool) -> None:
    history = AuthorHistory(recent_texts=(), recent_post_times=(), approved_count=approved)
    text = "A thoughtful answer about the apprenticeship plan."
    assert ("first-posts" in _fired(shipped, text, history=history)) is fires


def test_first_posts_do_not_hold_a_trusted_author(shipped: RuleBook) -> None:
    trusted = AuthorHistory(recent_texts=(), recent_post_times=(), approved_count=0, trusted=True)
    text = "A thoughtful answer about the apprenticeship plan."
    assert _fired(shipped, text, history=trusted) == []
    still = "Write to me at ana@example.org about the apprenticeship plan, please."
    assert _fired(shipped, still, history=trusted) == ["personal-data"]


# findings


def test_findings_put_refusals_first_with_section_and_message(shipped: RuleBook) -> None:
    new = AuthorHistory(recent_texts=(), recent_post_times=(), approved_count=0)
    text = "THIS PLAN IS STUPID AND YOU ARE AN IDIOT, WRITE TO ME AT ANA@EXAMPLE.ORG"
    findings = guideline_findings(shipped, text=text, language="en", history=new, now=NOW)
    assert [(f.rule_id, f.action) for f in findings] == [
        ("shouting", REFUSE),
        ("insults", HOLD),
        ("personal-data", HOLD),
        ("first-posts", HOLD),
    ]
    by_id = {rule.id: rule for rule in shipped.rules}
    for finding in findings:
        assert finding.section == by_id[finding.rule_id].section
        assert finding.message == MESSAGES[by_id[finding.rule_id].kind]
    assert refusals(findings) == findings[:1]
    assert holds(findings) == findings[1:]


# broken rule files

VALID = """\
[[rule]]
id = "insults"
kind = "terms"
section = "respect"
action = "hold"
[rule.terms]
en = ["idiot"]

[[rule]]
id = "many-links"
kind = "links"
section = "no-advertising"
action = "hold"
max_links = 3
"""


def _broken(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


BROKEN = [
    # (what is wrong, file text, line named, reason given)
    ("TOML syntax", _broken('kind = "terms"', "kind = terms"), 3, "invalid TOML: Invalid value"),
    ("unclosed list", _broken('"idiot"]', '"idiot"'), 9, "invalid TOML: Unclosed array"),
    (
        "unknown kind",
        _broken('kind = "links"', 'kind = "regex"'),
        11,
        'rule "many-links": kind must be one of "terms", "links", ',
    ),
    (
        "bad action",
        _broken('action = "hold"', 'action = "block"'),
        5,
        'rule "insults": action must be "refuse" or "hold", not "block"',
    ),
    (
        "unknown section",
        _broken('section = "respect"', 'section = "rudeness"'),
        4,
        'rule "insults": section must be one of ',
    ),
    (
        "duplicate id",
        _broken('id = "many-links"', 'id = "insults"'),
        10,
        'rule "insults": id is already used by an earlier rule',
    ),
    (
        "missing parameter",
        _broken("max_links = 3\n", ""),
        10,
        'rule "many-links": max_links is missing',
    ),
    (
        "wrong type",
        _broken("max_links = 3", 'max_links = "three"'),
        14,
        'rule "many-links": max_links must be a whole number of 0 or more, not "three"',
    ),
    (
        "negative number",
        _broken("max_links = 3", "max_links = -1"),
        14,
        "max_links must be a whole number of 0 or more, not -1",
    ),
    (
        "boolean for a number",
        _broken("max_links = 3", "max_links = true"),
        14,
        "max_links must be a whole number of 0 or more, not true",
    ),
    (
        "unknown key",
        _broken("max_links = 3", "max_links = 3\ncolour = 'red'"),
        15,
        'rule "many-links": unknown key "colour" for kind "links"',
    ),
    (
        "empty term list",
        _broken('en = ["idiot"]', "en = []"),
        7,
        'rule "insults": terms.en must be a non-empty list of words',
    ),
    (
        "term without letters",
        _broken('en = ["idiot"]', 'en = ["!!!"]'),
        7,
        "terms.en must be a non-empty list of words, each with a letter",
    ),
    (
        "terms that are not text",
        _broken('en = ["idiot"]', "en = [1, 2]"),
        7,
        "terms.en must be a non-empty list of words",
    ),
    (
        "bad language code",
        _broken('en = ["idiot"]', 'EN = ["idiot"]'),
        7,
        'terms: "EN" is not a language code like "en"',
    ),
    (
        "terms not a table",
        _broken('[rule.terms]\nen = ["idiot"]', 'terms = "idiot"'),
        6,
        'terms must be a table of word lists by language, not "idiot"',
    ),
    ("missing id", _broken('id = "insults"\n', ""), 1, "rule 1: id is missing"),
    (
        "bad id",
        _broken('id = "insults"', 'id = "No Insults"'),
        2,
        'id must be lowercase words joined by hyphens, like "insults", not "No Insults"',
    ),
    ("missing action", _broken('action = "hold"\n', ""), 2, 'rule "insults": action is missing'),
    (
        "unknown top-level key",
        'version = 2\n\n[[rule]]\nid = "x"\n',
        1,
        "version: the file must hold only [[rule]] tables",
    ),
    ("a table, not a list", '[rule]\nid = "x"\n', 1, "rule: the file must hold only [[rule]]"),
]


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in BROKEN],
)
def test_a_broken_rules_file_names_file_line_and_reason(
    tmp_path: Path, source: str, line: int, reason: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path, SECTIONS)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert reason in message, message
    assert caught.value.path == path
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("shouting", "min_letters = 20\nmax_upper_ratio = 1.5", "max_upper_ratio must be a number"),
        (
            "shouting",
            "min_letters = 0\nmax_upper_ratio = 0.7",
            "min_letters must be a whole number",
        ),
        ("shouting", "min_letters = 2.5\nmax_upper_ratio = 0.7", "not 2.5"),
        ("too-fast", "max_posts = 5", "window_seconds is missing"),
        ("too-fast", "max_posts = 5\nwindow_seconds = -600", "not -600"),
        ("first-posts", 'count = "2"', 'count must be a whole number of 1 or more, not "2"'),
        ("personal-data", "emails = true", "phones is missing"),
        (
            "personal-data",
            'emails = "yes"\nphones = true',
            'emails must be true or false, not "yes"',
        ),
        ("personal-data", "emails = false\nphones = false", "could never fire"),
        ("duplicate", "max_posts = 3", 'unknown key "max_posts" for kind "duplicate"'),
        ("terms", "", "terms is missing"),
    ],
)
def test_every_parameter_is_checked(tmp_path: Path, kind: str, body: str, reason: str) -> None:
    source = f'[[rule]]\nid = "r"\nkind = "{kind}"\nsection = "quality"\naction = "hold"\n{body}\n'
    path = tmp_path / "rules.toml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(RulesError, match=f'^{re.escape(str(path))}:[0-9]+: rule "r": ') as caught:
        load_rules(path, SECTIONS)
    assert reason in str(caught.value)


def test_a_missing_rules_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot be read"):
        load_rules(tmp_path / "absent.toml", SECTIONS)


def test_an_empty_rules_file_has_no_rules(tmp_path: Path) -> None:
    book = _book(tmp_path, "# nothing yet\n")
    assert book.rules == ()
    assert _fired(book, "Anything at all.") == []


# hostile input


def _corpus(name: str) -> list[str]:
    path = CORPORA / name
    if not path.is_file():
        if IN_CI:
            pytest.fail(f"{path} not found: CI runs with shared/ beside the repository")
        pytest.skip(f"{path} not found")
    lines = path.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("name", ["blns.txt", "xss_payloads.txt"])
def test_every_corpus_line_is_checked_without_error(shipped: RuleBook, name: str) -> None:
    lines = _corpus(name)
    assert len(lines) > 500
    ids = {rule.id for rule in shipped.rules}
    for line in lines:
        history = AuthorHistory(recent_texts=[line], recent_post_times=[NOW], approved_count=0)
        for language in ("en", "es", "fr"):
            findings = guideline_findings(
                shipped, text=line, language=language, history=history, now=NOW
            )
            assert {finding.rule_id for finding in findings} <= ids
            assert findings == refusals(findings) + holds(findings)
            written = bool(unicodedata.normalize("NFKC", line).split())
            assert ("duplicate" in {f.rule_id for f in findings}) is written


HOSTILE = {
    "one letter": "a" * 100_000,
    "one capital": "I" * 100_000,
    "digit and space": "1 " * 50_000,
    "at and dot": "@." * 50_000,
    "letter and at": "a@" * 50_000,
    "phone openers": "+1 (" * 25_000,
    "parentheses": "((" * 50_000,
    "digit and dash": "1-" * 50_000,
    "digits": "1" * 100_000,
    "schemes": "http://" * 14_000,
    "www": "www." * 25_000,
    "accents": "é" * 50_000,
    "combining marks": "a\u0301" * 33_000,
    "zero-width": "\u200b" * 33_000,
    "ligature": "\ufdfa" * 33_000,  # NFKC makes 18 characters of each
    "terms": "idiot " * 16_000,
    "look-alikes": "1d10t " * 16_000,
    "half a term": "shut " * 20_000,
    "mail-like": "a.b@c.de " * 11_000,
}


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(SHIPPED.read_text(encoding="utf-8") + WORDS, encoding="utf-8")
    return load_rules(path, SECTIONS)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_of_100_kb_takes_well_under_a_second(every_kind: RuleBook, text: str) -> None:
    assert 90_000 <= len(text.encode("utf-8")) <= 102_400
    history = AuthorHistory(
        recent_texts=[text[::-1]], recent_post_times=[NOW] * 1_000, approved_count=0
    )
    for language in ("en", "fr"):
        started = time.perf_counter()
        guideline_findings(every_kind, text=text, language=language, history=history, now=NOW)
        assert time.perf_counter() - started < 1.0
