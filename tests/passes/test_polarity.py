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


def test_origins_name_the_construct(tmp_path):
    from tierlang import ir

    a = _analysis(
        tmp_path,
        """
metric x: count
metric y: count
metric late: count { lower is better }
track t {
  score s { p: points 10 * clamp(x / 5) - y }
  level l { require s >= 3 and not (x >= 9) and late >= 1 }
}
""",
    )
    effects = a.track_effects("t")
    (x_down,) = effects[("metric", "x")][-1]
    assert x_down.reason == "not" and isinstance(x_down.node, ir.Not)
    (y_down,) = effects[("metric", "y")][-1]
    assert y_down.reason == "subtraction"
    (late_up,) = effects[("metric", "late")][1]
    assert late_up.reason == "metric" and late_up.node.name == "late"  # used as is
    (late_down,) = effects[("metric", "late")].get(-1, ()) or (None,)
    assert late_down is None


def test_references_keep_the_inner_origin(tmp_path):
    a = _analysis(
        tmp_path,
        """
metric x: count
track a { level l { require x <= 3 } }
track b { level l { require a at l } }
""",
    )
    (origin,) = a.track_effects("b")[("metric", "x")][-1]
    assert origin.reason == "reference" and origin.track == "a" and origin.span.line == 5
    assert origin.root.reason == "comparison" and origin.root.span.line == 4


def test_double_reversal_is_monotone_and_equality_both_ways(tmp_path):
    a = _analysis(
        tmp_path,
        """
metric x: count
metric y: count
track t { level l { require not (x < 5) and not (y == 2) } }
""",
    )
    signs = a.track("t")
    assert signs[("metric", "x")] == POS
    assert signs[("metric", "y")] == BOTH
    (origin,) = a.track_effects("t")[("metric", "y")][-1]
    assert origin.reason == "equality"  # the `not` adds no direction to a both-ways effect


BANDS = """
metric r: count {range}
track t {
  score s {
    b1: points 2 when r >= 10 and r < 20
    b2: points {second} when r >= 20 and r < 50
    b3: points 10 when r >= {third}
  }
  level l { require s >= 2 }
}
"""


def test_tiered_bands(tmp_path):
    def signs(second, third, rng=""):
        text = BANDS.replace("{second}", str(second)).replace("{third}", str(third)).replace("{range}", rng)
        return _analysis(tmp_path, text).track("t")[("metric", "r")]

    assert signs(5, 50) == POS  # touching bands, points rising
    assert signs(5, 51) == BOTH  # a gap: 50 responses earn nothing
    assert signs(1, 50) == BOTH  # points fall from the first band to the second
    text = BANDS.replace("{second}", "5").replace("{third}", "50").replace("{range}", "")
    text = text.replace("b3: points 10 when r >= 50", "b3: points 10 when r >= 50 and r < 100")
    assert _analysis(tmp_path, text).track("t")[("metric", "r")] == BOTH  # the top band ends
    capped = text.replace("metric r: count", "metric r: count { range 0..99 }")
    assert _analysis(tmp_path, capped).track("t")[("metric", "r")] == POS  # ... beyond the range


def test_a_gated_line_paying_a_table_keyed_by_a_track_is_checked(tmp_path):
    # Found by `make fuzz`: `points tb when m > 2`, tb keyed by a track, read no metric and was
    # taken for a constant number of points: `tier check` ended in a TypeError traceback.
    text = (
        'program p {\n  version "1"\n}\nmetric m0: count\nmetric m4: count\n'
        "track t0 {\n  level l0 {\n    require m0 >= 1\n  }\n}\n"
        "table tb1: number {\n  by t0\n  none: 30\n  l0: 15\n}\n"
        "track t1 {\n  score s0 {\n    c: points tb1 when m4 > 2\n  }\n  level l0 {\n    require s0 >= 1\n  }\n}\n"
    )
    result = load_program(tmp_path / "p.tier", text=text)
    assert result.ok, result.diagnostics
    assert [d.code for d in result.diagnostics if d.code.startswith("TL31")] == ["TL317"]
