"""Lowering of records: related tables, lists, row conditions and metrics computed from
tables (TL26x). A mixin of the lowering pass (`passes/lower.py`), which owns the driver, the
scopes and the ordinary expressions; this module owns what only records use.

Three scopes read records, each a `_Scope` with `table` set:
- a **row** condition (a table's `filter`, an aggregate's `where`): the row's columns, the
  table's filters, parameters, lists and `as_of`;
- a **group** condition (`having`, `group` set to the `per` columns): aggregates of the
  group's rows (`sum acr_usd`, `(sum acr_usd where ...)`) and the `per` columns;
- a **records metric** (`records` set): aggregates, other records metrics, constants; it may
  divide by a records metric (an exact rational per partner; the metric's `default` is its
  value when the divisor is 0).

Windows (`month in last 12 months`) and `as_of` are resolved to dates for the program's
evaluation date here, so that no engine does month arithmetic.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction

from tierlang import ir
from tierlang.diagnostics import Note, did_you_mean
from tierlang.ir import Kind, Type
from tierlang.syntax import ast

__all__ = ["RecordsLowering", "records_metric_names", "formula_nodes", "tables_reading", "PID"]

PID = "partner_id"
COUNT = Type(Kind.COUNT)
BOOL = Type(Kind.BOOL)
DATE = Type(Kind.DATE)
TEXT = Type(Kind.TEXT)
#: What to do about a window or `as_of` without an evaluation date (TL273).
AS_OF_HINT = (
    "evaluate with --as-of YYYY-MM-DD (e.g. --as-of 2024-06-30): tier eval, explain and diff --data"
    " ask for it with records; for tier check and tier test, give the program an `effective` date"
)
_AGG_WORD = {"count": "count", "count_distinct": "count distinct", "sum": "sum", "min": "min", "max": "max"}
_COLUMN_ATTRS = {"doc", "source", "range", "unit"}


def records_metric_names(items) -> set[str]:
    """The metrics computed from records, by their syntax: those defined by an aggregate, and
    those defined only from such metrics (`nca = eligible_now - eligible_before`). A formula
    that mixes records metrics with other metrics is an ordinary derived metric."""
    decls = {d.name: d for d in items if isinstance(d, ast.MetricDecl)}
    out = {n for n, d in decls.items() if isinstance(d.expr, ast.Aggregate | ast.Assign)}
    refs = {n: {p for p in _names(d.expr) if p in decls} for n, d in decls.items() if d.expr is not None and n not in out}
    changed = True
    while changed:
        changed = False
        for n, used in refs.items():
            if n not in out and used and used <= out:
                out.add(n)
                changed = True
    return out


def _names(node) -> set[str]:
    """The first parts of the names an expression (syntax tree) mentions."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name):
            out.add(n.parts[0])
        elif isinstance(n, tuple):
            stack.extend(n)
        elif hasattr(n, "__dataclass_fields__") and not isinstance(n, ast.Num | ast.Str | ast.Bool | ast.DateLit):
            stack.extend(getattr(n, f) for f in n.__dataclass_fields__ if f != "span")
    return out


def tables_reading(program: ir.Program) -> dict[str, set[str]]:
    """Table name -> the tracks whose results depend on it (through records metrics)."""
    metric_tables: dict[str, set[str]] = {}

    def tables_of(name: str, seen: set[str]) -> set[str]:
        if name in metric_tables:
            return metric_tables[name]
        m = program.metric_map[name]
        out: set[str] = set()
        if m.records is not None and name not in seen:
            for n in ir.walk(m.records):
                if isinstance(n, ir.Aggregate | ir.Assignment):
                    out.add(n.table)
                elif isinstance(n, ir.MetricRef):
                    out |= tables_of(n.name, seen | {name})
        metric_tables[name] = out
        return out

    readers: dict[str, set[str]] = {t.name: set() for t in program.related_tables}
    for track in program.tracks:
        for metric in program.reads(track.name):
            for table in tables_of(metric, set()):
                readers.setdefault(table, set()).add(track.name)
    return readers


