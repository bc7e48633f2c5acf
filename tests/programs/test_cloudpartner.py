"""programs/cloudpartner2022.tier and cloudpartner2023.tier: they check clean, and their IR has
the structure the reference and DESIGN §4 fix (tracks, columns, types, points, gates, sources).

The examples inside the files run under `tier test` (the evaluation engine is built elsewhere);
these tests check what can be checked on the IR alone.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

import pytest

from tierlang import ir, load_program
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[2]
P2022 = ROOT / "programs" / "cloudpartner2022.tier"
P2023 = ROOT / "programs" / "cloudpartner2023.tier"

DESIGNATIONS = ("data_ai", "digital_app", "infrastructure", "security", "modern_work", "business_apps")

# DESIGN.md §4, "Column names for programs/cloudpartner2022.tier" (binding).
AZURE_GATES = ("azure_solutions_architect_experts", "azure_administrator_associates")
COLUMNS = {
    "data_ai": (
        "data_ai_net_customer_adds",
        "data_ai_intermediate_certified",
        "data_ai_usage_growth_pct",
        "data_ai_deployments",
    ),
    "digital_app": (
        "digital_app_net_customer_adds",
        "digital_app_intermediate_certified",
        "digital_app_advanced_certified",
        "digital_app_usage_growth_pct",
        "digital_app_deployments",
    ),
    "infrastructure": (
        "infrastructure_net_customer_adds",
        "infrastructure_intermediate_certified",
        "infrastructure_advanced_certified",
        "infrastructure_usage_growth_pct",
        "infrastructure_deployments",
    ),
    "security": (
        "security_step1_certified",
        "security_step2_certified",
        "security_net_customer_adds_azure",
        "security_net_customer_adds_m365",
        "security_intermediate_certified",
        "security_deployments_azure",
        "security_deployments_m365",
        "security_acr_growth_usd",
        "security_protected_users_growth",
    ),
    "modern_work": (
        "modern_work_net_customer_adds_ent",
        "modern_work_net_customer_adds_smb",
        "modern_work_intermediate_certified",
        "modern_work_advanced_certified",
        "modern_work_usage_growth_cpor_ent",
        "modern_work_usage_growth_dpor_ent",
        "modern_work_usage_growth_cpor_smb",
        "modern_work_usage_growth_csp_smb",
        "modern_work_deployments_cpor_ent",
        "modern_work_deployments_dpor_ent",
        "modern_work_deployments_cpor_smb",
        "modern_work_deployments_csp_smb",
    ),
    "business_apps": (
        "business_apps_enterprise_workloads",
        "business_apps_net_customer_adds_ent",
        "business_apps_net_customer_adds_smb",
        "business_apps_intermediate_certified",
        "business_apps_advanced_certified",
        "business_apps_usage_growth_pct",
        "business_apps_baseline_mcv",
        "business_apps_deployments_ent",
        "business_apps_deployments_smb",
    ),
}
ALL_COLUMNS = set(AZURE_GATES).union(*COLUMNS.values())

# Maximum points per metric: reference §1.1 (S6 chart with S2-S5 text).
MAX_POINTS = {
    "data_ai": {"net_customer_adds": 30, "intermediate": 40, "usage_growth": 20, "deployments": 10},
    "digital_app": {"net_customer_adds": 30, "intermediate": 20, "advanced": 20, "usage_growth": 20, "deployments": 10},
    "infrastructure": {"net_customer_adds": 30, "intermediate": 20, "advanced": 20, "usage_growth": 20, "deployments": 10},
    "security": {"net_customer_adds": 20, "intermediate": 40, "usage_growth": 20, "deployments": 20},
    "modern_work": {"net_customer_adds": 20, "intermediate": 10, "advanced": 15, "usage_growth": 30, "deployments": 25},
    "business_apps": {"net_customer_adds": 15, "intermediate": 20, "advanced": 15, "usage_growth": 30, "deployments": 20},
}

SOURCE_TAG = re.compile(r"\b(S\d{1,2}|S-ann|P\d{1,2}|C\d)\b")


@pytest.fixture(scope="module")
def r2022():
    return load_program(P2022)


@pytest.fixture(scope="module")
def r2023():
    return load_program(P2023)


@pytest.fixture(scope="module")
def p2022(r2022) -> ir.Program:
    assert r2022.program is not None
    return r2022.program


@pytest.fixture(scope="module")
def p2023(r2023) -> ir.Program:
    assert r2023.program is not None
    return r2023.program


# ------------------------------------------------------------------ checks and layout


@pytest.mark.parametrize("name", ["r2022", "r2023"])
def test_programs_check_clean(name, request):
    result = request.getfixturevalue(name)
    assert result.ok
    # Not only no errors: no warnings either (every parameter and metric is used by a rule).
    # The one monotonicity finding, Business Applications' classification, is Microsoft's rule
    # and acknowledged in the file (see docs/monotonicity.md and tests/monotonicity/).
    assert result.diagnostics == []
    assert [(d.code, d.message.split(":")[0]) for d in result.acknowledged] == [("TL313", "track 'business_apps' is not monotone")]


@pytest.mark.parametrize("path", [P2022, P2023], ids=lambda p: p.name)
def test_programs_are_in_canonical_layout(path):
    text = path.read_text(encoding="utf-8")
    parsed = parse(text, str(path))
    assert parsed.module is not None
    assert format_module(parsed.module) == text, f"run `tier fmt {path.name}`"


# ------------------------------------------------------------------ tracks


def test_six_designations_in_their_group(p2022):
    group = p2022.group_map["designations"]
    assert group.tracks == DESIGNATIONS
    for name in DESIGNATIONS:
        track = p2022.track_map[name]
        assert track.group == "designations"
        assert track.level_names == ("designated",)
        assert track.title and track.title.startswith("Solutions Partner for ")


def test_track_selection(p2022):
    for name in ("data_ai", "digital_app", "infrastructure", "security"):
        assert p2022.track_map[name].selection == "single"
    mw = p2022.track_map["modern_work"]
    assert mw.selection == "best"
    assert [v.name for v in mw.variants] == ["enterprise", "smb"]
    ba = p2022.track_map["business_apps"]
    assert ba.selection == "classified"
    assert [v.name for v in ba.variants] == ["enterprise", "smb"]
    first, otherwise = ba.choices
    assert first.variant == "enterprise" and otherwise.variant == "smb" and otherwise.when is None
    cond = first.when
    assert isinstance(cond, ir.Compare) and cond.op == ">="
    assert cond.left == ir.MetricRef("business_apps_enterprise_workloads")
    assert cond.right.value == 5 and cond.right.param == "business_apps_enterprise_workloads_min"


def test_every_designation_level_is_70_and_every_metric_above_zero(p2022):
    for name in DESIGNATIONS:
        for variant in p2022.track_map[name].variants:
            (level,) = variant.levels
            exprs = [r.expr for r in level.requirements]
            assert len(exprs) == 2
            total, every = exprs
            assert isinstance(total, ir.Compare) and total.op == ">="
            assert total.left == ir.ScoreRef(name, "capability", variant.name)
            assert total.right.value == 70 and total.right.param == "qualifying_score"
            assert isinstance(every, ir.Every)
            assert (every.track, every.score, every.op, every.value.value) == (name, "capability", ">", 0)


def test_badge_and_status(p2022):
    badge = p2022.track_map["microsoft_cloud"]
    assert badge.group is None
    (level,) = badge.variants[0].levels
    assert level.name == "designated"
    assert [r.expr for r in level.requirements] == [ir.GroupCount("designations", None, "designated")]

    assert p2022.status == "partner_status"
    status = p2022.track_map["partner_status"]
    assert status.level_names == ("member", "solutions_partner", "microsoft_cloud")
    member, sp, cloud = status.variants[0].levels
    assert member.requirements == ()
    assert [r.expr for r in sp.requirements] == [ir.GroupCount("designations", 1, "designated")]
    assert [r.expr for r in cloud.requirements] == [ir.TrackAt("microsoft_cloud", "designated")]


# ------------------------------------------------------------------ metrics


def test_metric_columns_are_exactly_designs_list(p2022):
    columns = [m.column for m in p2022.input_metrics]
    assert len(columns) == len(set(columns))
    assert set(columns) == ALL_COLUMNS
    assert all(m.derived is None for m in p2022.metrics)


def _reads(program: ir.Program, track: ir.Track) -> set[str]:
    out: set[str] = set()
    todo: list[object] = [track]
    while todo:
        for node in ir.walk(todo.pop()):
            if isinstance(node, ir.GateRef):
                todo.append(program.gate_map[node.name])
            elif isinstance(node, ir.MetricRef):
                out.add(node.name)
    return out


def test_each_designation_reads_its_own_columns(p2022):
    for name, cols in COLUMNS.items():
        expected = set(cols) | (set(AZURE_GATES) if name in ("data_ai", "digital_app", "infrastructure") else set())
        assert _reads(p2022, p2022.track_map[name]) == expected, name


def test_metric_types_and_ranges(p2022):
    m = p2022.metric_map
    signed = {c for c in ALL_COLUMNS if "net_customer_adds" in c or c.startswith("modern_work_usage_growth_")}
    for name in ALL_COLUMNS:
        metric = m[name]
        if name.endswith("_pct"):
            assert metric.type.kind is ir.Kind.PERCENT, name
            assert (metric.minimum, metric.maximum) == (-100, None), name
        elif name.endswith("_usd"):
            assert metric.type == ir.Type(ir.Kind.MONEY, currency="USD"), name
            assert (metric.minimum, metric.maximum) == (None, None), name
        elif name == "security_protected_users_growth":
            assert metric.type.kind is ir.Kind.NUMBER
            assert (metric.minimum, metric.maximum) == (None, None)
        elif name == "business_apps_baseline_mcv":
            assert metric.type.kind is ir.Kind.NUMBER
            assert (metric.minimum, metric.maximum) == (0, None)
        else:
            assert metric.type.kind is ir.Kind.COUNT, name
            expected_min = None if name in signed else 0
            assert (metric.minimum, metric.maximum) == (expected_min, None), name
        assert metric.default is None, f"{name}: a missing value must be an error"
        assert metric.direction == "higher"
        assert metric.doc and metric.title and metric.unit or metric.type.kind is ir.Kind.MONEY, name


# ------------------------------------------------------------------ points


def _bounds(expr: ir.Expr, program: ir.Program) -> tuple[Fraction | None, Fraction | None]:
    """Interval of a points expression over the metrics' declared ranges (None = unbounded)."""
    if isinstance(expr, ir.Const):
        return expr.value, expr.value
    if isinstance(expr, ir.MetricRef):
        metric = program.metric_map[expr.name]
        return metric.minimum, metric.maximum
    if isinstance(expr, ir.Neg):
        lo, hi = _bounds(expr.operand, program)
        return (-hi if hi is not None else None), (-lo if lo is not None else None)
    if isinstance(expr, ir.Func):
        args = [_bounds(a, program) for a in expr.args]
        if expr.name == "clamp":
            (lo, hi), (c_lo, _), (_, c_hi) = args
            lo = c_lo if lo is None else min(max(lo, c_lo), c_hi)
            hi = c_hi if hi is None else min(max(hi, c_lo), c_hi)
            return lo, hi
        los, his = [a[0] for a in args], [a[1] for a in args]
        if expr.name == "min":
            lo = None if any(v is None for v in los) else min(los)
            finite = [v for v in his if v is not None]
            return lo, (min(finite) if finite else None)
        finite = [v for v in los if v is not None]
        hi = None if any(v is None for v in his) else max(his)
        return (max(finite) if finite else None), hi
    if isinstance(expr, ir.Arith):
        (a_lo, a_hi), (b_lo, b_hi) = _bounds(expr.left, program), _bounds(expr.right, program)
        if expr.op == "+":
            return (None if None in (a_lo, b_lo) else a_lo + b_lo), (None if None in (a_hi, b_hi) else a_hi + b_hi)
        if expr.op == "-":
            return (None if None in (a_lo, b_hi) else a_lo - b_hi), (None if None in (a_hi, b_lo) else a_hi - b_lo)
        # One side is a constant (the checker guarantees it): scale the other side's interval.
        if expr.op == "*":
            k, (lo, hi) = (a_lo, (b_lo, b_hi)) if a_lo == a_hi and a_lo is not None else (b_lo, (a_lo, a_hi))
        else:
            k, (lo, hi) = 1 / b_lo, (a_lo, a_hi)
        ends = [v * k if v is not None else None for v in (lo, hi)]
        return (ends[0], ends[1]) if k >= 0 else (ends[1], ends[0])
    raise TypeError(expr)


