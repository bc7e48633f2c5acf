"""A program's data dictionary (Markdown), generated from its declarations.

    python -m tierlang.datadict programs/mpn2010.tier > docs/programs/mpn2010.md

One table row per input column (type, valid range, default, meaning, source, the tracks that
read it), then the derived metrics, the parameters (value, source, assumption) and the
tracks. A stop-gap until `tier docs` exists; tests check that the files in docs/programs/
are current.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

from tierlang import ir
from tierlang.loader import load_program

__all__ = ["data_dictionary", "expr_text", "main"]

_OPS_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def _num(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return f"{v.numerator:,}".replace(",", "_") if abs(v.numerator) >= 10_000 else str(v.numerator)
        # Decimal values print as decimals when they are exact decimals.
        d = v.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        return str(float(v)) if d == 1 else str(v)
    return str(v)


def _value(v: object, t: ir.Type | None = None) -> str:
    text = _num(v)
    if t is not None and t.kind is ir.Kind.MONEY and t.currency:
        text += f" {t.currency}"
    return text


def expr_text(e: ir.Expr, prec: int = 0) -> str:
    """A readable rendering of an IR expression (parameters by name)."""
    if isinstance(e, ir.Const):
        return e.param or _value(e.value, e.type)
    if isinstance(e, ir.MetricRef):
        return e.name
    if isinstance(e, ir.GateRef):
        return e.name
    if isinstance(e, ir.Arith):
        p = _OPS_PREC[e.op]
        text = f"{expr_text(e.left, p)} {e.op} {expr_text(e.right, p + 1)}"
        return f"({text})" if p < prec else text
    if isinstance(e, ir.Neg):
        return "-" + expr_text(e.operand, 3)
    if isinstance(e, ir.Func):
        return f"{e.name}({', '.join(expr_text(a) for a in e.args)})"
    if isinstance(e, ir.Compare):
        return f"{expr_text(e.left, 1)} {e.op} {expr_text(e.right, 1)}"
    if isinstance(e, ir.Not):
        return "not " + expr_text(e.operand, 3)
    if isinstance(e, (ir.And, ir.Or)):
        word = " and " if isinstance(e, ir.And) else " or "
        return "(" + word.join(expr_text(i) for i in e.items) + ")"
    if isinstance(e, ir.AtLeast):
        return f"at least {e.n} of {{ {', '.join(expr_text(i) for i in e.items)} }}"
    if isinstance(e, ir.TrackAt):
        return e.track + (f" at {e.level}" if e.level else "")
    if isinstance(e, ir.GroupCount):
        head = "all of" if e.n is None else f"at least {e.n} of"
        return f"{head} {e.group}" + (f" at {e.level}" if e.level else "")
    if isinstance(e, ir.ScoreRef):
        return ".".join(p for p in (e.track, e.score, e.part) if p)
    if isinstance(e, ir.Every):
        return f"every {e.track}.{e.score}.points {e.op} {expr_text(e.value)}"
    raise TypeError(e)


def _cell(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(text.split()).replace("|", "\\|")


def _range(m: ir.Metric) -> str:
    if m.type.kind in (ir.Kind.BOOL, ir.Kind.DATE):
        return "true / false" if m.type.kind is ir.Kind.BOOL else "date"
    if m.type.kind is ir.Kind.ENUM:
        return (" < " if m.type.ordered else ", ").join(m.type.values)
    lo = _value(m.minimum, m.type) if m.minimum is not None else None
    hi = _value(m.maximum, m.type) if m.maximum is not None else None
    whole = "whole, " if m.type.kind is ir.Kind.COUNT else ""
    if lo is not None and hi is not None:
        return f"{whole}{lo} to {hi}"
    if lo is not None:
        return f"{whole}≥ {lo}"
    if hi is not None:
        return f"{whole}≤ {hi}"
    return f"{whole}any".rstrip(", ")


def _readers(program: ir.Program) -> dict[str, list[str]]:
    """For each input metric, the tracks that read it (through gates and derived metrics)."""
    from tierlang.passes.lower import reads

    gates = program.gate_map
    groups = {g.name: list(g.tracks) for g in program.groups}
    out: dict[str, list[str]] = {m.name: [] for m in program.metrics}
    for t in program.tracks:
        # Only what the track reads itself: an empty track table stops `reads` from
        # following the tracks it refers to.
        for name in sorted(reads(t, {}, gates, program.metric_map, groups)):
            out[name].append(t.name)
    return out


def _readers_text(names: list[str], program: ir.Program) -> str:
    if not names:
        return ""
    for g in program.groups:
        if len(g.tracks) > 3 and set(g.tracks) <= set(names):
            rest = [n for n in names if n not in g.tracks]
            return ", ".join([f"every track of `{g.name}`"] + [f"`{n}`" for n in rest])
    return ", ".join(f"`{n}`" for n in names)


def data_dictionary(program: ir.Program, path: str) -> str:
    p = program
    lines = [
        f"# {p.title or p.name}: data dictionary",
        "",
        f"<!-- Generated from `{path}` by `python -m tierlang.datadict {path}`. Do not edit: edit the program"
        " and regenerate (tests/programs/test_mpn.py checks this file is current). -->",
        "",
        f"Program `{p.name}`, version {p.version or '-'}, effective {p.effective or '-'}"
        + (f"; program-level status track `{p.status}`" if p.status else "")
        + ".",
        "",
    ]
    if p.doc:
        lines += [p.doc.strip(), ""]
    lines += [
        "## Columns",
        "",
        "One row per partner; `partner_id` is required and unique (DESIGN §4). A column with a"
        " default may be blank (or, where the loader allows it, absent); any other missing value is an error.",
        "",
        "| column | title | type | valid values | default | meaning | source | read by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    readers = _readers(p)
    for m in p.input_metrics:
        default = _value(m.default, m.type) if m.default is not None else "required"
        meaning = _cell(m.doc)
        if m.unit:
            meaning = f"{meaning} (unit: {m.unit})" if meaning else f"unit: {m.unit}"
        if m.direction == "lower":
            meaning += " Lower is better."
        lines.append(
            f"| `{m.column}` | {_cell(m.title)} | {m.type} | {_range(m)} | {default} | {meaning} | {_cell(m.source)}"
            f" | {_readers_text(readers[m.name], p)} |"
        )
    derived = [m for m in p.metrics if m.derived is not None]
    if derived:
        lines += [
            "",
            "## Derived metrics (computed, not read from the data)",
            "",
            "| metric | title | type | formula | meaning | source |",
            "|---|---|---|---|---|---|",
        ]
        for m in derived:
            lines.append(
                f"| `{m.name}` | {_cell(m.title)} | {m.type} | `{expr_text(m.derived)}` | {_cell(m.doc)} | {_cell(m.source)} |"  # type: ignore[arg-type]
            )
    if p.params:
        lines += [
            "",
            "## Parameters",
            "",
            "Thresholds and points. A value with a source tag [C] is confirmed; [P] partly confirmed;"
            " an *assumed* value says why it was chosen.",
            "",
            "| parameter | title | value | source | assumption | notes |",
            "|---|---|---|---|---|---|",
        ]
        for prm in p.params:
            value = _value(prm.value, prm.type)
            if prm.dated:
                value += f" as of {p.as_of}; scheduled: " + "; ".join(f"from {d} = {_value(v, prm.type)}" for d, v in prm.dated)
            lines.append(f"| `{prm.name}` | {_cell(prm.title)} | {value} | {_cell(prm.source)} | {_cell(prm.assumed)} | {_cell(prm.doc)} |")
    lines += ["", "## Tracks", "", "| track | title | group | levels (lowest first) | source |", "|---|---|---|---|---|"]
    for t in p.tracks:
        levels = " < ".join(f"`{lv.name}`" for lv in t.variants[0].levels)
        lines.append(f"| `{t.name}` | {_cell(t.title)} | {t.group or ''} | {levels} | {_cell(t.source)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tierlang.datadict PROGRAM.tier > docs/programs/NAME.md", file=sys.stderr)
        return 2
    path = args[0]
    result = load_program(path)
    if not result.ok:
        for d in result.errors:
            print(f"{d.span}: {d.message}" if d.span else d.message, file=sys.stderr)
        return 1
    shown = Path(path).as_posix()
    if "programs/" in shown:
        shown = "programs/" + shown.rsplit("programs/", 1)[1]
    sys.stdout.write(data_dictionary(result.program, shown))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
