"""A program as one SQL query: the exact compiler's columns laid out as named CTEs.

    WITH
      partners_read, partners_counted, partners_checked   -- the table read exactly (inputs.py)
      "gate azure_architect_gate", "data_ai pcs", "data_ai", ...   -- one CTE per group of columns
      results                                              -- level and score text per track
    SELECT partner_id, track, level, score FROM results CROSS JOIN (VALUES (0, 'data_ai'), ...)

The compiler's columns come in dependency order, each tagged with what it belongs to (a score,
a gate, a track: `exact.Column.group`). Consecutive columns of one group share a CTE unless a
column reads another of the same CTE (SQL cannot read a column defined in the same SELECT), so
CTEs are named after scores and tracks and each projection carries a comment with the rule's
source line. Each CTE reads the one before: the planners of DuckDB, PostgreSQL and Spark
inline such chains (each CTE is read once). Spark's CTEs select `*` from the one before;
DuckDB's and PostgreSQL's name the columns read after them (`_pruned`, `Dialect.prune`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from tierlang import ir
from tierlang.data import PID
from tierlang.engine.exact import DECIMALS, NARROW, NoInt64, Plan, compile_exact
from tierlang.engine.sql.backend import SqlBackend, and_all, cast, col, decimal_value, floor_div, literal_only, num, or_any, paren, string
from tierlang.engine.sql.dialects import Dialect
from tierlang.engine.sql.dialects import dialect as get_dialect
from tierlang.engine.sql.inputs import (
    DEFAULT_DECIMALS,
    raw_inputs,
    related_inputs,
    related_scales,
    scales_for,
    table_name,
    typed_inputs,
)
from tierlang.engine.sql.records import NotCompiled, RecordsSql, records_ctes, records_tables
from tierlang.passes.constraints import constraint_metrics
from tierlang.passes.undecided import undecided_tracks
from tierlang.records.frames import den_column

__all__ = ["SqlQuery", "compile_sql", "records_query", "Unsupported", "used_metrics"]

_RESERVED = {PID, "__row__", "__copies__", "__fallback__", "track", "level", "score", "n"}


class Unsupported(Exception):
    """The program cannot be compiled exactly for this dialect (the message says why)."""


@dataclass
class SqlQuery:
    """A compiled query: the sqlglot tree, the plan it lays out, and how to print it."""

    program: ir.Program
    dialect: Dialect
    tree: exp.Expression
    plan: Plan
    header: list[str] = field(default_factory=list)
    records: RecordsSql | None = None  # the records stage, for a program that has one

    def sql(self, pretty: bool = True) -> str:
        """The query as text in its dialect, with a comment header naming the program."""
        body = self.tree.sql(self.dialect.sqlglot, pretty=pretty)
        head = "".join(f"-- {_comment_text(line)}\n" for line in self.header)
        return head + body + ";\n"


def _comment_text(text: str) -> str:
    """Text safe inside a SQL comment: no line breaks or control characters (which would end
    a `--` comment early) and no `*/`."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", text).replace("*/", "* /")


class _Names(dict):
    """Compiler column names → readable, unique SQL column names (filled as asked)."""

    def __init__(self, taken: set[str]) -> None:
        super().__init__()
        self.taken = set(taken)

    def __missing__(self, name: str) -> str:
        if name.startswith("req:"):
            _, track, variant, level, i = name.split(":")
            base = "_".join(x for x in ("req", track, None if variant == "-" else variant, level, str(int(i) + 1)) if x)
        else:
            base = re.sub(r"^__t\d+__", "", name)
            base = re.sub(r"_+", "_", base).strip("_") or "value"
        out, k = base, 1
        while out in self.taken:
            k += 1
            out = f"{base}_{k}"
        self.taken.add(out)
        self[name] = out
        return out

    def get(self, name, default=None):
        return self[name]


