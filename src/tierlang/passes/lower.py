"""AST → IR: name resolution, types and units, structure checks (TL2xx).

Every problem is collected; lowering carries on past errors so one run reports them all.
The result is a `Program` only when there were no errors.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction

from tierlang import dates, ir
from tierlang.diagnostics import Diagnostic, Note, did_you_mean, error, warning
from tierlang.ir import Kind, Span, Type
from tierlang.numbers import MAX_COUNT, exact_text, plural
from tierlang.passes.acknowledge import collect_acknowledgements
from tierlang.passes.constants import const_value, is_constant
from tierlang.passes.constraints import lower_constraints
from tierlang.passes.depth import check_reference_depth
from tierlang.passes.extends import Merged
from tierlang.passes.holds import lower_holds
from tierlang.passes.outputs import lower_outputs
from tierlang.passes.records import RecordsLowering, records_metric_names
from tierlang.passes.rowtracks import RowTracksLowering
from tierlang.passes.tables import lower_tables
from tierlang.passes.undecided import check_undecided
from tierlang.syntax import ast
from tierlang.syntax.formatter import format_expr

__all__ = ["lower", "FUNCTIONS", "NUMBER", "BOOL"]

NUMBER = Type(Kind.NUMBER)
BOOL = Type(Kind.BOOL)
DATE = Type(Kind.DATE)
POINTS = Type(Kind.POINTS)
DURATION = Type(Kind.DURATION)

#: The evaluation date, a name no declaration may take (`require earned_on >= as_of - 12 months`).
AS_OF = "as_of"

FUNCTIONS = {"min": (2, None), "max": (2, None), "clamp": (1, 3)}

_ALLOWED_ATTRS = {
    "program": {"doc", "source", "version", "effective", "status", "extends", "acknowledge"},
    "metric": {"doc", "source", "column", "unit", "range", "default", "direction", "optional", "acknowledge"},
    "derived": {"doc", "source", "unit", "direction", "acknowledge"},
    "records": {"doc", "source", "unit", "range", "default", "direction", "acknowledge"},
    "column": {"doc", "source", "range", "unit", "acknowledge"},
    "param": {"doc", "source", "assumed", "dated", "acknowledge"},
    "gate": {"doc", "source", "acknowledge"},
    "constraint": {"doc", "source"},
    "group": {"doc", "source", "acknowledge"},
    "track": {"doc", "source", "acknowledge", "internal"},
    "variant": {"doc", "source", "acknowledge"},
    "level": {"doc", "source", "acknowledge"},
    "score": {"doc", "source", "acknowledge"},
    "category": {"doc", "source", "acknowledge"},
    "line": {"doc", "source", "acknowledge"},
    "table": {"doc", "source", "acknowledge"},
    "output": {"doc", "source", "acknowledge"},
    "hold": {"doc", "source", "assumed", "acknowledge"},
}

#: Attributes a declaration may give several times (each is one entry of a list).
_REPEATABLE = ("dated", "acknowledge")

_ATTR_WORD = {"direction": "higher/lower is better", "dated": "from DATE = value", "acknowledge": 'acknowledge CODE "reason"'}


def _text(value: object) -> str:
    """A value as a message shows it: numbers as decimals (`4.5`, not `9/2`)."""
    return exact_text(value) if isinstance(value, Fraction) else str(value)


class _Fail(Exception):
    """An expression could not be lowered; the reason is already a diagnostic."""


@dataclass(frozen=True)
class _Scope:
    track: str | None = None
    variant: str | None = None
    scores: frozenset[str] = frozenset()
    where: str = "program"  # used in messages
    # records (passes/records.py): the table whose rows a condition reads; the `per` columns
    # inside `having`; a records metric's formula (may divide by a records metric)
    table: str | None = None
    group: tuple[str, ...] | None = None
    records: bool = False


class _Lowerer(RecordsLowering, RowTracksLowering):
    Fail = _Fail
    Scope = _Scope

    def is_constant(self, expr: ir.Expr) -> bool:
        """`is_constant`, remembered per node: asked at every level of `1 + 1 + ...`,
        the plain walk would take time quadratic in the length of the chain."""
        hit = self._constant.get(id(expr))
        if hit is not None:
            return hit[1]
        if isinstance(expr, ir.Arith):
            value = self.is_constant(expr.left) and self.is_constant(expr.right)
        elif isinstance(expr, ir.Neg):
            value = self.is_constant(expr.operand)
        else:
            value = is_constant(expr)
        self._constant[id(expr)] = (expr, value)
        return value

    def __init__(self, merged: Merged, as_of: _dt.date | None) -> None:
        self.merged = merged
        self.as_of_arg = as_of
        self.diags: list[Diagnostic] = []
        # id(expr) -> (expr, is it constant); holding expr keeps its id from being reused.
        self._constant: dict[int, tuple[ir.Expr, bool]] = {}
        self.globals: dict[str, ast.Item] = {}
        self.metric_types: dict[str, Type] = {}
        self.params: dict[str, ir.Param] = {}
        self.track_decls: dict[str, ast.TrackDecl] = {}
        self.track_levels: dict[str, tuple[str, ...]] = {}
        self.track_scores: dict[str, dict[str, ir.Score]] = {}
        self.group_members: dict[str, list[str]] = {}
        self.record_names = records_metric_names(merged.items)
        self.related_tables: dict[str, ir.RelatedTable] = {}
        self.lists: dict[str, ir.ValueList] = {}
        self.tables: dict[str, ir.Table] | None = None  # lowered after the derived metrics

    cycles = staticmethod(lambda deps: _cycles(deps))
    describe = staticmethod(lambda t: _describe_type(t))
    compatible = staticmethod(lambda a, b, loose: _compatible(a, b, loose))

    # -------------------------------------------------------------- helpers
    def err(self, code: str, message: str, span: Span | None, **kw) -> None:
        self.diags.append(error(code, message, span, **kw))

    def err_unknown(self, kind: str, name: str, span: Span | None, candidates, user: tuple[str, str] | None = None) -> None:
        """TL200 for a name that is not declared; when a child program removed it (`remove
        metric X`), say so and how to restate what still uses it (`user`: the inherited
        example or sample partner, as (kind, name))."""
        gone = self.merged.removed.get((kind, name))
        if gone is None:
            self.err("TL200", f"unknown {kind} '{name}'", span, hint=did_you_mean(name, candidates))
            return
        program = self.merged.header.name if self.merged.header else "this program"
        if user is not None:
            what = f"the inherited {user[0]} '{user[1]}'"
            hint = f"restate it without '{name}' (`override {user[0]} {user[1]} {{ ... }}`) or drop it (`remove {user[0]} {user[1]}`)"
        else:
            what = "this inherited rule"
            hint = f"restate the declaration that uses it with `override`, or keep the {kind}"
        self.err(
            "TL200",
            f"{what} uses {kind} '{name}', which {program} removes",
            span,
            notes=(Note(f"removed here: `remove {kind} {name}`", gone.span),),
            hint=hint,
        )

    def attrs(self, attrs: Iterable[ast.Attr] | None, where: str, allowed_key: str | None = None) -> dict[str, object]:
        allowed = _ALLOWED_ATTRS[allowed_key or where]
        out: dict[str, object] = {}
        repeated: dict[str, list] = {}
        for a in attrs or ():
            if a.kind not in allowed:
                word = _ATTR_WORD.get(a.kind, a.kind)
                self.err(
                    "TL210",
                    f"'{word}' is not an attribute of a {where}",
                    a.span,
                    hint=f"a {where} takes: {', '.join(sorted(_ATTR_WORD.get(k, k) for k in allowed if k != 'acknowledge'))}",
                )
                continue
            if a.kind in _REPEATABLE:
                repeated.setdefault(a.kind, []).append(a)
                continue
            if a.kind in out:
                self.err("TL201", f"'{_ATTR_WORD.get(a.kind, a.kind)}' is given twice", a.span)
                continue
            out[a.kind] = a
        out.update(repeated)
        return out

    @staticmethod
    def text(attrs: dict[str, object], kind: str) -> str | None:
        a = attrs.get(kind)
        return a.value if isinstance(a, ast.Attr) else None  # type: ignore[return-value]

    def literal(self, lit: ast.Literal, expected: Type | None, what: str) -> ir.Value | None:
        """A literal's value, checked against `expected` (None: any)."""
        if isinstance(lit, ast.Num):
            if expected is None or expected.is_numeric:
                if expected is not None and expected.kind is Kind.MONEY and lit.currency not in (None, expected.currency):
                    self.err("TL203", f"{what} is in {expected.currency}, not {lit.currency}", lit.span)
                    return None
                if expected is not None and expected.kind is not Kind.MONEY and lit.currency:
                    self.err("TL203", f"{what} is a {expected}, not an amount of money", lit.span)
                    return None
                if expected is not None and expected.kind is Kind.COUNT and lit.value.denominator != 1:
                    self.err("TL202", f"{what} is a count: a whole number, not {lit.text}", lit.span)
                    return None
                return lit.value
        elif isinstance(lit, ast.Bool):
            if expected is None or expected.kind is Kind.BOOL:
                return lit.value
        elif isinstance(lit, ast.DateLit):
            if expected is None or expected.kind is Kind.DATE:
                return lit.value
        elif isinstance(lit, ast.DurationLit):
            if expected is None or expected.kind is Kind.DURATION:
                return _duration(lit)
        elif isinstance(lit, ast.Str) and expected is not None and expected.kind is Kind.ENUM:
            if lit.value not in expected.values:
                self.err("TL218", f"'{lit.value}' is not a value of {expected}", lit.span, hint=did_you_mean(lit.value, expected.values))
                return None
            return lit.value
        shown = {ast.Num: "a number", ast.Bool: "true/false", ast.DateLit: "a date", ast.Str: "a string", ast.DurationLit: "a duration"}[
            type(lit)
        ]
        self.err("TL202", f"{what} needs {_describe_type(expected)}, not {shown}", lit.span)
        return None

    # -------------------------------------------------------------- driver
    def run(self) -> ir.Program | None:
        header = self.merged.header
        if header is None:
            root = self.merged.files[-1] if self.merged.files else "<string>"
            self.err(
                "TL217",
                'a program file starts with a header: `program NAME { version "..." effective YYYY-MM-DD }`',
                Span(root, 1, 1, 1, 2),
            )
            return None
        hattrs = self.attrs(header.attrs, "program")
        effective_attr = hattrs.get("effective")
        effective = effective_attr.value.value if effective_attr else None  # type: ignore[union-attr]
        self.as_of = self.as_of_arg or effective

        self.declare()
        metrics = self.lower_metrics()
        params = self.lower_params()
        self.params = {p.name: p for p in params}
        lists = self.lower_lists()
        related_tables = self.lower_related_tables()
        row_tracks = self.lower_row_tracks()
        groups_decl = [i for i in self.merged.items if isinstance(i, ast.GroupDecl)]
        for t in self.track_decls.values():
            for i, group in enumerate(t.groups):
                if group in t.groups[:i]:
                    self.err("TL201", f"track '{t.name}' names group '{group}' twice", t.span)
                elif not isinstance(self.globals.get(group), ast.GroupDecl):
                    self.err(
                        "TL200",
                        f"unknown group '{group}'",
                        t.span,
                        hint=did_you_mean(group, [g.name for g in groups_decl]) or 'declare it: `group NAME "Title"`',
                    )
                else:
                    self.group_members.setdefault(group, []).append(t.name)
        self.collect_ladders()
        self.derived = {m.name: m for m in metrics}
        metrics = self.lower_derived(metrics)
        self.derived = {m.name: m for m in metrics}
        self.tables = lower_tables(self)
        gates = self.lower_gates()
        constraints = lower_constraints(self)
        tracks = [t for t in (self.lower_track(d) for d in self.track_decls.values()) if t is not None]
        tracks = self.order_tracks(tracks, gates)
        metrics += self.rollups.values()  # the records metrics that roll up tracks per row
        self.derived.update(self.rollups)
        self.record_names |= set(self.rollups)
        groups = []
        for g in groups_decl:
            ga = self.attrs(g.attrs, "group")
            groups.append(
                ir.Group(g.name, g.title, self.text(ga, "doc"), tuple(self.group_members.get(g.name, ())), self.text(ga, "source"), g.span)
            )
        status = self.text(hattrs, "status")
        if status is not None and status not in self.track_decls:
            self.err(
                "TL200", f"the status track '{status}' is not declared", hattrs["status"].span, hint=did_you_mean(status, self.track_decls)
            )  # type: ignore[union-attr]
        partners = self.lower_partners()
        examples = self.lower_examples(partners, tracks, gates)
        acknowledgements = collect_acknowledgements(self.merged)
        holds = lower_holds(self)
        if any(d.is_error for d in self.diags):
            return None
        version = self.text(hattrs, "version")
        program = ir.Program(
            name=header.name,
            version=version,
            effective=effective,
            title=header.title,
            doc=self.text(hattrs, "doc"),
            status=status,
            extends=self.merged.parent_name,
            as_of=self.as_of,
            metrics=tuple(metrics),
            params=tuple(params),
            gates=tuple(gates),
            groups=tuple(groups),
            tracks=tuple(tracks),
            partners=tuple(partners.values()),
            examples=tuple(examples),
            acknowledgements=acknowledgements,
            constraints=tuple(constraints),
            tables=tuple(self.tables.values()),
            related_tables=tuple(related_tables),
            lists=tuple(lists),
            holds=tuple(holds),
            row_tracks=tuple(row_tracks),
            files=tuple(self.merged.files),
            span=header.span,
        )
        undecided = check_undecided(program)
        self.diags.extend(undecided)
        return None if undecided else program

    # -------------------------------------------------------------- declarations
    def declare(self) -> None:
        seen_local: dict[tuple[str, str], ast.Item] = {}
        for item in self.merged.items:
            kind = ast.DECL_KEYWORD[type(item)]
            if kind in ("partner", "example", "hold", "constraint"):
                key = (kind, item.name)
                if key in seen_local:
                    self.err(
                        "TL201",
                        f"{kind} '{item.name}' is declared twice",
                        item.span,
                        notes=(Note("first declared here", seen_local[key].span),),
                    )
                else:
                    seen_local[key] = item
                continue
            if item.name == AS_OF:
                self.err(
                    "TL201",
                    f"'{AS_OF}' is the evaluation date; a {kind} cannot take its name",
                    item.span,
                    hint=f'name it otherwise; a data column called {AS_OF} can be read with `column "{AS_OF}"`',
                )
                continue
            first = self.globals.get(item.name)
            if first is not None:
                self.err(
                    "TL201",
                    f"'{item.name}' is declared twice",
                    item.span,
                    notes=(Note(f"first declared here as a {ast.DECL_KEYWORD[type(first)]}", first.span),),
                    hint="metrics, parameters, gates, groups and tracks share one namespace",
                )
                continue
            self.globals[item.name] = item
            if isinstance(item, ast.TrackDecl):
                self.track_decls[item.name] = item

    def metric_type(self, t: ast.TypeExpr) -> Type:
        if t.kind == "enum":
            if len(set(t.values)) != len(t.values):
                self.err("TL201", "an enum lists a value twice", t.span)
            return Type(Kind.ENUM, values=t.values, ordered=t.ordered)
        return Type(Kind(t.kind), currency=t.currency)

    def lower_metrics(self) -> list[ir.Metric]:
        out = []
        columns: dict[str, ast.MetricDecl] = {}
        for d in self.merged.items:
            if not isinstance(d, ast.MetricDecl):
                continue
            if d.type.kind in ("text", "month"):
                self.err(
                    "TL202",
                    f"a metric is a number, bool, date or enum value, not {d.type.kind}",
                    d.type.span or d.span,
                    hint=f"{d.type.kind} is a type of table columns" + ("; a date metric is `date`" if d.type.kind == "month" else ""),
                )
                type_ = NUMBER
            else:
                type_ = self.metric_type(d.type)
            self.metric_types[d.name] = type_
            kind = "records" if d.name in self.record_names else "derived" if d.expr is not None else "metric"
            a = self.attrs(d.attrs, "metric", kind)
            # Input counts (read or computed from records) are whole numbers >= 0 unless the
            # range says otherwise; a derived count takes whatever its formula gives (a
            # difference of counts can be negative).
            records = d.name in self.record_names
            lo: Fraction | None = Fraction(0) if type_.kind is Kind.COUNT and (d.expr is None or records) else None
            hi: Fraction | None = None
            if "range" in a:
                rng = a["range"]
                if not type_.is_numeric:
                    self.err("TL210", f"a {type_} metric has no range", rng.span)  # type: ignore[union-attr]
                else:
                    low, high = rng.value  # type: ignore[union-attr]
                    lo = self.literal(low, type_, "the range's lower bound") if low is not None else None
                    hi = self.literal(high, type_, "the range's upper bound") if high is not None else None
                    if lo is not None and hi is not None and lo > hi:
                        self.err("TL211", f"empty range: {_text(lo)} .. {_text(hi)}", rng.span)  # type: ignore[union-attr]
            default = None
            if "default" in a:
                dflt = a["default"]
                default = self.literal(dflt.value, type_, f"the default of '{d.name}'")  # type: ignore[union-attr]
                if isinstance(default, Fraction) and ((lo is not None and default < lo) or (hi is not None and default > hi)):
                    self.err("TL211", f"the default {_text(default)} is outside the range of '{d.name}'", dflt.span)  # type: ignore[union-attr]
                elif (
                    type_.kind is Kind.COUNT
                    and d.expr is None
                    and not records
                    and isinstance(default, Fraction)
                    and abs(default) > MAX_COUNT
                ):
                    # a missing cell takes the default: the loader would refuse it in a cell (TL412)
                    self.err("TL211", f"the default {_text(default)} of '{d.name}' is too large for a count (at most 18 digits)", dflt.span)  # type: ignore[union-attr]
            if "optional" in a and default is None and "default" not in a:
                self.err(
                    "TL210",
                    f"'{d.name}' is optional but has no default",
                    a["optional"].span,  # type: ignore[union-attr]
                    hint="an optional metric's column may be missing from the data: every row then takes its default (`default 0`)",
                )
            direction = a["direction"].value if "direction" in a else "higher"  # type: ignore[union-attr]
            column = self.text(a, "column") or (d.name if d.expr is None else None)
            if column is not None:
                if column in columns:
                    self.err(
                        "TL201", f"column '{column}' is read by two metrics", d.span, notes=(Note("also read here", columns[column].span),)
                    )
                columns[column] = d
            out.append(
                ir.Metric(
                    name=d.name,
                    type=type_,
                    title=d.title,
                    column=column,
                    direction=direction,
                    direction_declared="direction" in a,
                    minimum=lo,
                    maximum=hi,
                    default=default,
                    optional="optional" in a,
                    unit=self.text(a, "unit"),
                    doc=self.text(a, "doc"),
                    source=self.text(a, "source"),
                    span=d.span,
                )
            )
        return out

    def lower_params(self) -> list[ir.Param]:
        out = []
        for d in self.merged.items:
            if not isinstance(d, ast.ParamDecl):
                continue
            a = self.attrs(d.attrs, "param")
            value = self.literal(d.value, None, f"parameter '{d.name}'")
            if isinstance(d.value, ast.Str):
                value = None
            if value is None:
                continue
            type_ = _literal_type(d.value)
            dated = []
            for attr in a.get("dated", ()):  # type: ignore[union-attr]
                when, lit = attr.value
                v = self.literal(lit, type_ if type_.kind is not Kind.NUMBER else None, f"the value of '{d.name}' from {when.value}")
                if v is not None and _literal_type(lit).kind is not type_.kind and not (type_.is_numeric and _literal_type(lit).is_numeric):
                    self.err("TL202", f"'{d.name}' changes type on {when.value}", attr.span)
                if v is not None:
                    dated.append((when.value, v))
            dated.sort(key=lambda p: p[0])
            current = value
            for when, v in dated:
                if self.as_of is not None and when <= self.as_of:
                    current = v
            out.append(
                ir.Param(
                    name=d.name,
                    value=current,
                    type=type_,
                    title=d.title,
                    source=self.text(a, "source"),
                    assumed=self.text(a, "assumed"),
                    dated=tuple(dated),
                    initial=value,
                    doc=self.text(a, "doc"),
                    span=d.span,
                )
            )
        return out

    def lower_derived(self, metrics: list[ir.Metric]) -> list[ir.Metric]:
        decls = {d.name: d for d in self.merged.items if isinstance(d, ast.MetricDecl) and d.expr is not None}
        out = []
        for m in metrics:
            d = decls.get(m.name)
            if d is None:
                out.append(m)
                continue
            if m.name in self.record_names:
                out.append(self.lower_records_metric(m, d))
                continue
            try:
                expr, t = self.expr(d.expr, _Scope(where=f"derived metric '{m.name}'"))
            except _Fail:
                out.append(m)
                continue
            for node in ir.walk(expr):
                if isinstance(node, (*ir.TRACK_READS, ir.GateRef)):
                    self.err("TL205", f"derived metric '{m.name}' may only use metrics and parameters", node.span or d.span)
                    break
            else:
                if not _compatible(m.type, t, loose=self.is_constant(expr)):
                    self.err("TL202", f"'{m.name}' is declared {m.type} but its formula is {t}", d.expr.span or d.span)
            out.append(ir.Metric(**{**m.__dict__, "derived": expr}))
        # Cycles among derived metrics.
        deps = {
            m.name: {n.name for n in ir.walk(m.derived if m.derived is not None else m.records) if isinstance(n, ir.MetricRef)}
            for m in out
            if m.derived is not None or m.records is not None
        }
        for cycle in _cycles(deps):
            self.err("TL215", f"derived metrics depend on each other in a cycle: {' → '.join(cycle)}", decls[cycle[0]].span)
        return out

    def lower_gates(self) -> list[ir.Gate]:
        out = []
        for d in self.merged.items:
            if not isinstance(d, ast.GateDecl):
                continue
            a = self.attrs(d.attrs, "gate")
            try:
                expr = self.condition(d.expr, _Scope(where=f"gate '{d.name}'"))
            except _Fail:
                continue
            out.append(ir.Gate(d.name, expr, d.title, self.text(a, "doc"), self.text(a, "source"), d.span))
        deps = {g.name: {n.name for n in ir.walk(g.expr) if isinstance(n, ir.GateRef)} for g in out}
        for cycle in _cycles(deps):
            self.err(
                "TL215", f"gates depend on each other in a cycle: {' → '.join(cycle)}", next(g.span for g in out if g.name == cycle[0])
            )
        return out

    # -------------------------------------------------------------- tracks
    def collect_ladders(self) -> None:
        """Level and score names of every track, so requirements can refer to other tracks
        before those are lowered."""
        for t in self.track_decls.values():
            if t.highest is not None:  # `= highest ROWS`: the levels of the track per row
                rows = self.globals.get(t.highest.parts[0])
                levels = [i.name for i in rows.items if isinstance(i, ast.LevelDecl)] if isinstance(rows, ast.RowTrackDecl) else []
                self.track_levels[t.name], self.track_scores[t.name] = tuple(levels), {}
                continue
            variants = [i for i in t.items if isinstance(i, ast.VariantDecl)]
            bodies = [v.items for v in variants] or [t.items]
            self.track_levels[t.name] = tuple(i.name for i in bodies[0] if isinstance(i, ast.LevelDecl))
            # From outside a track, a score is the selected variant's: every variant must have it.
            per_body = [{i.name for i in body if isinstance(i, ast.ScoreDecl)} for body in bodies]
            names = set.intersection(*per_body) if per_body else set()
            self.track_scores[t.name] = {n: None for n in sorted(names)}  # type: ignore[misc]

    def lower_track(self, d: ast.TrackDecl) -> ir.Track | None:
        a = self.attrs([i for i in d.items if isinstance(i, ast.Attr)], "track")
        variants = [i for i in d.items if isinstance(i, ast.VariantDecl)]
        direct = [i for i in d.items if isinstance(i, (ast.LevelDecl, ast.ScoreDecl))]
        chooses = [i for i in d.items if isinstance(i, (ast.ChooseBest, ast.ChooseClassified))]
        if len(chooses) > 1:
            self.err("TL201", f"track '{d.name}' says 'choose' twice", chooses[1].span)
        choose = chooses[0] if chooses else None
        ok = True
        if variants and direct:
            self.err(
                "TL230",
                f"track '{d.name}' has variants, so its levels and scores belong inside them",
                direct[0].span,
                hint="move them into each `variant NAME { ... }`",
            )
            ok = False
        if variants and choose is None:
            self.err(
                "TL232",
                f"track '{d.name}' has variants but does not say how one is chosen",
                d.span,
                hint="add `choose best` or `choose enterprise when ... else smb`",
            )
            ok = False
        if choose is not None and not variants:
            self.err("TL232", "'choose' needs variants to choose from", choose.span)
            ok = False
        if variants:
            seen: dict[str, ast.VariantDecl] = {}
            for v in variants:
                if v.name in seen:
                    self.err(
                        "TL201", f"variant '{v.name}' is declared twice", v.span, notes=(Note("first declared here", seen[v.name].span),)
                    )
                    ok = False
                seen[v.name] = v
            lowered = [self.lower_variant(d, v.name, v.title, v.items, v.span) for v in variants]
        elif d.highest is not None:
            levels = self.highest_levels(d)
            lowered = [None if levels is None else ir.Variant(None, tuple(levels), span=d.span)]
        else:
            lowered = [self.lower_variant(d, None, None, d.items, d.span)]
        if not ok or any(v is None for v in lowered):
            return None
        ladders = {v.name: tuple(level.name for level in v.levels) for v in lowered}
        first = lowered[0]
        for v in lowered[1:]:
            if ladders[v.name] != ladders[first.name]:
                self.err(
                    "TL231",
                    f"variants of '{d.name}' must have the same levels in the same order: '{first.name}' has {', '.join(ladders[first.name]) or 'none'}, '{v.name}' has {', '.join(ladders[v.name]) or 'none'}",
                    v.span,
                )
                return None
        selection, choices = "single", ()
        if isinstance(choose, ast.ChooseBest):
            selection = "best"
        elif isinstance(choose, ast.ChooseClassified):
            selection = "classified"
            names = [v.name for v in lowered]
            chosen = [n for n, _ in choose.choices] + [choose.otherwise]
            bad = False
            for n in chosen:
                if n not in names:
                    self.err("TL200", f"unknown variant '{n}' in 'choose'", choose.span, hint=did_you_mean(n, names))
                    bad = True
            for n in names:
                if n not in chosen:
                    self.err("TL232", f"variant '{n}' is never chosen", choose.span, hint=f"name '{n}' in the 'choose' rule")
                    bad = True
            if bad:
                return None
            scope = _Scope(track=d.name, where=f"track '{d.name}'")
            out = []
            for n, cond in choose.choices:
                try:
                    out.append(ir.Choice(n, self.condition(cond, scope), cond.span))
                except _Fail:
                    return None
            out.append(ir.Choice(choose.otherwise, None, choose.span))
            choices = tuple(out)
        outputs = lower_outputs(self, d)
        if outputs is None:
            return None
        return ir.Track(
            name=d.name,
            variants=tuple(lowered),  # type: ignore[arg-type]
            selection=selection,
            choices=choices,
            group=d.group,
            also_in=d.also_in,
            internal="internal" in a,
            title=d.title,
            doc=self.text(a, "doc"),
            source=self.text(a, "source"),
            outputs=outputs,
            span=d.span,
        )

    def lower_variant(self, track: ast.TrackDecl, name, title, items, span) -> ir.Variant | None:
        a = self.attrs([i for i in items if isinstance(i, ast.Attr)], "variant") if name is not None else {}
        score_decls = [i for i in items if isinstance(i, ast.ScoreDecl)]
        seen: dict[str, ast.ScoreDecl] = {}
        for s in score_decls:
            if s.name in seen:
                self.err("TL201", f"score '{s.name}' is declared twice", s.span, notes=(Note("first declared here", seen[s.name].span),))
            elif s.name in self.globals:
                self.err(
                    "TL201",
                    f"score '{s.name}' has the name of a {ast.DECL_KEYWORD[type(self.globals[s.name])]}",
                    s.span,
                    notes=(Note("declared here", self.globals[s.name].span),),
                    hint="give the score another name",
                )
            seen[s.name] = s
        scope = _Scope(track=track.name, variant=name, scores=frozenset(seen), where=f"track '{track.name}'")
        scores = [sc for sc in (self.lower_score(s, scope) for s in score_decls) if sc is not None]
        # A line may be gated on another score of its track, but not in a circle.
        deps = {
            sc.name: {
                n.score
                for line in sc.lines
                if line.when is not None
                for n in ir.walk(line.when)
                if isinstance(n, (ir.ScoreRef, ir.Every)) and n.track == track.name
            }
            for sc in scores
        }
        for cycle in _cycles(deps):
            self.err(
                "TL215",
                f"scores gate each other's lines in a cycle: {' → '.join(cycle)}",
                seen[cycle[0]].span,
                hint="a score's line cannot be gated on that score (directly or through another score)",
            )
            return None
        levels = []
        level_seen: dict[str, ast.LevelDecl] = {}
        for ld in (i for i in items if isinstance(i, ast.LevelDecl)):
            if ld.name in level_seen:
                self.err(
                    "TL301",
                    f"level '{ld.name}' is declared twice in '{track.name}'",
                    ld.span,
                    notes=(Note("first declared here", level_seen[ld.name].span),),
                )
                continue
            level_seen[ld.name] = ld
            levels.append(self.lower_level(ld, scope))
        if not level_seen:
            self.err(
                "TL300",
                f"track '{track.name}'{f' variant {name!r}' if name else ''} has no levels",
                span,
                hint="a track needs at least one `level NAME { require ... }`",
            )
            return None
        if any(lv is None for lv in levels) or len(scores) != len(score_decls):
            return None
        return ir.Variant(name, tuple(levels), tuple(scores), title, self.text(a, "doc"), self.text(a, "source"), span)

    def lower_score(self, s: ast.ScoreDecl, scope: _Scope) -> ir.Score | None:
        a = self.attrs([i for i in s.items if isinstance(i, ast.Attr)], "score")
        names: dict[str, object] = {}
        items = []
        ok = True

        def seen(n: str, node, category: ast.CategoryDecl | None = None) -> bool:
            if n in names:
                if names[n] is category:
                    message = f"line '{n}' has the name of its category"
                else:
                    message = f"'{n}' appears twice in score '{s.name}'"
                self.err(
                    "TL201",
                    message,
                    node.span,
                    notes=(Note("first here", names[n].span),),
                    hint="the lines and categories of a score share one namespace: give each its own name",
                )
                return True
            if n == "points":
                self.err("TL201", "'points' is reserved (as in `every score.points > 0`)", node.span)
                return True
            names[n] = node
            return False

        for item in s.items:
            if isinstance(item, ast.LineDecl):
                if seen(item.name, item):
                    ok = False
                    continue
                line = self.lower_line(item, scope)
                ok = ok and line is not None
                items.append(line)
            elif isinstance(item, ast.CategoryDecl):
                if seen(item.name, item):
                    ok = False
                    continue
                ca = self.attrs([i for i in item.items if isinstance(i, ast.Attr)], "category")
                lines = []
                line_decls = [i for i in item.items if isinstance(i, ast.LineDecl)]
                for ld in line_decls:
                    if seen(ld.name, ld, item):
                        ok = False
                        continue
                    line = self.lower_line(ld, scope)
                    ok = ok and line is not None
                    lines.append(line)
                if not line_decls:
                    self.err("TL233", f"category '{item.name}' has no points lines", item.span)
                    ok = False
                cap = self.cap(item.cap)
                items.append(
                    ir.Category(
                        item.name,
                        tuple(lines),
                        cap,
                        item.title,
                        self.text(ca, "doc"),
                        self.text(ca, "source"),
                        _param_name(item.cap),
                        item.span,
                    )
                )
        if not items:
            self.err("TL233", f"score '{s.name}' has no points lines", s.span)
            return None
        if not ok:
            return None
        return ir.Score(
            s.name, tuple(items), self.cap(s.cap), s.title, self.text(a, "doc"), self.text(a, "source"), _param_name(s.cap), s.span
        )

    def cap(self, cap: ast.Num | ast.Name | None) -> Fraction | None:
        """A cap's value: a number, or a parameter holding one."""
        if cap is None:
            return None
        if isinstance(cap, ast.Name):
            p = self.params.get(cap.parts[0])
            if p is None:
                self.err("TL200", f"unknown parameter '{cap}'", cap.span, hint=did_you_mean(cap.parts[0], self.params))
                return None
            value, currency = p.value, p.type.kind is Kind.MONEY
        else:
            value, currency = cap.value, bool(cap.currency)
        if currency or not isinstance(value, Fraction) or isinstance(value, bool) or value < 0:
            self.err("TL202", "a cap is a non-negative number of points", cap.span)
            return None
        return value

    def lower_line(self, d: ast.LineDecl, scope: _Scope) -> ir.Line | None:
        a = self.attrs(d.attrs, "line")
        try:
            points, t = self.expr(d.points, scope)
            when = self.condition(d.when, scope) if d.when is not None else None
        except _Fail:
            return None
        if not t.is_numeric or t.kind is Kind.MONEY:
            hint = None
            if t.kind is Kind.MONEY:
                divisor = next(
                    (
                        n.right
                        for n in _ast_nodes(d.points)
                        if isinstance(n, ast.Binary) and n.op == "/" and isinstance(n.right, ast.Num) and not n.right.currency
                    ),
                    None,
                )
                example = f"/ {divisor.text} {t.currency}" if divisor is not None else f"/ 1250 {t.currency}"
                hint = f"divide by an amount in {t.currency}: `{example}`"
            self.err("TL202", f"points must be a plain number, but this is {_describe_type(t)}", d.points.span, hint=hint)
            return None
        for node in ir.walk(points):
            if isinstance(node, ir.ScoreRef):
                self.err(
                    "TL205",
                    "a points line cannot read a score",
                    node.span or d.span,
                    hint="score lines add up; compare totals in a level's requirements",
                )
                return None
        return ir.Line(d.name, points, when, d.title, self.text(a, "doc"), self.text(a, "source"), d.span)

    def lower_level(self, d: ast.LevelDecl, scope: _Scope) -> ir.Level | None:
        items = d.items or ()
        a = self.attrs([i for i in items if isinstance(i, ast.Attr)], "level")
        reqs = []
        ok = True
        for r in (i for i in items if isinstance(i, ast.Require)):
            try:
                reqs.append(ir.Requirement(self.condition(r.expr, scope), r.label, r.span))
            except _Fail:
                ok = False
        if not ok:
            return None
        return ir.Level(d.name, tuple(reqs), not d.independent, d.title, self.text(a, "doc"), self.text(a, "source"), d.span)

    def order_tracks(self, tracks: list[ir.Track], gates: list[ir.Gate]) -> list[ir.Track]:
        """Dependency order (a track after every track it refers to); cycles are errors."""
        gate_tracks: dict[str, set[str]] = {}
        for g in gates:
            gate_tracks[g.name] = self._track_refs(g)
        # Gates may use other gates; close over them.
        changed = True
        while changed:
            changed = False
            for g in gates:
                for n in ir.walk(g.expr):
                    if isinstance(n, ir.GateRef) and not gate_tracks.get(n.name, set()) <= gate_tracks[g.name]:
                        gate_tracks[g.name] |= gate_tracks.get(n.name, set())
                        changed = True
        deps: dict[str, set[str]] = {}
        for t in tracks:
            refs = self._track_refs(t)
            for n in ir.walk(t):
                if isinstance(n, ir.GateRef):
                    refs |= gate_tracks.get(n.name, set())
            deps[t.name] = refs
        cycles = _cycles(deps)
        for cycle in cycles:
            span = next(t.span for t in tracks if t.name == cycle[0])
            self.err(
                "TL215",
                f"tracks depend on each other in a cycle: {' → '.join(cycle)}",
                span,
                hint="a track's requirements may only refer to tracks that do not refer back to it",
            )
        if cycles:
            return tracks
        by_name = {t.name: t for t in tracks}
        done: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in done or name not in by_name or name in visiting:
                return
            visiting.add(name)
            for dep in sorted(deps[name]):
                visit(dep)
            done.append(name)

        for t in tracks:
            visit(t.name)
        return [by_name[n] for n in done]

    def _track_refs(self, node) -> set[str]:
        refs: set[str] = set()
        own = node.name if isinstance(node, ir.Track) else None
        if isinstance(node, ir.Track) and node.outputs:
            # an output is computed once its track is done: it may read the track itself
            refs = {t for o in node.outputs for t in self._track_refs(o.expr)} - {own}
            node = replace(node, outputs=())
        for n in ir.walk(node):
            if isinstance(n, (ir.TrackAt, ir.LevelOf)):
                refs.add(n.track)
            elif isinstance(n, ir.GroupCount):
                refs.update(self.group_members.get(n.group, ()))
            elif isinstance(n, (ir.ScoreRef, ir.Every)) and n.track != own:
                refs.add(n.track)
        return refs

    # -------------------------------------------------------------- examples
    def lower_partners(self) -> dict[str, ir.Partner]:
        out = {}
        for d in self.merged.items:
            if isinstance(d, ast.PartnerDecl):
                values = self.assignments(d.values, ("partner", d.name))
                if values is not None:
                    out[d.name] = ir.Partner(d.name, values, d.title, d.span)
        return out

    def assignments(self, values: Iterable[ast.Assignment], user: tuple[str, str] | None = None) -> tuple[tuple[str, ir.Value], ...] | None:
        out: dict[str, ir.Value] = {}
        ok = True
        for a in values:
            t = self.metric_types.get(a.name)
            if t is None:
                self.err_unknown("metric", a.name, a.span, self.metric_types, user)
                ok = False
                continue
            if self.derived.get(a.name) is not None and self.derived[a.name].column is None and self.derived[a.name].records is None:
                self.err("TL205", f"'{a.name}' is derived: give the metrics it is computed from", a.span)
                ok = False
                continue
            if a.name in out:
                self.err("TL201", f"'{a.name}' is given twice", a.span)
                ok = False
                continue
            v = self.literal(a.value, t, f"'{a.name}'")
            if v is None:
                ok = False
                continue
            m = self.derived[a.name]
            if isinstance(v, Fraction) and ((m.minimum is not None and v < m.minimum) or (m.maximum is not None and v > m.maximum)):
                self.err("TL211", f"{_text(v)} is outside the range of '{a.name}'", a.value.span or a.span)
                ok = False
                continue
            out[a.name] = v
        return tuple(out.items()) if ok else None

    def lower_examples(self, partners: dict[str, ir.Partner], tracks: list[ir.Track], gates: list[ir.Gate]) -> list[ir.Example]:
        out = []
        by_track = {t.name: t for t in tracks}
        gate_map = {g.name: g for g in gates}
        track_reads: dict[str, set[str]] = {}
        for d in self.merged.items:
            if not isinstance(d, ast.ExampleDecl):
                continue
            given: dict[str, ir.Value] = {}
            ok = True
            if d.given.partner is not None:
                p = partners.get(d.given.partner)
                if p is None:
                    known = [i.name for i in self.merged.items if isinstance(i, ast.PartnerDecl)]
                    if d.given.partner not in known:
                        self.err_unknown("partner", d.given.partner, d.given.span, known, ("example", d.name))
                    ok = False
                else:
                    given.update(p.values)
            values = self.assignments(d.given.values or (), ("example", d.name))
            if values is None:
                ok = False
            else:
                given.update(values)
            records: tuple = ()
            if d.given.records is not None:
                rows = self.example_records(d.given.records)
                if rows is None:
                    ok = False
                else:
                    records = rows
                    for name in sorted(set(given) & self.record_names):
                        self.err(
                            "TL214",
                            f"example '{d.name}' gives '{name}', which its records compute",
                            d.given.span,
                            hint="give the rows it is computed from, or the value, not both",
                        )
                        ok = False
            expectations = []
            for e in d.expects:
                exp = self.expectation(e, by_track, d.name)
                if exp is None:
                    ok = False
                else:
                    expectations.append(exp)
            if not d.expects:
                self.err(
                    "TL214",
                    f"example '{d.name}' expects nothing",
                    d.span,
                    hint="add `expect TRACK = LEVEL` or `expect TRACK.SCORE = NUMBER`",
                )
                ok = False
            if not ok:
                continue
            needed: set[str] = set()
            for exp in expectations:
                name = exp.path[0]
                if name not in track_reads:
                    track_reads[name] = set(ir.metrics_read(by_track[name], self.derived, gate_map, by_track, self.group_members))
                needed |= track_reads[name]
            computed = self.record_names if d.given.records is not None else set()
            missing = sorted(m for m in needed if m not in given and m not in computed and self.derived[m].default is None)
            if missing:
                shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
                self.err(
                    "TL214",
                    f"example '{d.name}' does not give {shown}",
                    d.given.span or d.span,
                    hint="the expected tracks read these metrics and they have no default",
                )
                continue
            as_of = d.as_of.value if d.as_of is not None else None
            out.append(ir.Example(d.name, tuple(given.items()), tuple(expectations), d.given.partner, d.title, as_of, records, d.span))
        return out

    def expectation(self, e: ast.Expect, tracks: dict[str, ir.Track], example: str) -> ir.Expectation | None:
        parts = e.path.parts
        t = tracks.get(parts[0])
        if t is None:
            if isinstance(self.globals.get(parts[0]), ast.RowTrackDecl):
                self.row_track_misuse(parts[0], e.path.span, "an example expects the tracks that roll it up")
            elif parts[0] not in self.track_decls:
                self.err_unknown("track", parts[0], e.path.span, self.track_decls, ("example", example))
            return None
        if len(parts) == 1:
            if not isinstance(e.value, ast.LevelValue):
                self.err("TL202", f"expect a level of '{t.name}' ({', '.join(t.level_names)}) or none", e.value.span)
                return None
            if e.value.name is not None and e.value.name not in t.level_names:
                self.err(
                    "TL212",
                    f"'{t.name}' has no level '{e.value.name}'",
                    e.value.span,
                    hint=did_you_mean(e.value.name, t.level_names) or f"levels: {', '.join(t.level_names)}",
                )
                return None
            return ir.Expectation(parts, e.value.name, e.span)
        if len(parts) > 3:
            self.err("TL200", f"'{e.path}' is not a track, score or score part", e.path.span)
            return None
        if parts[1:] == ("variant",):
            names = [v.name for v in t.variants if v.name is not None]
            if not names:
                self.err("TL212", f"track '{t.name}' has no variants", e.path.span)
                return None
            if not isinstance(e.value, ast.LevelValue) or e.value.name not in names:
                self.err(
                    "TL212",
                    f"expect one of the variants of '{t.name}': {', '.join(names)}",
                    e.value.span,
                    hint=did_you_mean(getattr(e.value, "name", None) or "", names),
                )
                return None
            return ir.Expectation(parts, e.value.name, e.span)
        output = next((o for o in t.outputs if o.name == parts[1]), None)
        if output is not None and len(parts) == 2:
            value = self.literal(e.value, output.type, f"output '{output.name}'") if not isinstance(e.value, ast.LevelValue) else None
            if value is None:
                if isinstance(e.value, ast.LevelValue):
                    self.err("TL202", f"output '{output.name}' is {_describe_type(output.type)}", e.value.span)
                return None
            return ir.Expectation(parts, value, e.span)
        score_name = parts[1]
        scores = [v.score(score_name) for v in t.variants]
        if any(s is None for s in scores):
            known = {s.name for v in t.variants for s in v.scores}
            self.err("TL200", f"track '{t.name}' has no score '{score_name}'", e.path.span, hint=did_you_mean(score_name, known))
            return None
        if len(parts) == 3 and any(s.part(parts[2]) is None for s in scores):  # type: ignore[union-attr]
            self.err("TL200", f"score '{score_name}' has no line or category '{parts[2]}'", e.path.span)
            return None
        if not isinstance(e.value, ast.Num) or e.value.currency:
            self.err("TL202", "a score is expected to be a number of points", e.value.span)
            return None
        return ir.Expectation(parts, e.value.value, e.span)

    # -------------------------------------------------------------- expressions
    def condition(self, node: ast.Expr, scope: _Scope) -> ir.Expr:
        expr, t = self.expr(node, scope)
        if t.kind is not Kind.BOOL:
            hint = None
            if isinstance(node, ast.Name) and t.is_numeric:
                hint = f"compare it, e.g. `{node} >= 1`"
            self.err("TL205", f"expected a condition, but this is {_describe_type(t)}", node.span, hint=hint)
            raise _Fail
        return expr

    def expr(self, node: ast.Expr, scope: _Scope) -> tuple[ir.Expr, Type]:
        method = getattr(self, "_e_" + type(node).__name__)
        return method(node, scope)

    def _e_Num(self, n: ast.Num, scope):
        t = Type(Kind.MONEY, currency=n.currency) if n.currency else NUMBER
        return ir.Const(n.value, t, span=n.span), t

    def _e_Bool(self, n: ast.Bool, scope):
        return ir.Const(n.value, BOOL, span=n.span), BOOL

    def _e_DateLit(self, n: ast.DateLit, scope):
        return ir.Const(n.value, DATE, span=n.span), DATE

    def _e_DurationLit(self, n: ast.DurationLit, scope):
        return ir.Const(_duration(n), DURATION, span=n.span), DURATION

    def _e_Str(self, n: ast.Str, scope):
        if scope.table is not None:
            return ir.Const(n.value, Type(Kind.TEXT), span=n.span), Type(Kind.TEXT)
        self.err("TL205", "a string is not a value here", n.span, hint="enum values are written without quotes: `tier == gold`")
        raise _Fail

    def _e_Name(self, n: ast.Name, scope: _Scope):
        if scope.table is not None:
            found = self.row_name(n, scope)
            if found is not None:
                return found
        head, rest = n.parts[0], n.parts[1:]
        if head == AS_OF:
            if rest:
                self.err("TL200", f"'{AS_OF}' (the evaluation date) has no parts", n.span)
                raise _Fail
            return ir.AsOf(n.span), DATE
        if head in scope.scores:
            return self._score_ref(scope.track, head, rest, n, variant=scope.variant)
        decl = self.globals.get(head)
        if isinstance(decl, ast.MetricDecl):
            if rest:
                self.err("TL200", f"metric '{head}' has no parts", n.span)
                raise _Fail
            return ir.MetricRef(head, n.span), self.metric_types[head]
        if isinstance(decl, ast.ParamDecl):
            p = self.params.get(head)
            if p is None or rest:
                if rest:
                    self.err("TL200", f"parameter '{head}' has no parts", n.span)
                raise _Fail
            return ir.Const(p.value, p.type, param=head, span=n.span), p.type
        if isinstance(decl, ast.GateDecl):
            if rest:
                self.err("TL200", f"gate '{head}' has no parts", n.span)
                raise _Fail
            return ir.GateRef(head, n.span), BOOL
        if isinstance(decl, ast.TrackDecl):
            if not rest:
                return ir.TrackAt(head, None, n.span), BOOL
            if rest[0] not in self.track_scores[head]:
                self.err("TL200", f"track '{head}' has no score '{rest[0]}'", n.span, hint=did_you_mean(rest[0], self.track_scores[head]))
                raise _Fail
            return self._score_ref(head, rest[0], rest[1:], n, variant=scope.variant if head == scope.track else None)
        if isinstance(decl, ast.RowTrackDecl):
            self.row_track_misuse(head, n.span, "a rule reads how many rows hold a level")
            raise _Fail
        if isinstance(decl, ast.GroupDecl):
            self.err("TL205", f"'{head}' is a group: count its tracks", n.span, hint=f"e.g. `at least 1 of {head} at {{level}}`")
            raise _Fail
        if isinstance(decl, ast.TableDecl):
            if rest:
                self.err("TL200", f"table '{head}' has no parts", n.span)
                raise _Fail
            if self.tables is None:  # read before tables are lowered: a derived metric's formula
                self.err(
                    "TL205",
                    f"{scope.where} cannot read table '{head}'",
                    n.span,
                    hint="use the table in the rules (points, requirements, outputs)",
                )
                raise _Fail
            table = self.tables.get(head)
            if table is None:
                raise _Fail  # the table has errors of its own
            return ir.Lookup(table, n.span), table.type
        if isinstance(decl, ast.RelatedTableDecl):
            self.err("TL271", f"'{head}' is a table: aggregate it in a metric", n.span, hint=f"e.g. `metric rows: count = count of {head}`")
            raise _Fail
        if isinstance(decl, ast.ListDecl):
            self.err("TL271", f"'{head}' is a list: test a column with `in {head}` in a row condition", n.span)
            raise _Fail
        candidates = list(self.globals) + list(scope.scores)
        gone = next((k for k in ("metric", "param", "gate") if (k, head) in self.merged.removed), None)
        if gone is not None:
            self.err_unknown(gone, head, n.span, candidates)
            raise _Fail
        owner = next((t.name for t in self.track_decls.values() for i in t.items if isinstance(i, ast.OutputDecl) and i.name == head), None)
        if owner is not None:  # an amount the program computes after the levels, not an input to them
            self.err(
                "TL205",
                f"'{head}' is an output of track '{owner}': rules cannot read outputs",
                n.span,
                hint="outputs are computed after the levels; read the formula itself, or a derived metric both use",
            )
            raise _Fail
        where = f" in {scope.where}" if scope.where else ""
        self.err("TL200", f"unknown name '{head}'{where}", n.span, hint=did_you_mean(head, candidates))
        raise _Fail

    def _score_ref(self, track, score, rest, n: ast.Name, variant):
        part = None
        if rest:
            if len(rest) > 1:
                self.err("TL200", f"'{n}' names too many parts", n.span)
                raise _Fail
            part = rest[0]
            if part == "points":
                self.err("TL205", f"'{n}' is only valid after 'every'", n.span, hint=f"write `every {'.'.join(n.parts)} > 0`")
                raise _Fail
            if not self._score_has_part(track, score, part):
                self.err(
                    "TL200",
                    f"score '{score}' has no line or category '{part}'",
                    n.span,
                    hint=did_you_mean(part, self._score_parts(track, score)),
                )
                raise _Fail
        return ir.ScoreRef(track, score, variant, part, n.span), POINTS

    def _score_decls(self, track: str, score: str) -> list[ast.ScoreDecl]:
        d = self.track_decls[track]
        bodies = [v.items for v in d.items if isinstance(v, ast.VariantDecl)] or [d.items]
        return [i for body in bodies for i in body if isinstance(i, ast.ScoreDecl) and i.name == score]

    def _score_parts(self, track: str, score: str) -> set[str]:
        names: set[str] = set()
        for s in self._score_decls(track, score):
            for item in s.items:
                if isinstance(item, (ast.LineDecl, ast.CategoryDecl)):
                    names.add(item.name)
                if isinstance(item, ast.CategoryDecl):
                    names.update(i.name for i in item.items if isinstance(i, ast.LineDecl))
        return names

    def _score_has_part(self, track: str, score: str, part: str) -> bool:
        return part in self._score_parts(track, score)

    def _e_Call(self, n: ast.Call, scope):
        if n.func not in FUNCTIONS:
            self.err("TL213", f"unknown function '{n.func}'", n.span, hint=did_you_mean(n.func, FUNCTIONS) or "functions: min, max, clamp")
            raise _Fail
        lo, hi = FUNCTIONS[n.func]
        if len(n.args) < lo or (hi is not None and len(n.args) > hi) or (n.func == "clamp" and len(n.args) == 2):
            shape = {"min": "min(a, b, ...)", "max": "max(a, b, ...)", "clamp": "clamp(x) or clamp(x, low, high)"}[n.func]
            self.err("TL213", f"'{n.func}' takes {shape}", n.span)
            raise _Fail
        args = [self.expr(a, scope) for a in n.args]
        for (_, t), a in zip(args, n.args):
            if not t.is_numeric:
                self.err("TL202", f"'{n.func}' works on numbers, not {_describe_type(t)}", a.span)
                raise _Fail
        if n.func == "clamp":
            if len(args) == 1:
                args += [(ir.Const(Fraction(0), NUMBER), NUMBER), (ir.Const(Fraction(1), NUMBER), NUMBER)]
            for (e, _), a in zip(args[1:], n.args[1:]):
                if not self.is_constant(e):
                    self.err("TL204", "the bounds of 'clamp' must be constants", a.span)
                    raise _Fail
            t = args[0][1]
            for _, bt in args[1:]:
                t = self.combine(t, bt, True, n.span, "clamp")
            low, high = const_value(args[1][0]), const_value(args[2][0])
            if low > high:
                when = f" with the parameters in force on {self.as_of_arg.isoformat()}" if self.as_of_arg else ""
                self.err(
                    "TL213",
                    f"'clamp' has its low bound {_text(low)} above its high bound {_text(high)}{when}",
                    n.span,
                    hint="write clamp(x, low, high) with low <= high",
                )
                raise _Fail
        else:
            t = args[0][1]
            for (e, at), a in zip(args[1:], n.args[1:]):
                t = self.combine(t, at, self.is_constant(e) or self.is_constant(args[0][0]), a.span, n.func)
        return ir.Func(n.func, tuple(e for e, _ in args), n.span), t

    def combine(self, a: Type, b: Type, loose: bool, span, what: str) -> Type:
        """The type of adding/comparing `a` and `b`; `loose` when one side is a constant."""
        if not _compatible(a, b, loose):
            self.err(
                "TL203" if Kind.MONEY in (a.kind, b.kind) else "TL202", f"cannot {what} {_describe_type(a)} and {_describe_type(b)}", span
            )
            raise _Fail
        if a.kind is b.kind:
            return a if a.kind is not Kind.MONEY or a.currency else b
        for t in (a, b):
            if t.kind in (Kind.MONEY, Kind.PERCENT, Kind.POINTS):
                return t
        return NUMBER

    def _e_Unary(self, n: ast.Unary, scope):
        if n.op == "not":
            return ir.Not(self.condition(n.operand, scope), n.span), BOOL
        e, t = self.expr(n.operand, scope)
        if not t.is_numeric:
            self.err("TL202", f"cannot negate {_describe_type(t)}", n.span)
            raise _Fail
        return ir.Neg(e, n.span), (NUMBER if t.kind is Kind.COUNT else t)

    def _e_Binary(self, n: ast.Binary, scope):
        if n.op in ("+", "-", "*", "/"):
            return self._arith(n, scope)
        return self._compare(n, scope)

    def _arith(self, n: ast.Binary, scope):
        (le, lt), (re_, rt) = self.expr(n.left, scope), self.expr(n.right, scope)
        if Kind.DATE in (lt.kind, rt.kind) or Kind.DURATION in (lt.kind, rt.kind):
            return self._date_arith(n, le, lt, re_, rt)
        for t, side in ((lt, n.left), (rt, n.right)):
            if not t.is_numeric:
                self.err("TL202", f"'{n.op}' works on numbers, not {_describe_type(t)}", side.span)
                raise _Fail
        lc, rc = self.is_constant(le), self.is_constant(re_)
        node = ir.Arith(n.op, le, re_, n.span)
        if n.op in ("+", "-"):
            verb = "add" if n.op == "+" else "subtract"
            t = self.combine(lt, rt, lc or rc, n.span, verb)
            if t.kind is Kind.COUNT and n.op == "-":
                t = NUMBER
            return node, t
        if n.op == "*":
            if not (lc or rc):
                self.err(
                    "TL204",
                    "one side of '*' must be a constant",
                    n.span,
                    hint="rules stay linear: multiply a metric by a number or parameter",
                )
                raise _Fail
            if lt.kind is Kind.MONEY and rt.kind is Kind.MONEY:
                self.err("TL203", "cannot multiply money by money", n.span)
                raise _Fail
            var = rt if lc else lt
            return node, (var if var.kind in (Kind.MONEY, Kind.PERCENT, Kind.POINTS) else NUMBER)
        if not rc and not scope.records:
            self.err("TL204", "'/' must divide by a constant", n.right.span, hint="rules stay linear: divide by a number or a parameter")
            raise _Fail
        if not rc:  # a records metric's ratio: an exact rational per partner
            if rt.kind is Kind.MONEY and (lt.kind is not Kind.MONEY or lt.currency != rt.currency):
                self.err("TL203", f"cannot divide {_describe_type(lt)} by {_describe_type(rt)}", n.span)
                raise _Fail
            return node, (NUMBER if rt.kind is Kind.MONEY or lt.kind is not Kind.MONEY else lt)
        if const_value(re_) == 0:
            when = f" with the parameters in force on {self.as_of_arg.isoformat()}" if self.as_of_arg else ""
            self.err("TL205", f"division by zero{when}", n.right.span)
            raise _Fail
        if rt.kind is Kind.MONEY:
            if lt.kind is not Kind.MONEY or (lt.currency != rt.currency):
                self.err("TL203", f"cannot divide {_describe_type(lt)} by {_describe_type(rt)}", n.span)
                raise _Fail
            return node, NUMBER
        return node, (lt if lt.kind is Kind.MONEY else NUMBER)

    def _date_arith(self, n: ast.Binary, le: ir.Expr, lt: Type, re_: ir.Expr, rt: Type):
        """`date ± duration` (and `duration + date`): a `DateShift`, folded when the date is
        a constant. Dates are not numbers: nothing else adds, subtracts or scales them."""
        if n.op == "+" and lt.kind is Kind.DURATION and rt.kind is Kind.DATE:
            le, lt, re_, rt = re_, rt, le, lt
        if n.op in ("+", "-") and lt.kind is Kind.DATE and rt.kind is Kind.DURATION:
            sign = 1 if n.op == "+" else -1
            if isinstance(le, ir.Const) and isinstance(re_, ir.Const):
                try:
                    return ir.Const(dates.shift(le.value, re_.value, sign), DATE, span=n.span), DATE  # type: ignore[arg-type]
                except OverflowError as e:
                    self.err("TL205", str(e), n.span)
                    raise _Fail from None
            return ir.DateShift(le, re_, sign, n.span), DATE
        example = "e.g. `approved_on + 12 months`, `as_of - 30 days`"
        if n.op == "-" and lt.kind is Kind.DATE and rt.kind is Kind.DATE:
            self.err(
                "TL202",
                "dates cannot be subtracted: compare them instead",
                n.span,
                hint=f"e.g. `{format_expr(n.left)} + 90 days <= {format_expr(n.right)}` for 'at least 90 days apart'",
            )
        elif lt.kind is Kind.DURATION and rt.kind is Kind.DURATION:
            self.err("TL202", f"'{n.op}' does not combine two durations", n.span, hint="write the total: `18 months`")
        elif n.op == "-" and lt.kind is Kind.DURATION and rt.kind is Kind.DATE:
            self.err("TL202", "a duration minus a date means nothing: subtract the duration from the date", n.span, hint=example)
        elif Kind.DATE in (lt.kind, rt.kind):
            other = rt if lt.kind is Kind.DATE else lt
            self.err(
                "TL202",
                f"a date moves only by a duration, with + or -, not with '{n.op}' and {_describe_type(other)}",
                n.span,
                hint=example,
            )
        else:
            self.err("TL202", "a duration only moves a date", n.span, hint=example)
        raise _Fail

    def _compare(self, n: ast.Binary, scope):
        for side, other in ((n.left, n.right), (n.right, n.left)):
            if isinstance(side, ast.Str) and scope.table is None:  # in a table's rows, text is a value
                bare = side.value if side.value.isidentifier() and side.value == side.value.lower() else "VALUE"
                shown = f"{other} {n.op} {bare}" if isinstance(other, ast.Name) else f"market == {bare}"
                self.err(
                    "TL205",
                    f'"{side.value}" is a string: in rules, enum values are written as names, without quotes',
                    side.span,
                    hint=f'write `{shown}` (quotes are for enum values in examples: `{shown.split()[0]} = "{bare}"`)',
                )
                raise _Fail
        le, lt = self._enum_side(n.left, n.right, scope)
        re_, rt = self._enum_side(n.right, n.left, scope, other_type=lt)
        if lt.kind is Kind.ENUM and le is None:
            le, lt = self._enum_const(n.left, rt)
        le, lt, re_, rt = self._text_as_enum(le, lt, re_, rt)
        node = ir.Compare(n.op, le, re_, n.span)
        if lt.is_numeric and rt.is_numeric:
            self.combine(lt, rt, self.is_constant(le) or self.is_constant(re_), n.span, "compare")
            return node, BOOL
        if lt.kind is rt.kind and lt.kind in (Kind.BOOL, Kind.DATE, Kind.ENUM, Kind.TEXT):
            if lt.kind is Kind.ENUM and lt.values != rt.values:
                self.err("TL202", f"cannot compare {lt} with {rt}", n.span)
                raise _Fail
            if n.op not in ("==", "!=") and (lt.kind in (Kind.BOOL, Kind.TEXT) or (lt.kind is Kind.ENUM and not lt.ordered)):
                self.err(
                    "TL202",
                    f"'{n.op}' needs an order; {_describe_type(lt)} only supports == and !=",
                    n.span,
                    hint="declare an ordered enum: enum(bronze < silver < gold)" if lt.kind is Kind.ENUM else None,
                )
                raise _Fail
            return node, BOOL
        self.err(
            "TL203" if Kind.MONEY in (lt.kind, rt.kind) else "TL202",
            f"cannot compare {_describe_type(lt)} with {_describe_type(rt)}",
            n.span,
        )
        raise _Fail

    def _text_as_enum(self, le, lt: Type, re_, rt: Type):
        """A text literal facing an enum is one of its values (`association == "CSP_T1"`)."""
        for (a, at), (b, bt), swap in (((le, lt), (re_, rt), False), ((re_, rt), (le, lt), True)):
            if at.kind is Kind.ENUM and bt.kind is Kind.TEXT and isinstance(b, ir.Const):
                if b.value not in at.values:
                    self.err("TL218", f"'{b.value}' is not a value of {at}", b.span, hint=did_you_mean(str(b.value), at.values))
                    raise _Fail
                b = ir.Const(b.value, at, span=b.span)
                return (b, at, a, at) if swap else (a, at, b, at)
        return le, lt, re_, rt

    def _enum_side(self, node, other, scope, other_type: Type | None = None):
        """Lower one side of a comparison; a bare name facing an enum is an enum value."""
        if (
            other_type is not None
            and other_type.kind is Kind.ENUM
            and isinstance(node, ast.Name)
            and len(node.parts) == 1
            and node.parts[0] not in self.globals
        ):
            return self._enum_const(node, other_type)
        if (
            isinstance(node, ast.Name)
            and len(node.parts) == 1
            and node.parts[0] not in self.globals
            and node.parts[0] not in scope.scores
            and isinstance(other, ast.Name)
            and isinstance(self.globals.get(other.parts[0]), ast.MetricDecl)
            and self.metric_types[other.parts[0]].kind is Kind.ENUM
        ):
            return None, self.metric_types[other.parts[0]]  # resolved once the other side is known
        return self.expr(node, scope)

    def _enum_const(self, node: ast.Name, t: Type):
        value = node.parts[0]
        if value not in t.values:
            self.err("TL218", f"'{value}' is not a value of {t}", node.span, hint=did_you_mean(value, t.values))
            raise _Fail
        return ir.Const(value, t, span=node.span), t

    def _e_BoolOp(self, n: ast.BoolOp, scope):
        items = tuple(self.condition(i, scope) for i in n.items)
        return (ir.And(items, n.span) if n.op == "and" else ir.Or(items, n.span)), BOOL

    def _e_ListOp(self, n: ast.ListOp, scope):
        if not n.items:
            self.err("TL205", f"'{n.op.replace('_', ' ')}' needs at least one condition", n.span)
            raise _Fail
        items = tuple(self.condition(i, scope) for i in n.items)
        if n.op == "all":
            return ir.And(items, n.span), BOOL
        if n.op == "any":
            return ir.Or(items, n.span), BOOL
        k, param = self.how_many(n.n)  # type: ignore[arg-type]
        if k > len(items):
            shown = f"{param} = {k}" if param else str(k)
            self.err("TL205", f"'at least {shown} of' lists only {len(items)} {plural(len(items), 'condition')}", n.span)
            raise _Fail
        return ir.AtLeast(k, items, param, n.span), BOOL

    def how_many(self, n: ast.Num | ast.Name) -> tuple[int, str | None]:
        """The N of `at least N of`: a whole number, or a parameter holding one (with the
        parameter's name)."""
        if isinstance(n, ast.Num):
            return int(n.value), None
        name = n.parts[0]
        decl = self.globals.get(name)
        if not isinstance(decl, ast.ParamDecl):
            params = [k for k, v in self.globals.items() if isinstance(v, ast.ParamDecl)]
            what = f"a {ast.DECL_KEYWORD[type(decl)]}" if decl is not None else "not declared"
            self.err(
                "TL200" if decl is None else "TL205",
                f"'at least {name} of' needs a number or a parameter; '{name}' is {what}",
                n.span,
                hint=did_you_mean(name, params) or "declare it: `param NAME = 2`",
            )
            raise _Fail
        p = self.params.get(name)
        if p is None:
            raise _Fail  # the parameter has errors of its own
        value = p.value
        if isinstance(value, bool) or not isinstance(value, Fraction) or p.type.kind is Kind.MONEY or value.denominator != 1 or value < 0:
            when = f" on {self.as_of_arg.isoformat()}" if self.as_of_arg else ""
            self.err(
                "TL202",
                f"'at least {name} of' needs a whole number of at least 0; parameter '{name}' is {_text(value)}{when}",
                n.span,
            )
            raise _Fail
        return int(value), name

    def _e_GroupOp(self, n: ast.GroupOp, scope):
        if isinstance(self.globals.get(n.group), ast.RowTrackDecl):
            k, param = self.how_many(n.n) if n.n is not None else (None, None)
            return self.rollup(n.group, n.level, k, param, n.exact, n.span), BOOL
        if not isinstance(self.globals.get(n.group), ast.GroupDecl):
            groups = [k for k, v in self.globals.items() if isinstance(v, ast.GroupDecl)]
            self.err("TL200", f"unknown group '{n.group}'", n.span, hint=did_you_mean(n.group, groups))
            raise _Fail
        members = self.group_members.get(n.group, [])
        if not members:
            self.err(
                "TL205", f"group '{n.group}' has no tracks", n.span, hint=f'put tracks in it: `track NAME "Title" in {n.group} {{ ... }}`'
            )
            raise _Fail
        if n.level is not None:
            for m in members:
                if n.level not in self.track_levels[m]:
                    self.err(
                        "TL212",
                        f"track '{m}' of group '{n.group}' has no level '{n.level}'",
                        n.span,
                        hint=did_you_mean(n.level, self.track_levels[m]),
                    )
                    raise _Fail
        k, param = self.how_many(n.n) if n.n is not None else (None, None)
        if k is not None and k > len(members):
            shown = f"{param} = {k}" if param else str(k)
            self.err("TL205", f"group '{n.group}' has only {len(members)} tracks, so 'at least {shown}' never holds", n.span)
            raise _Fail
        return ir.GroupCount(n.group, k, n.level, param, n.span, exact=n.exact), BOOL

    def _e_TrackAtExpr(self, n: ast.TrackAtExpr, scope):
        name = n.track.parts[0]
        if isinstance(self.globals.get(name), ast.RowTrackDecl):
            self.row_track_misuse(name, n.span, f"'{name} at {n.level}' does not say how many")
            raise _Fail
        if len(n.track.parts) != 1 or not isinstance(self.globals.get(name), ast.TrackDecl):
            self.err("TL200", f"'{n.track}' is not a track", n.track.span, hint=did_you_mean(name, self.track_decls))
            raise _Fail
        if n.level not in self.track_levels[name]:
            self.err(
                "TL212",
                f"track '{name}' has no level '{n.level}'",
                n.span,
                hint=did_you_mean(n.level, self.track_levels[name]) or f"levels: {', '.join(self.track_levels[name])}",
            )
            raise _Fail
        return ir.TrackAt(name, n.level, n.span, exact=n.exact), BOOL

    def _e_UndecidedExpr(self, n: ast.UndecidedExpr, scope: _Scope):
        return ir.Undecided(n.kind, n.reason, n.span), BOOL

    def _e_EveryExpr(self, n: ast.EveryExpr, scope: _Scope):
        parts = n.target.parts
        if parts[-1] != "points" or len(parts) < 2:
            self.err("TL205", "'every' takes a score's points: `every capability.points > 0`", n.target.span)
            raise _Fail
        head = parts[:-1]
        if len(head) == 1 and head[0] in scope.scores:
            track, score, variant = scope.track, head[0], scope.variant
        elif len(head) == 2 and isinstance(self.globals.get(head[0]), ast.TrackDecl) and head[1] in self.track_scores[head[0]]:
            track, score, variant = head[0], head[1], scope.variant if head[0] == scope.track else None
        else:
            self.err("TL200", f"'{'.'.join(head)}' is not a score", n.target.span, hint=did_you_mean(head[-1], scope.scores))
            raise _Fail
        value, t = self.expr(n.value, scope)
        self.combine(POINTS, t, self.is_constant(value), n.span, "compare")
        return ir.Every(track, score, n.op, value, variant, n.span), BOOL  # type: ignore[arg-type]


