"""Which name is which: every declaration and every use of a name in a file, resolved.

The syntax tree (`syntax.ast`) keeps a span per node but not per name, and the IR keeps only
what a valid program means. This module walks a file's own syntax tree, resolves each name as
lowering does (`passes.lower`: one namespace for metrics, parameters, gates, groups, tracks,
tables and lists; a track's scores, then their lines and categories; levels and variants per
track; enum values against the metric or column they are compared with; in a row condition,
the table's columns and filters first, as `passes.records` reads them) in the context of the
file's `extends` chain, and pins each name to its token (`lsp.tokens`). The result feeds go-to-definition,
references, rename, hover, completion and semantic highlighting.

A symbol is identified by its kind, name and scope and by its *origin*: the file that declares
it first along the chain, so a child program's `override` of a parent's metric is the same
symbol, while two unrelated programs' metrics of one name are not.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

from tierlang.ir import Span
from tierlang.lsp.tokens import Token
from tierlang.passes.extends import Merged
from tierlang.syntax import ast

__all__ = [
    "Symbol",
    "Occurrence",
    "Context",
    "FileIndex",
    "index_file",
    "origins",
    "GLOBAL_KINDS",
    "LOCAL_KINDS",
    "KIND_WORDS",
    "DECLARATION_KINDS",
]

#: Kinds that share the program's one namespace (as `passes.lower` declares them).
GLOBAL_KINDS = ("metric", "param", "gate", "group", "track", "table", "list")
#: Top-level kinds with a namespace each (no rule reads them).
LOCAL_KINDS = ("partner", "example", "hold", "constraint")
#: How each kind is named in messages and hovers.
KIND_WORDS = {
    "metric": "metric",
    "param": "parameter",
    "gate": "gate",
    "group": "group",
    "track": "track",
    "level": "level",
    "score": "score",
    "category": "category",
    "line": "points line",
    "variant": "variant",
    "partner": "sample partner",
    "example": "example",
    "hold": "status rule",
    "table": "table",
    "list": "list",
    "column": "column",
    "filter": "row filter",
    "constraint": "constraint",
    "output": "output",
    "enum": "enum value",
    "program": "program",
}
#: The kind of each declaration of the syntax tree (what the outline and the edits call it).
DECLARATION_KINDS = {
    ast.ProgramDecl: "program",
    ast.MetricDecl: "metric",
    ast.ParamDecl: "param",
    ast.GateDecl: "gate",
    ast.ConstraintDecl: "constraint",
    ast.GroupDecl: "group",
    ast.TableDecl: "table",
    ast.RelatedTableDecl: "table",
    ast.ColumnDecl: "column",
    ast.FilterDecl: "filter",
    ast.ListDecl: "list",
    ast.TrackDecl: "track",
    ast.RowTrackDecl: "track",
    ast.OutputDecl: "output",
    ast.VariantDecl: "variant",
    ast.LevelDecl: "level",
    ast.ScoreDecl: "score",
    ast.CategoryDecl: "category",
    ast.LineDecl: "line",
    ast.PartnerDecl: "partner",
    ast.ExampleDecl: "example",
    ast.HoldDecl: "hold",
}
#: The top-level kind that holds each nested kind (its symbol takes that declaration's origin).
_CONTAINER = {"enum": "metric", "column": "table", "filter": "table"}


@dataclass(frozen=True)
class Symbol:
    """`scope` is the track of a level, score or variant; (track, score) for a category or
    line; the metric of an enum value, or (table, column) for an enum column's value; the
    related table of a column or row filter. `origin` is the absolute path of the declaring
    file."""

    kind: str
    name: str
    scope: tuple[str, ...] = ()
    origin: str = ""

    @property
    def label(self) -> str:
        return f"{KIND_WORDS[self.kind]} '{'.'.join(self.scope + (self.name,))}'"


@dataclass(frozen=True)
class Occurrence:
    """A name's token: `span.file` is the absolute path of the file it is in."""

    symbol: Symbol
    span: Span
    definition: bool = False
    #: the declaration node, for definitions (hover and outline read it)
    node: object = field(default=None, compare=False)


# ------------------------------------------------------------------ context


def _body_items(track: ast.TrackDecl) -> list[tuple[str | None, tuple]]:
    """(variant name, items) for each body of a track: its variants, or the track itself."""
    variants = [i for i in track.items if isinstance(i, ast.VariantDecl)]
    return [(v.name, v.items) for v in variants] or [(None, track.items)]


