"""Which name is which: every declaration and every use of a name in a file, resolved.

The syntax tree (`syntax.ast`) keeps a span per node but not per name, and the IR keeps only
what a valid program means. This module walks a file's own syntax tree, resolves each name as
lowering does (`passes.lower`: one namespace for metrics, parameters, gates, groups and
tracks; a track's scores, then their lines and categories; levels and variants per track; enum
values against the metric they are compared with) in the context of the file's `extends`
chain, and pins each name to its token (`lsp.tokens`). The result feeds go-to-definition,
references, rename, hover, completion and semantic highlighting.

A symbol is identified by its kind, name and scope and by its *origin*: the file that declares
it first along the chain, so a child program's `override` of a parent's metric is the same
symbol, while two unrelated programs' metrics of one name are not.
"""

from __future__ import annotations

import bisect
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
GLOBAL_KINDS = ("metric", "param", "gate", "group", "track")
#: Top-level kinds with a namespace each.
LOCAL_KINDS = ("partner", "example", "hold")
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
    "enum": "enum value",
    "program": "program",
}
#: The kind of each declaration of the syntax tree (what the outline and the edits call it).
DECLARATION_KINDS = {
    ast.ProgramDecl: "program",
    ast.MetricDecl: "metric",
    ast.ParamDecl: "param",
    ast.GateDecl: "gate",
    ast.GroupDecl: "group",
    ast.TrackDecl: "track",
    ast.VariantDecl: "variant",
    ast.LevelDecl: "level",
    ast.ScoreDecl: "score",
    ast.CategoryDecl: "category",
    ast.LineDecl: "line",
    ast.PartnerDecl: "partner",
    ast.ExampleDecl: "example",
    ast.HoldDecl: "hold",
}


