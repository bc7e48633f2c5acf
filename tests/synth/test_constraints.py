"""Synthetic data keeps every input constraint of the programs (issue 19): `tier eval` of what
`tier synth` writes never reports a row that breaks one (TL416), at any size and in every
month of a history, for any program's constraints, not only the shipped calibration's."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.synth.conftest import load_text
from tierlang import evaluate, load_program
from tierlang.synth import SynthError, synthesize
from tierlang.synth.history import synthesize_history

PROGRAM = """program cdemo {
  version "1"
  effective 2025-01-01
}

param margin = 2

metric acquired_customers: count
metric active_customers: count
metric lost_customers: count
metric a: count
metric b: count
metric c: count
metric share: percent { range 0..100 }
metric other_share: percent { range 0..100 }
metric revenue: money USD
metric cost: money USD
metric trials: count
metric paid: count
metric profit: money USD = revenue - cost

constraint active_within "Active customers are among acquired ones": active_customers <= acquired_customers
constraint parts: a + b <= c
constraint churn: active_customers + lost_customers <= acquired_customers + margin
constraint shares: share + other_share <= 100
constraint margin_kept: profit > 0 - 1000
constraint one_route: trials == 0 or paid == 0
constraint not_three: not (a == 3)

track t {
  level silver {
    require active_customers >= 5 and a >= 3 and share >= 30 and trials >= 1
  }
  level gold {
    require acquired_customers >= 10 and active_customers >= 0.7 * acquired_customers
    require b >= 4 and c >= 6 and other_share >= 40 and profit >= 500
  }
}
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    return load_text(tmp_path_factory.mktemp("c"), PROGRAM)


@pytest.mark.parametrize("rows", [20, 300, 5_000])
def test_every_row_keeps_every_constraint(program, rows):
    pop = synthesize([program], rows, seed=1)
    ev = evaluate(program, pop.frame)  # a row breaking a constraint is a DataLoadError (TL416)
    f = pop.frame
    assert (f["active_customers"] <= f["acquired_customers"]).all()
    assert (f["a"] + f["b"] <= f["c"]).all() and (f["a"] != 3).all()
    assert ((f["trials"] == 0) | (f["paid"] == 0)).all()
    assert (f["revenue"] - f["cost"] > -1000).all()
    if rows < 1_000:  # a small sample still shows every level
        assert pop.not_shown == ()
        assert set(ev.levels["t"].to_list()) == {None, "silver", "gold"}


def test_every_month_keeps_every_constraint(program):
    months = list(synthesize_history([program], 3_000, 6, seed=2))
    assert len(months) == 6
    for frame in months:
        evaluate(program, frame.drop("month"))
        assert (frame["active_customers"] <= frame["acquired_customers"]).all()


def test_the_dependent_metric_moves_and_the_others_keep_their_draws(tmp_path):
    # `x <= y` lowers x to y (y keeps its drawn distribution); `a + b <= c` raises c to the
    # sum of its parts (a and b keep theirs): compare with the program without constraints
    free = (
        'program p { version "1" }\nmetric x: count\nmetric y: count\nmetric a: count\nmetric b: count\nmetric c: count\n'
        "track t { level l { require x >= 3 and y >= 5 and a >= 2 and b >= 2 and c >= 3 } }\n"
    )
    kept = synthesize([load_text(tmp_path, free + "constraint s: x <= y\nconstraint p: a + b <= c\n", "k.tier")], 5_000, seed=3).frame
    drawn = synthesize([load_text(tmp_path, free, "f.tier")], 5_000, seed=3).frame
    for same in ("y", "a", "b"):
        assert kept[same].equals(drawn[same]), same
    lowered, raised = kept["x"] != drawn["x"], kept["c"] != drawn["c"]
    assert lowered.any() and (kept.filter(lowered)["x"] == kept.filter(lowered)["y"]).all()
    assert raised.any() and (kept.filter(raised)["c"] == (kept["a"] + kept["b"]).filter(raised)).all()


