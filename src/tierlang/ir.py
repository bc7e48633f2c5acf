"""The evaluation IR: what a checked program means, free of syntax and of Lark.

Every engine (the exact interpreter, the polars engine, a future SQL backend), the diff,
the monotonicity analysis and the renderers read this and nothing else. Nodes are frozen
dataclasses; `span` fields are excluded from equality, so two programs that differ only in
layout, comments or declaration positions compare equal.

Numbers are `fractions.Fraction`, never floats. Names are resolved: a `MetricRef` names a
declared metric, a `ScoreRef` a declared score, and so on. Parameters are folded into
`Const` nodes that remember which parameter they came from.

Semantics in brief (docs/language.md has the full text):
- A track holds the highest level whose requirements hold. A cumulative level (the default)
  also needs everything the level directly below it needs: that level's own requirements
  and, if it is cumulative too, those below it (an `independent` level stops the chain).
- A score is the sum of its lines and categories; a category or score with a cap is
  clamped to it. A line whose `when` gate fails earns 0.
- A track with several variants either takes the best (highest level, then highest
  primary score, then first declared) or is classified by `choices` (first match wins).
- A track's reported score is its selected variant's first declared score.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import operator
import reprlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields, is_dataclass
from enum import Enum, StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Any, Union, dataclass_transform

__all__ = [
    "frozen",
    "Span",
    "Kind",
    "Type",
    "Value",
    "Metric",
    "Param",
    "Gate",
    "Group",
    "Duration",
    "Const",
    "MetricRef",
    "ScoreRef",
    "GateRef",
    "Arith",
    "Neg",
    "Func",
    "Compare",
    "COMPARISONS",
    "And",
    "Or",
    "Not",
    "AtLeast",
    "TrackAt",
    "GroupCount",
    "Every",
    "AsOf",
    "DateShift",
    "Expr",
    "Line",
    "Category",
    "Score",
    "Requirement",
    "Level",
    "Variant",
    "Choice",
    "Track",
    "Partner",
    "Expectation",
    "Example",
    "Hold",
    "HOLD_KINDS",
    "Program",
    "Column",
    "RowFilter",
    "RelatedTable",
    "RowTrack",
    "ValueList",
    "ColumnRef",
    "FilterRef",
    "InSet",
    "IsEmpty",
    "Window",
    "InWindow",
    "GroupAgg",
    "Aggregate",
    "Need",
    "Assignment",
    "window_dates",
    "Acknowledgement",
    "Constraint",
    "Output",
    "Band",
    "Table",
    "Lookup",
    "LevelOf",
    "Undecided",
    "to_data",
    "to_json",
    "walk",
    "children",
    "metrics_read",
]


_FACTORY = object()  # a field left to its default factory


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type | None = None, /, *, order: bool = False) -> Any:
    """`@dataclass(frozen=True)` (with `order`), made without compiling code at import.

    `dataclass` builds each method it adds (`__eq__`, `__hash__`, `__repr__`, the frozen
    `__setattr__` and `__delattr__`, the order methods) by `exec` of generated source: for the
    ~60 IR classes and ~65 syntax-tree classes that was most of importing `tierlang.ir`, paid
    by every command. Here `dataclass` only collects the fields (nothing is compiled), and
    the methods are closures over a per-class `operator.attrgetter` of the fields, with the
    generated ones' behaviour: `__eq__` and the order methods compare the tuples of the
    `compare=True` fields of two instances of the same class (else `NotImplemented`),
    `__hash__` hashes that tuple, `__repr__` shows the `repr=True` fields, and assigning or
    deleting an attribute raises `FrozenInstanceError`. `__dataclass_params__` says what a
    frozen dataclass's says.

    `__init__` writes the new instance's `__dict__` directly (a frozen dataclass's sets
    each field through `object.__setattr__`: for the syntax tree and the IR, built node by
    node while parsing and lowering, that was a tenth of the time), with the same
    parameters, defaults, default factories and `__post_init__`. It is compiled when the
    class is first instantiated: a command builds a few of the classes, and a program read
    from the cache is unpickled without calling any `__init__`."""

    def make(c: type) -> type:
        if any(getattr(getattr(b, "__dataclass_params__", None), "frozen", False) for b in c.__mro__[1:]):
            # dataclass refuses to make a subclass of a frozen dataclass non-frozen, even for
            # a moment: it writes the methods of this (rare) one
            c = dataclass(frozen=True, order=order, init=False)(c)
        else:
            c = dataclass(init=False, repr=False, eq=False)(c)
            _add_frozen_methods(c, order)

        def first(self: Any, *args: Any, **kwargs: Any) -> None:
            init = c.__init__ = _dict_init(c)  # type: ignore[misc]
            init(self, *args, **kwargs)

        c.__init__ = first  # type: ignore[misc]
        return c

    return make if cls is None else make(cls)


def _fields_tuple(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The function giving an instance's tuple of the named fields' values."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        # attrgetter of one name gives the value itself; equality and the hash are the tuple's
        get = operator.attrgetter(names[0])
        return lambda self: (get(self),)
    return lambda self: ()


def _comparison(op: Callable[[Any, Any], Any], key: Callable[[Any], tuple[Any, ...]]) -> Callable[..., Any]:
    def method(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return op(key(self), key(other))
        return NotImplemented

    return method


_ORDER = {"__lt__": operator.lt, "__le__": operator.le, "__gt__": operator.gt, "__ge__": operator.ge}


def _add_frozen_methods(c: type, order: bool) -> None:
    # What `dataclass(frozen=True, eq=True, order=order)` adds, with its rules: a method the
    # class defines itself is kept (`__eq__`, `__repr__`, an explicit `__hash__`) or is an
    # error (the order methods, `__setattr__`, `__delattr__`).
    all_fields = fields(c)  # type: ignore[arg-type]
    names = frozenset(f.name for f in all_fields)
    key = _fields_tuple([f.name for f in all_fields if f.compare])
    shown = [f.name for f in all_fields if f.repr]
    shown_values = _fields_tuple(shown)

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        values = ", ".join([f"{n}={v!r}" for n, v in zip(shown, shown_values(self))])
        return f"{self.__class__.__qualname__}({values})"

    def __hash__(self: Any) -> int:
        return hash(key(self))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is c or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(c, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is c or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(c, self).__delattr__(name)

    own = c.__dict__
    class_hash = own.get("__hash__", MISSING)
    # defining `__eq__` alone sets `__hash__` to None: dataclass replaces that one
    explicit_hash = class_hash is not MISSING and not (class_hash is None and "__eq__" in own)
    methods: dict[str, Callable[..., Any]] = {}
    if "__repr__" not in own:
        methods["__repr__"] = __repr__
    if "__eq__" not in own:
        methods["__eq__"] = _comparison(operator.eq, key)
    if not explicit_hash:
        methods["__hash__"] = __hash__
    required = {"__setattr__": __setattr__, "__delattr__": __delattr__}
    if order:
        required |= {name: _comparison(op, key) for name, op in _ORDER.items()}
    for name, method in required.items():
        if name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {c.__name__}")
        methods[name] = method
    for name, method in methods.items():
        method.__name__ = name
        method.__qualname__ = f"{c.__qualname__}.{name}"
        setattr(c, name, method)
    params = copy.copy(c.__dataclass_params__)  # type: ignore[attr-defined]
    params.repr = params.eq = params.frozen = True
    params.order = order
    c.__dataclass_params__ = params  # type: ignore[attr-defined]


def _dict_init(cls: type) -> Callable[..., None]:
    params, body = [], []
    scope: dict[str, Any] = {"_FACTORY": _FACTORY}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.default is not MISSING:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            body.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
    body.append("    d = self.__dict__")
    body.extend(f"    d[{f.name!r}] = {f.name}" for f in fields(cls))  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    exec(f"def __init__(self, {', '.join(params)}) -> None:\n" + "\n".join(body) + "\n", scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


@frozen(order=True)
class Span:
    """A source range: 1-based line and column; end is exclusive (as Lark reports it)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


