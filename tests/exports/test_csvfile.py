"""CSV cells: formulas neutralised (the naughty strings too), a BOM, line breaks kept."""

from __future__ import annotations

import csv
import io

import pytest

from forum.exports.csvfile import BOM, cell, csv_header, csv_rows, neutralise
from tests.paths import CORPORA

NAUGHTY = [
    line
    for line in (CORPORA / "blns.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_is_text(start: str) -> None:
    assert neutralise(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


def test_other_cells_are_left_as_they_are() -> None:
    assert neutralise("Apprentices learnt = earned") == "Apprentices learnt = earned"
    assert cell(None) == "" and cell(True) == "true" and cell(False) == "false"
    assert cell(-3) == "-3"  # a number is data
    assert cell(["green-jobs", "apprenticeships"]) == "green-jobs;apprenticeships"
    assert cell(["-a"]) == "'-a"


def test_naughty_strings_read_back_neutralised_and_whole() -> None:
    names = ("id", "text")
    rows = [{"id": n, "text": text} for n, text in enumerate(NAUGHTY)]
    data = csv_header(names) + csv_rows(rows, names)
    assert data.startswith(BOM)
    read = list(csv.reader(io.StringIO(data[len(BOM) :], newline="")))
    assert read[0] == ["id", "text"]
    assert len(read) == len(NAUGHTY) + 1
    for (number, text), original in zip(read[1:], NAUGHTY, strict=True):
        assert text == neutralise(original)
        assert not text.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert number.isdigit()


def test_a_line_break_stays_inside_its_quoted_cell() -> None:
    names = ("id", "text")
    data = csv_rows([{"id": 1, "text": 'one\ntwo\r\n"three"'}], names)
    assert list(csv.reader(io.StringIO(data, newline=""))) == [["1", 'one\ntwo\r\n"three"']]
