"""The community guidelines as machine rules, each citing a section of guidelines/<lang>.md."""

from __future__ import annotations

import json
import re
import sys
import tomllib
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, partial
from itertools import islice, product
from pathlib import Path
from types import MappingProxyType
from typing import cast

from forum.core.errors import N_

REFUSE = "refuse"  # the author sees at once why, and keeps the text
HOLD = "hold"  # the post waits in the moderators' queue, marked with the rule
ACTIONS = (REFUSE, HOLD)

_COUNT, _POSITIVE = "a whole number of 0 or more", "a whole number of 1 or more"
_FLAG, _RATIO = "true or false", "a number from 0 up to, but not including, 1"
_TERMS = "a table of word lists by language"

# Each kind's parameters and what their values must be.
PARAMETERS: Mapping[str, Mapping[str, str]] = {
    "terms": {"terms": _TERMS},
    "links": {"max_links": _COUNT},
    "personal-data": {"emails": _FLAG, "phones": _FLAG},
    "shouting": {"min_letters": _POSITIVE, "max_upper_ratio": _RATIO},
    "too-short": {"min_words": _POSITIVE},
    "too-long": {"max_chars": _POSITIVE},
    "duplicate": {},
    "too-fast": {"max_posts": _POSITIVE, "window_seconds": _POSITIVE},
    "first-posts": {"count": _POSITIVE},
}
KINDS = tuple(PARAMETERS)

# What the author reads when a rule of that kind fires (msgids; routes translate them).
MESSAGES: Mapping[str, str] = {
    "terms": N_("Please rephrase: some of your words go against our community guidelines."),
    "links": N_("Please use fewer links: posts with many links look like advertising."),
    "personal-data": N_(
        "Please remove e-mail addresses and phone numbers: they are personal data."
    ),
    "shouting": N_("Please do not write in capital letters: it reads as shouting."),
    "too-short": N_("Please write a little more, so that others can follow your point."),
    "too-long": N_("Please shorten your text, or split it into several posts."),
    "duplicate": N_("You have already posted this text; please add something new."),
    "too-fast": N_("You are posting very quickly; please wait a few minutes and try again."),
    "first-posts": N_("A moderator reads the first posts of every new member before they appear."),
}

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE = re.compile(r"\*|[a-z]{2,3}(?:-[a-z0-9]{2,8})*")
_RULE_HEADER = re.compile(r"\s*\[\[\s*rule\s*\]\]")
_TOML_PLACE = re.compile(r" \(at line (\d+), column \d+\)$")
_Fail = Callable[[str, str], "RulesError"]  # makes the error for a key of a rule, and a reason
_KEY_LINE = r"\s*(?:\[+\s*)?(?:rule\.)?[\"']?{}[\"']?\s*[=\]]"  # a line setting a key, or its table

# Checks take linear time: patterns on user text start with a literal or are one character class.
_LOOKALIKES = tuple(zip("013457@$", "oieastas", strict=True))
_WORD = re.compile(r"[^\W\d_]+")
_REPEATED = re.compile(r"([^\W\d_])\1+")  # a letter, then the same letter: no backtracking
_ALNUM = re.compile(r"[^\W_]")
_LINK = re.compile(r"(?<![\w.@-])(?:https?://(?:www\.)?|www\.)", re.IGNORECASE)
_PHONE_START = re.compile(r"\+?\(?[0-9]")
_DIGITS = re.compile(r"[0-9]+")


class RulesError(Exception):
    """A rules file that cannot be used; the message names the file, the line and the reason."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class Rule:
    """One checked rule: what it looks for (kind, params), what it cites, what it does."""

    id: str
    kind: str
    section: str
    action: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class AuthorHistory:
    """What the checks need to know of the author's recent posts."""

    recent_texts: Sequence[str]
    recent_post_times: Sequence[datetime]  # timezone-aware; the post checked counts as one more
    approved_count: int
    trusted: bool = False  # a moderator trusts the author: "first-posts" rules pass them by


@dataclass(frozen=True)
class Finding:
    """A rule that fired: the section it cites, its action and the msgid to show the author."""

    rule_id: str
    section: str
    action: str
    message: str


@dataclass(frozen=True)
class _Post:
    """A post being checked: its text as typed, in NFKC form, and as folded words."""

    text: str
    plain: str
    words: list[str]
    language: str
    history: AuthorHistory
    now: datetime


