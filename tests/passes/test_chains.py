"""Rules that share other rules are analysed once per rule, not once per path (issue 17,
items 2 and 3): chains of derived metrics, gates and variants, and the limit on nesting
through references (TL216). The resource suite (tests/resources) measures growth; these
tests pin each fix where it lives."""

from __future__ import annotations

import polars as pl

from tests.resources.shapes import program
from tierlang.data import from_frame
from tierlang.engine import evaluate_dataset
from tierlang.engine.explain import explain_partner, render_text
from tierlang.loader import load_program
from tierlang.passes.monotonicity import SEARCHES_PER_PROGRAM, analyse
from tierlang.passes.polarity import Analysis
from tierlang.recursion import MAX_REFERENCE_DEPTH, deep_recursion


def _load(tmp_path, text, name="p.tier"):
    return load_program(tmp_path / name, text=text)


def _gate_chain(n: int) -> str:
    lines = ['program g {\n  version "1"\n}\n', "metric a: count\n", "gate g0: a >= 1\n"]
    lines += [f"gate g{i}: g{i - 1} and a >= 1\n" for i in range(1, n)]
    lines.append(f"track t {{\n  level silver {{\n    require g{n - 1}\n  }}\n}}\n")
    return "".join(lines)


def test_a_chain_too_deep_through_references_is_tl216(tmp_path):
    result = _load(tmp_path, _gate_chain(1200))
    assert [d.code for d in result.errors] == ["TL216"]
    (d,) = result.errors
    assert f"more than {MAX_REFERENCE_DEPTH} levels" in d.message
    assert d.notes[0].message.startswith("reads gate ") and d.notes[0].message.endswith("gate 'g0'")
    assert result.program is None


def test_a_chain_within_the_limit_is_checked_and_evaluated(tmp_path):
    result = _load(tmp_path, _gate_chain(900))
    assert result.ok, result.errors
    ds = from_frame(pl.DataFrame({"partner_id": ["P1", "P2"], "a": ["1", "0"]}), result.program)
    for engine in ("vectorized", "interpreter"):
        levels = evaluate_dataset(result.program, ds, engine=engine).long()["level"].to_list()
        assert levels == ["silver", None], engine


def test_derived_metrics_are_analysed_once(tmp_path, monkeypatch):
    prog = _load(tmp_path, program("derived", 60)).program
    calls = 0
    original = Analysis._s_Arith

    def counting(self, e):
        nonlocal calls
        calls += 1
        return original(self, e)

    monkeypatch.setattr(Analysis, "_s_Arith", counting)
    Analysis(prog).track_effects("t")
    assert calls == 2 * 60  # each metric's `+` and `/`, once (2^60 when expanded)


def test_all_searches_of_a_program_share_one_budget(tmp_path):
    prog = _load(tmp_path, program("classified", 16)).program  # a track of usual size (weight 1)
    report = analyse(prog, budget=5)
    searches = [s for f in report.findings for s in f.searches.values()]
    assert len(searches) == 15
    assert sum(s.evaluated for s in searches) <= 5 * SEARCHES_PER_PROGRAM
    notes = [n.message for d in report.diagnostics(prog) for n in d.notes]
    assert any(m.startswith("not searched for 't': the search budget of this program (40 partners evaluated)") for m in notes)
    assert any("the search stopped at its budget of 5 partners evaluated; `tier check --witness` searches longer" in m for m in notes)


def test_a_large_track_spends_the_program_budget_by_its_size(tmp_path):
    # `tier check --witness` on a 200-way `choose ... when` spent the whole program budget in
    # partners, each evaluation reading the 200 choices: time grew with the budget times the
    # size. An evaluation of a large track counts for its size: the searches' work is bounded.
    from tierlang import ir
    from tierlang.passes.monotonicity import TRACK_NODES

    prog = _load(tmp_path, program("classified", 200)).program
    nodes = sum(1 for _ in ir.walk(prog.track_map["t"]))
    report = analyse(prog, budget=50)
    searches = [s for f in report.findings for s in f.searches.values()]
    weight = -(-nodes // TRACK_NODES)
    assert weight > 5
    assert sum(s.evaluated for s in searches) * weight <= 50 * SEARCHES_PER_PROGRAM
    notes = [n.message for d in report.diagnostics(prog) for n in d.notes]
    assert any(
        m.startswith(
            f"not searched for 't': the search budget of this program (400 partners evaluated, each of this large track counting {weight})"
        )
        for m in notes
    ), notes[-1]


def test_under_the_witness_budget_no_note_asks_for_witness(tmp_path):
    from tierlang.passes.monotonicity import WITNESS_BUDGET

    prog = _load(tmp_path, program("classified", 60)).program
    notes = [n.message for d in analyse(prog, budget=WITNESS_BUDGET).diagnostics(prog) for n in d.notes]
    assert any(m.startswith("not searched for 't'") for m in notes)
    assert not any("`tier check --witness` searches longer" in m for m in notes)


def test_an_explanation_shows_a_shared_gate_once(tmp_path):
    prog = _load(tmp_path, program("gates", 30)).program
    for values in ({"a": 3, "b": 3}, {"a": 0, "b": 0}):
        text = render_text(explain_partner(prog, values), prog)
        assert len(text.splitlines()) < 200, text[:2000]
        assert "(see above)" in text


def test_best_of_many_variants_compiles_to_a_linear_plan(tmp_path):
    from tierlang.engine.vectorized import compile_program

    sizes = {}
    for n in (8, 32):
        prog = _load(tmp_path, program("variants", n)).program
        plan = compile_program(prog, {m.name: 1 for m in prog.metrics})
        sizes[n] = sum(len(str(c.expr)) for c in plan.columns)
    assert sizes[32] < 6 * sizes[8], sizes  # linear: 4x; the tournament it replaces: 3^24 x


def test_a_gate_chain_joins_its_origins_without_copying_them(tmp_path):
    # Each gate of the chain depends on every comparison before it. Copying those origins into
    # each gate's effects held n^2 of them (tier check --witness: 0.25 CPU s at 320 gates,
    # 0.72 at 640); joined lazily, what the analysis holds grows linearly (memory allocated
    # is deterministic, unlike time: the copies made 300 -> 600 gates 3.3 times larger).
    import tracemalloc

    def held(n: int) -> int:
        prog = _load(tmp_path, program("gates", n)).program
        tracemalloc.start()
        try:
            with deep_recursion():  # as the loader does
                analysis = Analysis(prog)
                effects = analysis.track_effects("t")
            size = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        # and every origin is still there, in source order, once
        ups = list(effects[("metric", "b")][1])
        assert len(ups) == n and [o.span.line for o in ups] == sorted(o.span.line for o in ups)
        return size

    assert held(600) <= 2.3 * held(300)