def compile_sql(
    program: ir.Program,
    dialect: str | Dialect = "duckdb",
    *,
    table: str = "partners",
    scales: dict[str, int] | None = None,
    magnitudes: dict[str, int] | None = None,
    decimals: int = DEFAULT_DECIMALS,
    output: str = "long",
    detail: bool = False,
    keep: tuple[str, ...] = (),
    view: str | None = None,
    places: dict[str, int] | None = None,
    absent: frozenset[str] = frozenset(),
    tracks: tuple[str, ...] | None = None,
    tables: dict[str, str] | None = None,
    absent_tables: frozenset[str] = frozenset(),
    check_ranges: bool = True,
    as_of_column: str | None = None,
    wide: bool = False,
) -> SqlQuery:
    """Compile `program` to one query in `dialect`.

    Without `scales`, the query reads `table` raw: any column types, converted and checked in
    SQL (see `inputs`), decimal metrics at `decimals` places (`places` overrides this per
    metric: a database column's declared scale; `absent` names optional metrics whose column
    the table lacks, read as their defaults). With `scales` (and optionally
    `magnitudes`, as for the polars engine), `table` holds columns already validated by
    tierlang's loader and scaled as `scales` says, named after the metrics.

    `output="long"` returns the `tier eval` contract: partner_id, track, level, score (score
    as the dialect's DECIMAL(38, 6), the value `tier eval` writes), for the `tracks` named (default:
    every track not marked `internal`). `output="plan"` returns
    what the polars engine's `Compiled.plan` returns (`keep` columns, partner_id,
    `__fallback__`, `L:`/`V:`/`S:` per track, requirement columns with `detail`), for the
    engines to read back. `view` wraps the query as `CREATE OR REPLACE VIEW view AS ...`.
    `check_ranges=False` leaves the records metrics' declared ranges to the caller (who
    keeps the metrics' columns to check them).
    `as_of_column` (validated tables only) names a date column of `table` that the rules read
    as their evaluation date, row by row (a history: each row's month); it is kept in the output.
    A raw query of a dialect with `Dialect.narrow_raw` (DuckDB, no records metrics) reads
    numbers as 64-bit integers (a value beyond them stops the query with TL412) and computes
    wholly in them when every column's limit for that is wide enough (`_narrow_plan`), else
    in the wide type only the sums and products that could leave 64 bits; `wide` reads them
    in the wide type.

    Raises `Unsupported` when the program's constants overflow the dialect's widest type."""
    d = dialect if isinstance(dialect, Dialect) else get_dialect(dialect)
    raw = scales is None
    if program.record_metrics and not raw:
        raise Unsupported(f"{program.name} computes metrics from related tables: its query reads them raw (tier compile --emit sql)")
    if as_of_column is not None:
        if raw:
            raise ValueError("as_of_column needs validated tables (scales)")
        keep = (*keep, as_of_column)
    if raw:
        scales = scales_for(program, decimals, places)
    from_records = {m.name for m in program.record_metrics}  # computed in the query, not read
    metrics = [m for m in used_metrics(program) if m.name not in from_records]
    names = _Names(_RESERVED | {m.name for m in program.metrics})
    kinds = [(d.wide, d.wide_limit)] if raw else [(d.narrow, NARROW), (d.wide, d.wide_limit)]
    # the raw query reads numbers as the dialect's 64-bit type and widens only the arithmetic
    # that could leave it (`Backend.input_limit`)
    narrow_inputs = raw and d.narrow_raw and not wide and not program.record_metrics
    ctes: list[tuple[str, exp.Select, str | None]] = []
    denominators: dict[str, str] = {}
    rec: RecordsSql | None = None
    if program.record_metrics:
        rec = _records(program, d, d.wide, tables or {}, absent_tables, decimals, places or {}, check_ranges)
        scales = {**scales, **rec.scales}  # type: ignore[dict-item]
        denominators = {m: den_column(m) for m in rec.ratios}
    # the raw query's one type is the widest: what is proven small is computed in 64 bits
    backends = [
        (SqlBackend(d, itype, names, as_of_column, narrow=raw, narrow_inputs=narrow_inputs), itype, limit) for itype, limit in kinds
    ]
    if not d.booleans and any(isinstance(n, ir.Undecided) for n in ir.walk(program)):
        raise Unsupported(f"{program.name} has requirements no data decides; {d.name} has no Boolean values to carry 'undecided'")
    try:
        # The query returns the contract's four columns; outputs are tier eval's (see header).
        # the engines' plan carries the outputs (tier eval writes them); the long query the four columns
        narrowed = _narrow_plan(program, d, scales, names, denominators, output == "plan") if narrow_inputs else None  # type: ignore[arg-type]
        if narrowed is not None:
            backend, plan = narrowed
        else:
            plan = compile_exact(
                program,
                scales,  # type: ignore[arg-type]
                backends,  # type: ignore[arg-type]
                magnitudes if not raw else None,
                outputs=output == "plan",
                denominators=denominators,
            )
            (backend,) = [b for b, t, _ in backends if t == plan.itype]
    except NoInt64 as e:
        raise Unsupported(f"{program.name} cannot be evaluated exactly in {d.name}: {e}") from None
    itype = plan.itype
    if raw:
        # the raw query checks the input constraints too (the loader does for the typed one)
        read = {m.name for m in metrics} | {n for c in program.constraints for n in constraint_metrics(program, c)}
        metrics = [m for m in program.input_metrics if m.name in read]
        limits = {c: plan.column_limits[c] for c in plan.checks}
        if narrow_inputs:  # read as 64-bit integers, each within them (a limit beyond them checks nothing)
            limits = {c: lim for c, lim in limits.items() if lim < 2**63 - 1}
        ctes += raw_inputs(program, table, d.narrow if narrow_inputs else itype, d, scales, metrics, limits, absent)  # type: ignore[arg-type]
        fallback: exp.Expression = exp.Boolean(this=False)
        if rec is not None:
            ctes += rec.ctes
    else:
        limits = {c: plan.column_limits[c] for c in plan.checks}
        # the loader has validated every column: only those the plan reads are cast
        typed = typed_inputs(program, table, itype, d, [m for m in metrics if m.name in backend.read], keep, limits)
        ctes.append(("partners_typed", typed, f"{table}: validated by tierlang; values beyond the working type's reach flagged"))
        fallback = col("__fallback__")
    start = len(ctes)
    ctes += _column_ctes(plan, names, ctes[-1][0], d)
    last = ctes[-1][0]
    if output == "plan":
        query = _plan_output(plan, names, last, fallback, detail, keep, d)
    elif output == "long":
        ctes += _score_ctes(program, plan, names, last, d, backend.widened)
        possible = frozenset(n for n, tc in plan.tracks.items() if tc.possible is not None)
        query = _long_output(program, d, undecided_tracks(program), possible, tracks)
    else:
        raise ValueError(f"output must be 'long' or 'plan', not {output!r}")
    if d.fuse:
        ctes, query = _fused(ctes, start, query)
    keep_once = _fences(ctes) if d.materialize else set()
    if d.prune:
        # a caller that leaves the records metrics' ranges to itself selects them afterwards
        later = set() if rec is None or check_ranges else {c for m in rec.scales for c in (m, den_column(m))}
        ctes = _pruned(ctes, query, later)
    query.set("with_", exp.With(expressions=[_cte(name, q, comment, name in keep_once) for name, q, comment in ctes]))
    tree: exp.Expression = query
    if view is not None:
        tree = exp.Create(this=table_name(view), kind="VIEW", expression=query, replace=True)
    undecided = bool(undecided_tracks(program))
    header = [
        f"{program.name} {program.version or ''} (sha256:{program.content_hash[:12]}) compiled by tierlang for {d.name}".replace("  ", " "),
        f"reads the table {table}; returns partner_id, track, level, score{', undecided' if undecided else ''} (one row per partner and track)"
        if output == "long"
        else f"reads the table {table}",
    ]
    if program.record_metrics:
        read = ", ".join((tables or {}).get(t, t) for t in records_tables(program) if t not in absent_tables)
        header.append(
            f"and its related tables {read}: the records metrics are computed as of {program.as_of} "
            "(months before that date's month; compile again for another date)"
        )
    if raw:
        header.append(f"decimal columns are read exactly with up to {decimals} decimal places; a bad value stops the query with an error")
    outputs = [f"{t.name}.{o.name}" for t in program.tracks for o in t.outputs]
    if outputs:
        header.append(f"not in this query: the program's outputs ({', '.join(outputs)}); tier eval writes them")
    if undecided and output == "long":
        header.append(
            "level is the level held for certain; undecided names a higher level that no data decides (requirements unknown, discretionary or by invitation)"
        )
    return SqlQuery(program, d, tree, plan, header, rec)


