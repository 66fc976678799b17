"""Citations: `[#id]`, `[#id translated]`, and quoted passages in four kinds of quote marks."""

from __future__ import annotations

from forum.synthesis.citations import find_citations, normalise, quote_appears

POST = 'Los tutores   jubilados nos ayudaron *mucho*: llamaban "cada semana" a los aprendices.'
HTML = (
    "<p>Los tutores jubilados nos ayudaron <em>mucho</em>: "
    "llamaban «cada semana» a los aprendices.</p>"
)


def test_a_bare_citation_names_its_post_and_line() -> None:
    [cite] = find_citations("Primera línea.\nComo dijo un centro [#42].")
    assert (cite.post_id, cite.line, cite.quote, cite.translated) == (42, 2, None, False)


def test_each_kind_of_quote_mark_is_read() -> None:
    text = '“uno” [#1] "dos" [#2] «tres» [#3] ‘cuatro’ [#4]'
    assert [(c.post_id, c.quote) for c in find_citations(text)] == [
        (1, "uno"),
        (2, "dos"),
        (3, "tres"),
        (4, "cuatro"),
    ]


def test_a_translation_is_marked() -> None:
    [cite] = find_citations("“retired tutors helped a lot” [#7 translated]")
    assert cite.translated and cite.quote == "retired tutors helped a lot"


def test_whitespace_and_quote_marks_do_not_count() -> None:
    assert normalise("«cada\n  semana»") == normalise('"cada semana"')
    assert quote_appears("tutores jubilados nos ayudaron", POST, HTML)
    assert quote_appears("llamaban “cada semana” a los", POST, HTML)
    assert quote_appears("ayudaron mucho", POST, HTML)  # as readers see it, emphasis gone


def test_altered_words_do_not_appear() -> None:
    assert not quote_appears("los tutores nos ayudaron", POST, HTML)
    assert not quote_appears("   ", POST, HTML)


def test_text_that_is_not_a_citation_is_left_alone() -> None:
    assert list(find_citations("[#] [#abc] [# 12] [#12 translate] #12")) == []
