"""Sign analysis: which way each metric moves a level."""

from __future__ import annotations

from tierlang import load_program
from tierlang.passes.polarity import BOTH, NEG, POS, Analysis


def _analysis(tmp_path, body: str) -> Analysis:
    text = 'program p { version "1" }\n' + body
    result = load_program(tmp_path / "p.tier", text=text)
    assert result.program is not None, result.diagnostics
    return Analysis(result.program)


def test_thresholds_scores_and_gates(tmp_path):
    a = _analysis(
        tmp_path,
        """
metric x: count
metric y: count { range .. }
metric late: count
metric flag: bool
gate g: not (late > 3)
track t {
  score s { p: points 30 * clamp(y / 3) when g and flag  q: points 10 - x }
  level l { require s >= 20 and x >= 1 }
}
""",
    )
    signs = a.track("t")
    assert signs[("metric", "y")] == POS
    assert signs[("metric", "late")] == NEG
    assert signs[("metric", "flag")] == POS
    assert signs[("metric", "x")] == BOTH  # helps `x >= 1`, hurts `10 - x`


def test_classified_variants_move_both_ways(tmp_path):
    a = _analysis(
        tmp_path,
        """
metric w: count
metric adds: count
track t {
  choose ent when w >= 5 else smb
  variant ent { level d { require adds >= 5 } }
  variant smb { level d { require adds >= 2 } }
}
track best {
  choose best
  variant a { level d { require adds >= 5 } }
  variant b { level d { require w >= 2 } }
}
""",
    )
    assert a.track("t") == {("metric", "w"): BOTH, ("metric", "adds"): POS}
    assert a.track("best") == {("metric", "adds"): POS, ("metric", "w"): POS}


def test_intervals(tmp_path):
    a = _analysis(tmp_path, "metric x: count { range 0..10 }\ntrack t { level l { require x >= 1 } }\n")
    from tierlang import ir

    expr = ir.Func(
        "clamp",
        (
            ir.Arith("/", ir.MetricRef("x"), ir.Const(ir.Fraction(4), ir.Type(ir.Kind.NUMBER))),
            ir.Const(ir.Fraction(0), ir.Type(ir.Kind.NUMBER)),
            ir.Const(ir.Fraction(1), ir.Type(ir.Kind.NUMBER)),
        ),
    )
    b = a.bounds(expr)
    assert (b.lo, b.hi) == (0, 1)
