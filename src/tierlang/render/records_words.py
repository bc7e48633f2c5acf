"""A records metric in words: what its aggregate counts (or adds up), over the rows of which
table, which conditions keep a row, how rows are grouped, and which months its windows cover
on the evaluation date. Markdown, for the editor's hover (`lsp.hover`); names of columns,
filters and lists stay in code spans so that the reader can find them in the file."""

from __future__ import annotations

from contextvars import ContextVar

from tierlang import ir
from tierlang.render.english import humanize
from tierlang.render.source import expr_text, months_text, window_text
from tierlang.render.templating import md_code as _md_code
from tierlang.render.templating import md_escape

__all__ = ["records_words"]

#: The values of a set or list shown; the others are counted
_SHOWN = 4


#: Writing for a GFM table cell (the guide): one line, `|` escaped, authors' titles escaped
_CELL: ContextVar[bool] = ContextVar("records_words_cell", default=False)


def records_words(program: ir.Program, e: ir.Expr | None, *, cell: bool = False, name: str | None = None) -> str | None:
    """What a records metric's definition computes, in words (None: not an aggregate or a
    people rule, e.g. a formula of other records metrics). `cell`: for a Markdown table
    cell (the program guide), on one line, with authors' titles escaped. `name`: the
    metric's name, so that a roll-up of a track per row is said as one (the rows at a level,
    by the track's levels), not as the row condition lowering made of it."""
    from tierlang.passes.rowtracks import rollup_of

    token = _CELL.set(cell)
    try:
        rollup = rollup_of(program, name) if name is not None else None
        if rollup is not None:
            text = _rollup(program, *rollup)
        elif isinstance(e, ir.Aggregate):
            text = _aggregate(program, e)
        elif isinstance(e, ir.Assignment):
            text = _assignment(program, e)
        else:
            return None
    finally:
        _CELL.reset(token)
    if not cell:
        return text
    # each paragraph on one line, its list's entries after the lead-in: "where: a; b; c."
    paragraphs = []
    for para in text.split("\n\n"):
        head, *items = para.split("\n- ")
        line = head + (" " + "; ".join(items) if items else "")
        paragraphs.append(line if line.endswith(".") else line + ".")
    return " ".join(paragraphs)


def md_code(text: object, table: bool = False) -> str:
    """A code span for where the words go (`_CELL`: a table cell, `|` escaped)."""
    return _md_code(text, table=_CELL.get())


def _title(text: str) -> str:
    return md_escape(text) if _CELL.get() else text


def _code(e: ir.Expr) -> str:
    return md_code(expr_text(e), table=False)


def _rows(program: ir.Program, table: str) -> str:
    t = program.related_table_map.get(table)
    return f"the rows of table {md_code(table, table=False)}" + (f" ({_title(t.title)})" if t is not None and t.title else "")


def _of_each(g: ir.GroupAgg) -> str:
    """A group's own aggregate (`sum (max x)`: max x), in words."""
    col = md_code(g.column, table=False) if g.column else ""
    return {
        "count": "the number of rows",
        "count_distinct": f"the number of distinct {col}",
        "sum": f"the sum of {col}",
        "min": f"the least {col}",
        "max": f"the greatest {col}",
    }.get(g.function, g.function)


def _head(a: ir.Aggregate, rows: str) -> str:
    """What the aggregate does, up to the rows it reads."""
    col = md_code(a.column, table=False) if a.column else ""
    per = ", ".join(md_code(c, table=False) for c in a.per)
    if a.function == "count":
        return f"Counts the groups of {rows} with one value of {per} each" if a.per else f"Counts {rows}"
    if a.inner is not None:
        verb = {"sum": "Adds up", "min": "Takes the least of", "max": "Takes the greatest of"}.get(a.function, a.function)
        return f"{verb} {_of_each(a.inner)} of each group of {rows} per {per}"
    if a.function == "count_distinct":
        what = f"the distinct people ({col})" if a.column == "person_id" else f"the distinct values of {col}"
        return f"Counts {what} among {rows}"
    if a.function == "sum":
        return f"Adds up {col} over {rows}"
    return f"Takes the {'least' if a.function == 'min' else 'greatest'} {col} among {rows}"