def values_that_count(program: ir.Program) -> dict[tuple[str, str], frozenset[str]]:
    """(table, text column) -> the values the program's conditions name for it (`in` a list,
    `== "..."`), for each column where a row holding a value none of them names is kept by
    no aggregate and no people rule: such rows count toward nothing (a certification no
    designation asks for, or a misspelled one).

    Decided per column by reading every row-selecting condition on its table in three
    values, each test of the column at what an unnamed value gives it (`in` false, `not in`
    true), every other test unknown: when each condition comes out false, the value counts
    nowhere."""
    tables = {t.name: t for t in program.related_tables}
    named: dict[tuple[str, str], set[str]] = {}
    selecting: dict[str, list[ir.Expr | None]] = {t: [] for t in tables}

    for m in program.metrics:
        if m.records is None:
            continue
        for n in ir.walk(m.records):
            if isinstance(n, ir.Aggregate):
                selecting[n.table].append(n.where)
            elif isinstance(n, ir.Assignment):
                need = ir.Or(tuple(ir.Const(True, ir.Type(Kind.BOOL)) if x.where is None else x.where for x in n.needs))
                selecting[n.table].append(need if n.where is None else ir.And((n.where, need)))
    for node in [f.expr for t in program.related_tables for f in t.filters] + [x for xs in selecting.values() for x in xs if x]:
        for n in ir.walk(node):
            ref, values = _value_test(n)
            if ref is not None:
                named.setdefault((ref.table, ref.column), set()).update(v for v in values if isinstance(v, str))

    def unnamed(expr: ir.Expr | None, column: str) -> bool | None:
        """expr for a row whose `column` holds a value no condition names (None: unknown)."""
        if expr is None:
            return True
        if isinstance(expr, ir.Const) and isinstance(expr.value, bool):
            return expr.value
        if isinstance(expr, ir.Not):
            v = unnamed(expr.operand, column)
            return None if v is None else not v
        if isinstance(expr, ir.And | ir.Or):
            vs = [unnamed(x, column) for x in expr.items]
            stop = isinstance(expr, ir.Or)  # the value that decides: True for or, False for and
            return stop if stop in vs else (None if None in vs else not stop)
        if isinstance(expr, ir.FilterRef):
            return unnamed(tables[expr.table].filter(expr.name).expr, column)  # type: ignore[union-attr]
        ref, _ = _value_test(expr)
        if ref is not None and ref.column == column:
            return isinstance(expr, ir.InSet) and expr.negated or isinstance(expr, ir.Compare) and expr.op == "!="
        return None

    out = {}
    for (table, column), values in sorted(named.items()):
        col = tables[table].column(column)
        if col is None or col.type.kind is not Kind.TEXT or not selecting[table]:
            continue
        if all(unnamed(w, column) is False for w in selecting[table]):
            out[(table, column)] = frozenset(values)
    return out


def named_like(value: str, named: Iterable[str]) -> str | None:
    """The named value an unnamed one looks like a misspelling of: another case or spacing of
    it first, then a close spelling (None: none)."""
    folded = {" ".join(x.split()).casefold(): x for x in named}
    near = folded.get(" ".join(value.split()).casefold())
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.8)
    return near or (folded[close[0]] if close else None)


def value_tests(table: ir.RelatedTable, e: ir.Expr | None) -> dict[str, set[str]]:
    """column -> the text values a row condition names for it (`in` a list, `== "..."`),
    through the table's filters."""
    out: dict[str, set[str]] = {}
    for n in ir.walk(e) if e is not None else ():
        if isinstance(n, ir.FilterRef):
            f = table.filter(n.name)
            for column, values in value_tests(table, f.expr if f is not None else None).items():
                out.setdefault(column, set()).update(values)
        ref, values = _value_test(n)
        if ref is not None:
            out.setdefault(ref.column, set()).update(v for v in values if isinstance(v, str))
    return out


def _value_test(n: object) -> tuple[ir.ColumnRef | None, tuple]:
    """The column and the values of `column in {...}` or `column == "..."` (either sense)."""
    if isinstance(n, ir.InSet) and isinstance(n.operand, ir.ColumnRef):
        return n.operand, n.values
    if isinstance(n, ir.Compare) and n.op in ("==", "!="):
        sides = (n.left, n.right)
        ref = next((x for x in sides if isinstance(x, ir.ColumnRef)), None)
        const = next((x for x in sides if isinstance(x, ir.Const)), None)
        if ref is not None and const is not None:
            return ref, (const.value,)
    return None, ()


