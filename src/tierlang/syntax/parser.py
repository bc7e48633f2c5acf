"""Text → AST: the Lark LALR parser, a transformer into `syntax.ast` nodes, and the
translation of Lark's raw errors into named, friendly diagnostics (TL1xx)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import inspect
import json
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import GrammarError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from tierlang import atomic
from tierlang.diagnostics import Diagnostic, Note, did_you_mean, error
from tierlang.ir import Span
from tierlang.recursion import MAX_EXPR_DEPTH
from tierlang.syntax import ast, fastparse
from tierlang.syntax.fastparse import Fallback, FastParser
from tierlang.syntax.grammar import GRAMMAR_PATH, built_grammar_file, built_tables_file, grammar_text

__all__ = ["GRAMMAR_PATH", "ATTRIBUTE_KEYWORDS", "DECLARATION_KEYWORDS", "ParseResult", "grammar_text", "keywords", "parse", "parser"]

#: The most digits a number literal may have (TL116): exact arithmetic, but not thousands of digits.
MAX_NUMBER_DIGITS = 100

ATTRIBUTE_KEYWORDS = (
    "doc",
    "source",
    "assumed",
    "column",
    "unit",
    "range",
    "default",
    "higher",
    "lower",
    "from",
    "acknowledge",
    "optional",
)


class _Comments:
    """Collects comments of the parse in progress (Lark's lexer callbacks are per parser)."""

    items: list[Token] = []

    @classmethod
    def add(cls, token: Token) -> Token:
        cls.items.append(token)
        return token


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The process-wide parser. Built once; Lark's cache, in a folder only this user can
    write (`built_grammar_file`), makes later processes fast."""
    import lark

    text = grammar_text()
    return Lark(
        text,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=built_grammar_file(text, lark.__version__) or False,
        lexer_callbacks={"COMMENT": _Comments.add},
    )


@lru_cache(maxsize=1)
def keywords() -> frozenset[str]:
    """The words the grammar uses as keywords (avoid them as names). `most` is one: `at most`
    is one token (`_AT_MOST`), a pattern rather than a word."""
    words = {t.pattern.value for t in parser().terminals if t.pattern.type == "str" and t.pattern.value.isalpha()}
    return frozenset(words | {"most"})


# ------------------------------------------------------------------ AST building


class _SyntaxProblem(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Title(str):
    """A declaration's display title (distinguishes it from other string children)."""


class _Block(tuple):
    """The attributes of an `{ ... }` attribute block."""


#: grammars/tier.lark's LONG_STRING: `match` finds where the lexer ends a block string.
LONG_STRING = re.compile(r'"""(?:[^\\]|\\.)*?"""', re.S)


def _decode_string(text: str) -> str:
    """The value of a STRING or LONG_STRING token. A block string is dedented like a
    docstring (`inspect.cleandoc`), except that a line of blanks is an empty line however
    indented (as `textwrap.dedent` has it): the closing quotes' indentation is never text,
    even when some line is less indented than they are."""
    if text.startswith('"""'):
        lines = text[3:-3].replace('\\"', '"').split("\n")
        return inspect.cleandoc("\n".join(line if line.strip() else "" for line in lines))
    body = text[1:-1]
    if "\\" not in body:
        return body  # most strings: no escapes to decode
    out = []
    i = 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], "\\" + body[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _flatten(op: str, left, right) -> tuple:
    items = []
    for side in (left, right):
        if isinstance(side, ast.BoolOp) and side.op == op:
            items.extend(side.items)
        else:
            items.append(side)
    return tuple(items)


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive):
    # Not recursive: a chain of 10 000 `and`s is a tree 10 000 deep before it is flattened.

    def __init__(self, file: str) -> None:
        super().__init__(visit_tokens=False)  # no method for a token: each would be looked up in vain
        self.file = file
        self._bound: dict[str, object] = {}

    def _call_userfunc(self, tree, new_children=None):
        # As Lark's, but each rule's method is bound once: Lark binds a new `v_args` wrapper
        # (functools.update_wrapper) on every call, a tenth of the whole transform.
        f = self._bound.get(tree.data)
        if f is None:
            if not hasattr(self, tree.data):
                return super()._call_userfunc(tree, new_children)
            f = self._bound[tree.data] = getattr(self, tree.data)
        children = new_children if new_children is not None else tree.children
        try:
            wrapper = getattr(f, "visit_wrapper", None)
            return f(children) if wrapper is None else wrapper(f, tree.data, children, tree.meta)
        except GrammarError:
            raise
        except Exception as e:
            raise VisitError(tree.data, tree, e) from e

    # spans -------------------------------------------------------------
    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, tok: Token) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column + 1)

    @staticmethod
    def _split(children):
        """Pop (name, title) off the front of a declaration's children."""
        name = str(children[0])
        rest = list(children[1:])
        title = None
        if rest and isinstance(rest[0], _Title):
            title = str(rest.pop(0))
        return name, title, rest

    # module --------------------------------------------------------------
    def start(self, meta, children):
        return tuple(children)

    # literals ------------------------------------------------------------
    def string(self, meta, children):
        tok = children[0]
        return ast.Str(_decode_string(str(tok)), self._span(meta))

    def title(self, meta, children):
        return _Title(children[0].value)

    def _fraction(self, tok: Token) -> Fraction:
        text = str(tok)
        digits = sum(ch.isdigit() for ch in text) if len(text) > MAX_NUMBER_DIGITS else 0
        if digits > MAX_NUMBER_DIGITS:
            raise _SyntaxProblem(
                error(
                    "TL116",
                    f"number too long: {digits} digits, at most {MAX_NUMBER_DIGITS}",
                    self._tok_span(tok),
                    hint="a rule's numbers are thresholds and weights; check for pasted or repeated digits",
                )
            )
        whole, _, places = text.replace("_", "").partition(".")
        if not (whole + places).isdecimal():
            return Fraction(text.replace("_", ""))  # not the grammar's plain digits: let Fraction judge
        # exact, and without Fraction's parsing of text (a tenth of the parse of a large program)
        return Fraction(int(whole + places), 10 ** len(places)) if places else Fraction(int(whole))

    def number(self, meta, children):
        tok, currency = children[0], children[1] if len(children) > 1 else None
        text = str(tok)
        return ast.Num(self._fraction(tok), text, str(currency) if currency else None, self._span(meta))

    def neg(self, meta, children):
        (operand,) = children
        if isinstance(operand, ast.Num) and operand.value >= 0 and not operand.text.startswith("-"):
            return ast.Num(-operand.value, "-" + operand.text, operand.currency, self._span(meta))
        return ast.Unary("-", operand, self._span(meta))

    def _duration(unit):
        def method(self, meta, children):
            tok = children[0]
            value = self._fraction(tok)
            if value.denominator != 1:
                raise _SyntaxProblem(
                    error("TL100", f"a duration is a whole number of {unit}s, not {tok}", self._tok_span(tok), hint="e.g. `12 months`")
                )
            return ast.DurationLit(int(value), unit, str(tok), self._span(meta))

        return method

    days = _duration("day")
    months = _duration("month")
    years = _duration("year")
    del _duration

    def true(self, meta, children):
        return ast.Bool(True, self._span(meta))

    def false(self, meta, children):
        return ast.Bool(False, self._span(meta))

    def _date(self, tok: Token) -> _dt.date:
        try:
            return _dt.date.fromisoformat(str(tok))
        except ValueError:
            raise _SyntaxProblem(
                error(
                    "TL113",
                    f"'{tok}' is not a valid date",
                    self._tok_span(tok),
                    hint="dates are written YYYY-MM-DD, e.g. 2022-10-03",
                )
            ) from None

    def date(self, meta, children):
        return ast.DateLit(self._date(children[0]), self._span(meta))

    # expressions ---------------------------------------------------------
    def dotted(self, meta, children):
        return ast.Name(tuple(str(c) for c in children), self._span(meta))

    def or_(self, meta, children):
        return ast.BoolOp("or", _flatten("or", *children), self._span(meta))

    def and_(self, meta, children):
        return ast.BoolOp("and", _flatten("and", *children), self._span(meta))

    def not_(self, meta, children):
        return ast.Unary("not", children[0], self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return ast.Binary(str(op), left, right, self._span(meta))

    def _binary(op):
        def method(self, meta, children):
            return ast.Binary(op, children[0], children[1], self._span(meta))

        return method

    add = _binary("+")
    sub = _binary("-")
    mul = _binary("*")
    div = _binary("/")
    del _binary

    def call(self, meta, children):
        name, *args = children
        return ast.Call(str(name), tuple(a for a in args if a is not None), self._span(meta))

    def min_call(self, meta, children):
        return ast.Call("min", tuple(a for a in children if a is not None), self._span(meta))

    def max_call(self, meta, children):
        return ast.Call("max", tuple(a for a in children if a is not None), self._span(meta))

    # records -------------------------------------------------------------
    def value_set(self, meta, children):
        items = tuple(ast.Name((str(c),), self._tok_span(c)) if isinstance(c, Token) else c for c in children)
        return ast.ValueSet(items, self._span(meta))

    def _set_target(self, target):
        return ast.Name((str(target),), self._tok_span(target)) if isinstance(target, Token) else target

    def in_set(self, meta, children):
        operand, target = children
        return ast.InExpr(operand, self._set_target(target), False, self._span(meta))

    def not_in_set(self, meta, children):
        operand, target = children
        return ast.InExpr(operand, self._set_target(target), True, self._span(meta))

    def in_window(self, meta, children):
        operand, window = children
        return ast.InExpr(operand, window, False, self._span(meta))

    def is_empty(self, meta, children):
        return ast.IsEmpty(children[0], False, self._span(meta))

    def is_not_empty(self, meta, children):
        return ast.IsEmpty(children[0], True, self._span(meta))

    def _months(self, tok: Token) -> int:
        value = self._fraction(tok)
        if value.denominator != 1 or value < 1:
            raise _SyntaxProblem(error("TL100", f"a window counts whole months (1 or more), not {tok}", self._tok_span(tok)))
        return int(value)

    def window_last_month(self, meta, children):
        return ast.WindowExpr(1, 0, "last month", self._span(meta))

    def window_last(self, meta, children):
        n = self._months(children[0])
        return ast.WindowExpr(n, 0, f"last {n} month" + ("s" if n != 1 else ""), self._span(meta))

    def window_same_month_last_year(self, meta, children):
        return ast.WindowExpr(1, 12, "same month last year", self._span(meta))

    def _shifted(self, meta, w: ast.WindowExpr, months: int, words: str) -> ast.WindowExpr:
        return ast.WindowExpr(w.months, w.earlier + months, f"{w.text} {words} earlier", self._span(meta))

    def window_year_earlier(self, meta, children):
        return self._shifted(meta, children[0], 12, "a year")

    def window_months_earlier(self, meta, children):
        w, tok = children
        n = self._months(tok)
        return self._shifted(meta, w, n, f"{n} month" + ("s" if n != 1 else ""))

    def window_years_earlier(self, meta, children):
        w, tok = children
        n = self._months(tok)
        return self._shifted(meta, w, 12 * n, f"{n} year" + ("s" if n != 1 else ""))

    def agg_count(self, meta, children):
        return ast.GroupAgg("count", span=self._span(meta))

    def agg_count_distinct(self, meta, children):
        return ast.GroupAgg("count_distinct", str(children[0]), span=self._span(meta))

    def _agg(func):
        def method(self, meta, children):
            (target,) = children
            if isinstance(target, ast.GroupAgg):
                return ast.GroupAgg(func, None, target, span=self._span(meta))
            return ast.GroupAgg(func, str(target), span=self._span(meta))

        return method

    agg_sum = _agg("sum")
    agg_min = _agg("min")
    agg_max = _agg("max")
    del _agg

    def filtered_agg(self, meta, children):
        agg, where = children
        return ast.GroupAgg(agg.func, agg.column, agg.inner, where, self._span(meta))

    def where_clause(self, meta, children):
        return ("where", children[0])

    def having_clause(self, meta, children):
        return ("having", children[0])

    def per_clause(self, meta, children):
        names = tuple(str(c) for c in children if isinstance(c, Token))
        having = next((c[1] for c in children if isinstance(c, tuple)), None)
        return ("per", names, having)

    def each_at_most(self, meta, children):
        return ("capacity", self._count(children[0]))

    def need(self, meta, children):
        name, count, *rest = children
        where = rest[0][1] if rest else None
        return ast.Need(str(name), self._count(count), where, self._span(meta))

    def assign_people(self, meta, children):
        column, table, *rest = children
        where = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "where"), None)
        capacity = next((c[1] for c in rest if isinstance(c, tuple) and c[0] == "capacity"), None)
        needs = tuple(c for c in rest if isinstance(c, ast.Need))
        return ast.Assign(str(column), str(table), needs, where, capacity, self._span(meta))

    def aggregate(self, meta, children):
        agg, table, *rest = children
        where = next((c[1] for c in rest if c[0] == "where"), None)
        per = next((c for c in rest if c[0] == "per"), ("per", (), None))
        return ast.Aggregate(agg, str(table), self._tok_span(table), where, per[1], per[2], self._span(meta))

    def track_at(self, meta, children):
        ref, level = children
        return ast.TrackAtExpr(ref, str(level), span=self._span(meta))

    def track_at_exactly(self, meta, children):
        ref, level = children
        return ast.TrackAtExpr(ref, str(level), exact=True, span=self._span(meta))

    def expr_list(self, meta, children):
        return tuple(c for c in children if c is not None)

    def all_of(self, meta, children):
        return ast.ListOp("all", children[0], None, self._span(meta))

    def any_of(self, meta, children):
        return ast.ListOp("any", children[0], None, self._span(meta))

    def how_many(self, meta, children):
        return children[0]

    def _count(self, tok: Token) -> ast.Num | ast.Name:
        if tok.type == "NAME":  # a parameter: the checker resolves it
            return ast.Name((str(tok),), self._tok_span(tok))
        text = str(tok)
        value = self._fraction(tok)
        if value.denominator != 1:
            raise _SyntaxProblem(error("TL100", f"'at least' needs a whole number, not {text}", self._tok_span(tok)))
        return ast.Num(value, text, None, self._tok_span(tok))

    def at_least(self, meta, children):
        n, items = children
        return ast.ListOp("at_least", items, self._count(n), self._span(meta))

    def group_at_least(self, meta, children):
        n, group, level = children
        return ast.GroupOp(str(group), self._count(n), str(level) if level else None, span=self._span(meta))

    def group_all(self, meta, children):
        group, level = children
        return ast.GroupOp(str(group), None, str(level) if level else None, span=self._span(meta))

    def group_at_least_exactly(self, meta, children):
        n, group, level = children
        return ast.GroupOp(str(group), self._count(n), str(level), exact=True, span=self._span(meta))

    def group_all_exactly(self, meta, children):
        group, level = children
        return ast.GroupOp(str(group), None, str(level), exact=True, span=self._span(meta))

    def _undecided(kind):
        def method(self, meta, children):
            reason = children[0] if children else None
            return ast.UndecidedExpr(kind, reason.value if reason is not None else None, self._span(meta))

        return method

    undecided_unknown = _undecided("unknown")
    undecided_discretionary = _undecided("discretionary")
    undecided_invitation = _undecided("invitation")
    del _undecided

    def every(self, meta, children):
        target, op, value = children
        return ast.EveryExpr(target, str(op), value, self._span(meta))

    # attributes ------------------------------------------------------------
    def _attr(kind):
        def method(self, meta, children):
            value = children[0] if children else None
            if isinstance(value, ast.Str) and kind != "default":  # text attributes hold plain str
                value = value.value
            return ast.Attr(kind, value, self._span(meta))

        return method

    doc_attr = _attr("doc")
    source_attr = _attr("source")
    assumed_attr = _attr("assumed")
    column_attr = _attr("column")
    unit_attr = _attr("unit")
    default_attr = _attr("default")
    extends_attr = _attr("extends")
    version_attr = _attr("version")
    del _attr

    def higher_attr(self, meta, children):
        return ast.Attr("direction", "higher", self._span(meta))

    def lower_attr(self, meta, children):
        return ast.Attr("direction", "lower", self._span(meta))

    def optional_attr(self, meta, children):
        return ast.Attr("optional", True, self._span(meta))

    def internal_attr(self, meta, children):
        return ast.Attr("internal", True, self._span(meta))

    def effective_attr(self, meta, children):
        return ast.Attr("effective", ast.DateLit(self._date(children[0]), self._tok_span(children[0])), self._span(meta))

    def status_attr(self, meta, children):
        return ast.Attr("status", str(children[0]), self._span(meta))

    def range_low(self, meta, children):
        return ("low", children[0])

    def range_high(self, meta, children):
        return ("high", children[0])

    def range_attr(self, meta, children):
        bounds = dict(c for c in children if c is not None)
        return ast.Attr("range", (bounds.get("low"), bounds.get("high")), self._span(meta))

    def dated_attr(self, meta, children):
        tok, value = children
        return ast.Attr("dated", (ast.DateLit(self._date(tok), self._tok_span(tok)), value), self._span(meta))

    def acknowledge_attr(self, meta, children):
        code, reason = children
        return ast.Attr("acknowledge", (str(code), reason.value), self._span(meta))

    def attr_block(self, meta, children):
        return _Block(children)

    @staticmethod
    def _block(rest) -> tuple | None:
        blocks = [r for r in rest if isinstance(r, _Block)]
        return tuple(blocks[0]) if blocks else None

    # types -----------------------------------------------------------------
    def _simple(kind):
        def method(self, meta, children):
            return ast.TypeExpr(kind, span=self._span(meta))

        return method

    count_type = _simple("count")
    number_type = _simple("number")
    percent_type = _simple("percent")
    bool_type = _simple("bool")
    date_type = _simple("date")
    text_type = _simple("text")
    month_type = _simple("month")
    del _simple

    def money_type(self, meta, children):
        return ast.TypeExpr("money", currency=str(children[0]), span=self._span(meta))

    def enum_type(self, meta, children):
        values = tuple(c.value if isinstance(c, ast.Str) else str(c) for c in children)
        return ast.TypeExpr("enum", values=values, span=self._span(meta))

    def ordered_enum_type(self, meta, children):
        names = [str(c) for c in children if c.type == "NAME"]
        for op in (c for c in children if c.type == "CMP_OP"):
            if str(op) != "<":
                raise _SyntaxProblem(
                    error(
                        "TL100",
                        f"an ordered enum lists its values lowest first, separated by '<', not '{op}'",
                        self._tok_span(op),
                    )
                )
        return ast.TypeExpr("enum", values=tuple(names), ordered=True, span=self._span(meta))

    # declarations ----------------------------------------------------------
    def program_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.ProgramDecl(name, title, tuple(rest), self._span(meta))

    def metric_decl(self, meta, children):
        name, title, rest = self._split(children)
        type_ = rest.pop(0)
        expr = rest[0] if rest and not isinstance(rest[0], _Block) and rest[0] is not None else None
        return ast.MetricDecl(name, title, type_, expr, self._block(rest), self._span(meta))

    def param_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.ParamDecl(name, title, rest[0], self._block(rest[1:]), self._span(meta))

    def gate_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.GateDecl(name, title, rest[0], self._block(rest[1:]), self._span(meta))

    def constraint_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.ConstraintDecl(name, title, rest[0], self._block(rest[1:]), self._span(meta))

    def group_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.GroupDecl(name, title, self._block(rest), self._span(meta))

    def track_decl(self, meta, children):
        name, title, rest = self._split(children)
        groups = []
        while rest and isinstance(rest[0], Token):
            groups.append(str(rest.pop(0)))
        items = tuple(r for r in rest if r is not None)
        return ast.TrackDecl(name, title, groups[0] if groups else None, items, self._span(meta), also_in=tuple(groups[1:]))

    def row_track_decl(self, meta, children):
        name, title, rest = self._split(children)
        column, table = rest[0], rest[1]
        where = next((r[1] for r in rest[2:] if isinstance(r, tuple) and not isinstance(r, _Block) and r and r[0] == "where"), None)
        items = tuple(r for r in rest[2:] if isinstance(r, ast.Attr | ast.LevelDecl))
        return ast.RowTrackDecl(name, title, str(column), str(table), where, items, self._span(meta), self._tok_span(table))

    def rollup_track_decl(self, meta, children):
        name, title, rest = self._split(children)
        names = [r for r in rest if isinstance(r, Token)]
        group = str(names[0]) if len(names) == 2 else None
        rows = ast.Name((str(names[-1]),), self._tok_span(names[-1]))
        return ast.TrackDecl(name, title, group, self._block(rest) or (), self._span(meta), highest=rows)

    def output_decl(self, meta, children):
        name, title, rest = self._split(children)
        type_, expr = rest[0], rest[1]
        return ast.OutputDecl(name, title, type_, expr, self._block(rest[2:]), self._span(meta))

    def variant_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.VariantDecl(name, title, tuple(rest), self._span(meta))

    def choose_best(self, meta, children):
        return ast.ChooseBest(self._span(meta))

    def choice(self, meta, children):
        name, expr, tail = children
        if isinstance(tail, ast.ChooseClassified):
            return ast.ChooseClassified(((str(name), expr),) + tail.choices, tail.otherwise, self._span(meta))
        return ast.ChooseClassified(((str(name), expr),), str(tail), self._span(meta))

    def choose_classified(self, meta, children):
        c = children[0]
        return ast.ChooseClassified(c.choices, c.otherwise, self._span(meta))

    def independent(self, meta, children):
        return True

    def level_override(self, meta, children):
        track = str(children[0])
        level = self.level_decl(meta, children[1:])
        return ast.LevelOverride(track, level, self._span(meta))

    def level_decl(self, meta, children):
        name, title, rest = self._split(children)
        independent = False
        if rest and rest[0] is True:
            independent = True
            rest.pop(0)
        elif rest and rest[0] is None:  # the `independent?` placeholder
            rest.pop(0)
        # A level written without braces has no items and no block; with braces, a tuple.
        has_block = self._has_block(meta)
        items = tuple(rest) if has_block else None
        return ast.LevelDecl(name, title, independent, items, self._span(meta))

    def _has_block(self, meta) -> bool:
        return getattr(meta, "_tier_has_block", False)

    def require_stmt(self, meta, children):
        if len(children) == 2:
            label, expr = children
            return ast.Require(str(label) if label is not None else None, expr, self._span(meta))
        return ast.Require(None, children[0], self._span(meta))

    def cap(self, meta, children):
        value = children[0]
        return ast.Name((str(value),), self._tok_span(value)) if isinstance(value, Token) else value

    def score_decl(self, meta, children):
        name, title, rest = self._split(children)
        cap = rest.pop(0) if rest and isinstance(rest[0], (ast.Num, ast.Name)) else None
        return ast.ScoreDecl(name, title, cap, tuple(rest), self._span(meta))

    def category_decl(self, meta, children):
        name, title, rest = self._split(children)
        cap = rest.pop(0) if rest and isinstance(rest[0], (ast.Num, ast.Name)) else None
        return ast.CategoryDecl(name, title, cap, tuple(rest), self._span(meta))

    def line_decl(self, meta, children):
        name, title, rest = self._split(children)
        points = rest.pop(0)
        when = rest.pop(0) if rest and not isinstance(rest[0], _Block) else None
        return ast.LineDecl(name, title, points, when, self._block(rest), self._span(meta))

    # band tables -----------------------------------------------------------
    def table_decl(self, meta, children):
        name, title, rest = self._split(children)
        type_ = rest.pop(0)
        return ast.TableDecl(name, title, type_, tuple(r for r in rest if r is not None), self._span(meta))

    def table_by(self, meta, children):
        return ast.TableBy(tuple(c for c in children if c is not None), self._span(meta))

    def table_columns(self, meta, children):
        return ast.TableColumns(tuple(children), self._span(meta))

    def table_row(self, meta, children):
        band, *cells = children
        return ast.TableRow(band, tuple(cells), self._span(meta))

    def cell_param(self, meta, children):
        return ast.Name((str(children[0]),), self._span(meta))

    def band_bound(self, meta, children):
        (bound,) = children
        return ast.Name((str(bound),), self._tok_span(bound)) if isinstance(bound, Token) else bound

    def band_through(self, meta, children):
        low, high = children
        return ast.BandExpr("through", low, high, span=self._span(meta))

    def band_below(self, meta, children):
        low, high = children
        return ast.BandExpr("below", low, high, span=self._span(meta))

    def band_name(self, meta, children):
        return ast.BandExpr("name", name=str(children[0]), span=self._span(meta))

    def band_none(self, meta, children):
        return ast.BandExpr("none", span=self._span(meta))

    def band_else(self, meta, children):
        return ast.BandExpr("else", span=self._span(meta))

    # examples --------------------------------------------------------------
    def assignment(self, meta, children):
        name, value = children
        return ast.Assignment(str(name), value, self._span(meta))

    def assignments(self, meta, children):
        return tuple(c for c in children if c is not None)

    def partner_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.PartnerDecl(name, title, rest[0], self._span(meta))

    def given_values(self, meta, children):
        return ast.Given(None, children[0], self._span(meta))

    def row_none(self, meta, children):
        return None

    def records_row(self, meta, children):
        return (tuple(children), self._span(meta))

    def records_table(self, meta, children):
        name, *rest = children
        columns = tuple(str(c) for c in rest if isinstance(c, Token))
        rows = [r for r in rest if isinstance(r, tuple)]
        for values, span in rows:
            if len(values) != len(columns):
                raise _SyntaxProblem(
                    error(
                        "TL100",
                        f"this row has {len(values)} values; the header of '{name}' names {len(columns)} columns",
                        span,
                        hint=f"one value per column, in order: ({', '.join(columns)})",
                    )
                )
        return ast.RecordsTable(str(name), columns, tuple(v for v, _ in rows), self._span(meta))

    def given_records(self, meta, children):
        tables = tuple(c for c in children if isinstance(c, ast.RecordsTable))
        values = next((c for c in children if isinstance(c, tuple) and not isinstance(c, ast.RecordsTable)), None)
        return ast.Given(None, values, self._span(meta), tables)

    def given_partner(self, meta, children):
        name, *values = children  # `given p` alone has no `with { ... }` child
        return ast.Given(str(name), values[0] if values else None, self._span(meta))

    def level_value(self, meta, children):
        return ast.LevelValue(str(children[0]), self._span(meta))

    def none_value(self, meta, children):
        return ast.LevelValue(None, self._span(meta))

    def expect_stmt(self, meta, children):
        path, value = children
        return ast.Expect(path, value, self._span(meta))

    def as_of(self, meta, children):
        return ast.DateLit(self._date(children[0]), self._span(meta))

    def ratio(self, meta, children):
        num, den = children
        if den.value == 0 or num.currency or den.currency:
            raise _SyntaxProblem(error("TL100", "an expected ratio is two plain numbers, the second not 0: `80 / 3`", self._span(meta)))
        return ast.Num(num.value / den.value, f"{num.text} / {den.text}", None, self._span(meta))

    def example_decl(self, meta, children):
        name, title, rest = self._split(children)
        as_of = rest.pop(0) if isinstance(rest[0], ast.DateLit) else None
        given, *expects = rest
        return ast.ExampleDecl(name, title, given, tuple(expects), as_of, self._span(meta))

    def optional(self, meta, children):
        return True

    def column_decl(self, meta, children):
        name, title, rest = self._split(children)
        type_ = rest.pop(0)
        optional = bool(rest and rest[0] is True)
        if rest and rest[0] is True:
            rest.pop(0)
        return ast.ColumnDecl(name, title, type_, optional, self._block(rest), self._span(meta))

    def key_decl(self, meta, children):
        return ast.KeyDecl(tuple(str(c) for c in children), self._span(meta))

    def filter_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.FilterDecl(name, title, rest[0], self._block(rest[1:]), self._span(meta))

    def records_table_decl(self, meta, children):
        name, title, rest = self._split(children)
        return ast.RelatedTableDecl(name, title, tuple(r for r in rest if r is not None), self._span(meta))

    def list_decl(self, meta, children):
        name, title, rest = self._split(children)
        values = tuple(r for r in rest if isinstance(r, ast.Str))
        return ast.ListDecl(name, title, values, self._block(rest), self._span(meta))

    # status rules ------------------------------------------------------------
    def hold_decl(self, meta, children):
        name, title, rest = self._split(children)
        targets = tuple(str(r) for r in rest if isinstance(r, Token))
        items = tuple(r for r in rest if not isinstance(r, Token))
        return ast.HoldDecl(name, title, targets, items, self._span(meta))

    def _clause(kind):
        def method(self, meta, children):
            if kind in ("until", "from"):
                value = ast.DateLit(self._date(children[0]), self._tok_span(children[0]))
            elif kind == "grandfather":
                value = tuple(ast.DateLit(self._date(c), self._tok_span(c)) for c in children)
            else:
                value = children[0] if children else None
            return ast.HoldClause(kind, value, self._span(meta))

        return method

    hold_window = _clause("window")
    hold_anniversary = _clause("anniversary")
    hold_grace = _clause("grace")
    hold_until = _clause("until")
    hold_grandfather = _clause("grandfather")
    hold_lag = _clause("lag")
    hold_from = _clause("from")
    del _clause

    def override_decl(self, meta, children):
        return ast.Override(children[0], self._span(meta))

    def _kind(kind):
        def method(self, meta, children):
            return kind

        return method

    metric_kind = _kind("metric")
    param_kind = _kind("param")
    gate_kind = _kind("gate")
    group_kind = _kind("group")
    track_kind = _kind("track")
    partner_kind = _kind("partner")
    example_kind = _kind("example")
    table_kind = _kind("table")
    constraint_kind = _kind("constraint")
    list_kind = _kind("list")
    hold_kind = _kind("hold")
    del _kind

    def remove_decl(self, meta, children):
        kind, name = children
        return ast.Remove(kind, str(name), self._span(meta))