class Kind(StrEnum):
    COUNT = "count"  # whole numbers
    NUMBER = "number"  # any decimal; also the kind of unit-less constants and ratios
    PERCENT = "percent"
    MONEY = "money"  # with a currency
    POINTS = "points"  # what scores, categories and lines are worth
    BOOL = "bool"
    DATE = "date"
    ENUM = "enum"
    TEXT = "text"  # table columns only: names, ids
    DURATION = "duration"  # months or days, for date arithmetic (tierlang.dates)


@frozen
class Type:
    kind: Kind
    currency: str | None = None
    values: tuple[str, ...] = ()  # enum values, in declared order
    ordered: bool = False  # enum declared with `<`

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def __str__(self) -> str:
        if self.kind is Kind.MONEY:
            return f"money {self.currency}"
        if self.kind is Kind.ENUM:
            sep = " < " if self.ordered else ", "
            return f"enum({sep.join(self.values)})"
        return self.kind.value


NUMERIC_KINDS = frozenset({Kind.COUNT, Kind.NUMBER, Kind.PERCENT, Kind.MONEY, Kind.POINTS})


@frozen(order=True)
class Duration:
    """A calendar duration: whole months (a year is 12) or days. `tierlang.dates` says how
    it is added to a date (months first, the day clamped to the month's end)."""

    months: int = 0
    days: int = 0

    def __str__(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months} {'month' if abs(self.months) == 1 else 'months'}")
        if self.days or not parts:
            parts.append(f"{self.days} {'day' if abs(self.days) == 1 else 'days'}")
        return " ".join(parts)


#: A metric or parameter value: exact number, bool, date, enum value name, or a duration.
Value = Union[Fraction, bool, _dt.date, str, Duration]


# ------------------------------------------------------------------ declarations


