"""Band tables: lowering `table` declarations to `ir.Table`, and their checks.

    table csat_points "CSAT points": number {
      by csat_responses_12m
      ..<10:      0
      10..<20:    2
      20..<50:    5
      50..:      10
    }

A table is written once instead of one gated points line per band. Its rows (and, with two
keys, its columns) are bands of the key: ranges of numbers (`low..high` includes both ends,
`low..<high` leaves `high` out, either end may be left open), enum values, or the levels of a
track (`none` for no level), and `else` for whatever no other band takes. The checker makes
sure that the bands of each key never overlap and leave no value of the key out (a count
only takes whole numbers, so `10..19` and `20..29` touch), that numeric bands go from the
lowest up, and that every cell is a number (or a parameter) of the table's type. A lookup is
piecewise constant, so every engine stays exact.

The engines read a table through `ir.Lookup` (the table's name and its keys); everything
else about it (bands and cells) is in `Program.table_map`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from tierlang import ir
from tierlang.diagnostics import did_you_mean
from tierlang.ir import Kind, Type
from tierlang.numbers import exact_text, plural
from tierlang.passes.intervals import bounds
from tierlang.syntax import ast

if TYPE_CHECKING:
    from tierlang.passes.lower import _Lowerer

__all__ = ["lower_tables", "band_text", "key_type", "KEY_KINDS"]

#: What a table may be looked up by: numbers, enum values, a track's level.
KEY_KINDS = frozenset({Kind.COUNT, Kind.NUMBER, Kind.PERCENT, Kind.MONEY, Kind.POINTS, Kind.ENUM})


def key_type(key: ir.Expr, program: ir.Program) -> Type | None:
    """The type of a table's key, for showing its bands (None: a track's level)."""
    if isinstance(key, ir.MetricRef):
        return program.metric_map[key.name].type
    if isinstance(key, ir.ScoreRef):
        return Type(Kind.POINTS)
    return None


def band_text(band: ir.Band, key_type: Type | None = None) -> str:
    """A band as a person reads it: "10 to 19" (a count's `10..<20`), "less than 10",
    "200 or more", "from 5 up to 10 (not included)", "gold", "no level", "any other"."""
    if band.otherwise:
        return "any other"
    if band.names:
        return ", ".join(n if n is not None else "no level" for n in band.names)
    whole = key_type is not None and key_type.kind is Kind.COUNT

    def num(x: Fraction) -> str:
        text = f"{x.numerator:,}" if x.denominator == 1 else exact_text(x)
        if key_type is not None and key_type.kind is Kind.PERCENT:
            return text + "%"
        if key_type is not None and key_type.kind is Kind.MONEY:
            return f"{text} {key_type.currency}"
        return text

    lo, hi = band.low, band.high
    if lo is not None and hi is not None and not band.high_included and whole and hi.denominator == 1:
        hi, included = hi - 1, True  # a count below 20 is at most 19
    else:
        included = band.high_included
    if lo is not None and whole and lo.denominator != 1:
        lo = Fraction(math.ceil(lo))
    if lo is None and hi is None:
        return "any value"
    if lo is None:
        return f"{num(hi)} or less" if included else f"less than {num(hi)}"  # type: ignore[arg-type]
    if hi is None:
        return f"{num(lo)} or more"
    if lo == hi and included:
        return num(lo)
    return f"{num(lo)} to {num(hi)}" if included else f"{num(lo)} to less than {num(hi)}"


def lower_tables(lw: _Lowerer) -> dict[str, ir.Table]:
    """Every table declaration, lowered and checked (errors go to `lw`'s diagnostics)."""
    out = {}
    for d in lw.merged.items:
        if isinstance(d, ast.TableDecl):
            table = _Table(lw, d).run()
            if table is not None:
                out[d.name] = table
    return out


class _Table:
    def __init__(self, lw: _Lowerer, d: ast.TableDecl) -> None:
        self.lw = lw
        self.d = d
        self.ok = True

    def err(self, code: str, message: str, span, **kw) -> None:
        self.lw.err(code, message, span or self.d.span, **kw)
        self.ok = False

    def run(self) -> ir.Table | None:
        d = self.d
        a = self.lw.attrs([i for i in d.items if isinstance(i, ast.Attr)], "table")
        type_ = self.lw.metric_type(d.type)
        if not type_.is_numeric:
            self.err("TL202", f"table '{d.name}' holds {type_}: a table's cells are numbers (count, number, percent or money)", d.type.span)
            return None
        bys = [i for i in d.items if isinstance(i, ast.TableBy)]
        if len(bys) != 1:
            self.err(
                "TL235",
                f"table '{d.name}' needs one `by` line naming what it is looked up by" if not bys else f"table '{d.name}' says `by` twice",
                bys[1].span if len(bys) > 1 else d.span,
                hint="e.g. `by csat_responses_12m`, or `by attrition_pct, revenue_usd` for rows and columns",
            )
            return None
        keys = self.keys(bys[0])
        if keys is None:
            return None
        columns_items = [i for i in d.items if isinstance(i, ast.TableColumns)]
        rows = [i for i in d.items if isinstance(i, ast.TableRow)]
        if len(keys) == 2 and len(columns_items) != 1:
            self.err(
                "TL235",
                f"table '{d.name}' is looked up by two keys, so it needs one `columns:` line with the bands of '{_shown(bys[0].keys[1])}'",
                columns_items[1].span if columns_items else bys[0].span,
                hint="e.g. `columns: ..<1_000_000, 1_000_000..`",
            )
            return None
        if len(keys) == 1 and columns_items:
            self.err(
                "TL235",
                f"table '{d.name}' has one key, so it has no columns",
                columns_items[0].span,
                hint="add the column key to `by` (`by rows_key, columns_key`), or remove the `columns:` line",
            )
            return None
        if not rows:
            self.err("TL235", f"table '{d.name}' has no rows", d.span, hint="add rows: `10..<20: 5`")
            return None
        (row_key, row_type), *rest = keys
        row_bands = self.bands([r.band for r in rows], row_key, row_type, "row")
        col_bands: tuple[ir.Band, ...] = ()
        width = 1
        if rest:
            col_key, col_type = rest[0]
            col_bands = self.bands(list(columns_items[0].bands), col_key, col_type, "column") or ()
            width = len(columns_items[0].bands)
        cells = []
        for r in rows:
            if len(r.cells) != width:
                self.err(
                    "TL235",
                    f"row '{_band_source(r.band)}' of table '{d.name}' has {len(r.cells)} {plural(len(r.cells), 'cell')}; the table has {width} {plural(width, 'column')}",
                    r.span,
                )
                continue
            cells.append(tuple(self.cell(c, type_) for c in r.cells))
        if not self.ok or row_bands is None:
            return None
        return ir.Table(
            name=d.name,
            type=type_,
            keys=tuple(k for k, _ in keys),
            rows=row_bands,
            cells=tuple(cells),  # type: ignore[arg-type]
            columns=col_bands,
            title=d.title,
            doc=self.lw.text(a, "doc"),
            source=self.lw.text(a, "source"),
            span=d.span,
        )

    # -------------------------------------------------------------- keys
    def keys(self, by: ast.TableBy) -> list[tuple[ir.Expr, Type]] | None:
        from tierlang.passes.lower import _Fail, _Scope

        out = []
        for k in by.keys:
            if isinstance(k, ast.Name) and len(k.parts) == 1 and isinstance(self.lw.globals.get(k.parts[0]), ast.TrackDecl):
                track = k.parts[0]
                levels = self.lw.track_levels[track]
                out.append((ir.LevelOf(track, k.span), Type(Kind.ENUM, values=levels, ordered=True)))
                continue
            try:
                expr, t = self.lw.expr(k, _Scope(where=f"table '{self.d.name}'"))
            except _Fail:
                self.ok = False
                return None
            if t.kind not in KEY_KINDS:
                self.err(
                    "TL205",
                    f"table '{self.d.name}' cannot be looked up by {_describe(t)}: a key is a number, an enum value or a track (its level)",
                    k.span,
                )
                return None
            if any(isinstance(n, ir.Lookup) for n in ir.walk(expr)):
                self.err(
                    "TL205", f"a key of table '{self.d.name}' reads another table", k.span, hint="give the inner value a name of its own"
                )
                return None
            out.append((expr, t))
        return out

    # -------------------------------------------------------------- bands
    def bands(self, items: list[ast.BandExpr], key: ir.Expr, t: Type, axis: str) -> tuple[ir.Band, ...] | None:
        if t.kind is Kind.ENUM:
            return self.named_bands(items, key, t, axis)
        out: list[ir.Band] = []
        for b in items:
            if b.kind == "else":
                out.append(ir.Band(otherwise=True, span=b.span))
                continue
            if b.kind in ("name", "none"):
                self.err(
                    "TL234",
                    f"'{_band_source(b)}' is a name, but the {axis}s of table '{self.d.name}' are numbers of {_shown_ir(key)}",
                    b.span,
                    hint="write a range: `10..<20`, `..<10`, `200..`",
                )
                continue
            low, low_param = self.bound(b.low, t)
            high, high_param = self.bound(b.high, t)
            band = ir.Band(low, high, b.kind == "through", low_param=low_param, high_param=high_param, span=b.span)
            if low is not None and high is not None and (low > high or (low == high and b.kind == "below")):
                self.err("TL234", f"the {axis} '{_band_source(b)}' of table '{self.d.name}' holds no value", b.span)
                continue
            out.append(band)
        if not self.ok:
            return None
        self.check_numeric(out, key, t, axis)
        return tuple(out) if self.ok else None

    def bound(self, n: ast.Num | ast.Name | None, t: Type) -> tuple[Fraction | None, str | None]:
        """A band's end: (its value, the parameter it came from)."""
        if n is None:
            return None, None
        if isinstance(n, ast.Name):
            c = self.cell(n, t, "a band of")
            return (c.value, c.param) if self.ok else (None, None)  # type: ignore[return-value]
        if n.currency is not None and (t.kind is not Kind.MONEY or n.currency != t.currency):
            self.err("TL203", f"a band of table '{self.d.name}' is in {n.currency}, but its key is {_describe(t)}", n.span)
            return None, None
        return n.value, None

    def check_numeric(self, bands: list[ir.Band], key: ir.Expr, t: Type, axis: str) -> None:
        """Ascending, touching, not overlapping, covering the key's range (see module doc)."""
        name = self.d.name
        whole = t.kind is Kind.COUNT
        ranges = [b for b in bands if not b.otherwise]
        others = [b for b in bands if b.otherwise]
        if len(others) > 1 or (others and bands[-1] is not others[0]):
            self.err("TL234", f"`else` comes once, as the last {axis} of table '{name}'", others[-1].span)
            return
        for a, b in zip(ranges, ranges[1:]):
            if a.low is not None and (b.low is None or b.low < a.low):
                self.err(
                    "TL234",
                    f"the {axis}s of table '{name}' go from the lowest band up: '{_ir_band(b)}' comes before '{_ir_band(a)}'",
                    b.span,
                )
                return
        lo, hi = bounds(key, self.lw.derived)
        if t.kind is Kind.COUNT and lo is None and isinstance(key, ir.MetricRef):
            lo = Fraction(0)
        covered = bool(others)
        for a, b in zip(ranges, ranges[1:]):
            if a.high is None or b.low is None:
                self.err("TL234", f"'{_ir_band(a)}' and '{_ir_band(b)}' of table '{name}' overlap", b.span, hint=_touch_hint(a, b))
                return
            if a.high > b.low or (a.high == b.low and a.high_included):
                at = f"{_num(b.low)} is in both" if a.high == b.low else "they overlap"
                self.err(
                    "TL234",
                    f"the {axis}s '{_ir_band(a)}' and '{_ir_band(b)}' of table '{name}' contradict: {at}",
                    b.span,
                    hint=_touch_hint(a, b),
                )
                return
            if a.high < b.low:
                if whole and _whole_gap_empty(a, b):
                    continue
                if covered:
                    continue
                gap = (
                    f"values above {_num(a.high)} and below {_num(b.low)}"
                    if a.high_included
                    else f"values from {_num(a.high)} up to {_num(b.low)}"
                )
                self.err(
                    "TL234",
                    f"table '{name}' has a gap between its {axis}s '{_ir_band(a)}' and '{_ir_band(b)}': {gap} match no {axis}",
                    b.span,
                    hint=_touch_hint(a, b),
                )
                return
        if covered or not ranges:
            if not ranges and not covered:
                self.err("TL234", f"table '{name}' has no {axis}s", self.d.span)
            return
        first, last = ranges[0], ranges[-1]
        if first.low is not None and (lo is None or lo < first.low):
            below = "values below" if lo is None else f"values from {_num(lo)} up to"
            self.err(
                "TL234",
                f"{below} {_num(first.low)} match no {axis} of table '{name}'",
                first.span,
                hint=f"start the first {axis} at {_num(lo)} or leave it open: `..<{_num(first.high) if first.high is not None else ''}`"
                if lo is not None
                else "leave the first band open below (`..<10`) or add `else`",
            )
            return
        if last.high is not None and (hi is None or hi > last.high or (hi == last.high and not last.high_included)):
            self.err(
                "TL234",
                f"values {'from' if not last.high_included else 'above'} {_num(last.high)} match no {axis} of table '{name}'",
                last.span,
                hint="leave the last band open above (`200..`) or add `else`",
            )

    def named_bands(self, items: list[ast.BandExpr], key: ir.Expr, t: Type, axis: str) -> tuple[ir.Band, ...] | None:
        name = self.d.name
        level = isinstance(key, ir.LevelOf)
        what = f"level of track '{key.track}'" if isinstance(key, ir.LevelOf) else f"value of {_describe(t)}"
        values: list[str | None] = list(t.values) + ([None] if level else [])
        seen: dict[str | None, ast.BandExpr] = {}
        out: list[ir.Band] = []
        for b in items:
            if b.kind == "else":
                out.append(ir.Band(otherwise=True, span=b.span))
                continue
            if b.kind in ("through", "below"):
                self.err("TL234", f"'{_band_source(b)}' is a range, but the {axis}s of table '{name}' are {what}s", b.span)
                continue
            value = None if b.kind == "none" else b.name
            if b.kind == "none" and not level:
                self.err("TL234", f"`none` is for a track's level; the {axis}s of table '{name}' are {what}s", b.span)
                continue
            if value not in values:
                self.err("TL218", f"'{value}' is not a {what}", b.span, hint=did_you_mean(value or "", [v for v in values if v]))
                continue
            if value in seen:
                self.err("TL234", f"'{_band_source(b)}' is a {axis} of table '{name}' twice", b.span)
                continue
            seen[value] = b
            out.append(ir.Band(names=(value,), span=b.span))
        others = [b for b in out if b.otherwise]
        if len(others) > 1 or (others and out[-1] is not others[0]):
            self.err("TL234", f"`else` comes once, as the last {axis} of table '{name}'", others[-1].span)
        missing = [v for v in values if v not in seen]
        if missing and not others and self.ok:
            shown = ", ".join(v if v is not None else "none" for v in missing)
            self.err(
                "TL234",
                f"table '{name}' has no {axis} for {shown}",
                self.d.span,
                hint=f"add {plural(len(missing), 'it', 'them')}, or an `else` {axis}",
            )
        return tuple(out) if self.ok else None

    # -------------------------------------------------------------- cells
    def cell(self, c: ast.Num | ast.Name, t: Type, what: str = "a cell of") -> ir.Const:
        if isinstance(c, ast.Name):
            name = c.parts[0]
            p = self.lw.params.get(name)
            if p is None:
                decl = self.lw.globals.get(name)
                if decl is None:
                    params = [k for k, v in self.lw.globals.items() if isinstance(v, ast.ParamDecl)]
                    self.err("TL200", f"unknown parameter '{name}' in table '{self.d.name}'", c.span, hint=did_you_mean(name, params))
                elif not isinstance(decl, ast.ParamDecl):
                    self.err("TL205", f"a table's cells are numbers or parameters; '{name}' is a {ast.DECL_KEYWORD[type(decl)]}", c.span)
                else:
                    self.ok = False  # the parameter has its own errors
                return ir.Const(Fraction(0), t)
            value = p.value
            if not isinstance(value, Fraction) or isinstance(value, bool) or not _fits(p.type, t):
                held = "holds" if what == "a cell of" else "is looked up by"
                self.err("TL202", f"parameter '{name}' is {_describe(p.type)}, but table '{self.d.name}' {held} {_describe(t)}", c.span)
                return ir.Const(Fraction(0), t)
            if t.kind is Kind.COUNT and value.denominator != 1 and what == "a cell of":
                self.err("TL202", f"table '{self.d.name}' holds counts, but parameter '{name}' is {exact_text(value)}", c.span)
            return ir.Const(value, t, param=name, span=c.span)
        value = self.lw.literal(c, t, f"{what} table '{self.d.name}'")
        if value is None:
            self.ok = False
            return ir.Const(Fraction(0), t)
        return ir.Const(value, t, span=c.span)


def _fits(p: Type, t: Type) -> bool:
    """Can a parameter of type `p` be a cell of a table of type `t`? (A plain number takes
    the table's unit, as a constant does next to money.)"""
    if t.kind is Kind.MONEY:
        return (p.kind is Kind.MONEY and p.currency == t.currency) or p.kind is Kind.NUMBER
    return p.kind is not Kind.MONEY


def _whole_gap_empty(a: ir.Band, b: ir.Band) -> bool:
    """No whole number lies between the end of `a` and the start of `b`."""
    assert a.high is not None and b.low is not None
    first = math.floor(a.high) + 1 if a.high_included else math.ceil(a.high)
    return first >= b.low


def _touch_hint(a: ir.Band, b: ir.Band) -> str:
    if b.low is None:
        return "give each band its own values"
    low_a = _num(a.low) if a.low is not None else ""
    return f"make the bands touch: `{low_a}..<{_num(b.low)}` then `{_num(b.low)}..`"


def _num(x: Fraction | None) -> str:
    return "" if x is None else exact_text(x)


def _ir_band(b: ir.Band) -> str:
    low = _num(b.low)
    high = _num(b.high)
    return f"{low}{'..' if b.high_included or b.high is None else '..<'}{high}"


def _band_source(b: ast.BandExpr) -> str:
    if b.kind in ("through", "below"):
        low = _bound_source(b.low)
        high = _bound_source(b.high)
        return f"{low}{'..' if b.kind == 'through' else '..<'}{high}"
    return b.name if b.kind == "name" else b.kind  # type: ignore[return-value]


def _bound_source(n: ast.Num | ast.Name | None) -> str:
    return "" if n is None else str(n) if isinstance(n, ast.Name) else n.text


def _shown(k: ast.Expr) -> str:
    return str(k) if isinstance(k, ast.Name) else "the key"


def _shown_ir(k: ir.Expr) -> str:
    from tierlang.render.source import expr_text

    return expr_text(k)


def _describe(t: Type) -> str:
    from tierlang.passes.lower import _describe_type

    return _describe_type(t)
