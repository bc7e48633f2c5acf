"""The polars records stage against the reference (exact, one partner at a time) on
generated programs and generated tables: empty tables, partners without rows, repeated rows,
empty optional values, credits, month edges around the evaluation date, ties at thresholds.
Every records metric of every partner must be identical (exact values)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from tierlang.data.tables import PARTNERS, load_records
from tierlang.loader import load_program
from tierlang.records import with_records

AS_OF = [dt.date(2023, 6, 15), dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2023, 12, 31)]
KEYS = ["a", "b", "c"]
ENUMS = ["CSP_T1", "DPOR", "PAL"]

TABLE = """
table usage "Usage" {
  column tenant: text
  column item: text
  column month: month
  column seen: date optional
  column seats: count
  column amount: money USD { range .. }
  column channel: enum("CSP_T1", "DPOR", "PAL")
  column paid: bool
  filter billable: paid and channel != "PAL"
  filter recent_billable: billable and month in last 12 months
}
list good_items = { "a", "b" }
param threshold = 100 USD
"""

WHERE = st.sampled_from(
    [
        None,
        "billable",
        "paid",
        "not paid",
        "item in good_items",
        'item not in {"c"}',
        'channel in {"CSP_T1", "DPOR"}',
        'channel not in {"CSP_T1", "DPOR", "PAL"}',
        'not (channel in {"PAL"})',
        "month in last month",
        "month in last 2 months",
        "month in same month last year",
        "month in last 12 months",
        "month in last 3 months a year earlier",
        "seen is empty",
        "seen is not empty and seen <= as_of",
        "amount >= threshold",
        "amount < 0 USD",
        "seats > 3",
        "seats * 2 >= 7 or amount > 250.5 USD",
        "not (paid and seats <= 2)",
        'at least 2 of { paid, seats > 2, item == "a" }',
        "billable and month in last 2 months",
        "recent_billable",
        "recent_billable and seats > 3",
        "billable and not recent_billable",
    ]
)
HEADS = st.sampled_from(
    [
        "count",
        "count distinct tenant",
        "count distinct item",
        "sum amount",
        "sum seats",
        "min amount",
        "max seats",
        "max seen",
        "sum (max seats)",
        "sum (sum amount)",
        "max (count)",
        "min (count distinct item)",
    ]
)
PER = st.sampled_from([(), ("tenant",), ("tenant", "month"), ("item",), ("tenant", "item")])
HAVING = st.sampled_from(
    [
        None,
        "sum amount >= threshold",
        "count >= 2",
        "max seats > 3",
        "sum amount > 0 USD",
        "(sum amount where paid) >= 50 USD",
        "sum seats * 3 >= sum seats + 4",
        "count distinct item >= 2",
        "(count where month in last month) >= 1",
    ]
)


@st.composite
def aggregates(draw) -> str:
    head = draw(HEADS)
    per = draw(PER)
    if "(" in head and not per:
        per = ("tenant",)
    where = draw(WHERE)
    text = f"{head} of usage"
    if where:
        text += f" where {where}"
    if per:
        text += f" per {', '.join(per)}"
        having = draw(HAVING)
        if having:
            text += f" having {having}"
    return text


def _type(head: str) -> str:
    if "amount" in head:
        return "money USD"
    if "seen" in head:
        return "date"
    return "count"


@st.composite
def programs(draw) -> str:
    lines = ['program p { version "1" effective 2023-01-01 }', TABLE]
    numeric = []
    for i in range(draw(st.integers(1, 4))):
        agg = draw(aggregates())
        t = _type(agg.split(" of ")[0])
        default = " { default 0 }" if t == "count" and agg.split()[0] in ("min", "max") else ""
        if t == "money USD" and agg.split()[0] in ("min", "max"):
            default = " { default -1.5 USD }"
        if t == "date":
            default = " { default 2020-01-01 }"
        rng = " { range .. }" if t != "date" and not default else ""
        if default and t != "date":
            default = default.replace("{", "{ range ..")
        lines.append(f"metric m{i}: {t} = {agg}{default or rng}")
        if t != "date":
            numeric.append((f"m{i}", t))
    # formulas over the aggregates: differences, a ratio, a floor at zero
    if len(numeric) >= 2:
        (a, ta), (b, tb) = numeric[0], numeric[1]
        if ta == tb:
            lines.append(f"metric diff: {ta} = {a} - {b} {{ range .. }}")
            lines.append(f"metric floor: {ta} = max(0, {a} - {b}) {{ range .. }}")
            lines.append(f"metric ratio: number = ({a} - {b}) * 100 / {b} {{ range .. default 0 }}")
            lines.append("metric ratio_pts: number = min(ratio, 50) * 2 + 1 { range .. }")
        if ta == "count" and tb == "count":
            lines.append(f"metric third: number = {a} / 3 + {b} {{ range .. }}")
    return "\n".join(lines) + "\n"


MONTHS = [dt.date(2021, 12, 1), dt.date(2022, 5, 1), dt.date(2022, 6, 1), dt.date(2022, 12, 1), dt.date(2023, 1, 1)]
MONTHS += [dt.date(2023, 4, 1), dt.date(2023, 5, 1), dt.date(2023, 6, 1), dt.date(2023, 11, 1), dt.date(2023, 12, 1), dt.date(2024, 1, 1)]

ROW = st.fixed_dictionaries(
    {
        "partner_id": st.sampled_from(["P1", "P2", "P3"]),
        "tenant": st.sampled_from(["T1", "T2", "T3"]),
        "item": st.sampled_from(KEYS),
        "month": st.sampled_from(MONTHS),
        "seen": st.one_of(
            st.none(), st.sampled_from([dt.date(2023, 6, 15), dt.date(2023, 6, 16), dt.date(2022, 1, 1), dt.date(2024, 1, 1)])
        ),
        "seats": st.integers(0, 6),
        "amount": st.one_of(
            st.sampled_from(["100.00", "99.99", "0.00", "-50.00", "250.50", "1000"]),
            st.integers(-30000, 60000).map(lambda c: f"{c / 100:.2f}"),
        ),
        "channel": st.sampled_from(ENUMS),
        "paid": st.booleans(),
    }
)


WINDOWS = st.sampled_from(
    [
        "month in last month",
        "month in same month last year",
        "month in last 2 months",
        "month in last 2 months a year earlier",
        "month in last 12 months",
    ]
)


@st.composite
def shared_programs(draw) -> str:
    """Aggregates that share one group-by in the polars stage: the same condition and groups,
    each its own window (a month key, or one month) and its own `having` and function, as the
    Azure E(L), E(L - 12), Q(L) and Q(L - 12) do."""
    base = draw(st.sampled_from([None, "billable", "paid", 'channel in {"CSP_T1", "DPOR"}']))
    # no groups: sums, counts, minima and maxima per month, combined over each window
    per = draw(st.sampled_from([("tenant",), ("tenant", "month"), ("item",), ("month", "item"), ()]))
    lines = ['program p { version "1" effective 2023-01-01 }', TABLE]
    heads = ["count", "count distinct tenant", "sum amount", "max seats", "sum (sum amount)", "min (count)", "count distinct month"]
    groups = per
    # often one window for all (their group-by then needs no month: `_grouped`)
    window = draw(st.one_of(st.none(), WINDOWS))
    for i in range(draw(st.integers(2, 4))):
        per = groups if draw(st.booleans()) else ()  # some without groups, from the others' groups
        head = draw(st.sampled_from(heads if per else ["count", "sum amount", "max seats", "min seats"]))
        if head.startswith("count distinct") and head.split()[-1] not in per:
            head = "count"
        where = " and ".join(x for x in (base, window or draw(WINDOWS)) if x)
        having = draw(st.sampled_from([None, "sum amount >= threshold", "count >= 2", "(sum amount where paid) >= 50 USD"]))
        text = f"{head} of usage where {where}" + (f" per {', '.join(per)}" if per else "")
        text += f" having {having}" if having and per else ""
        t = _type(head)
        lines.append(f"metric m{i}: {t} = {text}" + (" { range .. default 0 USD }" if t == "money USD" else " { default 0 }"))
    return "\n".join(lines) + "\n"


@given(programs(), st.lists(ROW, max_size=40), st.sampled_from(AS_OF), st.booleans())
def test_polars_equals_reference(program_text, rows, as_of, duplicate):
    _same_values(program_text, rows, as_of, duplicate)


@given(shared_programs(), st.lists(ROW, max_size=40), st.sampled_from(AS_OF), st.booleans())
def test_shared_group_by_equals_reference(program_text, rows, as_of, duplicate):
    _same_values(program_text, rows, as_of, duplicate)


def _same_values(program_text, rows, as_of, duplicate):
    if duplicate and rows:
        rows = rows + rows[:3]  # identical rows: summed, or counted once as a distinct value
    result = load_program("gen.tier", as_of, text=program_text, checks=False)
    assert result.ok, [d.message for d in result.diagnostics]
    program = result.program
    partners = pl.DataFrame({"partner_id": ["P1", "P2", "P3", "P4"]})  # P4 never has rows
    usage = pl.DataFrame(
        rows,
        schema={
            **{k: pl.String for k in ("partner_id", "tenant", "item")},
            "month": pl.Date,
            "seen": pl.Date,
            "seats": pl.Int64,
            "amount": pl.String,
            "channel": pl.String,
            "paid": pl.Boolean,
        },
    )
    records = load_records({PARTNERS: partners, "usage": usage}, program)
    a = with_records(program, records, engine="polars")
    b = with_records(program, records, engine="reference")
    got = dict(a.rows())
    want = dict(b.rows())
    assert got.keys() == want.keys()
    for pid in want:
        for m in program.record_metrics:
            assert got[pid].get(m.name) == want[pid].get(m.name), (pid, m.name, got[pid].get(m.name), want[pid].get(m.name))
    # the same tables as lazy queries, as a large Parquet file's are: the streaming engine
    for table in records.tables.values():
        table.data = table.frame.lazy()
    assert dict(with_records(program, records, engine="polars").rows()) == got


def _by_hand(metrics: str, rows: list[dict], partners: list[str]):
    """A program of TABLE and `metrics`, and records of `partners` whose usage rows are `rows`
    (each gives some of partner_id, tenant, item, month, seats, amount; the rest default)."""
    program = load_program("hand.tier", text='program p { version "1" effective 2023-06-15 }\n' + TABLE + metrics, checks=False).program
    base = {"partner_id": "P1", "item": "a", "seen": None, "seats": 1, "channel": "DPOR", "paid": True}
    usage = pl.DataFrame([{**base, **r} for r in rows], schema_overrides={"seen": pl.Date})
    return program, load_records({PARTNERS: pl.DataFrame({"partner_id": partners}), "usage": usage}, program)


def _every_stage(program, records) -> dict:
    """The metrics by the reference and the polars stages, and again with lazy tables: one answer."""
    got = [dict(with_records(program, records, engine=engine).rows()) for engine in ("reference", "polars")]
    for table in records.tables.values():
        table.data = table.frame.lazy()
    got.append(dict(with_records(program, records).rows()))
    assert got[0] == got[1] == got[2]
    return got[0]


def test_reference_by_hand():
    """A small case worked out by hand, so that both stages are not wrong together."""
    metrics = (
        "metric big: count = count distinct tenant of usage where month in last 2 months per tenant, month having sum amount >= threshold\n"
        + "metric acr: money USD = sum amount of usage where month in last month per tenant having sum amount >= threshold { range .. }\n"
    )
    rows = [
        # T1: May 2023 100.00 exactly (counts); T2: April 60 + 40 (100 in April: counts);
        # T3: May 150 - 60 credit = 90 (no); T1 again in March (outside the window).
        ("P1", "T1", dt.date(2023, 5, 1), "100.00"),
        ("P1", "T2", dt.date(2023, 4, 1), "60.00"),
        ("P1", "T2", dt.date(2023, 4, 1), "40.00"),
        ("P1", "T3", dt.date(2023, 5, 1), "150.00"),
        ("P1", "T3", dt.date(2023, 5, 1), "-60.00"),
        ("P1", "T1", dt.date(2023, 3, 1), "900.00"),
    ]
    usage = [{"partner_id": p, "tenant": t, "month": m, "amount": x} for p, t, m, x in rows]
    values = _every_stage(*_by_hand(metrics, usage, ["P1", "P2"]))
    assert values["P1"] == {"big": Fraction(2), "acr": Fraction(100)}
    assert values["P2"] == {"big": Fraction(0), "acr": Fraction(0)}


def test_windows_of_several_months_by_hand():
    """Aggregates whose windows span several months share one group-by per month, each
    group's sums, counts and maxima combined over its own months (by hand, both stages)."""
    metrics = (
        "metric now: count = count distinct tenant of usage where month in last 12 months per tenant having sum amount >= threshold\n"
        + "metric before: count = count distinct tenant of usage where month in last 12 months a year earlier per tenant"
        + " having sum amount >= threshold\n"
        + "metric rows_now: count = count of usage where month in last 12 months\n"
        + "metric acr_now: money USD = sum amount of usage where month in last 12 months { range .. }\n"
        + "metric top: count = max seats of usage where month in last 12 months a year earlier { default 0 }\n"
    )
    rows = [
        # T1: 60 in May 2023 + 40 in January 2023 = 100 over the last 12 months (counts, though
        # no month reaches 100 alone); T2: 90 + 5 (no); a year earlier T2 had 80 + 30 (counts).
        ("T1", dt.date(2023, 5, 1), "60.00", 1),
        ("T1", dt.date(2023, 1, 1), "40.00", 2),
        ("T2", dt.date(2022, 7, 1), "90.00", 3),
        ("T2", dt.date(2023, 2, 1), "5.00", 1),
        ("T2", dt.date(2022, 5, 1), "80.00", 7),
        ("T2", dt.date(2021, 6, 1), "30.00", 4),
    ]
    usage = [{"tenant": t, "month": m, "amount": x, "seats": n} for t, m, x, n in rows]
    want = {"now": 1, "before": 1, "rows_now": 4, "acr_now": Fraction(195), "top": 7}
    assert _every_stage(*_by_hand(metrics, usage, ["P1"]))["P1"] == {k: Fraction(v) for k, v in want.items()}


