"""The syntax tree and the IR are frozen dataclasses (`ir.frozen`): their faster `__init__`
takes the same arguments as the one `dataclasses` would write, and leaves the node frozen; their
other methods (made without `exec`) behave as the ones `dataclass(frozen=True)` writes."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import random
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
    flags = {"compare": f.compare, "repr": f.repr, "hash": f.hash}
    if f.default is not dataclasses.MISSING:
        return field(default=f.default, **flags)
    if f.default_factory is not dataclasses.MISSING:
        return field(default_factory=f.default_factory, **flags)
    return field(**flags)


def _twin(cls: type) -> type:
    """What `dataclass(frozen=True)` makes of `cls`'s fields."""
    twin = dataclasses.make_dataclass(
        cls.__name__,
        [(f.name, f.type, _same(f)) for f in dataclasses.fields(cls)],
        frozen=True,
        order=cls.__dataclass_params__.order,
    )
    twin.__qualname__ = cls.__qualname__
    return twin


def _outcome(call, *args):
    """What `call(*args)` returns, or the type and message of what it raises."""
    try:
        return call(*args)
    except Exception as e:  # the two classes must fail alike
        return type(e), str(e)


_VALUES = [0, 1, 2, -1, "a", "b", "", (), (1,), (1, 2), None, frozenset({1}), 1.5]


@pytest.mark.parametrize("cls", _node_classes(), ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_methods_match_the_dataclass_ones(cls):
    twin = _twin(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    rnd = random.Random(cls.__qualname__)
    for _ in range(60):
        first = {n: rnd.choice(_VALUES) for n in names}
        second = dict(first)
        for n in rnd.sample(names, rnd.randint(0, min(2, len(names)))):  # equal or a field or two apart
            second[n] = rnd.choice(_VALUES)
        ours = cls(**first), cls(**second)
        theirs = twin(**first), twin(**second)
        for a, b in ((ours, theirs), (ours[::-1], theirs[::-1])):
            for compare in (
                lambda x, y: x == y,
                lambda x, y: x != y,
                lambda x, y: x < y,
                lambda x, y: x >= y,
                lambda x, y: hash(x) == hash(y),
                lambda x, y: (hash(x), repr(x)),
            ):
                assert _outcome(compare, *a) == _outcome(compare, *b)
        assert ours[0] != theirs[0]  # another class: never equal
        assert (ours[0] == theirs[0]) is False
        assert pickle.loads(pickle.dumps(ours[0])) == ours[0]
        for name in (names[0], "other"):
            assert _outcome(setattr, ours[0], name, 1) == _outcome(setattr, theirs[0], name, 1)
            assert _outcome(delattr, ours[0], name) == _outcome(delattr, theirs[0], name)
    assert cls.__match_args__ == twin.__match_args__
    ours_params, their_params = cls.__dataclass_params__, twin.__dataclass_params__
    for flag in ("repr", "eq", "order", "unsafe_hash", "frozen"):
        assert getattr(ours_params, flag) == getattr(their_params, flag), flag


def test_methods_the_class_defines_are_kept_or_refused():
    def body(**methods):
        return {"__annotations__": {"a": "int"}, **methods}

    own = {"__eq__": lambda self, other: "eq", "__repr__": lambda self: "repr"}
    ours = (ir.frozen, ir.frozen(order=True))
    theirs = (dataclasses.dataclass(frozen=True), dataclasses.dataclass(frozen=True, order=True))
    for make, make_ordered in (ours, theirs):
        node = make(type("Node", (), body(**own)))(1)
        assert (node == 2, repr(node)) == ("eq", "repr")
        assert hash(node) == hash((1,))  # dataclass replaces the None that `__eq__` alone sets
        assert hash(make(type("Node", (), body(__hash__=lambda self: 7)))(1)) == 7
        for refused in ("__setattr__", "__lt__"):
            with pytest.raises(TypeError, match=f"Cannot overwrite attribute {refused}"):
                make_ordered(type("Node", (), body(**{refused: lambda self, other: 0})))


def test_a_frozen_subclass_of_a_frozen_class():
    @ir.frozen
    class Base:
        a: int
        b: str = field(default="", compare=False)

    @ir.frozen
    class Sub(Base):
        c: int = 0

    sub = Sub(1, "x", 2)
    assert (sub.a, sub.b, sub.c) == (1, "x", 2) and sub == Sub(1, "y", 2) != Base(1)
    assert hash(sub) == hash((1, 2)) and repr(sub).endswith("Sub(a=1, b='x', c=2)")
    assert dataclasses.replace(sub, c=3) == Sub(1, c=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sub.c = 5


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