class Context:
    """What names mean in one program: the merged declarations of its `extends` chain."""

    def __init__(self, merged: Merged, origins: dict[tuple[str, str], str], root: str) -> None:
        self.items = merged.items
        self.header = merged.header
        self.origins = origins
        self.root = root
        self.globals: dict[str, ast.Item] = {}
        self.partners: dict[str, ast.PartnerDecl] = {}
        self.examples: dict[str, ast.ExampleDecl] = {}
        self.holds: dict[str, ast.HoldDecl] = {}  # status rules: a namespace of their own
        self.constraints: dict[str, ast.ConstraintDecl] = {}  # and input constraints
        local = {
            ast.PartnerDecl: self.partners,
            ast.ExampleDecl: self.examples,
            ast.HoldDecl: self.holds,
            ast.ConstraintDecl: self.constraints,
        }
        for item in merged.items:
            if type(item) in local:
                local[type(item)].setdefault(item.name, item)  # type: ignore[attr-defined]
            elif type(item) in ast.DECL_KEYWORD:
                self.globals.setdefault(item.name, item)
        self.tracks = {n: d for n, d in self.globals.items() if isinstance(d, ast.TrackDecl)}
        self.row_tracks = {n: d for n, d in self.globals.items() if isinstance(d, ast.RowTrackDecl)}
        self.tables = {n: d for n, d in self.globals.items() if isinstance(d, ast.RelatedTableDecl)}  # records
        self.groups = {n: d for n, d in self.globals.items() if isinstance(d, ast.GroupDecl)}
        self.metrics = {n: d for n, d in self.globals.items() if isinstance(d, ast.MetricDecl)}
        self._named: dict[tuple[str, str], list[str]] | None = None  # column_values, on demand
        self.group_members: dict[str, list[str]] = {}
        for t in self.tracks.values():
            for g in t.groups:
                self.group_members.setdefault(g, []).append(t.name)

    def origin(self, kind: str, name: str) -> str:
        return self.origins.get((kind, name), self.root)

    def symbol(self, kind: str, name: str, scope: tuple[str, ...] = ()) -> Symbol:
        """The symbol of a declaration; nested ones take their top-level container's origin."""
        if not scope:
            return Symbol(kind, name, (), self.origin(kind, name))
        container = "table" if kind == "enum" and len(scope) == 2 else _CONTAINER.get(kind, "track")
        return Symbol(kind, name, scope, self.origin(container, scope[0]))

    def global_kind(self, name: str) -> str | None:
        decl = self.globals.get(name)
        return ast.DECL_KEYWORD[type(decl)] if decl is not None else None

    # a track's parts
    def levels(self, track: str) -> list[ast.LevelDecl]:
        rows = self.row_tracks.get(track)
        if rows is not None:
            return [i for i in rows.items if isinstance(i, ast.LevelDecl)]
        t = self.tracks.get(track)
        if t is None:
            return []
        out: dict[str, ast.LevelDecl] = {}
        for _, items in _body_items(t):
            for i in items:
                if isinstance(i, ast.LevelDecl):
                    out.setdefault(i.name, i)
        return list(out.values())

    def variants(self, track: str) -> list[ast.VariantDecl]:
        t = self.tracks.get(track)
        return [i for i in t.items if isinstance(i, ast.VariantDecl)] if t is not None else []

    def scores(self, track: str, variant: str | None = None) -> dict[str, ast.ScoreDecl]:
        """The scores of a track (of one variant when given; else of any)."""
        t = self.tracks.get(track)
        out: dict[str, ast.ScoreDecl] = {}
        if t is None:
            return out
        for name, items in _body_items(t):
            if variant is not None and name != variant:
                continue
            for i in items:
                if isinstance(i, ast.ScoreDecl):
                    out.setdefault(i.name, i)
        return out

    def parts(self, track: str, score: str) -> dict[str, ast.LineDecl | ast.CategoryDecl]:
        """The lines and categories of a score, across the track's variants."""
        t = self.tracks.get(track)
        out: dict[str, ast.LineDecl | ast.CategoryDecl] = {}
        if t is None:
            return out
        for _, items in _body_items(t):
            for s in items:
                if not (isinstance(s, ast.ScoreDecl) and s.name == score):
                    continue
                for i in s.items:
                    if isinstance(i, (ast.LineDecl, ast.CategoryDecl)):
                        out.setdefault(i.name, i)
                    if isinstance(i, ast.CategoryDecl):
                        for line in i.items:
                            if isinstance(line, ast.LineDecl):
                                out.setdefault(line.name, line)
        return out

    def outputs(self, track: str) -> dict[str, ast.OutputDecl]:
        t = self.tracks.get(track)
        return {i.name: i for i in t.items if isinstance(i, ast.OutputDecl)} if t is not None else {}

    # a related table's parts: what its row conditions read first
    def columns(self, table: str | None) -> dict[str, ast.ColumnDecl]:
        t = self.tables.get(table or "")
        return {i.name: i for i in t.items if isinstance(i, ast.ColumnDecl)} if t is not None else {}

    def filters(self, table: str | None) -> dict[str, ast.FilterDecl]:
        t = self.tables.get(table or "")
        return {i.name: i for i in t.items if isinstance(i, ast.FilterDecl)} if t is not None else {}

    def column_values(self, table: str, column: str) -> tuple[str, ...]:
        """What a column's values may be, as far as the program says: an enum column's values,
        or the text values its rules name (`certification in LIST`, `offer == "Trial"`)."""
        c = self.columns(table).get(column)
        if c is None or c.type.kind not in ("enum", "text"):
            return ()
        if c.type.kind == "enum":
            return c.type.values
        if self._named is None:
            self._named = _values_named(self)
        return tuple(self._named.get((table, column), ()))

    def enum_values(self, metric: str) -> tuple[str, ...]:
        m = self.metrics.get(metric)
        return m.type.values if m is not None and m.type.kind == "enum" else ()

    def with_table(self, decl: ast.RelatedTableDecl) -> Context:
        """This context with a related table as declared so far (completion inside a table
        whose text does not parse yet, so that the parse left it out)."""
        out = copy.copy(self)
        out.tables = {**self.tables, decl.name: decl}
        return out

    def table_of(self, symbol: Symbol) -> str | None:
        """The related table a symbol is about: a records metric's (the rows its aggregate or
        people rule reads), a column's or filter's, an enum column value's, a track per row's
        and its levels'."""
        if symbol.kind == "metric":
            m = self.metrics.get(symbol.name)
            return m.expr.table if m is not None and isinstance(m.expr, ast.Aggregate | ast.Assign) else None
        if symbol.kind in ("column", "filter") or (symbol.kind == "enum" and len(symbol.scope) == 2):
            return symbol.scope[0]
        if symbol.kind in ("track", "level"):
            rows = self.row_tracks.get(symbol.scope[0] if symbol.scope else symbol.name)
            return rows.table if rows is not None else None
        return None

    def enum_scope_values(self, scope: tuple[str, ...]) -> tuple[str, ...]:
        """The values of the enum an enum value's scope names: (metric,) or (table, column)."""
        if len(scope) == 2:
            c = self.columns(scope[0]).get(scope[1])
            return c.type.values if c is not None and c.type.kind == "enum" else ()
        return self.enum_values(scope[0]) if scope else ()