@dataclass(frozen=True)
class RuleBook:
    """The rules of a file in order, each with the check compiled from it."""

    rules: tuple[Rule, ...]
    matchers: tuple[Callable[[_Post], bool], ...] = field(repr=False, compare=False)


@cache
def _unmarked() -> dict[int, None]:
    """Return a str.translate table that drops combining marks and zero-width formatting."""
    kept = range(sys.maxunicode + 1)
    return {c: None for c in kept if unicodedata.category(chr(c)) in ("Mn", "Me", "Cf")}


def _fold_words(text: str) -> list[str]:
    """Return the words of `text` folded: case, accents, look-alikes, repeated letters."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFD", folded).translate(_unmarked())
    for look_alike, letter in _LOOKALIKES:
        folded = folded.replace(look_alike, letter)
    words = _WORD.findall(folded)
    collapsed = {word: _REPEATED.sub(r"\1", word) for word in set(words)}  # once per word
    return [collapsed[word] for word in words]


def _l_variants(word: str) -> set[str]:
    """Return folded `word` with its letters "l" read as "l" or as "i" (a "1"), up to 64 ways."""
    variants = {""}
    for letter in word:
        choices = "li" if letter == "l" and len(variants) < 64 else letter
        variants = {variant + choice for variant in variants for choice in choices}
    return {_REPEATED.sub(r"\1", variant) for variant in variants}


def _term_matcher(terms: Iterable[str]) -> Callable[[Sequence[str]], bool]:
    """Return a check for whether folded words hold any of `terms` as whole words."""
    keys = {key for term in terms for key in product(*map(_l_variants, _fold_words(term)))}
    singles, sizes = {key[0] for key in keys if len(key) == 1}, {len(key) for key in keys} - {1}

    def found_in(words: Sequence[str]) -> bool:
        starts = ((size, at) for size in sizes for at in range(len(words) - size + 1))
        return not singles.isdisjoint(words) or any(
            tuple(words[at : at + size]) in keys for size, at in starts
        )

    return found_in


def _has_email(text: str) -> bool:
    """Say whether `text` holds something shaped like an e-mail address."""
    at = text.find("@")
    while at != -1:
        end = at + 1
        while end < len(text) and (text[end].isalnum() or text[end] in ".-"):
            end += 1
        local = text[at - 1] if at else " "
        labels = text[at + 1 : end].rstrip(".").split(".")
        domain = len(labels) > 1 and all(labels) and len(labels[-1]) > 1 and labels[-1].isalpha()
        if domain and (local.isalnum() or local in "._%+-"):
            return True
        at = text.find("@", end)
    return False


def _digit_groups(text: str, start: int) -> tuple[int, list[str]]:
    """Read digit groups from `start` joined by short separators; return their end and them."""
    at, end, groups = start + text.startswith("+", start), start + 1, []
    at += text.startswith("(", at)
    while group := _DIGITS.match(text, at):
        groups.append(group[0])
        at = end = group.end()
        at += text.startswith(")", at)
        at += at < len(text) and text[at] in " .-"  # at most one space, dot or dash
        at += text.startswith("(", at)
    return end, groups


def _has_phone(text: str) -> bool:
    """Say whether `text` holds 8 to 15 digits written as a phone number, not years or a code."""
    found = _PHONE_START.search(text)
    while found:
        start = found.start()
        end, groups = _digit_groups(text, start)
        if 8 <= sum(map(len, groups)) <= 15 and sum(len(g) == 1 for g in groups) <= 2:
            before, after = text[start - 1 : start] or " ", text[end : end + 1] or " "
            glued = (
                before.isalnum() or before in "/_=&#%@-." or after.isalnum() or after in "/_=&#%@"
            )
            years = all(len(group) == 4 and 1900 <= int(group) <= 2099 for group in groups)
            if not (years or glued):  # glued: part of a word, a link or a code
                return True
        found = _PHONE_START.search(text, max(end, start + 1))
    return False


def _shouts(text: str, least: int, ratio: float) -> bool:
    """Say whether `text` has at least `least` cased letters, more than `ratio` upper-case."""
    upper = sum(map(str.isupper, text))
    cased = upper + sum(map(str.islower, text))
    return cased >= least and upper > ratio * cased


def _same_text(text: str) -> str:
    """Return `text` normalised so that copies differing in case or spacing compare equal."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _matcher(rule: Rule) -> Callable[[_Post], bool]:
    """Compile `rule` into a check that says whether it fires on a post."""
    param = cast(Mapping[str, int], rule.params)  # checked numbers and flags (and "terms")
    match rule.kind:
        case "terms":
            by_language = cast(Mapping[str, tuple[str, ...]], rule.params["terms"])
            common = by_language.get("*", ())
            checks = {lang: _term_matcher((*terms, *common)) for lang, terms in by_language.items()}
            fallback = _term_matcher(common)
            return lambda p: checks.get(p.language, fallback)(p.words)
        case "links":
            most = param["max_links"]  # count one link more than allowed, then stop
            return lambda p: len(list(islice(_LINK.finditer(p.plain), most + 1))) > most
        case "personal-data":
            emails, phones = param["emails"], param["phones"]
            return lambda p: bool(emails and _has_email(p.plain) or phones and _has_phone(p.plain))
        case "shouting":
            return lambda p: _shouts(p.text, param["min_letters"], param["max_upper_ratio"])
        case "too-short":  # words: what spaces separate, holding a letter or a digit
            least = param["min_words"]
            return lambda p: len(list(islice(filter(_ALNUM.search, p.text.split()), least))) < least
        case "too-long":
            return lambda p: len(p.text) > param["max_chars"]
        case "duplicate":
            return lambda p: (
                _same_text(p.plain) in set(map(_same_text, p.history.recent_texts)) - {""}
            )
        case "too-fast":  # the earlier posts in the window, plus this one, are more than max_posts
            most, window = param["max_posts"], timedelta(seconds=param["window_seconds"])
            return lambda p: sum(t > p.now - window for t in p.history.recent_post_times) >= most
    # first-posts: trust, given by a moderator, wins over the count of approved posts
    return lambda p: not p.history.trusted and p.history.approved_count < param["count"]


