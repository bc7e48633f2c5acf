"""Hover texts: what a name under the cursor is, in the program guide's words.

Each text comes from the guide's view model (`render.guide.build_guide`), so a hover reads as
`tier docs` does: a metric's type, unit, column and doc; a parameter's value on the program's
as-of date with its dated values, source and assumption; a records metric's definition in
words (what it counts, of which rows, over which months); a track's ladder; a level's
requirements; a points line's rule, target and maximum; a table's bands and cells; an
output's formula; a constraint's condition; a related table's columns, key and filters, a
column's type and range, a row filter's condition, a list's values; a track per row's table
and ladder. While the file is broken the last program that loaded is used, and a name it does
not know yet shows its declaration.
"""

from __future__ import annotations

import os
from fractions import Fraction

from tierlang import ir
from tierlang.lsp.index import KIND_WORDS, Symbol
from tierlang.numbers import exact_text
from tierlang.render.english import humanize, points_text
from tierlang.render.guide import (
    Guide,
    GuideCategory,
    GuideLine,
    GuideRelatedTable,
    GuideScore,
    GuideTable,
    GuideTrack,
    build_guide,
)
from tierlang.render.records_words import records_words
from tierlang.render.source import expr_text
from tierlang.render.templating import md_code
from tierlang.syntax import ast

__all__ = ["hover_text", "FUNCTION_DOCS", "BUILTIN_DOCS"]

#: What each built-in function does (docs/language.md says the same).
FUNCTION_DOCS = {
    "min": "`min(a, b, ...)`: the smallest of its arguments.",
    "max": "`max(a, b, ...)`: the largest of its arguments.",
    "clamp": "`clamp(x)` keeps x between 0 and 1; `clamp(x, low, high)` between low and high.",
}
#: The names every program has (docs/language.md says the same); a column of that name
#: comes first in its table's row conditions.
BUILTIN_DOCS = {
    "as_of": "`as_of`: the evaluation date (`--as-of`, else the program's `effective` date; in a history, the first day of "
    "each month evaluated). Row conditions compare dates with it: `expires_on >= as_of`.",
}

_guides: dict[int, tuple[ir.Program, Guide]] = {}


def _guide(program: ir.Program) -> Guide:
    hit = _guides.get(id(program))
    if hit is None or hit[0] is not program:
        _guides.clear()  # one program at a time: hovers come from the file in front
        hit = (program, build_guide(program))
        _guides[id(program)] = hit
    return hit[1]


def _num(v: Fraction | None) -> str | None:
    return exact_text(v) if v is not None else None


def _block(title: str, *parts: str | None) -> str:
    return "\n\n".join([title, *(p for p in parts if p)])


def _facts(rows: list[tuple[str, str | None]]) -> str | None:
    rows = [(k, v) for k, v in rows if v]
    return "\n".join(f"- {k}: {v}" for k, v in rows) or None


def _source(source: str | None) -> str | None:
    return f"*Source:* {source}" if source else None


def hover_text(symbol: Symbol, program: ir.Program | None, decl: object = None) -> str:
    """Markdown for `symbol`, from `program` (its last good load) or, failing that, `decl`."""
    text = _from_program(symbol, program) if program is not None else None
    return text or _from_declaration(symbol, decl)


