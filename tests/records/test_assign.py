"""People rules: the assignment solver is exact (checked against every assignment on small
cases), both records stages agree on it, and a records program that SQL cannot compile says
so instead of reading records metrics as partner columns."""

from __future__ import annotations

import itertools
import subprocess
import sys

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierlang.data.tables import PARTNERS, load_records
from tierlang.loader import load_program
from tierlang.records import with_records
from tierlang.records.assign import fewest_new_people, need_sets, solve

NEEDS = ["n0", "n1", "n2"]


def brute_force(needs: list[tuple[str, int]], can_fill: dict[str, set[str]], capacity: int) -> bool:
    """Every way of giving each person up to `capacity` of the needs they can fill."""
    people = sorted(can_fill)
    options = []
    for p in people:
        names = sorted(can_fill[p])
        options.append([set(c) for k in range(min(capacity, len(names)) + 1) for c in itertools.combinations(names, k)])
    for pick in itertools.product(*options):
        filled = {name: 0 for name, _ in needs}
        for chosen in pick:
            for name in chosen:
                filled[name] += 1
        if all(filled[name] >= count for name, count in needs):
            return True
    return False


@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from("abcdef"), st.sets(st.sampled_from(NEEDS)), max_size=6),
    st.integers(1, 3),
)
def test_solver_is_exact(counts, can_fill, capacity):
    needs = list(zip(NEEDS, counts))
    can_fill = {p: names & {n for n, _ in needs} for p, names in can_fill.items()}
    got = solve(needs, can_fill, capacity)
    assert got.feasible == brute_force(needs, can_fill, capacity)
    # the sets of needs the polars and SQL stages check instead of a flow (max-flow min-cut)
    sets = need_sets(counts)
    assert sets is not None
    gives = [sum(min(capacity, len(names & {NEEDS[i] for i in chosen})) for names in can_fill.values()) for chosen, _ in sets]
    assert got.feasible == all(g >= places for g, (_, places) in zip(gives, sets))
    if got.feasible:
        # the assignment it shows is one: counts met, capacities kept, eligibility kept
        for name, count in needs:
            assert len(set(got.assigned[name])) == count
            assert all(name in can_fill[p] for p in got.assigned[name])
        for p in can_fill:
            assert sum(p in people for people in got.assigned.values()) <= capacity
    else:
        assert got.short and got.available < got.needed


@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from("abcd"), st.sets(st.sampled_from(NEEDS)), max_size=4),
    st.integers(1, 3),
)
@settings(max_examples=60, deadline=None)
def test_fewest_new_people_is_the_fewest_and_enough(counts, can_fill, capacity):
    # explain's smallest change of a people rule: no fewer new people could meet the needs
    # (checked against every assignment), and the ones it names, each able to fill just the
    # needs it says, do
    needs = list(zip(NEEDS, counts))
    can_fill = {p: names & {n for n, _ in needs} for p, names in can_fill.items()}
    groups = fewest_new_people(needs, can_fill, capacity)
    new = [fills for fills, k in groups for _ in range(k)]
    assert (not new) == brute_force(needs, can_fill, capacity)
    everything = {n for n, _ in needs}
    if new:
        fewer = {**can_fill, **{f"new{k}": everything for k in range(len(new) - 1)}}
        assert not brute_force(needs, fewer, capacity)
    named = {**can_fill, **{f"new{k}": set(fills) for k, fills in enumerate(new)}}
    assert brute_force(needs, named, capacity)
    assert all(0 < len(fills) <= capacity and len(set(fills)) == len(fills) for fills in new)


def test_fewest_new_people_for_a_huge_need_takes_no_time():
    # explain must not run away on a count no partner could meet: the work grows with the
    # needs, not with the people they ask for
    groups = fewest_new_people([("a", 10**12), ("b", 3)], {"p": {"a", "b"}}, 2)
    # p fills one place of each; the rest are new people, two of them in both needs
    assert groups == [(("a", "b"), 2), (("a",), 10**12 - 3)]


PROGRAM = """
program specializations "Cisco-style specializations" { version "1" effective 2024-01-01 }

table certified "Certified people" {
  column person_id: text
  column certification: text
}

list security_certs = { "CCNP Security", "CCIE Security" }
list collaboration_certs = { "CCNP Collaboration" }
list data_center_certs = { "CCNP Data Center", "CCIE Data Center" }

metric staffed "Two people per specialization, a person in at most two": bool =
    assign person_id of certified at most 2 each {
      security: 2 where certification in security_certs,
      collaboration: 2 where certification in collaboration_certs,
      data_center: 2 where certification in data_center_certs,
    }

track specialist {
  level certified { require staffed }
}
"""


