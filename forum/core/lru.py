"""A least-recently-used store bounded by the total weight of what it holds."""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Lru(Generic[K, T]):
    """A least-recently-used store bounded by the total weight of what it holds."""

    def __init__(self, max_weight: int, weigh: Callable[[T], int]) -> None:
        self.max_weight = max_weight
        self.weigh = weigh
        self.weight = 0
        self.items: OrderedDict[K, tuple[T, int]] = OrderedDict()

    def get(self, key: K) -> T | None:
        found = self.items.get(key)
        if found is None:
            return None
        self.items.move_to_end(key)
        return found[0]

    def clear(self) -> None:
        self.items.clear()
        self.weight = 0

    def put(self, key: K, value: T, *, weight: int | None = None) -> None:
        """Keep `value` under `key`, weighed by `weigh` unless its `weight` is given."""
        weight = self.weigh(value) if weight is None else weight
        if weight > self.max_weight // 4:
            return
        old = self.items.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self.items[key] = (value, weight)
        self.weight += weight
        while self.weight > self.max_weight:
            _key, (_value, dropped) = self.items.popitem(last=False)
            self.weight -= dropped


def size_of_fields(value: object) -> int:
    """Bytes an object with `__slots__` holds: itself and each field's value (not deeper)."""
    slots: tuple[str, ...] = getattr(type(value), "__slots__", ())
    return sys.getsizeof(value) + sum(sys.getsizeof(getattr(value, name)) for name in slots)