# ------------------------------------------------------------------ tokens


class _Tokens:
    """A file's name tokens, searchable by position."""

    def __init__(self, tokens: Iterable[Token]) -> None:
        self.names = [t for t in tokens if t.is_name]
        self.keys = [(t.line, t.column) for t in self.names]

    def within(self, span: Span | None) -> Iterator[Token]:
        if span is None:
            return
        i = bisect.bisect_left(self.keys, (span.line, span.column))
        end = (span.end_line, span.end_column)
        while i < len(self.names) and self.keys[i] < end:
            yield self.names[i]
            i += 1

    def find(self, span: Span | None, name: str, after: Token | tuple[int, int] | None = None) -> Token | None:
        """The first token `name` inside `span` (after the token, or the (line, column),
        `after`, if given)."""
        if isinstance(after, Token):
            after = (after.line, after.column)
        for t in self.within(span):
            if after is not None and (t.line, t.column) <= after:
                continue
            if t.text == name:
                return t
        return None

    def parts(self, name: ast.Name) -> list[Token]:
        """The tokens of a dotted name's parts, in order."""
        out: list[Token] = []
        for t in self.within(name.span):
            if len(out) < len(name.parts) and t.text == name.parts[len(out)]:
                out.append(t)
        return out


# ------------------------------------------------------------------ the walk


@dataclass
class _Scope:
    track: str | None = None
    variant: str | None = None
    scores: frozenset[str] = frozenset()
    table: str | None = None  # a row condition's table: its columns and filters come first


class FileIndex:
    """The occurrences of one file, sorted by position."""

    def __init__(self, path: str, occurrences: list[Occurrence]) -> None:
        self.path = path
        self.occurrences = sorted(occurrences, key=lambda o: (o.span.line, o.span.column))
        self._keys = [(o.span.line, o.span.column) for o in self.occurrences]

    def at(self, line: int, column: int) -> Occurrence | None:
        """The occurrence whose token covers the 1-based (line, column), or ends just at it."""
        i = bisect.bisect_right(self._keys, (line, column)) - 1
        for j in (i, i + 1):
            if 0 <= j < len(self.occurrences):
                o = self.occurrences[j]
                if o.span.line == line and o.span.column <= column <= o.span.end_column:
                    return o
        return None

    def of(self, symbol: Symbol) -> list[Occurrence]:
        return [o for o in self.occurrences if o.symbol == symbol]


