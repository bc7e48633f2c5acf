"""Lowering of tracks per row of a related table (TL27x), and of the rules that roll them up.

`track country_tier per country of countries where ... { level gold { require ... } }` is a
track evaluated once per row of a table keyed by `country`: its levels are row conditions.
Nothing downstream evaluates such a track. Each roll-up a rule writes becomes an ordinary
records metric counting the rows at a level, and the rule a comparison with it:

- `at least 2 of country_tier at platinum` → `country_tier at platinum >= 2`, where the
  records metric `country_tier at platinum` is `count distinct country of countries where
  <the track's where> and <the row holds platinum or higher>`;
- `at exactly gold`: the rows that hold gold and not platinum;
- `track global = highest country_tier`: a track with the same levels, each held when at
  least one row holds it (`country_tier at L >= 1`).

So the records stage (reference and polars), the engines, explain, diff and monotonicity
see nothing new; `Program.row_tracks` keeps the track itself for explain ("which country
gave the level"), the guide and editors.
"""

from __future__ import annotations

from fractions import Fraction

from tierlang import ir
from tierlang.diagnostics import Note, did_you_mean
from tierlang.ir import Kind, Type
from tierlang.numbers import plural_noun
from tierlang.syntax import ast

__all__ = ["RowTracksLowering", "at_least_condition", "rollup_name", "rollup_names", "rollup_of"]

COUNT = Type(Kind.COUNT)
BOOL = Type(Kind.BOOL)
TRUE = ir.Const(True, BOOL)


def _all(items: list[ir.Expr]) -> ir.Expr:
    items = [y for x in items for y in (x.items if isinstance(x, ir.And) else (x,)) if not (isinstance(y, ir.Const) and y.value is True)]
    if not items:
        return TRUE
    return items[0] if len(items) == 1 else ir.And(tuple(items))


def _any(items: list[ir.Expr]) -> ir.Expr:
    return items[0] if len(items) == 1 else ir.Or(tuple(items))


def _holds(levels: tuple[ir.Level, ...], i: int) -> ir.Expr:
    """The row condition of level i's own requirements, with those of the levels below it
    that it includes (cumulative levels)."""
    conds: list[ir.Expr] = []
    while True:
        conds[:0] = [r.expr for r in levels[i].requirements]
        if not levels[i].cumulative or i == 0:
            return _all(conds)
        i -= 1


def rollup_name(track: str, level: str, exact: bool = False) -> str:
    """The name of the records metric counting a track's rows at a level (or higher)."""
    return f"{track} at {'exactly ' if exact else ''}{level}"


def rollup_names(program: ir.Program) -> set[str]:
    """The records metrics that roll up the program's tracks per row."""
    return {rollup_name(rt.name, lv.name, exact) for rt in program.row_tracks for lv in rt.levels for exact in (False, True)}


def rollup_of(program: ir.Program, name: str) -> tuple[ir.RowTrack, str, bool] | None:
    """The track per row, level and exactness a roll-up metric counts (None: not a roll-up)."""
    for rt in program.row_tracks:
        for lv in rt.levels:
            for exact in (False, True):
                if rollup_name(rt.name, lv.name, exact) == name:
                    return rt, lv.name, exact
    return None


def at_least_condition(rt: ir.RowTrack, level: str) -> ir.Expr:
    """The row condition "this row holds `level` or higher", by the track's own rule (the
    highest level whose requirements hold; a requirement on an empty value does not)."""
    i = [lv.name for lv in rt.levels].index(level)
    # a cumulative level above i holds only where level i does: it adds nothing to the `or`
    return _any([_holds(rt.levels, j) for j in range(i, len(rt.levels)) if j == i or not rt.levels[j].cumulative])


