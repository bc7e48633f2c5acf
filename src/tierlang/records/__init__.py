"""The records stage: metrics computed from related tables, before the rules run.

A program's records metrics (`ir.Metric.records`) are computed per partner from its rows in
the related tables — people's certifications, customers' monthly usage — and join the
partner's other input metrics; every engine then evaluates the rules on them as on any
input. Two implementations give identical values (tests/records):

- `tierlang.records.frames`: polars, every partner at once (`tier eval`, `tier diff`);
- `tierlang.records.reference`: pure Python, one partner at a time, traced (`tier explain`,
  the interpreter engine, the differential tests).

Windows are dates in the IR (resolved for the evaluation date during lowering): to evaluate
the same records at another date, load the program for that date (`load_program(path,
as_of)`) and call `with_records` again; the tables are read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction

import polars as pl

from tierlang import ir
from tierlang.data import PID, Dataset
from tierlang.data.tables import Records, TableData
from tierlang.records.frames import Values, compute, den_column
from tierlang.records.reference import PartnerRecords, evaluate_partner

__all__ = ["with_records", "partner_rows", "explain_records", "Values", "ENGINES", "RecordsRangeError", "range_message", "check_ranges"]

ENGINES = ("polars", "reference")


class RecordsRangeError(ValueError):
    """A records metric came out outside its declared range (the program's formula allows
    values its declaration says are impossible)."""


def with_records(program: ir.Program, records: Records, *, engine: str = "polars") -> Dataset:
    """The partner dataset of `records` with `program`'s records metrics added: a `Dataset`
    the engines evaluate like one read from a single file."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    ds = records.dataset
    if not program.record_metrics:
        return ds
    ids = ds.frame[PID]
    if engine == "polars":
        # A table read from its file is read again here: it must still be the file checked.
        with _unchanged(records.tables.values()):
            values = compute(program, ids, {name: (t.rows(), t.scales) for name, t in records.tables.items()})
    else:
        values = _reference_values(program, records, ids)
    check_ranges(program, values)
    frame = ds.frame.hstack(values.frame.drop(PID).get_columns())  # the same partners, in the same order
    scales = {**ds.scales, **values.scales}
    return Dataset(
        path=ds.path,
        format=ds.format,
        frame=frame,
        scales=scales,
        metrics=program.input_metrics,
        total_rows=ds.total_rows,
        errors=ds.errors,
        error_count=ds.error_count,
        rejects=ds.rejects,
        columns=ds.columns,
        denominators={m: den_column(m) for m in values.ratios},
    )


@contextmanager
def _unchanged(tables: Iterable[TableData]) -> Iterator[None]:
    """Each table's file unchanged since its check before and after the block, and when
    the block fails (polars reading a file replaced under it)."""
    for t in tables:
        t.unchanged()
    try:
        yield
    except Exception:
        for t in tables:
            t.unchanged()
        raise
    for t in tables:
        t.unchanged()


def partner_rows(records: Records, partner_id: str) -> dict[str, list[dict]]:
    """One partner's rows per table, with exact values (as the reference stage reads them)."""
    return {name: _rows(t, pl.col(PID) == partner_id) for name, t in records.tables.items()}


def _rows(t: TableData, where: pl.Expr | None = None) -> list[dict]:
    frame = t.frame if where is None else t.frame.filter(where)
    decode = {}
    for c in t.table.columns:
        if c.type.kind in (ir.Kind.COUNT, ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY):
            scale = t.scales.get(c.name, 1)
            decode[c.name] = lambda v, s=scale: None if v is None else Fraction(v, s)
    out = []
    for rec in frame.iter_rows(named=True):
        for k, f in decode.items():
            rec[k] = f(rec[k])
        out.append(rec)
    return out


def explain_records(program: ir.Program, records: Records, partner_id: str) -> PartnerRecords:
    """One partner's records metrics with the traces of how each came out."""
    return evaluate_partner(program, partner_rows(records, partner_id))


def _reference_values(program: ir.Program, records: Records, ids: pl.Series) -> Values:
    """The reference stage over every partner, as exact ratios (numerator, denominator)."""
    by_partner: dict[str, dict[str, list[dict]]] = {}
    for name, t in records.tables.items():
        for rec in _rows(t):
            by_partner.setdefault(rec[PID], {}).setdefault(name, []).append(rec)
    names = [m.name for m in program.record_metrics]
    cols: dict[str, list] = {n: [] for n in names}
    dens: dict[str, list] = {n: [] for n in names}
    for pid in ids.to_list():
        values = evaluate_partner(program, by_partner.get(pid, {})).values
        for n in names:
            v = values.get(n)
            if isinstance(v, Fraction) and not isinstance(v, bool):
                cols[n].append(v.numerator)
                dens[n].append(v.denominator)
            else:
                cols[n].append(v)
                dens[n].append(None if v is None else 1)
    data: dict[str, pl.Series] = {PID: ids}
    ratios = set()
    for m in program.record_metrics:
        if m.type.kind in (ir.Kind.DATE, ir.Kind.BOOL):
            data[m.name] = pl.Series(m.name, cols[m.name], dtype=pl.Date if m.type.kind is ir.Kind.DATE else pl.Boolean)
            continue
        ratios.add(m.name)
        data[m.name] = pl.Series(m.name, cols[m.name], dtype=pl.Int128)
        data[den_column(m.name)] = pl.Series(den_column(m.name), dens[m.name], dtype=pl.Int128)
    return Values(pl.DataFrame(data), {n: 1 for n in ratios}, ratios)


def check_ranges(program: ir.Program, values: Values) -> None:
    """Raise `RecordsRangeError` for the first records metric outside its declared range,
    naming the first partner outside it and counting the others."""
    frame = values.frame
    for m in program.record_metrics:
        if m.type.kind in (ir.Kind.DATE, ir.Kind.BOOL) or (m.minimum is None and m.maximum is None):
            continue
        col = pl.col(m.name).cast(pl.Int128)
        scale = values.scales[m.name]
        den = pl.col(den_column(m.name)).cast(pl.Int128) if m.name in values.ratios else pl.lit(1, pl.Int128)
        for bound, below in ((m.minimum, True), (m.maximum, False)):
            if bound is None:
                continue
            # value = col / (scale * den) compared with p / q, den > 0: col * q vs p * scale * den
            lhs, rhs = col * bound.denominator, den * (bound.numerator * scale)
            bad = frame.filter((lhs < rhs) if below else (lhs > rhs))
            if bad.height:
                rec = bad.row(0, named=True)
                d = rec[den_column(m.name)] if m.name in values.ratios else 1
                raise RecordsRangeError(range_message(m.name, Fraction(rec[m.name], scale * d), rec[PID], below, bound, bad.height - 1))


def range_message(metric: str, value: Fraction | str, partner: str, below: bool, bound: Fraction | str, more: int = 0) -> str:
    """How every engine words a records metric outside its range (`value` and `bound` as
    numbers, or as text in a query that builds the message itself)."""
    from tierlang.numbers import exact_text

    def shown(x: Fraction | str) -> str:
        return x if isinstance(x, str) else exact_text(x)

    side = "below its minimum" if below else "above its maximum"
    others = f" (and {more} more partners)" if more > 0 else ""
    return (
        f"metric '{metric}' is {shown(value)} for partner '{partner}'{others}, {side} {shown(bound)}: "
        "its formula gives values its range does not allow; widen the range (`range ..`) or correct the formula"
    )