def _values(values: tuple) -> str:
    shown = ", ".join(md_code(str(v), table=False) for v in values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _condition(program: ir.Program, table: ir.RelatedTable | None, x: ir.Expr) -> str:
    """One condition on a row, in words where it has a common shape."""
    if isinstance(x, ir.FilterRef):
        f = table.filter(x.name) if table is not None else None
        name = md_code(x.name, table=False)
        return f"{_title(f.title)} (filter {name})" if f is not None and f.title else f"filter {name}" + (f": {_code(f.expr)}" if f else "")
    if isinstance(x, ir.InSet):
        operand = _code(x.operand)
        word = "is not" if x.negated else "is"
        if x.list is not None:
            vl = next((v for v in program.lists if v.name == x.list), None)
            title = f"{_title(vl.title)}: " if vl is not None and vl.title else ""
            return f"{operand} {word} in list {md_code(x.list, table=False)} ({title}{_values(x.values)})"
        return f"{operand} {word} one of {_values(x.values)}"
    if isinstance(x, ir.ColumnRef):  # a yes/no column
        return f"{md_code(x.column, table=False)} is true"
    if isinstance(x, ir.Not) and isinstance(x.operand, ir.ColumnRef):
        return f"{md_code(x.operand.column, table=False)} is false"
    if isinstance(x, ir.InWindow):
        as_of = f" as of {program.as_of.isoformat()}" if program.as_of else ""
        return f"{_code(x.operand)} is in the {window_text(x.window)} ({months_text(x.window)}{as_of})"
    return _code(x)


_VERB = {">=": "is at least", ">": "is more than", "<=": "is at most", "<": "is less than", "==": "is", "!=": "is not"}
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def _having(x: ir.Expr) -> str:
    """A `having` condition in words where its comparisons put a group's aggregate against a
    value ("the greatest `paid_seats` is at least 25 (`security_m365_seats`)")."""
    items = x.items if isinstance(x, ir.And) else (x,)
    out = []
    for c in items:
        if not isinstance(c, ir.Compare) or not (isinstance(c.left, ir.GroupAgg) or isinstance(c.right, ir.GroupAgg)):
            out.append(_code(c))
            continue
        agg, other, op = (c.left, c.right, c.op) if isinstance(c.left, ir.GroupAgg) else (c.right, c.left, _FLIP[c.op])
        if agg.where is not None:  # `(count where ...)`: the code says it best
            out.append(_code(c))
            continue
        if isinstance(other, ir.Const) and other.param is not None:
            value = f"{md_code(expr_text(ir.Const(other.value, other.type)), table=False)} ({md_code(other.param, table=False)})"
        else:
            value = _code(other)
        out.append(f"{_of_each(agg)} {_VERB[op]} {value}")
    return " and ".join(out)


def _conditions(program: ir.Program, table: str, where: ir.Expr | None) -> list[str]:
    if where is None:
        return []
    t = program.related_table_map.get(table)
    items = where.items if isinstance(where, ir.And) else (where,)
    return [f"- {_condition(program, t, x)}" for x in items]


def _windows(program: ir.Program, e: ir.Expr, shown: ir.Expr | None) -> str | None:
    """The months of the windows the definition reads besides those of `shown` (the
    conditions already in words), on the program's evaluation date."""
    said = {window_text(x.window) for x in (shown.items if isinstance(shown, ir.And) else (shown,)) if isinstance(x, ir.InWindow)}
    seen: dict[str, str] = {}
    for node in ir.walk(e):
        if isinstance(node, ir.InWindow) and window_text(node.window) not in said:
            seen.setdefault(window_text(node.window), months_text(node.window))
    if not seen:
        return None
    as_of = f" as of {program.as_of.isoformat()}" if program.as_of else ""
    return f"Months{as_of}: " + "; ".join(f"{w} = {m}" for w, m in seen.items()) + "."


def _aggregate(program: ir.Program, a: ir.Aggregate) -> str:
    rows = _rows(program, a.table)
    parts = [_head(a, rows) + (", where:" if a.where is not None else ".")]
    parts += _conditions(program, a.table, a.where)
    text = "\n".join(parts)
    if a.having is not None:
        per = ", ".join(md_code(c, table=False) for c in a.per)
        text += f"\n\nOnly the groups per {per} where {_having(a.having)} count."
    windows = _windows(program, a, a.where)
    return text + (f"\n\n{windows}" if windows else "")


def _assignment(program: ir.Program, a: ir.Assignment) -> str:
    people = md_code(a.column, table=False)
    each = "one need" if a.capacity == 1 else f"at most {a.capacity} needs"
    head = f"Whether the people ({people}) of {_rows(program, a.table)} can be assigned to every need, each person filling {each}"
    parts = [head + (", among the rows where:" if a.where is not None else ":")]
    parts += _conditions(program, a.table, a.where)
    if a.where is not None:
        parts.append("Needs:")
    for n in a.needs:
        where = f", where {_code(n.where)}" if n.where is not None else ""
        parts.append(f"- {humanize(n.name)} ({md_code(n.name, table=False)}): {n.count} people{where}")
    windows = _windows(program, a, a.where)
    return "\n".join(parts) + (f"\n\n{windows}" if windows else "")


def _rollup(program: ir.Program, rt: ir.RowTrack, level: str, exact: bool) -> str:
    """A roll-up metric: the rows of a track per row at a level, and the track's levels."""
    from tierlang.numbers import plural_noun
    from tierlang.render.english import English

    english = English(program, param_notes=False, internal=False)
    rows = plural_noun(rt.column.replace("_", " "))
    track = _title(english.track_label(rt.name))
    at = _title(english.level_label(rt.name, level)) + (" and no higher level" if exact else " or higher")
    head = f"Counts the {rows} at which {track} holds {at}, from {_rows(program, rt.table)}, one per {md_code(rt.column, table=False)}"
    parts = [head + (", among the rows where:" if rt.where is not None else ".")]
    parts += _conditions(program, rt.table, rt.where)
    levels = []
    for i, lv in enumerate(rt.levels):
        reqs = " and ".join(_title(english.condition(r.expr).flat()) for r in lv.requirements) or "no requirement"
        also = "also " if lv.cumulative and i else ""
        levels.append(f"- {_title(english.level_label(rt.name, lv.name))}: {also}{reqs}")
    text = (
        "\n".join(parts)
        + f"\n\nEach {rt.column.replace('_', ' ')} holds the highest level whose requirements its row meets:\n"
        + "\n".join(levels)
    )
    windows = _windows(program, rt.where, None) if rt.where is not None else None
    return text + (f"\n\n{windows}" if windows else "")
