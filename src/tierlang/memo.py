"""Values worked out once per object (a program, an IR node) and kept as long as it lives.

IR nodes and programs are frozen dataclasses compared by value: hashing one walks all of it,
and two equal programs loaded from different files would share an entry. These caches go by
identity instead, and a weak reference drops an entry when its object is collected (so an id
reused by a later object never finds the earlier one's value).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TypeVar

__all__ = ["per_object"]

T = TypeVar("T")
K = TypeVar("K")


def per_object(fn: Callable[[K], T]) -> Callable[[K], T]:
    """`fn(obj)` computed on the first call for each object and remembered while it lives.
    Objects that cannot be weakly referenced (a bare value) are not remembered. The value
    must not refer to the object: the entry would keep it alive."""
    cache: dict[int, tuple[weakref.ref, T]] = {}

    @functools.wraps(fn)
    def cached(obj: K) -> T:
        hit = cache.get(id(obj))
        if hit is not None and hit[0]() is obj:
            return hit[1]
        value = fn(obj)
        key = id(obj)
        try:
            ref = weakref.ref(obj, lambda _, key=key: cache.pop(key, None))
        except TypeError:
            return value
        cache[key] = (ref, value)
        return value

    return cached