def records_query(
    program: ir.Program,
    dialect: str | Dialect = "duckdb",
    *,
    table: str = "partners",
    tables: dict[str, str] | None = None,
    absent_tables: frozenset[str] = frozenset(),
    decimals: int = DEFAULT_DECIMALS,
    places: dict[str, int] | None = None,
) -> tuple[str, RecordsSql]:
    """The records stage alone as one query: partner_id and each records metric (a number
    as its integer over `RecordsSql.scales[m]`, a ratio over its `den_column(m)` too), read
    from the raw tables as `compile_sql` reads them. For tests and for looking at the
    metrics in a database."""
    d = dialect if isinstance(dialect, Dialect) else get_dialect(dialect)
    rec = _records(program, d, d.wide, tables or {}, absent_tables, decimals, places or {})
    ctes = raw_inputs(program, table, d.wide, d, {}, [], {}) + rec.ctes
    out: list[exp.Expression] = [col(PID)]
    for m in program.record_metrics:
        out.append(col(m.name))
        if m.name in rec.ratios:
            out.append(col(den_column(m.name)))
    query = exp.select(*out).from_(exp.to_table(rec.last, quoted=True))
    query.set("with_", exp.With(expressions=[_cte(name, q, comment) for name, q, comment in ctes]))
    return query.sql(d.sqlglot), rec


def _records(
    program: ir.Program,
    d: Dialect,
    itype: str,
    tables: dict[str, str],
    absent: frozenset[str],
    decimals: int,
    places: dict[str, int],
    check_ranges: bool = True,
) -> RecordsSql:
    """The records stage's CTEs for a raw query: each related table read (`tables` maps a
    table to its SQL name; tables in `absent` are read as empty), then the aggregates."""
    rows: list[tuple[str, exp.Select, str | None]] = []
    sources: dict[str, tuple[str, dict[str, int]]] = {}
    for name in records_tables(program):
        if name in absent:
            continue
        t = program.related_table_map[name]
        own = {k.split(".", 1)[1]: p for k, p in places.items() if k.startswith(name + ".")}  # a column's declared scale
        scales = related_scales(t, decimals, own)
        query, comment = related_inputs(t, tables.get(name, name), itype, d, scales, "partners_checked")
        rows.append((f"rows_{name}", query, comment))
        sources[name] = (f"rows_{name}", scales)
    try:
        rec = records_ctes(program, d, itype, "partners_checked", sources, check_ranges)
    except NotCompiled as e:
        raise Unsupported(
            f"{program.name} cannot be compiled to SQL: {e}; evaluate it with `tier eval PROGRAM FOLDER --as-of DATE`"
        ) from None
    rec.ctes[:0] = rows
    return rec