class RowTracksLowering:
    """Methods of the lowering pass for tracks per row (see the module docstring)."""

    def lower_row_tracks(self) -> list[ir.RowTrack]:
        self.row_tracks: dict[str, ir.RowTrack] = {}
        self.rollups: dict[str, ir.Metric] = {}
        for d in self.merged.items:
            if isinstance(d, ast.RowTrackDecl):
                rt = self._row_track(d)
                if rt is not None:
                    self.row_tracks[d.name] = rt
        return list(self.row_tracks.values())

    def _row_track(self, d: ast.RowTrackDecl) -> ir.RowTrack | None:
        a = self.attrs([i for i in d.items if isinstance(i, ast.Attr)], "track")
        table = self.related_tables.get(d.table)
        if table is None:
            tables = [x.name for x in self.merged.items if isinstance(x, ast.RelatedTableDecl)]
            if d.table not in tables:
                self.err(
                    "TL200",
                    f"unknown table '{d.table}'",
                    d.table_span or d.span,
                    hint=did_you_mean(d.table, tables) or "declare it: `table NAME { column ...  key ... }`",
                )
            return None
        column = table.column(d.column)
        if column is None:
            self.err(
                "TL200",
                f"table '{table.name}' has no column '{d.column}'",
                d.span,
                hint=did_you_mean(d.column, [c.name for c in table.columns]),
            )
            return None
        if table.key != (d.column,):
            self.err(
                "TL274",
                f"track '{d.name}' is evaluated once per {d.column}, so table '{table.name}' needs one row per partner and {d.column}",
                d.span,
                notes=(Note(f"table '{table.name}' is declared here", table.span),),
                hint=f"declare `key {d.column}` in table '{table.name}' (a repeated {d.column} is then a data error)",
            )
            return None
        if column.optional:
            self.err("TL274", f"column '{d.column}' names the rows of track '{d.name}': it may not be empty", column.span)
            return None
        where = None
        ok = True
        if d.where is not None:
            try:
                where = self.condition(d.where, self.row_scope(table.name, f"track '{d.name}'"))
            except self.Fail:
                ok = False
        levels: list[ir.Level] = []
        seen: dict[str, ast.LevelDecl] = {}
        scope = self.row_scope(table.name, f"track '{d.name}'")
        for lv in (i for i in d.items if isinstance(i, ast.LevelDecl)):
            if lv.name in seen:
                self.err("TL201", f"level '{lv.name}' is declared twice", lv.span, notes=(Note("first declared here", seen[lv.name].span),))
                ok = False
                continue
            seen[lv.name] = lv
            level = self.lower_level(lv, scope)
            if level is None:
                ok = False
            else:
                levels.append(level)
        if not seen:
            self.err("TL230", f"track '{d.name}' has no levels", d.span, hint="add `level NAME { require ... }`")
            return None
        if not ok:
            return None
        return ir.RowTrack(d.name, table.name, d.column, tuple(levels), where, d.title, self.text(a, "doc"), self.text(a, "source"), d.span)

    # -------------------------------------------------------------- roll-ups
    def rollup(self, name: str, level: str | None, n: int | None, param: str | None, exact: bool, span) -> ir.Expr:
        """`at least N of ROWS at LEVEL` as a comparison with a records metric."""
        decl = self.globals[name]
        rt = self.row_tracks.get(name)
        if n is None:
            self.err(
                "TL274",
                f"'all of {name}' is not available for a track per {decl.column}: count the rows at a level",
                span,
                hint=f"e.g. `at least 2 of {name} at {decl_level(decl) or 'LEVEL'}`",
            )
            raise self.Fail
        if level is None:
            self.err(
                "TL274",
                f"'{name}' is evaluated per {decl.column}: say at which level the rows count",
                span,
                hint=f"e.g. `at least {n} of {name} at {decl_level(decl) or 'LEVEL'}`",
            )
            raise self.Fail
        if rt is None:
            raise self.Fail  # the track has errors of its own
        if level not in [lv.name for lv in rt.levels]:
            names = [lv.name for lv in rt.levels]
            self.err(
                "TL212", f"track '{name}' has no level '{level}'", span, hint=did_you_mean(level, names) or f"levels: {', '.join(names)}"
            )
            raise self.Fail
        metric = self.rollup_metric(rt, level, exact)
        return ir.Compare(">=", ir.MetricRef(metric.name, span), ir.Const(Fraction(n), COUNT, param=param, span=span), span)

    def rollup_metric(self, rt: ir.RowTrack, level: str, exact: bool = False) -> ir.Metric:
        """The records metric counting the rows of `rt` at `level` (or higher)."""
        name = rollup_name(rt.name, level, exact)
        if name in self.rollups:
            return self.rollups[name]
        expr: ir.Expr = self._count_at(rt, level)
        names = [lv.name for lv in rt.levels]
        if exact and level != names[-1]:
            # the rows at `level` or higher, less those higher: a row whose higher level
            # cannot be decided (an empty value) holds `level` exactly, as the track's rule says
            expr = ir.Arith("-", expr, self._count_at(rt, names[names.index(level) + 1]), rt.span)
        title = rt.title or rt.name
        lv = next(x for x in rt.levels if x.name == level)
        what = (lv.title or level.replace("_", " ").capitalize()) + ("" if exact else " or higher")
        m = ir.Metric(
            name=name,
            type=COUNT,
            title=f"{plural_noun(rt.column.replace('_', ' ')).capitalize()} at {what} ({title})",
            minimum=Fraction(0),
            records=expr,
            span=rt.span,
        )
        self.rollups[name] = m
        self.metric_types[name] = COUNT
        return m

    def _count_at(self, rt: ir.RowTrack, level: str) -> ir.Aggregate:
        cond = at_least_condition(rt, level)
        where = cond if rt.where is None else _all([rt.where, cond])
        return ir.Aggregate("count_distinct", rt.table, rt.column, None if where is TRUE else where, span=rt.span)

    def highest_levels(self, d: ast.TrackDecl) -> list[ir.Level] | None:
        """The levels of `track NAME = highest ROWS`: each held when some row holds it."""
        name = d.highest.parts[0]  # type: ignore[union-attr]
        if not isinstance(self.globals.get(name), ast.RowTrackDecl):
            rows = [k for k, v in self.globals.items() if isinstance(v, ast.RowTrackDecl)]
            self.err(
                "TL200",
                f"'{name}' is not a track per row of a table",
                d.highest.span,  # type: ignore[union-attr]
                hint=did_you_mean(name, rows) or "`= highest NAME` takes a track declared `track NAME per COLUMN of TABLE { ... }`",
            )
            return None
        for i in d.items:
            if not isinstance(i, ast.Attr):
                self.err("TL230", f"track '{d.name}' takes its levels from '{name}': it has no levels or scores of its own", i.span)
                return None
        rt = self.row_tracks.get(name)
        if rt is None:
            return None
        out = []
        for lv in rt.levels:
            metric = self.rollup_metric(rt, lv.name)
            cond = ir.Compare(">=", ir.MetricRef(metric.name, d.span), ir.Const(Fraction(1), COUNT, span=d.span), d.span)
            out.append(ir.Level(lv.name, (ir.Requirement(cond, None, d.span),), True, lv.title, None, None, d.span))
        return out

    def row_track_misuse(self, name: str, span, how: str) -> None:
        decl = self.globals[name]
        level = decl_level(decl) or "LEVEL"
        self.err(
            "TL274",
            f"track '{name}' has a level per {decl.column} (a row of {decl.table}), not one level: {how}",
            span,
            hint=f"count its rows at a level: `at least 1 of {name} at {level}`, or `track NAME = highest {name}`",
        )


def decl_level(decl: ast.RowTrackDecl) -> str | None:
    """The name of the track's top level, for hints."""
    levels = [i.name for i in decl.items if isinstance(i, ast.LevelDecl)]
    return levels[-1] if levels else None