@frozen
class Metric:
    """A partner measure. `column` is the dataset column (None for a derived metric)."""

    name: str
    type: Type
    title: str | None = None
    column: str | None = None
    direction: str = "higher"  # "higher" or "lower" is better
    # Whether the file states the direction. An ordered enum takes part in the monotonicity
    # order only when it does (tierlang.order): "gold > silver is better" is not assumed.
    direction_declared: bool = False
    minimum: Fraction | None = None  # inclusive valid range; None = unbounded
    maximum: Fraction | None = None
    default: Value | None = None  # used when the value is missing; None = missing is an error
    # The dataset may lack the column altogether: every row then takes the default.
    optional: bool = False
    unit: str | None = None
    derived: Expr | None = None
    doc: str | None = None
    source: str | None = None
    # Computed from related tables (an expression over `Aggregate`s, other record metrics and
    # constants; it may divide by a record metric). To every rule a record metric is an input
    # like a column metric: the records stage (tierlang.records) computes it per partner.
    records: Expr | None = None
    span: Span | None = _span()

    @property
    def label(self) -> str:
        return self.title or self.name


@frozen
class Param:
    """A named constant. `value` is the one in force for the `as_of` date the program was
    lowered for; `initial` the value before any dated change; `dated` lists every scheduled
    change as (from date, value)."""

    name: str
    value: Value
    type: Type
    title: str | None = None
    source: str | None = None
    assumed: str | None = None  # why the value was chosen when no source confirms it
    dated: tuple[tuple[_dt.date, Value], ...] = ()
    initial: Value | None = None
    doc: str | None = None
    span: Span | None = _span()


@frozen
class Gate:
    """A named prerequisite: a condition that awards nothing by itself."""

    name: str
    expr: Expr
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()


@frozen
class Group:
    """A set of tracks (e.g. the competencies) that requirements can count over."""

    name: str
    title: str | None = None
    doc: str | None = None
    tracks: tuple[str, ...] = ()
    source: str | None = None
    span: Span | None = _span()


# ------------------------------------------------------------------ records: related tables


@frozen
class Column:
    """A column of a related table. `month`: holds the first day of a month."""

    name: str
    type: Type
    title: str | None = None
    optional: bool = False  # may be empty
    month: bool = False
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()


@frozen
class RowFilter:
    """A named condition on a table's rows (`filter eligible: ...`)."""

    name: str
    expr: Expr
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()


@frozen
class RelatedTable:
    """A related table (records): rows that belong to a partner through `partner_id`. `key`: columns
    that identify a row within a partner (a repeated key is a data error)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    filters: tuple[RowFilter, ...] = ()
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def filter(self, name: str) -> RowFilter | None:
        return next((f for f in self.filters if f.name == name), None)

    @property
    def label(self) -> str:
        return self.title or self.name


@frozen
class ValueList:
    """A named list of text values (certification names, services)."""

    name: str
    values: tuple[str, ...]
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()


# ------------------------------------------------------------------ expressions


@frozen
class Const:
    value: Value
    type: Type
    param: str | None = None  # the parameter this value came from, if any
    span: Span | None = _span()


@frozen
class MetricRef:
    name: str
    span: Span | None = _span()


@frozen
class ScoreRef:
    """Points of a score (part None), or of one category or line of it (part = its name).
    `variant` None on a track with variants means the selected variant's score."""

    track: str
    score: str
    variant: str | None = None
    part: str | None = None
    span: Span | None = _span()


@frozen
class GateRef:
    name: str
    span: Span | None = _span()


@frozen
class Arith:
    """`+ - * /`. The checker guarantees one side of `*` and `/` is constant, so every
    numeric expression is piecewise linear in the metrics."""

    op: str
    left: Expr
    right: Expr
    span: Span | None = _span()


@frozen
class Neg:
    operand: Expr
    span: Span | None = _span()


@frozen
class Func:
    """`min(a, b, ...)`, `max(a, b, ...)`, `clamp(x, lo, hi)` (the parser fills the
    default bounds 0 and 1)."""

    name: str
    args: tuple[Expr, ...]
    span: Span | None = _span()


@frozen
class Compare:
    op: str  # >= > <= < == != (see COMPARISONS)
    left: Expr
    right: Expr
    span: Span | None = _span()


#: The comparison operators and what they mean, for every engine (Python values or polars
#: expressions alike: both overload these operators).
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


@frozen
class And:
    items: tuple[Expr, ...]
    span: Span | None = _span()


@frozen
class Or:
    items: tuple[Expr, ...]
    span: Span | None = _span()


@frozen
class Not:
    operand: Expr
    span: Span | None = _span()


@frozen
class AtLeast:
    """At least `n` of the conditions hold."""

    n: int
    items: tuple[Expr, ...]
    param: str | None = None  # the parameter `n` came from, if any
    span: Span | None = _span()


@frozen
class TrackAt:
    """The track holds `level` or a higher one (level None: holds any level); with `exact`,
    that level and not a higher one (`at exactly LEVEL`)."""

    track: str
    level: str | None = None
    span: Span | None = _span()
    exact: bool = False


@frozen
class GroupCount:
    """At least `n` tracks of the group hold `level` or higher (n None: all of them); with
    `exact`, hold `level` and not a higher one."""

    group: str
    n: int | None
    level: str | None = None
    param: str | None = None  # the parameter `n` came from, if any
    span: Span | None = _span()
    exact: bool = False


@frozen
class Every:
    """Every line of a score satisfies `points <op> value`."""

    track: str
    score: str
    op: str
    value: Expr
    variant: str | None = None
    span: Span | None = _span()