#: The most expression nodes a column may grow to when a planner substitutes the columns it
#: reads by their definitions, and the longest run of CTEs pulled up into one (`_fences`).
INLINE_LIMIT = 100
CHAIN_LIMIT = 16


def _fences(ctes: list[tuple[str, exp.Select, str | None]]) -> set[str]:
    """The CTEs to mark MATERIALIZED where the planner inlines CTEs (PostgreSQL).

    PostgreSQL pulls a CTE read once up into its reader, replacing each column reference by
    the column's expression: a column read three times by the next CTE is copied three times,
    and along a chain of CTEs the copies multiply. Planning then takes minutes and gigabytes
    for a ten-row table, and each copy is computed again per row. A MATERIALIZED CTE is a
    fence: its readers see plain values. This follows the substitution CTE by CTE (the size
    each column would reach inlined) and fences the CTE before one whose columns would grow
    past `INLINE_LIMIT` nodes. Long runs of CTEs cost planning time even without copies (each
    level carries every column before it): at least every `CHAIN_LIMIT`th CTE is fenced. The
    read inputs and the last CTE are always fenced."""
    fenced = {"partners_checked", ctes[-1][0]}
    size: dict[str, int] = {}
    run = 0

    def grown(query: exp.Select) -> dict[str, int]:
        out = {}
        for p in query.expressions:
            if isinstance(p, exp.Alias):
                out[p.alias] = sum(size.get(n.name, 1) if isinstance(n, exp.Column) else 1 for n in p.this.walk())
        return out

    for i, (name, query, _) in enumerate(ctes):
        sizes = grown(query)
        if sizes and max(sizes.values()) > INLINE_LIMIT and i > 0 and run > 0:
            fenced.add(ctes[i - 1][0])
            size.clear()
            sizes = grown(query)
            run = 0
        size.update(sizes)
        run += 1
        if run >= CHAIN_LIMIT:
            fenced.add(name)
        if name in fenced:
            size.clear()
            run = 0
    return fenced