def guideline_findings(
    book: RuleBook, *, text: str, language: str, history: AuthorHistory, now: datetime
) -> list[Finding]:
    """Check a post against every rule of `book`; return what fired, refusals first."""
    plain = unicodedata.normalize("NFKC", text)
    post = _Post(text, plain, _fold_words(plain), language, history, now)
    fired = [rule for rule, fires in zip(book.rules, book.matchers, strict=True) if fires(post)]
    found = [Finding(r.id, r.section, r.action, MESSAGES[r.kind]) for r in fired]
    return refusals(found) + holds(found)


def refusals(findings: Iterable[Finding]) -> list[Finding]:
    """Return the findings that refuse the post, in order."""
    return [finding for finding in findings if finding.action == REFUSE]


def holds(findings: Iterable[Finding]) -> list[Finding]:
    """Return the findings that send the post to the moderators' queue, in order."""
    return [finding for finding in findings if finding.action == HOLD]


def _show(value: object) -> str:
    """Return `value` written roughly as TOML writes it, for error messages."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _fail(path: Path, lines: list[str], span: range, label: str, key: str, why: str) -> RulesError:
    """Return the error `why` at the line of `span` setting `key`, else its id, else its first."""
    keys = [re.compile(_KEY_LINE.format(re.escape(name))) for name in (key, "id")]
    found = (n for pattern in keys for n in span if pattern.match(lines[n - 1]))
    return RulesError(path, next(found, next(iter(span), None)), f"{label}: {why}")


def _wrong(raw: Mapping[str, object], key: str, expected: str) -> str:
    """Say that `key` is missing from `raw`, or what it must be instead of its value."""
    return f"{key} must be {expected}, not {_show(raw[key])}" if key in raw else f"{key} is missing"


def _one_of(raw: Mapping[str, object], key: str, allowed: Sequence[str], fail: _Fail) -> str:
    """Return the value of `key`, which must be one of `allowed`."""
    value = raw.get(key)
    if isinstance(value, str) and value in allowed:
        return value
    quoted = [_show(choice) for choice in allowed]
    expected = " or ".join(quoted) if len(quoted) == 2 else "one of " + ", ".join(quoted)
    raise fail(key, _wrong(raw, key, expected))


def _check_terms(value: object, fail: _Fail) -> Mapping[str, tuple[str, ...]]:
    """Check a terms table: language code (or "*") to a non-empty list of words."""
    if not isinstance(value, dict) or not value:
        raise fail("terms", f"terms must be {_TERMS}, not {_show(value)}")
    for language, words in value.items():
        if not _LANGUAGE.fullmatch(language):
            raise fail(language, f'terms: {_show(language)} is not a language code like "en"')
        good = isinstance(words, list) and all(isinstance(t, str) and _fold_words(t) for t in words)
        if not (good and words):
            expected = "a non-empty list of words, each with a letter"
            raise fail(language, f"terms.{language} must be {expected}, not {_show(words)}")
    return MappingProxyType({language: tuple(words) for language, words in value.items()})


def _check_param(raw: Mapping[str, object], name: str, form: str, fail: _Fail) -> object:
    """Return the checked value of the parameter `name`, of the form PARAMETERS gives."""
    value = raw.get(name)
    if name not in raw:
        raise fail(name, f"{name} is missing")
    if form == _TERMS:
        return _check_terms(value, fail)
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if form == _FLAG:
        fits = isinstance(value, bool)
    elif form == _RATIO:
        fits = number is not None and 0 <= number < 1
    else:
        fits = isinstance(number, int) and number >= (1 if form == _POSITIVE else 0)
    if not fits:
        raise fail(name, _wrong(raw, name, form))
    return value


def _check_rule(raw: dict[str, object], sections: Sequence[str], fail: _Fail) -> Rule:
    """Check one [[rule]] table and return it as a Rule; raise RulesError at its first fault."""
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise fail("id", _wrong(raw, "id", 'lowercase words joined by hyphens, like "insults"'))
    kind = _one_of(raw, "kind", KINDS, fail)
    section = _one_of(raw, "section", sections, fail)
    action = _one_of(raw, "action", ACTIONS, fail)
    for key in sorted(raw.keys() - {"id", "kind", "section", "action"} - PARAMETERS[kind].keys()):
        raise fail(key, f"unknown key {_show(key)} for kind {_show(kind)}")
    params = {name: _check_param(raw, name, form, fail) for name, form in PARAMETERS[kind].items()}
    if kind == "personal-data" and not (params["emails"] or params["phones"]):
        raise fail("emails", "emails and phones are both false, so the rule could never fire")
    return Rule(rule_id, kind, section, action, MappingProxyType(params))


def _parse(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    """Return the lines of the file at `path` and its [[rule]] tables; raise RulesError."""
    try:
        source = path.read_text(encoding="utf-8")
        data = tomllib.loads(source)
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(path, None, f"cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        place = _TOML_PLACE.search(str(error))  # else the message ends "(at end of document)"
        line = int(place[1]) if place else source.count("\n") + 1
        reason = str(error)[: place.start()] if place else str(error).replace("(at ", "(")
        raise RulesError(path, line, f"invalid TOML: {reason}") from None
    lines, tables = source.splitlines(), data.get("rule", [])
    others = sorted(data.keys() - {"rule"})
    if others or not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        key = others[0] if others else "rule"
        everywhere = range(1, len(lines) + 1)
        raise _fail(path, lines, everywhere, key, key, "the file must hold only [[rule]] tables")
    return lines, tables


def load_rules(path: Path, sections: Collection[str]) -> RuleBook:
    """Read and check the rules file at `path`; raise RulesError naming its first fault."""
    lines, tables = _parse(path)
    starts = [n for n, line in enumerate(lines, 1) if _RULE_HEADER.match(line)] + [len(lines) + 1]
    choices, rules = sorted(sections), list[Rule]()
    for index, raw in enumerate(tables):
        span = range(*starts[index : index + 2]) if index + 1 < len(starts) else range(0)  # lines
        name = f"rule {_show(raw['id'])}" if isinstance(raw.get("id"), str) else f"rule {index + 1}"
        fail = partial(_fail, path, lines, span, name)
        rule = _check_rule(raw, choices, fail)
        if rule.id in {earlier.id for earlier in rules}:
            raise fail("id", "id is already used by an earlier rule")
        rules.append(rule)
    return RuleBook(tuple(rules), tuple(_matcher(rule) for rule in rules))
