"""A worker keeps few malloc arenas and returns its heap's free memory now and then."""

from __future__ import annotations

import asyncio
import os

import pytest

from forum.web import heap


def test_the_arenas_are_limited_on_glibc_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if heap._glibc() is None:
        pytest.skip("glibc only")
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert heap.limit_arenas() is True
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # glibc read it at start: it wins
    assert heap.limit_arenas() is False


def test_elsewhere_nothing_is_asked_of_the_c_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_glibc", lambda: None)
    assert heap.limit_arenas() is False
    assert heap.trim() is False


def test_free_memory_is_returned_to_the_system() -> None:
    if heap._glibc() is None:
        pytest.skip("glibc only")
    kept = [os.urandom(2000) for _ in range(20_000)]  # about 40 MB from malloc
    del kept[::2]  # free pages between used ones: only a trim returns them
    assert heap.trim() is True


async def test_the_worker_trims_on_its_interval_until_stopped() -> None:
    trims: list[int] = []

    def trim() -> bool:
        trims.append(1)
        return True

    task = asyncio.create_task(heap.keep_trimming(0.01, trim))
    for _ in range(200):
        if len(trims) >= 3:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(trims) >= 3
    counted = len(trims)
    await asyncio.sleep(0.05)
    assert len(trims) == counted
