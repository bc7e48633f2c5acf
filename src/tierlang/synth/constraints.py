"""The programs' input constraints, kept in synthetic data (`constraint NAME: CONDITION`).

`tier eval` refuses a row that breaks an input constraint (TL416), so every partner `tier synth`
writes keeps every constraint of every program it generates for, at any size and in every
month of a history. The constraints are read from the IR, like the rest of the schema, so a
new program's `constraint active <= acquired` or `constraint a + b <= c` needs no knob.

How, exactly (in the generator's integer units: whole numbers of each column's last decimal
place):

1. **Forms.** Each constraint's comparisons that every row must meet on their own (the members
   of its top-level `and`, `not` pushed inside) become integer forms over column units,
   `Σ A·u + K <= 0` or `Σ A·u + K = 0` (a strict comparison is `<= -1` in integers).
2. **Dependents.** Each form gets one *dependent* column, the one moved to meet it. A column
   that can always be moved far enough within its declared range (interval arithmetic over
   the other columns' ranges) is preferred; then one on the side with fewer columns (in
   `a + b <= c`, `c` rises to the sum of its parts); on a tie the smaller side (in `x <= y`,
   `x` falls to `y`: the subset is clamped, its superset keeps its distribution). A choice that
   would make columns depend on each other in a cycle is skipped.
3. **Repair.** The dependents are clamped in topological order (a column is moved only after
   every column its bounds read): to the largest of its lower bounds and the smallest of its
   upper bounds, and to its range; an equality sets it where it divides exactly.
4. **Redraw.** What repair cannot mend (a constraint joined by `or`, a `!=`, bounds that cross
   on one row) is found by the exact row check of `tier eval` (data/constraints.py) and the
   row is drawn again from other random streams, a bounded number of times; a constraint
   still broken then is an error naming it (it may be infeasible within the declared ranges).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data.constraints import constraint_flag
from tierlang.passes.constraints import linear
from tierlang.synth.schema import Schema

__all__ = ["Fit", "REDRAWS"]

#: How many times a row that repair cannot mend is drawn again before tier synth gives up.
REDRAWS = 30
#: ... or after this many redraws in a row that mend no row at all.
STALLS = 3
#: Steps of the search for the columns that move (`Fit._plan`); past it, the best found.
_SEARCH = 20_000

_NEGATED = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!=", "!=": "=="}
_ZERO = pl.lit(0, pl.Int128)


@dataclass(frozen=True, eq=False)
class _Form:
    """`Σ coefs[column] × units + const` compared with 0: `<=` (op "le"), `==` ("eq") or `!=`
    ("ne"), in integers. `unless`: where the form is enforced, when it is one branch of an
    `or` (true where the constraint holds: the branch is left alone there)."""

    coefs: dict[str, int]
    const: int
    op: str
    unless: pl.Expr | None = None


def _nnf(e: ir.Expr, negate: bool = False) -> tuple:
    """`e` with `not` pushed inside: ("and", [...]), ("or", [...]) or ("cmp", op, left, right)."""
    if isinstance(e, ir.Not):
        return _nnf(e.operand, not negate)
    if isinstance(e, (ir.And, ir.Or)):
        kind = "and" if isinstance(e, ir.And) != negate else "or"
        return (kind, [_nnf(x, negate) for x in e.items])
    assert isinstance(e, ir.Compare)
    return ("cmp", _NEGATED[e.op] if negate else e.op, e.left, e.right)


def _members(node: tuple, kind: str) -> list[tuple]:
    """The members of `node`'s `kind` ("and" or "or"), nested ones flattened."""
    if node[0] != kind:
        return [node]
    return [m for x in node[1] for m in _members(x, kind)]


