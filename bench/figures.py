"""One line of `make bench`'s summary: a figure issue 15 names, what one run measured, the
target and whether the run met it. Every bench part returns a list of these."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """`key` is the issue's name for it (P1, P1b, P2, ... or "middleware"), `what` says in
    words what was measured, `measured` and `target` are printed as given, and `met` is None
    when this run could not decide (a part skipped, say)."""

    key: str
    what: str
    measured: str
    target: str
    met: bool | None
    note: str = ""
    data: dict[str, float] = field(default_factory=dict)  # numbers a later part may use


def print_figures(figures: list[Figure]) -> None:
    """Print the summary table, one row a figure, in Markdown."""
    rows = [
        (f.key, f.what, f.measured, f.target, {True: "yes", False: "NO", None: "-"}[f.met], f.note)
        for f in figures
    ]
    header = ("figure", "what", "measured", "target", "met", "note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
