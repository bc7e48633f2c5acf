"""Monotonicity messages from a second trial (issue 19): long metric lists are summarized,
and rules on the same metric each get a witness of their own."""

from __future__ import annotations

from tierlang import load_program
from tierlang.passes.monotonicity import analyse, check_monotonicity

HEAD = 'program p { version "1" }\n'


def _program(tmp_path, body: str):
    result = load_program(tmp_path / "p.tier", text=HEAD + body)
    assert result.program is not None and result.ok, result.diagnostics
    return result.program


def test_a_finding_over_many_metrics_is_summarized(tmp_path):
    metrics = "".join(f"metric m{i}: count\n" for i in range(44))
    lines = " ".join(f"l{i}: points 2 * clamp(m{i} / 3)" for i in range(44))
    p = _program(tmp_path, metrics + f"track t {{ score s {{ {lines} }} level ok {{ require not (s >= 80) }} }}\n")
    (d,) = check_monotonicity(p)
    assert d.code == "TL310"
    assert d.message.endswith("`not` reverses this condition: more 'm0', 'm1', 'm2' or 41 other metrics can make it fail")
    notes = " ".join(n.message for n in d.notes)
    assert "'m43'" not in notes  # no note lists them all either
    assert len(d.data["metrics"]["t"]) == 44  # the JSON keeps every name


def test_rules_on_one_metric_each_get_their_own_witness(tmp_path):
    p = _program(
        tmp_path,
        """
metric late: count
metric pros: count
track t {
  level a { require late <= 5 and pros >= 1 }
  level b { require late <= 3 and pros >= 2 }
}
""",
    )
    report = analyse(p)
    first, second = report.findings
    w1, w2 = first.searches["t"].witness, second.searches["t"].witness
    assert w1 is not None and w2 is not None
    # each witness crosses its own rule's threshold: 5 for level a, 3 for level b
    assert w1.lower["late"] <= 5 < w1.higher["late"]
    assert w2.lower["late"] <= 3 < w2.higher["late"] <= 5
    assert (w1.lower, w1.higher) != (w2.lower, w2.higher)
