"""Load a URL on loopback with wrk or a bounded Python loader, and check the CPU is quiet."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

PY_LOADER_MAX_REQUESTS = 200_000  # per connection; the deadline normally stops it far sooner


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers, socket errors and timeouts


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _latency_ms(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"no {percentile}% line")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(text: str) -> Load:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", text, re.MULTILINE)
    if not rps or not total:
        raise ValueError("wrk printed no summary")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Load(
        float(rps.group(1)),
        _latency_ms(text, "50"),
        _latency_ms(text, "99"),
        int(total.group(1)),
        errors,
    )


def check_loopback(url: str) -> None:
    if urlsplit(url).hostname != "127.0.0.1":
        raise SystemExit(f"bench: refusing to load a non-loopback URL: {url}")


def wrk_load(
    url: str,
    seconds: int,
    connections: int,
    cpus: set[int] | None,
    headers: dict[str, str] | None = None,
) -> Load:
    """Load `url` with wrk; `headers` go with every request (a signed-in reader's cookies)."""
    check_loopback(url)
    threads = max(1, min(len(cpus) if cpus else 1, connections))
    sent = [part for name, value in (headers or {}).items() for part in ("-H", f"{name}: {value}")]
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        *sent,
        url,
    ]
    preexec: Callable[[], None] | None = None
    if cpus and hasattr(os, "sched_setaffinity"):
        chosen = set(cpus)

        def preexec() -> None:
            os.sched_setaffinity(0, chosen)

    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        preexec_fn=preexec,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: wrk failed ({done.returncode}): {done.stderr.strip()}")
    try:
        return parse_wrk(done.stdout)
    except ValueError as error:
        raise SystemExit(f"bench: cannot read wrk's output ({error}):\n{done.stdout}") from None


async def _python_load(
    url: str, seconds: int, connections: int, headers: dict[str, str] | None = None
) -> Load:
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    started = time.perf_counter()
    deadline = started + seconds
    async with httpx.AsyncClient(limits=limits, timeout=10.0, headers=headers) as client:

        async def worker() -> None:
            nonlocal errors
            for _ in range(PY_LOADER_MAX_REQUESTS):
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                errors += response.status_code >= 400

        await asyncio.wait_for(
            asyncio.gather(*(worker() for _ in range(connections))), timeout=seconds + 30
        )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return Load(
        len(latencies) / elapsed, percentile(0.50), percentile(0.99), len(latencies), errors
    )


def python_load(
    url: str,
    seconds: int,
    connections: int,
    cpus: set[int] | None,
    headers: dict[str, str] | None = None,
) -> Load:
    check_loopback(url)
    with pinned(cpus):
        return asyncio.run(_python_load(url, seconds, connections, headers))


@contextmanager
def pinned(cpus: set[int] | None) -> Iterator[None]:
    """Keep this process (the load) on `cpus` inside the block, then where it was: a process
    it starts later (a server, wrk) must not inherit the load's CPU."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def fetch(url: str) -> bytes:
    import httpx

    check_loopback(url)
    response = httpx.get(url, timeout=30.0)
    if response.status_code != 200:
        raise SystemExit(f"bench: {url} answered {response.status_code}")
    return response.content


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Fraction of the machine's CPU time spent busy over `seconds` (Linux), else None."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(n) for n in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return 1 - (idle1 - idle0) / total if total > 0 else None


def check_quiet(when: str) -> str:
    busy = cpu_busy()
    if busy is None:
        return "unknown"
    if busy > 0.15:
        print(
            f"bench: WARNING: {busy:.0%} of the CPU was busy {when} with the servers idle: "
            "something else is running and the figures will be low and noisy"
        )
    return f"{busy:.0%}"
