"""Small samples that show every level: `tier synth --rows 20`.

A drawn population is mostly organizations that hold nothing (about 7 % are engaged, as in
2010), so twenty rows drawn from it are twenty zeros. A sample below `SHOWCASE_BELOW` rows is
chosen instead of drawn:

1. a *pool* of `POOL` partners is generated with the same model, every organization engaged
   and most of them managing their numbers to the thresholds (the calibration with
   `engagement.log_odds` and `aim.rate` raised), so that every level is common in it;
2. each program is evaluated on the pool (the vectorized engine, exact);
3. partners are picked greedily, each the one that shows the most (program, track, level)
   pairs not shown yet, "no level" included (where a partner can hold no level), until
   every pair is shown or the rows run out;
4. the rows left are the first rows of the ordinary population (mostly partners who hold
   nothing, as in life), and the sample is numbered P0000001, P0000002, ... in that order.

Everything is a pure function of the programs, rows, seed and calibration, like the drawn
population (the pool has its own random streams, derived from the seed). A pair no pool
partner shows, or that does not fit in the rows asked for, is reported in
`Population.not_shown`.
"""

from __future__ import annotations

import copy

import polars as pl

from tierlang import ir

__all__ = ["SHOWCASE_BELOW", "POOL", "pick"]

#: Samples smaller than this are chosen to show every level; larger ones are drawn.
SHOWCASE_BELOW = 1_000
#: Partners generated to choose a small sample from.
POOL = 4_000
#: The pool's calibration: every organization engaged, nearly all aiming at thresholds.
_POOL_KNOBS = {"engagement": {"log_odds": 8.0}, "aim": {"rate": 0.9}}


def pool_calibration(cal):
    """`cal` with the pool's knobs laid over it (a copy)."""
    pool = copy.copy(cal)
    pool.data = copy.deepcopy(cal.data)
    for section, knobs in _POOL_KNOBS.items():
        pool.data[section].update(knobs)
    return pool


def shown(programs: list[ir.Program], frame: pl.DataFrame) -> tuple[list[set[tuple[str, str, str]]], set[tuple[str, str, str]]]:
    """Per row of `frame`, the (program, track, level) pairs it shows ("" for no level), and
    every pair the programs have."""
    from tierlang.engine import evaluate

    per_row: list[set[tuple[str, str, str]]] = [set() for _ in range(frame.height)]
    wanted: set[tuple[str, str, str]] = set()
    for p in programs:
        ev = evaluate(p, frame)
        for t in p.tracks:
            # "no level" only where it can happen: a ladder whose lowest level asks nothing
            # (`level member`) is held by everyone
            floor = all(not v.levels[0].requirements for v in t.variants)
            wanted.update((p.name, t.name, level) for level in ((*t.level_names,) if floor else ("", *t.level_names)))
            for k, level in enumerate(ev.levels[t.name].to_list()):
                per_row[k].add((p.name, t.name, level or ""))
    return per_row, wanted


def pick(per_row: list[set[tuple[str, str, str]]], wanted: set[tuple[str, str, str]], rows: int) -> tuple[list[int], set]:
    """Greedy cover: row indexes (at most `rows`), each showing the most pairs not shown yet
    (the first such row on a tie), and the pairs left unshown."""
    missing = set(wanted)
    chosen: list[int] = []
    while missing and len(chosen) < rows:
        best, gain = -1, 0
        for k, pairs in enumerate(per_row):
            g = len(pairs & missing)
            if g > gain:
                best, gain = k, g
        if best < 0:
            break  # no pool partner shows what is left
        chosen.append(best)
        missing -= per_row[best]
    return chosen, missing


def describe(missing: set[tuple[str, str, str]]) -> list[str]:
    """ "mpn2010 erp at gold" (or "with no level"), sorted."""
    return [f"{p} {t} {'at ' + lv if lv else 'with no level'}" for p, t, lv in sorted(missing)]
