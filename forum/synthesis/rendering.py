"""A synthesis as readers see it: figures counted, citations become links to the posts.

Everything goes through the one renderer (`core/text.render_markdown`): what we add is
Markdown too, and the names we write are escaped, so a name cannot inject a link or a tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from forum.core.errors import N_
from forum.core.i18n import I18n
from forum.core.text import render_markdown
from forum.synthesis.attribution import attribution
from forum.synthesis.checks import Record
from forum.synthesis.citations import find_citations
from forum.synthesis.figures import figure_problems, find_figures

TRANSLATED = N_("%(who)s, our translation")
A_POST = N_("the post")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&\"'])")


def escape_markdown(text: str) -> str:
    """Backslash every character Markdown could read as markup; keep the text on one line."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def synthesis_markdown(
    i18n: I18n, source: str, record: Record, post_url: Callable[[int], str]
) -> str:
    """Replace the figures by their counts and each citation by a link naming the author."""
    edits: list[tuple[int, int, str]] = []
    cites = list(find_citations(source))
    for figure in find_figures(source):
        inside = any(cite.start < figure.end and figure.start < cite.end for cite in cites)
        if inside:  # a quotation is kept as its author wrote it
            continue
        if not figure_problems(figure, record.vocabulary) and figure.key in record.counts:
            edits.append((figure.start, figure.end, i18n.number(record.counts[figure.key])))
    for cite in cites:
        post = record.posts.get(cite.post_id)
        who = attribution(i18n, post.author, post.consent) if post else ""
        who = who or i18n.gettext(A_POST)
        if cite.translated:
            who = i18n.gettext(TRANSLATED) % {"who": who}
        matched = source[cite.start : cite.end]
        kept = matched[: matched.rfind("[#")].rstrip()
        link = f"([{escape_markdown(who)}](<{post_url(cite.post_id)}>))"
        edits.append((cite.start, cite.end, f"{kept} {link}" if kept else link))
    text = source
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def render_synthesis(
    i18n: I18n, source: str, record: Record, post_url: Callable[[int], str]
) -> str:
    """The sanitised HTML of a synthesis in `i18n`'s language; its headings sit under the
    page's "Synthesis" heading (h2)."""
    return render_markdown(synthesis_markdown(i18n, source, record, post_url), headings_below=2)