class Fit:
    """The constraints of `schema.programs` over the columns of a units frame (see the module
    docstring): `repair` moves the dependents, `broken` flags the rows still breaking one."""

    def __init__(self, schema: Schema, grids: Mapping[str, int], ranges: Mapping[str, tuple[int | None, int | None]]) -> None:
        self.ranges = ranges
        self.order_of = {c: i for i, c in enumerate(schema.columns)}
        self.checks: list[tuple[str, pl.Expr]] = []  # (constraint's label, true where a row breaks it)
        self.bounds: dict[str, list[_Form]] = {}
        self.parents: dict[str, set[str]] = {}
        musts: list[_Form] = []  # comparisons every row must meet
        choices: list[list[list[_Form]]] = []  # per `or`, its branches
        several = len(schema.programs) > 1
        for prog in schema.programs:
            names = {m.name: m.column or m.name for m in prog.input_metrics}
            scales = {m: grids[c] for m, c in names.items() if c in grids}
            for c in prog.constraints:
                label = f"'{c.name}'" + (f" ({c.title})" if c.title else "") + (f" of {prog.name}" if several else "")
                flag = constraint_flag(c, prog, scales, names)
                self.checks.append((label, flag))
                for member in _members(_nnf(c.expr), "and"):
                    if member[0] == "cmp":
                        musts += _forms(member, prog.metric_map, names, grids)
                    else:  # an `or`: where the constraint is broken, its first branch that can be is mended
                        choices.append([_forms(branch, prog.metric_map, names, grids, ~flag) for branch in member[1]])
        # A comparison of one column is a tighter range (`m > 0`): known first, it tells which
        # column of the others can move (in `m <= n`, n rises to m, which is at least 1).
        self.reach = dict(ranges)
        for form in musts:
            if len(form.coefs) == 1 and form.op == "le":
                ((d, a),) = form.coefs.items()
                lo, hi = self.reach[d]
                if a > 0:
                    hi = min(x for x in (hi, math.floor(Fraction(-form.const, a))) if x is not None)
                else:
                    lo = max(x for x in (lo, math.ceil(Fraction(-form.const, a))) if x is not None)
                self.reach[d] = (lo, hi)
        for form in musts:
            if len(form.coefs) == 1:
                self._attach([form])
        self._attach([f for f in musts if len(f.coefs) > 1])
        for branches in choices:  # the branch with the cheapest plan (the first on a tie)
            plans = [(plan[0], i, plan) for i, forms in enumerate(branches) if (plan := self._plan(forms))]
            if plans:
                _, i, plan = min(plans, key=lambda p: p[:2])
                self._attach(branches[i], plan)
        self.order = _topological(self.parents)

    def _plan(self, forms: list[_Form]) -> tuple[int, list[str]] | None:
        """A dependent column for every form, without columns depending on each other in a
        cycle: (cost, the columns) of the assignment with the fewest poor choices (a column
        that cannot always move far enough, or that would be squeezed between bounds both
        ways), searched depth-first in order of preference, at most `_SEARCH` steps. None when
        every assignment makes a cycle."""
        ranked = [sorted(form.coefs, key=lambda c, f=form: self._preference(f, c)) for form in forms]
        held = {d: list(fs) for d, fs in self.bounds.items()}  # each column's forms so far
        best: tuple[int, list[str]] | None = None
        steps = 0

        def search(i: int, parents: dict[str, set[str]], chosen: list[str], cost: int) -> None:
            nonlocal best, steps
            if best is not None and (cost >= best[0] or best[0] == 0) or steps >= _SEARCH:
                return
            if i == len(forms):
                best = (cost, list(chosen))
                return
            form = forms[i]
            for d in ranked[i]:
                others = set(form.coefs) - {d}
                if _reaches(parents, others, d):
                    continue
                steps += 1
                mine = held.setdefault(d, [])
                ways = {_way(f, d) for f in mine}
                way = _way(form, d)
                squeezed = bool(ways - {way}) or way in ("eq", "ne") and bool(ways)
                poor = 2 * (not self._reaches(form, d, rest=False)) + (not self._reaches(form, d, rest=True))
                if squeezed:  # worse when the bounds already cross with the other columns at rest
                    poor += 1 if self._room_at_rest([*mine, form], d) else 3
                mine.append(form)
                search(i + 1, {**parents, d: parents.get(d, set()) | others}, [*chosen, d], cost + poor)
                mine.pop()

        search(0, self.parents, [], 0)
        return None if best is None or not forms else best

    def _attach(self, forms: list[_Form], plan: tuple[int, list[str]] | None = None) -> bool:
        """Give every form its planned dependent (`_plan`); False when there is no plan."""
        plan = plan or self._plan(forms)
        if plan is None:
            return False
        for d, form in zip(plan[1], forms):
            self.parents.setdefault(d, set()).update(set(form.coefs) - {d})
            self.bounds.setdefault(d, []).append(form)
        return True

    def __bool__(self) -> bool:
        return bool(self.checks)

    def _rest(self, c: str) -> int:
        """A column's value at rest: 0, or the end of its range nearest it."""
        lo, hi = self.reach[c]
        at = max(0, lo) if lo is not None else 0
        return at if hi is None else min(at, hi)

    def _room_at_rest(self, forms: list[_Form], d: str) -> bool:
        """Whether some value of `d` in its range meets every form of `forms` when the other
        columns are at rest."""
        lo, hi = self.reach[d]
        lo, hi = Fraction(lo) if lo is not None else None, Fraction(hi) if hi is not None else None
        for f in forms:
            a = f.coefs[d]
            at = -Fraction(f.const + sum(v * self._rest(c) for c, v in f.coefs.items() if c != d), a)
            if f.op == "eq":
                lo, hi = max(at, lo) if lo is not None else at, min(at, hi) if hi is not None else at
            elif f.op == "le" and a > 0:
                hi = min(at, hi) if hi is not None else at
            elif f.op == "le":
                lo = max(at, lo) if lo is not None else at
        return lo is None or hi is None or math.ceil(lo) <= math.floor(hi)

    def _preference(self, form: _Form, d: str) -> tuple:
        a = form.coefs[d]
        side = sum(1 for v in form.coefs.values() if (v > 0) == (a > 0))
        always, at_rest = self._reaches(form, d, rest=False), self._reaches(form, d, rest=True)
        return (not always, not at_rest, form.op == "eq" and abs(a) != 1, side, a < 0, self.order_of[d])

    def _reaches(self, form: _Form, d: str, rest: bool) -> bool:
        """Whether moving `d` alone meets `form` within d's range whatever the other columns
        hold within theirs, or (`rest`) when they are at rest (0, or the end of the range
        nearest it: what a partner not pursuing them has)."""
        a = form.coefs[d]
        lo, hi = self.reach[d]
        if form.op == "ne":  # one unit up or down does it, when the range has two values
            return lo is None or hi is None or hi > lo
        low: Fraction | None = Fraction(form.const)
        high: Fraction | None = Fraction(form.const)
        for c, v in form.coefs.items():
            if c == d:
                continue
            c_lo, c_hi = self.reach[c]
            if rest:
                c_lo = c_hi = self._rest(c)
            small, big = (c_lo, c_hi) if v > 0 else (c_hi, c_lo)
            low = None if low is None or small is None else low + v * small
            high = None if high is None or big is None else high + v * big
        if form.op == "eq":  # d = -rest / a: a whole number of units only when |a| is 1
            if abs(a) != 1 or low is None or high is None:
                return False
            first, last = sorted((-low / a, -high / a))
            return (lo is None or first >= lo) and (hi is None or last <= hi)
        # a·d + rest <= 0, hardest at the largest rest: d <= -rest / a (a > 0), d >= -rest / a (a < 0)
        if a > 0:
            return lo is None or high is not None and math.floor(-high / a) >= lo
        return hi is None or high is not None and math.ceil(-high / a) <= hi

    def repair(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (a units frame) with every dependent column clamped to its bounds, in order.
        With `or` branches, twice: a branch is mended where its constraint is broken, which a
        column moved after the branch's own can change (the second pass sees it; the clamps
        already met move nothing)."""
        conditional = any(f.unless is not None for fs in self.bounds.values() for f in fs)
        for _ in range(2 if conditional else 1):
            frame = self._clamp(frame)
        return frame

    def _clamp(self, frame: pl.DataFrame) -> pl.DataFrame:
        for d in self.order:
            v = pl.col(d).cast(pl.Int128)
            lowers, uppers, exact = [], [], []
            for form in self.bounds[d]:
                a = pl.lit(form.coefs[d], pl.Int128)
                rest = pl.lit(form.const, pl.Int128)
                for c, coef in form.coefs.items():
                    if c != d:
                        rest = rest + pl.col(c).cast(pl.Int128) * pl.lit(coef, pl.Int128)
                on = pl.lit(True) if form.unless is None else ~form.unless
                if form.op != "le":  # the value where the form is 0, when a whole number
                    at = (_ZERO - rest) // a
                    exact.append((form.op, on & ((_ZERO - rest) % a == _ZERO), at))
                elif form.coefs[d] > 0:
                    uppers.append(pl.when(on).then((_ZERO - rest) // a))
                else:
                    lowers.append(pl.when(on).then(_ZERO - ((_ZERO - rest) // (_ZERO - a))))  # ceil(rest / -a)
            lo, hi = self.ranges[d]
            if hi is not None:
                uppers.append(pl.lit(hi, pl.Int128))
            if lowers:  # (a null bound, where an `or` branch is left alone, is no bound)
                v = pl.max_horizontal(v, *lowers)
            if uppers:
                v = pl.min_horizontal(v, *uppers)
            for op, where, at in exact:
                if op == "eq":
                    v = pl.when(where).then(at).otherwise(v)
                else:  # `!=`: one unit away, up unless that passes an upper bound
                    away = pl.when(at + 1 <= pl.min_horizontal(*uppers)).then(at + 1).otherwise(at - 1) if uppers else at + 1
                    v = pl.when(where & (v == at)).then(away).otherwise(v)
            if lo is not None or hi is not None:
                v = v.clip(None if lo is None else pl.lit(lo, pl.Int128), None if hi is None else pl.lit(hi, pl.Int128))
            frame = frame.with_columns(v.cast(frame.schema[d]).alias(d))
        return frame

    def broken(self) -> pl.Expr:
        """True where a row breaks any constraint (exactly, as `tier eval` checks it)."""
        return pl.any_horizontal([flag for _, flag in self.checks]) if self.checks else pl.lit(False)

    def most_broken(self, frame: pl.DataFrame) -> tuple[str, int]:
        """The constraint the most rows of `frame` break (the first of those), and how many."""
        counts = frame.select([flag.sum().alias(str(i)) for i, (_, flag) in enumerate(self.checks)]).row(0)
        i = max(range(len(counts)), key=lambda k: (counts[k], -k))
        return self.checks[i][0], counts[i]


def _forms(
    node: tuple, metrics: dict[str, ir.Metric], names: Mapping[str, str], grids: Mapping[str, int], unless: pl.Expr | None = None
) -> list[_Form]:
    """The forms of the comparisons among the members of `node`'s `and` (nested `or`s are left
    to the row check)."""
    cmps = [m for m in _members(node, "and") if m[0] == "cmp"]
    return [f for _, op, left, right in cmps if (f := _form(metrics, op, left, right, names, grids, unless))]


def _form(
    metrics: dict[str, ir.Metric],
    op: str,
    left: ir.Expr,
    right: ir.Expr,
    names: Mapping[str, str],
    grids: Mapping[str, int],
    unless: pl.Expr | None,
) -> _Form | None:
    """`left op right` as an integer form over column units (None for a comparison of
    constants: only the row check can mend it)."""
    lc, lk = linear(left, metrics)
    rc, rk = linear(right, metrics)
    coefs: dict[str, Fraction] = {}
    for sign, side in ((1, lc), (-1, rc)):
        for n, v in side.items():
            col = names[n]
            coefs[col] = coefs.get(col, Fraction(0)) + sign * v / grids[col]
    coefs = {c: v for c, v in coefs.items() if v}
    if not coefs:
        return None
    const = lk - rk
    den = math.lcm(const.denominator, *(v.denominator for v in coefs.values()))
    sign = -1 if op in (">=", ">") else 1
    ints = {c: sign * int(v * den) for c, v in coefs.items()}
    kind = {"==": "eq", "!=": "ne"}.get(op, "le")
    return _Form(ints, sign * int(const * den) + (1 if op in ("<", ">") else 0), kind, unless)


def _way(form: _Form, d: str) -> str:
    """How `form` moves its dependent `d`: "down" (an upper bound), "up", or "eq" / "ne"."""
    if form.op != "le":
        return form.op
    return "down" if form.coefs[d] > 0 else "up"


def _reaches(parents: Mapping[str, set[str]], sources: set[str], target: str) -> bool:
    """Whether `target` is among `sources` or what they depend on (a new edge sources → target
    would close a cycle)."""
    todo, seen = list(sources), set()
    while todo:
        c = todo.pop()
        if c == target:
            return True
        if c not in seen:
            seen.add(c)
            todo.extend(parents.get(c, ()))
    return False


def _topological(parents: Mapping[str, set[str]]) -> list[str]:
    """The dependents, each after every dependent it reads."""
    out: list[str] = []
    done: set[str] = set()

    def visit(c: str) -> None:
        if c in done:
            return
        done.add(c)
        for p in sorted(parents.get(c, ())):
            visit(p)
        if c in parents:
            out.append(c)

    for c in parents:
        visit(c)
    return out
