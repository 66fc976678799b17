"""The least-recently-used store keeps within its weight and drops the oldest first."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from forum.core.lru import Lru, size_of_fields


def test_a_store_stays_within_its_weight() -> None:
    store: Lru[str, str] = Lru(100, len)
    for index in range(10):
        store.put(str(index), "x" * 20)
    assert store.weight <= 100 and len(store.items) == 5
    assert store.get("9") == "x" * 20 and store.get("0") is None
    store.put("big", "x" * 30)  # more than a quarter of the store: not kept
    assert store.get("big") is None
    store.clear()
    assert (store.weight, store.items) == (0, {})


def test_a_weight_given_with_a_value_is_the_one_counted() -> None:
    store: Lru[str, str] = Lru(400, len)
    store.put("a", "x", weight=90)
    store.put("b", "y", weight=80)
    assert store.weight == 170
    for key in "cde":
        store.put(key, key, weight=100)  # 470 > 400: the oldest goes
    assert store.get("a") is None and store.get("b") == "y" and store.weight == 380


def test_the_size_of_an_object_with_slots_counts_its_fields() -> None:
    @dataclass(frozen=True, slots=True)
    class Kept:
        name: str
        text: str

    long_text = "é" * 1000 + "’"  # one character past Latin-1: two bytes each
    kept = Kept("a", long_text)
    assert size_of_fields(kept) == (
        sys.getsizeof(kept) + sys.getsizeof("a") + sys.getsizeof(long_text)
    )
    assert size_of_fields(kept) > 2 * len(long_text)