class RecordsLowering:
    """Methods of the lowering pass for records (see the module docstring)."""

    # -------------------------------------------------------------- declarations
    def lower_lists(self) -> list[ir.ValueList]:
        out = []
        for d in self.merged.items:
            if not isinstance(d, ast.ListDecl):
                continue
            a = self.attrs(d.attrs, "list", "group")
            seen: dict[str, ast.Str] = {}
            for v in d.values:
                if v.value in seen:
                    self.err("TL201", f"list '{d.name}' has \"{v.value}\" twice", v.span, notes=(Note("first here", seen[v.value].span),))
                seen.setdefault(v.value, v)
            if not d.values:
                self.err("TL270", f"list '{d.name}' is empty", d.span, hint='write its values: `list NAME = { "a", "b" }`')
            out.append(ir.ValueList(d.name, tuple(seen), d.title, self.text(a, "doc"), self.text(a, "source"), d.span))
        self.lists = {v.name: v for v in out}
        return out

    def lower_related_tables(self) -> list[ir.RelatedTable]:
        self.related_tables: dict[str, ir.RelatedTable] = {}
        decls = [d for d in self.merged.items if isinstance(d, ast.RelatedTableDecl)]
        # the filters each table declares, lowered or not yet (a name in a row condition that is
        # not a column is looked up here: most are metrics and params)
        self.declared_filters: dict[str, set[str]] = {}
        for d in decls:
            self.declared_filters.setdefault(d.name, set()).update(i.name for i in d.items if isinstance(i, ast.FilterDecl))
        # Columns first (every table's), then filters, which may name any column or filter.
        for d in decls:
            self.related_tables[d.name] = self._table_columns(d)
        for d in decls:
            self.related_tables[d.name] = replace(self.related_tables[d.name], filters=self._table_filters(d))
        return list(self.related_tables.values())

    def _table_columns(self, d: ast.RelatedTableDecl) -> ir.RelatedTable:
        a = self.attrs([i for i in d.items if isinstance(i, ast.Attr)], "table", "group")
        columns: dict[str, ir.Column] = {}
        spans: dict[str, object] = {}
        for c in (i for i in d.items if isinstance(i, ast.ColumnDecl)):
            if c.name == PID:
                self.err(
                    "TL270",
                    f"table '{d.name}' declares 'partner_id'",
                    c.span,
                    hint="every table has partner_id, linking its rows to the partner table: remove this column",
                )
                continue
            if c.name in columns:
                self.err(
                    "TL201", f"column '{c.name}' is declared twice in table '{d.name}'", c.span, notes=(Note("first here", spans[c.name]),)
                )
                continue
            spans[c.name] = c.span
            columns[c.name] = self._column(d, c)
        if not columns:
            self.err("TL270", f"table '{d.name}' has no columns", d.span, hint="declare them: `column person_id: text`")
        keys = [i for i in d.items if isinstance(i, ast.KeyDecl)]
        key: tuple[str, ...] = ()
        if len(keys) > 1:
            self.err("TL201", f"table '{d.name}' has two keys", keys[1].span, hint="one `key a, b` lists every column of the key")
        if keys:
            for name in keys[0].columns:
                if name not in columns:
                    self.err("TL200", f"table '{d.name}' has no column '{name}'", keys[0].span, hint=did_you_mean(name, columns))
            if len(set(keys[0].columns)) != len(keys[0].columns):
                self.err("TL201", "the key names a column twice", keys[0].span)
            key = tuple(dict.fromkeys(keys[0].columns))
        return ir.RelatedTable(d.name, tuple(columns.values()), key, (), d.title, self.text(a, "doc"), self.text(a, "source"), d.span)

    def _column(self, d: ast.RelatedTableDecl, c: ast.ColumnDecl) -> ir.Column:
        a = self.attrs(c.attrs, "column", "column")
        month = c.type.kind == "month"
        if month:
            type_ = DATE
        elif c.type.kind == "text":
            type_ = TEXT
        else:
            type_ = self.metric_type(c.type)
        lo: Fraction | None = Fraction(0) if type_.kind is Kind.COUNT else None
        hi: Fraction | None = None
        if "range" in a:
            rng = a["range"]
            if not type_.is_numeric:
                self.err("TL210", f"a {c.type.kind} column has no range", rng.span)  # type: ignore[union-attr]
            else:
                low, high = rng.value  # type: ignore[union-attr]
                lo = self.literal(low, type_, "the range's lower bound") if low is not None else None
                hi = self.literal(high, type_, "the range's upper bound") if high is not None else None
        return ir.Column(c.name, type_, c.title, c.optional, month, lo, hi, self.text(a, "doc"), self.text(a, "source"), c.span)

    def _table_filters(self, d: ast.RelatedTableDecl) -> tuple[ir.RowFilter, ...]:
        table = self.related_tables[d.name]
        out: dict[str, ir.RowFilter] = {}
        for f in (i for i in d.items if isinstance(i, ast.FilterDecl)):
            if f.name in out or table.column(f.name) is not None:
                self.err("TL201", f"'{f.name}' is already a column or filter of table '{d.name}'", f.span)
                continue
            a = self.attrs(f.attrs, "filter", "group")
            try:
                expr = self.condition(f.expr, self.row_scope(d.name, f"filter '{f.name}'"))
            except self.Fail:
                continue
            out[f.name] = ir.RowFilter(f.name, expr, f.title, self.text(a, "doc"), self.text(a, "source"), f.span)
        deps = {n: {x.name for x in ir.walk(f.expr) if isinstance(x, ir.FilterRef)} for n, f in out.items()}
        for cycle in self.cycles(deps):
            self.err("TL215", f"filters of table '{d.name}' depend on each other in a cycle: {' → '.join(cycle)}", out[cycle[0]].span)
        known = {f.name for f in d.items if isinstance(f, ast.FilterDecl)}
        for f in out.values():
            for x in ir.walk(f.expr):
                if isinstance(x, ir.FilterRef) and x.name not in out and x.name in known:
                    return tuple(out.values())  # the referenced filter has an error of its own
        return tuple(out.values())

    # -------------------------------------------------------------- scopes
    def row_scope(self, table: str, where: str):
        return self.Scope(table=table, where=where)

    def row_name(self, n: ast.Name, scope):
        """A name in a row or group scope, or None when it is not a column or filter (then
        the ordinary lookup runs)."""
        table = self.related_tables.get(scope.table)
        if table is None:
            return None
        head = n.parts[0]
        if head == "as_of" and table.column(head) is None:
            return self.row_as_of(n)
        column = table.column(head)
        # (a column needs no search of the declarations: most names in a row condition are)
        known_filter = column is None and (head in {f.name for f in table.filters} or head in self.declared_filters.get(scope.table, ()))
        if column is None and not known_filter:
            decl = self.globals.get(head)
            if isinstance(decl, ast.MetricDecl):
                self.err(
                    "TL271",
                    f"a row condition cannot read metric '{head}'",
                    n.span,
                    hint=f"it reads the row's columns ({', '.join(c.name for c in table.columns)}), parameters, lists and `as_of`",
                )
                raise self.Fail
            if isinstance(decl, ast.ListDecl):
                self.err("TL271", f"'{head}' is a list: test membership with `COLUMN in {head}`", n.span)
                raise self.Fail
            if decl is None and head != PID:
                where = f" in {scope.where}" if scope.where else ""
                self.err(
                    "TL200",
                    f"table '{table.name}' has no column or filter '{head}'{where}",
                    n.span,
                    hint=did_you_mean(head, [c.name for c in table.columns] + [f.name for f in table.filters]),
                )
                raise self.Fail
            if head == PID:
                self.err("TL271", "partner_id is the same on every row a metric reads: compare other columns", n.span)
                raise self.Fail
            return None
        if len(n.parts) > 1:
            self.err("TL200", f"'{head}' has no parts", n.span)
            raise self.Fail
        if column is not None:
            if scope.group is not None and head not in scope.group:
                self.err(
                    "TL271",
                    f"'{head}' differs between the rows of a group",
                    n.span,
                    hint=f"aggregate it (`sum {head}`, `max {head}`), or add it to `per`",
                )
                raise self.Fail
            return ir.ColumnRef(table.name, head, n.span), column.type
        if scope.group is not None:
            self.err("TL271", f"filter '{head}' is about one row: use it in `where`, or in `(count where {head})`", n.span)
            raise self.Fail
        return ir.FilterRef(table.name, head, n.span), BOOL

    # -------------------------------------------------------------- row expressions
    def row_as_of(self, n: ast.Name):
        """`as_of` in a table's rows: the evaluation date, resolved here like the windows (the
        records stage runs once per evaluation date)."""
        if self.as_of is None:
            self.err("TL273", "'as_of' needs an evaluation date", n.span, hint=AS_OF_HINT)
            raise self.Fail
        # `param` names it, so that texts show `as_of` and programs compare equal across dates
        return ir.Const(self.as_of, DATE, param="as_of", span=n.span), DATE

    def _e_ValueSet(self, n: ast.ValueSet, scope):
        self.err("TL271", 'a set of values is tested with `in`: `offer in {"Support", "Trial"}`', n.span)
        raise self.Fail

    def _e_WindowExpr(self, n: ast.WindowExpr, scope):
        self.err("TL271", f"'{n.text}' is a window: test a date column with `in`", n.span, hint=f"e.g. `month in {n.text}`")
        raise self.Fail

    def _e_InExpr(self, n: ast.InExpr, scope):
        if scope.table is None:
            self.err(
                "TL271",
                "'in' tests a table's column, in a row condition",
                n.span,
                hint="use it in a table's `filter` or an aggregate's `where`",
            )
            raise self.Fail
        operand, t = self.expr(n.operand, scope)
        if isinstance(n.target, ast.WindowExpr):
            if t.kind is not Kind.DATE:
                self.err("TL202", f"a window holds dates, but this is {self.describe(t)}", n.operand.span)
                raise self.Fail
            if self.as_of is None:
                self.err(
                    "TL273",
                    f"'{n.target.text}' needs an evaluation date",
                    n.target.span,
                    hint=AS_OF_HINT,
                )
                raise self.Fail
            try:
                start, end = ir.window_dates(n.target.months, n.target.earlier, self.as_of)
            except ValueError:  # months before year 1
                self.err("TL273", f"'{n.target.text}' as of {self.as_of.isoformat()} reaches before year 1", n.target.span)
                raise self.Fail from None
            return ir.InWindow(operand, ir.Window(n.target.months, n.target.earlier, start, end, n.target.text), n.span), BOOL
        if t.kind not in (Kind.TEXT, Kind.ENUM):
            self.err("TL202", f"'in' tests text or enum values, but this is {self.describe(t)}", n.operand.span)
            raise self.Fail
        list_name = None
        if isinstance(n.target, ast.Name):
            vl = self.lists.get(n.target.parts[0])
            if vl is None:
                lists = [d.name for d in self.merged.items if isinstance(d, ast.ListDecl)]
                if n.target.parts[0] not in lists:
                    self.err("TL200", f"unknown list '{n.target}'", n.target.span, hint=did_you_mean(n.target.parts[0], lists))
                raise self.Fail
            values: list[ir.Value] = list(vl.values)
            list_name = vl.name
            spans = [n.target.span] * len(values)
        else:
            values, spans = [], []
            for item in n.target.items:
                if isinstance(item, ast.Name) and t.kind is Kind.TEXT:
                    self.err("TL202", f"'{item}' is a name; text values are written in quotes: \"{item}\"", item.span)
                    raise self.Fail
                values.append(item.value if isinstance(item, ast.Str) else str(item))
                spans.append(item.span)
        if t.kind is Kind.ENUM:
            for v, sp in zip(values, spans):
                if v not in t.values:
                    self.err("TL218", f"'{v}' is not a value of {t}", sp, hint=did_you_mean(str(v), t.values))
                    raise self.Fail
        return ir.InSet(operand, tuple(dict.fromkeys(values)), n.negated, list_name, n.span), BOOL

    def _e_IsEmpty(self, n: ast.IsEmpty, scope):
        if scope.table is None:
            self.err("TL271", "'is empty' tests a table's optional column, in a row condition", n.span)
            raise self.Fail
        operand, t = self.expr(n.operand, scope)
        if not isinstance(operand, ir.ColumnRef):
            self.err("TL271", "'is empty' tests a column", n.operand.span)
            raise self.Fail
        column = self.related_tables[operand.table].column(operand.column)
        if column is not None and not column.optional:
            self.err(
                "TL271",
                f"column '{operand.column}' is never empty",
                n.span,
                hint=f"declare it `column {operand.column}: ... optional` if it may be empty",
            )
            raise self.Fail
        return ir.IsEmpty(operand, n.negated, n.span), BOOL

    # -------------------------------------------------------------- aggregates
    def _e_GroupAgg(self, n: ast.GroupAgg, scope):
        if scope.table is None or scope.group is None:
            word = _AGG_WORD[n.func]
            self.err(
                "TL271",
                f"'{word}' aggregates rows: it belongs in a metric's definition or a `having` condition",
                n.span,
                hint="e.g. `metric people: count = count distinct person_id of certifications where ...`",
            )
            raise self.Fail
        if n.inner is not None:
            self.err("TL271", "an aggregate of aggregates belongs in the metric's head, not in `having`", n.span)
            raise self.Fail
        table = self.related_tables[scope.table]
        agg, t = self._agg(table, n.func, n.column, None, n.span)
        where = None
        if n.where is not None:
            where = self.condition(n.where, self.row_scope(table.name, "the aggregate's `where`"))
        return ir.GroupAgg(agg[0], agg[1], None, where, n.span), t

    def _agg(self, table: ir.RelatedTable, func: str, column: str | None, inner_type: Type | None, span) -> tuple[tuple, Type]:
        """(function, column) of one aggregate over `table` and its type; `inner_type` is the
        type of the per-group values an outer aggregate runs over."""
        if func == "count":
            return (func, None), COUNT
        if inner_type is not None:
            t = inner_type
        else:
            c = table.column(column)  # type: ignore[arg-type]
            if c is None:
                self.err(
                    "TL200",
                    f"table '{table.name}' has no column '{column}'",
                    span,
                    hint=did_you_mean(column or "", [x.name for x in table.columns]),
                )
                raise self.Fail
            t = c.type
        if func == "count_distinct":
            return (func, column), COUNT
        if func == "sum" and not t.is_numeric:
            self.err("TL202", f"'sum' adds numbers, but '{column}' is {self.describe(t)}", span)
            raise self.Fail
        if func in ("min", "max") and not (t.is_numeric or t.kind is Kind.DATE):
            self.err("TL202", f"'{func}' needs numbers or dates, but '{column}' is {self.describe(t)}", span)
            raise self.Fail
        return (func, column), t

    def _e_Aggregate(self, n: ast.Aggregate, scope):
        if not scope.records:
            self.err("TL271", "an aggregate over a table defines a metric: `metric NAME: TYPE = count ... of TABLE ...`", n.span)
            raise self.Fail
        table = self.related_tables.get(n.table)
        if table is None:
            tables = [d.name for d in self.merged.items if isinstance(d, ast.RelatedTableDecl)]
            if n.table not in tables:
                self.err(
                    "TL200",
                    f"unknown table '{n.table}'",
                    n.table_span or n.span,
                    hint=did_you_mean(n.table, tables) or "declare it: `table NAME { column ... }`",
                )
            raise self.Fail
        where = self.condition(n.where, self.row_scope(table.name, "the aggregate's `where`")) if n.where is not None else None
        for name in n.per:
            if table.column(name) is None:
                self.err(
                    "TL200",
                    f"table '{table.name}' has no column '{name}'",
                    n.span,
                    hint=did_you_mean(name, [c.name for c in table.columns]),
                )
                raise self.Fail
        if len(set(n.per)) != len(n.per):
            self.err("TL201", "'per' names a column twice", n.span)
            raise self.Fail
        having = None
        if n.having is not None:
            having = self.condition(n.having, self.Scope(table=table.name, group=n.per, where="`having`"))
        inner = None
        if n.agg.inner is not None:
            if not n.per:
                self.err(
                    "TL271",
                    f"'{_AGG_WORD[n.agg.func]} ({_AGG_WORD[n.agg.inner.func]} ...)' aggregates one value per group: add `per COLUMNS`",
                    n.agg.span,
                )
                raise self.Fail
            if n.agg.func not in ("sum", "min", "max"):
                self.err("TL271", "only sum, min and max aggregate the groups' values", n.agg.span)
                raise self.Fail
            (ifunc, icol), it = self._agg(table, n.agg.inner.func, n.agg.inner.column, None, n.agg.inner.span)
            inner = ir.GroupAgg(ifunc, icol, None, None, n.agg.inner.span)
            (func, column), t = self._agg(table, n.agg.func, None, it, n.agg.span)
        else:
            (func, column), t = self._agg(table, n.agg.func, n.agg.column, None, n.agg.span)
        return ir.Aggregate(func, table.name, column, where, tuple(n.per), having, inner, n.span), t

    def _e_Assign(self, n: ast.Assign, scope):
        if not scope.records:
            self.err("TL271", "an assignment of people defines a metric: `metric team: bool = assign person_id of ...`", n.span)
            raise self.Fail
        table = self.related_tables.get(n.table)
        if table is None:
            tables = [d.name for d in self.merged.items if isinstance(d, ast.RelatedTableDecl)]
            if n.table not in tables:
                self.err("TL200", f"unknown table '{n.table}'", n.span, hint=did_you_mean(n.table, tables))
            raise self.Fail
        if table.column(n.column) is None:
            self.err(
                "TL200",
                f"table '{table.name}' has no column '{n.column}'",
                n.span,
                hint=did_you_mean(n.column, [c.name for c in table.columns]),
            )
            raise self.Fail
        row = self.row_scope(table.name, "the assignment")
        where = self.condition(n.where, row) if n.where is not None else None
        capacity = int(n.capacity.value) if n.capacity is not None else 1
        if capacity < 1:
            self.err("TL205", "each person fills at least one need: `at most 1 each` or more", n.capacity.span)  # type: ignore[union-attr]
            raise self.Fail
        needs, seen = [], set()
        for need in n.needs:
            if need.name in seen:
                self.err("TL201", f"need '{need.name}' is named twice", need.span)
                raise self.Fail
            seen.add(need.name)
            cond = self.condition(need.where, self.row_scope(table.name, f"need '{need.name}'")) if need.where is not None else None
            needs.append(ir.Need(need.name, int(need.count.value), cond, need.span))
        return ir.Assignment(table.name, n.column, tuple(needs), where, capacity, n.span), BOOL

    # -------------------------------------------------------------- examples
    def example_records(self, tables: tuple[ast.RecordsTable, ...]) -> tuple | None:
        """The rows of `given records`, checked against the tables: (table, rows), each row
        ((column, exact value or None), ...) with every column of the table."""
        out: dict[str, list] = {}
        ok = True
        for rt in tables:
            table = self.related_tables.get(rt.table)
            if table is None:
                declared = [d.name for d in self.merged.items if isinstance(d, ast.RelatedTableDecl)]
                if rt.table not in declared:
                    self.err("TL200", f"unknown table '{rt.table}'", rt.span, hint=did_you_mean(rt.table, declared))
                ok = False
                continue
            columns = []
            for name in rt.columns:
                c = table.column(name)
                if c is None:
                    self.err(
                        "TL200",
                        f"table '{table.name}' has no column '{name}'",
                        rt.span,
                        hint=did_you_mean(name, [x.name for x in table.columns]),
                    )
                    ok = False
                columns.append(c)
            missing = [c.name for c in table.columns if not c.optional and c.name not in rt.columns]
            if missing:
                self.err(
                    "TL214",
                    f"the rows of '{table.name}' need {', '.join(missing)}",
                    rt.span,
                    hint="name every column that may not be empty in the header",
                )
                ok = False
            if len(set(rt.columns)) != len(rt.columns):
                self.err("TL201", "the header names a column twice", rt.span)
                ok = False
            if not ok:
                continue
            for row in rt.rows:
                values: dict[str, ir.Value | None] = {c.name: None for c in table.columns}
                for c, lit in zip(columns, row):
                    values[c.name] = None if lit is None else self._row_value(table, c, lit)
                    if lit is None and not c.optional:
                        self.err("TL214", f"column '{c.name}' of '{table.name}' may not be empty", rt.span)
                        ok = False
                if any(v is self.Fail for v in values.values()):
                    ok = False
                out.setdefault(table.name, []).append(tuple(values.items()))
        if not ok:
            return None
        return tuple((name, tuple(rows)) for name, rows in out.items())

    def _row_value(self, table: ir.RelatedTable, c: ir.Column, lit):
        what = f"'{table.name}.{c.name}'"
        if c.type.kind is Kind.TEXT:
            if not isinstance(lit, ast.Str):
                self.err("TL202", f"{what} is text: write it in quotes", lit.span)
                return self.Fail
            return lit.value
        value = self.literal(lit, c.type, what)
        if value is None:
            return self.Fail
        if c.month and value.day != 1:  # type: ignore[union-attr]
            self.err("TL202", f"{what} holds months: write the first day ({value.replace(day=1)})", lit.span)  # type: ignore[union-attr]
            return self.Fail
        if isinstance(value, Fraction) and ((c.minimum is not None and value < c.minimum) or (c.maximum is not None and value > c.maximum)):
            self.err("TL211", f"{value} is outside the range of {what}", lit.span)
            return self.Fail
        return value

    # -------------------------------------------------------------- records metrics
    def lower_records_metric(self, m: ir.Metric, d: ast.MetricDecl) -> ir.Metric:
        """`m` with its records formula (`Metric.records`), checked: types, the nodes a records
        formula may hold, a default where the formula can have no value."""
        try:
            expr, t = self.expr(d.expr, self.Scope(records=True, where=f"metric '{m.name}'"))
        except self.Fail:
            return m
        ok = True
        for node in formula_nodes(expr):
            if isinstance(node, ir.MetricRef) and node.name not in self.record_names:
                self.err("TL271", f"a records metric is computed from records only, not from metric '{node.name}'", node.span or d.span)
                ok = False
            elif isinstance(node, ir.Assignment) and node is not expr:
                self.err(
                    "TL271",
                    f"metric '{m.name}': an assignment is a metric of its own (`metric team: bool = assign ...`)",
                    node.span or d.span,
                )
                ok = False
                break
            elif isinstance(node, (*ir.TRACK_READS, ir.GateRef, ir.Compare, ir.And, ir.Or, ir.Not)):
                self.err(
                    "TL205",
                    f"metric '{m.name}' is a number computed from records; conditions belong in `where` and `having`",
                    node.span or d.span,
                )
                ok = False
                break
        if ok and not self.compatible(m.type, t, loose=self.is_constant(expr)):
            self.err("TL202", f"'{m.name}' is declared {m.type} but its formula is {t}", d.expr.span or d.span)
            ok = False
        if ok and m.type.kind is Kind.COUNT and not self._whole(expr):
            self.err(
                "TL202",
                f"'{m.name}' is a count (whole numbers), but its formula can give fractions",
                d.expr.span or d.span,
                hint="declare it `number` (or `percent`)",
            )
            ok = False
        reason = _needs_default(expr, self.related_tables)
        if ok and reason and m.default is None:
            self.err(
                "TL272",
                f"metric '{m.name}' has no value when {reason}: say what it is then with `default`",
                d.span,
                hint="e.g. `{ default 0 }`",
            )
        return replace(m, records=expr)

    def _whole(self, expr: ir.Expr) -> bool:
        """Whether a records formula gives whole numbers (what a count metric holds)."""
        for n in formula_nodes(expr):
            if isinstance(n, ir.Arith) and n.op == "/":
                return False
            if isinstance(n, ir.Const) and isinstance(n.value, Fraction) and n.value.denominator != 1:
                return False
            if isinstance(n, ir.Aggregate):
                agg = n.inner if n.inner is not None else n
                if agg.function in ("sum", "min", "max"):
                    column = self.related_tables[n.table].column(agg.column)  # type: ignore[arg-type]
                    if column is None or column.type.kind is not Kind.COUNT:
                        return False
            if isinstance(n, ir.MetricRef) and self.metric_types[n.name].kind is not Kind.COUNT:
                return False
        return True


def formula_nodes(expr: ir.Expr):
    """The nodes of a records formula, not descending into its aggregates' conditions."""
    stack = [expr]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, ir.Arith):
            stack += [n.left, n.right]
        elif isinstance(n, ir.Neg):
            stack.append(n.operand)
        elif isinstance(n, ir.Func):
            stack.extend(n.args)


def _needs_default(expr: ir.Expr, tables: dict[str, ir.RelatedTable]) -> str | None:
    """Why a records formula can have no value (division by a records metric that is 0, the
    min or max of no rows), or None."""
    for n in formula_nodes(expr):
        if isinstance(n, ir.Arith) and n.op == "/" and any(isinstance(x, (ir.MetricRef, ir.Aggregate)) for x in formula_nodes(n.right)):
            return "the divisor is 0"
        if isinstance(n, ir.Aggregate) and n.function in ("min", "max"):
            return "no rows are left"
        if isinstance(n, ir.Aggregate) and n.inner is not None and n.inner.function in ("min", "max"):
            column = tables[n.table].column(n.inner.column)  # type: ignore[arg-type]
            if column is not None and column.optional:
                return f"a group's '{column.name}' values are all empty"
    return None
