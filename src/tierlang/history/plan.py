"""How a history is evaluated: in rounds, so that a track reads the levels other tracks *hold*.

A status rule changes the level a track holds in a month (a designation held by its
qualification window). A track that reads that level — `partner_status` needs "at least 1
of designations" — must read the held level, not the level the month's data alone would
give. So the tracks are evaluated in rounds:

- round 0: the tracks that read no level of a track with status rules;
- round r: the tracks that read the level of a ruled track of round r - 1 (and anything of
  earlier rounds).

After each round, the status rules of its ruled tracks turn earned levels into held levels.
For the engines, each round is an ordinary program (`Round.program`): the tracks of the
round, plus the earlier tracks whose *scores* they read (re-evaluated, which gives the same
scores), with every reference to the *level* of an earlier round's track replaced by a
comparison with an input column holding that track's final level (`level_column`): level
index, -1 for none. A program without status rules is one round: the program itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from tierlang import ir

__all__ = ["Round", "rounds", "level_column", "level_refs"]

_LEVEL_KIND = ir.Type(ir.Kind.COUNT)


def level_column(track: str) -> str:
    """The input column (and metric) a later round reads a track's final level from."""
    return f"__level__{track}"


@dataclass(frozen=True)
class Round:
    index: int
    tracks: tuple[str, ...]  # the tracks this round decides, program order
    program: ir.Program  # what the engines evaluate (helpers included)
    reads: tuple[str, ...]  # earlier tracks whose final level it reads (level_column inputs)


def _track_refs(program: ir.Program, node: object, seen_gates: set[str] | None = None) -> tuple[set[str], set[str]]:
    """(tracks whose level `node` reads, tracks whose scores it reads), through gates."""
    levels: set[str] = set()
    scores: set[str] = set()
    seen_gates = set() if seen_gates is None else seen_gates
    for n in ir.walk(node):
        if isinstance(n, (ir.TrackAt, ir.LevelOf)):
            levels.add(n.track)
        elif isinstance(n, ir.GroupCount):
            levels.update(program.group_map[n.group].tracks)
        elif isinstance(n, (ir.ScoreRef, ir.Every)):
            scores.add(n.track)
        elif isinstance(n, ir.GateRef) and n.name not in seen_gates:
            seen_gates.add(n.name)
            lv, sc = _track_refs(program, program.gate_map[n.name].expr, seen_gates)
            levels |= lv
            scores |= sc
        elif isinstance(n, ir.MetricRef):
            m = program.metric_map[n.name]
            if m.derived is not None:
                lv, sc = _track_refs(program, m.derived, seen_gates)
                levels |= lv
                scores |= sc
    return levels, scores


def level_refs(program: ir.Program, track: str) -> set[str]:
    """The other tracks whose level `track` reads."""
    return _track_refs(program, program.track_map[track])[0] - {track}


def rounds(program: ir.Program) -> list[Round]:
    """The rounds of a history's evaluation (see the module docstring)."""
    ruled = {t.name for t in program.tracks if program.holds_of(t.name)}
    refs = {t.name: _track_refs(program, t) for t in program.tracks}
    number: dict[str, int] = {}
    for t in program.tracks:  # dependency order: what a track reads comes before it
        levels, scores = refs[t.name]
        r = 0
        for u in levels - {t.name}:
            r = max(r, number[u] + (1 if u in ruled else 0))
        for u in scores - {t.name}:
            r = max(r, number[u])
        number[t.name] = r
    out = []
    for r in range(max(number.values(), default=-1) + 1):
        own = [t.name for t in program.tracks if number[t.name] == r]
        if own:
            out.append(_round(program, r, own, number, refs))
    return out