# ------------------------------------------------------------------ errors

# Example mistakes → (code, message, hint). Lark's `match_examples` finds the entry whose
# examples fail in the same parser state on the same kind of token as the real error.
_MISTAKES: dict[tuple[str, str, str | None], list[str]] = {
    (
        "TL104",
        "missing ',' between list items",
        "separate the items of a list with commas: `any { a >= 1, b >= 2 }`",
    ): [
        "partner p { a = 1 b = 2 }",
        "example e { given { a = 1 b = 2 } }",
        "example e { given p with { a = 1 b = 2 } }",
        "track t { level l { require any { a > 1 b > 2 } } }",
        "track t { level l { require all { a > 1 b > 2 } } }",
        "track t { level l { require at least 1 of { a > 1 b > 2 } } }",
    ],
    (
        "TL105",
        "'=' gives a value; to compare, write '==' (or '>=', '<=')",
        "requirements compare: `require certified_professionals >= 4`",
    ): [
        "track t { level l { require a = 1 } }",
        "track t { level l { require x: a = 1 } }",
        "gate g: a = 1",
        "track t { choose a when x = 1 else b }",
        "track t { score s { l: points a when b = 1 } }",
    ],
    (
        "TL106",
        "a points line needs the word 'points' before its formula",
        "write `net_adds: points 30 * clamp(net_customer_adds / 3)`",
    ): [
        "track t { score s { x: 3 } }",
        "track t { score s { x: a } }",
        'track t { score s { x "T": 3 } }',
        "track t { score s { category c { x: 3 } } }",
        "track t { score s { x: (a) } }",
        "track t { score s { x: -a } }",
    ],
    (
        "TL107",
        "numbers are written without thousands separators",
        "write 50000 or 50_000; commas separate list items",
    ): [
        "param p = 50,000",
        "metric m: count { default 1,000 }",
    ],
    (
        "TL121",
        "a dated value belongs inside the parameter's braces",
        "write `param NAME = 1 { from 2025-06-01 = 3 }`: the value in force before, then each change",
    ): [
        "param p = 1 from 2025-06-01 = 2",
        'param p "P" = 1 from 2025-06-01 = 2',
        "param p = 1 USD from 2025-06-01 = 2 USD",
    ],
    (
        "TL108",
        "expected a declaration (program, metric, param, gate, group, track, table, hold, partner, example, override or remove)",
        None,
    ): [
        "foo",
        "level l { }",
        "require a > 1",
        "score s { }",
        "x = 1",
        "metric m: count }",
        "metric m: count foo",
    ],
    (
        "TL109",
        "requirements belong inside a level's braces",
        "write `level NAME { require ... }` inside the track",
    ): [
        "track t { require a > 1 }",
        "track t { variant v { require a > 1 } }",
        "track t { score s { require a > 1 } }",
        "track t { level l require a > 1 }",
        'track t { level l "L" require a > 1 }',
    ],
    (
        "TL120",
        "a label names a whole requirement: `require NAME: ...`, not a condition inside a list",
        "drop the label, or give the condition its own `require NAME: ...` line or a named gate",
    ): [
        "track t { level l { require any { a: b > 1 } } }",
        "track t { level l { require all { a: b > 1 } } }",
        "track t { level l { require at least 1 of { a: b > 1 } } }",
        "track t { level l { require any { c > 2, a: b > 1 } } }",
    ],
    (
        "TL110",
        "points lines belong inside a score",
        "write `score NAME { line: points ... }` inside the track",
    ): [
        "track t { x: points 1 }",
        "track t { level l { x: points 1 } }",
    ],
    (
        "TL111",
        "a metric needs a type after ':' (count, number, percent, money USD, bool, date or enum(...))",
        "e.g. `metric certified_professionals: count`",
    ): [
        "metric m",
        "metric m {",
        "metric m:",
        "metric m: integer",
        'metric m "T"',
        "metric m: money",
    ],
    (
        "TL112",
        "unknown attribute",
        None,
    ): [
        "metric m: count { colum }",
        "param p = 1 { note }",
        "group g { title }",
        "program p { name }",
        "track t { title }",
        "track t { level l { title } }",
    ],
}


