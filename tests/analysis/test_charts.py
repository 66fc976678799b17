"""Charts' geometry: bars in proportion, the largest filling the room, nothing for none."""

from __future__ import annotations

from forum.analysis.charts import ROW, VALUE_ROOM, WIDTH, bar_chart
from forum.analysis.counts import Count


def test_bars_are_in_proportion() -> None:
    chart = bar_chart("group", [Count("workers", 10, 4), Count("ngo", 5, 2), Count("other", 0, 0)])
    assert [b.width for b in chart.bars] == [WIDTH - VALUE_ROOM, (WIDTH - VALUE_ROOM) // 2, 0]
    assert chart.height == 3 * ROW and chart.bars[1].bar_y == ROW + 20


def test_an_empty_chart_has_a_height() -> None:
    chart = bar_chart("tag", [])
    assert chart.bars == [] and chart.height == ROW
