"""The monotonicity order on partners: when is one partner "at least as good" as another.

`p ≤ q` (q is an improvement of p) when, metric by metric over the program's input metrics
(derived metrics are computed from them, so they do not take part on their own):

- a higher-is-better number (count, number, percent, money) of p is ≤ q's;
- a lower-is-better number of p is ≥ q's;
- a bool is false < true when higher is better (the default), true < false when the metric
  says `lower is better`;
- an ordered enum (`enum(bronze < silver < gold)`) takes part, in its declared order, only
  when the metric also declares its direction (`higher is better` or `lower is better`):
  a declared order of values does not say by itself which end is better;
- everything else must be equal: dates, unordered enums, ordered enums without a declared
  direction.

A program is **monotone** in a track when `p ≤ q` implies level(p) ≤ level(q): a partner
with more of everything never earns less. `passes.monotonicity` proves it or finds a pair
that breaks it; docs/monotonicity.md explains both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tierlang import ir

__all__ = ["UP", "DOWN", "FIXED", "role", "rank", "leq", "differences", "better"]

UP, DOWN, FIXED = 1, -1, 0


def role(metric: ir.Metric) -> int:
    """How the metric takes part in the order: UP (more is better), DOWN (less is better)
    or FIXED (must be equal in both partners)."""
    kind = metric.type.kind
    sign = UP if metric.direction == "higher" else DOWN
    if kind in ir.NUMERIC_KINDS or kind is ir.Kind.BOOL:
        return sign
    if kind is ir.Kind.ENUM and metric.type.ordered and metric.direction_declared:
        return sign
    return FIXED


def rank(metric: ir.Metric, value: ir.Value) -> object:
    """A value as something `<` compares in the metric's declared sense: ordered enum
    values by position, bools as 0/1, numbers as themselves."""
    if metric.type.kind is ir.Kind.ENUM and metric.type.ordered and isinstance(value, str):
        return metric.type.values.index(value)
    if isinstance(value, bool):
        return int(value)
    return value


def better(metric: ir.Metric, a: ir.Value, b: ir.Value) -> bool:
    """Is `b` at least as good as `a` for this metric (`a ≤ b` in the order)?"""
    r = role(metric)
    if r == FIXED:
        return a == b
    x, y = rank(metric, a), rank(metric, b)
    return x <= y if r == UP else x >= y  # type: ignore[operator]


def leq(program: ir.Program, p: Mapping[str, ir.Value], q: Mapping[str, ir.Value], metrics: Iterable[str] | None = None) -> bool:
    """`p ≤ q` over `metrics` (default: every input metric either partner gives). A metric
    that one partner gives and the other does not makes them incomparable."""
    names = set(p) | set(q) if metrics is None else set(metrics)
    for name in names:
        if (name in p) != (name in q):
            return False
        if name not in p:
            continue
        if not better(program.metric_map[name], p[name], q[name]):
            return False
    return True


def differences(p: Mapping[str, ir.Value], q: Mapping[str, ir.Value]) -> list[str]:
    """The metrics whose values differ, in `p`'s order."""
    return [name for name in p if q.get(name) != p[name]]