@lru_cache(maxsize=1)
def _terminal_text() -> dict[str, str]:
    """Terminal name → how to say it in a message."""
    names = {
        "NAME": "a name",
        "STRING": "a string",
        "LONG_STRING": "a string",
        "NUMBER": "a number",
        "DATE": "a date (YYYY-MM-DD)",
        "CURRENCY": "a currency code",
        "CMP_OP": "a comparison (>=, >, <=, <, ==, !=)",
        "_AT_MOST": "'at most'",
        "$END": "the end of the file",
    }
    for term in parser().terminals:
        if term.name not in names and term.pattern.type == "str":
            names[term.name] = f"'{term.pattern.value}'"
    return names


def _describe(token_type: str, value: str | None = None) -> str:
    if token_type == "$END":
        return "the end of the file"
    text = _terminal_text().get(token_type)
    if token_type in ("NAME", "NUMBER", "STRING", "LONG_STRING", "DATE") and value is not None:
        return f"{text.split(' ', 1)[1] if text else token_type} '{value}'"
    return text or f"'{value}'"


def _expected(expected) -> str:
    words = sorted({_describe(t) for t in expected if t not in ("COMMENT",)})
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


def _unclosed_brace(text: str, file: str) -> Span | None:
    """The `{` left open at the end of the text, ignoring strings and comments."""
    stack: list[tuple[int, int]] = []
    line, col, i = 1, 1, 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith('"""', i):
            end = text.find('"""', i + 3)
            end = n if end < 0 else end + 3
            chunk = text[i:end]
            line += chunk.count("\n")
            col = len(chunk) - chunk.rfind("\n") if "\n" in chunk else col + len(chunk)
            i = end
            continue
        if ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            col += j + 1 - i
            i = j + 1
            continue
        if ch == "{":
            stack.append((line, col))
        elif ch == "}" and stack:
            stack.pop()
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    if not stack:
        return None
    ln, cl = stack[-1]
    return Span(file, ln, cl, ln, cl + 1)