def test_points_per_metric_match_the_reference_and_sum_to_100(p2022):
    for name, expected in MAX_POINTS.items():
        for variant in p2022.track_map[name].variants:
            score = variant.score("capability")
            assert score is not None and score.cap == 100
            assert [c.name for c in score.items] == ["performance", "skilling", "customer_success"]
            got = {}
            for line in score.lines:
                lo, hi = _bounds(line.points, p2022)
                assert lo == 0, f"{name}.{line.name} can go below 0 points"
                got[line.name] = hi
            assert got == expected, f"{name} ({variant.name})"
            assert sum(got.values()) == 100


GATED = {
    ("data_ai", "intermediate"): {"azure_architect_gate", "azure_administrator_gate"},
    ("digital_app", "intermediate"): {"azure_administrator_gate"},
    ("digital_app", "advanced"): {"azure_architect_gate"},
    ("infrastructure", "intermediate"): {"azure_administrator_gate"},
    ("infrastructure", "advanced"): {"azure_architect_gate"},
    ("security", "intermediate"): {"security_step1_gate", "security_step2_gate"},
}


def test_gates(p2022):
    g = p2022.gate_map
    sizes = {
        "azure_architect_gate": ("azure_solutions_architect_experts", 2),
        "azure_administrator_gate": ("azure_administrator_associates", 2),
        "security_step1_gate": ("security_step1_certified", 1),
        "security_step2_gate": ("security_step2_certified", 1),
        "business_apps_enterprise_baseline": ("business_apps_baseline_mcv", 50_000),
        "business_apps_smb_baseline": ("business_apps_baseline_mcv", 25_000),
    }
    assert set(g) == set(sizes)
    for name, (metric, size) in sizes.items():
        expr = g[name].expr
        assert isinstance(expr, ir.Compare) and expr.op == ">="
        assert expr.left == ir.MetricRef(metric) and expr.right.value == size and expr.right.param
    for name in DESIGNATIONS:
        for variant in p2022.track_map[name].variants:
            for line in variant.score("capability").lines:
                gates = {n.name for n in ir.walk(line.when) if isinstance(n, ir.GateRef)} if line.when is not None else set()
                if name == "business_apps" and line.name == "usage_growth":
                    expected = {f"business_apps_{variant.name}_baseline"}
                else:
                    expected = GATED.get((name, line.name), set())
                assert gates == expected, f"{name}.{variant.name}.{line.name}"


