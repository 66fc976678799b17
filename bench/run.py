"""`make bench`: every figure of the speed targets in one run, then one summary table.

Each part seeds its own throw-away database (a temporary folder, or a `bench_<hex>` database
on the local PostgreSQL server), serves on 127.0.0.1 only, bounds its loops in count and time,
prints its own detailed table, and returns its rows of the summary (`figures.Figure`):

    pages       P1   anonymous pages (cache hits) ÷ their same-bytes ceilings   (pages.py)
    signedin    P1b  the signed-in question page ÷ the bare Jinja2 page; P2 warm (signedin.py)
    statements  P2   statements rendered from the database, at N and at 10 posts (statements.py)
    deep        P3   page 50 ÷ page 1 of a question holding 20,000 posts         (deep.py)
    submit      P4   posts/s through the POST endpoint; 32 writers for 30 s      (submit.py)
    middleware  -    each middleware beside a whole cache hit, in process        (middleware.py)
    memory      P5   one worker's resident memory after every page kind          (memory.py)
    workers     P6   PostgreSQL, 2 workers ÷ 1 on the signed-in page             (workers.py)
    soak        -    200 people, 10 % writing, 60 s (only with --soak)           (soak.py)

    .venv/bin/python bench/run.py [--posts N] [--database sqlite|postgresql] [--seconds S]
                                  [--soak] [--only PART ...]
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from figures import Figure, print_figures  # noqa: E402

MAX_POSTS = 100_000
MAX_SECONDS = 60
DEEP_POSTS = 20_000  # P3 is defined on a question holding 20,000 posts
PARTS = ("pages", "signedin", "statements", "deep", "submit", "middleware", "memory", "workers")


def _pages(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    import pages

    inner = argparse.Namespace(
        posts=options.posts,
        seconds=options.seconds,
        connections=options.connections,
        loader=options.loader,
    )
    figures: list[Figure] = pages.run(inner)
    return figures


def _signedin(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from signedin import signed_in_figures

    return signed_in_figures(
        posts=options.posts, seconds=options.seconds, connections=options.connections
    )


def _statements(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from statements import statement_figures

    return statement_figures(options.posts)


def _deep(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from deep import deep_figures

    return deep_figures(posts=DEEP_POSTS, repeat=10, database=options.database)


def _submit(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from submit import submit_figures

    return submit_figures(posts=options.posts, seconds=options.seconds)


def _middleware(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from middleware import middleware_figures

    served = [
        f.data["requests_per_second"] for f in earlier if "question" in f.what and f.key == "P1"
    ]
    return middleware_figures(served_rps=served[0] if served else None)


def _memory(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from memory import memory_figures

    return memory_figures(posts=options.posts, database=options.database)


def _workers(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from workers import workers_figures

    return workers_figures(posts=options.posts, seconds=options.seconds)


def _soak(options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    from soak import soak_figures

    return soak_figures(posts=options.posts, seconds=options.soak_seconds)


STEPS: dict[str, Callable[[argparse.Namespace, list[Figure]], list[Figure]]] = {
    "pages": _pages,
    "signedin": _signedin,
    "statements": _statements,
    "deep": _deep,
    "submit": _submit,
    "middleware": _middleware,
    "memory": _memory,
    "workers": _workers,
    "soak": _soak,
}


def run(options: argparse.Namespace) -> int:
    """Run the chosen parts in order; a part that fails is a row saying so, not the end."""
    chosen = list(options.only or PARTS)
    if options.soak and "soak" not in chosen:
        chosen.append("soak")
    figures: list[Figure] = []
    failed = 0
    started = time.monotonic()
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        began = time.monotonic()
        try:
            figures += _in_a_new_process(name, options, figures)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a part's SystemExit too: the others still run
            failed += 1
            traceback.print_exc()
            figures.append(Figure(name, f"the {name} part failed", "-", "-", None, repr(error)))
        print(f"=== {name}: {time.monotonic() - began:.0f} s", flush=True)
    print(f"\n## Summary ({time.monotonic() - started:.0f} s; {_config(options)})\n")
    print_figures(figures)
    return 1 if failed else 0


def _in_a_new_process(
    name: str, options: argparse.Namespace, earlier: list[Figure]
) -> list[Figure]:
    """Run one part in a new interpreter, as if its script were run alone.

    The parts' load generators run in this process: run one after another here, a later
    part's clients shared a heap with what the earlier parts left (seeded rows, servers'
    logs, garbage to collect), and measured themselves. The soak inside the whole run gave
    readers p50 82 ms and p99 1.3 s where `run.py --only soak` gave 4 ms and 206 ms.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as child:
        figures: list[Figure] = child.submit(_part, name, options, earlier).result()
    return figures


def _part(name: str, options: argparse.Namespace, earlier: list[Figure]) -> list[Figure]:
    """A part, in the child: a SystemExit becomes an error the parent is given."""
    try:
        return STEPS[name](options, earlier)
    except SystemExit as stop:
        raise RuntimeError(f"the {name} part stopped: {stop.code}") from None


def _config(options: argparse.Namespace) -> str:
    return (
        f"{options.posts:,} posts, database {options.database} where a part offers it, "
        f"{options.seconds} s a load, {options.connections} connections"
    )


def _bounded(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low:,} to {high:,}")
        return value

    return parse


def _interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=_bounded(10, MAX_POSTS, "--posts"), default=1_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=_bounded(1, MAX_SECONDS, "--seconds"), default=5)
    parser.add_argument("--connections", type=_bounded(1, 200, "--connections"), default=50)
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--soak", action="store_true", help="add the mixed load (60 s)")
    parser.add_argument(
        "--soak-seconds", type=_bounded(1, MAX_SECONDS, "--soak-seconds"), default=60
    )
    parser.add_argument("--only", nargs="+", choices=[*PARTS, "soak"], help="these parts only")
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        sys.exit(run(options))
    except KeyboardInterrupt:
        print("\nbench: interrupted; each part stopped its servers", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
