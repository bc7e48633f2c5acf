"""Structural diff: the edit script between two program versions' IRs.

Declarations are matched by name (so reordering is not a change) and compared by meaning
(spans, layout and comments are not part of the IR, so formatting is not a change). Each
change carries both source locations and, where it can be decided, its effect on partners:
`tightened` (harder to earn), `loosened` (easier) or `neutral`.

How the effect is decided:
- a changed number (a parameter's value, or a constant in a rule whose shape is otherwise
  the same) moves qualification the way the sign analysis (`passes.polarity`) says growing
  that number moves the track's level: e.g. raising `x` in `metric >= x` tightens, raising a
  points line's maximum loosens, raising a target (`clamp(n / target)`) tightens; a number
  replaced by a parameter (or one parameter by another) counts by value, on every date of
  the parameter's schedule;
- an added requirement tightens and a removed one loosens; a requirement replaced by one
  that has all its conditions and more tightens (and the reverse loosens);
- a removed level, variant or track tightens (partners lose what it gave); an added one
  loosens (there is more to earn), so the diff of B → A mirrors A → B;
- text (titles, docs, sources) is neutral; anything else is left undecided (None).
Examples and sample partners are not rules and are not compared.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from fractions import Fraction

from tierlang import ir
from tierlang.passes.ladder import conjuncts
from tierlang.passes.polarity import BOTH, NEG, POS, Analysis
from tierlang.render.source import expr_text, value_text

__all__ = ["Change", "structural_diff", "align_requirements", "reshaped_path", "TIGHTENED", "LOOSENED", "NEUTRAL"]

TIGHTENED, LOOSENED, NEUTRAL = "tightened", "loosened", "neutral"


@dataclass(frozen=True)
class Change:
    """One edit. `path` locates it (e.g. ("security", "designated", "requirement 2"));
    `what` names the thing or attribute changed; `old`/`new` are readable values."""

    action: str  # "added", "removed" or "changed"
    kind: str  # program, metric, param, gate, group, table, track, variant, level, requirement, score, category, line, choice, output
    path: tuple[str, ...]
    what: str
    old: str | None = None
    new: str | None = None
    effect: str | None = None  # tightened, loosened, neutral, or None when undecided
    old_span: ir.Span | None = field(default=None, compare=False)
    new_span: ir.Span | None = field(default=None, compare=False)

    @property
    def declaration(self) -> tuple[str, str]:
        """The top-level declaration the change is in: ("param", name), ("metric", name),
        ("gate", name), ("group", name), ("hold", name), ("track", name) or ("program", "")."""
        head = self.path[0]
        kind, _, name = head.partition(" ")
        if name and kind in ("metric", "param", "gate", "group", "table", "list", "hold"):
            return kind, name
        if head == "program":
            return "program", ""
        return "track", head

    def describe(self) -> str:
        where = " › ".join(self.path)
        if self.action == "changed":
            return f"{where}: {self.what} changed from {self.old} to {self.new}"
        value = self.new if self.action == "added" else self.old
        return f"{where}: {self.what} {self.action}" + (f" ({value})" if value else "")


# ------------------------------------------------------------------ comparison keys


def _key(node: object) -> str:
    """Meaning of an IR node for comparison: spans dropped, and a constant that comes from a
    parameter compared by the parameter's name (its value change is reported once, at the
    parameter)."""
    return json.dumps(_strip(node), sort_keys=True, default=str)


def _strip(node: object) -> object:
    if isinstance(node, ir.Const) and node.param:
        return {"param": node.param}
    if isinstance(node, ir.Lookup):  # a table's change is reported once, at the table
        return {"table": node.table.name}
    if isinstance(node, ir.Band):  # an end from a parameter is compared by the parameter's name
        node = replace(node, low=None if node.low_param else node.low, high=None if node.high_param else node.high)
    if isinstance(node, (ir.Score, ir.Category)) and node.cap_param:
        node = replace(node, cap=None)
    if isinstance(node, (ir.AtLeast, ir.GroupCount)) and node.param:
        node = replace(node, n=None)
    if isinstance(node, ir.Window):  # its dates follow each program's evaluation date
        return {"node": "Window", "months": node.months, "earlier": node.earlier}
    if isinstance(node, ir.InSet) and node.list:  # the list's change is reported at the list
        node = replace(node, values=())
    if isinstance(node, tuple):
        return [_strip(v) for v in node]
    if isinstance(node, Fraction):
        return str(node)
    if is_dataclass(node) and not isinstance(node, type):
        return {"node": type(node).__name__, **{f.name: _strip(getattr(node, f.name)) for f in fields(node) if f.name != "span"}}
    return node


def _same_shape(a: object, b: object) -> list[tuple[ir.Const, ir.Const]] | None:
    """When `a` and `b` differ only in literal constants, the pairs of differing constants."""
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        if a.param and a.param == b.param:
            return []  # its value change is reported once, at the parameter
        if a.type != b.type:
            return None
        # a number written out replaced by a parameter (or the reverse, or another parameter)
        # is compared by value, as a literal is
        return [] if a.value == b.value and not (a.param or b.param) else [(a, b)]
    if type(a) is not type(b):
        return None
    if isinstance(a, tuple):
        if len(a) != len(b):  # type: ignore[arg-type]
            return None
        out: list = []
        for x, y in zip(a, b):  # type: ignore[call-overload]
            sub = _same_shape(x, y)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if is_dataclass(a) and not isinstance(a, type):
        out = []
        for f in fields(a):
            if f.name == "span":
                continue
            sub = _same_shape(getattr(a, f.name), getattr(b, f.name))
            if sub is None:
                return None
            out.extend(sub)
        return out
    return [] if a == b else None


def align_requirements(old: Sequence[ir.Requirement], new: Sequence[ir.Requirement]) -> list[tuple[int | None, int | None]]:
    """Which requirement of a level in the new version is which in the old one, as pairs of
    positions (None: no counterpart, an added or removed requirement). Labelled requirements
    pair by label; the others as a sequence, unchanged ones matched first and the remaining
    ones of a changed stretch paired in order (they are reported as replaced). The impact
    diff uses the same pairing to tell a requirement that now fails from one that failed before."""
    pairs: list[tuple[int | None, int | None]] = []
    old_label = {r.label: i for i, r in enumerate(old) if r.label}
    new_label = {r.label: j for j, r in enumerate(new) if r.label}
    for label in sorted(set(old_label) & set(new_label)):
        pairs.append((old_label[label], new_label[label]))
    rest_old = [i for i, r in enumerate(old) if not (r.label and r.label in new_label)]
    rest_new = [j for j, r in enumerate(new) if not (r.label and r.label in old_label)]
    matcher = difflib.SequenceMatcher(a=[_key(old[i].expr) for i in rest_old], b=[_key(new[j].expr) for j in rest_new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = (i2 - i1) if op == "equal" else min(i2 - i1, j2 - j1) if op == "replace" else 0
        pairs.extend((rest_old[i1 + k], rest_new[j1 + k]) for k in range(paired))
        pairs.extend((i, None) for i in rest_old[i1 + paired : i2])
        pairs.extend((None, j) for j in rest_new[j1 + paired : j2])
    return pairs


# ------------------------------------------------------------------ the differ


class _Differ:
    def __init__(self, old: ir.Program, new: ir.Program, renames: dict[str, dict[str, str]] | None = None) -> None:
        self.old, self.new = old, new
        self.renames = renames or {}
        self.changes: list[Change] = []
        self._new_analysis = Analysis(new)
        self._gate_signs: dict[str, frozenset[int]] | None = None

    def add(self, action, kind, path, what, old=None, new=None, effect=None, old_span=None, new_span=None) -> None:
        self.changes.append(Change(action, kind, tuple(path), what, old, new, effect, old_span, new_span))

    def text_attrs(self, kind: str, path, a, b, names: Iterable[str]) -> None:
        for name in names:
            x, y = getattr(a, name), getattr(b, name)
            if x != y:
                self.add("changed", kind, path, name, _show(x), _show(y), NEUTRAL, a.span, b.span)

    # -------------------------------------------------------------- effects
    def effect_of_constant(
        self,
        track: str | None,
        old: ir.Const,
        new: ir.Const,
        requirement: ir.Expr | None = None,
        values: tuple | None = None,
        gate: ir.Gate | None = None,
    ) -> str | None:
        """Effect of a constant at `new`'s position moving from old.value to new.value (or
        between the two `values`, a parameter's on one date).

        Inside a `requirement` of `track`, the requirement's own expression says it: a level
        holds when all its requirements do, so the track moves as the requirement does
        (analysing the whole track for each changed constant made a diff that changes a
        threshold in each of N variants take N^2 time). Inside a `gate`, the gate's own
        expression says how the gate moves, and `gate_signs` how the tracks move with it."""
        x, y = values if values is not None else (old.value, new.value)
        if not isinstance(x, Fraction) or not isinstance(y, Fraction):
            return None
        if gate is not None:
            local = Analysis(self.new, variable=lambda n, target=new: "c" if n is target else _as_gate(n))
            sign = _compose(local.signs(gate.expr).get("c", frozenset()), self.gate_signs().get(gate.name, frozenset()))
            return _direction(sign, y - x)
        analysis = Analysis(self.new, variable=lambda n, target=new: "c" if n is target else None)
        if requirement is not None:
            return _direction(analysis.signs(requirement).get("c", frozenset()), y - x)
        tracks = [track] if track else [t.name for t in self.new.tracks]
        sign = frozenset()
        for name in tracks:
            sign |= analysis.track(name).get("c", frozenset())
        return _direction(sign, y - x)

    def gate_signs(self) -> dict[str, frozenset[int]]:
        """Per gate of the new program, how the tracks together move when the gate holds for
        more partners. One analysis with every gate as a variable gives each track's direct
        signs and each gate's signs over the gates it reads; those compose down the gates in
        order, each gate after every gate that reads it (analysing the whole program for each
        of N changed gates in a chain took N^2 time)."""
        if self._gate_signs is None:
            analysis = Analysis(self.new, variable=_as_gate)
            signs: dict[str, frozenset[int]] = {}
            for t in self.new.tracks:
                for key, sign in analysis.track(t.name).items():
                    if key[0] == "gate":
                        signs[key[1]] = signs.get(key[1], frozenset()) | sign
            reads = {g.name: analysis.signs(g.expr) for g in self.new.gates}
            for name in _readers_first(reads):
                for key, sign in reads[name].items():
                    if key[0] == "gate":
                        signs[key[1]] = signs.get(key[1], frozenset()) | _compose(sign, signs.get(name, frozenset()))
            self._gate_signs = signs
        return self._gate_signs

    def effect_of_param(self, name: str, old_value, new_value) -> str | None:
        if not isinstance(old_value, Fraction) or not isinstance(new_value, Fraction):
            return None

        def variable(n: object) -> str | None:
            if isinstance(n, ir.Const) and n.param == name:
                return name
            if isinstance(n, (ir.AtLeast, ir.GroupCount)) and n.param == name:
                return name
            return name if isinstance(n, (ir.Score, ir.Category)) and n.cap_param == name else None

        analysis = Analysis(self.new, variable=variable)
        sign = frozenset()
        for t in self.new.tracks:
            sign |= analysis.track(t.name).get(name, frozenset())
        if not sign:
            return NEUTRAL
        return _direction(sign, new_value - old_value)

    def effect_of_records(self, name: str, old: ir.Expr | None, new: ir.Expr | None) -> str | None:
        """Effect of a records formula's change, where the new formula can only come out
        higher (or only lower) than the old for every partner: a people rule that asks for
        fewer people, fewer needs or lets a person fill more needs holds wherever the old one
        did. Then the tracks' signs for the metric decide, as for a parameter; else undecided.
        A metric another records metric reads is left undecided (the tracks' signs do not
        see through records formulas)."""
        if not isinstance(old, ir.Assignment) or not isinstance(new, ir.Assignment):
            return None
        if any(
            m.records is not None and any(isinstance(n, ir.MetricRef) and n.name == name for n in ir.walk(m.records))
            for m in self.new.metrics
        ):
            return None
        up = people_rule_order(old, new)
        if up is None:
            return None
        if up == 0:
            return NEUTRAL
        analysis = Analysis(self.new)
        sign = frozenset()
        for t in self.new.tracks:
            sign |= analysis.track(t.name).get(("metric", name), frozenset())
        return _direction(sign, Fraction(up))

    def effect_of_schedule(self, a: ir.Param, b: ir.Param) -> str | None:
        """Effect of a parameter's change: the value in force at each program's date, and the
        value at every date either schedule names (before the first change, and from each
        change on). One direction (or none) decides; mixed directions leave it undecided."""
        pairs = [(a.value, b.value), (a.initial, b.initial)]
        pairs += [(_value_on(a, day), _value_on(b, day)) for day in sorted({d for d, _ in a.dated} | {d for d, _ in b.dated})]
        effects = {NEUTRAL if x == y else self.effect_of_param(b.name, x, y) for x, y in pairs}
        effects.discard(NEUTRAL)
        if not effects:
            return NEUTRAL
        return effects.pop() if len(effects) == 1 else None

    def values_over_time(self, a: ir.Const, b: ir.Const) -> list[tuple[ir.Value, ir.Value]]:
        """The (old, new) values of two constants: as each program reads it, and where one
        comes from a parameter with a schedule, on every date either schedule names."""
        pa = self.old.param_map.get(a.param) if a.param else None
        pb = self.new.param_map.get(b.param) if b.param else None
        days = sorted({d for p in (pa, pb) if p is not None for d, _ in p.dated})
        out = [(a.value, b.value)]
        for day in days:
            out.append((_value_on(pa, day) if pa else a.value, _value_on(pb, day) if pb else b.value))
        return out

    def effect_of_replacement(
        self, track: str | None, old: ir.Expr, new: ir.Expr, requirement: bool = False, gate: ir.Gate | None = None
    ) -> str | None:
        """`requirement`: `old` and `new` are a requirement of `track`; `gate`: they are the
        condition of that gate (of the new program)."""
        pairs = _same_shape(old, new)
        if pairs:
            effects = {
                NEUTRAL if x == y else self.effect_of_constant(track, a, b, new if requirement else None, (x, y), gate)
                for a, b in pairs
                for x, y in self.values_over_time(a, b)
            }
            if effects != {NEUTRAL}:
                effects.discard(NEUTRAL)
            return effects.pop() if len(effects) == 1 else None
        a, b = _conjunct_keys(old), _conjunct_keys(new)
        if a is None or b is None:  # a condition that never holds
            return None if a is b else LOOSENED if a is None else TIGHTENED
        if a < b:
            return TIGHTENED
        if b < a:
            return LOOSENED
        a, b = {_key(d) for d in _disjuncts(old)}, {_key(d) for d in _disjuncts(new)}
        if a < b:
            return LOOSENED
        if b < a:
            return TIGHTENED
        if _exactness(old, new) is not None:
            return _exactness(old, new)
        return None

    # -------------------------------------------------------------- program parts
    def run(self) -> list[Change]:
        o, n = self.old, self.new
        for name in ("name", "title", "version", "effective", "doc", "status"):
            x, y = getattr(o, name), getattr(n, name)
            if x != y:
                self.add("changed", "program", ("program",), name, _show(x), _show(y), NEUTRAL, o.span, n.span)
        self.named("metric", o.metrics, n.metrics, self.metric)
        self.named("param", o.params, n.params, self.param)
        self.named("gate", o.gates, n.gates, self.gate)
        self.named("group", o.groups, n.groups, self.group)
        self.named("table", o.tables, n.tables, self.table)
        self.named("track", o.tracks, n.tracks, self.track, removed_effect=TIGHTENED, added_effect=LOOSENED)
        self.named("table", o.related_tables, n.related_tables, self.related_table)
        self.named("list", o.lists, n.lists, self.value_list)
        # a status rule keeps levels longer (the promotion lag, shorter): removing one tightens
        self.named("hold", o.holds, n.holds, self.hold, removed_effect=_HOLD_REMOVED, added_effect=_HOLD_ADDED)
        return self.changes

    def related_table(self, path, a: ir.RelatedTable, b: ir.RelatedTable) -> None:
        if a.key != b.key:
            self.add("changed", "table", path, "key", ", ".join(a.key) or "none", ", ".join(b.key) or "none", None, a.span, b.span)
        self.named("column", a.columns, b.columns, self.column, path=path)
        for name in sorted({f.name for f in a.filters} | {f.name for f in b.filters}):
            x, y = a.filter(name), b.filter(name)
            if x is None or y is None or _key(x.expr) != _key(y.expr):
                old = _expr(x.expr) if x is not None else None
                new = _expr(y.expr) if y is not None else None
                action = "added" if x is None else "removed" if y is None else "changed"
                self.add(
                    action, "table", (*path, f"filter {name}"), "condition", old, new, None, x.span if x else None, y.span if y else None
                )
        self.text_attrs("table", path, a, b, ("title", "doc", "source"))

    def column(self, path, a: ir.Column, b: ir.Column) -> None:
        for name in ("type", "optional", "month", "minimum", "maximum"):
            x, y = getattr(a, name), getattr(b, name)
            if x != y:
                self.add("changed", "table", path, name, _show(x), _show(y), None, a.span, b.span)

    def value_list(self, path, a: ir.ValueList, b: ir.ValueList) -> None:
        gone = [v for v in a.values if v not in b.values]
        new = [v for v in b.values if v not in a.values]
        if gone or new:
            text = "; ".join(filter(None, [f"without {', '.join(gone)}" if gone else "", f"with {', '.join(new)}" if new else ""]))
            self.add("changed", "list", path, "values", ", ".join(a.values), f"{text}: {', '.join(b.values)}", None, a.span, b.span)
        self.text_attrs("list", path, a, b, ("title", "doc", "source"))

    def hold(self, path, a: ir.Hold, b: ir.Hold) -> None:
        """A status rule's change. Its effect: a longer window, grace or no-demotion period, or
        an earlier start, keeps levels longer (loosened; for the promotion lag, tightened)."""
        for name in ("kind", "tracks", "length", "since", "until", "held_on"):
            x, y = getattr(a, name), getattr(b, name)
            if x == y:
                continue
            effect = None
            if a.kind == b.kind and name in ("length", "until", "held_on", "since") and x is not None and y is not None:
                longer = (y > x) != (name == "since")  # a later start is a shorter rule
                effect = (LOOSENED if longer else TIGHTENED) if a.kind != "lag" else (TIGHTENED if longer else LOOSENED)
                if name == "held_on":
                    effect = None  # another day's level: depends on the partner
            elif name == "since":
                effect = TIGHTENED if x is None else LOOSENED if y is None else None
            shown = (lambda v: ", ".join(v)) if name == "tracks" else _show
            self.add("changed", "hold", path, name, shown(x), shown(y), effect, a.span, b.span)
        self.text_attrs("hold", path, a, b, ("title", "doc", "source", "assumed"))

    def named(self, kind, olds, news, compare, path=(), removed_effect=NEUTRAL, added_effect=NEUTRAL, **kw) -> None:
        old_by = {x.name: x for x in olds}
        new_by = {x.name: x for x in news}
        for name, x in old_by.items():
            if name not in new_by:
                effect = removed_effect(x) if callable(removed_effect) else removed_effect
                self.add("removed", kind, (*path, _label(kind, name)), kind, old=_title(x), effect=effect, old_span=x.span)
        for name, y in new_by.items():
            if name not in old_by:
                effect = added_effect(y) if callable(added_effect) else added_effect
                self.add("added", kind, (*path, _label(kind, name)), kind, new=_title(y), effect=effect, new_span=y.span)
            elif _key(old_by[name]) != _key(y):
                compare((*path, _label(kind, name)), old_by[name], y, **kw)

    def metric(self, path, a: ir.Metric, b: ir.Metric) -> None:
        for name in ("type", "column", "direction", "minimum", "maximum", "default", "optional", "unit"):
            if name == "column" and (a.records is None) != (b.records is None):
                continue  # said once, as the records formula that replaces (or is replaced by) the column
            x, y = getattr(a, name), getattr(b, name)
            if x != y:
                self.add("changed", "metric", path, name, _show(x), _show(y), None, a.span, b.span)
        if _key(a.derived) != _key(b.derived):
            self.add("changed", "metric", path, "formula", _expr(a.derived), _expr(b.derived), None, a.span, b.span)
        if _key(a.records) != _key(b.records):
            # computed from records instead of read from a column (or another records formula)
            effect = self.effect_of_records(b.name, a.records, b.records)
            self.add("changed", "metric", path, "records formula", _expr(a.records), _expr(b.records), effect, a.span, b.span)
        self.text_attrs("metric", path, a, b, ("title", "doc", "source"))

    def param(self, path, a: ir.Param, b: ir.Param) -> None:
        # One change per parameter: the value in force at each program's date, with the dated
        # schedule when either has one (a schedule alone is a change too: it moves the value
        # from a date on).
        if (a.value, a.type, a.dated, a.initial) != (b.value, b.type, b.dated, b.initial):
            effect = self.effect_of_schedule(a, b)
            self.add(
                "changed", "param", path, "value", _param_text(a, _day(self.old)), _param_text(b, _day(self.new)), effect, a.span, b.span
            )
        self.text_attrs("param", path, a, b, ("title", "doc", "source", "assumed"))

    def gate(self, path, a: ir.Gate, b: ir.Gate) -> None:
        if _key(a.expr) != _key(b.expr):
            effect = self.effect_of_replacement(None, a.expr, b.expr, gate=b)
            self.add("changed", "gate", path, "condition", _expr(a.expr), _expr(b.expr), effect, a.span, b.span)
        self.text_attrs("gate", path, a, b, ("title", "doc", "source"))

    def table(self, path, a: ir.Table, b: ir.Table) -> None:
        """A table's keys and bands (undecided when they change), and each cell whose value
        moved, classified like any constant (a parameter's change is reported at it)."""
        from tierlang.passes.tables import band_text, key_type

        if a.type != b.type:
            self.add("changed", "table", path, "type", str(a.type), str(b.type), None, a.span, b.span)
        if _key(a.keys) != _key(b.keys):
            self.add("changed", "table", path, "keys", _exprs(a.keys), _exprs(b.keys), None, a.span, b.span)
        for what, x, y in (("rows", a.rows, b.rows), ("columns", a.columns, b.columns)):
            if _key(x) != _key(y):
                shown = lambda bands: ", ".join(band_text(band) for band in bands) or "none"  # noqa: E731
                self.add("changed", "table", path, what, shown(x), shown(y), None, a.span, b.span)
        if len(a.rows) == len(b.rows) and len(a.columns) == len(b.columns):
            for r, (xs, ys) in enumerate(zip(a.cells, b.cells)):
                for c, (x, y) in enumerate(zip(xs, ys)):
                    if _key(x) != _key(y):
                        types = [key_type(k, self.new) for k in b.keys]
                        where = band_text(b.rows[r], types[0]) + (f" × {band_text(b.columns[c], types[1])}" if b.columns else "")
                        effect = self.effect_of_constant(None, x, y) if not (x.param or y.param) else None
                        self.add("changed", "table", (*path, where), "cell", _show(x.value), _show(y.value), effect, x.span, y.span)
        self.text_attrs("table", path, a, b, ("title", "doc", "source"))

    def group(self, path, a: ir.Group, b: ir.Group) -> None:
        if a.tracks != b.tracks:
            self.add("changed", "group", path, "tracks", ", ".join(a.tracks), ", ".join(b.tracks), None, a.span, b.span)
        self.text_attrs("group", path, a, b, ("title", "doc"))

    def track(self, path, a: ir.Track, b: ir.Track) -> None:
        self.text_attrs("track", path, a, b, ("title", "doc", "source", "group"))
        if a.also_in != b.also_in:  # the further groups (`in a, b`)
            self.add("changed", "track", path, "groups", ", ".join(a.groups), ", ".join(b.groups), None, a.span, b.span)
        self.outputs(path, a, b)
        if _one_path(a) and _one_path(b):
            self.variant(path, a.variants[0], b.variants[0], track=b.name)
            return
        if _one_path(a) or _one_path(b):
            self.reshaped(path, a, b)
            return
        if a.selection != b.selection:
            self.add("changed", "track", path, "variant selection", a.selection, b.selection, None, a.span, b.span)
        self.choices(path, a, b)
        self.named(
            "variant", a.variants, b.variants, self.variant, path=path, removed_effect=TIGHTENED, added_effect=LOOSENED, track=b.name
        )

    def reshaped(self, path, a: ir.Track, b: ir.Track) -> None:
        """A track that has variants in one version and a single path in the other: one
        change ("variants"), classified from comparing the single path with each variant,
        followed by what differs on each former (or new) path."""
        multi, gained = (b, True) if _one_path(a) else (a, False)
        outer, self.changes = self.changes, []
        effects = []
        for v in multi.variants:
            start = len(self.changes)
            if gained:
                self.variant((*path, reshaped_path(None, v.name)), a.variants[0], v, track=b.name)
            else:
                self.variant((*path, reshaped_path(v.name, None)), v, b.variants[0], track=b.name)
            effects.append(_combined(c.effect for c in self.changes[start:]))
        details, self.changes = self.changes, outer
        effect = _reshape_effect(multi.selection, effects, gained)
        self.add("changed", "track", path, "variants", _paths_text(a), _paths_text(b), effect, a.span, b.span)
        self.changes.extend(details)

    def outputs(self, path, a: ir.Track, b: ir.Track) -> None:
        """Outputs are amounts, not rules: no level moves with them, so a change is not
        classified (the impact diff shows who pays or gets what)."""
        old = {o.name: o for o in a.outputs}
        new = {o.name: o for o in b.outputs}
        for name, o in old.items():
            if name not in new:
                self.add("removed", "output", (*path, f"output {name}"), "output", old=o.title, old_span=o.span)
        for name, o in new.items():
            if name not in old:
                self.add("added", "output", (*path, f"output {name}"), "output", new=o.title, new_span=o.span)
                continue
            x = old[name]
            if x.type != o.type:
                self.add("changed", "output", (*path, f"output {name}"), "type", str(x.type), str(o.type), None, x.span, o.span)
            if _key(x.expr) != _key(o.expr):
                self.add("changed", "output", (*path, f"output {name}"), "formula", _expr(x.expr), _expr(o.expr), None, x.span, o.span)
            self.text_attrs("output", (*path, f"output {name}"), x, o, ("title", "doc", "source"))

    def choices(self, path, a: ir.Track, b: ir.Track) -> None:
        old = {c.variant: c for c in a.choices}
        new = {c.variant: c for c in b.choices}
        for name in sorted(set(old) | set(new)):
            x, y = old.get(name), new.get(name)
            if x is not None and y is not None and _key(x.when) != _key(y.when):
                self.add("changed", "choice", (*path, f"choice of {name}"), "condition", _expr(x.when), _expr(y.when), None, x.span, y.span)

    def variant(self, path, a: ir.Variant, b: ir.Variant, track: str) -> None:
        self.named("score", a.scores, b.scores, self.score, path=path, track=track)
        self.levels(path, a, b, track)

    def levels(self, path, a: ir.Variant, b: ir.Variant, track: str) -> None:
        # a renamed level (the mapping says which) is compared with its new self, under its new name
        renamed = {o: n for o, n in self.renames.get(track, {}).items() if o in {lv.name for lv in a.levels}}
        renamed = {o: n for o, n in renamed.items() if n in {lv.name for lv in b.levels}}
        old = {renamed.get(lv.name, lv.name): lv for lv in a.levels}
        new = {lv.name: lv for lv in b.levels}
        for o, n in renamed.items():
            self.add("changed", "level", (*path, n), "name", o, n, NEUTRAL, old[n].span, new[n].span)
        for name, x in old.items():
            if name not in new:
                self.add("removed", "level", (*path, name), "level", old=_title(x), effect=TIGHTENED, old_span=x.span)
        for name, y in new.items():
            if name not in old:
                self.add("added", "level", (*path, name), "level", new=_title(y), effect=LOOSENED, new_span=y.span)
                continue
            x = old[name]
            lp = (*path, name)
            if x.cumulative != y.cumulative:
                effect = LOOSENED if x.cumulative else TIGHTENED
                self.add("changed", "level", lp, "cumulative", _show(x.cumulative), _show(y.cumulative), effect, x.span, y.span)
            self.text_attrs("level", lp, x, y, ("title", "doc", "source"))
            self.requirements(lp, x, y, track)
        if [renamed.get(lv.name, lv.name) for lv in a.levels if renamed.get(lv.name, lv.name) in new] != [
            lv.name for lv in b.levels if lv.name in old
        ]:
            self.add(
                "changed",
                "level",
                path,
                "level order",
                " < ".join(lv.name for lv in a.levels),
                " < ".join(lv.name for lv in b.levels),
                None,
                a.span,
                b.span,
            )

    def requirements(self, path, a: ir.Level, b: ir.Level, track: str) -> None:
        """Report what was added, removed or replaced (alignment: `align_requirements`)."""
        for i, j in align_requirements(a.requirements, b.requirements):
            if i is not None and j is not None:
                x, y = a.requirements[i], b.requirements[j]
                if _key(x.expr) != _key(y.expr):
                    self.replace(path, x, y, track, b)
            elif i is not None:
                r = a.requirements[i]
                self.add(
                    "removed", "requirement", (*path, _req_label(r, a)), "requirement", old=_expr(r.expr), effect=LOOSENED, old_span=r.span
                )
            elif j is not None:
                r = b.requirements[j]
                self.add(
                    "added", "requirement", (*path, _req_label(r, b)), "requirement", new=_expr(r.expr), effect=TIGHTENED, new_span=r.span
                )

    def replace(self, path, x: ir.Requirement, y: ir.Requirement, track: str, level: ir.Level) -> None:
        effect = self.effect_of_replacement(track, x.expr, y.expr, requirement=True)
        self.add(
            "changed", "requirement", (*path, _req_label(y, level)), "requirement", _expr(x.expr), _expr(y.expr), effect, x.span, y.span
        )

    def score(self, path, a: ir.Score, b: ir.Score, track: str) -> None:
        if a.cap != b.cap and not (a.cap_param and a.cap_param == b.cap_param):
            self.add("changed", "score", path, "cap", _show(a.cap), _show(b.cap), _cap_effect(a.cap, b.cap), a.span, b.span)
        self.text_attrs("score", path, a, b, ("title", "doc", "source"))
        old_items = {i.name: i for i in a.items}
        new_items = {i.name: i for i in b.items}
        old_lines = {line.name: line for line in a.lines}
        new_lines = {line.name: line for line in b.lines}
        for name, item in old_items.items():
            if name not in new_items and isinstance(item, ir.Category):
                self.add("removed", "category", (*path, name), "category", old=_title(item), effect=None, old_span=item.span)
        for name, item in new_items.items():
            if name not in old_items and isinstance(item, ir.Category):
                self.add("added", "category", (*path, name), "category", new=_title(item), effect=None, new_span=item.span)
            elif isinstance(item, ir.Category) and isinstance(old_items.get(name), ir.Category):
                old_cat = old_items[name]
                if old_cat.cap != item.cap and not (old_cat.cap_param and old_cat.cap_param == item.cap_param):
                    self.add(
                        "changed",
                        "category",
                        (*path, name),
                        "cap",
                        _show(old_cat.cap),
                        _show(item.cap),
                        _cap_effect(old_cat.cap, item.cap),
                        old_cat.span,
                        item.span,
                    )
                self.text_attrs("category", (*path, name), old_cat, item, ("title", "doc"))
        self.named(
            "line",
            old_lines.values(),
            new_lines.values(),
            self.line,
            path=path,
            removed_effect=TIGHTENED,
            added_effect=LOOSENED,
            track=track,
        )

    def line(self, path, a: ir.Line, b: ir.Line, track: str) -> None:
        if _key(a.points) != _key(b.points):
            effect = self.effect_of_replacement(track, a.points, b.points)
            self.add("changed", "line", path, "points", _expr(a.points), _expr(b.points), effect, a.span, b.span)
        if _key(a.when) != _key(b.when):
            if a.when is None:
                effect = TIGHTENED
            elif b.when is None:
                effect = LOOSENED
            else:
                effect = self.effect_of_replacement(track, a.when, b.when)
            self.add("changed", "line", path, "gate (when)", _expr(a.when), _expr(b.when), effect, a.span, b.span)
        self.text_attrs("line", path, a, b, ("title", "doc", "source"))


# ------------------------------------------------------------------ helpers


def people_rule_order(old: ir.Assignment, new: ir.Assignment) -> int | None:
    """1 when `new` holds wherever `old` does (the same people and needs, each need asking for
    at most as many, some needs gone, each person free to fill at least as many), -1 the
    other way round, 0 when they mean the same, None when neither follows from the other."""

    def easier(a: ir.Assignment, b: ir.Assignment) -> bool:
        if (a.table, a.column, _key(a.where)) != (b.table, b.column, _key(b.where)) or b.capacity < a.capacity:
            return False
        asked = {n.name: n for n in a.needs}
        return all(
            n.count == 0 or (n.name in asked and _key(n.where) == _key(asked[n.name].where) and n.count <= asked[n.name].count)
            for n in b.needs
        )

    up, down = easier(old, new), easier(new, old)
    return 0 if up and down else 1 if up else -1 if down else None


def _direction(sign, delta: Fraction) -> str | None:
    if delta == 0 or not sign:
        return NEUTRAL
    if sign == BOTH:
        return None
    up = LOOSENED if sign == POS else TIGHTENED if sign == NEG else None
    if up is None:
        return None
    return up if delta > 0 else (TIGHTENED if up == LOOSENED else LOOSENED)


def _conjunct_keys(e: ir.Expr) -> set[str] | None:
    """The conditions `e` needs, all together (`true` needs nothing); None when one of them
    is `false`, so that `e` never holds."""
    out = set()
    for c in conjuncts(e):
        if isinstance(c, ir.Const) and isinstance(c.value, bool) and c.param is None:
            if not c.value:
                return None
            continue
        out.add(_key(c))
    return out


def _exactness(old: ir.Expr, new: ir.Expr) -> str | None:
    """`at LEVEL` made `at exactly LEVEL` tightens (the levels above no longer count), and
    the reverse loosens; None for any other pair."""
    same_kind = isinstance(old, (ir.TrackAt, ir.GroupCount)) and type(old) is type(new) and old.exact != new.exact  # type: ignore[union-attr]
    if same_kind and _key(replace(old, exact=False)) == _key(replace(new, exact=False)):  # type: ignore[type-var]
        return TIGHTENED if new.exact else LOOSENED  # type: ignore[union-attr]
    return None


def _disjuncts(e: ir.Expr) -> list[ir.Expr]:
    if isinstance(e, ir.Or):
        return [d for item in e.items for d in _disjuncts(item)]
    return [e]


def reshaped_path(old: str | None, new: str | None) -> str:
    """The path segment under which a track that gained or lost its variants lists what
    differs between its single path and one variant ("b → one path", "one path → b")."""
    return f"{old} → one path" if new is None else f"one path → {new}"


def _one_path(t: ir.Track) -> bool:
    """A track without declared variants (its one variant is unnamed)."""
    return len(t.variants) == 1 and t.variants[0].name is None


def _combined(effects: Iterable[str | None]) -> str | None:
    """One effect for several changes made together: neutral when none moves anything, the
    one direction they share, else undecided."""
    moved = {e for e in effects if e != NEUTRAL}
    if not moved:
        return NEUTRAL
    return moved.pop() if len(moved) == 1 else None


def _reshape_effect(selection: str, effects: list[str | None], gained: bool) -> str | None:
    """The effect of trading a track's variants for one path (or the reverse, `gained`),
    given the effect of going from each variant to the path (or from the path to each).

    A classified track puts each partner on one variant, so every variant must agree. A
    best-of track gives the best variant: one path at least as loose as every variant keeps
    every partner's level or raises it, and one at most as loose as some variant cannot
    raise it (losing the choice of paths tightens)."""
    if selection != "best":
        return _combined(effects)
    if all(e == NEUTRAL for e in effects):
        return NEUTRAL
    # the direction of "the single path is looser than the variant", whichever side it is on
    looser = TIGHTENED if gained else LOOSENED
    stricter = LOOSENED if gained else TIGHTENED
    if all(e in (looser, NEUTRAL) for e in effects):
        return NEUTRAL if NEUTRAL in effects else looser
    if any(e in (stricter, NEUTRAL) for e in effects):
        return stricter
    return None


def _paths_text(t: ir.Track) -> str:
    """How a track scores its partners: "one path", "best of a, b", or its classification."""
    if _one_path(t):
        return "one path (no variants)"
    names = [v.name or "" for v in t.variants]
    if t.selection != "classified":
        return f"best of {', '.join(names)}"
    parts = [f"{c.variant} when {expr_text(c.when)}" if c.when is not None else f"else {c.variant}" for c in t.choices]
    return f"variants {', '.join(names)}: " + ", ".join(parts)


def _cap_effect(old: Fraction | None, new: Fraction | None) -> str:
    if old is None:
        return TIGHTENED
    if new is None:
        return LOOSENED
    return LOOSENED if new > old else TIGHTENED


def _show(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, (Fraction, bool)) or hasattr(v, "isoformat"):
        return value_text(v)
    return str(v)


def _expr(e: ir.Expr | None) -> str | None:
    return None if e is None else expr_text(e)


def _exprs(items: Sequence[ir.Expr]) -> str:
    return ", ".join(expr_text(e) for e in items)


def _day(program: ir.Program) -> _dt.date | None:
    """The date a program's dated parameters were resolved for."""
    return program.as_of or program.effective


def _value_on(p: ir.Param, day) -> ir.Value | None:
    """The value a parameter's schedule gives on `day`."""
    value = p.initial if p.initial is not None else p.value
    for d, v in p.dated:
        if d <= day:
            value = v
    return value


def _param_text(p: ir.Param, day: _dt.date | None) -> str:
    """The value in force on `day` (the date the program was read for) and the dated changes
    around it: `2`, `1, then 2 from 2023-12-01`, `2 since 2023-12-01 (1 before)`. A whole
    schedule after `1 → 1` read as if nothing had changed."""
    text = value_text(p.value, p.type)
    if not p.dated:
        return text
    if day is None:
        day = p.dated[0][0] - _dt.timedelta(days=1)
    past = [(d, v) for d, v in p.dated if d <= day]
    if past:
        before = past[-2][1] if len(past) > 1 else (p.initial if p.initial is not None else p.value)
        text += f" since {past[-1][0].isoformat()} ({value_text(before, p.type)} before)"
    return text + "".join(f", then {value_text(v, p.type)} from {d.isoformat()}" for d, v in p.dated if d > day)


def _title(x) -> str | None:
    return getattr(x, "title", None)


def _hold_effect(action: str):
    def effect(h: ir.Hold) -> str:
        keeps = h.kind != "lag"  # every rule but the promotion lag keeps levels
        return (LOOSENED if keeps else TIGHTENED) if action == "added" else (TIGHTENED if keeps else LOOSENED)

    return effect


_HOLD_ADDED, _HOLD_REMOVED = _hold_effect("added"), _hold_effect("removed")


def _label(kind: str, name: str) -> str:
    return name if kind in ("track", "variant", "score", "line") else f"{kind} {name}"


def _req_label(r: ir.Requirement, level: ir.Level | None) -> str:
    if r.label:
        return f"requirement {r.label}"
    if level is not None and r in level.requirements:
        return f"requirement {level.requirements.index(r) + 1}"
    return "requirement"


def structural_diff(old: ir.Program, new: ir.Program, renames: dict[str, dict[str, str]] | None = None) -> list[Change]:
    """The rule changes from `old` to `new` (empty when they mean the same). `renames`: per
    track, old level name -> new name (`diff.mapping.level_renames`): such a level is
    compared with its renamed self instead of being removed and added."""
    return _Differ(old, new, renames).run()


def _as_gate(node: object) -> tuple[str, str] | None:
    """Gate references as variables (`gate_signs`): an analysis then stops at each one."""
    return ("gate", node.name) if isinstance(node, ir.GateRef) else None


def _compose(inner: frozenset[int], outer: frozenset[int]) -> frozenset[int]:
    """The signs of f(g(x)) from those of g over x (`inner`) and of f over g (`outer`)."""
    return frozenset(a * b for a in inner for b in outer)


def _readers_first(reads: dict[str, dict]) -> list[str]:
    """The gates in an order where each comes after every gate that reads it (`reads`: the
    signs of each gate over what it reads, gates as ("gate", name) keys). Iterative: a chain
    of gates may be 2000 deep."""
    done: set[str] = set()
    order: list[str] = []  # every gate after the gates it reads
    for root in reads:
        stack = [(root, iter(reads[root]))]
        done.add(root)
        while stack:
            name, keys = stack[-1]
            for key in keys:
                if key[0] == "gate" and key[1] in reads and key[1] not in done:
                    done.add(key[1])
                    stack.append((key[1], iter(reads[key[1]])))
                    break
            else:
                stack.pop()
                order.append(name)
    return order[::-1]