@pytest.mark.parametrize(
    "rows, staffed",
    [
        # two people hold all three: each in at most two specializations -> 4 places of 6
        (
            [("a", "CCNP Security"), ("a", "CCNP Collaboration"), ("a", "CCNP Data Center")] * 1
            + [("b", c) for c in ("CCNP Security", "CCNP Collaboration", "CCIE Data Center")],
            False,
        ),
        # a third person with Data Center fills the rest
        (
            [
                ("a", "CCNP Security"),
                ("a", "CCNP Collaboration"),
                ("b", "CCNP Security"),
                ("b", "CCNP Collaboration"),
                ("c", "CCNP Data Center"),
                ("d", "CCIE Data Center"),
            ],
            True,
        ),
        ([], False),
    ],
)
def test_both_stages_agree_on_assignments(rows, staffed):
    program = load_program("spec.tier", text=PROGRAM, checks=False).program
    assert program is not None
    frame = pl.DataFrame(
        {"partner_id": ["P"] * len(rows), "person_id": [r[0] for r in rows], "certification": [r[1] for r in rows]},
        schema={"partner_id": pl.String, "person_id": pl.String, "certification": pl.String},
    )
    records = load_records({PARTNERS: pl.DataFrame({"partner_id": ["P", "Q"]}), "certified": frame}, program)
    for engine in ("polars", "reference"):
        values = dict(with_records(program, records, engine=engine).rows())
        assert values["P"]["staffed"] is staffed
        assert values["Q"]["staffed"] is False  # no people at all


# ------------------------------------------------------------------ SQL (issue 11, issue 12)

# (need condition as written, the same in Python over a row: True, False or None)
NEED_WHERES = [
    ('certification == "A"', lambda r: r["cert"] == "A"),
    ('certification in {"A", "B"}', lambda r: r["cert"] in ("A", "B")),
    ('certification == "C"', lambda r: r["cert"] == "C"),
    ("level >= 2", lambda r: None if r["level"] is None else r["level"] >= 2),
    (None, lambda r: True),
]
PEOPLE_TABLE = """
program people { version "1" effective 2024-01-01 }

table certified {
  column person_id: text
  column certification: text
  column level: count optional
  column active: bool optional
}
"""


@st.composite
def people_rules(draw):
    needs = [(draw(st.integers(0, 3)), draw(st.integers(0, len(NEED_WHERES) - 1))) for _ in range(draw(st.integers(1, 4)))]
    return needs, draw(st.integers(1, 3)), draw(st.booleans())


def _people_text(needs, capacity, active_only) -> str:
    lines = [f"      n{i}: {count}" + (f" where {NEED_WHERES[w][0]}" if NEED_WHERES[w][0] else "") for i, (count, w) in enumerate(needs)]
    head = f"assign person_id of certified{' where (active)' if active_only else ''} at most {capacity} each"
    return (
        PEOPLE_TABLE
        + f"metric staffed: bool =\n    {head} {{\n"
        + ",\n".join(lines)
        + "\n    }\n"
        + "track t { level ok { require staffed } }\n"
    )


PEOPLE_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "pid": st.sampled_from(["P1", "P2", "P3"]),
            "person": st.sampled_from(["a", "b", "c", "d", "e"]),
            "cert": st.sampled_from(["A", "B", "C", "D"]),
            "level": st.one_of(st.none(), st.integers(0, 3)),
            "active": st.one_of(st.none(), st.booleans()),
        }
    ),
    max_size=14,
)


