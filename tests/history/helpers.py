"""Evaluating a generated history (tests.history.strategies) on one engine, and what two
engines must agree on."""

from __future__ import annotations

import polars as pl

from tests.engine.engine_helpers import load_text
from tierlang.data import MONTH, PID, from_frame
from tierlang.history import evaluate_history
from tierlang.loader import load_program


def history(text: str, data: dict, engine: str):
    """The history of the program `text` over `data` (columns of text) on `engine`, each
    month with the parameters the file dates for it."""
    prog = load_text(text)
    frame = pl.DataFrame(data, schema={c: pl.String for c in data})

    def program_at(day):
        r = load_program("test.tier", day, text=text, checks=False)
        assert r.ok
        return r.program

    ds = from_frame(frame, prog, history=True)
    return evaluate_history(prog, ds, engine=engine, program_at=program_at)


def outcome(h):
    """Levels, held_by and earned levels as grids; the scores as text (each engine stores
    them over its own common denominator)."""
    cols = sorted(c for c in h.grid.columns if c[:2] in ("H:", "B:", "E:"))
    scores = [h.score_expr(t.name).alias(f"S:{t.name}") for t in h.program.tracks]
    return h.grid.select([PID, MONTH, *cols, *scores])
