"""Histories: a program evaluated at every month of a range, with its status rules.

    >>> from tierlang.history import evaluate_history
    >>> h = evaluate_history("programs/cloudpartner2022.tier", "history.parquet",
    ...                      start=date(2023, 1, 1), end=date(2024, 12, 1))
    >>> h.long()        # partner_id, month, track, level, score, held_by (DESIGN §4.4)
    >>> h.summary()     # per month and track: partners per level, and how many a rule keeps

The input is a long table: one row per partner and month (`month`, the month's first day,
beside `partner_id`) with the program's metric columns, and optionally `anniversary`. Each
month is evaluated as of its first day (the rules' `as_of`, and the parameters in force that
day); a partner without a row in a month earns nothing that month. The history starts at the
first month of the data (or at `start` when the data starts later): status rules look back
over it, so months before `start` count but are not written.

Two engines give identical results (the test suite checks it on random programs and
histories):
- "vectorized": each round of tracks (`history.plan`) evaluated by the polars engine over
  every partner-month at once, then the status rules as column expressions over the
  partner × month grid (`history.frame`);
- "interpreter": the reference (`history.reference`), one partner and month at a time.

`tierlang.history` imports polars; the program's IR and the reference do not need it.
"""

from __future__ import annotations

from tierlang.history.engine import History, HistoryError, evaluate_history

__all__ = ["History", "HistoryError", "evaluate_history"]