def _from_program(symbol: Symbol, program: ir.Program) -> str | None:
    g = _guide(program)
    kind, name = symbol.kind, symbol.name
    if kind == "metric":
        m = next((m for m in g.metrics + g.derived + g.records if m.name == name), None)
        if m is None:
            return None
        rows = [("Type", m.type), ("Unit", m.unit), ("Column", md_code(m.column, table=False) if m.column else None), ("Range", m.range)]
        rows += [("Default", m.default if m.formula is None else None), ("Direction", m.direction), ("Formula", m.formula)]
        metric = program.metric_map.get(name)
        words = records_words(program, metric.records, name=name) if metric is not None else None
        return _block(f"**metric `{name}`**: {m.title}", words, _facts(rows), m.doc, _source(m.source))
    if kind == "param":
        p = next((p for p in g.params if p.name == name), None)
        if p is None:
            return None
        as_of = program.as_of.isoformat() if program.as_of else None
        value = f"**{p.value}**" + (f" on {as_of}" if as_of else "")
        schedule = "Dated values: " + "; ".join(p.schedule) if p.schedule else None
        assumed = f"⚠ **Assumption:** {p.assumed}" if p.assumed else None
        used = "Used by: " + ", ".join(p.used_by) if p.used_by else None
        title = f"**parameter `{name}`**" + (f": {p.title}" if p.title else "")
        return _block(title, value, schedule, _source(p.source), assumed, p.doc, used)
    if kind == "gate":
        gate = next((x for x in g.gates if x.name == name), None)
        if gate is None:
            return None
        used = "Used by: " + ", ".join(gate.used_by) if gate.used_by else None
        return _block(f"**gate `{name}`**: {gate.title}", f"Holds when {gate.phrase.flat()}.", gate.doc, _source(gate.source), used)
    if kind == "group":
        group = next((x for x in g.groups if x.name == name), None)
        if group is None:
            return None
        return _block(f"**group `{name}`**: {group.title}", "Tracks: " + ", ".join(group.tracks), group.doc)
    if kind == "program":
        dates = _facts([("Version", program.version), ("Effective", str(program.effective) if program.effective else None)])
        return _block(f"**program `{program.name}`**: {g.title}", dates, program.doc)
    if kind in ("partner", "example"):
        return _example(symbol, program, g)
    if kind == "constraint":
        c = next((c for c in g.constraints if c.name == name), None)
        if c is None:
            return None
        rule = f"Every row of the data must meet it: {c.phrase.flat()}. A row that breaks it is a data error."
        return _block(f"**constraint `{name}`**: {c.title}", rule, c.doc, _source(c.source))
    if kind == "table":
        table = next((t for t in g.tables if t.name == name), None)
        if table is not None:
            return _table(table)
        related = next((t for t in g.related_tables if t.name == name), None)
        return _related_table(related) if related is not None else None
    if kind in ("column", "filter"):
        related = next((t for t in g.related_tables if symbol.scope and t.name == symbol.scope[0]), None)
        return _row_part(symbol, related) if related is not None else None
    if kind == "list":
        vl = next((v for v in g.lists if v.name == name), None)
        if vl is None:
            return None
        return _block(f"**list `{name}`**: {vl.title}", ", ".join(md_code(v, table=False) for v in vl.values), vl.doc, _source(vl.source))
    rows = next((t for t in program.row_tracks if t.name == (symbol.scope[0] if symbol.scope else name)), None)
    if rows is not None and kind in ("track", "level"):
        return _row_track(symbol, rows)
    if kind == "enum" and len(symbol.scope) == 2:
        table = program.related_table_map.get(symbol.scope[0])
        column = table.column(symbol.scope[1]) if table is not None else None
        if column is None:
            return None
        return _block(f"**enum value `{name}`** of column `{column.name}` of table `{table.name}`", f"`{column.type}`")  # type: ignore[union-attr]
    if kind == "enum":
        metric = program.metric_map.get(symbol.scope[0]) if symbol.scope else None
        if metric is None:
            return None
        return _block(f"**enum value `{name}`** of metric `{metric.name}`", f"`{metric.type}`")
    if kind not in ("track", "level", "variant", "score", "category", "line", "output"):
        return None  # shown from its declaration
    track = next((t for t in g.tracks if t.name == (symbol.scope[0] if symbol.scope else name)), None)
    if track is None:
        return None
    if kind == "track":
        ladder = " < ".join(track.ladder)
        rows = [("Levels, lowest first", ladder), ("Scores", ", ".join(track.score_titles) or None), ("Group", track.group)]
        return _block(f"**track `{name}`**: {track.title}", track.selection, _facts(rows), track.doc, _source(track.source))
    if kind == "level":
        return _level(track, name)
    if kind == "output":
        o = next((o for o in track.outputs if o.name == name), None)
        if o is None:
            return None
        return _block(f"**output `{name}`** of {track.title}: {o.title}", f"`{o.type}` = {o.phrase}", o.doc, _source(o.source))
    if kind == "variant":
        v = next((v for v in track.variants if v.name == name), None)
        return _block(f"**variant `{name}`** of {track.title}", v.title if v else None, v.doc if v else None, track.selection)
    return _score_part(symbol, track)


