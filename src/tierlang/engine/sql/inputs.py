"""The first CTEs of a compiled query: the partners table read as exact scaled integers.

Two ways in:

- **raw** (`tier compile --emit sql`): the query reads a table it knows nothing about. A
  column may arrive as an integer, a binary float, a DECIMAL(p, s) or text (whatever a
  loader inferred), so each value is converted in SQL, exactly, the way tierlang's own
  loader reads it: a float is its shortest decimal text (12.6 is 12.6, not
  12.5999999999999996447...), never its binary value; text must be a plain decimal. Decimal
  metrics are scaled by 10^places with a fixed number of places (`decimals`, default 6); a
  value with more places is an error, never rounded. Every problem raises an error that
  names the partner, the column and the value (`raise_error`); so does a missing value
  (unless the metric has a default), a value outside the metric's range, an unknown enum
  value, an empty or repeated partner_id, a row that breaks an input constraint (TL416), and
  a value too large for the exact arithmetic.
- **typed** (the engines, after tierlang's loader validated the data): the columns already
  hold scaled integers, Booleans, dates and enum text, named after the metrics.

DuckDB folds `typeof(column)` to a constant when it plans a query, so the raw conversion
there takes each column's fast path (an integer column is read as it is, a float by one
multiplication checked by a round trip) and keeps the text path for text columns; other
dialects go through the text path.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from sqlglot import exp

from tierlang import ir
from tierlang.data import COUNT_TOO_LARGE, MAX_COUNT, PID, WHITESPACE
from tierlang.engine.sql.backend import and_all, cast, col, num, or_any, paren, raise_error, string
from tierlang.engine.sql.dialects import Dialect
from tierlang.passes.constraints import constraint_metrics, linear

FALLBACK = "__fallback__"

__all__ = ["DATA_ERROR", "raw_inputs", "typed_inputs", "table_name", "DEFAULT_DECIMALS", "MAX_DECIMALS", "scales_for"]

#: SQL Server's collation that compares code points (`_Raw.one_of`)
_BINARY_COLLATION = "Latin1_General_100_BIN2"
#: Decimal places the raw query reads exactly by default (`--decimals`).
DEFAULT_DECIMALS = 6
#: The most places `--decimals` allows (DECIMAL(38, s) keeps 38 - s digits before the point).
MAX_DECIMALS = 18
#: Digits a decimal value may have in all (as tierlang's loader: data.MAX_DIGITS).
MAX_DIGITS = 38

#: DuckDB's integer types a count is read from as it is: every value fits BIGINT (a BIGINT
#: beyond data.MAX_COUNT is refused with the range, `_Raw.count_range`)
_SMALL_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
_DECIMAL_KINDS = (ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY)


#: How the raw query's errors read: "tier: CODE table T, partner_id 'P', column C: PROBLEM".
DATA_ERROR = re.compile(r"tier: (TL4\d\d) table (.+?), partner_id '(.*?)', column (.+?): (.*)", re.S)


def places(x: Fraction) -> int:
    """Decimal places of a terminating fraction."""
    k = 0
    while (x * 10**k).denominator != 1:
        k += 1
    return k


def scales_for(program: ir.Program, decimals: int, places_of: dict[str, int] | None = None) -> dict[str, int]:
    """The scale of each input metric in a raw query: counts 1, decimals 10^decimals (or
    `places_of[metric]`; more when the metric's default or range bounds need more places)."""
    out = {}
    for m in program.input_metrics:
        k = m.type.kind
        if k is ir.Kind.COUNT:
            out[m.name] = 1
        elif k in _DECIMAL_KINDS:
            extra = [places(v) for v in (m.default, m.minimum, m.maximum) if isinstance(v, Fraction)]
            out[m.name] = 10 ** max([(places_of or {}).get(m.name, decimals), *extra])
    return out


def typed_inputs(
    program: ir.Program,
    table: str,
    itype: str,
    dialect: Dialect,
    metrics: list[ir.Metric],
    keep: tuple[str, ...] = (),
    limits: dict[str, int] | None = None,
) -> exp.Select:
    """`SELECT partner_id, <metric columns as the working type>, __fallback__ FROM table`: for
    a table already validated and scaled by tierlang's loader (columns named after the
    metrics). A value beyond its column's limit in `limits` (`Plan.checks`) would overflow
    the working type, which a database reports as an error: such a row reads 0 instead and
    is flagged `__fallback__`, for the interpreter to evaluate."""
    limits = limits or {}
    out: list[exp.Expression] = [col(c) for c in keep] + [col(PID)]
    flags = []
    for m in metrics:
        if m.type.kind is ir.Kind.COUNT or m.type.kind in _DECIMAL_KINDS:
            value: exp.Expression = cast(col(m.name), itype, dialect)
            if m.name in limits:
                beyond = exp.GT(this=exp.Abs(this=value.copy()), expression=cast(num(limits[m.name]), itype, dialect))
                flags.append(beyond)
                value = exp.Case(ifs=[exp.If(this=beyond.copy(), true=cast(num(0), itype, dialect))], default=value)
            out.append(exp.alias_(value, m.name, quoted=True))
        else:
            out.append(col(m.name))
    out.append(exp.alias_(or_any(flags) if flags else exp.Boolean(this=False), FALLBACK, quoted=True))
    return exp.select(*out).from_(table_name(table))


def table_name(name: str) -> exp.Table:
    """A table name as given on a command line — `table`, `schema.table` or
    `catalog.schema.table` — with every part quoted (whatever characters it holds). Raises
    ValueError for an empty part, more than three parts or control characters."""
    parts = name.split(".")
    if len(parts) > 3 or any(not p.strip() for p in parts):
        raise ValueError(f"{name!r} is not a table name (TABLE, SCHEMA.TABLE or CATALOG.SCHEMA.TABLE)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValueError(f"{name!r} holds control characters")
    ident = [exp.to_identifier(p, quoted=True) for p in parts]
    return exp.Table(this=ident[-1], db=ident[-2] if len(ident) > 1 else None, catalog=ident[-3] if len(ident) > 2 else None)


class _Raw:
    """Builds the raw conversion of one dialect."""

    def __init__(self, dialect: Dialect, itype: str, table: str, absent: frozenset[str] = frozenset(), one_check: bool = True) -> None:
        self.d = dialect
        self.itype = itype
        self.table = table
        self.absent = absent
        # the query computes in the dialect's 64-bit type (`Dialect.narrow_raw`): every
        # conversion that could leave it is guarded, a value beyond it refused (TL412)
        self.narrow = itype == dialect.narrow
        # `Dialect.one_check`: a missing count or decimal is checked with the ranges, in one
        # filter (`deferred`: its condition on the read column and its error), where the
        # caller builds that filter (`raw_inputs`; not `related_inputs`)
        self.one_check = dialect.one_check and one_check
        self.deferred: list[tuple[exp.Expression, exp.Expression]] = []

    # ---------------------------------------------------------------- helpers
    def text(self, e: exp.Expression) -> exp.Expression:
        return cast(e, self.d.text, self.d)

    def typeof_in(self, c: exp.Expression, names: tuple[str, ...]) -> exp.Expression | None:
        if self.d.typeof is None:
            return None
        t = exp.Anonymous(this=self.d.typeof, expressions=[c])
        return exp.In(this=t, expressions=[string(n) for n in names])

    def concat(self, *parts: exp.Expression) -> exp.Expression:
        out = parts[0]
        for p in parts[1:]:
            out = exp.DPipe(this=out, expression=p, safe=True)
        return out

    def fail(self, column: str, problem: exp.Expression | str, type_: str | None, code: str) -> exp.Expression:
        """Raise "tier: CODE table T, partner_id 'P', column C: PROBLEM" (CODE: the TL4xx code
        tierlang's loader gives the same problem; see `DATA_ERROR`)."""
        return raise_error(self.message(column, problem, code), self.d, type_)

    def message(self, column: str, problem: exp.Expression | str, code: str) -> exp.Expression:
        """The text `fail` raises."""
        pid = exp.Coalesce(this=self.text(col(PID)), expressions=[string("(empty)")])
        return self.concat(
            string(f"tier: {code} table {self.table}, partner_id '"),
            pid,
            string(f"', column {column}: "),
            string(problem) if isinstance(problem, str) else problem,
        )

    def quoted_value(self, c: exp.Expression) -> exp.Expression:
        return self.concat(string("'"), self.text(c), string("'"))

    def id_check(self, pid: exp.Expression, t: exp.Expression) -> exp.If:
        """`WHEN <bad> THEN error` for a partner_id `pid` (as text, `t`) that the loader
        refuses (TL410, its messages): missing or blanks only ("partner_id is empty"), or
        blanks before or after it ("partner_id 'X' has blanks around it"); blanks are the
        characters of `data.WHITESPACE`. Each row tests the code points of its id's first
        and last characters against them, a few integer comparisons (0.07 CPU s for 1M ids
        in DuckDB, against 0.05 for spaces alone and 1.5 for trimming both sides of every
        id by the set); which message it is, only a refused id is trimmed to find."""
        blanks = [num(ord(ch)) for ch in WHITESPACE]
        edges = [exp.Unicode(this=t.copy()), exp.Unicode(this=exp.Right(this=t.copy(), expression=num(1)))]
        first, last = (exp.In(this=e, expressions=[b.copy() for b in blanks]) for e in edges)
        first.add_comments([" the code points of Unicode's blanks (White_Space), which tierlang's loader strips "])
        bad = or_any([exp.Is(this=pid.copy(), expression=exp.Null()), exp.EQ(this=t.copy(), expression=string("")), first, last])
        empty = or_any(
            [
                exp.Is(this=pid.copy(), expression=exp.Null()),
                self.only_blanks(t.copy()),
            ]
        )
        problem = self.case(
            (empty, string("partner_id is empty")),
            default=self.concat(string("partner_id "), self.quoted_value(pid.copy()), string(" has blanks around it")),
        )
        return exp.If(this=bad, true=self.fail(PID, problem, self.d.text, "TL410"))

    def only_blanks(self, t: exp.Expression) -> exp.Expression:
        """Whether the text `t` holds nothing but blanks (`data.WHITESPACE`), each written
        by its code point: in a regular expression where the dialect's can
        (`Dialect.code_point`), else trimmed with `chr`."""
        if self.d.code_point is not None:
            blanks = "".join(self.d.code_point.format(ord(ch)) for ch in WHITESPACE)
            return self.matches(t, f"^[{blanks}]*$")
        return exp.EQ(this=exp.Trim(this=t, expression=self.characters(WHITESPACE), position="LEADING"), expression=string(""))

    def characters(self, chars: str) -> exp.Expression:
        """The text `chars`, each character by its code point (`Dialect.chr`): blanks are
        control and invisible characters, unreadable in a literal."""
        return paren(self.concat(*(exp.Anonymous(this=self.d.chr, expressions=[num(ord(ch))]) for ch in chars)))

    def matches(self, t: exp.Expression, pattern: str) -> exp.Expression:
        return exp.RegexpLike(this=t, expression=string(pattern))

    def one_of(self, t: exp.Expression, words: tuple[str, ...]) -> exp.Expression:
        """Whether the text `t` is one of `words`, exactly. Where `=` ignores trailing spaces
        and the collation may ignore case (`Dialect.padded`: SQL Server, where 'gold ' and
        'GOLD' equal 'gold', which tierlang's loader refuses), both sides end in '|' and are
        compared in a binary collation."""
        if not self.d.padded:
            return exp.In(this=t, expressions=[string(w) for w in words]) if len(words) > 1 else exp.EQ(this=t, expression=string(words[0]))
        marked = exp.Collate(this=paren(self.concat(t, string("|"))), expression=exp.var(_BINARY_COLLATION))
        return exp.In(this=marked, expressions=[exp.National(this=w + "|") for w in words])

    def exact(self, t: exp.Expression) -> exp.Expression:
        """The text `t` as a key that groups and compares exactly. Where `=` and GROUP BY
        ignore trailing spaces and the collation may ignore case (`Dialect.padded`: SQL
        Server groups 'p1', 'P1' and 'p1 ' as one partner_id, which tierlang's loader reads as
        three), it ends in '|', in a binary collation, as `one_of` compares."""
        if not self.d.padded:
            return t
        return exp.Collate(this=paren(self.concat(t, string("|"))), expression=exp.var(_BINARY_COLLATION))

    def case(self, *branches: tuple[exp.Expression, exp.Expression], default: exp.Expression) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in branches if c is not None], default=default)

    # ---------------------------------------------------------------- per kind
    def convert(self, m: ir.Metric, scale: int, optional: bool = False, required: str = "the metric declares no default") -> exp.Expression:
        """The metric's column as its exact value (or an error), before range checks; a
        missing value is the metric's default, an error (TL403, saying why: `required`), or
        (`optional`) NULL."""
        column = m.column or m.name
        # an optional metric's absent column reads as missing everywhere: its default
        c = cast(exp.Null(), self.d.text, self.d) if m.name in self.absent else col(column)
        k = m.type.kind
        numeric = k is ir.Kind.COUNT or k in _DECIMAL_KINDS
        type_ = self.itype if numeric else {ir.Kind.BOOL: "BOOLEAN", ir.Kind.DATE: "DATE"}.get(k, self.d.text)
        deferred = False
        if optional:
            missing: exp.Expression = exp.Null()
        elif m.default is not None:
            missing = _literal(m.default, scale, self, type_)
        else:
            missing = self.fail(column, f"the value is missing ({required})", type_, "TL403")
            # a missing value reads as NULL (`nullable`), and the filter names it
            deferred = self.one_check and numeric and m.name not in self.absent
        if k is ir.Kind.COUNT:
            value = self.count(column, c, exp.Null() if deferred else missing.copy())
        elif k in _DECIMAL_KINDS:
            value = self.decimal(column, c, scale)
        elif k is ir.Kind.BOOL:
            value = self.boolean(column, c)
        elif k is ir.Kind.DATE:
            value = self.date(column, c)
        else:
            value = self.enum(column, c, m.type.values)
        if deferred:
            self.deferred.append((exp.Is(this=col(m.name), expression=exp.Null()), missing))
            return value
        return exp.Case(ifs=[exp.If(this=exp.Is(this=c, expression=exp.Null()), true=missing)], default=value)

    def nullable(self, c: exp.Expression, slow: exp.Expression) -> exp.Expression:
        """A text conversion that reads a missing value as NULL (`one_check`: the filter
        reports it), where its checks would call it malformed."""
        if not self.one_check:
            return slow
        return self.case((exp.Is(this=c.copy(), expression=exp.Null()), exp.Null()), default=slow)

    def too_large(self, column: str, shown: exp.Expression) -> exp.Expression:
        """TL412 for a value beyond the query's integer type (or a column's limit in it)."""
        why = " is too large to evaluate exactly in SQL"
        if self.narrow:
            why += " (this query computes in 64-bit integers; compile it with --wide for 128 bits)"
        return self.fail(column, self.concat(shown, string(why)), self.itype, "TL412")

    def within(self, c: exp.Expression, limit: int) -> exp.Expression:
        """-limit <= c <= limit, without ABS (which overflows on the smallest BIGINT)."""
        return exp.Between(this=c, low=num(-limit), high=num(limit))

    def count(self, column: str, c: exp.Expression, blank: exp.Expression) -> exp.Expression:
        """A count: whole, with spaces and tabs around it tolerated, as tierlang's loader
        reads one (`data._COUNT_RE`); a text of spaces and tabs only is missing, `blank`
        (to the loader as to polars' CSV reader of counts). At most 18 digits, leading zeros
        aside (`data.MAX_COUNT`, in the narrow and the wide query alike): beyond, TL412 with
        the loader's message."""
        t = self.text(c)
        ok = self.matches(t, r"^[ \t]*[+-]?0*[0-9]{1,18}[ \t]*$")
        whole = self.matches(t.copy(), r"^[ \t]*[+-]?[0-9]+[ \t]*$")
        trimmed = exp.Trim(this=t.copy(), expression=self.characters(" \t"))
        slow = self.case(
            (ok, cast(trimmed, self.itype, self.d)),
            (whole, self.count_too_large(column, c)),
            (self.matches(t.copy(), r"^[ \t]*$"), blank),
            default=self.fail(column, self.concat(self.quoted_value(c), string(" is not a whole number")), self.itype, "TL404"),
        )
        slow = self.nullable(c, slow)
        small = self.typeof_in(c, _SMALL_INTEGER_TYPES)
        if small is None:
            return slow
        # DuckDB: an integer column is read as it is; a wider one than BIGINT within the limit,
        # compared in a type that holds its values (a NULL compares to NULL: missing, read later)
        beyond = [
            (("HUGEINT",), exp.Not(this=self.within(cast(c, "HUGEINT", self.d), MAX_COUNT))),
            (("UBIGINT", "UHUGEINT"), exp.GT(this=cast(c, "UHUGEINT", self.d), expression=num(MAX_COUNT))),
        ]
        branches = [(small, cast(c, self.itype, self.d))]
        for types, big in beyond:
            guarded = self.case((big, self.count_too_large(column, c)), default=cast(c, self.itype, self.d))
            branches.append((self.typeof_in(c, types), guarded))
        return self.case(*branches, default=slow)

    def count_too_large(self, column: str, c: exp.Expression) -> exp.Expression:
        """TL412 for a count beyond `data.MAX_COUNT`, worded as tierlang's loader words it."""
        return self.fail(column, self.count_too_large_text(c), self.itype, "TL412")

    def count_too_large_text(self, c: exp.Expression) -> exp.Expression:
        return self.concat(self.quoted_value(c.copy()), string(" " + COUNT_TOO_LARGE))

    def decimal(self, column: str, c: exp.Expression, scale: int) -> exp.Expression:
        k = round(math.log10(scale))
        d = self.d
        t = self.text(c)  # not trimmed: blanks around a decimal are an error to the loader
        dot = exp.StrPosition(this=t, substr=string("."))
        has_dot = exp.GT(this=dot, expression=num(0))
        whole = self.case((has_dot, exp.Left(this=t, expression=exp.Sub(this=dot, expression=num(1)))), default=t)
        frac = self.case((has_dot, exp.Substring(this=t, start=exp.Add(this=dot, expression=num(1)))), default=string(""))
        significant = exp.Trim(this=frac, expression=string("0"), position="TRAILING")
        padded = exp.Left(this=self.concat(frac, string("0" * k)), expression=num(k))
        scaled = cast(self.concat(whole, padded), self.itype, d)
        plain = self.matches(t, r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$")
        slow = self.case(
            (
                exp.Not(this=paren(plain)),
                self.fail(column, self.concat(self.quoted_value(c), string(" is not a plain decimal")), self.itype, "TL405"),
            ),
            (
                exp.GT(this=exp.Length(this=significant), expression=num(k)),
                self.fail(
                    column,
                    self.concat(self.quoted_value(c), string(f" has more than {k} decimal places (compile with --decimals)")),
                    self.itype,
                    "TL412",
                ),
            ),
            (
                exp.GT(
                    this=exp.Length(this=exp.Trim(this=whole, expression=string("+-"), position="LEADING")),
                    expression=num((18 if self.narrow else MAX_DIGITS) - k),
                ),
                self.too_large(column, self.quoted_value(c))
                if self.narrow
                else self.fail(column, self.concat(self.quoted_value(c), string(" is too large to read exactly")), self.itype, "TL412"),
            ),
            default=scaled,
        )
        slow = self.nullable(c, slow)
        if d.typeof is None:
            return slow
        # DuckDB: the column's type is a constant at planning time; only one branch remains.
        # Each condition is safe to evaluate on any row (double arithmetic, TRY_CAST): the
        # planner may evaluate the parts of an AND in any order.
        integer = self.typeof_in(c, _INTEGER_TYPES)
        double = self.typeof_in(c, ("DOUBLE",))
        decimal_t = exp.Like(this=exp.Anonymous(this=d.typeof, expressions=[c]), expression=string("DECIMAL%"))
        x = cast(c, "DOUBLE", d)
        factor = cast(num(scale), "DOUBLE", d)
        # A binary float x is the decimal r / 10^k when r = round(x * 10^k) converts back to
        # x: below 2^50 / 10^k at most one k-place decimal lies within x's rounding interval,
        # and the shortest text of x (what the loader reads) is then exactly that decimal.
        r = exp.Round(this=exp.Mul(this=x, expression=factor))
        small = exp.LT(this=exp.Abs(this=x.copy()), expression=cast(num(2**50 // scale), "DOUBLE", d))
        roundtrip = exp.EQ(this=exp.Div(this=r.copy(), expression=factor.copy()), expression=x.copy())
        # A DECIMAL(p, s) value with at most k significant places, below 2^50 / 10^k: its
        # conversion to a double and the multiplication each err by less than 2^-53
        # relatively, so round(x * 10^k) is exactly c * 10^k. (DuckDB's 128-bit decimal
        # arithmetic, the other exact way, is ten times slower.)
        places_ok = exp.EQ(this=exp.TryCast(this=c.copy(), to=exp.DataType.build(f"DECIMAL(38, {k})")), expression=c.copy())
        # a DECIMAL(p, s) with s <= k has at most k places by its type: a constant test at
        # planning time, where the TRY_CAST above is a 128-bit comparison per row
        few = "|".join(str(i) for i in range(k + 1))
        typed_few = exp.RegexpLike(
            this=exp.Anonymous(this=d.typeof, expressions=[c.copy()]), expression=string(f"^DECIMAL\\([0-9]+,({few})\\)$")
        )
        fast = or_any([and_all([double, roundtrip]), typed_few, and_all([decimal_t, places_ok])])
        scaled_int: exp.Expression = exp.Mul(this=cast(c, self.itype, d), expression=num(scale))
        if self.narrow:
            top = (2**63 - 1) // scale
            scaled_int = self.case((self.within(cast(c, d.wide, d), top), scaled_int), default=self.too_large(column, self.text(c)))
        branches = [
            (integer, scaled_int),
            (and_all([small, fast]), cast(r, "BIGINT", d) if self.narrow else cast(cast(r, "BIGINT", d), self.itype, d)),
        ]
        return self.case(*branches, default=slow)

    def boolean(self, column: str, c: exp.Expression) -> exp.Expression:
        t = exp.Lower(this=self.text(c))  # not trimmed, as the loader
        slow = self.case(
            (self.one_of(t, ("true",)), exp.Boolean(this=True)),
            (self.one_of(t.copy(), ("false",)), exp.Boolean(this=False)),
            default=self.fail(column, self.concat(self.quoted_value(c), string(" is not true or false")), "BOOLEAN", "TL408"),
        )
        fast = self.typeof_in(c, ("BOOLEAN",))
        return self.case((fast, cast(c, "BOOLEAN", self.d)), default=slow) if fast is not None else slow

    def date(self, column: str, c: exp.Expression) -> exp.Expression:
        t = self.text(c)  # not trimmed, as the loader

        def part(start: int, length: int) -> exp.Expression:
            return cast(exp.Substring(this=t, start=num(start), length=num(length)), "INTEGER", self.d)

        y, mo, day = part(1, 4), part(6, 2), part(9, 2)

        def divisible(a: exp.Expression, n: int) -> exp.Expression:
            return exp.EQ(this=exp.Mod(this=a, expression=num(n)), expression=num(0))

        leap = or_any([and_all([divisible(y, 4), exp.Not(this=divisible(y, 100))]), divisible(y, 400)])
        last = self.case(
            (exp.EQ(this=mo, expression=num(2)), self.case((leap, num(29)), default=num(28))),
            (exp.In(this=mo, expressions=[num(4), num(6), num(9), num(11)]), num(30)),
            default=num(31),
        )
        shape = self.matches(t, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        # Checked one after the other: the parts are read only from a value of the right shape.
        valid = self.case(
            (exp.Not(this=paren(shape)), exp.Boolean(this=False)),
            (exp.LT(this=y, expression=num(1)), exp.Boolean(this=False)),
            (exp.Not(this=exp.Between(this=mo, low=num(1), high=num(12))), exp.Boolean(this=False)),
            default=exp.Between(this=day, low=num(1), high=last),
        )
        slow = self.case(
            (valid, cast(t, "DATE", self.d)),
            default=self.fail(column, self.concat(self.quoted_value(c), string(" is not a date (YYYY-MM-DD)")), "DATE", "TL409"),
        )
        fast = self.typeof_in(c, ("DATE",))
        return self.case((fast, cast(c, "DATE", self.d)), default=slow) if fast is not None else slow

    def enum(self, column: str, c: exp.Expression, values: tuple[str, ...]) -> exp.Expression:
        t = self.text(c)
        shown = ", ".join(values)
        return self.case(
            (self.one_of(t, values), t.copy()),
            default=self.fail(column, self.concat(self.quoted_value(c), string(f" is not one of {shown}")), self.d.text, "TL407"),
        )

    # ---------------------------------------------------------------- range and limits
    def checked(self, m: ir.Metric, scale: int, limit: int | None, value: exp.Expression | None = None) -> exp.Expression:
        """The converted column (or `value`) with its range (and the arithmetic's limit) checked."""
        v = col(m.name) if value is None else value
        column = m.column or m.name
        branches = []
        if m.type.kind is ir.Kind.COUNT and self.d.typeof is not None:
            branches.append(self.count_range(m, v, column))
        elif m.type.kind is ir.Kind.COUNT or m.type.kind in _DECIMAL_KINDS:
            if m.minimum is not None:
                lo = math.ceil(m.minimum * scale)
                why = f"is below the minimum {_show(m.minimum)}" + (
                    "; a count cannot be negative" if m.type.kind is ir.Kind.COUNT and m.minimum == 0 else ""
                )
                branches.append(
                    (
                        exp.LT(this=v, expression=num(lo)),
                        self.fail(column, self.concat(self.shown(v, scale), string(f" {why}")), self.itype, "TL406"),
                    )
                )
            if m.maximum is not None:
                hi = math.floor(m.maximum * scale)
                branches.append(
                    (
                        exp.GT(this=v, expression=num(hi)),
                        self.fail(
                            column,
                            self.concat(self.shown(v, scale), string(f" is above the maximum {_show(m.maximum)}")),
                            self.itype,
                            "TL406",
                        ),
                    )
                )
        if (m.type.kind is ir.Kind.COUNT or m.type.kind in _DECIMAL_KINDS) and limit is not None:
            if self.narrow:
                big: exp.Expression = exp.Not(this=self.within(v.copy(), limit))
            else:
                big = exp.GT(this=exp.Abs(this=v), expression=cast(num(limit), self.itype, self.d))
            branches.append((big, self.too_large(column, self.shown(v, scale))))
        if not branches:
            return v
        return self.case(*branches, default=v)

    def count_range(self, m: ir.Metric, v: exp.Expression, column: str) -> tuple[exp.Expression, exp.Expression]:
        """(a count is outside its range or beyond `data.MAX_COUNT`, the error that says which)
        where a BIGINT column is read as it is (`count`, DuckDB): one comparison, which the
        filter of `Dialect.one_check` pays nothing more for than the range's (a guard when
        the column is read costs a CASE per column); TL412 first, as tierlang's loader."""
        lo = max(math.ceil(m.minimum), -MAX_COUNT) if m.minimum is not None else -MAX_COUNT
        hi = min(math.floor(m.maximum), MAX_COUNT) if m.maximum is not None else MAX_COUNT
        problems = [(exp.Not(this=self.within(v.copy(), MAX_COUNT)), self.message(column, self.count_too_large_text(v), "TL412"))]
        if m.minimum is not None:
            why = f" is below the minimum {_show(m.minimum)}" + ("; a count cannot be negative" if m.minimum == 0 else "")
            problems.append(
                (exp.LT(this=v.copy(), expression=num(lo)), self.message(column, self.concat(self.text(v), string(why)), "TL406"))
            )
        if m.maximum is not None:
            why = f" is above the maximum {_show(m.maximum)}"
            problems.append(
                (exp.GT(this=v.copy(), expression=num(hi)), self.message(column, self.concat(self.text(v), string(why)), "TL406"))
            )
        which = self.case(*problems[:-1], default=problems[-1][1]) if len(problems) > 1 else problems[0][1]
        return exp.Not(this=exp.Between(this=v, low=num(lo), high=num(hi))), raise_error(which, self.d, self.itype)

    def holds(self, e: ir.Expr, metrics: dict[str, ir.Metric], scales: dict[str, int]) -> exp.Expression:
        """An input constraint's condition over the scaled columns, exactly: each comparison
        of sums moved to one side and multiplied by the least common denominator of its
        coefficients over the columns' scales, so it compares integers (as the loader does,
        `data.constraints`). Null where a value is missing: undecided is not broken."""
        if isinstance(e, (ir.And, ir.Or)):
            parts = [paren(self.holds(x, metrics, scales)) for x in e.items]
            return and_all(parts) if isinstance(e, ir.And) else or_any(parts)
        if isinstance(e, ir.Not):
            return exp.Not(this=paren(self.holds(e.operand, metrics, scales)))
        assert isinstance(e, ir.Compare)
        lc, lk = linear(e.left, metrics)
        rc, rk = linear(e.right, metrics)
        coefs = dict(lc)
        for n, v in rc.items():
            coefs[n] = coefs.get(n, Fraction(0)) - v
        terms = {n: v / scales.get(n, 1) for n, v in coefs.items() if v}
        den = math.lcm((lk - rk).denominator, *[v.denominator for v in terms.values()])
        wide = self.d.wide  # sums of columns times coefficients: beyond 64 bits (as the loader's Int128)
        total: exp.Expression = cast(num(int((lk - rk) * den)), wide, self.d)
        for n, v in terms.items():
            total = exp.Add(
                this=total,
                expression=exp.Mul(this=cast(col(n), wide, self.d), expression=cast(num(int(v * den)), wide, self.d)),
            )
        ops = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "==": exp.EQ, "!=": exp.NEQ}
        return ops[e.op](this=paren(total), expression=cast(num(0), wide, self.d))

    def constraint_check(self, program: ir.Program, c: ir.Constraint, scales: dict[str, int]) -> tuple[exp.Expression, exp.Expression]:
        """(the row breaks `c`, the error that says so: TL416, as tierlang's loader words it)."""
        names = constraint_metrics(program, c)
        broken = exp.Not(this=paren(self.holds(c.expr, program.metric_map, scales)))
        title = f" ({c.title})" if c.title else ""
        parts: list[exp.Expression] = [string(f"breaks the constraint '{c.name}'{title}: ")]
        for i, n in enumerate(names):
            m = program.metric_map[n]
            parts += [string(f"{', ' if i else ''}{m.column or n} is "), self.shown(col(n), scales.get(n, 1))]
        first = program.metric_map[names[0]]
        return broken, self.fail(first.column or first.name, self.concat(*parts), self.d.text, "TL416")

    def shown(self, v: exp.Expression, scale: int) -> exp.Expression:
        """A scaled value as text for a message (its integer and scale: exact, no division)."""
        t = self.text(v)
        return t if scale == 1 else self.concat(t, string(f"/{scale}"))


def _show(x: Fraction) -> str:
    from tierlang.numbers import exact_text

    return exact_text(x)


def _literal(value: ir.Value, scale: int, raw: _Raw, type_: str) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, Fraction):
        return cast(num(int(value * scale)), type_, raw.d)
    if hasattr(value, "isoformat"):
        return cast(string(value.isoformat()), "DATE", raw.d)  # type: ignore[union-attr]
    return string(str(value))


def raw_inputs(
    program: ir.Program,
    table: str,
    itype: str,
    dialect: Dialect,
    scales: dict[str, int],
    metrics: list[ir.Metric],
    limits: dict[str, int],
    absent: frozenset[str] = frozenset(),
) -> list[tuple[str, exp.Select, str]]:
    """The CTEs that read `table` (any column types) into exact values: (name, query,
    comment). The last one is named `partners_checked`: partner_id plus one column per metric
    in `metrics`, named after the metric; the metrics in `absent` (optional metrics whose
    column the table lacks) take their defaults."""
    raw = _Raw(dialect, itype, table, absent)
    pid = col(PID)
    pid_text = raw.text(pid)
    pid_checked = exp.Case(ifs=[raw.id_check(pid, pid_text)], default=pid_text)
    converted = [exp.alias_(raw.convert(m, scales.get(m.name, 1)), m.name, quoted=True) for m in metrics]
    read = exp.select(exp.alias_(pid_checked, PID, quoted=True), *converted).from_(table_name(table))
    # A partner_id twice is an error (as in tierlang's loader): one GROUP BY over the table
    # finds the smallest repeated id, and the rows with that id fail.
    groups = exp.select(exp.alias_(exp.Min(this=pid_text.copy()), "repeated", quoted=True)).from_(
        exp.select(exp.alias_(raw.exact(col(PID)), PID, quoted=True))
        .from_(table_name(table))
        .group_by(raw.exact(col(PID)))
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=num(1)))
        .subquery("repeated_ids", copy=False)
    )
    repeated = exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=raw.exact(exp.column(PID, table="partners_read", quoted=True)), expression=col("repeated")),
                true=raw.fail(PID, "the partner_id appears more than once", dialect.text, "TL411"),
            )
        ],
        default=exp.column(PID, table="partners_read", quoted=True),
    )
    # a row that breaks an input constraint fails on its partner_id, which every query reads
    columns = {m.name for m in metrics}
    for c in program.constraints:
        if set(constraint_metrics(program, c)) <= columns:
            broken, fail = raw.constraint_check(program, c, scales)
            repeated = exp.Case(ifs=[exp.If(this=broken, true=fail)], default=repeated)
    checks = [exp.alias_(raw.checked(m, scales.get(m.name, 1), limits.get(m.name)), m.name, quoted=True) for m in metrics]
    if dialect.one_check:
        checks, where = _one_filter([exp.alias_(repeated, PID, quoted=True), *checks], raw.deferred, dialect)
        checked = (
            exp.select(*checks)
            .from_(exp.to_table("partners_read", quoted=True))
            .join(groups.subquery("repeated_id", copy=False), join_type="CROSS")
            .where(where)
        )
    else:
        checked = (
            exp.select(exp.alias_(repeated, PID, quoted=True), *checks)
            .from_(exp.to_table("partners_read", quoted=True))
            .join(groups.subquery("repeated_id", copy=False), join_type="CROSS")
        )
    return [
        ("partners_read", read, f"{table}: every value read exactly (shortest decimal text of a float; decimals scaled to integers)"),
        ("partners_checked", checked, "ranges, repeated partner_ids and the limits of exact arithmetic checked"),
    ]


