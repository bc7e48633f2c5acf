"""The syntax tree and the IR are frozen dataclasses (`ir.frozen`): their faster `__init__`
takes the same arguments as the one `dataclasses` would write, and leaves the node frozen."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import field

import pytest

from tierlang import ir
from tierlang.syntax import ast


def _node_classes() -> list[type]:
    return [
        c
        for module in (ir, ast)
        for c in vars(module).values()
        if isinstance(c, type) and c.__module__ == module.__name__ and dataclasses.is_dataclass(c)
    ]


@pytest.mark.parametrize("cls", _node_classes(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_init_matches_the_dataclass_one(cls):
    assert cls.__dataclass_params__.frozen
    # what `dataclasses` would have written for the same fields
    twin = dataclasses.make_dataclass(
        cls.__name__,
        [(f.name, f.type, _same(f)) for f in dataclasses.fields(cls)],
        frozen=True,
    )
    cls.__init__  # noqa: B018 - compiled on first use: compare the compiled one
    args = {
        f.name: object() for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    cls(**args)  # the first call compiles it
    assert inspect.signature(cls.__init__).parameters.keys() == inspect.signature(twin.__init__).parameters.keys()
    made, expected = cls(**args), twin(**args)
    assert {f.name: getattr(made, f.name) for f in dataclasses.fields(cls)} == vars(expected)
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, 1)


def _same(f: dataclasses.Field) -> dataclasses.Field:
    if f.default is not dataclasses.MISSING:
        return field(default=f.default)
    if f.default_factory is not dataclasses.MISSING:
        return field(default_factory=f.default_factory)
    return field()


def test_defaults_factories_and_post_init():
    seen = []

    @ir.frozen(order=True)
    class Node:
        a: int
        b: tuple = ()
        c: frozenset = field(default_factory=lambda: frozenset(seen))

        def __post_init__(self):
            seen.append(self.a)

    one, two = Node(1), Node(2, (3,))
    assert (one.a, one.b, one.c, two.b, two.c) == (1, (), frozenset(), (3,), {1})  # the factory called each time
    assert one < two and one == Node(1, c=frozenset()) and hash(Node(1, (2,), frozenset())) == hash(Node(1, (2,), frozenset()))
    assert seen == [1, 2, 1, 1, 1]
    assert Node(a=5, c=frozenset({9})).c == {9}
    with pytest.raises(TypeError):
        Node()
    assert dataclasses.replace(two, a=7) == Node(7, (3,), two.c)