# ------------------------------------------------------------------ module helpers


def _ast_nodes(node):
    """`node` and the expression nodes below it (syntax tree)."""
    yield node
    for child in getattr(node, "__dict__", {}).values():
        for c in child if isinstance(child, tuple) else (child,):
            if hasattr(c, "span") and not isinstance(c, (str, Span)):
                yield from _ast_nodes(c)


def _param_name(cap: ast.Num | ast.Name | None) -> str | None:
    return cap.parts[0] if isinstance(cap, ast.Name) else None


def _duration(lit: ast.DurationLit) -> ir.Duration:
    if lit.unit == "day":
        return ir.Duration(days=lit.amount)
    return ir.Duration(months=lit.amount * (12 if lit.unit == "year" else 1))


def _literal_type(lit: ast.Literal) -> Type:
    if isinstance(lit, ast.DurationLit):
        return DURATION
    if isinstance(lit, ast.Num):
        return Type(Kind.MONEY, currency=lit.currency) if lit.currency else NUMBER
    if isinstance(lit, ast.Bool):
        return BOOL
    if isinstance(lit, ast.DateLit):
        return DATE
    return Type(Kind.ENUM)


def _describe_type(t: Type | None) -> str:
    if t is None:
        return "a value"
    return {
        Kind.COUNT: "a count",
        Kind.NUMBER: "a number",
        Kind.PERCENT: "a percentage",
        Kind.MONEY: f"money in {t.currency}",
        Kind.POINTS: "points",
        Kind.BOOL: "a condition (true/false)",
        Kind.DATE: "a date",
        Kind.TEXT: "text",
        Kind.DURATION: "a duration",
        Kind.ENUM: f"one of {', '.join(t.values)}" if t.values else "an enum value",
    }[t.kind]


