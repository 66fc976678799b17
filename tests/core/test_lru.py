"""The least-recently-used store keeps within its weight and drops the oldest first."""

from __future__ import annotations

from forum.core.lru import Lru


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
