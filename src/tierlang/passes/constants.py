"""Constant expressions of the IR: whether an expression reads partner data, and the exact
value of one that does not. Apart from `passes.lower` (which re-exports both) because the
engines ask too: `tier eval` imports this, not the lowering and the syntax tree behind it."""

from __future__ import annotations

import contextlib
import weakref
from fractions import Fraction

from tierlang import ir

__all__ = ["is_constant", "const_value"]

_DATA_NODES = (ir.MetricRef, ir.ScoreRef, ir.GateRef, ir.TrackAt, ir.GroupCount, ir.Every)


def is_constant(expr: ir.Expr) -> bool:
    """True when the expression reads no partner data (remembered per node: `explain` and
    the interpreter ask about the same comparisons thousands of times per partner)."""
    hit = _CONSTANT.get(id(expr))
    if hit is not None and hit[0]() is expr:
        return hit[1]
    value = not any(isinstance(n, _DATA_NODES) for n in ir.walk(expr))
    key = id(expr)
    with contextlib.suppress(TypeError):  # not a node (a bare value): nothing to remember it by
        _CONSTANT[key] = (weakref.ref(expr, lambda _, key=key: _CONSTANT.pop(key, None)), value)
    return value


#: id(node) -> (a weak reference to the node, is_constant); an entry leaves with its node.
_CONSTANT: dict[int, tuple[weakref.ref, bool]] = {}


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