def test_security_combines_azure_and_m365(p2022):
    lines = {line.name: line for line in p2022.track_map["security"].variants[0].score("capability").lines}
    for line, (a, b) in {
        "net_customer_adds": ("security_net_customer_adds_azure", "security_net_customer_adds_m365"),
        "deployments": ("security_deployments_azure", "security_deployments_m365"),
    }.items():
        # max × clamp((a + b) / target): the sum is taken before the cap.
        mul = lines[line].points
        assert isinstance(mul, ir.Arith) and mul.op == "*"
        clamp = mul.right
        assert isinstance(clamp, ir.Func) and clamp.name == "clamp"
        div = clamp.args[0]
        assert isinstance(div, ir.Arith) and div.op == "/"
        assert div.left == ir.Arith("+", ir.MetricRef(a), ir.MetricRef(b))
    usage = lines["usage_growth"].points
    assert isinstance(usage, ir.Func) and usage.name == "min" and usage.args[0].value == 20


# ------------------------------------------------------------------ parameters and sources


def _cited(text: str | None) -> bool:
    return bool(text and SOURCE_TAG.search(text))


def test_every_declaration_cites_a_source(p2022):
    missing = []
    for m in p2022.metrics:
        missing += [f"metric {m.name}"] * (not _cited(m.source))
    for g in p2022.gates:
        missing += [f"gate {g.name}"] * (not _cited(g.source))
    for p in p2022.params:
        missing += [f"param {p.name}"] * (not (_cited(p.source) or p.assumed))
    for t in p2022.tracks:
        missing += [f"track {t.name}"] * (not _cited(t.source))
        for v in t.variants:
            for level in v.levels:
                missing += [f"level {t.name}.{level.name}"] * (not _cited(level.source))
            for s in v.scores:
                missing += [f"score {t.name}.{s.name}"] * (not _cited(s.source))
                for line in s.lines:
                    missing += [f"line {t.name}.{v.name}.{line.name}"] * (not _cited(line.source))
    assert missing == []


