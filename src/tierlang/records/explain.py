"""Explain records metrics in records terms: which people counted and for what, which
tenants were eligible and which missed and by how much ("T-118: 980 USD in May 2023, under
1,000 USD"), and the smallest changes of `tier explain` said as records ("1 more person in
Certifications of people (certifications) where ...", "3 more customers (distinct tenant_id) in Azure consumed revenue
...", "2,333.40 USD more ACR (sum of acr_usd) in ...").

Built on the reference stage's traces (`tierlang.records.reference`): pure data
(`RecordsNote`, JSON-ready with `to_data`), rendered as text by `render_notes`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from tierlang import ir
from tierlang.numbers import plural_noun
from tierlang.records.reference import (
    AggregateTrace,
    AssignmentTrace,
    GroupTrace,
    MetricTrace,
    PartnerRecords,
    group_value,
    row_condition,
)
from tierlang.render.source import expr_text, months_text

__all__ = ["RecordsNote", "notes_for", "render_notes", "change_text", "MAX_SHOWN"]

#: Items listed per group of a note ("… and 12 more").
MAX_SHOWN = 8
_OP_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than", "==": "exactly", "!=": "not"}
_SHORT = {">=": "under", ">": "not above", "<=": "over", "<": "not under"}


@dataclass
class RecordsNote:
    """How one records metric came out: its value, the formula, what counted, what missed."""

    metric: str
    title: str
    value: str
    formula: str
    counted: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)  # the records metrics it is computed from
    defaulted: bool = False

    def to_data(self) -> dict:
        return {
            "metric": self.metric,
            "title": self.title,
            "value": self.value,
            "formula": self.formula,
            "counted": self.counted,
            "missed": self.missed,
            "uses": self.uses,
            "defaulted": self.defaulted,
        }


# ------------------------------------------------------------------ values as text


def _number(x: Fraction) -> str:
    from tierlang.engine.explain import number_text

    return number_text(x)


def _value(v: object, t: ir.Type | None, month: bool = False) -> str:
    if v is None:
        return "empty"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, Fraction):
        if t is not None and t.kind is ir.Kind.MONEY:
            text = _number(v)
            ip, dot, fp = text.partition(".")
            return (ip + (("." + fp.ljust(2, "0")) if dot else "")) + f" {t.currency}"
        if t is not None and t.kind is ir.Kind.PERCENT:
            return _number(v) + "%"
        return _number(v)
    if isinstance(v, _dt.date):
        return f"{v:%B %Y}" if month else v.isoformat()
    return str(v)


def metric_value(m: ir.Metric, v: object) -> str:
    return _value(v, m.type)


# ------------------------------------------------------------------ notes


def notes_for(program: ir.Program, pr: PartnerRecords, metrics: Iterable[str]) -> list[RecordsNote]:
    """Notes for `metrics` (records metrics) and every records metric they are computed from,
    each once, in reading order."""
    out: dict[str, RecordsNote] = {}

    def visit(name: str) -> None:
        if name in out or name not in pr.traces:
            return
        out[name] = _note(program, pr.traces[name])
        for used in pr.traces[name].uses:
            visit(used)

    for name in metrics:
        visit(name)
    return list(out.values())


def _note(program: ir.Program, t: MetricTrace) -> RecordsNote:
    from tierlang.passes.rowtracks import rollup_of

    m = t.metric
    rollup = rollup_of(program, m.name)
    note = RecordsNote(
        m.name,
        m.title or m.name,
        metric_value(m, t.value) if t.value is not None else "no value",
        # a roll-up as what it counts, not the row condition lowering made of its track's levels
        _rollup_formula(*rollup) if rollup is not None else _formula(program, m.records),  # type: ignore[arg-type]
        uses=list(dict.fromkeys(t.uses)),
        defaulted=t.defaulted,
    )
    for a in t.aggregates:
        counted, missed = _aggregate_lines(program, a)
        note.counted += counted
        note.missed += missed
    if t.assignment is not None:
        note.counted, note.missed = _assignment_lines(t.assignment)
    return note


def _formula(program: ir.Program, e: ir.Expr) -> str:
    """How a records metric is computed: its formula, a people rule as the sharing-out it asks
    for ("people (person_id) of accreditations, each filling at most 1 need: technical 4
    where kind == technical; business 4 where kind == business")."""
    if not isinstance(e, ir.Assignment):
        return expr_text(e)
    rows = _table_words(program, e.table) + (f" where {expr_text(e.where)}" if e.where is not None else "")
    each = "1 need" if e.capacity == 1 else f"{e.capacity} needs"
    needs = "; ".join(f"{n.name} {n.count}" + (f" where {expr_text(n.where)}" if n.where is not None else "") for n in e.needs)
    return f"people ({e.column}) of {rows} shared out, each filling at most {each}: {needs}"


def _table_words(program: ir.Program, name: str) -> str:
    """A table as explain names it: "Certifications of people (certifications)"."""
    table = program.related_table_map[name]
    return f"{table.title} ({table.name})" if table.title else table.name


def _assignment_lines(t: AssignmentTrace) -> tuple[list[str], list[str]]:
    """The assignment found (each need and its people), or why none exists."""
    sol = t.solution
    a = t.assignment
    counted = [
        f"{n.name}: " + (", ".join(str(p) for p in sol.assigned[n.name]) or "nobody") + f" ({len(sol.assigned[n.name])} of {n.count})"
        for n in a.needs
    ]
    if sol.feasible:
        return counted, []
    names = " and ".join(sol.short)
    people = ", ".join(str(p) for p in sol.reach) or "nobody"
    each = "" if a.capacity == 1 else f", each in at most {a.capacity}"
    many = "needs" if len(sol.short) == 1 else "need"
    return counted, [
        f"{names} {many} {sol.needed} people in all; the people who can fill {'it' if len(sol.short) == 1 else 'them'} ({people}{each}) cover {sol.available}"
    ]


def _aggregate_lines(program: ir.Program, a: AggregateTrace) -> tuple[list[str], list[str]]:
    agg = a.aggregate
    table = program.related_table_map[agg.table]
    if agg.per:
        return _group_lines(program, table, a)
    counted: list[str] = []
    if agg.function == "count_distinct":
        by_value: dict[object, list[str]] = {}
        notes = _annotation_columns(table, agg)
        for r in a.rows:
            extra = [_value(r.get(c), table.column(c).type if table.column(c) else None) for c in notes]  # type: ignore[union-attr]
            by_value.setdefault(r.get(agg.column), []).extend(x for x in extra if x != "empty")  # type: ignore[arg-type]
        for v, extra in by_value.items():
            if v is None:
                continue
            shown = ", ".join(dict.fromkeys(extra))
            counted.append(f"{v}" + (f" ({shown})" if shown else ""))
    elif agg.function == "count":
        counted.append(f"{len(a.rows)} rows")
    else:
        col = table.column(agg.column)  # type: ignore[arg-type]
        counted.append(f"{agg.function} of {agg.column} over {len(a.rows)} rows: {_value(a.value, col.type if col else None)}")
    return _limit(counted), []  # near misses need the rows: `with_near_misses`


def _annotation_columns(table: ir.RelatedTable, agg: ir.Aggregate) -> list[str]:
    """Text columns the `where` condition names (other than the counted one): what a counted
    value is shown with (a person with the certifications that counted)."""
    out: list[str] = []
    for n in ir.walk(agg.where) if agg.where is not None else ():
        if isinstance(n, ir.ColumnRef) and n.column != agg.column:
            c = table.column(n.column)
            if c is not None and c.type.kind in (ir.Kind.TEXT, ir.Kind.ENUM) and n.column not in out:
                out.append(n.column)
    return out


def _conjuncts(table: ir.RelatedTable, e: ir.Expr | None) -> list[ir.Expr]:
    """A condition as the conditions that must all hold (a filter by its own)."""
    if e is None:
        return []
    if isinstance(e, ir.And):
        return [c for x in e.items for c in _conjuncts(table, x)]
    if isinstance(e, ir.FilterRef):
        f = table.filter(e.name)
        return _conjuncts(table, f.expr) if f is not None else [e]
    return [e]


def _selects(e: ir.Expr) -> bool:
    """Conditions that choose which rows a metric is about (a list, a window), rather than
    rules a row can fail (a named list, one value, a window): a row failing only these is not
    a near miss."""
    if isinstance(e, ir.Compare) and e.op == "==":  # `certification == "X"`: which rows, not a rule
        sides = (e.left, e.right)
        return any(isinstance(x, ir.ColumnRef) for x in sides) and any(isinstance(x, ir.Const) and x.param is None for x in sides)
    return (isinstance(e, ir.InSet) and not e.negated and e.list is not None) or isinstance(e, ir.InWindow)


def _group_lines(program: ir.Program, table: ir.RelatedTable, a: AggregateTrace) -> tuple[list[str], list[str]]:
    agg = a.aggregate
    compares = [n for n in ir.walk(agg.having) if isinstance(n, ir.Compare)] if agg.having is not None else []
    counted, missed = [], []
    if agg.function == "count_distinct" and agg.column in agg.per:
        counted_values = {g.key[agg.column] for g in a.groups if g.kept}
    else:
        counted_values = set()
    for g in a.groups:
        line = _group_text(table, agg, g, compares)
        if g.kept:
            counted.append(line)
        elif agg.function != "count_distinct" or g.key.get(agg.column) not in counted_values:
            missed.append(line)
    return _limit(counted), _limit(missed)


def _group_text(table: ir.RelatedTable, agg: ir.Aggregate, g: GroupTrace, compares: list[ir.Compare]) -> str:
    key = ", ".join(
        _value(v, table.column(k).type if table.column(k) else None, month=bool(table.column(k) and table.column(k).month))
        for k, v in g.key.items()
    )  # type: ignore[union-attr]
    values = {id(n): v for n, v in g.values}
    # each aggregate once, with what it fails ("sum paid_seats 12" for `>= 11 and <= 300`);
    # a bound computed from the group (`0.4 * sum paid_seats`) is worked out, and its own
    # aggregates shown
    facts: dict[str, tuple[str, list[str]]] = {}
    for c in compares:
        side, other, op = (c.left, c.right, c.op) if isinstance(c.left, ir.GroupAgg) else (c.right, c.left, _FLIP[c.op])
        if not isinstance(side, ir.GroupAgg) or id(side) not in values:
            continue
        t = _agg_type(table, side)
        actual = values[id(side)]
        bound = group_value(table, g, other)
        verdicts = facts.setdefault(expr_text(side), (_value(actual, t), []))[1]
        for inner in (n for n in ir.walk(other) if isinstance(n, ir.GroupAgg) and id(n) in values):
            facts.setdefault(expr_text(inner), (_value(values[id(inner)], _agg_type(table, inner)), []))
        if actual is None or bound is None or ir.COMPARISONS[op](actual, bound):
            continue
        wanted = _value(bound, t if t is not None and t.kind is ir.Kind.MONEY else getattr(other, "type", t))
        if not isinstance(other, ir.Const):
            wanted += f" ({expr_text(other)})"
        verdicts.append(f"{_SHORT.get(op, 'not ' + _OP_WORDS[op])} {wanted}")
    facts_text = [f"{name} {value}" + "".join(f", {v}" for v in verdicts) for name, (value, verdicts) in facts.items()]
    windows = [n.window for n in ir.walk(agg.where) if isinstance(n, ir.InWindow)] if agg.where is not None else []
    if len(windows) == 1 and not any(isinstance(n, ir.InWindow) and n.operand.column in agg.per for n in ir.walk(agg.where)):  # type: ignore[union-attr]
        key += f" in {months_text(windows[0])}"
    return f"{key}: {'; '.join(facts_text)}" if facts_text else key


_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def _agg_type(table: ir.RelatedTable, g: ir.GroupAgg) -> ir.Type | None:
    if g.function in ("count", "count_distinct"):
        return ir.Type(ir.Kind.COUNT)
    c = table.column(g.column)  # type: ignore[arg-type]
    return c.type if c is not None else None


def _limit(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_SHOWN:
        return lines
    return lines[:MAX_SHOWN] + [f"… and {len(lines) - MAX_SHOWN} more"]


def near_misses(program: ir.Program, agg: ir.Aggregate, rows: list[Mapping[str, object]]) -> list[str]:
    """A partner's rows of the aggregate's table that fail exactly one rule of its `where`,
    with that rule: "b2 (Azure Administrator Associate): fails `linked`"."""
    table = program.related_table_map[agg.table]
    conds = _conjuncts(table, agg.where)
    out = []
    for r in rows:
        failing = [c for c in conds if row_condition(table, c, r) is not True]
        if len(failing) == 1 and not _selects(failing[0]):
            if agg.per:
                label = ", ".join(_value(r.get(k), None, month=bool(table.column(k) and table.column(k).month)) for k in agg.per)  # type: ignore[union-attr]
            elif agg.function == "count_distinct":
                label = r.get(agg.column)  # type: ignore[arg-type]
            else:
                label = next((r.get(c.name) for c in table.columns if c.type.kind is ir.Kind.TEXT), None)
            extra = [str(r.get(c)) for c in _annotation_columns(table, agg) if r.get(c) is not None]
            head = f"{label}" if label is not None else "a row"
            if extra:
                head += f" ({', '.join(extra)})"
            out.append(f"{head}: fails {expr_text(failing[0])}")
    return _limit(list(dict.fromkeys(out)))


def with_near_misses(program: ir.Program, notes: list[RecordsNote], pr: PartnerRecords, rows: Mapping[str, list]) -> None:
    """Add each aggregate's near misses: rows its `where` turns away for one rule only, and
    rows (of a people rule too) whose value looks like a misspelling of one it names."""
    from tierlang.passes.records import values_that_count

    # a reading of the whole program, the same for every aggregate: once per partner, not per
    # aggregate (60 times per partner of cloudpartner2022-records: 0.2 s of each explain)
    counting = values_that_count(program)
    for note in notes:
        t = pr.traces.get(note.metric)
        if t is None:
            continue
        for a in t.aggregates:
            table_rows = rows.get(a.aggregate.table, [])
            note.missed += near_misses(program, a.aggregate, table_rows)
            note.missed += misspelt(program, a.aggregate.table, a.aggregate.where, a.aggregate.column, table_rows, counting)
        if t.assignment is not None:
            a = t.assignment.assignment  # type: ignore[assignment]
            wheres = ir.And(tuple(n.where for n in a.needs if n.where is not None))
            note.missed += misspelt(program, a.table, wheres, a.column, rows.get(a.table, []), counting)


def misspelt(
    program: ir.Program,
    table: str,
    where: ir.Expr | None,
    label: str | None,
    rows: list[Mapping[str, object]],
    counting: Mapping[tuple[str, str], frozenset[str]],
) -> list[str]:
    """Rows whose value no rule names (TL425) but looks like one `where` names ("arch1 (Azure
    Solutions Architekt Expert): certification named by no rule; "Azure Solutions Architect
    Expert" is"): such a row counts toward nothing, here or anywhere. `counting`: the
    program's `passes.records.values_that_count`."""
    from tierlang.passes.records import named_like, value_tests

    t = program.related_table_map[table]
    wanted = value_tests(t, where)
    unnamed = {c: named for (tb, c), named in counting.items() if tb == table and c in wanted}
    out = []
    for r in rows:
        for column, named in unnamed.items():
            v = r.get(column)
            if not isinstance(v, str) or v in named:
                continue
            near = named_like(v, named)
            if near is not None and near in wanted[column]:
                who = f"{r.get(label)} ({v})" if label is not None and r.get(label) is not None else v
                out.append(f'{who}: {column} named by no rule; "{near}" is')
    return _limit(list(dict.fromkeys(out)))


# ------------------------------------------------------------------ changes in records terms


def change_text(program: ir.Program, metric: str, delta: Fraction, traces: Mapping[str, MetricTrace] | None = None) -> str | None:
    """A smallest change of a records metric as records: what one more (or fewer) of it is
    ("1 more person in Certifications of people (certifications) where ...", "3 more
    customers (distinct tenant_id) in Azure consumed revenue (azure_usage) where ... — each
    with sum acr_usd >= azure_customer_acr (azure_customer_acr = 1,000 USD) per tenant_id and
    month", "2,333.40 USD more ACR (sum of acr_usd) in ..."). A people rule made to hold is
    said as the fewest people the partner would add, and for which needs: it depends on the
    partner's people, so it needs the partner's `traces` (`PartnerRecords.traces`). None
    when the metric is not computed from records, or not from one aggregate through sums
    and differences, or from a people rule without its trace."""
    m = program.metric_map.get(metric)
    if m is None or m.records is None:
        return None
    if isinstance(m.records, ir.Assignment):
        t = traces.get(metric) if traces is not None else None
        return _people_change(program, t.assignment) if t is not None and t.assignment is not None and delta > 0 else None
    from tierlang.passes.rowtracks import rollup_of

    rollup = rollup_of(program, metric)
    if rollup is not None:
        return _rollup_change(program, *rollup, delta)
    agg, sign, named = _source_aggregate(program, m.records, 1, m)
    if agg is None:
        return None
    n = delta * sign
    more = "more" if n > 0 else "fewer"
    table = program.related_table_map[agg.table]
    one = abs(n) == 1
    where = f"{table.title} ({table.name})" if table.title else table.name
    if agg.function == "count_distinct" and agg.column == "person_id":
        text = f"{_number(abs(n))} {more} {'person' if one else 'people'} in {where}"
    else:
        text = f"{_amount(table, agg, named, abs(n), more)} in {where}"
    conditions = []
    if agg.where is not None:
        conditions.append(f"where {expr_text(agg.where)}")
    if agg.having is not None:
        conditions.append(_having_text(agg))
    lists = [x for x in _conjuncts(table, agg.where) if isinstance(x, ir.InSet) and not x.negated and x.list]
    if lists:
        shown = "; ".join(f"{x.list}: {', '.join(str(v) for v in x.values[:6])}{'…' if len(x.values) > 6 else ''}" for x in lists)
        conditions.append(f"({shown})")
    return " ".join([text, *conditions])


def _people_change(program: ir.Program, t: AssignmentTrace) -> str | None:
    """A people rule that fails, made to hold by the fewest new people (`fewest_new_people`,
    on the partner's own people): "1 more person in accreditations for business (kind ==
    business)", "3 more people in certified: 2 for security (...); 1 for enterprise (...) and
    service_provider (...)" (a person for two needs is one person able to fill both)."""
    from tierlang.records.assign import fewest_new_people

    a = t.assignment
    can_fill: dict[object, set[str]] = {}
    for need, people in t.eligible.items():
        for p in people:
            can_fill.setdefault(p, set()).add(need)
    groups = fewest_new_people([(n.name, n.count) for n in a.needs], can_fill, a.capacity)
    if not groups:
        return None
    total = sum(k for _, k in groups)
    rows = _table_words(program, a.table) + (f" where {expr_text(a.where)}" if a.where is not None else "")
    head = f"{_number(Fraction(total))} more {'person' if total == 1 else 'people'} in {rows}"
    fills = [_and(list(needs)) for needs, _ in groups]
    text = (
        f"{head} for {fills[0]}"
        if len(groups) == 1
        else f"{head}: " + "; ".join(f"{_number(Fraction(k))} for {f}" for (_, k), f in zip(groups, fills))
    )
    # each need named once with the rows that fill it
    named = [n for n in a.needs if n.where is not None and any(n.name in needs for needs, _ in groups)]
    if len(named) == 1 and len(groups) == 1 and len(groups[0][0]) == 1:
        text += f" ({expr_text(named[0].where)})"  # type: ignore[arg-type]
    elif named:
        text += " (" + "; ".join(f"{n.name}: {expr_text(n.where)}" for n in named) + ")"  # type: ignore[arg-type]
    # people with room for another need cannot fill a short one now (else the flow would
    # have used them): each who gains a row for one takes a place, a new person fewer
    sol = t.solution
    filled: dict[object, int] = {}
    for people in sol.assigned.values():
        for p in people:
            filled[p] = filled.get(p, 0) + 1
    room = [p for p in can_fill if filled.get(p, 0) < a.capacity]
    if room and sol.short:
        shown = ", ".join(str(p) for p in sorted(room, key=str)[:MAX_SHOWN]) + (
            f" and {len(room) - MAX_SHOWN} more" if len(room) > MAX_SHOWN else ""
        )
        short = ", ".join(sol.short[:-1]) + " or " + sol.short[-1] if len(sol.short) > 1 else sol.short[0]
        text += f"; or fewer: people already there with room for another need ({shown}) take places by gaining a row for {short}"
    return text


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _rollup_change(program: ir.Program, rt: ir.RowTrack, level: str, exact: bool, delta: Fraction) -> str:
    """A roll-up's change as rows of the track per row at the level ("1 more country at
    Platinum or higher in Country tier (rows of countries where country in top)")."""
    one = rt.column.replace("_", " ")
    noun = one if abs(delta) == 1 else plural_noun(one)
    return f"{_number(abs(delta))} {'more' if delta > 0 else 'fewer'} {noun} {_rollup_rows(rt, level, exact)}"


def _rollup_formula(rt: ir.RowTrack, level: str, exact: bool) -> str:
    """What a roll-up counts: "countries at Platinum or higher in Country tier (rows of
    countries where country in top)"."""
    return f"{plural_noun(rt.column.replace('_', ' '))} {_rollup_rows(rt, level, exact)}"


def _rollup_rows(rt: ir.RowTrack, level: str, exact: bool) -> str:
    from tierlang.render.english import humanize

    lv = next(x for x in rt.levels if x.name == level)
    at = (lv.title or humanize(level)) + (" exactly" if exact else " or higher")
    rows = f"rows of {rt.table}" + (f" where {expr_text(rt.where)}" if rt.where is not None else "")
    return f"at {at} in {rt.title or rt.name} ({rows})"


def _amount(table: ir.RelatedTable, agg: ir.Aggregate, named: ir.Metric, n: Fraction, more: str) -> str:
    """How much more of what, in the words of the metric and the table: its unit ("3 more
    customers (distinct tenant_id)"), else the column's title ("2 more customer tenants"),
    and for a sum the amount in the column's type ("2,333.40 USD more ACR (sum of acr_usd)")."""
    from tierlang.render.english import singular

    one = n == 1
    unit = named.unit if named.unit and named.unit.isalpha() else None

    def title(column: str | None) -> str:
        c = table.column(column) if column else None
        if c is None or not c.title:
            return column or "value"
        return c.title if c.title[1:2].isupper() else c.title[:1].lower() + c.title[1:]  # "ACR" stays

    def noun(many: str) -> str:
        return singular(many) if one else many

    if agg.function == "count_distinct":
        what = noun(unit or plural_noun(title(agg.column)))
        return f"{_number(n)} {more} {what}" + (f" (distinct {agg.column})" if singular(what) != agg.column else "")
    if agg.function == "count":
        per = " and ".join(agg.per)
        if not agg.per:
            return f"{_number(n)} {more} {noun(unit or 'rows')}"
        return f"{_number(n)} {more} {noun(unit or 'groups')} ({'a group' if one else 'groups'} per {per})"
    if agg.inner is not None:
        inner = agg.inner
        of_each = f"{inner.function} {inner.column}" if inner.column else inner.function
        what = unit or (title(inner.column) if inner.function != "count" else "rows")
        return f"{_value(n, _column_type(table, inner.column))} {more} {what} ({agg.function} over each {', '.join(agg.per)} of {of_each})"
    what = unit or title(agg.column)
    amount = _value(n, _column_type(table, agg.column))
    if agg.function == "sum":
        return f"{amount} {more} {what} (sum of {agg.column})"
    bound = "greatest" if agg.function == "max" else "least"
    return f"the {bound} {agg.column} {amount} {'higher' if more == 'more' else 'lower'}"


def _column_type(table: ir.RelatedTable, column: str | None) -> ir.Type | None:
    c = table.column(column) if column else None
    return c.type if c is not None else None


def _having_text(agg: ir.Aggregate) -> str:
    """`having` as the condition each counted group meets, its parameters with their values
    ("each with sum acr_usd >= azure_customer_acr (1,000 USD) per tenant_id and month")."""
    params: dict[str, str] = {}
    for x in ir.walk(agg.having):
        if isinstance(x, ir.Const) and x.param is not None and not isinstance(x.value, bool):
            params.setdefault(x.param, _value(x.value, x.type))
    values = f" ({'; '.join(f'{k} = {v}' for k, v in params.items())})" if params else ""
    per = " and ".join(agg.per)
    return f"— each with {expr_text(agg.having)}{values} per {per}"


def _source_aggregate(program: ir.Program, e: ir.Expr, sign: int, named: ir.Metric) -> tuple[ir.Aggregate | None, int, ir.Metric]:
    """The aggregate whose growth raises the formula (through aliases, sums and differences:
    `now - before` grows with `now`), with the metric that names it (the innermost records
    metric on the way, whose unit says what the aggregate counts)."""
    if isinstance(e, ir.Aggregate):
        return e, sign, named
    if isinstance(e, ir.MetricRef):
        m = program.metric_map[e.name]
        return _source_aggregate(program, m.records, sign, m) if m.records is not None else (None, sign, named)
    if isinstance(e, ir.Arith) and e.op in ("+", "-"):
        return _source_aggregate(program, e.left, sign, named)
    if isinstance(e, ir.Func) and e.name == "max" and len(e.args) == 2 and isinstance(e.args[0], ir.Const):
        return _source_aggregate(program, e.args[1], sign, named)
    return None, sign, named


# ------------------------------------------------------------------ tracks per row


@dataclass
class RowTrackNote:
    """A track per row, row by row: the level each row holds and, for the level above it,
    the requirements the row fails ("FR: gold; for platinum, fails revenue_usd >= ...")."""

    track: str
    title: str
    column: str
    rows: list[str] = field(default_factory=list)

    def to_data(self) -> dict:
        return {"track": self.track, "title": self.title, "per": self.column, "rows": self.rows}


def row_track_notes(program: ir.Program, metrics: Iterable[str], rows: Mapping[str, list]) -> list[RowTrackNote]:
    """For the tracks per row that `metrics` (records metrics a rule reads) roll up: each of
    the partner's rows, with its level."""
    from tierlang.passes.rowtracks import at_least_condition, rollup_name

    wanted = set(metrics)
    out = []
    for rt in program.row_tracks:
        names = {rollup_name(rt.name, lv.name, exact) for lv in rt.levels for exact in (False, True)}
        if not names & wanted:
            continue
        table = program.related_table_map[rt.table]
        note = RowTrackNote(rt.name, rt.title or rt.name, rt.column)
        ordered = sorted(rows.get(rt.table, []), key=lambda r: str(r.get(rt.column)))
        for r in ordered:
            if rt.where is not None and row_condition(table, rt.where, r) is not True:
                continue
            held = [lv for lv in rt.levels if row_condition(table, at_least_condition(rt, lv.name), r) is True]
            level = held[-1].name if held else None
            line = f"{r.get(rt.column)}: {level or 'no level'}"
            above = rt.levels[len(held)] if len(held) < len(rt.levels) else None
            if above is not None:
                failing = [q.expr for q in above.requirements if row_condition(table, q.expr, r) is not True]
                if failing:
                    line += f"; for {above.name}, fails " + ", ".join(_with_values(table, e, r) for e in failing)
            note.rows.append(line)
        note.rows = _limit(note.rows)
        out.append(note)
    return out


def _with_values(table: ir.RelatedTable, e: ir.Expr, row: Mapping[str, object]) -> str:
    """A failed requirement with the row's values of the columns it compares."""
    shown = []
    for n in ir.walk(e):
        if isinstance(n, ir.ColumnRef) and n.column not in [c for c, _ in shown]:
            c = table.column(n.column)
            shown.append((n.column, _value(row.get(n.column), c.type if c else None)))
    text = expr_text(e)
    return f"{text} ({', '.join(f'{k} is {v}' for k, v in shown)})" if shown else text


def render_row_tracks(notes: list[RowTrackNote], indent: str = "  ") -> list[str]:
    out = []
    for n in notes:
        out.append(f"{indent}{n.title}, per {n.column}:")
        out += [f"{indent}  {line}" for line in n.rows] or [f"{indent}  (no rows)"]
    return out


# ------------------------------------------------------------------ text


def render_notes(notes: list[RecordsNote], program: ir.Program, indent: str = "  ") -> list[str]:
    out = []
    for n in notes:
        value = n.value + (" (its default: the formula has no value)" if n.defaulted else "")
        out.append(f"{indent}{n.title} = {value}")
        out.append(f"{indent}  computed as {n.formula}")
        if n.counted:
            out.append(f"{indent}  counted: " + "; ".join(n.counted))
        if n.missed:
            out.append(f"{indent}  missed: " + "; ".join(n.missed))
    return out


def window_line(program: ir.Program) -> str | None:
    """ "last month is May 2023" for the program's evaluation date, when it has windows."""
    if program.as_of is None:
        return None
    start, end = ir.window_dates(1, 0, program.as_of)
    return f"as of {program.as_of.isoformat()}: last month is {start:%B %Y}"


__all__ += [
    "RowTrackNote",
    "row_track_notes",
    "render_row_tracks",
    "near_misses",
    "with_near_misses",
    "misspelt",
    "window_line",
    "metric_value",
    "months_text",
]
