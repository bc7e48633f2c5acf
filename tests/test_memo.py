"""tierlang.memo.per_object: once per object, by identity, for as long as the object lives."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from tierlang.memo import per_object


@dataclass(frozen=True)
class Node:
    name: str


def counting():
    calls = []

    @per_object
    def work(obj):
        calls.append(id(obj))
        return [len(calls)]  # nothing that refers to obj, or obj would live as long as its entry

    return work, calls


def test_computed_once_per_object():
    work, calls = counting()
    a = Node("a")
    assert work(a) is work(a)
    assert calls == [id(a)]


def test_equal_objects_are_not_the_same_entry():
    work, calls = counting()
    a, b = Node("x"), Node("x")
    assert a == b
    assert work(a) is not work(b)
    assert len(calls) == 2


def test_an_entry_leaves_with_its_object():
    work, calls = counting()
    cache = work.__closure__  # the dict is in the closure of the wrapper
    entries = next(c.cell_contents for c in cache if isinstance(c.cell_contents, dict))
    a = Node("a")
    work(a)
    assert len(entries) == 1
    del a
    gc.collect()
    assert entries == {}


def test_values_that_cannot_be_weakly_referenced_are_computed_each_time():
    work, calls = counting()
    assert work(3) == [1] and work(3) == [2]
