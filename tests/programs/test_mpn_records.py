"""programs/mpn2010-records.tier: the competencies' certified professionals counted from a
table of people, against programs/mpn2010.tier reading the same counts as columns. On coherent
data (the columns are what the records give: each person counted toward at most one gold
competency) both forms give every partner the same level on every track, on both engines."""

from __future__ import annotations

import random

import polars as pl
import pytest

from tests.conftest import PROGRAMS
from tierlang.data.tables import PARTNERS
from tierlang.engine.api import evaluate
from tierlang.ir import Kind
from tierlang.loader import load_program

AS_OF = "2010-11-01"
PEOPLE = "certified_professionals"


@pytest.fixture(scope="module")
def programs():
    snapshot = load_program(PROGRAMS / "mpn2010.tier").program
    records = load_program(PROGRAMS / "mpn2010-records.tier").program
    assert snapshot is not None and records is not None
    return snapshot, records


def _competencies(program) -> list[str]:
    return [m.name.removesuffix("_certified_professionals") for m in program.metrics if m.name.endswith("_certified_professionals")]


def _other_columns(rng: random.Random, program, pid: str) -> dict:
    """The partner's columns that stay columns in both forms, drawn near their thresholds."""
    row: dict = {"partner_id": pid}
    for m in program.column_metrics:
        if m.type.kind is Kind.BOOL:
            row[m.column] = rng.random() < 0.7
        elif m.type.kind is Kind.MONEY:
            row[m.column] = str(rng.choice([0, 49_999, 50_000, 120_000]))
        elif m.type.kind is Kind.PERCENT:
            row[m.column] = str(rng.choice([0, 69.5, 70, 95]))
        else:
            row[m.column] = rng.choice([0, 1, 2, 3, 4, 5, 9, 10, 12])
    return row


def _population(rng: random.Random, snapshot, competencies: list[str], partners: int):
    """Coherent data: the people rows, and the snapshot columns computed from them by hand."""
    people_rows, snapshot_rows, other_rows = [], [], []
    focus = competencies[:6]  # a few competencies get most people, so levels are reached
    for i in range(partners):
        pid = f"P{i:03d}"
        other = _other_columns(rng, snapshot, pid)
        certified = {c: set() for c in competencies}
        gold = {c: set() for c in competencies}
        main = rng.choice(focus)  # partners specialize: most of their people share one competency
        for k in range(rng.choice([0, 1, 3, 4, 5, 6, 8, 10])):
            person = f"m{k}"  # the same ids under every partner: per partner, they are different people
            held = list(dict.fromkeys([main] * (rng.random() < 0.8) + rng.sample(focus, rng.randint(1, 2))))
            held += [rng.choice(competencies)] if rng.random() < 0.2 else []
            held = list(dict.fromkeys(held))
            advanced = [c for c in held if rng.random() < 0.7]
            chosen = None
            if advanced and rng.random() < 0.85:
                chosen = main if main in advanced and rng.random() < 0.8 else rng.choice(advanced)
            for c in held:
                certified[c].add(person)
                rows = [(f"{c} exam", False)] + ([(f"{c} advanced exam", True)] if c in advanced else [])
                if rng.random() < 0.2:
                    rows.append(rows[0])  # the same certification twice: still one person
                for cert, adv in rows:
                    people_rows.append(
                        {
                            "partner_id": pid,
                            "person_id": person,
                            "certification": cert,
                            "competency": c,
                            "advanced": adv,
                            "counted_for_gold": adv and c == chosen,
                        }
                    )
            if chosen is not None:
                gold[chosen].add(person)
        snap = dict(other)
        for c in competencies:
            snap[f"{c}_certified_professionals"] = len(certified[c])
            snap[f"{c}_gold_unique_mcps"] = len(gold[c])
        other_rows.append(other)
        snapshot_rows.append(snap)
    people = pl.DataFrame(
        people_rows,
        schema={
            "partner_id": pl.String,
            "person_id": pl.String,
            "certification": pl.String,
            "competency": pl.String,
            "advanced": pl.Boolean,
            "counted_for_gold": pl.Boolean,
        },
    )
    return pl.DataFrame(snapshot_rows), pl.DataFrame(other_rows), people


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_records_and_snapshot_forms_agree(programs, seed):
    snapshot, records = programs
    competencies = _competencies(snapshot)
    assert len(competencies) == 29
    snap_frame, partner_frame, people = _population(random.Random(seed), snapshot, competencies, 120)
    want = evaluate(snapshot, snap_frame)
    seen = {}
    for engine in ("vectorized", "interpreter"):
        got = evaluate(records, {PARTNERS: partner_frame, PEOPLE: people}, engine=engine)
        for track in [t.name for t in snapshot.tracks]:
            for pid in snap_frame["partner_id"]:
                level = got.level(pid, track)
                assert level == want.level(pid, track), (engine, pid, track)
                seen[level] = seen.get(level, 0) + 1
    assert seen.get("gold", 0) and seen.get("silver", 0)  # the data reaches both levels


def test_a_person_counted_toward_two_gold_competencies_counts_toward_neither(programs):
    _, records = programs
    rows = [
        ("a", "desktop", True),
        ("a", "server_platform", True),
        ("b", "desktop", True),
        ("c", "desktop", True),
        ("d", "desktop", True),
    ]
    people = pl.DataFrame(
        [
            {"partner_id": "P1", "person_id": p, "certification": "x", "competency": c, "advanced": True, "counted_for_gold": g}
            for p, c, g in rows
        ]
    )
    partner = _other_columns(random.Random(0), records, "P1")
    ev = evaluate(records, {PARTNERS: pl.DataFrame([partner]), PEOPLE: people})
    values = dict(ev.dataset.rows())["P1"]
    assert values["desktop_certified_professionals"] == 4
    assert values["desktop_gold_unique_mcps"] == 3
    assert values["server_platform_gold_unique_mcps"] == 0


def test_only_the_people_counts_differ(programs):
    """The records form restates the 58 people counts and nothing else."""
    snapshot, records = programs
    changed = {m.name for m in records.metrics if m.records is not None}
    assert changed == {m.name for m in snapshot.metrics if m.name.endswith(("_certified_professionals", "_gold_unique_mcps"))}
    assert records.tracks == snapshot.tracks and records.gates == snapshot.gates and records.params == snapshot.params
    for m in records.metrics:
        if m.records is not None:
            assert m.source and "[C]" in m.source, m.name
