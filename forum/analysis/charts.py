"""Bar charts drawn on the server: the geometry here, the SVG and its words in the template.

Each chart is a horizontal bar per value, its label above it, in a 400-unit-wide viewBox that
scales to the page (360 px phones included); the template gives it a <title>, a <desc>,
role="img" with aria-labelledby, and the same figures as a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from forum.analysis.counts import Count

WIDTH = 400
ROW = 40  # height of one label and its bar
BAR = 14
VALUE_ROOM = 48  # right of the longest bar: its figure


@dataclass(frozen=True, slots=True)
class Bar:
    key: Any  # what the template names (a group, a language, a question number...)
    posts: int
    contributors: int
    label_y: int
    bar_y: int
    width: int  # of the bar, in viewBox units; 0 draws no bar, the figure stays


@dataclass(frozen=True, slots=True)
class BarChart:
    name: str  # unique on the page: ids of its title and description
    bars: list[Bar]
    height: int
    bar_height: int = BAR
    width: int = WIDTH


def bar_chart(name: str, counts: Sequence[Count]) -> BarChart:
    """A chart of published posts by `counts`' keys, in their order."""
    largest = max((c.posts for c in counts), default=0)
    room = WIDTH - VALUE_ROOM
    bars = [
        Bar(
            key=count.key,
            posts=count.posts,
            contributors=count.contributors,
            label_y=index * ROW + 14,
            bar_y=index * ROW + 20,
            width=round(count.posts * room / largest) if largest else 0,
        )
        for index, count in enumerate(counts)
    ]
    return BarChart(name=name, bars=bars, height=max(ROW, len(bars) * ROW))