def _pruned(
    ctes: list[tuple[str, exp.Select, str | None]],
    final: exp.Select,
    later: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[tuple[str, exp.Select, str | None]]:
    """The chain of `SELECT *, new columns FROM previous` CTEs with each `*` replaced by the
    columns read after it (by a later CTE, the `final` query, or in `later`). A
    MATERIALIZED CTE stores every column it selects: PostgreSQL spent most of the Cloud
    Partner Program's query copying rows of ~100 columns (2 KB) through each fence, most of
    them read by no later CTE. DuckDB plans a chain of CTEs that each carry every column
    before them in time quadratic in its length (a chain of 640 gates: 2.8 CPU s to plan 20
    rows, 0.3 s pruned)."""

    def reads(q: exp.Expression) -> set[str]:
        return {c.name for c in q.find_all(exp.Column)}

    def chained(i: int) -> bool:
        return _chained(ctes, i)

    # the columns each CTE holds: a chained CTE adds its own to its source's
    held: list[set[str] | None] = []
    for i, (_, q, _) in enumerate(ctes):
        own = {e.alias for e in q.expressions if isinstance(e, exp.Alias)}
        if chained(i):
            before = held[i - 1]
            held.append(None if before is None else before | own)
        elif any(e.find(exp.Star) for e in q.expressions):  # `*` or `t.*` of a join: not followed
            held.append(None)
        else:
            held.append({e.alias_or_name for e in q.expressions})
    needed = reads(final) | set(later)
    out = list(ctes)
    for i in range(len(ctes) - 1, -1, -1):
        name, q, comment = ctes[i]
        own = {e.alias for e in q.expressions if isinstance(e, exp.Alias)}
        if chained(i) and held[i - 1] is not None:
            passed = sorted((needed - own) & held[i - 1])  # type: ignore[operator]
            q = q.copy()
            q.set("expressions", [col(c) for c in passed] + q.expressions[1:])
            out[i] = (name, q, comment)
            needed = (needed - own) | reads(exp.Tuple(expressions=q.expressions[len(passed) :]))
        else:
            needed = needed | reads(q)
    return out


def _chained(ctes: list[tuple[str, exp.Select, str | None]], i: int) -> bool:
    """Whether CTE `i` is `SELECT *, new columns FROM` the CTE before it."""
    q = ctes[i][1]
    src = q.args.get("from_")
    return (
        i > 0
        and isinstance(q.expressions[0], exp.Star)
        and not q.args.get("joins")
        and src is not None
        and isinstance(src.this, exp.Table)
        and src.this.name == ctes[i - 1][0]
    )


#: The most expression nodes a column read once may grow to when it is written into its
#: reader (`_fused`); a larger one stays a column of its own.
FUSE_LIMIT = 60


def _fused(
    ctes: list[tuple[str, exp.Select, str | None]], start: int, final: exp.Select
) -> tuple[list[tuple[str, exp.Select, str | None]], exp.Select]:
    """The chain of rule CTEs from `ctes[start]` laid out again as few, wide CTEs (DuckDB).

    DuckDB runs each CTE of the chain as a projection of its own over every row: the Cloud
    Partner Program's ~80 CTEs of a few small columns each cost more than the rules in
    them. Here a column read once (or a mere copy of another) is written into the
    expression that reads it (as a sqlglot tree, with its source line as a comment), up to
    `FUSE_LIMIT` nodes, and each column left is placed in the first CTE after every column
    it reads: as many CTEs as the longest chain of columns read more than once. The query
    after the chain that reads its last CTE alone, one row per partner (the results, or the
    plan's output), takes inlined columns too; a query over more rows (the long output's
    join) never does. Values and their order are unchanged; the CTEs are named after the
    scores and tracks they compute (`rules_N` when they compute several)."""
    end = start
    while end < len(ctes) and _chained(ctes, end):
        end += 1
    defs: dict[str, tuple[exp.Expression, list[str], list[str]]] = {}
    for _, q, _ in ctes[start:end]:
        for e in q.expressions[1:]:
            defs[e.alias] = (e.this, list(e.comments or []), q.meta.get("groups", []))
    if not defs:
        return ctes, final
    tail = ctes[end][1] if end < len(ctes) else final
    src = tail.args.get("from_")
    absorbs = not tail.args.get("joins") and src is not None and isinstance(src.this, exp.Table) and src.this.name == ctes[end - 1][0]
    uses = dict.fromkeys(defs, 0)
    pinned: set[str] = set()  # read where a column cannot be inlined
    for e, _, _ in defs.values():
        for c in e.find_all(exp.Column):
            if c.name in uses:
                uses[c.name] += 1
    for k, q in enumerate([q for _, q, _ in ctes[end:]] + [final]):
        for c in q.find_all(exp.Column):
            if c.name in uses:
                uses[c.name] += 1
                if k > 0 or not absorbs:
                    pinned.add(c.name)
    inlined: dict[str, exp.Expression] = {}

    def expand(e: exp.Expression) -> exp.Expression:
        def sub(node: exp.Expression) -> exp.Expression:
            return inlined[node.name].copy() if isinstance(node, exp.Column) and node.name in inlined else node

        return e.transform(sub, copy=True)

    level: dict[str, int] = {}
    layers: dict[int, list[exp.Expression]] = {}
    groups: dict[int, list[str]] = {}
    for a, (e, comments, g) in defs.items():
        e = expand(e)
        if a not in pinned and (isinstance(e, exp.Column) or (uses[a] == 1 and _size(e) <= FUSE_LIMIT)):
            if not isinstance(e, exp.Column):
                e = paren(e)
                e.add_comments(comments)
            inlined[a] = e
            continue
        level[a] = k = 1 + max((level[c.name] for c in e.find_all(exp.Column) if c.name in level), default=0)
        alias = exp.alias_(e, a, quoted=True)
        alias.add_comments(comments)
        layers.setdefault(k, []).append(alias)
        groups.setdefault(k, []).extend(g)
    out = ctes[:start]
    prev = ctes[start - 1][0]
    taken = {n for n, _, _ in ctes[:start] + ctes[end:]}
    for k in sorted(layers):
        named = list(dict.fromkeys(groups[k]))
        base = re.sub(r"\s+", "_", named[0]) if len(named) == 1 else f"rules_{k}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        query = exp.select(exp.Star(), *layers[k]).from_(exp.to_table(prev, quoted=True))
        out.append((name, query, ", ".join(named) if len(named) > 1 else None))
        prev = name
    if absorbs:
        tail = expand(tail)
        tail.set("from_", exp.From(this=exp.to_table(prev, quoted=True)))
    if end == len(ctes):
        return out, tail if absorbs else final
    return out + [(ctes[end][0], tail, ctes[end][2])] + ctes[end + 1 :], final


def _size(e: exp.Expression) -> int:
    return sum(1 for _ in e.walk())


def _cte(name: str, query: exp.Select, comment: str | None, materialized: bool = False) -> exp.CTE:
    cte = exp.CTE(this=query, alias=exp.TableAlias(this=exp.to_identifier(name, quoted=True)), materialized=materialized or None)
    if comment:
        cte.add_comments([" " + _comment_text(comment) + " "])
    return cte


def used_metrics(program: ir.Program) -> list[ir.Metric]:
    """The input metrics the program's tracks read (the columns a query needs)."""
    used: set[str] = set()
    groups = {g.name: g.tracks for g in program.groups}
    for t in program.tracks:
        used.update(ir.metrics_read(t, program.metric_map, program.gate_map, program.track_map, groups))
    for ch in (c for t in program.tracks for c in t.choices):
        used.update(ir.metrics_read(ch, program.metric_map, program.gate_map, program.track_map, groups))
    return [m for m in program.input_metrics if m.name in used]


def _source(span: ir.Span | None) -> str | None:
    if span is None:
        return None
    return f"{span.file.rsplit('/', 1)[-1]}:{span.line}"


#: The most CTEs named after the program's groups a query gets; a program that needs more gets
#: one CTE per stage. Planners work along the chain of CTEs: DuckDB's projection placement
#: took 0.04 CPU s for a chain of 73 CTEs (16 variants of `choose best`), 0.6 for 137 and
#: 12.7 for 265, while the stages of the same programs stay 13 CTEs, planned in time linear
#: in the program's size.
GROUP_CTE_LIMIT = 128


def _column_ctes(plan: Plan, names: _Names, first: str, d: Dialect) -> list[tuple[str, exp.Select, str | None]]:
    """One CTE per run of columns of one group, each reading the CTE before it; with
    `d.stages`, or more than `GROUP_CTE_LIMIT` such CTEs, one CTE per stage of the compiler,
    named `stage_N`, its comment naming the scores, gates and tracks it computes."""
    if d.stages:
        return _stage_ctes(plan, names, first, d)
    grouped = _group_ctes(plan, names, first, d)
    return grouped if len(grouped) <= GROUP_CTE_LIMIT else _stage_ctes(plan, names, first, d)


def _group_ctes(plan: Plan, names: _Names, first: str, d: Dialect) -> list[tuple[str, exp.Select, str | None]]:
    out: list[tuple[str, exp.Select, str | None]] = []
    used: dict[str, int] = {}
    current: list[exp.Expression] = []
    defined: set[str] = set()
    group: str | None = None
    prev = first

    def flush() -> None:
        nonlocal prev, current, defined
        if not current:
            return
        base = re.sub(r"\s+", "_", group or "values")
        used[base] = used.get(base, 0) + 1
        name = base if used[base] == 1 else f"{base}_{used[base]}"
        query = exp.select(exp.Star(), *current).from_(exp.to_table(prev, quoted=True))
        query.meta["groups"] = [group or "values"]
        out.append((name, query, None))
        prev, current, defined = name, [], set()

    for c in plan.columns:
        reads = {x.name for x in c.expr.find_all(exp.Column)} if isinstance(c.expr, exp.Expression) else set()
        if c.group != group or reads & defined:
            flush()
            group = c.group
        current.append(_projection(c, names, d, plan.itype))
        defined.add(names[c.name])
    flush()
    return out


def _projection(c, names: _Names, d: Dialect, itype: str) -> exp.Expression:
    """One materialized column as `expr AS name /* file.tier:LINE */`."""
    expr = c.expr
    if c.kind == "cond" and not d.booleans:  # T-SQL: a condition is stored as 1 or 0
        expr = exp.Case(ifs=[exp.If(this=expr, true=num(1))], default=num(0))
    elif c.kind == "num":
        expr = _working(expr, itype, d)
    alias = exp.alias_(expr, names[c.name], quoted=True)
    where = _source(c.span)
    if where:
        alias.add_comments([f" {_comment_text(where)} "])
    return alias


def _working(e: exp.Expression, itype: str, d: Dialect) -> exp.Expression:
    """A scaled integer as the working type: a column computed from literals alone would
    otherwise be an INTEGER, and every later product of it could overflow 32 bits."""
    return cast(e, itype, d) if literal_only(e) else e


def _stage_ctes(plan: Plan, names: _Names, first: str, d: Dialect) -> list[tuple[str, exp.Select, str | None]]:
    out: list[tuple[str, exp.Select, str | None]] = []
    prev = first
    for k, stage in enumerate(plan.stages, start=1):
        if not stage:
            continue
        groups = list(dict.fromkeys(c.group for c in stage if c.group))
        name = f"stage_{k}"
        query = exp.select(exp.Star(), *[_projection(c, names, d, plan.itype) for c in stage]).from_(exp.to_table(prev, quoted=True))
        query.meta["groups"] = groups
        out.append((name, query, ", ".join(groups) or None))
        prev = name
    return out


def _plan_output(
    plan: Plan, names: _Names, last: str, fallback: exp.Expression, detail: bool, keep: tuple[str, ...], d: Dialect
) -> exp.Select:
    out: list[exp.Expression] = [col(c) for c in keep] + [col(PID), exp.alias_(fallback, "__fallback__", quoted=True)]
    for name, tc in plan.tracks.items():
        out.append(exp.alias_(col(names[tc.level]), f"L:{name}", quoted=True))
        if tc.variant:
            out.append(exp.alias_(col(names[tc.variant]), f"V:{name}", quoted=True))
        if tc.score is not None:
            out.append(exp.alias_(_working(tc.score.expr.copy(), plan.itype, d), f"S:{name}", quoted=True))
            if tc.score.den:  # over a ratio metric's denominator (exact.py, "Ratios")
                den: exp.Expression = cast(num(1), plan.itype, d)
                for c in tc.score.den:
                    den = exp.Mul(this=den, expression=col(c))
                out.append(exp.alias_(den, f"SD:{name}", quoted=True))
        if tc.possible is not None:
            out.append(exp.alias_(col(names[tc.possible]), f"P:{name}", quoted=True))
        for o, n in tc.outputs.items():
            out.append(exp.alias_(_working(n.expr.copy(), plan.itype, d), f"O:{name}:{o}", quoted=True))
    if detail:
        out += [exp.alias_(col(names[r.column]), r.column, quoted=True) for r in plan.requirements]
    return exp.select(*out).from_(exp.to_table(last, quoted=True))


def _score_ctes(
    program: ir.Program, plan: Plan, names: _Names, last: str, d: Dialect, widened=lambda e: e
) -> list[tuple[str, exp.Select, str | None]]:
    """Up to three CTEs from the scaled scores to the `results` (level name and score per
    track): a score whose scale divides 10^6 is exact at six places as it is; any other is
    taken to millionths, rounded half-even as `numbers.decimal_text` rounds (`score_quotients`,
    `score_units`). Either becomes the dialect's `score` type, DECIMAL(38, 6): the value
    tierlang's Parquet output writes (`tier eval` writes it as text without trailing zeros). `widened`
    (the backend's) gives a score read from 64-bit columns the working type, where its
    millionths may not fit 64 bits."""
    unit = 10**DECIMALS
    quotients: list[exp.Expression] = []
    units: list[exp.Expression] = []
    texts: list[exp.Expression] = [col(PID)]
    for t in program.tracks:
        tc = plan.tracks[t.name]
        level = exp.Case(
            ifs=[exp.If(this=exp.EQ(this=col(names[tc.level]), expression=num(i)), true=string(n)) for i, n in enumerate(t.level_names)]
        )
        texts.append(exp.alias_(level, f"level:{t.name}", quoted=True))
        if tc.possible is not None:  # the level beyond the one held that no data decides
            beyond = exp.GT(this=col(names[tc.possible]), expression=col(names[tc.level]))
            may = [
                exp.If(this=and_all([beyond, exp.EQ(this=col(names[tc.possible]), expression=num(i))]), true=string(n))
                for i, n in enumerate(t.level_names)
            ]
            texts.append(exp.alias_(exp.Case(ifs=may), f"undecided:{t.name}", quoted=True))
        if tc.score is None:
            continue
        value, scale = exp.Paren(this=_working(tc.score.expr.copy(), plan.itype, d)), tc.score.scale
        if d.int_div and _narrow_score(tc.score, unit):  # a capped score: its millionths and text in 64 bits
            value = cast(value.this, d.narrow, d)
        else:
            value = exp.Paren(this=widened(value.this))
        if tc.score.den:  # a ratio: over scale times the denominator columns of this row
            divisor: exp.Expression = num(scale)
            for den in tc.score.den:
                divisor = exp.Mul(this=divisor, expression=col(den))
            n = exp.Mul(this=value, expression=num(unit))
            quotients.append(exp.alias_(floor_div(n, divisor, d), f"quotient:{t.name}", quoted=True))
            q0 = col(f"quotient:{t.name}")
            rest = exp.Sub(this=n.copy(), expression=exp.Mul(this=q0, expression=exp.Paren(this=divisor.copy())))
            twice = exp.Mul(this=exp.Paren(this=rest), expression=num(2))
            odd = exp.NEQ(this=exp.Mod(this=q0.copy(), expression=num(2)), expression=num(0))
            half = exp.Paren(this=divisor.copy())
            up = or_any([exp.GT(this=twice, expression=half), and_all([exp.EQ(this=twice.copy(), expression=half.copy()), odd])])
            units.append(
                exp.alias_(
                    exp.Add(this=q0.copy(), expression=exp.Case(ifs=[exp.If(this=up, true=num(1))], default=num(0))),
                    f"units:{t.name}",
                    quoted=True,
                )
            )
        elif unit % scale == 0:  # a power of ten up to 10^6: the score is exact as it is
            texts.append(
                exp.alias_(decimal_value(value.this if isinstance(value, exp.Paren) else value, scale, d), f"score:{t.name}", quoted=True)
            )
            continue
        else:
            # floor(value * 10^6 / scale), then up by one when the remainder is above half,
            # or exactly half and the quotient odd (half-even)
            n = exp.Mul(this=value, expression=num(unit))
            quotients.append(exp.alias_(floor_div(n, scale, d), f"quotient:{t.name}", quoted=True))
            q0 = col(f"quotient:{t.name}")
            twice = exp.Mul(
                this=exp.Paren(this=exp.Sub(this=n.copy(), expression=exp.Mul(this=q0, expression=num(scale)))), expression=num(2)
            )
            odd = exp.NEQ(this=exp.Mod(this=q0.copy(), expression=num(2)), expression=num(0))
            up = or_any([exp.GT(this=twice, expression=num(scale)), and_all([exp.EQ(this=twice.copy(), expression=num(scale)), odd])])
            units.append(
                exp.alias_(
                    exp.Add(this=q0.copy(), expression=exp.Case(ifs=[exp.If(this=up, true=num(1))], default=num(0))),
                    f"units:{t.name}",
                    quoted=True,
                )
            )
        texts.append(exp.alias_(decimal_value(col(f"units:{t.name}"), unit, d), f"score:{t.name}", quoted=True))
    out: list[tuple[str, exp.Select, str | None]] = []
    if quotients:
        out.append(("score_quotients", exp.select(exp.Star(), *quotients).from_(exp.to_table(last, quoted=True)), None))
        last = "score_quotients"
    if units:
        out.append(
            (
                "score_units",
                exp.select(exp.Star(), *units).from_(exp.to_table(last, quoted=True)),
                "each score in millionths, rounded half-even",
            )
        )
        last = "score_units"
    out.append(
        ("results", exp.select(*texts).from_(exp.to_table(last, quoted=True)), "level of each track as text, score as an exact decimal")
    )
    return out


#: The raw 64-bit query (`_narrow_plan`) may limit a column to 2^63 / `NARROW_ROOM` at least.
NARROW_ROOM = 2**8


def _narrow_plan(
    program: ir.Program, d: Dialect, scales: dict[str, int], names: _Names, denominators: dict[str, str], outputs: bool
) -> tuple[SqlBackend, Plan] | None:
    """The program compiled wholly in the dialect's 64-bit type, each input column limited so
    that no sum or product can leave it (the limits checked row by row, TL412), when no limit is
    below 2^63 / `NARROW_ROOM` (the Cloud Partner Program: ACR growth up to 838 billion USD);
    else None: the wide type computes what could leave 64 bits. Returns the backend and the plan. 128-bit arithmetic costs DuckDB
    about 5% of the Cloud Partner Program's query."""
    top = 2**63 - 1
    backend = SqlBackend(d, d.narrow, names)
    try:
        plan = compile_exact(program, scales, [(backend, d.narrow, top)], None, outputs=outputs, denominators=denominators)
    except NoInt64:
        return None
    if any(plan.column_limits[c] < top // NARROW_ROOM for c in plan.checks):
        return None
    return backend, plan


def _narrow_score(score, unit: int) -> bool:
    """Whether a score's integer times `unit` (and the rounding's doubled remainder) stays
    within 64 bits whatever the inputs: a score whose bound is a constant (capped, `max
    100`), without a per-row denominator. 64-bit arithmetic on those is several times
    faster than 128-bit in DuckDB."""
    terms, const = score.bound
    return not terms and not score.den and const * unit * 2 < 2**62


def _long_output(
    program: ir.Program,
    d: Dialect,
    undecided: frozenset[str] = frozenset(),
    possible: frozenset[str] = frozenset(),
    shown: tuple[str, ...] | None = None,
) -> exp.Select:
    """The contract's rows, for the tracks `shown` (default: those not internal); `undecided`
    (tracks that may be undecided, from the program) adds the column of that name, from the
    tracks whose plan kept a `possible` level."""
    tracks = program.shown_tracks(shown)
    rows = exp.Values(
        expressions=[exp.Tuple(expressions=[num(i), string(t.name)]) for i, t in enumerate(tracks)],
        alias=exp.TableAlias(
            this=exp.to_identifier("tracks", quoted=True),
            columns=[exp.to_identifier("n", quoted=True), exp.to_identifier("track", quoted=True)],
        ),
    )

    def pick(prefix: str, has) -> exp.Expression:
        ifs = [
            exp.If(this=exp.EQ(this=col("n"), expression=num(i)), true=col(f"{prefix}:{t.name}")) for i, t in enumerate(tracks) if has(t)
        ]
        return exp.Case(ifs=ifs) if ifs else exp.Null()

    level = pick("level", lambda t: True)
    # cast once more: PostgreSQL's CASE drops NUMERIC(38, 6) to NUMERIC in a CREATE TABLE AS
    score = cast(pick("score", lambda t: t.has_score), d.score, d)
    columns = [
        exp.column(PID, table="results", quoted=True).as_(PID, quoted=True),
        exp.column("track", table="tracks", quoted=True).as_("track", quoted=True),
        exp.alias_(level, "level", quoted=True),
        exp.alias_(score, "score", quoted=True),
    ]
    if undecided:  # after the contract's four, as tier eval writes it
        may = pick("undecided", lambda t: t.name in possible)
        columns.append(
            exp.alias_(may if possible else exp.Cast(this=exp.Null(), to=exp.DataType.build("VARCHAR")), "undecided", quoted=True)
        )
    return exp.select(*columns).from_(exp.to_table("results", quoted=True)).join(rows, join_type="CROSS")
