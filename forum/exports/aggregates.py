"""The aggregate counts that open data carries beside the posts: the analysis's own figures.

The same `DiscussionCounts` the analysis page and the synthesis's placeholders read, turned
into plain rows (CSV) or a JSON object, so a figure published anywhere agrees with the data.
"""

from __future__ import annotations

from forum.analysis.counts import Count, DiscussionCounts

COUNT_COLUMNS = ("dimension", "key", "question", "group", "posts", "contributors")
DIMENSIONS = ("week", "question", "tag", "language", "country", "group")

JsonCount = dict[str, str | int | None]


def _lists(counts: DiscussionCounts) -> dict[str, list[Count]]:
    return {
        "week": counts.by_week,
        "question": counts.by_question,
        "tag": counts.by_tag,
        "language": counts.by_language,
        "country": counts.by_country,
        "group": counts.by_group,
    }


def _pairs(counts: DiscussionCounts) -> list[Count]:
    return sorted(
        counts.question_group.values(),
        key=lambda c: (c.key[0] is None, c.key[0] or 0, c.key[1]),
    )


def counts_json(counts: DiscussionCounts) -> dict[str, object]:
    """Published posts and distinct contributors in all, by each dimension, and by question
    and stakeholder group together; a key is null where posts have none (a general comment)."""
    by: dict[str, object] = {
        f"by_{name}": [
            {"key": c.key, "posts": c.posts, "contributors": c.contributors} for c in found
        ]
        for name, found in _lists(counts).items()
    }
    by["by_question_and_group"] = [
        {"question": c.key[0], "group": c.key[1], "posts": c.posts, "contributors": c.contributors}
        for c in _pairs(counts)
    ]
    return {"posts": counts.posts, "contributors": counts.contributors, **by}


def count_rows(counts: DiscussionCounts) -> list[list[str]]:
    """The same figures as CSV cells, one row per value (COUNT_COLUMNS), totals first."""

    def text(value: object) -> str:
        return "" if value is None else str(value)

    rows = [["all", "", "", "", str(counts.posts), str(counts.contributors)]]
    for name, found in _lists(counts).items():
        for c in found:
            question = text(c.key) if name == "question" else ""
            group = text(c.key) if name == "group" else ""
            rows.append([name, text(c.key), question, group, str(c.posts), str(c.contributors)])
    for c in _pairs(counts):
        rows.append(
            [
                "question_and_group",
                f"{text(c.key[0])}/{c.key[1]}",
                text(c.key[0]),
                c.key[1],
                str(c.posts),
                str(c.contributors),
            ]
        )
    return rows