@lru_cache(maxsize=1)
def _mistake_states() -> list[tuple[int, str, tuple[str, str, str | None]]]:
    """(parser state, token type, label) of each example mistake, computed once."""
    out = []
    for label, examples in _MISTAKES.items():
        for text in examples:
            try:
                parser().parse(text)
            except UnexpectedToken as ut:
                out.append((ut.state.position, ut.token.type, label))
            except UnexpectedInput:
                continue
    return out


def _match_mistake(e: UnexpectedToken) -> tuple[str, str, str | None] | None:
    """The example mistake that failed in the same parser state as `e`: one with the same
    kind of token if there is one, else any. (Lark's `match_examples` also compares stack
    depth, so a mistake after other declarations would never match.)"""
    state = getattr(e, "state", None)
    if state is None:
        return None
    same_state = [(tok, label) for pos, tok, label in _mistake_states() if pos == state.position]
    for tok, label in same_state:
        if tok == e.token.type:
            return label
    if e.token.type == "$END":  # running out of text is its own mistake
        return None
    # a mistake about one token (a comma in a number, `from` after a value) says nothing of
    # another token in its place: `param p = 1 bogus` is no thousands separator
    loose = [label for _, label in same_state if label[0] not in _ONE_TOKEN_MISTAKES]
    return loose[0] if loose else None


