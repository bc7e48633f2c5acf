"""Undecided requirements: `unknown`, `discretionary`, `by invitation`.

A rule that no data decides is written as what it is, not as `require false`:

    level gold {
      require revenue >= 1_000_000
      require discretionary "Microsoft reserves the right to decline (S7)"
    }

Conditions are then three-valued (true, false, undecided), with Kleene's logic: `a and b`
is false when either is false, `a or b` true when either is true, `not` keeps undecided,
`at least n of` is true when n hold and false when fewer than n can. A level is *held* when
its requirements are true, and *possible* when none is false; a track's result is the
highest level held (the `level` column, what a partner certainly holds) and, when a higher
one is possible, that one as *undecided* (the `undecided` column of `tier eval`): the data
cannot decide it. `x at gold` reads the same three values from the track it names.

So that scores, variants and amounts stay decided, only requirements may depend on an
undecided condition (directly, through gates or through the level of a track that has one):
not a points line or its `when`, a `choose` rule, a derived metric, an output, or a table
looked up by such a track's level (TL236).
"""

from __future__ import annotations

from collections.abc import Iterable

from tierlang import ir
from tierlang.diagnostics import Diagnostic, error

__all__ = ["undecided_tracks", "depends_on_undecided", "check_undecided"]


def undecided_tracks(program: ir.Program) -> frozenset[str]:
    """The tracks whose level the data may leave undecided (program order is dependency
    order, so one pass settles them)."""
    out: set[str] = set()
    gates: dict[str, bool] = {}
    for t in program.tracks:
        if any(depends_on_undecided(program, r.expr, out, gates) for v in t.variants for lv in v.levels for r in lv.requirements):
            out.add(t.name)
    return frozenset(out)


def depends_on_undecided(program: ir.Program, node: object, tracks: Iterable[str], gates: dict[str, bool] | None = None) -> bool:
    """Can `node` be undecided: does it read an `Undecided`, a gate that can be, or the level
    of one of `tracks` (the undecided ones)?"""
    tracks = set(tracks)
    gates = {} if gates is None else gates
    for n in ir.walk(node, tables=False):
        if isinstance(n, ir.Undecided):
            return True
        if isinstance(n, (ir.TrackAt, ir.LevelOf)) and n.track in tracks:
            return True
        if isinstance(n, ir.GroupCount) and set(program.group_map[n.group].tracks) & tracks:
            return True
        if isinstance(n, ir.GateRef):
            if n.name not in gates:
                gates[n.name] = False  # a cycle is reported elsewhere
                gates[n.name] = depends_on_undecided(program, program.gate_map[n.name].expr, tracks, gates)
            if gates[n.name]:
                return True
        if isinstance(n, ir.Lookup) and any(depends_on_undecided(program, k, tracks, gates) for k in n.keys):
            return True
    return False


def check_undecided(program: ir.Program) -> list[Diagnostic]:
    """TL236 for everything but a requirement that depends on an undecided condition."""
    tracks = undecided_tracks(program)
    gates: dict[str, bool] = {}
    out: list[Diagnostic] = []

    def no(node: object, what: str, span) -> None:
        if node is not None and depends_on_undecided(program, node, tracks, gates):
            out.append(
                error(
                    "TL236",
                    f"{what} depends on a condition no data decides (unknown, discretionary, by invitation)",
                    span,
                    hint="only a level's requirements may: scores, variants and amounts must stay decided",
                )
            )

    for m in program.metrics:
        no(m.derived, f"derived metric '{m.name}'", m.span)
    for t in program.tracks:
        for c in t.choices:
            no(c.when, f"the choice of variant '{c.variant}' of track '{t.name}'", c.span or t.span)
        for o in t.outputs:
            no(o.expr, f"output '{o.name}' of track '{t.name}'", o.span)
        for v in t.variants:
            for s in v.scores:
                for line in s.lines:
                    no(line.points, f"points line '{line.name}' of track '{t.name}'", line.span)
                    no(line.when, f"the `when` of points line '{line.name}' of track '{t.name}'", line.span)
            for lv in v.levels:
                for r in lv.requirements:
                    for n in ir.walk(r.expr, tables=False):
                        if isinstance(n, ir.Lookup):
                            no(n, f"table '{n.table.name}' (looked up by an undecided level)", r.span)
                        elif isinstance(n, ir.Every):
                            no(n.value, "an `every` threshold", r.span)
    return out
