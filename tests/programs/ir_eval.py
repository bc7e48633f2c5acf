"""A tiny exact evaluator of the IR, for checking the programs' embedded examples until the
real engine (tierlang.engine) lands. It follows the semantics in `tierlang.ir`'s docstring
and nothing else; when the engine exists, tests should run the examples through it too.
"""

from __future__ import annotations

from fractions import Fraction

from tierlang import ir

_CMP = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class Evaluation:
    """Evaluate one partner (a dict of input metric values) against a program."""

    def __init__(self, program: ir.Program, values: dict[str, ir.Value]) -> None:
        self.p = program
        self.values = dict(values)
        self.levels: dict[str, str | None] = {}
        self.scores: dict[tuple[str, str], dict[str | None, Fraction]] = {}
        for track in program.tracks:  # dependency order
            self._track(track)

    # ------------------------------------------------------------ values
    def metric(self, name: str) -> ir.Value:
        m = self.p.metric_map[name]
        if m.derived is not None:
            return self.expr(m.derived, None)
        if name in self.values:
            return self.values[name]
        if m.default is None:
            raise KeyError(f"no value for metric {name!r}")
        return m.default

    def expr(self, e: ir.Expr, track: str | None):
        if isinstance(e, ir.Const):
            return e.value
        if isinstance(e, ir.MetricRef):
            return self.metric(e.name)
        if isinstance(e, ir.GateRef):
            return self.expr(self.p.gate_map[e.name].expr, None)
        if isinstance(e, ir.ScoreRef):
            parts = self.scores[(e.track, e.score)]
            return parts[e.part]
        if isinstance(e, ir.Arith):
            a, b = self.expr(e.left, track), self.expr(e.right, track)
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            return a * b if e.op == "*" else a / b
        if isinstance(e, ir.Neg):
            return -self.expr(e.operand, track)
        if isinstance(e, ir.Func):
            args = [self.expr(a, track) for a in e.args]
            if e.name == "min":
                return min(args)
            if e.name == "max":
                return max(args)
            return min(max(args[0], args[1]), args[2])
        if isinstance(e, ir.Compare):
            return _CMP[e.op](self.expr(e.left, track), self.expr(e.right, track))
        if isinstance(e, ir.And):
            return all(self.expr(i, track) for i in e.items)
        if isinstance(e, ir.Or):
            return any(self.expr(i, track) for i in e.items)
        if isinstance(e, ir.Not):
            return not self.expr(e.operand, track)
        if isinstance(e, ir.AtLeast):
            return sum(bool(self.expr(i, track)) for i in e.items) >= e.n
        if isinstance(e, ir.TrackAt):
            return self._holds(e.track, e.level)
        if isinstance(e, ir.GroupCount):
            members = self.p.group_map[e.group].tracks
            held = sum(self._holds(t, e.level) for t in members)
            return held == len(members) if e.n is None else held >= e.n
        if isinstance(e, ir.Every):
            score = self._score_decl(e.track, e.score)
            parts = self.scores[(e.track, e.score)]
            value = self.expr(e.value, track)
            return all(_CMP[e.op](parts[line.name], value) for line in score.lines)
        raise TypeError(e)

    def _holds(self, track: str, level: str | None) -> bool:
        got = self.levels[track]
        if got is None:
            return False
        t = self.p.track_map[track]
        return level is None or t.level_index(got) >= t.level_index(level)

    def _score_decl(self, track: str, score: str) -> ir.Score:
        t = self.p.track_map[track]
        assert len(t.variants) == 1, "variants are not needed by these programs"
        return t.variants[0].score(score)

    # ------------------------------------------------------------ tracks
    def _track(self, t: ir.Track) -> None:
        assert len(t.variants) == 1 and t.selection == "single"
        variant = t.variants[0]
        for score in variant.scores:
            parts: dict[str | None, Fraction] = {}
            total = Fraction(0)
            for item in score.items:
                if isinstance(item, ir.Category):
                    sub = Fraction(0)
                    for line in item.lines:
                        parts[line.name] = self._line(line, t.name)
                        sub += parts[line.name]
                    if item.cap is not None:
                        sub = min(sub, item.cap)
                    parts[item.name] = sub
                    total += sub
                else:
                    parts[item.name] = self._line(item, t.name)
                    total += parts[item.name]
            if score.cap is not None:
                total = min(total, score.cap)
            parts[None] = total
            self.scores[(t.name, score.name)] = parts
        held = None
        previous_ok = True
        for level in variant.levels:
            own = all(self.expr(r.expr, t.name) for r in level.requirements)
            ok = own and (previous_ok if level.cumulative else True)
            if ok:
                held = level.name
            previous_ok = ok
        self.levels[t.name] = held

    def _line(self, line: ir.Line, track: str) -> Fraction:
        if line.when is not None and not self.expr(line.when, track):
            return Fraction(0)
        return Fraction(self.expr(line.points, track))

    # ------------------------------------------------------------ expectations
    def actual(self, path: tuple[str, ...]):
        if len(path) == 1:
            return self.levels[path[0]]
        parts = self.scores[(path[0], path[1])]
        return parts[path[2] if len(path) == 3 else None]


def run_example(program: ir.Program, example: ir.Example) -> list[str]:
    """Failures of one example, as messages (empty when it passes)."""
    ev = Evaluation(program, dict(example.given))
    out = []
    for exp in example.expectations:
        got = ev.actual(exp.path)
        if got != exp.value:
            out.append(f"{example.name}: expected {'.'.join(exp.path)} = {exp.value}, got {got}")
    return out