#: Mistakes that only the token of their examples makes.
_ONE_TOKEN_MISTAKES = frozenset(("TL107", "TL121"))


#: Tokens that need a value after them: binary and comparison operators, 'not' and unary '-'.
_OPERATOR_TOKENS = frozenset(("CMP_OP", "PLUS", "MINUS", "STAR", "SLASH", "AND", "OR", "NOT"))
#: Expression rules whose last child is the operand of an operator.
_OPERATOR_RULES = frozenset(("compare", "add", "sub", "mul", "div", "neg", "and_", "or_", "not_"))
_OPERATOR_TEXT = re.compile(r"#[^\n]*|>=|<=|==|!=|[<>+\-*/]|\b(?:and|or|not)\b")


def _after_operator(op: str) -> str:
    if op in ("and", "or", "not"):
        return f"expected a condition after '{op}'"
    return f"expected a value after '{op}': a number, a parameter or a metric"


def _dangling_operator(e: UnexpectedToken, text: str, file: str) -> tuple[str, Span, str | None] | None:
    """An expression that ends in an operator: (operator, its span, the keyword read as a
    name after it or None), or None.

    Either the operator is the last token the parser took (`a >= }`), or the contextual lexer
    read the keyword that starts the next line as a name (`a >=` ⏎ `require b ...` parses as
    `a >= require` and fails at `b`): a keyword, on a later line than its operator."""
    state = getattr(getattr(e, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None)
    if not stack:
        return None
    top = stack[-1]
    if isinstance(top, Token):
        if top.type not in _OPERATOR_TOKENS:
            return None
        return str(top), Span(file, top.line, top.column, top.line, top.column + len(str(top))), None
    # Down the right edge of what the parser has built, to the last operator and its operand.
    node = top
    while isinstance(node, Tree) and node.children:
        last = node.children[-1]
        if node.data in _OPERATOR_RULES and isinstance(last, Tree) and last.data == "dotted" and len(last.children) == 1:
            word = last.children[0]
            if str(word) in keywords():
                found = _operator_before(node, word.start_pos, text, file)
                if found is not None and found[1].line < word.line:
                    return found[0], found[1], str(word)
            return None
        node = last
    return None


def _operator_before(node: Tree, end: int, text: str, file: str) -> tuple[str, Span] | None:
    """The operator of `node` written before offset `end`, read from the text."""
    if node.data in ("neg", "not_"):
        start = node.meta.start_pos
    else:
        left = node.children[-2]
        if isinstance(left, Token):
            start = left.start_pos
        elif isinstance(left, Tree) and not left.meta.empty:
            start = left.meta.end_pos
        else:
            return None
    for m in _OPERATOR_TEXT.finditer(text, start, end):
        if m.group().startswith("#"):
            continue
        pos = m.start()
        line = text.count("\n", 0, pos) + 1
        column = pos - text.rfind("\n", 0, pos)
        return m.group(), Span(file, line, column, line, column + len(m.group()))
    return None


def _incomplete(dangling: tuple[str, Span, str | None], found: str, notes: tuple[Note, ...]) -> Diagnostic:
    """TL117: an expression that ends in an operator."""
    op, span, word = dangling
    seen = Note(f"found '{word}' on the next line" if word else f"found {found}")
    return error(
        "TL117", _after_operator(op), span, notes=(seen, *notes), hint=f"complete the expression after '{op}', or remove the '{op}'"
    )


_EXPONENT = re.compile(r"(?<![\w.])(\d[\d_]*(?:\.\d[\d_]*)?)([eE][+-]?\d+)")


def _exponent(text: str, pos: int, file: str) -> Diagnostic | None:
    """TL118 when the `e` at offset `pos` is the exponent of a number (`1e5`, `2.5E-3`)."""
    start = pos
    while start > 0 and (text[start - 1].isdigit() or text[start - 1] in "._"):
        start -= 1
    m = _EXPONENT.match(text, start)
    if m is None or m.start(2) != pos:
        return None
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    span = Span(file, line, column, line, column + len(m.group()))
    try:
        value = Decimal(m.group().replace("_", ""))
        full = format(value, "f") if abs(value.adjusted()) <= MAX_NUMBER_DIGITS else None
    except InvalidOperation:
        full = None
    return error(
        "TL118",
        f"exponents are not supported: '{m.group()}'",
        span,
        hint=f"write numbers in full: {full}" if full else "write numbers in full",
    )


def _nested_category(e: UnexpectedToken, tok: Token, file: str) -> Diagnostic | None:
    """TL119: `category` inside a category's braces (read as a points line named
    'category', which then fails at the inner category's name)."""
    state = getattr(getattr(e, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None)
    prev = stack[-1] if stack else None
    if not (isinstance(prev, Token) and prev.type == "NAME" and str(prev) == "category" and tok.type == "NAME"):
        return None
    return error(
        "TL119",
        "a category cannot hold another category: categories hold points lines",
        Span(file, prev.line, prev.column, prev.line, prev.column + len("category")),
        hint="to cap some lines together, write them as one line, `min(CAP, a + b)`, or make the inner category one of the score's",
    )


def _trailing_operand(value: object) -> object:
    """The last operand of an expression on the parse stack (`b` of `a and b`)."""
    while isinstance(value, Tree) and value.data in ("and_", "or_", "not_") and value.children:
        value = value.children[-1]
    return value


def _source(value: object, text: str) -> str | None:
    """The text a parse-stack value was read from."""
    if isinstance(value, Token):
        return str(value)
    meta = getattr(value, "meta", None)
    if meta is None or meta.empty:
        return None
    return text[meta.start_pos : meta.end_pos]


def _at_most_mistake(e: UnexpectedToken, tok: Token, span: Span, text: str, file: str) -> Diagnostic | None:
    """`at most` / `at least` used as a comparison (`require certified at most 2`, read as
    the track `certified` at a level named `most`: TL123), and a people rule's `at most N
    each` written out of place (TL122)."""
    state = getattr(getattr(e, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None) or []
    prev = stack[-1] if stack else None
    expected = e.accepts or e.expected or ()
    limit = "a people rule's limit is written `at most N each` (how many needs one person may fill), after its `where` condition"
    if tok.type == "WHERE" and isinstance(prev, Token) and prev.type == "EACH":
        return error(
            "TL122",
            "the `where` condition of a people rule comes before `at most N each`",
            span,
            hint="write `assign person_id of TABLE where CONDITION at most N each { ... }`",
        )
    if tok.type == "NAME" and str(tok) == "each" and "_AT_MOST" in expected:
        return error(
            "TL122",
            limit,
            span,
            hint="write `at most N each` before the needs' `{` (e.g. `where active at most 2 each {`), or leave it out: one need per person",
        )
    last = _trailing_operand(prev)
    if tok.type == "_AT_MOST":  # lexed as one word where a people rule could follow
        word, subject, bound, read = "most", _source(last, text), "N", ""
    elif tok.type == "NUMBER" and isinstance(last, Tree) and last.data == "track_at" and str(last.children[-1]) in ("most", "least"):
        word, subject, bound = str(last.children[-1]), _source(last.children[0], text), str(tok)
        read = f": `{subject} at {word}` reads as the track `{subject}` at a level named `{word}`"
        if "_AT_MOST" in expected:
            return error("TL122", limit + f"; `at {word}` is not one", span, hint=f"write `at most {tok} each`")
    else:
        return None
    if subject is None:
        return None
    op = "<=" if word == "most" else ">="
    return error(
        "TL123",
        f"'at {word}' is not a comparison{read}",
        span,
        hint=f"write `{subject} {op} {bound}`",
    )


def _syntax_diagnostic(e: UnexpectedInput, text: str, file: str) -> Diagnostic:
    line = getattr(e, "line", 1) or 1
    column = getattr(e, "column", 1) or 1
    if isinstance(e, UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        span = Span(file, line, column, line, column + 1)
        two = text[e.pos_in_stream : e.pos_in_stream + 2]
        if ch == '"':
            return error(
                "TL102",
                "unterminated string",
                span,
                hint='close the string with " on the same line, or use """...""" for text over several lines',
            )
        if two in ("&&", "||"):
            word = "and" if two == "&&" else "or"
            return error("TL101", f"'{two}' is not an operator here", span, hint=f"write '{word}'")
        if ch == "'":
            return error("TL101", "strings use double quotes", span, hint="write \"text\", not 'text'")
        if ch in "eE":
            exponent = _exponent(text, e.pos_in_stream, file)
            if exponent is not None:
                return exponent
        if ch.isalpha() and ch.isupper():
            return error(
                "TL101",
                "names are lower-case: letters, digits and '_', starting with a letter",
                span,
                hint="write e.g. certified_professionals",
            )
        return error("TL101", f"unexpected character '{ch}'", span, hint=(f"expected {_expected(e.allowed)}" if e.allowed else None))

    token = getattr(e, "token", None)
    if isinstance(e, UnexpectedEOF) or (token is not None and token.type == "$END"):
        lines = text.splitlines() or [""]
        last = len(lines)
        span = Span(file, last, len(lines[-1]) + 1, last, len(lines[-1]) + 2)
        brace = _unclosed_brace(text, file)
        notes = (Note("this '{' is not closed", brace),) if brace else ()
        expected = getattr(e, "expected", None) or ()
        dangling = _dangling_operator(e, text, file) if isinstance(e, UnexpectedToken) else None
        if dangling is not None:
            return _incomplete(dangling, "the end of the file", notes)
        match = _match_mistake(e) if isinstance(e, UnexpectedToken) else None
        if match and match[0] != "TL108":
            return error(match[0], match[1], span, notes=notes, hint=match[2])
        return error(
            "TL103",
            "unexpected end of file" + (": a '{' is not closed" if brace else ""),
            span,
            notes=notes,
            hint=f"expected {_expected(expected)}" if expected else None,
        )

    assert isinstance(e, UnexpectedToken)
    tok = e.token
    end_col = (tok.end_column or column + len(str(tok))) if tok.end_line in (None, tok.line) else column + 1
    span = Span(file, tok.line, tok.column, tok.line, end_col)
    found = _describe(tok.type, str(tok))
    if tok.type == "CURRENCY" and "CURRENCY" not in (e.expected or ()):
        return error(
            "TL101", "names are lower-case: letters, digits and '_', starting with a letter", span, hint=f"write {str(tok).lower()}"
        )
    if tok.type == "NAME" and str(tok)[:1] in "eE":
        exponent = _exponent(text, tok.start_pos, file)
        if exponent is not None:
            return exponent
    dangling = _dangling_operator(e, text, file)
    if dangling is not None:
        return _incomplete(dangling, found, ())
    if str(tok) in _BLOCK_WORDS and tok.type != "NAME":
        # A declaration keyword where a block's contents were expected: a `}` is missing.
        brace = _unclosed_brace(text[: tok.start_pos], file)
        if brace is not None:
            return error(
                "TL103",
                f"a '{{' is not closed before this '{tok}'",
                span,
                notes=(Note("this '{' is not closed", brace),),
                hint="add the missing '}' at the end of the block",
            )
    nested = _nested_category(e, tok, file) or _at_most_mistake(e, tok, span, text, file)
    if nested is not None:
        return nested
    match = _match_mistake(e)
    if tok.type == "NAME" and not (match and match[0] == "TL112"):
        # A misspelt keyword ("requre") reads better as such than as whatever else a name
        # could have started in this place.
        words = sorted({_terminal_text()[t].strip("'") for t in (e.expected or ()) if _terminal_text().get(t, "").strip("'").isalpha()})
        hint = did_you_mean(str(tok), words, cutoff=0.75)
        if hint:
            return error("TL114", f"unknown word '{tok}'", span, hint=hint)
    if match:
        code, message, hint = match
        if code == "TL112":
            message = f"unknown attribute '{tok}'"
            hint = did_you_mean(str(tok), ATTRIBUTE_KEYWORDS) or f"attributes are: {', '.join(ATTRIBUTE_KEYWORDS)}"
        return error(code, message, span, notes=(Note(f"found {found}"),), hint=hint)
    return error("TL100", f"unexpected {found}", span, hint=f"expected {_expected(e.accepts or e.expected)}")


# ------------------------------------------------------------------ entry point


class ParseResult:
    __slots__ = ("module", "diagnostics")

    def __init__(self, module: ast.Module | None, diagnostics: list[Diagnostic]) -> None:
        self.module = module
        self.diagnostics = diagnostics


#: The words that start a top-level declaration (parsing resumes at them after an error).
DECLARATION_KEYWORDS = (
    "program",
    "metric",
    "param",
    "gate",
    "constraint",
    "group",
    "track",
    "partner",
    "example",
    "hold",
    "override",
    "remove",
    "table",
    "list",
)
#: Words that start a declaration or block: met where they cannot be, a '}' is usually missing.
_BLOCK_WORDS = frozenset(DECLARATION_KEYWORDS) | {"level", "score", "category", "variant", "choose"}
MAX_SYNTAX_ERRORS = 20


def _resync_line(text: str, after: int) -> int | None:
    """The first line after `after` that starts a top-level declaration (at column 1)."""
    for n, line in enumerate(text.split("\n")[after:], start=after + 1):
        word = line.split(" ", 1)[0].split("{", 1)[0]
        if word in DECLARATION_KEYWORDS:
            return n
    return None


@lru_cache(maxsize=1)
def _fast_parser() -> FastParser | None:
    """The one-pass parser of valid text over Lark's tables (`syntax.fastparse`): read from
    the tables file a first process wrote, else taken from the built Lark parser (and the file
    written for the next process)."""
    import lark

    try:  # the tables are what this code makes of the grammar: a change to it builds them again
        maker = hashlib.sha256(Path(fastparse.__file__).read_bytes()).hexdigest()
    except OSError:
        maker = None
    path = built_tables_file(grammar_text(), lark.__version__, maker) if maker is not None else None
    if path is not None:
        try:
            return _fast_parser_of(json.loads(path.read_bytes()))
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, re.error):
            pass  # none yet, or not whole: built again below
    tables = fastparse.tables(parser())
    if path is not None:
        with contextlib.suppress(OSError):
            atomic.write_text(path, json.dumps(tables))
    return _fast_parser_of(tables)


def _fast_parser_of(tables: dict) -> FastParser:
    return FastParser(tables, _ToAst, frozenset(("level_decl", "level_override")), _EXPR_RULES, MAX_EXPR_DEPTH)


def _comments(text: str, tokens: list[Token]) -> tuple[ast.Comment, ...]:
    # own line: nothing but white space between the line's start and the comment
    return tuple(ast.Comment(str(t), t.line, t.column, not text[t.start_pos - t.column + 1 : t.start_pos].strip()) for t in tokens)


def parse(text: str, file: str = "<string>") -> ParseResult:
    """Parse `.tier` text. Never raises for bad input: problems come back as diagnostics.

    After a syntax error, parsing resumes at the next line that starts a top-level
    declaration, so one run reports the syntax errors of several declarations."""
    _Comments.items = []
    text = text.removeprefix("\ufeff")  # a byte-order mark: invisible, not part of line 1
    fast = _fast_parser()
    if fast is not None:
        comment_tokens: list[Token] = []
        try:
            items = fast.parse(text, _ToAst(file), comment_tokens)
        except Fallback:
            pass  # Lark's parse below: it reports what the fast path does not handle
        else:
            return ParseResult(ast.Module(file, items, _comments(text, comment_tokens)), [])
    return _lark_parse(text, file)


def _lark_parse(text: str, file: str) -> ParseResult:
    """`parse` by Lark's parser and a transform of its syntax tree: what the fast path falls
    back on, with the diagnostics of bad text."""
    _Comments.items = []
    diagnostics: list[Diagnostic] = []
    attempt = text
    tree = None
    while True:
        try:
            tree = parser().parse(attempt)
        except UnexpectedInput as e:
            diagnostics.append(_syntax_diagnostic(e, attempt, file))
            line = getattr(e, "line", -1)
            nxt = _resync_line(text, line) if isinstance(line, int) and line > 0 else None
            if nxt is None or len(diagnostics) >= MAX_SYNTAX_ERRORS:
                break
            # Blank out what came before, so line and column numbers stay true.
            lines = text.split("\n")
            attempt = "\n" * (nxt - 1) + "\n".join(lines[nxt - 1 :])
            continue
        break
    if diagnostics:
        return ParseResult(None, diagnostics)
    comments = _comments(text, _Comments.items)
    _level_blocks(tree, text)
    deep = _too_deep(tree, file)
    if deep is not None:
        return ParseResult(None, [deep])
    try:
        items = _ToAst(file).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, _SyntaxProblem):
            return ParseResult(None, [e.orig_exc.diagnostic])
        raise
    return ParseResult(ast.Module(file, items, comments), [])


#: The rules of expressions: nesting among them counts towards `MAX_EXPR_DEPTH`.
_EXPR_RULES = frozenset(
    [
        "or_",
        "and_",
        "not_",
        "every",
        "compare",
        "add",
        "sub",
        "mul",
        "div",
        "neg",
        "call",
        "track_at",
        "all_of",
        "any_of",
        "at_least",
        "expr_list",
    ]
)
#: Chains that the syntax tree flattens: `a and b and c` nests in Lark's tree, not in the AST.
_FLAT = frozenset(("and_", "or_"))


def _too_deep(tree: Tree, file: str) -> Diagnostic | None:
    """TL115 for the first expression nested deeper than `MAX_EXPR_DEPTH` (walked without
    recursion), pointing at the outermost expression that holds it."""
    stack: list[tuple[Tree, int, Tree | None]] = [(tree, 0, None)]
    while stack:
        node, depth, top = stack.pop()
        for child in node.children:
            if not isinstance(child, Tree):
                continue
            if child.data not in _EXPR_RULES:
                stack.append((child, depth, top))
                continue
            d = depth if (child.data in _FLAT and child.data == node.data) else depth + 1
            if d > MAX_EXPR_DEPTH:
                where = top if top is not None else child
                m = where.meta
                return error(
                    "TL115",
                    f"expression too deeply nested: more than {MAX_EXPR_DEPTH} levels",
                    Span(file, m.line, m.column, m.end_line, m.end_column),
                    hint="split it up: give parts of it their own metric or gate, and combine those",
                )
            stack.append((child, d, top if top is not None else child))
    return None


def _level_blocks(tree, text: str) -> None:
    """A level's braces are anonymous tokens the tree drops; look at the text instead."""
    starts = None  # offset of each line's first character, found once (not once per level)
    for sub in tree.iter_subtrees():
        if sub.data not in ("level_decl", "level_override") or sub.meta.empty:
            continue
        if starts is None:
            starts = [0] + [m.end() for m in re.finditer("\n", text)]
        # The level has a block exactly when its source text ends with '}'.
        end = starts[sub.meta.end_line - 1] + sub.meta.end_column - 1
        sub.meta._tier_has_block = text[end - 1 : end] == "}"