def _one_filter(
    columns: list[exp.Expression], deferred: list[tuple[exp.Expression, exp.Expression]], d: Dialect
) -> tuple[list[exp.Expression], exp.Expression]:
    """The checked columns as plain values and one filter that raises the first failing
    check's error: each `CASE WHEN bad THEN error(message) ... ELSE value END` of `columns`
    (and each of `deferred`) becomes a condition of `CASE WHEN bad₁ OR bad₂ … THEN
    error(CASE WHEN bad₁ THEN message₁ … END) ELSE TRUE END`, whose messages are built only
    for a failing row. DuckDB evaluates a CASE per column with selection vectors: fifty of them
    cost more than one OR of comparisons."""
    found: list[list[tuple[exp.Expression, exp.Expression]]] = []
    out = []
    for alias in columns:
        e, own = alias.this, []
        while isinstance(e, exp.Case) and all(isinstance(i.args["true"], exp.Anonymous) for i in e.args["ifs"]):
            # a constraint's check wraps the repeated id's: unwrap each level
            own += [(i.this, i.args["true"]) for i in e.args["ifs"]]
            e = e.args["default"]
        found.append(own)
        out.append(exp.alias_(e, alias.alias, quoted=True))
    # as tierlang's loader: each value first (missing, range, limit), then the row's
    # constraints and its id (the first column's checks)
    checks = list(deferred) + [c for own in found[1:] for c in own] + found[0]
    if not checks:
        return out, exp.Boolean(this=True)
    message = exp.Case(ifs=[exp.If(this=paren(c.copy()), true=f.expressions[0]) for c, f in checks])
    bad = or_any([c for c, _ in checks])
    return out, exp.Case(ifs=[exp.If(this=bad, true=raise_error(message, d))], default=exp.Boolean(this=True))