@frozen
class ColumnRef:
    """A column of the row at hand (in a table's filter, a `where` or a `having`)."""

    table: str
    column: str
    span: Span | None = _span()


@frozen
class AsOf:
    """The evaluation date (`as_of` in a rule): `--as-of`, the program's effective date, or in
    a history the first day of the month evaluated."""

    span: Span | None = _span()


@frozen
class FilterRef:
    """A table's named row filter."""

    table: str
    name: str
    span: Span | None = _span()


@frozen
class InSet:
    """`operand in {values}` (`negated`: not in). `list` names the `ValueList` the values
    came from, if any."""

    operand: Expr
    values: tuple[Value, ...]
    negated: bool = False
    list: str | None = None
    span: Span | None = _span()


@frozen
class IsEmpty:
    operand: Expr
    negated: bool = False
    span: Span | None = _span()


@frozen
class Window:
    """Months relative to the evaluation date: the `months` full months ending `earlier`
    months before the last full month `L` (`last month` = (1, 0), `same month last year` =
    (1, 12), `last 12 months` = (12, 0)). `start` and `end` (exclusive) are those months'
    dates for the program's evaluation date, resolved during lowering: no engine does month
    arithmetic."""

    months: int
    earlier: int
    start: _dt.date
    end: _dt.date
    text: str = field(default="", compare=False)

    @property
    def first_month(self) -> _dt.date:
        return self.start

    @property
    def last_month(self) -> _dt.date:
        return _add_months(self.end, -1)


@frozen
class InWindow:
    """`operand in WINDOW`: a date on or after `window.start` and before `window.end`."""

    operand: Expr
    window: Window
    span: Span | None = _span()


@frozen
class GroupAgg:
    """An aggregate over the rows of a group (inside `having`), or of the groups' own
    aggregates (`inner`): count, count_distinct, sum, min, max. `where` keeps only some rows."""

    function: str
    column: str | None = None
    inner: GroupAgg | None = None
    where: Expr | None = None
    span: Span | None = _span()


@frozen
class Aggregate:
    """A value per partner from a related table: the `function` of `column` over the rows
    `where` holds for. With `per`, rows are grouped by those columns (within the partner),
    `having` keeps groups, and the aggregate runs over the kept groups' rows (`count`: the
    number of kept groups; `inner`: the function of each kept group's own aggregate)."""

    function: str  # count, count_distinct, sum, min, max
    table: str
    column: str | None = None
    where: Expr | None = None
    per: tuple[str, ...] = ()
    having: Expr | None = None
    inner: GroupAgg | None = None
    span: Span | None = _span()


@frozen
class DateShift:
    """`operand + amount` or `operand - amount` (`sign` 1 or -1): a date moved by a constant
    duration (`amount`, a `Const` of kind duration; calendar rules in `tierlang.dates`)."""

    operand: Expr
    amount: Expr
    sign: int = 1
    span: Span | None = _span()


@frozen
class Need:
    """One requirement of an `Assignment`: `count` distinct people for whom `where` holds."""

    name: str
    count: int
    where: Expr | None = None
    span: Span | None = _span()


@frozen
class Assignment:
    """People rules: whether the values of `column` (people) among the partner's rows of
    `table` that `where` keeps can be assigned to the needs so that each need has its count
    of distinct people and no person fills more than `capacity` needs. A person can fill a
    need when one of their rows satisfies the need's `where`. Solved exactly as a maximum
    flow (tierlang.records.assign)."""

    table: str
    column: str
    needs: tuple[Need, ...]
    where: Expr | None = None
    capacity: int = 1
    span: Span | None = _span()


@frozen
class Lookup:
    """The cell of `table` in the row, and column, whose bands hold the values of the
    table's keys. The table is carried whole (as a `Const` carries its value), so that every
    analysis that walks an expression sees what it reads; the diff compares it by name."""

    table: Table
    span: Span | None = _span()

    @property
    def keys(self) -> tuple[Expr, ...]:
        return self.table.keys


@frozen
class Undecided:
    """A condition no data decides: `unknown` (no source states the rule), `discretionary`
    (the vendor reserves the right) or `by invitation`. Conditions are three-valued: this
    one is neither true nor false, `and`/`or`/`not`/`at least` follow Kleene's logic, and a
    level that needs it is undecided unless the data decides it anyway (another requirement
    fails, or an alternative holds). Only requirements may depend on one (the checker)."""

    kind: str  # "unknown", "discretionary" or "invitation"
    reason: str | None = None
    span: Span | None = _span()


@frozen
class LevelOf:
    """The level a track's partner holds (a level name, None for none), as a table's key."""

    track: str
    span: Span | None = _span()


Expr = Union[
    Const,
    MetricRef,
    ScoreRef,
    GateRef,
    Arith,
    Neg,
    Func,
    Compare,
    And,
    Or,
    Not,
    AtLeast,
    TrackAt,
    GroupCount,
    Every,
    ColumnRef,
    FilterRef,
    InSet,
    IsEmpty,
    InWindow,
    GroupAgg,
    Aggregate,
    Assignment,
    AsOf,
    DateShift,
    Lookup,
    LevelOf,
    Undecided,
]


