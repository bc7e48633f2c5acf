"""Evaluate programs on partner datasets.

    >>> import tierlang
    >>> ev = tierlang.evaluate("programs/cloudpartner2022.tier", "partners.parquet")
    >>> ev.long()                      # partner_id, track, level, score (DESIGN §4)
    >>> ev.level("P0001", "data_ai"), ev.score("P0001", "data_ai")   # 'designated', Fraction(...)
    >>> ev = tierlang.evaluate(prog, data, detail=True)
    >>> ev.detail                      # one Boolean column per requirement (see ev.requirements)

Two engines give identical levels and scores (the test suite checks this on generated
programs and datasets):

- `"vectorized"` (default): the program compiled to polars expressions over exact scaled
  integers (`tierlang.engine.vectorized`). Fast: a million partners in about a second.
- `"interpreter"`: the exact reference interpreter (`tierlang.engine.interpreter`), one
  partner at a time, with a trace of every requirement and points line. Used by `tier
  explain` and `tier test`, and for rows too large for 64-bit arithmetic.
"""

from __future__ import annotations

__all__ = ["evaluate", "evaluate_dataset", "Evaluation", "ScoreColumn", "ProgramError", "ENGINES"]


def __getattr__(name: str):
    # The dataset API needs polars (a fifth of a second to import); the interpreter, which
    # `tier check` uses for monotonicity witnesses, does not. Load the API on first use.
    if name in __all__:
        from tierlang.engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'tierlang.engine' has no attribute {name!r}")
