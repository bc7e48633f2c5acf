"""The exact compiler's leaf operations as sqlglot expression trees (see `tierlang.engine.exact`).

Trees are built from objects only: identifiers are quoted by sqlglot, integers are
`exp.Literal.number` of a Python int, and nothing is ever divided. Names that come from a
program (tracks, levels, metrics) reach the SQL as quoted identifiers or string literals,
never as SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sqlglot import exp

from tierlang import ir
from tierlang.engine.exact import Backend
from tierlang.engine.sql.dialects import Dialect

__all__ = [
    "SqlBackend",
    "col",
    "num",
    "string",
    "cast",
    "and_all",
    "or_any",
    "raise_error",
    "literal_only",
    "floor_div",
    "decimal_text",
    "decimal_value",
]


def col(name: str) -> exp.Column:
    """A column reference, quoted whatever its name."""
    return exp.column(name, quoted=True)


def num(value: int) -> exp.Expression:
    """An integer literal (a negative one as a negation of its magnitude)."""
    lit = exp.Literal.number(abs(value))
    return exp.Neg(this=lit) if value < 0 else lit


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def cast(e: exp.Expression, type_: str, dialect: Dialect) -> exp.Cast:
    return exp.Cast(this=e, to=exp.DataType.build(type_, dialect=dialect.sqlglot))


def paren(e: exp.Expression) -> exp.Expression:
    """`e` parenthesized unless it is atomic (sqlglot prints a tree as built: the operand of
    NOT or * must be grouped by hand; note that AND and OR are `exp.Func`s too)."""
    atomic = (
        exp.Column,
        exp.Literal,
        exp.Paren,
        exp.Case,
        exp.Cast,
        exp.Boolean,
        exp.Null,
        exp.Anonymous,
        exp.Least,
        exp.Greatest,
        exp.Abs,
    )
    return e if isinstance(e, atomic) else exp.Paren(this=e)


def and_all(items: Sequence[exp.Expression]) -> exp.Expression:
    out = paren(items[0])
    for e in items[1:]:
        out = exp.And(this=out, expression=paren(e))
    return out


def or_any(items: Sequence[exp.Expression]) -> exp.Expression:
    out = paren(items[0])
    for e in items[1:]:
        out = exp.Or(this=out, expression=paren(e))
    return out


def raise_error(message: exp.Expression, dialect: Dialect, type_: str | None = None) -> exp.Expression:
    """An expression that fails with `message` when it is evaluated (and only then: the
    message must read a column, so that no planner folds it ahead of time). `type_` is the
    type the expression stands for where the dialect has no error function."""
    if dialect.raise_fn is not None:
        return exp.Anonymous(this=dialect.raise_fn, expressions=[message])
    # No error function: casting the message to the value's type fails, and the database's
    # error quotes the message; text goes through a number first (text to text would work).
    if type_ is None:
        return cast(message, dialect.narrow, dialect)
    if type_ == dialect.text or type_.upper() in ("TEXT", "VARCHAR", "STRING") or type_.upper().startswith("VARCHAR"):
        return cast(cast(message, dialect.narrow, dialect), type_, dialect)
    return cast(message, type_, dialect)


def literal_only(e: exp.Expression) -> bool:
    """Whether the integer value `e` is built from literals alone (`CASE WHEN c THEN 5 ELSE 0
    END`, `-3`): the database then types it INTEGER, 32 bits, whatever the working type, and
    arithmetic on it overflows early. Columns and casts carry the working type."""
    if isinstance(e, exp.Literal):
        return True
    if isinstance(e, (exp.Neg, exp.Paren)):
        return literal_only(e.this)
    if isinstance(e, exp.Case):
        default = e.args.get("default")
        return all(literal_only(i.args["true"]) for i in e.args["ifs"]) and (default is None or literal_only(default))
    if isinstance(e, (exp.Add, exp.Sub, exp.Mul)):
        return literal_only(e.this) and literal_only(e.expression)
    if isinstance(e, (exp.Least, exp.Greatest)):
        return all(literal_only(x) for x in [e.this, *e.expressions])
    return False


_OPS = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "==": exp.EQ, "!=": exp.NEQ}


class SqlBackend(Backend[exp.Expression]):
    """Exact arithmetic as sqlglot trees, integers of the dialect type `itype`.

    `names` maps the compiler's column names to the SQL column names (readable, unique).
    `read` collects the metrics the compiled expressions read: a metric the program names
    but whose every use folds to a constant (a table whose cells are all equal) is not read,
    and must not be cast to the working type (a huge value would overflow it)."""

    def __init__(
        self,
        dialect: Dialect,
        itype: str,
        names: dict[str, str] | None = None,
        as_of_column: str | None = None,
        narrow: bool = False,
        narrow_inputs: bool = False,
    ) -> None:
        self.dialect = dialect
        self.itype = itype
        self.names = names if names is not None else {}
        self.as_of_column = as_of_column
        self.read: set[str] = set()
        # `narrow`: columns proven within 64 bits are computed in the dialect's 64-bit type
        # (DuckDB's HUGEINT arithmetic costs about a fifth of a query more than BIGINT's)
        self.narrow = narrow and itype != dialect.narrow
        self.narrow_columns: set[str] = set()
        # the input columns arrive as the dialect's 64-bit type (the raw query's reading)
        self.input_limit = 2**63 - 1 if narrow_inputs and self.narrow else None

    # -------------------------------------------------------------- literals and columns
    def int_lit(self, value: int) -> exp.Expression:
        # A bare literal is an INTEGER or BIGINT to the database; the columns it meets are
        # already of the working type, which wins. Large literals are cast explicitly.
        if abs(value) < 2**31:
            return num(value)
        if self.input_limit is not None and abs(value) <= 2**62:  # met by 64-bit columns: compared in 64 bits
            return cast(num(value), self.dialect.narrow, self.dialect)
        return cast(num(value), self.itype, self.dialect)

    def typed_int(self, value: int) -> exp.Expression:
        return cast(num(value), self.itype, self.dialect)

    def small_lit(self, value: int) -> exp.Expression:
        return num(value)

    def bool_lit(self, value: bool) -> exp.Expression:
        if not self.dialect.booleans:
            return exp.EQ(this=num(1), expression=num(1 if value else 0))
        return exp.Boolean(this=value)

    def other_lit(self, value: object, type: ir.Type) -> exp.Expression:
        if type.kind is ir.Kind.DATE:
            return exp.Cast(this=string(value.isoformat()), to=exp.DataType.build("DATE"))  # type: ignore[attr-defined]
        return string(str(value))

    def null_int(self) -> exp.Expression:
        return cast(exp.Null(), self.itype, self.dialect)

    def null_bool(self) -> exp.Expression:
        if not self.dialect.booleans:  # T-SQL has no Boolean values (compile_sql refuses undecided rules there)
            return exp.EQ(this=num(1), expression=exp.Null())
        return cast(exp.Null(), "BOOLEAN", self.dialect)

    def is_not_false(self, a: exp.Expression) -> exp.Expression:
        # SQL's AND/OR/NOT are Kleene's already: null is unknown
        return exp.Coalesce(this=a, expressions=[self.bool_lit(True)])

    def ref(self, name: str, kind: str) -> exp.Expression:
        c = col(self.names.get(name, name))
        if kind == "cond" and not self.dialect.booleans:
            return exp.EQ(this=c, expression=num(1))
        return c

    def metric(self, metric: ir.Metric) -> exp.Expression:
        self.read.add(metric.name)
        if self.input_limit is not None and metric.type.kind not in (ir.Kind.BOOL, ir.Kind.DATE, ir.Kind.ENUM):
            self.narrow_columns.add(metric.name)
        c = col(metric.name)
        if metric.type.kind is ir.Kind.BOOL and not self.dialect.booleans:
            return exp.EQ(this=c, expression=num(1))
        return c

    def narrowed(self, name: str, expr: exp.Expression) -> exp.Expression:
        if not self.narrow:
            return expr
        self.narrow_columns.add(self.names.get(name, name))
        if isinstance(expr, exp.Column) and expr.name in self.narrow_columns:
            return expr  # a copy of a 64-bit column
        return cast(expr, self.dialect.narrow, self.dialect)

    def widened(self, expr: exp.Expression) -> exp.Expression:
        if not self.narrow_columns:
            return expr

        def wide(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.name in self.narrow_columns and not isinstance(node.parent, exp.Cast):
                return cast(node.copy(), self.itype, self.dialect)
            return node

        return expr.transform(wide, copy=True)

    def widened_operation(self, expr: exp.Expression) -> exp.Expression:
        # only a sum, difference or product can leave 64 bits; LEAST, GREATEST, CASE and
        # comparisons of 64-bit values are exact in 64 bits
        return self.widened(expr) if isinstance(expr, (exp.Add, exp.Sub, exp.Mul, exp.Neg)) else expr

    def widen(self, e: exp.Expression) -> exp.Expression:
        """`e` as the working type when literals alone would leave it INTEGER."""
        return cast(e, self.itype, self.dialect) if literal_only(e) else e

    # -------------------------------------------------------------- arithmetic
    # One operand of the working type makes the whole operation so; two literal-only
    # operands (a CASE of points times a scale) must be widened by hand.
    def add(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Add(this=self._widen_pair(a, b), expression=paren(b))

    def sub(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Sub(this=self._widen_pair(a, b), expression=paren(b))

    def mul(self, a: exp.Expression, k: exp.Expression) -> exp.Expression:
        return exp.Mul(this=paren(self._widen_pair(a, k)), expression=paren(k))

    def _widen_pair(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return self.widen(a) if literal_only(b) else a

    def neg(self, a: exp.Expression) -> exp.Expression:
        if self.input_limit is not None:  # the smallest 64-bit integer has no 64-bit negation
            a = self.widened(a)
        return exp.Neg(this=paren(a))

    # Values are never null here (inputs are validated), so the dialect's own null rule for
    # LEAST/GREATEST does not matter; ignore_nulls keeps sqlglot from wrapping each call in a
    # null-propagating CASE. One value is the value itself: Spark refuses a one-argument
    # GREATEST (`choose best` with one scored variant asks for one).
    def least(self, items: Sequence[exp.Expression]) -> exp.Expression:
        if len(items) == 1:
            return items[0]
        return exp.Least(this=items[0], expressions=list(items[1:]), ignore_nulls=True)

    def greatest(self, items: Sequence[exp.Expression]) -> exp.Expression:
        if len(items) == 1:
            return items[0]
        return exp.Greatest(this=items[0], expressions=list(items[1:]), ignore_nulls=True)

    def clip(self, x: exp.Expression, lo: exp.Expression, hi: exp.Expression) -> exp.Expression:
        return self.least([self.greatest([x, lo]), hi])

    # -------------------------------------------------------------- conditions
    def compare(self, op: str, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return _OPS[op](this=paren(a), expression=paren(b))

    def all_of(self, items: Sequence[exp.Expression]) -> exp.Expression:
        return and_all(items)

    def any_of(self, items: Sequence[exp.Expression]) -> exp.Expression:
        return or_any(items)

    def and2(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return and_all([a, b])

    def or2(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return or_any([a, b])

    def not_(self, a: exp.Expression) -> exp.Expression:
        return exp.Not(this=paren(a))

    def at_least(self, items: Sequence[exp.Expression], n: int) -> exp.Expression:
        ones = [exp.Case(ifs=[exp.If(this=c, true=num(1))], default=num(0)) for c in items]
        total = ones[0]
        for o in ones[1:]:
            total = exp.Add(this=total, expression=o)
        return exp.GTE(this=paren(total), expression=num(n))

    def case(self, branches: Sequence[tuple[exp.Expression, exp.Expression]], otherwise: exp.Expression) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in branches], default=otherwise)

    def evaluation_date(self) -> exp.Expression | None:
        return cast(col(self.as_of_column), "DATE", self.dialect) if self.as_of_column is not None else None

    def shift_date(self, expr: exp.Expression, months: int, days: int) -> exp.Expression:
        # Every dialect's month arithmetic clamps the day to the month's last, as
        # tierlang.dates does (DuckDB and PostgreSQL intervals, ADD_MONTHS, DATEADD).
        if months:
            expr = exp.DateAdd(this=expr, expression=num(months), unit=exp.var("MONTH"))
        if days:
            expr = exp.DateAdd(this=expr, expression=num(days), unit=exp.var("DAY"))
        return cast(expr, "DATE", self.dialect)

    def denominator(self, column: str) -> exp.Expression:
        return col(column)

    def times(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Mul(this=paren(a), expression=paren(b))

    def enum_index(self, expr: exp.Expression, values: tuple[str, ...]) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=expr, expression=string(v)), true=num(i)) for i, v in enumerate(values)])


def floor_div(a: exp.Expression, s: int | exp.Expression, d: Dialect) -> exp.Expression:
    """floor(a / s) for s > 0 (a constant, or a positive integer per row), exactly."""
    if isinstance(s, int):
        if s == 1:
            return a
        s_plus, s_minus = num(s), num(s - 1)
    else:
        s_plus, s_minus = exp.Paren(this=s), exp.Paren(this=exp.Sub(this=exp.Paren(this=s.copy()), expression=num(1)))
    if d.int_div:
        pos = exp.IntDiv(this=a.copy(), expression=s_plus.copy())
        neg = exp.Neg(
            this=exp.Paren(
                this=exp.IntDiv(
                    this=exp.Paren(this=exp.Add(this=exp.Neg(this=a.copy()), expression=s_minus.copy())), expression=s_plus.copy()
                )
            )
        )
        return exp.Case(ifs=[exp.If(this=exp.GTE(this=a.copy(), expression=num(0)), true=pos)], default=neg)
    # No exact integer division: the floor of the (rounded) decimal quotient is off by at most
    # one, which one multiplication on each side corrects.
    q = exp.Floor(this=exp.Div(this=a.copy(), expression=s_plus.copy()))
    over = exp.Case(
        ifs=[exp.If(this=exp.GT(this=exp.Mul(this=q.copy(), expression=s_plus.copy()), expression=a.copy()), true=num(1))], default=num(0)
    )
    under = exp.Case(
        ifs=[
            exp.If(
                this=exp.LTE(
                    this=exp.Mul(this=exp.Paren(this=exp.Add(this=q.copy(), expression=num(1))), expression=s_plus.copy()),
                    expression=a.copy(),
                ),
                true=num(1),
            )
        ],
        default=num(0),
    )
    return exp.Add(this=exp.Sub(this=q, expression=over), expression=under)


def decimal_text(units: exp.Expression, d: Dialect, unit: int = 10**6) -> exp.Expression:
    """`units / unit` (`unit` a power of 10) as decimal text with trailing zeros dropped:
    70, 52.5, 66.666667 for millionths."""
    a = exp.Abs(this=units.copy())
    ip = floor_div(a, unit, d) if not d.int_div else exp.IntDiv(this=a.copy(), expression=num(unit))
    fp = exp.Sub(this=a.copy(), expression=exp.Mul(this=exp.Paren(this=ip.copy()), expression=num(unit)))
    digits = exp.Substring(this=cast(exp.Add(this=exp.Paren(this=fp.copy()), expression=num(unit)), d.text, d), start=num(2))
    frac = exp.Case(
        ifs=[exp.If(this=exp.EQ(this=exp.Paren(this=fp), expression=num(0)), true=string(""))],
        default=exp.DPipe(this=string("."), expression=exp.Trim(this=digits, expression=string("0"), position="TRAILING"), safe=True),
    )
    sign = exp.Case(ifs=[exp.If(this=exp.LT(this=units, expression=num(0)), true=string("-"))], default=string(""))
    return exp.DPipe(this=exp.DPipe(this=sign, expression=cast(ip, d.text, d), safe=True), expression=frac, safe=True)


def decimal_value(n: exp.Expression, scale: int, d: Dialect) -> exp.Expression:
    """The integer `n` over `scale` (a divisor of 10^6) as the dialect's exact score type,
    DECIMAL(38, 6): `n` times the decimal literal 1/scale (at most six places), which every
    dialect's decimal arithmetic multiplies exactly, then cast to the six places."""
    assert 10**6 % scale == 0, scale
    if scale != 1:
        from tierlang.numbers import exact_text

        n = exp.Mul(this=paren(n), expression=exp.Literal.number(exact_text(Fraction(1, scale))))
    return cast(n, d.score, d)
