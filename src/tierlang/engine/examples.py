"""Run a program's embedded examples with the reference interpreter (`tier test`).

An example whose values break an input constraint fails without being evaluated: no data
could hold such a partner (`tier eval` would refuse the row, TL416)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from tierlang import ir
from tierlang.engine.explain import requirement_lines, score_lines
from tierlang.engine.interpreter import CategoryResult, EvaluationError, Interpreter, PartnerResult
from tierlang.numbers import decimal_text, terminates
from tierlang.passes.constraints import broken, constraint_metrics

__all__ = ["ExampleOutcome", "Check", "run_examples", "show_value"]


@dataclass
class Check:
    """One `expect` of an example: what was expected and what came out."""

    expectation: ir.Expectation
    actual: object
    passed: bool
    error: str | None = None

    def text(self) -> str:
        path = ".".join(self.expectation.path)
        return f"expect {path} = {show_value(self.expectation.value)}"


@dataclass
class ExampleOutcome:
    example: ir.Example
    checks: list[Check]
    result: PartnerResult | None
    error: str | None = None
    program_file: str | None = field(default=None, repr=False)
    # an example with records: the reference stage's traces and the rows, for the report
    records: object | None = field(default=None, repr=False)
    rows: dict | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.checks)

    def report(self, program: ir.Program) -> str:
        """Why the example failed: its span, each failing expectation with expected and
        actual, and the trace of the requirements or points lines behind it."""
        ex = self.example
        title = f' "{ex.title}"' if ex.title else ""
        lines = [f"FAIL {ex.span or '?'}: example {ex.name}{title}"]
        if self.error:
            lines.append(f"  error: {self.error}")
        for c in self.checks:
            if c.passed:
                continue
            where = f" ({c.expectation.span})" if c.expectation.span else ""
            lines.append(f"  {c.text()}{where}")
            if c.error:
                lines.append(f"    error: {c.error}")
                continue
            lines.append(f"    expected: {show_value(c.expectation.value)}")
            lines.append(f"    actual:   {show_value(c.actual)}")
            lines += self.trace(c, program)
        lines += self.records_lines(program)
        return "\n".join(lines) + "\n"

    def records_lines(self, program: ir.Program) -> list[str]:
        """For an example with records: how the records metrics its failing expectations read
        came out (what counted, what missed), as `tier explain` says it."""
        if self.records is None or self.rows is None:
            return []
        from tierlang.records.explain import notes_for, render_notes, with_near_misses

        groups = {g.name: g.tracks for g in program.groups}
        failing = dict.fromkeys(c.expectation.path[0] for c in self.checks if not c.passed)
        read = [
            m
            for t in failing
            if t in program.track_map
            for m in ir.metrics_read(program.track_map[t], program.metric_map, program.gate_map, program.track_map, groups)
            if program.metric_map[m].records is not None
        ]
        notes = notes_for(program, self.records, list(dict.fromkeys(read)))  # type: ignore[arg-type]
        with_near_misses(program, notes, self.records, self.rows)  # type: ignore[arg-type]
        return ["  from the records:", *render_notes(notes, program, indent="    ")] if notes else []

    def trace(self, c: Check, program: ir.Program) -> list[str]:
        if self.result is None:
            return []
        path = c.expectation.path
        tr = self.result.tracks.get(path[0])
        if tr is None:
            return []
        vr = tr.selected
        out = []
        if len(tr.track.variants) > 1:
            out.append(f"    scored on variant {tr.variant}")
        if len(path) == 1:
            # the levels around the expected and actual ones, requirement by requirement
            names = tr.track.level_names
            want = -1 if c.expectation.value is None else names.index(c.expectation.value)  # type: ignore[arg-type]
            top = min(max(want, vr.level_index) + 1, len(names) - 1)
            for lr in vr.levels[: top + 1]:
                state = "met" if lr.met else "not met"
                out.append(f"    level {lr.level.label}: {state}")
                out += requirement_lines(lr, program, tr.name, "      ")
        else:
            s = vr.scores.get(path[1])
            if s is not None:
                out += score_lines(s, program, "    ")
        return out


def show_value(v: object) -> str:
    """An expected or actual value as `tier test` shows it: `none`, exact decimals, names."""
    if v is None:
        return "none"
    if isinstance(v, Fraction):
        return decimal_text(v) if terminates(v) else f"{v} (= {decimal_text(v)}…)"
    return str(v)


def run_examples(program: ir.Program, load_at: Callable[[date], ir.Program] | None = None) -> Iterator[ExampleOutcome]:
    """Evaluate each example with the interpreter and compare every expectation exactly.

    An example pinned to a date (`as of DATE`) runs on the program as lowered for that date,
    which `load_at(date)` provides (its dated parameters then hold that day's values)."""
    interpreters: dict[date | None, tuple[ir.Program, Interpreter]] = {program.as_of: (program, Interpreter(program))}
    for ex in program.examples:
        when = ex.as_of if ex.as_of is not None and load_at is not None else program.as_of
        if when not in interpreters:
            dated = load_at(when)  # type: ignore[misc, arg-type]
            interpreters[when] = (dated, Interpreter(dated))
        dated_program, interp = interpreters[when]
        ex = next((e for e in dated_program.examples if e.name == ex.name), ex)
        tracks = list(dict.fromkeys(e.path[0] for e in ex.expectations))
        given = dict(ex.given)
        if ex.records:
            # the records metrics from the example's rows, by the reference records stage
            from tierlang.records.reference import evaluate_partner

            rows = {table: [dict(r) for r in table_rows] for table, table_rows in ex.records}
            partner = evaluate_partner(dated_program, rows)
            given.update({k: v for k, v in partner.values.items() if v is not None})
        else:
            partner = rows = None
        bad = broken(dated_program, given)
        if bad:  # data no partner can have: a data error in tier eval, so no result here
            yield ExampleOutcome(ex, [], None, "; ".join(_broken_text(dated_program, c, given) for c in bad))
            continue
        try:
            result = interp.evaluate(given, ex.name, tracks)
        except EvaluationError as e:
            yield ExampleOutcome(ex, [], None, str(e))
            continue
        checks = []
        for exp in ex.expectations:
            tr = result[exp.path[0]]
            try:
                actual = _actual(tr, exp.path)
            except EvaluationError as e:
                checks.append(Check(exp, None, False, str(e)))
                continue
            checks.append(Check(exp, actual, actual == exp.value))
        yield ExampleOutcome(ex, checks, result, records=partner, rows=rows)


def _broken_text(program: ir.Program, c: ir.Constraint, values: dict[str, ir.Value]) -> str:
    """As the data loader says it (TL416): the constraint and the values it reads."""
    title = f" ({c.title})" if c.title else ""
    read = ", ".join(f"{n} is {show_value(values.get(n))}" for n in constraint_metrics(program, c))
    return f"its values break the constraint '{c.name}'{title}: {read}"


def _actual(tr, path: tuple[str, ...]) -> object:
    if len(path) == 1:
        return tr.level
    if path[1:] == ("variant",):
        return tr.variant
    if len(path) == 2 and path[1] in tr.outputs:
        return tr.outputs[path[1]]
    s = tr.selected.scores.get(path[1])
    if s is None:
        raise EvaluationError(f"the selected variant '{tr.variant}' of '{tr.name}' has no score '{path[1]}'")
    if len(path) == 2:
        return s.points
    part = s.part(path[2])
    if part is None:
        raise EvaluationError(f"score '{path[1]}' has no part '{path[2]}'")
    return part.points if not isinstance(part, CategoryResult) else part.points