def _round(program: ir.Program, r: int, own: list[str], number: dict[str, int], refs) -> Round:
    # helpers: earlier tracks whose scores this round reads, and what they read in turn
    keep = set(own)
    todo = list(own)
    while todo:
        t = todo.pop()
        for u in refs[t][1] | {v for v in refs[t][0] if number[v] == r}:
            if u not in keep:
                keep.add(u)
                todo.append(u)
    reads = sorted({u for t in keep for u in refs[t][0] if number[u] < r}, key=lambda u: [x.name for x in program.tracks].index(u))
    if not reads and keep == {t.name for t in program.tracks}:
        return Round(r, tuple(own), program, ())
    earlier = set(reads)
    rewritten = tuple(_rewrite(t, earlier, program) for t in program.tracks if t.name in keep)
    gates = tuple(replace(g, expr=_expr(g.expr, earlier, program)) for g in program.gates)
    metrics = tuple(m if m.derived is None else replace(m, derived=_expr(m.derived, earlier, program)) for m in program.metrics)
    extra = tuple(ir.Metric(level_column(u), _LEVEL_KIND, column=level_column(u), minimum=Fraction(-1)) for u in reads)
    sub = replace(program, tracks=rewritten, gates=gates, metrics=metrics + extra, holds=(), examples=(), partners=())
    return Round(r, tuple(own), sub, tuple(reads))


def _rewrite(track: ir.Track, earlier: set[str], program: ir.Program) -> ir.Track:
    return _map(track, lambda e: _expr(e, earlier, program))


def _expr(e: ir.Expr, earlier: set[str], program: ir.Program) -> ir.Expr:
    """`e` with the levels of `earlier` tracks read from their level columns."""

    def held(track: str, level: str | None, exact: bool = False) -> ir.Expr:
        need = 0 if level is None else program.track_map[track].level_index(level)
        return ir.Compare("==" if exact else ">=", ir.MetricRef(level_column(track)), ir.Const(Fraction(need), _LEVEL_KIND))

    def visit(n):
        if isinstance(n, ir.TrackAt) and n.track in earlier:
            return held(n.track, n.level, n.exact)
        if isinstance(n, ir.GroupCount):
            members = program.group_map[n.group].tracks
            if not any(m in earlier for m in members):
                return n
            items = tuple(held(m, n.level, n.exact) if m in earlier else ir.TrackAt(m, n.level, exact=n.exact) for m in members)
            return ir.AtLeast(len(members) if n.n is None else n.n, items, n.span)
        if isinstance(n, ir.Lookup) and any(isinstance(k, ir.LevelOf) and k.track in earlier for k in n.keys):
            return ir.Lookup(_level_table(n.table, earlier, program), n.span)
        return None

    return _map(e, visit)


def _level_table(table: ir.Table, earlier: set[str], program: ir.Program) -> ir.Table:
    """A table looked up by an earlier track's level, looked up by its level column instead
    (level index, -1 for none): each level's band becomes that index."""

    def bands(key: ir.Expr, items: tuple[ir.Band, ...]) -> tuple[ir.Expr, tuple[ir.Band, ...]]:
        if not (isinstance(key, ir.LevelOf) and key.track in earlier):
            return key, items
        t = program.track_map[key.track]
        index = [b if b.otherwise else ir.Band(Fraction(t.level_index(b.names[0])), Fraction(t.level_index(b.names[0]))) for b in items]
        return ir.MetricRef(level_column(key.track)), tuple(index)

    (row_key, rows), *rest = [bands(k, b) for k, b in zip(table.keys, (table.rows, table.columns))]
    keys = (row_key, *(k for k, _ in rest))
    return replace(table, keys=keys, rows=rows, columns=rest[0][1] if rest else ())


def _map(node, fn):
    """A copy of the IR tree `node` with every node for which `fn` returns a replacement
    replaced (children first looked at by `fn` from the top down)."""
    got = fn(node) if not isinstance(node, ir.Track) else None
    if got is not None:
        return got
    if isinstance(node, tuple):
        mapped = tuple(_map(x, fn) for x in node)
        return node if all(a is b for a, b in zip(mapped, node)) else mapped
    if not hasattr(type(node), "__dataclass_fields__") or isinstance(node, (ir.Span, ir.Type, ir.Duration)):
        return node
    changes = {}
    for name in type(node).__dataclass_fields__:
        if name == "span":
            continue
        value = getattr(node, name)
        new = _map(value, fn)
        if new is not value:
            changes[name] = new
    return replace(node, **changes) if changes else node
