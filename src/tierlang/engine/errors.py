"""The error an engine raises when the program cannot be evaluated for a partner.

Its own module so that the vectorized path (`engine.api`, `engine.exact`) can catch and raise
it without importing the reference interpreter, which `tier eval` loads only when rows are
too large for 64-bit arithmetic or the interpreter engine is asked for."""

from __future__ import annotations

__all__ = ["EvaluationError"]


class EvaluationError(Exception):
    """The program cannot be evaluated for this partner (not a data problem the loader
    would have caught, e.g. a metric an example does not give)."""