def _add_months(d: _dt.date, n: int) -> _dt.date:
    """The first day of the month `n` months after `d`'s month."""
    k = d.year * 12 + (d.month - 1) + n
    return _dt.date(k // 12, k % 12 + 1, 1)


def window_dates(months: int, earlier: int, as_of: _dt.date) -> tuple[_dt.date, _dt.date]:
    """[start, end) of the window for an evaluation on `as_of`: `L` is the last full month
    before the as-of month (DESIGN §4.2), the window its `months` months ending `earlier`
    months before `L`."""
    end = _add_months(as_of, -earlier)  # the first day after the window's last month
    return _add_months(end, -months), end


# ------------------------------------------------------------------ scores and tracks


@frozen
class Line:
    """One points line: `points` (clamped by nothing but its own formula) when `when` holds."""

    name: str
    points: Expr
    when: Expr | None = None
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()


@frozen
class Category:
    name: str
    lines: tuple[Line, ...]
    cap: Fraction | None = None
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    cap_param: str | None = None  # the parameter the cap came from, if any
    span: Span | None = _span()


@frozen
class Score:
    name: str
    items: tuple[Line | Category, ...]
    cap: Fraction | None = None
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    cap_param: str | None = None  # the parameter the cap came from, if any
    span: Span | None = _span()

    @property
    def lines(self) -> tuple[Line, ...]:
        out: list[Line] = []
        for item in self.items:
            out.extend(item.lines if isinstance(item, Category) else (item,))
        return tuple(out)

    def part(self, name: str) -> Line | Category | None:
        for item in self.items:
            if item.name == name:
                return item
            if isinstance(item, Category):
                for line in item.lines:
                    if line.name == name:
                        return line
        return None


@frozen
class Requirement:
    expr: Expr
    label: str | None = None
    span: Span | None = _span()


@frozen
class Level:
    name: str
    requirements: tuple[Requirement, ...] = ()
    cumulative: bool = True  # also needs everything the level directly below needs
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()

    @property
    def label(self) -> str:
        return self.title or self.name


@frozen
class Variant:
    """A scoring path of a track (Enterprise / SMB). A track without declared variants has
    exactly one, named None. Every variant of a track has the same level names."""

    name: str | None
    levels: tuple[Level, ...]
    scores: tuple[Score, ...] = ()
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()

    def score(self, name: str) -> Score | None:
        return self._score_map.get(name)

    @cached_property
    def _score_map(self) -> dict[str, Score]:
        return {s.name: s for s in reversed(self.scores)}  # the first of a name, as a scan finds it

    @property
    def primary_score(self) -> Score | None:
        return self.scores[0] if self.scores else None


@frozen
class Choice:
    """Classified tracks: the variant a partner is scored on when `when` holds (None:
    otherwise)."""

    variant: str
    when: Expr | None
    span: Span | None = _span()


@frozen
class Output:
    """An amount the program computes for each partner on a track (a fee, a benefit): a
    column of `tier eval` after the contract's four. `expr` reads the track's level (a table
    by the track), its scores (the selected variant's), metrics and other tracks."""

    name: str
    type: Type
    expr: Expr
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()

    @property
    def label(self) -> str:
        return self.title or self.name


@frozen
class Track:
    name: str
    variants: tuple[Variant, ...]
    selection: str = "single"  # "single", "best" or "classified"
    choices: tuple[Choice, ...] = ()
    group: str | None = None  # the first group it is in; `also_in` the others
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    outputs: tuple[Output, ...] = ()
    span: Span | None = _span()
    also_in: tuple[str, ...] = ()
    internal: bool = False  # a helper other rules read: not in tier eval's results

    @property
    def groups(self) -> tuple[str, ...]:
        """Every group the track is in, as written."""
        return ((self.group,) if self.group is not None else ()) + self.also_in

    # Lookups by name are indexed once per track: rules name variants and levels per partner,
    # and a track may have hundreds of variants (issue 17).
    @cached_property
    def level_names(self) -> tuple[str, ...]:
        """The ladder, lowest first."""
        return tuple(level.name for level in self.variants[0].levels)

    @cached_property
    def _level_positions(self) -> dict[str, int]:
        return {name: i for i, name in reversed(list(enumerate(self.level_names)))}

    def level_index(self, name: str | None) -> int:
        """-1 for no level, else the position in the ladder."""
        if name is None:
            return -1
        try:
            return self._level_positions[name]
        except KeyError:
            raise ValueError(f"{name!r} is not a level of track {self.name!r}") from None

    @cached_property
    def _variant_map(self) -> dict[str | None, Variant]:
        return {v.name: v for v in reversed(self.variants)}

    def variant(self, name: str | None) -> Variant:
        """The variant of that name (None: the only variant of a track that declares none)."""
        try:
            return self._variant_map[name]
        except KeyError:
            raise KeyError(f"track {self.name!r} has no variant {name!r}") from None

    @property
    def has_score(self) -> bool:
        return all(v.primary_score is not None for v in self.variants)

    @property
    def label(self) -> str:
        return self.title or self.name


# ------------------------------------------------------------------ examples


@frozen
class Partner:
    """A named sample partner that examples can start from."""

    name: str
    values: tuple[tuple[str, Value], ...]
    title: str | None = None
    span: Span | None = _span()


@frozen
class Expectation:
    """`path` is (track,) with a level name or None as value; (track, "variant") with the
    chosen variant's name; or (track, score[, part]) with a number of points."""

    path: tuple[str, ...]
    value: Value | None
    span: Span | None = _span()


@frozen
class Example:
    name: str
    given: tuple[tuple[str, Value], ...]  # every value, the sample partner's merged in
    expectations: tuple[Expectation, ...]
    partner: str | None = None
    title: str | None = None
    as_of: _dt.date | None = None  # evaluate with the parameters in force on this date
    # rows of related tables (`given records`): (table, rows), each row ((column, value), ...)
    # with None for an empty optional value; the records metrics are computed from them
    records: tuple[tuple[str, tuple[tuple[tuple[str, Value | None], ...], ...]], ...] = ()
    span: Span | None = _span()


# ------------------------------------------------------------------ band tables


@frozen
class Band:
    """A row or column of a table: the numbers from `low` (included; None: no lower end) to
    `high` (included when `high_included`; None: no upper end); or the enum values or level
    names in `names` (None: no level); or, with `otherwise`, every value no other band takes."""

    low: Fraction | None = None
    high: Fraction | None = None
    high_included: bool = True
    names: tuple[str | None, ...] = ()
    otherwise: bool = False
    low_param: str | None = None  # the parameters the ends came from, if any
    high_param: str | None = None
    span: Span | None = _span()

    @property
    def numeric(self) -> bool:
        return not self.names and not self.otherwise

    def holds(self, value: object) -> bool:
        """Is `value` in this band? (`otherwise` is decided by the table: see `Table.band`.)"""
        if self.otherwise:
            return False
        if not self.numeric:
            return value in self.names
        if not isinstance(value, Fraction):
            return False
        if self.low is not None and value < self.low:
            return False
        return self.high is None or (value <= self.high if self.high_included else value < self.high)


@frozen
class Table:
    """A band table: the value for a partner is `cells[row][column]`, the row (and column)
    whose band holds the partner's value of the key (`keys[0]`, and `keys[1]`). A
    one-dimensional table has no `columns` and one cell per row. The checker makes sure
    that the bands of each key never overlap and leave no value out."""

    name: str
    type: Type
    keys: tuple[Expr, ...]
    rows: tuple[Band, ...]
    cells: tuple[tuple[Const, ...], ...]
    columns: tuple[Band, ...] = ()
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()

    @property
    def label(self) -> str:
        return self.title or self.name

    @staticmethod
    def band(bands: tuple[Band, ...], value: object) -> int:
        """The index of the band that holds `value` (the `otherwise` band when no other
        does; -1 when none, which the checker rules out)."""
        for i, b in enumerate(bands):
            if b.holds(value):
                return i
        return next((i for i, b in enumerate(bands) if b.otherwise), -1)

    def cell(self, row: int, column: int = 0) -> Const:
        return self.cells[row][column]


# ------------------------------------------------------------------ acknowledged findings


@frozen
class Constraint:
    """`constraint NAME: CONDITION` over input metrics: every row of the data must meet it
    (a row that does not is a data error, named by row and by the constraint's columns), and
    explain proposes only changes that keep it."""

    name: str
    expr: Expr
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()

    @property
    def label(self) -> str:
        return self.title or self.name


@frozen
class Acknowledgement:
    """`acknowledge CODE "reason"` in a declaration: a finding of that code (a warning)
    whose place lies inside the declaration is known and accepted, for `reason`. `where`
    names the declaration ("track business_apps"); `scope` is its source range."""

    code: str
    reason: str
    where: str
    scope: Span | None = _span()
    span: Span | None = _span()


# ------------------------------------------------------------------ status rules

#: The kinds of status rule, in the order a history applies them (`tierlang.history`).
HOLD_KINDS = ("lag", "window", "anniversary", "grace", "until", "grandfather")


@frozen
class Hold:
    """A status rule: how a track's level carries over from one monthly evaluation to the
    next (docs/language.md, "Status rules"; `tierlang.history` evaluates them). `kind`:

    - "lag": a level is held only once it was earned in this month and each of the
      `length` months before (promotions take effect late; demotions at once);
    - "window": held when earned in this month or any of the `length - 1` months before;
    - "anniversary": a level, once held, is kept until the partner's next anniversary;
    - "grace": after an anniversary, the level held before it is kept for `length`;
    - "until": no demotion: a level, once held, is kept through the date `until`;
    - "grandfather": the level held on `held_on` is kept through `until`.

    Every kind applies to the evaluations on or after `since` (None: always)."""

    name: str
    kind: str
    tracks: tuple[str, ...]
    length: Duration | None = None
    since: _dt.date | None = None
    until: _dt.date | None = None
    held_on: _dt.date | None = None
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    assumed: str | None = None
    span: Span | None = _span()

    @property
    def label(self) -> str:
        return self.title or self.name


# ------------------------------------------------------------------ program


@frozen
class RowTrack:
    """A track evaluated once per row of a related table (`track NAME per COLUMN of TABLE
    [where COND] { level ... }`): its levels' requirements are row conditions. No engine
    evaluates it; rules read it through records metrics counting its rows at a level
    (`passes/rowtracks.py`). Kept for explain, the guide and editors."""

    name: str
    table: str
    column: str  # the table's key: one row per partner and value
    levels: tuple[Level, ...]
    where: Expr | None = None  # the rows it is evaluated on
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    span: Span | None = _span()


@frozen
class Program:
    name: str
    version: str | None = None
    effective: _dt.date | None = None
    title: str | None = None
    doc: str | None = None
    status: str | None = None  # the program-level status track, for comparisons
    extends: str | None = None  # the parent program's name
    as_of: _dt.date | None = None  # the date dated parameters were resolved for
    metrics: tuple[Metric, ...] = ()
    params: tuple[Param, ...] = ()
    gates: tuple[Gate, ...] = ()
    groups: tuple[Group, ...] = ()
    tracks: tuple[Track, ...] = ()  # dependency order: a track follows those it refers to
    partners: tuple[Partner, ...] = ()
    examples: tuple[Example, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    tables: tuple[Table, ...] = ()  # band tables
    related_tables: tuple[RelatedTable, ...] = ()  # records
    lists: tuple[ValueList, ...] = ()
    holds: tuple[Hold, ...] = ()  # status rules, in declaration order
    row_tracks: tuple[RowTrack, ...] = ()  # tracks per row of a related table
    files: tuple[str, ...] = field(default=(), compare=False)
    span: Span | None = _span()

    @cached_property
    def related_table_map(self) -> dict[str, RelatedTable]:
        return {t.name: t for t in self.related_tables}

    @property
    def record_metrics(self) -> tuple[Metric, ...]:
        """Metrics computed from related tables."""
        return tuple(m for m in self.metrics if m.records is not None)

    @property
    def column_metrics(self) -> tuple[Metric, ...]:
        """Metrics read from a column of the partner table."""
        return tuple(m for m in self.metrics if m.derived is None and m.records is None)

    @cached_property
    def metric_map(self) -> dict[str, Metric]:
        return {m.name: m for m in self.metrics}

    @cached_property
    def param_map(self) -> dict[str, Param]:
        return {p.name: p for p in self.params}

    @cached_property
    def gate_map(self) -> dict[str, Gate]:
        return {g.name: g for g in self.gates}

    @cached_property
    def table_map(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}

    @cached_property
    def group_map(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    @cached_property
    def track_map(self) -> dict[str, Track]:
        return {t.name: t for t in self.tracks}

    def holds_of(self, track: str) -> tuple[Hold, ...]:
        """The status rules that apply to a track, in the order a history applies them."""
        return tuple(sorted((h for h in self.holds if track in h.tracks), key=lambda h: HOLD_KINDS.index(h.kind)))

    def reads(self, track: str, follow_tracks: bool = True) -> set[str]:
        """The input metrics a track's result depends on (see `metrics_read`)."""
        groups = {g.name: g.tracks for g in self.groups}
        return set(metrics_read(self.track_map[track], self.metric_map, self.gate_map, self.track_map if follow_tracks else None, groups))

    @property
    def input_metrics(self) -> tuple[Metric, ...]:
        """The metrics the rules take as given (not derived): read from the partner table's
        columns, or computed from related tables before the rules run (`record_metrics`)."""
        return tuple(m for m in self.metrics if m.derived is None)

    def shown_tracks(self, names: Sequence[str] | None = None) -> tuple[Track, ...]:
        """The tracks a run writes: those named (`tier eval --track`), in program order, else
        every track not marked `internal`."""
        if names:
            return tuple(t for t in self.tracks if t.name in names)
        return tuple(t for t in self.tracks if not t.internal)

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the program's meaning (layout, comments and spans excluded)."""
        import hashlib

        payload = json.dumps(to_data(self, spans=False, defaults=False), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


# ------------------------------------------------------------------ utilities


def metrics_read(
    node: object,
    metrics: Mapping[str, Metric],
    gates: Mapping[str, Gate],
    tracks: Mapping[str, Track] | None = None,
    groups: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """The input metrics `node` (a track, an expression ...) depends on, in order of first
    use, through gates and derived metrics and, when `tracks` is given, the other tracks it
    refers to."""
    out: dict[str, None] = {}
    seen: set[int] = set()

    def visit(current: object) -> None:
        if id(current) in seen:
            return
        seen.add(id(current))
        for n in walk(current):
            if isinstance(n, MetricRef):
                m = metrics[n.name]
                if m.derived is not None:
                    visit(m.derived)
                else:
                    out.setdefault(n.name)
            elif isinstance(n, GateRef) and n.name in gates:
                visit(gates[n.name])
            elif tracks is None:
                continue
            elif isinstance(n, (TrackAt, ScoreRef, Every, LevelOf)) and n.track in tracks:
                visit(tracks[n.track])
            elif isinstance(n, GroupCount):
                for t in (groups or {}).get(n.group, ()):
                    if t in tracks:
                        visit(tracks[t])

    visit(node)
    return list(out)


# Nodes whose value is (part of) another track's evaluation, not a function of metrics alone:
# memos keyed on the metrics an expression reads, and derived metrics, must not contain them.
TRACK_READS = (ScoreRef, TrackAt, GroupCount, Every, LevelOf)


#: Field annotations whose values are never nodes: `children` does not look at such fields.
_ATOMIC_FIELDS = frozenset(
    ("str", "str | None", "bool", "int", "int | None", "tuple[str, ...]", "Fraction", "Fraction | None", "_dt.date", "_dt.date | None")
)


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an IR node class that may hold nodes (() for anything else)."""
    if not hasattr(cls, "__dataclass_fields__"):
        return ()
    return tuple(f.name for f in fields(cls) if f.name != "span" and f.type not in _ATOMIC_FIELDS)


#: Classes met as field values: plain nodes (dataclasses that are not tuples), and the classes
#: that hold no node (numbers, text, enums). Asked for every field of every node the passes
#: walk: `hasattr` on a Fraction or a str is slow. Tuples (subclasses too) are entered.
_NODE_CLASSES: set[type] = set()
_LEAF_CLASSES: set[type] = {type(None)}

#: Per node class, the function giving its children (`_children_function`).
_CHILDREN: dict[type, Callable[[object], list]] = {}


def walk(node: object, tables: bool = True):
    """Yield `node` and every IR node below it, depth first. With `tables=False`, a
    lookup's table is not entered (only its keys are walked): what a rule itself says."""
    stack = [node]
    pop = stack.pop
    functions = _CHILDREN
    while stack:
        current = pop()
        yield current
        if not tables and type(current) is Lookup:
            stack.extend(reversed(current.keys))  # type: ignore[attr-defined]
            continue
        below = (functions.get(current.__class__) or _children_function(current.__class__))(current)
        if below:
            below.reverse()
            stack += below


def children(node: object) -> list:
    """The IR nodes directly below `node`."""
    return (_CHILDREN.get(node.__class__) or _children_function(node.__class__))(node)


def _children_function(cls: type) -> Callable[[object], list]:
    """`children` for the nodes of `cls`, compiled once: a field that is a node is appended
    without a call, anything else but a leaf value goes through `_collect` (every node is
    walked by the passes several times, and a loop over the fields was most of the time)."""
    lines = ["def children(node):", "    out = []"]
    for name in child_fields(cls):
        lines += [
            f"    v = node.{name}",
            "    if v.__class__ in _NODE_CLASSES:",
            "        out.append(v)",
            "    elif v.__class__ not in _LEAF_CLASSES:",
            "        _collect(v, out)",
        ]
    lines.append("    return out")
    scope: dict[str, Any] = {"_NODE_CLASSES": _NODE_CLASSES, "_LEAF_CLASSES": _LEAF_CLASSES, "_collect": _collect}
    exec("\n".join(lines), scope)
    _CHILDREN[cls] = function = scope["children"]
    return function


def _collect(value: object, out: list) -> None:
    """Append the nodes of a field's value to `out`: the value itself when it is a node, the
    nodes among its items (at any depth) when it is a tuple; nothing for any other value."""
    cls = value.__class__
    if cls in _NODE_CLASSES:
        out.append(value)
    elif isinstance(value, tuple):
        for v in value:  # type: ignore[attr-defined]
            _collect(v, out)
    elif cls not in _LEAF_CLASSES:
        (_NODE_CLASSES if hasattr(cls, "__dataclass_fields__") else _LEAF_CLASSES).add(cls)
        if cls in _NODE_CLASSES:
            out.append(value)


def _value_data(value: object, spans: bool, defaults: bool = True) -> object:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(value)
    if isinstance(value, (_dt.date,)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Span):
        return {
            "file": value.file,
            "line": value.line,
            "column": value.column,
            "end_line": value.end_line,
            "end_column": value.end_column,
        }
    if isinstance(value, tuple):
        return [_value_data(v, spans, defaults) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return to_data(value, spans, defaults)
    return value


def to_data(node: object, spans: bool = True, defaults: bool = True) -> dict:
    """A JSON-ready dict of an IR node: `{"node": "<Class>", field: value, ...}`.
    Fractions become strings ("7/3", "12"), dates ISO strings. `defaults=False` leaves out
    fields at their default value (the content hash does, so that a field added to the IR
    later does not change the hash of the programs that do not use it)."""
    out: dict[str, object] = {"node": type(node).__name__}
    for f in fields(node):
        if f.name == "files" and not spans:
            continue
        value = getattr(node, f.name)
        if not spans and (f.name == "span" or isinstance(value, Span)):  # an acknowledgement's scope too: where, not what
            continue
        if f.name == "span" and value is None:
            continue
        if not defaults and f.default is not MISSING and value == f.default:
            continue
        out[f.name] = _value_data(value, spans, defaults)
    return out


def to_json(program: Program, spans: bool = True) -> str:
    data = to_data(program, spans)
    data["content_hash"] = program.content_hash
    return json.dumps(data, indent=2) + "\n"