@dataclass(frozen=True)
class Symbol:
    """`scope` is the track of a level, score or variant; (track, score) for a category or
    line; the metric of an enum value. `origin` is the absolute path of the declaring file."""

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
        local = {ast.PartnerDecl: self.partners, ast.ExampleDecl: self.examples, ast.HoldDecl: self.holds}
        for item in merged.items:
            if type(item) in local:
                local[type(item)].setdefault(item.name, item)  # type: ignore[attr-defined]
            elif type(item) in ast.DECL_KEYWORD:
                self.globals.setdefault(item.name, item)
        self.tracks = {n: d for n, d in self.globals.items() if isinstance(d, ast.TrackDecl)}
        self.groups = {n: d for n, d in self.globals.items() if isinstance(d, ast.GroupDecl)}
        self.metrics = {n: d for n, d in self.globals.items() if isinstance(d, ast.MetricDecl)}
        self.group_members: dict[str, list[str]] = {}
        for t in self.tracks.values():
            if t.group is not None:
                self.group_members.setdefault(t.group, []).append(t.name)

    def origin(self, kind: str, name: str) -> str:
        return self.origins.get((kind, name), self.root)

    def symbol(self, kind: str, name: str, scope: tuple[str, ...] = ()) -> Symbol:
        """The symbol of a declaration; nested ones take their top-level container's origin."""
        if not scope:
            return Symbol(kind, name, (), self.origin(kind, name))
        top_kind = "metric" if kind == "enum" else "track"
        return Symbol(kind, name, scope, self.origin(top_kind, scope[0]))

    def global_kind(self, name: str) -> str | None:
        decl = self.globals.get(name)
        return ast.DECL_KEYWORD[type(decl)] if decl is not None else None

    # a track's parts
    def levels(self, track: str) -> list[ast.LevelDecl]:
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

    def enum_values(self, metric: str) -> tuple[str, ...]:
        m = self.metrics.get(metric)
        return m.type.values if m is not None and m.type.kind == "enum" else ()


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
            start = self.tokens.find(item.type.span, "enum")
            for v in item.type.values:
                token = self.tokens.find(item.type.span, v, start)
                self.add(self.ctx.symbol("enum", v, (item.name,)), token, True, item)
                start = token or start
            if item.expr is not None:
                self.expr(item.expr, _Scope())
        elif isinstance(item, ast.ParamDecl):
            self.declare("param", item)
        elif isinstance(item, ast.GateDecl):
            self.declare("gate", item)
            self.expr(item.expr, _Scope())
        elif isinstance(item, ast.GroupDecl):
            self.declare("group", item)
        elif isinstance(item, ast.TrackDecl):
            self.track(item)
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
        if t.group is not None:
            self.add(self.ctx.symbol("group", t.group), self.tokens.find(t.span, t.group, name_token))
        for variant, items in _body_items(t):
            scores = frozenset(i.name for i in items if isinstance(i, ast.ScoreDecl))
            scope = _Scope(t.name, variant, scores)
            for i in items:
                self.track_item(t, i, scope)
        for i in t.items:
            if isinstance(i, ast.VariantDecl):
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

    def example(self, e: ast.ExampleDecl) -> None:
        self.declare("example", e)
        g = e.given
        if g.partner is not None:
            self.add(self.ctx.symbol("partner", g.partner), self.tokens.find(g.span, g.partner))
        self.assignments(g.values)
        for x in e.expects:
            path = x.path.parts
            tokens = self.tokens.parts(x.path)
            track = path[0]
            if self.ctx.global_kind(track) != "track":
                continue
            self.add(self.ctx.symbol("track", track), tokens[0] if tokens else None)
            if len(path) >= 2 and path[1] != "variant":
                self.add(self.ctx.symbol("score", path[1], (track,)), tokens[1] if len(tokens) > 1 else None)
                if len(path) == 3:
                    kind = self.part_kind(track, path[1], path[2])
                    if kind is not None:
                        self.add(self.ctx.symbol(kind, path[2], (track, path[1])), tokens[2] if len(tokens) > 2 else None)
            if isinstance(x.value, ast.LevelValue) and x.value.name is not None:
                kind = "variant" if path[1:] == ("variant",) else "level"
                self.add(self.ctx.symbol(kind, x.value.name, (track,)), self.tokens.find(x.value.span, x.value.name))

    def part_kind(self, track: str, score: str, part: str) -> str | None:
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
            enum = self.enum_metric(e.left) or self.enum_metric(e.right)
            for side in (e.left, e.right):
                if enum is not None and self.is_enum_value(side, enum, scope):
                    value = side.parts[0]
                    self.add(self.ctx.symbol("enum", value, (enum,)), self.tokens.find(side.span, value))
                else:
                    self.expr(side, scope)
        elif isinstance(e, ast.GroupOp):
            if isinstance(e.n, ast.Name):  # `at least PARAM of GROUP`
                self.name(e.n, scope)
            group_token = self.tokens.find(e.span, e.group, self.tokens.find(e.span, "of"))
            self.add(self.ctx.symbol("group", e.group), group_token)
            if e.level is not None:
                token = self.tokens.find(e.span, e.level, group_token)
                for member in self.ctx.group_members.get(e.group, []):
                    self.add(self.ctx.symbol("level", e.level, (member,)), token)
        elif isinstance(e, ast.TrackAtExpr):
            self.name(e.track, scope)
            track = e.track.parts[0]
            last = self.tokens.parts(e.track)
            self.add(self.ctx.symbol("level", e.level, (track,)), self.tokens.find(e.span, e.level, last[-1] if last else None))
        elif isinstance(e, ast.EveryExpr):
            self.name(e.target, scope, every=True)
            self.expr(e.value, scope)
        else:
            for child in _children(e):
                self.expr(child, scope)

    def enum_metric(self, e) -> str | None:
        if isinstance(e, ast.Name) and len(e.parts) == 1 and self.ctx.enum_values(e.parts[0]):
            return e.parts[0]
        return None

    def is_enum_value(self, e, metric: str, scope: _Scope) -> bool:
        return (
            isinstance(e, ast.Name)
            and len(e.parts) == 1
            and e.parts[0] not in self.ctx.globals
            and e.parts[0] not in scope.scores
            and e.parts[0] in self.ctx.enum_values(metric)
        )

    def name(self, n: ast.Name, scope: _Scope, every: bool = False) -> None:
        parts = n.parts[:-1] if every and n.parts[-1] == "points" else n.parts
        tokens = self.tokens.parts(n)
        head = parts[0] if parts else None
        if head is None:
            return
        if head in scope.scores and scope.track is not None:
            self.score_path(scope.track, parts, tokens)
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
