"""Limits on nesting, and the recursion depth the passes need within them.

Every pass over expressions (lowering, checks, formatting, evaluation, rendering) recurses
over the expression tree. Flat chains (`a and b and ...`) are flat in the syntax tree, but
`1 + 1 + ...` nests one level per operator. The parser refuses expressions nested deeper
than `MAX_EXPR_DEPTH` (TL115), lowering refuses rules nested deeper than
`MAX_REFERENCE_DEPTH` through references (TL216); within those bounds, `deep_recursion()`
gives the passes the Python recursion depth they need."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["MAX_EXPR_DEPTH", "MAX_REFERENCE_DEPTH", "RECURSION_LIMIT", "deep_recursion", "allow_deep_recursion"]

#: The deepest expression nesting a program may have (TL115): a 500-term sum fits.
MAX_EXPR_DEPTH = 1000
#: The deepest nesting of rules through references (derived metrics, gates, scores, tracks
#: nest the rules they read; TL216, `passes.depth`): room for a few expressions at the limit.
MAX_REFERENCE_DEPTH = 2 * MAX_EXPR_DEPTH
#: Python frames a pass may use per level of nesting, with room to spare (measured: the
#: hungriest passes use about 6).
_FRAMES_PER_LEVEL = 20
RECURSION_LIMIT = _FRAMES_PER_LEVEL * MAX_REFERENCE_DEPTH + 2000


def allow_deep_recursion() -> None:
    """Raise the interpreter's recursion limit to `RECURSION_LIMIT` (never lower it)."""
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


@contextmanager
def deep_recursion() -> Iterator[None]:
    """Run a block with at least `RECURSION_LIMIT`, restoring the old limit after."""
    old = sys.getrecursionlimit()
    allow_deep_recursion()
    try:
        yield
    finally:
        sys.setrecursionlimit(old)
