"""A small least-recently-used cache (the calendar feeds' rendered events and bodies)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """The `limit` entries used last (by count, or by `weight` when given)."""

    def __init__(self, limit: int, weight: Callable[[V], int] = lambda _value: 1) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._limit = limit
        self._weight = weight
        self._total = 0

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._total -= self._weight(old)
        self._entries[key] = value
        self._total += self._weight(value)
        while self._total > self._limit and len(self._entries) > 1:
            _, dropped = self._entries.popitem(last=False)
            self._total -= self._weight(dropped)