@settings(max_examples=60, deadline=None)
@given(people_rules(), PEOPLE_ROWS)
def test_sql_engines_agree_with_a_brute_force_assignment(spec, rows):
    """DuckDB computes people rules in SQL (every set of needs against what the people can
    give it) and agrees with every assignment tried by hand, as the polars and reference
    stages do; P3 may have no rows at all."""
    from tierlang.engine.api import evaluate

    needs, capacity, active_only = spec
    program = load_program("people.tier", text=_people_text(needs, capacity, active_only), checks=False).program
    assert program is not None
    frame = pl.DataFrame(
        {
            "partner_id": [r["pid"] for r in rows],
            "person_id": [r["person"] for r in rows],
            "certification": [r["cert"] for r in rows],
            "level": [r["level"] for r in rows],
            "active": [r["active"] for r in rows],
        },
        schema={"partner_id": pl.String, "person_id": pl.String, "certification": pl.String, "level": pl.Int64, "active": pl.Boolean},
    )
    frames = {PARTNERS: pl.DataFrame({"partner_id": ["P1", "P2", "P3"]}), "certified": frame}
    named = [(f"n{i}", count) for i, (count, _) in enumerate(needs)]
    results = {engine: evaluate(program, frames, engine=engine) for engine in ("duckdb", "vectorized", "interpreter")}
    for pid in ("P1", "P2", "P3"):
        can_fill: dict[str, set[str]] = {}
        for r in rows:
            if r["pid"] != pid or (active_only and r["active"] is not True):
                continue
            fills = {f"n{i}" for i, (_, w) in enumerate(needs) if NEED_WHERES[w][1](r) is True}
            can_fill.setdefault(r["person"], set()).update(fills)
        want = "ok" if brute_force(named, can_fill, capacity) else None
        for engine, ev in results.items():
            assert ev.level(pid, "t") == want, (engine, pid, _people_text(needs, capacity, active_only), rows)


def test_people_rules_compile_to_sql(tmp_path):
    program = tmp_path / "people.tier"
    program.write_text(PROGRAM)
    proc = subprocess.run(
        [sys.executable, "-m", "tierlang", "compile", "--emit", "sql", "--as-of", "2024-06-15", str(program)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"people_1_staffed"' in proc.stdout and "every set of needs can be staffed (7 sets)" in proc.stdout


def test_sql_refuses_people_rules_with_too_many_needs(tmp_path):
    from tierlang.engine.sql import Unsupported, compile_sql
    from tierlang.records.assign import MAX_NEEDS

    needs = [(1, 0)] * (MAX_NEEDS + 1)
    program = load_program("people.tier", text=_people_text(needs, 1, False), checks=False).program
    with pytest.raises(Unsupported, match=f"metric 'staffed' assigns people to {MAX_NEEDS + 1} needs; SQL checks every set of needs"):
        compile_sql(program, "duckdb")
    # needs that ask for no one are not among the sets
    program = load_program("people.tier", text=_people_text([*needs[:MAX_NEEDS], (0, 0)], 1, False), checks=False).program
    compile_sql(program, "duckdb")


@pytest.mark.parametrize(
    ("edit", "effect"),
    [
        (("at most 4 each", "at most 3 each"), "tightened"),  # a person fills fewer needs
        (("at most 4 each", "at most 5 each"), "loosened"),
        (("n0: 2", "n0: 1"), "loosened"),  # a need asks for fewer people
        (("n0: 2", "n0: 3"), "tightened"),
        (('n0: 2 where certification == "A"', 'n0: 2 where certification == "B"'), None),  # other people
    ],
)
def test_diff_says_which_way_a_people_rule_moved(edit, effect):
    # a people rule asking for less (or letting a person do more) holds wherever the old one
    # did: the diff says loosened or tightened, no longer undecided
    from tierlang.diff.structural import structural_diff

    text = """
program spec { version "1" effective 2024-01-01 }
table certified { column person_id: text column certification: text }
metric staffed: bool = assign person_id of certified at most 4 each {
  n0: 2 where certification == "A",
  n1: 2 where certification == "C",
}
track t { level l { require staffed } }
"""
    old = load_program("old.tier", text=text, checks=False).program
    new = load_program("new.tier", text=text.replace(*edit), checks=False).program
    (change,) = [c for c in structural_diff(old, new) if c.what == "records formula"]
    assert change.effect == effect


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=3),
    st.dictionaries(st.sampled_from("abcdef"), st.sets(st.sampled_from(NEEDS)), max_size=6),
    st.integers(1, 3),
    st.integers(0, 2),
)
def test_asking_for_less_never_fails_a_partner_the_old_rule_passed(counts, can_fill, capacity, more):
    # what the diff's `loosened` rests on: fewer people per need and room for more needs per
    # person keep every assignment the old rule found
    old = [(NEEDS[i], max(a, b)) for i, (a, b) in enumerate(counts)]
    new = [(NEEDS[i], min(a, b)) for i, (a, b) in enumerate(counts)]
    if solve(old, can_fill, capacity).feasible:
        assert solve(new, can_fill, capacity + more).feasible