class _Indexer:
    def __init__(self, path: str, ctx: Context, tokens: _Tokens) -> None:
        self.path = path
        self.ctx = ctx
        self.tokens = tokens
        self.out: list[Occurrence] = []

    def add(self, symbol: Symbol, token: Token | None, definition: bool = False, node: object = None) -> None:
        if token is None:
            return
        span = Span(self.path, token.line, token.column, token.end_line, token.end_column)
        self.out.append(Occurrence(symbol, span, definition, node))

    def declare(self, kind: str, node, scope: tuple[str, ...] = ()) -> None:
        self.add(self.ctx.symbol(kind, node.name, scope), self.tokens.find(node.span, node.name), True, node)

    def enum_declared(self, type_: ast.TypeExpr, scope: tuple[str, ...], node) -> None:
        """The values of `enum(a, b)` in a metric's or a column's type."""
        start = self.tokens.find(type_.span, "enum")
        for v in type_.values:
            token = self.tokens.find(type_.span, v, start)
            self.add(self.ctx.symbol("enum", v, scope), token, True, node)
            start = token or start

    # -------------------------------------------------------------- declarations
    def item(self, item: ast.Item) -> None:
        if isinstance(item, ast.Override):
            self.item(item.decl)
        elif isinstance(item, ast.Remove):
            kind = item.kind if item.kind in GLOBAL_KINDS or item.kind in LOCAL_KINDS else None
            if kind is not None:
                self.add(self.ctx.symbol(kind, item.name), self.tokens.find(item.span, item.name))
        elif isinstance(item, ast.ProgramDecl):
            self.add(Symbol("program", item.name, (), self.path), self.tokens.find(item.span, item.name), True, item)
            for a in item.attrs:
                if a.kind == "status" and isinstance(a.value, str):
                    self.add(self.ctx.symbol("track", a.value), self.tokens.find(a.span, a.value))
        elif isinstance(item, ast.MetricDecl):
            self.declare("metric", item)
            self.enum_declared(item.type, (item.name,), item)
            if item.expr is not None:
                self.expr(item.expr, _Scope())
        elif isinstance(item, ast.ParamDecl):
            self.declare("param", item)
        elif isinstance(item, ast.GateDecl):
            self.declare("gate", item)
            self.expr(item.expr, _Scope())
        elif isinstance(item, ast.GroupDecl):
            self.declare("group", item)
        elif isinstance(item, ast.LevelOverride):  # `override level TRACK.LEVEL { ... }`
            track_token = self.tokens.find(item.span, item.track)
            self.add(self.ctx.symbol("track", item.track), track_token)
            lv = item.level
            self.add(self.ctx.symbol("level", lv.name, (item.track,)), self.tokens.find(item.span, lv.name, track_token), True, lv)
            scope = _Scope(item.track, None, frozenset(self.ctx.scores(item.track)))
            for r in lv.items or ():
                if isinstance(r, ast.Require):
                    self.expr(r.expr, scope)
        elif isinstance(item, ast.ConstraintDecl):
            self.declare("constraint", item)
            self.expr(item.expr, _Scope())
        elif isinstance(item, ast.TableDecl):
            self.table(item)
        elif isinstance(item, ast.ListDecl):
            self.declare("list", item)
        elif isinstance(item, ast.RelatedTableDecl):
            self.related_table(item)
        elif isinstance(item, ast.TrackDecl):
            self.track(item)
        elif isinstance(item, ast.RowTrackDecl):
            self.row_track(item)
        elif isinstance(item, ast.PartnerDecl):
            self.declare("partner", item)
            self.assignments(item.values)
        elif isinstance(item, ast.ExampleDecl):
            self.example(item)
        elif isinstance(item, ast.HoldDecl):
            self.declare("hold", item)
            after = self.tokens.find(item.span, "for")
            for target in item.targets:  # tracks or groups
                after = self.tokens.find(item.span, target, after)
                kind = self.ctx.global_kind(target)
                if kind in ("track", "group"):
                    self.add(self.ctx.symbol(kind, target), after)
        else:
            self.unknown(item, _Scope())

    def track(self, t: ast.TrackDecl) -> None:
        self.declare("track", t)
        name_token = self.tokens.find(t.span, t.name)
        after = name_token
        for g in t.groups:
            after = self.tokens.find(t.span, g, after)
            self.add(self.ctx.symbol("group", g), after)
        if t.highest is not None:  # `track NAME = highest ROWS`
            self.name(t.highest, _Scope())
        for variant, items in _body_items(t):
            scores = frozenset(i.name for i in items if isinstance(i, ast.ScoreDecl))
            scope = _Scope(t.name, variant, scores)
            for i in items:
                self.track_item(t, i, scope)
        for i in t.items:
            if isinstance(i, ast.OutputDecl):  # outputs belong to the track, beside its variants
                self.declare("output", i, (t.name,))
                self.expr(i.expr, _Scope(t.name, None, frozenset(self.ctx.scores(t.name))))
            elif isinstance(i, ast.VariantDecl):
                self.declare("variant", i, (t.name,))
            elif isinstance(i, ast.ChooseClassified):
                after = None
                for choice, cond in i.choices:
                    after = self.tokens.find(i.span, choice, after)
                    self.add(self.ctx.symbol("variant", choice, (t.name,)), after)
                    self.expr(cond, _Scope(t.name))
                    if cond.span is not None:
                        after = (cond.span.end_line, cond.span.end_column - 1)
                self.add(self.ctx.symbol("variant", i.otherwise, (t.name,)), self.tokens.find(i.span, i.otherwise, after))

    def table(self, t: ast.TableDecl) -> None:
        """A band table: its keys are rules' names; a band named by a value is an enum value
        of its key metric or a level of its key track."""
        self.declare("table", t)
        keys: list[ast.Expr] = []
        for i in t.items:
            if isinstance(i, ast.TableBy):
                keys = list(i.keys)
                for k in i.keys:
                    self.expr(k, _Scope())
            elif isinstance(i, ast.TableColumns):
                for b in i.bands:
                    self.band(b, keys[1] if len(keys) > 1 else None)
            elif isinstance(i, ast.TableRow):
                self.band(i.band, keys[0] if keys else None)
                for cell in i.cells:
                    self.cap(cell)

    def band(self, b: ast.BandExpr, key: ast.Expr | None) -> None:
        for end in (b.low, b.high):
            self.cap(end)
        if b.kind != "name" or b.name is None or not (isinstance(key, ast.Name) and len(key.parts) == 1):
            return
        head = key.parts[0]
        if self.ctx.global_kind(head) == "track":
            symbol = self.ctx.symbol("level", b.name, (head,))
        elif b.name in self.ctx.enum_values(head):
            symbol = self.ctx.symbol("enum", b.name, (head,))
        else:
            return
        self.add(symbol, self.tokens.find(b.span, b.name))

    # -------------------------------------------------------------- records
    def related_table(self, t: ast.RelatedTableDecl) -> None:
        self.declare("table", t)
        for i in t.items:
            if isinstance(i, ast.ColumnDecl):
                self.declare("column", i, (t.name,))
                self.enum_declared(i.type, (t.name, i.name), i)
            elif isinstance(i, ast.FilterDecl):
                self.declare("filter", i, (t.name,))
                self.expr(i.expr, _Scope(table=t.name))
            elif isinstance(i, ast.KeyDecl):
                after = None
                for c in i.columns:
                    after = self.tokens.find(i.span, c, after)
                    self.column(t.name, c, after)

    def column(self, table: str, name: str, token: Token | None) -> None:
        if name in self.ctx.columns(table):
            self.add(self.ctx.symbol("column", name, (table,)), token)

    def table_ref(self, table: str, span: Span | None, after: Token | tuple[int, int] | None = None) -> Token | None:
        """The token of TABLE in `span` (after `of`, after `after`, when the span holds them)."""
        token = self.tokens.find(span, table, self.tokens.find(span, "of", after))
        if self.ctx.global_kind(table) == "table":
            self.add(self.ctx.symbol("table", table), token)
        return token

    def row_track(self, t: ast.RowTrackDecl) -> None:
        """`track NAME per COLUMN of TABLE [where COND] { level ... }`: its conditions are row
        conditions of TABLE."""
        self.declare("track", t)
        column_token = self.tokens.find(t.span, t.column, self.tokens.find(t.span, "per"))
        self.column(t.table, t.column, column_token)
        self.table_ref(t.table, t.table_span or t.span, column_token)
        scope = _Scope(table=t.table)
        if t.where is not None:
            self.expr(t.where, scope)
        for i in t.items:
            if isinstance(i, ast.LevelDecl):
                self.declare("level", i, (t.name,))
                for r in i.items or ():
                    if isinstance(r, ast.Require):
                        self.expr(r.expr, scope)

    def aggregate(self, e: ast.Aggregate) -> None:
        """`AGG of TABLE [where COND] [per COLUMNS [having COND]]`."""
        inner = _Scope(table=e.table)
        self.expr(e.agg, inner)
        after = self.table_ref(e.table, e.table_span or e.span, _end(e.agg.span))
        if e.where is not None:
            self.expr(e.where, inner)
            after = _end(e.where.span) or after
        if e.per:
            after = self.tokens.find(e.span, "per", after)
            for c in e.per:
                after = self.tokens.find(e.span, c, after)
                self.column(e.table, c, after)
        if e.having is not None:
            self.expr(e.having, inner)

    def assign(self, e: ast.Assign) -> None:
        """`assign COLUMN of TABLE [where COND] ... { NEED: COUNT [where COND], ... }`."""
        column_token = self.tokens.find(e.span, e.column)
        self.column(e.table, e.column, column_token)
        self.table_ref(e.table, e.span, column_token)
        inner = _Scope(table=e.table)
        for x in _children(e):
            self.expr(x, inner)

    def track_item(self, t: ast.TrackDecl, i, scope: _Scope) -> None:
        if isinstance(i, ast.LevelDecl):
            self.declare("level", i, (t.name,))
            for r in i.items or ():
                if isinstance(r, ast.Require):
                    self.expr(r.expr, scope)
        elif isinstance(i, ast.ScoreDecl):
            self.declare("score", i, (t.name,))
            self.cap(i.cap)
            for part in i.items:
                if isinstance(part, ast.CategoryDecl):
                    self.declare("category", part, (t.name, i.name))
                    self.cap(part.cap)
                    for line in part.items:
                        if isinstance(line, ast.LineDecl):
                            self.line(t, i, line, scope)
                elif isinstance(part, ast.LineDecl):
                    self.line(t, i, part, scope)

    def line(self, t: ast.TrackDecl, s: ast.ScoreDecl, line: ast.LineDecl, scope: _Scope) -> None:
        self.declare("line", line, (t.name, s.name))
        self.expr(line.points, scope)
        if line.when is not None:
            self.expr(line.when, scope)

    def cap(self, cap) -> None:
        if isinstance(cap, ast.Name):
            self.name(cap, _Scope())

    def assignments(self, values: Iterable[ast.Assignment] | None) -> None:
        for a in values or ():
            self.add(self.ctx.symbol("metric", a.name), self.tokens.find(a.span, a.name))
            self.quoted_enum(a.value, (a.name,))

    def quoted_enum(self, value, enum: tuple[str, ...]) -> None:
        """An enum value written as a string (`tier = "gold"` in a partner's values, a row's
        cell in `given records`): the text between the quotes, so a rename keeps them."""
        span = getattr(value, "span", None)
        if not isinstance(value, ast.Str) or span is None or value.value not in self.ctx.enum_scope_values(enum):
            return
        if span.line != span.end_line or span.end_column - span.column != len(value.value) + 2:
            return  # written with escapes: not a plain copy of the name
        inner = Span(self.path, span.line, span.column + 1, span.line, span.end_column - 1)
        self.out.append(Occurrence(self.ctx.symbol("enum", value.value, enum), inner))

    def example(self, e: ast.ExampleDecl) -> None:
        self.declare("example", e)
        g = e.given
        if g.partner is not None:
            self.add(self.ctx.symbol("partner", g.partner), self.tokens.find(g.span, g.partner))
        self.assignments(g.values)
        for rows in g.records or ():  # `given records { TABLE (COLUMNS) { ... } }`
            after = self.tokens.find(rows.span, rows.table)
            if self.ctx.global_kind(rows.table) == "table":
                self.add(self.ctx.symbol("table", rows.table), after)
            for c in rows.columns:
                after = self.tokens.find(rows.span, c, after)
                self.column(rows.table, c, after)
            enums = [(i, (rows.table, c)) for i, c in enumerate(rows.columns) if self.ctx.enum_scope_values((rows.table, c))]
            for row in rows.rows:
                for i, enum in enums:
                    if i < len(row):
                        self.quoted_enum(row[i], enum)
        for x in e.expects:
            path = x.path.parts
            tokens = self.tokens.parts(x.path)
            track = path[0]
            if self.ctx.global_kind(track) != "track":
                continue
            self.add(self.ctx.symbol("track", track), tokens[0] if tokens else None)
            if len(path) == 2 and path[1] in self.ctx.outputs(track):
                self.add(self.ctx.symbol("output", path[1], (track,)), tokens[1] if len(tokens) > 1 else None)
            elif len(path) >= 2 and path[1] != "variant":
                self.add(self.ctx.symbol("score", path[1], (track,)), tokens[1] if len(tokens) > 1 else None)
                if len(path) == 3:
                    kind = self.part_kind(track, path[1], path[2])
                    if kind is not None:
                        self.add(self.ctx.symbol(kind, path[2], (track, path[1])), tokens[2] if len(tokens) > 2 else None)
            if isinstance(x.value, ast.LevelValue) and x.value.name is not None:
                kind = "variant" if path[1:] == ("variant",) else "level"
                self.add(self.ctx.symbol(kind, x.value.name, (track,)), self.tokens.find(x.value.span, x.value.name))

    def part_kind(self, track: str, score: str, part: str) -> str | None:
        """What `track.score.part` names: a category or a line (None: neither)."""
        decl = self.ctx.parts(track, score).get(part)
        if decl is None:
            return None
        return "category" if isinstance(decl, ast.CategoryDecl) else "line"

    def unknown(self, node, scope: _Scope) -> None:
        """A construct this index does not know yet (the language grows): its names are read
        as names in a rule, so definition and hover still work on them."""
        for child in _children(node):
            if isinstance(child, ast.Name):
                self.name(child, scope)
            else:
                self.unknown(child, scope)

    # -------------------------------------------------------------- expressions
    def expr(self, e, scope: _Scope) -> None:
        if isinstance(e, ast.Name):
            self.name(e, scope)
        elif isinstance(e, ast.Binary):
            enum = self.enum_of(e.left, scope) or self.enum_of(e.right, scope)
            for side in (e.left, e.right):
                if enum is not None and self.is_enum_value(side, enum, scope):
                    self.enum_use(side, enum)
                else:
                    self.expr(side, scope)
        elif isinstance(e, ast.InExpr):  # `COLUMN in {a, b}`: enum values; `COLUMN in LIST`
            self.expr(e.operand, scope)
            if isinstance(e.target, ast.Name):
                self.name(e.target, scope)
            elif isinstance(e.target, ast.ValueSet):
                enum = self.enum_of(e.operand, scope)
                for item in e.target.items:
                    if enum is not None and isinstance(item, ast.Name) and item.parts[0] in self.ctx.enum_scope_values(enum):
                        self.enum_use(item, enum)
        elif isinstance(e, ast.GroupOp):
            if isinstance(e.n, ast.Name):  # `at least PARAM of GROUP`
                self.name(e.n, scope)
            group_token = self.tokens.find(e.span, e.group, self.tokens.find(e.span, "of"))
            rows = e.group in self.ctx.row_tracks  # `at least N of ROWS at LEVEL`: a track per row
            self.add(self.ctx.symbol("track" if rows else "group", e.group), group_token)
            if e.level is not None:
                token = self.tokens.find(e.span, e.level, group_token)
                for member in [e.group] if rows else self.ctx.group_members.get(e.group, []):
                    self.add(self.ctx.symbol("level", e.level, (member,)), token)
        elif isinstance(e, ast.TrackAtExpr):
            self.name(e.track, scope)
            track = e.track.parts[0]
            last = self.tokens.parts(e.track)
            self.add(self.ctx.symbol("level", e.level, (track,)), self.tokens.find(e.span, e.level, last[-1] if last else None))
        elif isinstance(e, ast.EveryExpr):
            self.name(e.target, scope, every=True)
            self.expr(e.value, scope)
        elif isinstance(e, ast.Aggregate):
            self.aggregate(e)
        elif isinstance(e, ast.Assign):
            self.assign(e)
        elif isinstance(e, ast.GroupAgg):  # `sum COLUMN`, `(count where COND)` in a row scope
            if e.column is not None and scope.table is not None:
                self.column(scope.table, e.column, self.tokens.find(e.span, e.column))
            for child in _children(e):
                self.expr(child, scope)
        else:
            for child in _children(e):
                self.expr(child, scope)

    def enum_of(self, e, scope: _Scope) -> tuple[str, ...] | None:
        """The scope of the enum values `e` is compared with: (metric,) for an enum metric,
        (table, column) for an enum column in a row condition (the row's columns first)."""
        if not (isinstance(e, ast.Name) and len(e.parts) == 1):
            return None
        head = e.parts[0]
        column = self.ctx.columns(scope.table).get(head)
        if column is not None:
            return (scope.table, head) if column.type.kind == "enum" and scope.table is not None else None
        return (head,) if self.ctx.enum_values(head) else None

    def is_enum_value(self, e, enum: tuple[str, ...], scope: _Scope) -> bool:
        return (
            isinstance(e, ast.Name)
            and len(e.parts) == 1
            and e.parts[0] not in self.ctx.globals
            and e.parts[0] not in scope.scores
            and e.parts[0] not in self.ctx.columns(scope.table)
            and e.parts[0] in self.ctx.enum_scope_values(enum)
        )

    def enum_use(self, e: ast.Name, enum: tuple[str, ...]) -> None:
        value = e.parts[0]
        self.add(self.ctx.symbol("enum", value, enum), self.tokens.find(e.span, value))

    def name(self, n: ast.Name, scope: _Scope, every: bool = False) -> None:
        parts = n.parts[:-1] if every and n.parts[-1] == "points" else n.parts
        tokens = self.tokens.parts(n)
        head = parts[0] if parts else None
        if head is None:
            return
        if head in scope.scores and scope.track is not None:
            self.score_path(scope.track, parts, tokens)
            return
        if scope.table is not None:  # a row condition: the row's columns and filters first
            for kind, names in (("column", self.ctx.columns(scope.table)), ("filter", self.ctx.filters(scope.table))):
                if head in names:
                    self.add(self.ctx.symbol(kind, head, (scope.table,)), tokens[0] if tokens else None)
                    return
        kind = self.ctx.global_kind(head)
        if kind is None:
            return
        self.add(self.ctx.symbol(kind, head), tokens[0] if tokens else None)
        if kind == "track" and len(parts) > 1:
            self.score_path(head, parts[1:], tokens[1:])

    def score_path(self, track: str, parts: tuple[str, ...], tokens: list[Token]) -> None:
        score = parts[0]
        if score not in self.ctx.scores(track):
            return
        self.add(self.ctx.symbol("score", score, (track,)), tokens[0] if tokens else None)
        if len(parts) > 1:
            kind = self.part_kind(track, score, parts[1])
            if kind is not None:
                self.add(self.ctx.symbol(kind, parts[1], (track, score)), tokens[1] if len(tokens) > 1 else None)


