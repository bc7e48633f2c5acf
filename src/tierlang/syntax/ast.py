"""The .tier syntax tree: what the file says, before names are resolved.

Frozen dataclasses, one per construct; every node keeps its `span` (excluded from
equality, so `parse(fmt(p)) == parse(p)` compares meaning, not layout). The formatter
prints this tree; the lowering pass turns it into the IR.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import field
from fractions import Fraction
from typing import Union

from tierlang.ir import Span, frozen


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)


# ------------------------------------------------------------------ literals


@frozen
class Num:
    value: Fraction
    text: str = field(compare=False)  # as written, e.g. "50_000" or "-2.50"
    currency: str | None = None
    span: Span | None = _span()


@frozen
class Bool:
    value: bool
    span: Span | None = _span()


@frozen
class DateLit:
    value: _dt.date
    span: Span | None = _span()


@frozen
class Str:
    value: str
    span: Span | None = _span()


@frozen
class DurationLit:
    """`12 months`, `30 days`, `1 year`: `unit` is "day", "month" or "year"."""

    amount: int
    unit: str
    text: str = field(compare=False)  # the number as written
    span: Span | None = _span()

    def __str__(self) -> str:
        return f"{self.text} {self.unit}{'' if self.amount == 1 else 's'}"


Literal = Union[Num, Bool, DateLit, Str, DurationLit]

# ------------------------------------------------------------------ expressions


@frozen
class Name:
    """A possibly dotted reference: `capability`, `data_ai.capability.skilling`."""

    parts: tuple[str, ...]
    span: Span | None = _span()

    def __str__(self) -> str:
        return ".".join(self.parts)


@frozen
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span | None = _span()


@frozen
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span | None = _span()


@frozen
class Binary:
    op: str  # + - * / and comparison operators
    left: Expr
    right: Expr
    span: Span | None = _span()


@frozen
class BoolOp:
    """`a and b and c` / `a or b`, flattened."""

    op: str  # "and" or "or"
    items: tuple[Expr, ...]
    span: Span | None = _span()


@frozen
class ListOp:
    """`all { ... }`, `any { ... }`, `at least N of { ... }`."""

    op: str  # "all", "any" or "at_least"
    items: tuple[Expr, ...]
    n: Num | Name | None = None  # a number, or a parameter holding one
    span: Span | None = _span()


@frozen
class GroupOp:
    """`at least N of GROUP [at LEVEL]` (n set) or `all of GROUP [at LEVEL]` (n None)."""

    group: str
    n: Num | Name | None = None  # a number, or a parameter holding one
    level: str | None = None
    exact: bool = False  # `at exactly LEVEL`: that level, not a higher one
    span: Span | None = _span()


@frozen
class TrackAtExpr:
    track: Name
    level: str
    exact: bool = False  # `at exactly LEVEL`: that level, not a higher one
    span: Span | None = _span()


@frozen
class EveryExpr:
    """`every SCORE.points OP VALUE`."""

    target: Name
    op: str
    value: Expr
    span: Span | None = _span()


@frozen
class UndecidedExpr:
    """`unknown "why"`, `discretionary "why"`, `by invitation "why"`: a condition no data
    decides. `kind` is "unknown", "discretionary" or "invitation"."""

    kind: str
    reason: str | None = None
    span: Span | None = _span()


@frozen
class ValueSet:
    """`{"Support", "Trial"}` or `{CSP_T1, DPOR}`: values written out (strings or enum names)."""

    items: tuple[Str | Name, ...]
    span: Span | None = _span()


@frozen
class WindowExpr:
    """Months relative to the evaluation date: the last `months` full months before the
    evaluation month, `earlier` months before that (`last month` is (1, 0), `same month last
    year` (1, 12), `last 2 months a year earlier` (2, 12))."""

    months: int
    earlier: int
    text: str = field(compare=False)  # as written, normalized spacing
    span: Span | None = _span()


@frozen
class InExpr:
    """`x in SET`, `x not in SET` (SET a `ValueSet` or a list's name), `x in WINDOW`."""

    operand: Expr
    target: ValueSet | Name | WindowExpr
    negated: bool = False
    span: Span | None = _span()


@frozen
class IsEmpty:
    """`x is empty` / `x is not empty` (an optional column without a value)."""

    operand: Expr
    negated: bool = False
    span: Span | None = _span()


@frozen
class GroupAgg:
    """An aggregate over rows: `count`, `count distinct x`, `sum x`, `min x`, `max x`, or an
    aggregate of per-group aggregates (`sum (max x)`, `inner` set). `where` (written
    `(sum x where ...)` inside `having`) keeps only some of the group's rows."""

    func: str  # count, count_distinct, sum, min, max
    column: str | None = None
    inner: GroupAgg | None = None
    where: Expr | None = None
    span: Span | None = _span()


@frozen
class Aggregate:
    """A metric computed from a table: `AGG of TABLE [where COND] [per COLS [having COND]]`."""

    agg: GroupAgg
    table: str
    table_span: Span | None = field(default=None, compare=False)
    where: Expr | None = None
    per: tuple[str, ...] = ()
    having: Expr | None = None
    span: Span | None = _span()


@frozen
class Need:
    """One requirement of an assignment: `count` distinct people for whom `where` holds."""

    name: str
    count: Num
    where: Expr | None = None
    span: Span | None = _span()


@frozen
class Assign:
    """`assign COLUMN of TABLE [where COND] [at most N each] { NEED: COUNT [where COND], ... }`:
    whether the people (values of COLUMN) can be assigned so that every need has its count,
    each person filling at most `capacity` needs (default 1)."""

    column: str
    table: str
    needs: tuple[Need, ...]
    where: Expr | None = None
    capacity: Num | None = None
    span: Span | None = _span()


Expr = Union[
    Num,
    Bool,
    DateLit,
    Str,
    DurationLit,
    Name,
    Call,
    Unary,
    Binary,
    BoolOp,
    ListOp,
    GroupOp,
    TrackAtExpr,
    EveryExpr,
    InExpr,
    IsEmpty,
    GroupAgg,
    Aggregate,
    Assign,
    UndecidedExpr,
]

# ------------------------------------------------------------------ attributes


@frozen
class Attr:
    """A keyword attribute. `kind` is one of doc, source, assumed, column, unit, range,
    default, direction, dated, acknowledge (and in the program header: extends, version,
    effective, status). `value` depends on the kind: a str, a literal, a (low, high) pair of
    literals-or-None for range, a (date, literal) pair for dated, a (code, reason) pair of
    strings for acknowledge."""

    kind: str
    value: object
    span: Span | None = _span()


@frozen
class TypeExpr:
    kind: str  # count, number, percent, bool, date, money, enum; text and month (table columns)
    currency: str | None = None
    values: tuple[str, ...] = ()
    ordered: bool = False
    span: Span | None = _span()


# ------------------------------------------------------------------ declarations


@frozen
class ProgramDecl:
    name: str
    title: str | None
    attrs: tuple[Attr, ...]
    span: Span | None = _span()


@frozen
class MetricDecl:
    name: str
    title: str | None
    type: TypeExpr
    expr: Expr | None
    attrs: tuple[Attr, ...] | None  # None: no block written
    span: Span | None = _span()


@frozen
class ParamDecl:
    name: str
    title: str | None
    value: Literal
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class GateDecl:
    name: str
    title: str | None
    expr: Expr
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class ConstraintDecl:
    """`constraint NAME "title": CONDITION`: what every row of the data must meet."""

    name: str
    title: str | None
    expr: Expr
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class GroupDecl:
    name: str
    title: str | None
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class LineDecl:
    name: str
    title: str | None
    points: Expr
    when: Expr | None
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class CategoryDecl:
    name: str
    title: str | None
    cap: Num | Name | None  # a number or a parameter
    items: tuple[Attr | LineDecl, ...]
    span: Span | None = _span()


@frozen
class ScoreDecl:
    name: str
    title: str | None
    cap: Num | Name | None  # a number or a parameter
    items: tuple[Attr | CategoryDecl | LineDecl, ...]
    span: Span | None = _span()


@frozen
class Require:
    label: str | None
    expr: Expr
    span: Span | None = _span()


@frozen
class LevelDecl:
    name: str
    title: str | None
    independent: bool
    items: tuple[Attr | Require, ...] | None  # None: no block written
    span: Span | None = _span()


@frozen
class VariantDecl:
    name: str
    title: str | None
    items: tuple[Attr | ScoreDecl | LevelDecl, ...]
    span: Span | None = _span()


@frozen
class ChooseBest:
    span: Span | None = _span()


@frozen
class ChooseClassified:
    """`choose a when c1 else b when c2 else c`."""

    choices: tuple[tuple[str, Expr], ...]
    otherwise: str
    span: Span | None = _span()


@frozen
class OutputDecl:
    """`output NAME "Title": TYPE = EXPR { attributes }` in a track."""

    name: str
    title: str | None
    type: TypeExpr
    expr: Expr
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class TrackDecl:
    """`track NAME "Title" in GROUP, GROUP { ... }`: `group` is the first group named,
    `also_in` the others."""

    name: str
    title: str | None
    group: str | None
    items: tuple[Attr | ScoreDecl | LevelDecl | VariantDecl | ChooseBest | ChooseClassified | OutputDecl, ...]
    span: Span | None = _span()
    # `track NAME = highest ROWS`: the levels of a track per row, each held when some row
    # holds it (items then hold only attributes)
    highest: Name | None = None
    also_in: tuple[str, ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        return ((self.group,) if self.group is not None else ()) + self.also_in


@frozen
class RowTrackDecl:
    """`track NAME "Title" per COLUMN of TABLE [where COND] { level ... }`: a track evaluated
    once per row of a related table (one row per partner and region); rules roll it up."""

    name: str
    title: str | None
    column: str
    table: str
    where: Expr | None
    items: tuple[Attr | LevelDecl, ...]
    span: Span | None = _span()
    table_span: Span | None = field(default=None, compare=False)


@frozen
class Assignment:
    name: str
    value: Literal
    span: Span | None = _span()


@frozen
class PartnerDecl:
    name: str
    title: str | None
    values: tuple[Assignment, ...]
    span: Span | None = _span()


@frozen
class RecordsTable:
    """Rows of a related table given by an example: a header of columns, then one tuple of
    values per row (`None` for `none`: an empty optional value)."""

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Literal | None, ...], ...]
    span: Span | None = _span()