def test_an_impossible_constraint_is_an_error_naming_it(tmp_path):
    program = load_text(
        tmp_path,
        'program p { version "1" }\nmetric a: count { range 0..3 }\nmetric b: count\n'
        'constraint never "Five or more": a >= 5\ntrack t { level l { require a >= 1 and b >= 1 } }\n',
    )
    with pytest.raises(SynthError, match=r"constraint 'never' \(Five or more\).*still break it"):
        synthesize([program], 2_000, seed=0)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tierlang", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_synth_then_eval_reports_no_data_error(tmp_path):
    path = tmp_path / "c.tier"
    path.write_text(PROGRAM, encoding="utf-8")
    for rows, extra in (("20", []), ("2000", []), ("1500", ["--months", "3"])):
        data = tmp_path / f"p{rows}.csv"
        done = _cli("synth", str(path), "--rows", rows, "-o", str(data), *extra)
        assert done.returncode == 0, done.stderr
        done = _cli("eval", str(path), str(data), "-o", str(tmp_path / "out.csv"), *(["--history"] if extra else []))
        assert done.returncode == 0 and "TL416" not in done.stdout + done.stderr, done.stderr
    bad = tmp_path / "bad.tier"
    bad.write_text(
        PROGRAM.replace("metric a: count", "metric a: count { range 0..2 }").replace("a >= 3", "a >= 1") + "constraint x: a >= 4\n"
    )
    done = _cli("synth", str(bad), "--rows", "1000", "-o", str(tmp_path / "bad.csv"))
    assert done.returncode == 2 and "constraint 'x'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "bad.csv").exists()


# ------------------------------------------------------------------ generated programs

_KINDS = [("count", None, 1), ("count { range 0..40 }", (0, 40), 1), ("number { range -20..20 }", (-20, 20), 100), ("number", None, 10)]


_OPS = {
    "<": lambda v: v < 0,
    "<=": lambda v: v <= 0,
    ">": lambda v: v > 0,
    ">=": lambda v: v >= 0,
    "==": lambda v: v == 0,
    "!=": lambda v: v != 0,
}


@st.composite
def constrained_programs(draw):
    """A program over 2 to 4 metrics with up to 3 constraints, each true at a drawn witness
    point and for a partner with nothing (every metric 0), as real constraints are (subset
    limits, sums, ratios), and a track reading every metric."""
    n = draw(st.integers(2, 4))
    kinds = [draw(st.sampled_from(_KINDS)) for _ in range(n)]
    witness = []
    for _, rng, unit in kinds:
        lo, hi = rng or (0, 60)
        witness.append(Fraction(draw(st.integers(lo * unit, hi * unit)), unit))
    constraints = []
    for i in range(draw(st.integers(1, 3))):
        parts = []
        for _ in range(draw(st.integers(1, 2))):
            terms = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from([1, 1, 2, Fraction(1, 2)])), min_size=1, max_size=3))
            left = [(j, c) for j, c in terms[: max(1, len(terms) - 1)]]
            right = [(j, c) for j, c in terms[len(left) :]]
            k = draw(st.integers(-3, 3))
            value = sum(c * witness[j] for j, c in left) + k - sum(c * witness[j] for j, c in right)
            # true at the witness and for a partner with nothing (every metric 0: its value is k)
            ops = [op for op in _OPS if _OPS[op](value) and _OPS[op](Fraction(k))]
            if not ops:
                continue
            op = draw(st.sampled_from(ops))
            side = " + ".join(f"{c} * m{j}" for j, c in left) + f" + {k}"
            other = " + ".join(f"{c} * m{j}" for j, c in right) if right else "0"
            parts.append(f"{side} {op} {other}")
        if not parts:
            continue
        joiner = draw(st.sampled_from([" and ", " or "]))
        constraints.append(f"constraint k{i}: " + joiner.join(f"({p})" for p in parts))
    text = 'program g { version "1" }\n'
    text += "".join(f"metric m{j}: {kind}\n" for j, (kind, _, _) in enumerate(kinds))
    text += "\n".join(constraints) + "\n"
    text += "track t { level l { require " + " and ".join(f"m{j} >= {1 + j}" for j in range(n)) + " } }\n"
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(constrained_programs(), st.integers(0, 3))
def test_generated_programs_get_data_that_keeps_their_constraints(text, seed):
    result = load_program("g.tier", text=text)
    assert result.ok, (text, [d.message for d in result.errors])
    program = result.program
    frame = synthesize([program], 1_000, seed=seed).frame
    evaluate(program, frame)  # no TL416
    assert frame.height == 1_000 and frame["partner_id"].n_unique() == 1_000