def test_docs_for_the_guide(p2022):
    assert p2022.doc and p2022.title
    for t in p2022.tracks:
        assert t.doc, t.name
        for v in t.variants:
            for s in v.scores:
                for line in s.lines:
                    assert line.doc and line.title, f"{t.name}.{line.name}"
    for g in p2022.gates:
        assert g.doc and g.title


def test_numbers_are_named_parameters(p2022):
    """Every number in a rule is a parameter, except the structural ones: 0 (no points for a
    decline / above zero) and clamp's 0..1 bounds."""
    loose = []
    for node in [*p2022.tracks, *p2022.gates]:
        for n in ir.walk(node):
            if isinstance(n, ir.Const) and n.param is None and n.value not in (0, 1):
                loose.append((getattr(node, "name", "?"), n.value))
    assert loose == []
    # Only the unconfirmed ones are marked as assumptions; the reference confirms every value.
    assert [p.name for p in p2022.params if p.assumed] == []
    assert all(p.title for p in p2022.params)


# ------------------------------------------------------------------ examples


def _expected_levels(program: ir.Program) -> dict[str, set]:
    out: dict[str, set] = {}
    for ex in program.examples:
        for e in ex.expectations:
            if len(e.path) == 1:
                out.setdefault(e.path[0], set()).add(e.value)
    return out


