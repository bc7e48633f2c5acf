"""Hypothesis strategies for .tier syntax trees, in the normal form the parser produces
(and-chains flattened, negative number literals folded), so that
`parse(format(tree)) == tree` can be asserted exactly."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import strategies as st

from tierlang.syntax import ast
from tierlang.syntax.parser import keywords

KEYWORDS = keywords() | {"min", "max", "clamp"}

names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(lambda n: n not in KEYWORDS)
currencies = st.sampled_from(["USD", "EUR", "GBP"])
single_line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
multi_line = st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters='"\\'), min_size=1, max_size=12),
    min_size=2,
    max_size=4,
).map("\n".join)
strings = st.one_of(single_line, multi_line)
titles = st.none() | strings
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@st.composite
def numbers(draw, negative: bool = True, currency: bool = True) -> ast.Num:
    whole = draw(st.integers(0, 10**7))
    frac = draw(st.none() | st.from_regex(r"[0-9]{1,3}", fullmatch=True))
    text = str(whole) + (f".{frac}" if frac else "")
    if negative and draw(st.booleans()):
        text = "-" + text
    cur = draw(currencies) if currency and draw(st.integers(0, 5)) == 0 else None
    return ast.Num(Fraction(text), text, cur)


literals = st.one_of(
    numbers(),
    st.builds(ast.Bool, st.booleans()),
    st.builds(ast.DateLit, dates),
    st.builds(ast.Str, single_line),
)
dotted = st.lists(names, min_size=1, max_size=3).map(lambda parts: ast.Name(tuple(parts)))
cmp_ops = st.sampled_from([">=", ">", "<=", "<", "==", "!="])


def _bool_op(op: str):
    def build(items):
        flat = []
        for i in items:
            flat.extend(i.items if isinstance(i, ast.BoolOp) and i.op == op else [i])
        return ast.BoolOp(op, tuple(flat))

    return build


def _neg(e):
    if isinstance(e, ast.Num) and not e.text.startswith("-"):
        return ast.Num(-e.value, "-" + e.text, e.currency)
    return ast.Unary("-", e)


atoms = st.one_of(
    numbers(negative=False),
    st.builds(ast.Bool, st.booleans()),
    st.builds(ast.DateLit, dates),
    dotted,
    st.builds(ast.TrackAtExpr, dotted, names),
    st.builds(lambda g, n, lv: ast.GroupOp(g, ast.Num(Fraction(n), str(n)), lv), names, st.integers(0, 9), st.none() | names),
    st.builds(lambda g, lv: ast.GroupOp(g, None, lv), names, st.none() | names),
)


def _extend(children):
    pairs = st.tuples(children, children)
    return st.one_of(
        st.builds(lambda op, p: ast.Binary(op, *p), st.sampled_from(["+", "-", "*", "/"] + [">=", "<", "=="]), pairs),
        st.builds(_neg, children),
        st.builds(lambda e: ast.Unary("not", e), children),
        st.builds(_bool_op("and"), st.lists(children, min_size=2, max_size=3)),
        st.builds(_bool_op("or"), st.lists(children, min_size=2, max_size=3)),
        st.builds(
            lambda f, args: ast.Call(f, tuple(args)), st.sampled_from(["min", "max", "clamp"]), st.lists(children, min_size=1, max_size=3)
        ),
        st.builds(lambda op, items: ast.ListOp(op, tuple(items)), st.sampled_from(["all", "any"]), st.lists(children, max_size=4)),
        st.builds(
            lambda n, items: ast.ListOp("at_least", tuple(items), ast.Num(Fraction(n), str(n))),
            st.integers(0, 5),
            st.lists(children, max_size=4),
        ),
        st.builds(ast.EveryExpr, dotted, cmp_ops, children),
    )


exprs = st.recursive(atoms, _extend, max_leaves=8)


def _attr(kind: str, value) -> ast.Attr:
    return ast.Attr(kind, value)


attrs = st.one_of(
    st.builds(_attr, st.sampled_from(["doc", "source", "assumed", "column", "unit"]), strings),
    st.builds(lambda lo, hi: _attr("range", (lo, hi)), st.none() | numbers(currency=False), st.none() | numbers(currency=False)),
    st.builds(lambda v: _attr("default", v), literals),
    st.builds(lambda v: _attr("direction", v), st.sampled_from(["higher", "lower"])),
    st.builds(lambda d, v: _attr("dated", (ast.DateLit(d), v)), dates, literals),
)
attr_blocks = st.none() | st.lists(attrs, max_size=3).map(tuple)

types = st.one_of(
    st.builds(ast.TypeExpr, st.sampled_from(["count", "number", "percent", "bool", "date"])),
    st.builds(lambda c: ast.TypeExpr("money", currency=c), currencies),
    st.builds(lambda vs: ast.TypeExpr("enum", values=tuple(vs)), st.lists(names, min_size=1, max_size=3)),
    st.builds(lambda vs: ast.TypeExpr("enum", values=tuple(vs), ordered=True), st.lists(names, min_size=2, max_size=3)),
)

metric_decls = st.builds(ast.MetricDecl, names, titles, types, st.none() | exprs, attr_blocks)
param_decls = st.builds(ast.ParamDecl, names, titles, literals, attr_blocks)
gate_decls = st.builds(ast.GateDecl, names, titles, exprs, attr_blocks)
group_decls = st.builds(ast.GroupDecl, names, titles, attr_blocks)
caps = st.none() | numbers(currency=False) | names.map(lambda n: ast.Name((n,)))
line_decls = st.builds(ast.LineDecl, names, titles, exprs, st.none() | exprs, attr_blocks)
category_decls = st.builds(ast.CategoryDecl, names, titles, caps, st.lists(st.one_of(attrs, line_decls), max_size=3).map(tuple))
score_decls = st.builds(ast.ScoreDecl, names, titles, caps, st.lists(st.one_of(attrs, line_decls, category_decls), max_size=3).map(tuple))
requires = st.builds(ast.Require, st.none() | names, exprs)
level_decls = st.builds(
    ast.LevelDecl,
    names,
    titles,
    st.booleans(),
    st.none() | st.lists(st.one_of(attrs, requires), max_size=3).map(tuple),
)
chooses = st.one_of(
    st.builds(ast.ChooseBest),
    st.builds(lambda cs, other: ast.ChooseClassified(tuple(cs), other), st.lists(st.tuples(names, exprs), min_size=1, max_size=2), names),
)
variant_decls = st.builds(ast.VariantDecl, names, titles, st.lists(st.one_of(attrs, score_decls, level_decls), max_size=3).map(tuple))
track_decls = st.builds(
    ast.TrackDecl,
    names,
    titles,
    st.none() | names,
    st.lists(st.one_of(attrs, score_decls, level_decls, variant_decls, chooses), max_size=4).map(tuple),
)
assignments = st.lists(st.builds(ast.Assignment, names, literals), max_size=5).map(tuple)
partner_decls = st.builds(ast.PartnerDecl, names, titles, assignments)
givens = st.one_of(
    st.builds(lambda v: ast.Given(None, v), assignments),
    st.builds(lambda p: ast.Given(p, None), names),
    st.builds(ast.Given, names, assignments),
)
expect_values = st.one_of(literals, st.builds(ast.LevelValue, st.none() | names))
example_decls = st.builds(
    ast.ExampleDecl, names, titles, givens, st.lists(st.builds(ast.Expect, dotted, expect_values), max_size=3).map(tuple)
)
decls = st.one_of(metric_decls, param_decls, gate_decls, group_decls, track_decls, partner_decls, example_decls)
items = st.one_of(
    decls,
    st.builds(ast.Override, decls),
    st.builds(ast.Remove, st.sampled_from(["metric", "param", "gate", "group", "track", "partner", "example"]), names),
)
header_attrs = st.lists(
    st.one_of(
        st.builds(_attr, st.sampled_from(["doc", "source", "version", "extends"]), strings),
        st.builds(lambda d: _attr("effective", ast.DateLit(d)), dates),
        st.builds(lambda n: _attr("status", n), names),
    ),
    max_size=3,
).map(tuple)
headers = st.builds(ast.ProgramDecl, names, titles, header_attrs)
modules = st.builds(lambda h, rest: ast.Module("gen.tier", (h, *rest)), headers, st.lists(items, max_size=6))
