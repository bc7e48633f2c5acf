"""One score as a function of metric values, for the what-if searches of explanations.

An explanation's plans try a partner's values changed a thousand ways, and each trial asks
only a little of a score: its points, whether every line earns some, or what one line earns.
`ScoreFunction` answers with the interpreter's own arithmetic (`_Run.num` and `_Run.cond`:
the same exact values) but without building the traced results (`ScoreResult`, `LineResult`,
`Trace`) the interpreter builds for every trial, and with each line's points and each line's
gate memoised on the values of the metrics they read: in a search most trials change one
metric, so most lines and gates are looked up, not evaluated.

Only scores whose lines and gates read metrics alone (through derived metrics and gates)
are computed so; a line reading another score, a track's level or a group goes through
`Interpreter.score`, as does any trial the fast path cannot finish (a missing value, a
division by zero), so that it fails or succeeds exactly as the interpreter does.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from tierlang import ir
from tierlang.engine.interpreter import Interpreter, _Run

__all__ = ["ScoreFunction"]

ZERO = Fraction(0)


class _Line:
    """One line's points (after its gate) as a function of the metrics it reads."""

    __slots__ = ("line", "reads", "gate_reads", "points_memo", "gate_memo", "last")

    def __init__(self, interp: Interpreter, line: ir.Line) -> None:
        self.line = line
        self.reads = interp.line_info(line)[0]
        self.gate_reads = ir.metrics_read(line.when, interp.metrics, interp.gates) if line.when is not None else []
        self.points_memo: dict[tuple, Fraction] = {}
        self.gate_memo: dict[tuple, bool] = {}
        # the last trial's values and points, values and gate: most trials repeat them
        self.last: list = [None, None, None, None]

    def points(self, run: _Run) -> Fraction:
        metric, last = run.metric, self.last
        key = tuple([metric(m) for m in self.reads])
        if key == last[0]:
            points = last[1]
        else:
            points = self.points_memo.get(key)
            if points is None:
                points = self.points_memo[key] = run.num(self.line.points)  # type: ignore[assignment]
            last[0], last[1] = key, points
        if self.line.when is not None:
            key = tuple([metric(m) for m in self.gate_reads])
            if key == last[2]:
                gate = last[3]
            else:
                gate = self.gate_memo.get(key)
                if gate is None:
                    gate = self.gate_memo[key] = bool(run.cond(self.line.when).value)
                last[2], last[3] = key, gate
            if not gate:
                return ZERO
        return points


class ScoreFunction:
    """`Interpreter.score(values, track, variant, score)` reduced to `(points, every line
    earns points)` (call it with a partner's values), and one line's points (`line_points`)."""

    def __init__(self, interp: Interpreter, track: str, variant: str | None, score: str) -> None:
        self.interp = interp
        self.where = (track, variant, score)
        s = interp.tracks[track].variant(variant).score(score)
        self.score = s
        self.fast = s is not None and all(self._pure(line.points) and self._pure(line.when) for line in _lines(s))
        if not self.fast:
            return
        assert s is not None
        # per score item: its cap and its lines
        self.items = [
            (item.cap if isinstance(item, ir.Category) else None, [_Line(interp, line) for line in _lines_of(item)]) for item in s.items
        ]
        self.lines = {id(fn.line): fn for _, fns in self.items for fn in fns}

    def _pure(self, e: ir.Expr | None) -> bool:
        """Whether `e` reads nothing but metrics and constants, through derived metrics and
        gates."""
        if e is None:
            return True
        for n in ir.walk(e):
            if isinstance(n, ir.TRACK_READS):
                return False
            if isinstance(n, ir.MetricRef):
                derived = self.interp.metrics[n.name].derived
                if derived is not None and not self._pure(derived):
                    return False
            elif isinstance(n, ir.GateRef) and not self._pure(self.interp.gates[n.name].expr):
                return False
        return True

    def __call__(self, values: Mapping[str, ir.Value]) -> tuple[Fraction, bool]:
        if self.fast:
            try:
                return self._fast(_Run(self.interp, values))
            except Exception:  # the interpreter raises (or not) as it always does
                pass
        result = self.interp.score(values, *self.where)
        return result.points, all(line.points > 0 for line in result.lines)

    def line_points(self, values: Mapping[str, ir.Value], line: ir.Line) -> Fraction:
        """The points `line` (of this score) earns, its gate applied."""
        if self.fast:
            try:
                return self.lines[id(line)].points(_Run(self.interp, values))
            except Exception:  # as above
                pass
        part = self.interp.score(values, *self.where).part(line.name)
        assert part is not None
        return part.points

    def _fast(self, run: _Run) -> tuple[Fraction, bool]:
        # Sums and caps in integer pairs (numerator, denominator), normalised once at the
        # end: a Fraction normalises (a gcd) at every step, which cost most of a trial.
        tn, td = 0, 1
        earning = True
        for cap, lines in self.items:
            rn, rd = 0, 1
            for fn in lines:
                points = fn.points(run)
                n, d = points.numerator, points.denominator
                if n <= 0:
                    earning = False
                rn, rd = rn * d + n * rd, rd * d
            if cap is not None and rn * cap.denominator > cap.numerator * rd:
                rn, rd = cap.numerator, cap.denominator
            tn, td = tn * rd + rn * td, td * rd
        cap = self.score.cap  # type: ignore[union-attr]
        if cap is not None and tn * cap.denominator > cap.numerator * td:
            return cap, earning
        return Fraction(tn, td), earning


def _lines_of(item: ir.Line | ir.Category) -> list[ir.Line]:
    return list(item.lines) if isinstance(item, ir.Category) else [item]


def _lines(s: ir.Score | None) -> list[ir.Line]:
    return [] if s is None else [line for item in s.items for line in _lines_of(item)]