#: rows of a table shown in a hover; the guide (`tier docs`) shows them all
_HOVER_ROWS = 12


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(t: GuideTable) -> str:
    by = f"By {t.by}" + (f" (rows) and {t.columns_by} (columns)" if t.columns_by else "") + "."
    head = "| " + " | ".join(_cell(c) for c in [t.by, *t.columns]) + " |\n|" + "---|" * (len(t.columns) + 1)
    rows = ["| " + " | ".join(_cell(c) for c in [band, *cells]) + " |" for band, cells in t.rows[:_HOVER_ROWS]]
    more = f"… and {len(t.rows) - _HOVER_ROWS} more rows" if len(t.rows) > _HOVER_ROWS else None
    used = "Used by: " + ", ".join(t.used_by) if t.used_by else None
    return _block(f"**table `{t.name}`**: {t.title}", by, "\n".join([head, *rows]), more, t.doc, _source(t.source), used)


def _related_table(t: GuideRelatedTable) -> str:
    columns = ", ".join(f"`{c.name}` ({c.type})" for c in t.columns)
    facts = [("Columns", columns), ("Key", ", ".join(t.key) or None), ("Filters", ", ".join(f.name for f in t.filters) or None)]
    used = "Counted by: " + ", ".join(t.used_by) if t.used_by else None
    return _block(
        f"**table `{t.name}`**: {t.title}",
        "Records: rows that belong to a partner by `partner_id`.",
        _facts(facts),
        t.doc,
        _source(t.source),
        used,
    )


def _row_part(symbol: Symbol, t: GuideRelatedTable) -> str | None:
    """A related table's column or row filter."""
    if symbol.kind == "column":
        c = next((c for c in t.columns if c.name == symbol.name), None)
        if c is None:
            return None
        facts = [("Type", c.type), ("Range", c.range if c.range != "—" else None), ("Empty", c.empty)]
        return _block(f"**column `{c.name}`** of table `{t.name}`: {c.title}", _facts(facts), c.doc)
    f = next((f for f in t.filters if f.name == symbol.name), None)
    if f is None:
        return None
    keeps = f"Keeps a row when {md_code(f.condition, table=False)}."
    return _block(f"**row filter `{f.name}`** of table `{t.name}`: {f.title}", keeps, f.doc, _source(f.source))


def _row_track(symbol: Symbol, rt: ir.RowTrack) -> str | None:
    """A track per row (the guide does not show these) and its levels, from the IR."""
    rows = (
        f"Evaluated once per `{rt.column}` of table `{rt.table}`"
        + (f", on the rows where {md_code(expr_text(rt.where), table=False)}" if rt.where else "")
        + "."
    )
    if symbol.kind == "level":
        level = next((lv for lv in rt.levels if lv.name == symbol.name), None)
        if level is None:
            return None
        reqs = "\n".join(f"- {md_code(expr_text(r.expr), table=False)}" for r in level.requirements) or None
        head = f"**level `{level.name}`** of {rt.title or rt.name}" + (f": {level.title}" if level.title else "")
        return _block(head, rows, reqs, level.doc, _source(level.source))
    ladder = " < ".join(lv.name for lv in rt.levels)
    top = rt.levels[-1].name if rt.levels else "LEVEL"
    use = f"Rules read it through its roll-ups: `at least 1 of {rt.name} at {top}`, `track NAME = highest {rt.name}`."
    head = f"**track `{rt.name}`**" + (f": {rt.title}" if rt.title else "")
    return _block(head, rows, _facts([("Levels, lowest first", ladder)]), use, rt.doc, _source(rt.source))