def _end(span: Span | None) -> tuple[int, int] | None:
    """The position of a span's last character, to search for the tokens after it."""
    return (span.end_line, span.end_column - 1) if span is not None else None


def _values_named(ctx: Context) -> dict[tuple[str, str], list[str]]:
    """(table, column) -> the text values the program's row conditions name for the column:
    the values of `COLUMN in {...}` and of the lists of `COLUMN in LIST`, and `COLUMN == "..."`."""
    lists = {n: d for n, d in ctx.globals.items() if isinstance(d, ast.ListDecl)}
    out: dict[tuple[str, str], dict[str, None]] = {}

    def visit(node, table: str | None) -> None:
        if isinstance(node, ast.Aggregate | ast.Assign):
            table = node.table
        if table is not None and isinstance(node, ast.InExpr) and isinstance(node.operand, ast.Name):
            values: list[str] = []
            if isinstance(node.target, ast.Name) and node.target.parts[0] in lists:
                values = [v.value for v in lists[node.target.parts[0]].values]
            elif isinstance(node.target, ast.ValueSet):
                values = [i.value for i in node.target.items if isinstance(i, ast.Str)]
            out.setdefault((table, node.operand.parts[0]), {}).update(dict.fromkeys(values))
        if table is not None and isinstance(node, ast.Binary) and node.op in ("==", "!="):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(a, ast.Name) and isinstance(b, ast.Str):
                    out.setdefault((table, a.parts[0]), {})[b.value] = None
        for child in _children(node):
            visit(child, table)

    for item in ctx.items:
        decl = item.decl if isinstance(item, ast.Override) else item
        if isinstance(decl, ast.RelatedTableDecl):
            visit(decl, decl.name)
        elif isinstance(decl, ast.RowTrackDecl):
            visit(decl, decl.table)
        else:
            visit(decl, None)
    return {k: list(v) for k, v in out.items()}