@frozen
class Given:
    partner: str | None
    values: tuple[Assignment, ...] | None  # None with a partner and no `with` block
    span: Span | None = _span()
    records: tuple[RecordsTable, ...] | None = None  # `given records { ... }`


@frozen
class LevelValue:
    """A level name on the right of `expect track = ...`; `name` None is `none`."""

    name: str | None
    span: Span | None = _span()


@frozen
class Expect:
    path: Name
    value: Literal | LevelValue
    span: Span | None = _span()


@frozen
class ExampleDecl:
    name: str
    title: str | None
    given: Given
    expects: tuple[Expect, ...]
    as_of: DateLit | None = None  # `as of DATE`: evaluate with the rules in force that day
    span: Span | None = _span()


@frozen
class ColumnDecl:
    name: str
    title: str | None
    type: TypeExpr
    optional: bool
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class HoldClause:
    """One clause of a status rule. `kind` and `value`: window (DurationLit), anniversary
    (None), grace (DurationLit), until (DateLit), grandfather ((DateLit held on, DateLit
    until)), lag (DurationLit), from (DateLit)."""

    kind: str
    value: object
    span: Span | None = _span()


@frozen
class KeyDecl:
    columns: tuple[str, ...]
    span: Span | None = _span()


@frozen
class FilterDecl:
    """A named condition on a table's rows."""

    name: str
    title: str | None
    expr: Expr
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class RelatedTableDecl:
    """`table NAME "Title" { column ... }`: a related table (records) the program reads."""

    name: str
    title: str | None
    items: tuple[Attr | ColumnDecl | KeyDecl | FilterDecl, ...]
    span: Span | None = _span()


