"""Constant expressions of the IR: whether an expression reads partner data, and the exact
value of one that does not. Apart from `passes.lower` (which re-exports both) because the
engines ask too: `tier eval` imports this, not the lowering and the syntax tree behind it."""

from __future__ import annotations

from fractions import Fraction

from tierlang import ir
from tierlang.memo import per_object

__all__ = ["is_constant", "const_value"]

_DATA_NODES = (ir.MetricRef, ir.ScoreRef, ir.GateRef, ir.TrackAt, ir.GroupCount, ir.Every)


@per_object
def is_constant(expr: ir.Expr) -> bool:
    """True when the expression reads no partner data (remembered per node: `explain` and
    the interpreter ask about the same comparisons thousands of times per partner)."""
    return not any(isinstance(n, _DATA_NODES) for n in ir.walk(expr))


def const_value(expr: ir.Expr) -> Fraction:
    """The value of a constant numeric expression (exact)."""
    if isinstance(expr, ir.Const):
        return expr.value  # type: ignore[return-value]
    if isinstance(expr, ir.Neg):
        return -const_value(expr.operand)
    if isinstance(expr, ir.Arith):
        a, b = const_value(expr.left), const_value(expr.right)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else Fraction(0)}[expr.op]
    if isinstance(expr, ir.Func):
        vals = [const_value(a) for a in expr.args]
        if expr.name == "min":
            return min(vals)
        if expr.name == "max":
            return max(vals)
        return min(max(vals[0], vals[1]), vals[2])
    raise TypeError(expr)