def test_one_window_shared_by_hand():
    """Aggregates of one window share a group-by without the month when each is grouped by
    the other keys; a sum without groups combined from the tenants' groups of the same window
    is summed per partner (it once came out one row per tenant). By hand, both stages."""
    metrics = (
        "metric now: count = count distinct tenant of usage where month in last 12 months per tenant having sum amount >= threshold\n"
        + "metric acr_now: money USD = sum amount of usage where month in last 12 months { range .. }\n"
        + "metric items: count = count distinct item of usage where month in last 12 months per item having sum amount > 0\n"
    )
    rows = [
        # T1: 60 + 40 over the last 12 months (counts); T2: 90 (no); T3's 500 is older
        ("T1", "a", dt.date(2023, 5, 1), "60.00"),
        ("T1", "b", dt.date(2023, 1, 1), "40.00"),
        ("T2", "b", dt.date(2022, 7, 1), "90.00"),
        ("T2", "c", dt.date(2022, 8, 1), "-10.00"),
        ("T3", "d", dt.date(2022, 5, 1), "500.00"),
    ]
    usage = [{"tenant": t, "item": i, "month": m, "amount": x} for t, i, m, x in rows]
    assert _every_stage(*_by_hand(metrics, usage, ["P1", "P2"])) == {
        "P1": {"now": Fraction(1), "acr_now": Fraction(180), "items": Fraction(2)},
        "P2": {k: Fraction(0) for k in ("now", "acr_now", "items")},
    }


def test_enum_lists_by_their_complement():
    """`in` most of an enum's values is computed as `not in` the others: an empty value is
    still in no list and out of none (three-valued), by hand and in both stages."""
    text = (
        'program p { version "1" effective 2023-06-15 }\n'
        'table t "T" {\n  column via: enum("A", "B", "C") optional\n}\n'
        'metric most: count = count of t where via in {"A", "B"}\n'
        'metric all: count = count of t where via in {"A", "B", "C"}\n'
        'metric not_all: count = count of t where not (via in {"A", "B", "C"})\n'
        'metric not_most: count = count of t where not (via not in {"C"})\n'
        'metric one: count = count of t where via not in {"A", "B"}\n'
    )
    program = load_program("enum.tier", text=text, checks=False).program
    rows = pl.DataFrame({"partner_id": ["P1"] * 5, "via": ["A", "B", "C", None, "A"]})
    records = load_records({PARTNERS: pl.DataFrame({"partner_id": ["P1"]}), "t": rows}, program)
    want = {"most": 3, "all": 4, "not_all": 0, "not_most": 1, "one": 1}
    for engine in ("reference", "polars"):
        assert dict(with_records(program, records, engine=engine).rows())["P1"] == {k: Fraction(v) for k, v in want.items()}