@frozen
class ListDecl:
    """A named list of text values (certification names, services ...)."""

    name: str
    title: str | None
    values: tuple[Str, ...]
    attrs: tuple[Attr, ...] | None
    span: Span | None = _span()


@frozen
class HoldDecl:
    """`hold NAME "Title" for TRACK-OR-GROUP, ... { clauses and attributes }`: a status rule."""

    name: str
    title: str | None
    targets: tuple[str, ...]
    items: tuple[Attr | HoldClause, ...]
    span: Span | None = _span()


@frozen
class BandExpr:
    """A row or column of a table. `kind`: "through" (`low..high`, both ends included),
    "below" (`low..<high`, high excluded), "name" (an enum value or a level), "none" (no
    level) or "else" (every value no other band takes). A missing end is None."""

    kind: str
    low: Num | Name | None = None  # a number, or a parameter holding one
    high: Num | Name | None = None
    name: str | None = None
    span: Span | None = _span()


@frozen
class TableBy:
    """`by KEY[, KEY]`: what a table is looked up by (rows, then columns)."""

    keys: tuple[Expr, ...]
    span: Span | None = _span()


@frozen
class TableColumns:
    """`columns: BAND, ...` of a two-dimensional table."""

    bands: tuple[BandExpr, ...]
    span: Span | None = _span()