def test_examples_cover_every_track_both_ways(p2022):
    levels = _expected_levels(p2022)
    for name in (*DESIGNATIONS, "microsoft_cloud"):
        assert levels.get(name, set()) >= {"designated", None}, name
    assert levels["partner_status"] >= {"member", "solutions_partner", "microsoft_cloud"}


def _example(program: ir.Program, name: str) -> tuple[dict, dict]:
    ex = next(e for e in program.examples if e.name == name)
    return dict(ex.given), {e.path: e.value for e in ex.expectations}


def test_worked_examples_of_the_reference(p2022):
    given, expect = _example(p2022, "data_ai_skilling_worked_example")
    assert (given["azure_solutions_architect_experts"], given["azure_administrator_associates"]) == (2, 2)
    assert given["data_ai_intermediate_certified"] == 3
    assert expect[("data_ai", "capability", "intermediate")] == 12

    given, expect = _example(p2022, "data_ai_one_architect")
    assert given["azure_solutions_architect_experts"] == 1
    assert expect[("data_ai", "capability", "intermediate")] == 0

    given, expect = _example(p2022, "data_ai_one_of_three_adds")
    assert given["data_ai_net_customer_adds"] == 1
    assert expect[("data_ai", "capability", "net_customer_adds")] == 10

    _, expect = _example(p2022, "data_ai_exactly_70")
    assert expect[("data_ai", "capability")] == 70 and expect[("data_ai",)] == "designated"

    _, expect = _example(p2022, "data_ai_one_metric_at_zero")
    assert expect[("data_ai", "capability")] >= 70 and expect[("data_ai",)] is None

    given, expect = _example(p2022, "security_six_people_reach_40")
    assert given["security_intermediate_certified"] == 6
    assert expect[("security", "capability", "intermediate")] == 40

    _, expect = _example(p2022, "security_thirds_make_exactly_70")
    assert expect[("security", "capability")] == 70 and expect[("security",)] == "designated"

    given, _ = _example(p2022, "business_apps_five_workloads")
    assert given["business_apps_enterprise_workloads"] == 5


