"""Synthetic partner datasets for the diff's tests and benchmark.

`make_partners(programs, n)` builds one polars frame with every input column of every given
program, `partner_id` and `anniversary`, deterministic for a seed. Values are spread around
the numbers each program compares them with (thresholds, and the targets of `clamp(x / T)`),
scaled per partner by a "strength" and per track by a "focus" (a partner pursues only some
tracks), so that a realistic share of partners earns each level and program changes move
some of them.

This is test data, not `tier synth` (the synthetic-data generator of the CLI): it knows
nothing about the programs beyond their IR and makes no claim to realism beyond "some
partners are near every threshold".
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

import polars as pl

from tierlang import ir

__all__ = ["make_partners", "write_partners"]

_BITS = 2**24


def _uniform(seed: int) -> pl.Expr:
    """A deterministic uniform value in [0, 1) per row (a hash of the row index)."""
    return (pl.int_range(pl.len(), dtype=pl.UInt64).hash(seed) % _BITS).cast(pl.Float64) / _BITS


def _targets(program: ir.Program) -> dict[str, Fraction]:
    """Per metric, the largest number it is compared with or divided by (see module doc)."""
    out: dict[str, Fraction] = {}

    def note(expr: ir.Expr, value: Fraction, scale: Fraction = Fraction(1)) -> None:
        for node in ir.walk(expr):
            if isinstance(node, ir.MetricRef):
                m = program.metric_map[node.name]
                if m.derived is not None:
                    note(m.derived, value, scale)
                elif m.type.is_numeric:
                    out[node.name] = max(out.get(node.name, Fraction(0)), abs(value) * scale)

    def visit(node: object, in_clamp: bool) -> None:
        if isinstance(node, ir.Func):
            for a in node.args:
                visit(a, in_clamp or node.name == "clamp")
            return
        if isinstance(node, ir.Arith) and node.op == "/" and isinstance(node.right, ir.Const):
            note(node.left, node.right.value, Fraction(1) if in_clamp else Fraction(10))  # type: ignore[arg-type]
        if isinstance(node, ir.Compare):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(other, ir.Const) and isinstance(other.value, Fraction):
                    note(side, other.value)
        if hasattr(type(node), "__dataclass_fields__"):
            for child in _children(node):
                visit(child, in_clamp)

    for root in (*program.tracks, *program.gates, *(m for m in program.metrics if m.derived is not None)):
        visit(root, False)
    return out


def _children(node: object):
    for name in node.__dataclass_fields__:  # type: ignore[attr-defined]
        if name == "span":
            continue
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if hasattr(type(v), "__dataclass_fields__"))
        elif hasattr(type(value), "__dataclass_fields__"):
            yield value


def _owners(program: ir.Program) -> dict[str, str]:
    """Metric → the one track that reads it (metrics read by several tracks are left out)."""
    users: dict[str, set[str]] = {}
    gates = {g.name: g for g in program.gates}
    for t in program.tracks:
        stack: list[object] = [t]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            for n in ir.walk(node):
                if isinstance(n, ir.MetricRef):
                    m = program.metric_map[n.name]
                    if m.derived is not None and id(m) not in seen:
                        seen.add(id(m))
                        stack.append(m.derived)
                    else:
                        users.setdefault(n.name, set()).add(t.name)
                elif isinstance(n, ir.GateRef) and id(gates[n.name]) not in seen:
                    seen.add(id(gates[n.name]))
                    stack.append(gates[n.name].expr)
    return {m: next(iter(ts)) for m, ts in users.items() if len(ts) == 1}


def make_partners(programs: list[ir.Program], n: int, seed: int = 1, anniversary: bool = True) -> pl.DataFrame:
    """`n` partners with every input column of `programs` (see module doc)."""
    columns: dict[str, tuple[ir.Metric, Fraction, str | None]] = {}
    share: dict[str, float] = {}  # track -> how likely a partner pursues it, relative
    for p in programs:
        targets = _targets(p)
        owners = _owners(p)
        owned = set(owners.values())
        for t in owned:
            # programs with many tracks (29 competencies) see each one pursued less often
            share.setdefault(t, min(1.0, 6 / len(owned)))
        for m in p.input_metrics:
            col = m.column or m.name
            target = targets.get(m.name, Fraction(5))
            if col in columns:
                target = max(target, columns[col][1])
            columns[col] = (columns[col][0] if col in columns else m, target, columns[col][2] if col in columns else owners.get(m.name))
    tracks = sorted({owner for _, _, owner in columns.values() if owner})
    base = pl.DataFrame({"__i": pl.int_range(n, eager=True)})
    strength = (_uniform(seed * 7919 + 1).sqrt() * 1.5).alias("__strength")
    # A partner pursues a track with a probability that grows with its strength.
    focus = [
        pl.when(_uniform(seed * 7919 + 100 + i) < (0.15 + 0.4 * pl.col("__strength")) * share[t])
        .then(1.0)
        .otherwise(0.15)
        .alias(f"__focus_{t}")
        for i, t in enumerate(tracks)
    ]
    frame = base.with_columns(strength).with_columns(focus)
    exprs: list[pl.Expr] = [pl.format("P{}", (pl.col("__i") + 1).cast(pl.String).str.zfill(7)).alias("partner_id")]
    for k, (col, (m, target, owner)) in enumerate(columns.items()):
        u = _uniform(seed * 7919 + 1000 + k)
        level = pl.col("__strength") * (pl.col(f"__focus_{owner}") if owner else 1.0) * (0.55 + u)
        exprs.append(_value(m, target, level, u).alias(col))
    if anniversary:
        start = _dt.date(2019, 1, 1)
        days = (_uniform(seed * 7919 + 7) * 365 * 4).cast(pl.Int64)
        exprs.append((pl.lit(start) + pl.duration(days=days)).alias("anniversary"))
    return frame.select(exprs)


def _value(m: ir.Metric, target: Fraction, level: pl.Expr, u: pl.Expr) -> pl.Expr:
    kind = m.type.kind
    t = float(target) or 5.0
    if kind is ir.Kind.BOOL:
        return level > 0.6
    if kind is ir.Kind.DATE:
        return pl.lit(_dt.date(2020, 1, 1)) + pl.duration(days=(u * 1000).cast(pl.Int64))
    if kind is ir.Kind.ENUM:
        values = m.type.values
        return pl.lit(pl.Series(list(values))).get((u * len(values)).cast(pl.Int64))
    raw = level * t
    lo = float(m.minimum) if m.minimum is not None else None
    hi = float(m.maximum) if m.maximum is not None else None
    if lo is None or lo < 0:
        raw = raw - 0.1 * t  # a few declines where declines are allowed
    if lo is not None:
        raw = pl.max_horizontal(raw, pl.lit(lo))
    if hi is not None:
        raw = pl.min_horizontal(raw, pl.lit(hi))
    if kind is ir.Kind.COUNT:
        return raw.round(0).cast(pl.Int64)
    # Decimals with two places, written as text so that nothing passes through a float on
    # the way into the loader.
    cents = (raw * 100).round(0).cast(pl.Int64)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    a = cents.abs()
    return pl.concat_str([sign, (a // 100).cast(pl.String), pl.lit("."), (a % 100).cast(pl.String).str.zfill(2)])


def write_partners(path, programs: list[ir.Program], n: int, seed: int = 1) -> None:
    """Write `make_partners` as CSV or Parquet (by the file's suffix)."""
    df = make_partners(programs, n, seed)
    if str(path).endswith(".parquet"):
        df.write_parquet(path)
    else:
        df.write_csv(path)


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.diff.synthetic OUT.csv|OUT.parquet N PROGRAM.tier...`: write a
    stand-in dataset (used by `make demo` while examples/partners.csv is missing)."""
    import sys

    from tierlang import load_program

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3:
        print("usage: python -m tests.diff.synthetic OUT N PROGRAM.tier...", file=sys.stderr)
        return 2
    out, n, paths = args[0], int(args[1]), args[2:]
    programs = []
    for path in paths:
        result = load_program(path, checks=False)
        if not result.ok:
            print(f"{path} has errors; run `tier check {path}`", file=sys.stderr)
            return 2
        programs.append(result.program)
    write_partners(out, programs, n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
