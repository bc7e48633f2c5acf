"""How deep a program's rules nest once references are followed (TL216).

The parser bounds the nesting of one expression (TL115). A reference to a derived metric, a
gate, a score or another track nests the referenced rule inside the referring one: every
pass that follows references (evaluation, sign analysis, explanations, the SQL and polars
compilers, the English renderer) recurses that deep. A chain of 30,000 gates, each reading
the one before, is a one-megabyte program that would run every such pass out of stack. So
the depth through references is bounded too, by `MAX_REFERENCE_DEPTH`: twice the bound of
one expression, so that TL115's advice (split a deep expression into metrics) works.

The depth is computed once per rule (a gate read by a hundred others is measured once), in
time linear in the size of the program, without recursion.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from tierlang import ir
from tierlang.diagnostics import Diagnostic, Note, error
from tierlang.recursion import MAX_REFERENCE_DEPTH

__all__ = ["check_reference_depth"]

#: A rule that other rules can refer to: ("metric", name), ("gate", name), ("track", name)
#: or ("score", track, variant, score).
Target = tuple


def check_reference_depth(program: ir.Program) -> list[Diagnostic]:
    """TL216 for the first rule (from the bottom of its chain) that nests deeper than
    `MAX_REFERENCE_DEPTH` levels through references; nothing when every rule fits."""
    measure = _Depths(program)
    for target in measure.roots():
        too_deep = measure.first_too_deep(target)
        if too_deep is not None:
            return [measure.diagnostic(too_deep)]
    return []


class _Depths:
    def __init__(self, program: ir.Program) -> None:
        self.p = program
        self.metrics = program.metric_map
        self.gates = program.gate_map
        self.tracks = program.track_map
        self.groups = {g.name: g.tracks for g in program.groups}
        self.depth: dict[Target, int] = {}
        self.deepest: dict[Target, Target | None] = {}  # the reference that makes a rule as deep as it is

    def roots(self) -> Iterator[Target]:
        for m in self.p.metrics:
            if m.derived is not None:
                yield ("metric", m.name)
        for g in self.p.gates:
            yield ("gate", g.name)
        for t in self.p.tracks:
            yield ("track", t.name)

    def node(self, target: Target) -> object:
        kind = target[0]
        if kind == "metric":
            return self.metrics[target[1]].derived
        if kind == "gate":
            return self.gates[target[1]].expr
        if kind == "track":
            return self.tracks[target[1]]
        return self.tracks[target[1]].variant(target[2]).score(target[3])

    def local(self, target: Target) -> tuple[int, list[tuple[Target, int]]]:
        """The rule's own nesting, and each rule it refers to with the nesting at which it
        does (a walk with an explicit stack: the rule itself may be deep)."""
        own_track = target[1] if target[0] in ("track", "score") else None
        deepest = 0
        refs: list[tuple[Target, int]] = []
        stack = [(self.node(target), 1)]
        while stack:
            n, d = stack.pop()
            deepest = max(deepest, d)
            for ref in self.references(n, own_track):
                refs.append((ref, d))
            for child in _children(n):
                stack.append((child, d + 1))
        return deepest, refs

    def references(self, n: object, own_track: str | None) -> list[Target]:
        if isinstance(n, ir.MetricRef):
            m = self.metrics.get(n.name)
            return [("metric", n.name)] if m is not None and m.derived is not None else []
        if isinstance(n, ir.GateRef):
            return [("gate", n.name)] if n.name in self.gates else []
        if isinstance(n, ir.TrackAt):
            return [("track", n.track)] if n.track in self.tracks else []
        if isinstance(n, ir.GroupCount):
            return [("track", t) for t in self.groups.get(n.group, ()) if t in self.tracks]
        if isinstance(n, (ir.ScoreRef, ir.Every)) and n.track in self.tracks:
            if n.track != own_track:
                return [("track", n.track)]
            # the track's own score: the score itself (its track is being measured)
            variants = self.tracks[n.track].variants
            return [("score", n.track, v.name, n.score) for v in variants if (n.variant in (None, v.name)) and v.score(n.score) is not None]
        return []

    def first_too_deep(self, root: Target) -> Target | None:
        """Measure `root` and everything it refers to (depth first, bottom up); return the
        first rule found deeper than the bound."""
        if root in self.depth:
            return None
        pending: list[tuple[Target, list[tuple[Target, int]] | None, int]] = [(root, None, 0)]
        busy: set[Target] = set()
        while pending:
            target, refs, own = pending.pop()
            if refs is None:  # first visit: measure its own nesting, then its references
                if target in self.depth or target in busy:
                    continue  # measured, or a cycle (reported by lowering): adds nothing
                busy.add(target)
                own, refs = self.local(target)
                pending.append((target, refs, own))
                pending.extend((ref, None, 0) for ref, _ in refs if ref not in self.depth and ref not in busy)
                continue
            best, via = own, None
            for ref, at in refs:
                d = at + self.depth.get(ref, 0)
                if d > best:
                    best, via = d, ref
            self.depth[target], self.deepest[target] = best, via
            busy.discard(target)
            if best > MAX_REFERENCE_DEPTH:
                return target
        return None

    def diagnostic(self, target: Target) -> Diagnostic:
        chain = [target]
        while (nxt := self.deepest.get(chain[-1])) is not None and len(chain) < 1000:
            chain.append(nxt)
        shown = [_name(t) for t in chain]
        if len(shown) > 6:
            shown = shown[:4] + [f"… {len(chain) - 5} more …", shown[-1]]
        node = self.node(target)
        span = getattr(self._declaration(target), "span", None) or getattr(node, "span", None)
        return error(
            "TL216",
            f"{_name(target)} nests too deeply through references: more than {MAX_REFERENCE_DEPTH} levels",
            span,
            notes=(Note("reads " + " → ".join(shown[1:]) if len(shown) > 1 else "its own rules nest this deep"),),
            hint="shorten the chain: compute the same rule from fewer intermediate metrics, gates or tracks",
        )

    def _declaration(self, target: Target) -> object:
        kind = target[0]
        if kind == "metric":
            return self.metrics[target[1]]
        if kind == "gate":
            return self.gates[target[1]]
        if kind == "track":
            return self.tracks[target[1]]
        return self.node(target)


def _name(target: Target) -> str:
    kind = target[0]
    if kind == "metric":
        return f"derived metric '{target[1]}'"
    if kind == "score":
        return f"score '{target[3]}' of track '{target[1]}'"
    return f"{kind} '{target[1]}'"


_child_fields = cache(ir.child_fields)


@cache
def _is_node(cls: type) -> bool:
    return hasattr(cls, "__dataclass_fields__")


def _children(node: object) -> Iterator[object]:
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            for v in value:
                if _is_node(type(v)):
                    yield v
        elif _is_node(type(value)):
            yield value