#: Why an empty value of a related table's column is an error (TL403).
_REQUIRED_COLUMN = "the column is not optional"


def related_scales(table: ir.RelatedTable, decimals: int, places_of: dict[str, int] | None = None) -> dict[str, int]:
    """The scale of each numeric column of a related table in a raw query (as `scales_for`)."""
    out = {}
    for c in table.columns:
        if c.type.kind is ir.Kind.COUNT:
            out[c.name] = 1
        elif c.type.kind in _DECIMAL_KINDS:
            extra = [places(v) for v in (c.minimum, c.maximum) if isinstance(v, Fraction)]
            out[c.name] = 10 ** max([(places_of or {}).get(c.name, decimals), *extra])
    return out


def related_inputs(
    table: ir.RelatedTable, source: str, itype: str, dialect: Dialect, scales: dict[str, int], partners: str
) -> tuple[exp.Select, str]:
    """The CTE that reads a related table (any column types) into exact values: partner_id
    (with no blanks, TL410, and naming a partner of the CTE `partners`: TL420) and one column per table column;
    a bad value stops the query with the loader's code, naming the table, the partner and the
    column; an empty value is allowed only in an optional column."""
    raw = _Raw(dialect, itype, source, one_check=False)
    pid = col(PID)
    known = exp.select(col(PID)).from_(exp.to_table(partners, quoted=True))
    unknown = or_any([exp.Is(this=pid, expression=exp.Null()), exp.Not(this=exp.In(this=pid.copy(), query=known.subquery()))])
    # an id with blanks is the loader's first error (TL410), before its absence from partners
    checks = [
        raw.id_check(pid, raw.text(pid)),
        exp.If(this=unknown, true=raw.fail(PID, "the partner_id is not in the partners table", dialect.text, "TL420")),
    ]
    if table.key:  # one row per partner and key (compared as text, as the file holds them)
        keys = ", ".join(table.key)
        window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[pid.copy(), *(raw.text(col(c)) for c in table.key)])
        checks.append(
            exp.If(
                this=exp.GT(this=window, expression=num(1)),
                true=raw.fail(table.key[0], f"the key ({keys}) appears more than once for this partner", dialect.text, "TL421"),
            )
        )
    out: list[exp.Expression] = [exp.alias_(exp.Case(ifs=checks, default=raw.text(pid.copy())), PID, quoted=True)]
    for c in table.columns:
        k = c.type.kind
        if k is ir.Kind.TEXT:
            value: exp.Expression = raw.text(col(c.name))
            if not c.optional:
                value = exp.Case(
                    ifs=[
                        exp.If(
                            this=exp.Is(this=col(c.name), expression=exp.Null()),
                            true=raw.fail(c.name, f"the value is missing ({_REQUIRED_COLUMN})", dialect.text, "TL403"),
                        )
                    ],
                    default=value,
                )
        else:
            m = ir.Metric(name=c.name, type=c.type, column=c.name, minimum=c.minimum, maximum=c.maximum)
            value = raw.convert(m, scales.get(c.name, 1), optional=c.optional, required=_REQUIRED_COLUMN)
            if c.month:
                first = exp.EQ(this=exp.Day(this=paren(value.copy())), expression=num(1))
                value = exp.Case(
                    ifs=[
                        exp.If(
                            this=exp.Not(this=paren(first)),
                            true=raw.fail(c.name, "the month is not given by its first day (YYYY-MM-01)", "DATE", "TL415"),
                        )
                    ],
                    default=value,
                )
            value = raw.checked(m, scales.get(c.name, 1), None, value)
        out.append(exp.alias_(value, c.name, quoted=True))
    return exp.select(*out).from_(table_name(source)), f"{source}: every value read exactly, each row's partner_id checked"
