"""`tierlang.engine.whatif.ScoreFunction`, the what-if score of explanations, gives what the
interpreter gives: the same points, the same "every line earns" and the same line points,
on generated programs and data, trial after trial (its memos and last-trial caches reused),
and the same failures."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings

from tests.engine.engine_helpers import load_text
from tests.engine.strategies import programs_with_data
from tierlang.data import from_frame
from tierlang.engine.interpreter import EvaluationError, Interpreter
from tierlang.engine.whatif import ScoreFunction


def _outcome(f):
    try:
        return f()
    except (EvaluationError, ZeroDivisionError, ArithmeticError) as e:
        return type(e)


@settings(max_examples=60, deadline=None)
@given(programs_with_data(max_rows=10))
def test_score_function_is_the_interpreters_score(case):
    text, data = case
    prog = load_text(text)
    ds = from_frame(pl.DataFrame(data, schema={c: pl.String for c in data}), prog)
    interp = Interpreter(prog)
    functions = {
        (t.name, v.name, s.name): ScoreFunction(Interpreter(prog, memo=True), t.name, v.name, s.name)
        for t in prog.tracks
        for v in t.variants
        for s in v.scores
    }
    # each function sees every row in turn, twice: memo hits, last-trial hits and misses
    for _ in range(2):
        for k in range(len(ds)):
            values = ds.row_values(k)
            for (track, variant, score), fn in functions.items():

                def reference(values=values, track=track, variant=variant, score=score):
                    r = interp.score(values, track, variant, score)
                    return r.points, all(line.points > 0 for line in r.lines), [line.points for line in r.lines]

                want = _outcome(reference)
                got = _outcome(lambda values=values, fn=fn: (*fn(values), [fn.line_points(values, line) for line in _lines(fn)]))
                assert got == want, (text, values, track, variant, score)


def _lines(fn: ScoreFunction):
    assert fn.score is not None
    return [line for item in fn.score.items for line in getattr(item, "lines", [item])]


PROGRAM = """
program p { version "1" effective 2022-01-01 }
metric a: count
metric b: count { default 0 }
metric pct: percent { range .. }
gate open "Open": a >= 2
track t {
  score s "Score" {
    category c "C" max 40 {
      x "X": points 30 * clamp(a / 3)
      y "Y": points 20 * clamp(pct / 10) when open
    }
    z "Z": points 2.5 * b
  }
  level gold { require s >= 50 }
}
"""


def test_caps_gates_and_missing_values():
    prog = load_text(PROGRAM)
    fn = ScoreFunction(Interpreter(prog, memo=True), "t", None, "s")
    assert fn.fast
    F = Fraction
    line_y = _lines(fn)[1]
    # the category capped at 40; the gate shut below 2
    assert fn({"a": F(3), "b": F(4), "pct": F(10)}) == (F(50), True)
    assert fn({"a": F(1), "b": F(0), "pct": F(10)}) == (F(10), False)
    assert fn.line_points({"a": F(1), "pct": F(10)}, line_y) == 0
    assert fn.line_points({"a": F(2), "pct": F(5)}, line_y) == 10
    assert fn({"a": F(2), "b": F(1), "pct": F(5, 3)}) == (F(20) + F(10, 3) + F(5, 2), True)
    # a missing value without a default fails as the interpreter fails
    interp = Interpreter(prog)
    with pytest.raises(EvaluationError) as want:
        interp.score({"b": F(1), "pct": F(1)}, "t", None, "s")
    with pytest.raises(EvaluationError) as got:
        fn({"b": F(1), "pct": F(1)})
    assert str(got.value) == str(want.value)


def test_a_line_reading_a_table_keyed_by_a_track_is_not_memoised_as_constant():
    # Found by the property test: `points tb` with `tb` keyed by a track reads no metric
    # directly, so a memo keyed on the metrics it reads gave every partner the first one's points.
    prog = load_text(
        'program p "P" {\n  version "1"\n  effective 2022-10-03\n}\n'
        "metric b: bool\n"
        "track t {\n  level gold {\n    require r: b\n  }\n}\n"
        "table tb: number {\n  by t\n  none: 1\n  gold: 2.5\n}\n"
        "track u {\n  score s max 10 {\n    x: points tb\n  }\n  level ok\n}\n"
    )
    ds = from_frame(pl.DataFrame({"partner_id": ["A", "B"], "b": ["true", "false"]}), prog)
    fn = ScoreFunction(Interpreter(prog, memo=True), "u", None, "s")
    assert [fn(ds.row_values(k))[0] for k in range(2)] == [Fraction(5, 2), Fraction(1)]