def test_examples_give_every_metric(p2022):
    for ex in p2022.examples:
        assert set(dict(ex.given)) == ALL_COLUMNS, ex.name


# ------------------------------------------------------------------ cloudpartner2023


def _by_name(items) -> dict[str, dict]:
    return {x.name: ir.to_data(x, spans=False) for x in items}


def test_2023_restates_only_the_dated_changes(p2022, p2023):
    assert p2023.extends == "cloudpartner2022"
    assert p2023.effective == dt.date(2023, 12, 1)
    assert p2023.title == "Microsoft AI Cloud Partner Program"
    assert p2023.status == "partner_status"
    assert _by_name(p2023.tracks) == _by_name(p2022.tracks)
    assert _by_name(p2023.groups) == _by_name(p2022.groups)
    assert _by_name(p2023.partners) == _by_name(p2022.partners)

    def changed(kind):
        old, new = _by_name(getattr(p2022, kind)), _by_name(getattr(p2023, kind))
        assert set(old) <= set(new)
        return {n for n in new if old.get(n) != new[n]}

    assert changed("params") == {"security_step1_gate_size", "security_step2_gate_size"}
    # The gates fold the parameters' values, so they change with them.
    assert changed("gates") == {"security_step1_gate", "security_step2_gate"}
    assert changed("metrics") == {"security_intermediate_certified", "business_apps_intermediate_certified"}
    assert changed("examples") == {"security_one_person_per_step", "security_two_people_per_step", "security_step2_one_short"}


def test_2023_metric_overrides_change_only_the_description(p2022, p2023):
    for name in ("security_intermediate_certified", "business_apps_intermediate_certified"):
        old, new = p2022.metric_map[name], p2023.metric_map[name]
        assert (old.type, old.column, old.minimum, old.maximum, old.unit, old.title) == (
            new.type,
            new.column,
            new.minimum,
            new.maximum,
            new.unit,
            new.title,
        )
        assert old.doc != new.doc

    def words(text: str) -> str:
        return " ".join(text.split())

    assert "Security Operations Analyst Associate (until 2023-11-30)" in words(p2022.metric_map["security_intermediate_certified"].doc)
    assert "Security Operations Analyst Associate no longer counts here" in words(p2023.metric_map["security_intermediate_certified"].doc)
    assert "without Power Platform App Maker" in words(p2023.metric_map["business_apps_intermediate_certified"].doc)


def test_2023_security_gates_are_two_people_from_december(p2023):
    for name in ("security_step1_gate_size", "security_step2_gate_size"):
        param = p2023.param_map[name]
        assert param.value == 2
        assert param.dated == ((dt.date(2023, 12, 1), 2),)
        assert _cited(param.source)
    for gate in ("security_step1_gate", "security_step2_gate"):
        assert p2023.gate_map[gate].expr.right.value == 2
    before = load_program(P2023, dt.date(2023, 11, 30)).program
    assert before.param_map["security_step1_gate_size"].value == 1


def test_2023_examples(p2023):
    _, expect = _example(p2023, "security_one_person_per_step")
    assert expect[("security",)] is None and expect[("security", "capability", "intermediate")] == 0
    given, expect = _example(p2023, "security_step2_one_short")
    assert (given["security_step1_certified"], given["security_step2_certified"]) == (2, 1)
    assert expect[("partner_status",)] == "solutions_partner"
    # Every inherited example that is about Security gates uses people the new gates accept.
    for ex in p2023.examples:
        given = dict(ex.given)
        if ex.name not in ("security_one_person_per_step", "security_step2_one_short", "security_step1_missing", "nothing_yet"):
            assert given["security_step1_certified"] >= 2 and given["security_step2_certified"] >= 2, ex.name


# ------------------------------------------------------------------ data dictionaries


def test_data_dictionary_lists_every_column(p2022):
    text = (ROOT / "docs" / "programs" / "cloudpartner2022.md").read_text(encoding="utf-8")
    for column in ALL_COLUMNS:
        assert f"| `{column}` |" in text