def _children(node) -> Iterator:
    """The syntax nodes directly below `node` (through tuples)."""
    if not is_dataclass(node) or isinstance(node, type):
        return
    for f in fields(node):
        if f.name == "span":
            continue
        yield from _nodes(getattr(node, f.name))


def _nodes(value) -> Iterator:
    if isinstance(value, tuple):
        for v in value:
            yield from _nodes(v)
    elif is_dataclass(value) and not isinstance(value, type) and not isinstance(value, Span):
        yield value


def index_file(path: str, module: ast.Module, ctx: Context, tokens: Iterable[Token]) -> FileIndex:
    """The occurrences in one file (`module` is its own syntax tree, `ctx` its program's)."""
    indexer = _Indexer(path, ctx, _Tokens(tokens))
    for item in module.items:
        indexer.item(item)
    return FileIndex(path, indexer.out)


def origins(chain: list[tuple[Path, ast.Module]]) -> dict[tuple[str, str], str]:
    """For each top-level declaration (kind, name), the file of the chain that declares it
    first, the chain's farthest parent first."""
    out: dict[tuple[str, str], str] = {}
    for path, module in chain:
        for item in module.items:
            decl = item.decl if isinstance(item, ast.Override) else item
            kind = ast.DECL_KEYWORD.get(type(decl))
            if kind is not None:
                out.setdefault((kind, decl.name), str(path))
    return out