def _compatible(a: Type, b: Type, loose: bool) -> bool:
    """Can values of these types be added or compared? `loose`: one side is a constant,
    which adopts the other side's unit (a plain number next to money is that money)."""
    if not (a.is_numeric and b.is_numeric):
        return a.kind is b.kind
    if a.kind is Kind.MONEY or b.kind is Kind.MONEY:
        if a.kind is b.kind:
            return a.currency == b.currency
        plain = b if a.kind is Kind.MONEY else a
        return loose and plain.kind is Kind.NUMBER
    if a.kind is b.kind or Kind.NUMBER in (a.kind, b.kind):
        return True
    return loose


def _cycles(deps: dict[str, set[str]]) -> list[list[str]]:
    """Each elementary cycle found by depth-first search, once."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []
    reported: set[frozenset[str]] = set()

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(deps.get(n, ())):
            if m not in deps:
                continue
            if state.get(m) == 1:
                cyc = stack[stack.index(m) :] + [m]
                key = frozenset(cyc)
                if key not in reported:
                    reported.add(key)
                    cycles.append(cyc)
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(deps):
        if n not in state:
            visit(n)
    return cycles


def lower(merged: Merged, as_of: _dt.date | None = None) -> tuple[ir.Program | None, list[Diagnostic]]:
    """Lower a merged module to the IR. Returns (program or None, diagnostics)."""
    lowerer = _Lowerer(merged, as_of)
    program = lowerer.run()
    if program is not None:
        too_deep = check_reference_depth(program)  # before any pass recurses through references
        if too_deep:
            return None, lowerer.diags + too_deep
    return program, lowerer.diags


def warnings_unused(program: ir.Program) -> list[Diagnostic]:
    """TL250/TL251: parameters and metrics that no rule uses."""
    used_params: set[str] = set()
    used_metrics: set[str] = set()
    used_tables: set[str] = set()
    roots = [m.derived if m.derived is not None else m.records for m in program.metrics if m.derived is not None or m.records is not None]
    for node in list(program.tracks) + list(program.gates) + roots + list(program.related_tables):
        for n in ir.walk(node):
            if isinstance(n, ir.Const) and n.param:
                used_params.add(n.param)
            elif isinstance(n, (ir.Score, ir.Category)) and n.cap_param:
                used_params.add(n.cap_param)
            elif isinstance(n, (ir.AtLeast, ir.GroupCount)) and n.param:
                used_params.add(n.param)
            elif isinstance(n, ir.MetricRef):
                used_metrics.add(n.name)
            elif isinstance(n, ir.Lookup):
                used_tables.add(n.table.name)
    for c in program.constraints:  # a constraint's parameters are used (its metrics are checked, not used by a rule)
        used_params.update(n.param for n in ir.walk(c) if isinstance(n, ir.Const) and n.param)
    for t in program.tables:
        for n in ir.walk(t):  # a table's parameters and key metrics count as used
            if isinstance(n, ir.Const) and n.param:
                used_params.add(n.param)
            elif isinstance(n, ir.MetricRef):
                used_metrics.add(n.name)
            elif isinstance(n, ir.Band):
                used_params.update(p for p in (n.low_param, n.high_param) if p)
    out = []
    for t in program.tables:
        if t.name not in used_tables:
            out.append(warning("TL252", f"table '{t.name}' is never used", t.span, hint="remove it, or use it in a rule: `points TABLE`"))
    for p in program.params:
        if p.name not in used_params:
            out.append(warning("TL250", f"parameter '{p.name}' is never used", p.span, hint="remove it, or use it in a rule"))
    for m in program.metrics:
        if m.name not in used_metrics and m.name != "anniversary":
            out.append(warning("TL251", f"metric '{m.name}' is never used by a rule", m.span, hint="remove it, or use it in a rule"))
    return out