def _level(track: GuideTrack, name: str) -> str | None:
    for v in track.variants:
        level = next((lv for lv in v.levels if lv.name == name), None)
        if level is None:
            continue
        reqs = [f"- {(r.label + ': ') if r.label else ''}{r.phrase.flat()}" for r in level.requirements]
        where = f"**level `{name}`** of {track.title}: {level.title}"
        body = "\n".join(([level.intro] if level.intro else []) + reqs)
        return _block(where + (f" ({v.title})" if v.title else ""), body, level.doc, _source(level.source))
    return None


def _find_part(track: GuideTrack, symbol: Symbol):
    for v in track.variants:
        for s in v.scores:
            if symbol.kind == "score" and s.name == symbol.name:
                return s
            if len(symbol.scope) < 2 or s.name != symbol.scope[1]:
                continue
            for item in s.items:
                if item.name == symbol.name:
                    return item
                if isinstance(item, GuideCategory):
                    for line in item.lines:
                        if line.name == symbol.name:
                            return line
    return None


def _score_part(symbol: Symbol, track: GuideTrack) -> str | None:
    part = _find_part(track, symbol)
    if part is None:
        return None
    word = KIND_WORDS[symbol.kind]
    head = f"**{word} `{symbol.name}`** of {track.title}: {part.title}"
    most = f"At most {points_text(part.maximum)}." if part.maximum is not None else None
    if isinstance(part, GuideLine):
        rule = str(part.rule)
        when = f"Only when {part.when}." if part.when else None
        return _block(head, rule[:1].upper() + rule[1:] + ".", when, most, part.doc, _source(part.source))
    cap = f"Capped at {points_text(part.cap)}." if part.cap is not None else None
    items = part.lines if isinstance(part, GuideCategory) else part.items
    listing = "\n".join(f"- {i.title}" + (f": up to {points_text(i.maximum)}" if i.maximum is not None else "") for i in items)
    src = _source(part.source) if isinstance(part, GuideScore) else None
    return _block(head, most, cap, listing, part.doc, src)


def _example(symbol: Symbol, program: ir.Program, g: Guide) -> str | None:
    if symbol.kind == "partner":
        p = next((p for p in program.partners if p.name == symbol.name), None)
        if p is None:
            return None
        values = "\n".join(f"- `{k}` = {exact_text(v) if isinstance(v, Fraction) else v}" for k, v in p.values)
        return _block(f"**sample partner `{p.name}`**" + (f": {p.title}" if p.title else ""), values)
    e = next((e for e in g.examples if e.name == symbol.name), None)
    if e is None:
        return None
    given = "\n".join(f"- {k}: {v}" for k, v in e.given)
    expected = "Expected:\n" + "\n".join(f"- {x}" for x in e.expected)
    start = f"Starts from {e.partner}." if e.partner else None
    return _block(f"**example `{e.name}`**: {e.title}", start, given, expected)


def _attr_text(decl, kind: str) -> str | None:
    attrs = getattr(decl, "attrs", None)
    if attrs is None:
        items = getattr(decl, "items", None) or ()
        attrs = tuple(i for i in items if isinstance(i, ast.Attr))
    for a in attrs or ():
        if a.kind == kind and isinstance(a.value, str):
            return a.value
    return None


def _from_declaration(symbol: Symbol, decl: object) -> str:
    word = KIND_WORDS[symbol.kind]
    title = getattr(decl, "title", None) or humanize(symbol.name)
    where = f" of `{symbol.scope[0]}`" if symbol.scope else ""
    origin = f"Declared in {os.path.basename(symbol.origin)}." if symbol.origin else None
    return _block(f"**{word} `{symbol.name}`**{where}: {title}", _attr_text(decl, "doc"), _source(_attr_text(decl, "source")), origin)