@frozen
class TableRow:
    """`BAND: CELL, ...`: a number (or a parameter) per column."""

    band: BandExpr
    cells: tuple[Num | Name, ...]
    span: Span | None = _span()


@frozen
class TableDecl:
    """`table NAME "Title": TYPE { by ... rows }`: a band table."""

    name: str
    title: str | None
    type: TypeExpr
    items: tuple[Attr | TableBy | TableColumns | TableRow, ...]
    span: Span | None = _span()


Decl = Union[
    MetricDecl,
    ParamDecl,
    GateDecl,
    ConstraintDecl,
    GroupDecl,
    TrackDecl,
    RowTrackDecl,
    PartnerDecl,
    ExampleDecl,
    TableDecl,
    RelatedTableDecl,
    ListDecl,
    HoldDecl,
]

#: the keyword that introduces each kind of declaration
DECL_KEYWORD = {
    MetricDecl: "metric",
    ParamDecl: "param",
    GateDecl: "gate",
    ConstraintDecl: "constraint",
    GroupDecl: "group",
    TrackDecl: "track",
    RowTrackDecl: "track",
    PartnerDecl: "partner",
    ExampleDecl: "example",
    TableDecl: "table",
    RelatedTableDecl: "table",
    ListDecl: "list",
    HoldDecl: "hold",
}


@frozen
class LevelOverride:
    """`override level TRACK.LEVEL "Title" { ... }` in a child program: the parent's track
    with one level restated (`extends` merges it in; nothing after the merge sees it)."""

    track: str
    level: LevelDecl
    span: Span | None = _span()

    @property
    def name(self) -> str:
        return f"{self.track}.{self.level.name}"


@frozen
class Override:
    decl: Decl | LevelOverride
    span: Span | None = _span()


@frozen
class Remove:
    kind: str  # a DECL_KEYWORD value
    name: str
    span: Span | None = _span()


Item = Union[
    ProgramDecl,
    MetricDecl,
    ParamDecl,
    GateDecl,
    ConstraintDecl,
    GroupDecl,
    TrackDecl,
    RowTrackDecl,
    PartnerDecl,
    ExampleDecl,
    TableDecl,
    RelatedTableDecl,
    ListDecl,
    HoldDecl,
    Override,
    Remove,
]


@frozen
class Comment:
    text: str  # including the leading '#'
    line: int
    column: int
    own_line: bool = False  # nothing but white space before it on its line


@frozen
class Module:
    """One parsed file."""

    file: str
    items: tuple[Item, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False)
