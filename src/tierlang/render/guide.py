"""The program guide: a partner-facing description of a program, built from its IR.

`build_guide(program)` turns the IR into a `Guide`, a plain view model in which every rule
is already in words (through `render.english`); `render_guide(program, "md" | "html")`
renders it with the jinja2 templates in `templates/` (`guide.md.j2`, `guide.html.j2`). The
templates decide layout only; what a rule says is decided here and in `english`.

The Markdown is GitHub-flavoured; the HTML is one self-contained file (inline CSS and one
small search script allowed by hash, no external references) that reads on screen and
prints. Reviewers' guides end with a Sources appendix (`render.sources`).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar

from tierlang import __version__, ir
from tierlang.ir import Kind
from tierlang.passes.acknowledge import FINDING_TITLES
from tierlang.passes.bands import band_groups
from tierlang.passes.intervals import bounds
from tierlang.passes.tables import band_text, key_type
from tierlang.render.english import English, Phrase, PointsRule, amount, humanize, points_text
from tierlang.render.records_words import records_words
from tierlang.render.source import expr_text
from tierlang.render.sources import Citation, GuideSources, SourceList, cited_sources
from tierlang.render.templating import md_cell, md_escape, page_assets, render_template

__all__ = ["FORMATS", "AUDIENCES", "Guide", "build_guide", "render_guide", "md_escape", "strip_citations"]

#: Output formats of `render_guide`, and the template of each.
FORMATS = {"md": "guide.md.j2", "html": "guide.html.j2"}


# ------------------------------------------------------------------ the view model


@dataclass
class Heading:
    """A section heading: its text, the Markdown anchor GitHub derives from it, and the
    stable HTML id."""

    text: str
    slug: str
    html_id: str


@dataclass
class GuideLine:
    name: str
    title: str
    doc: str | None
    source: str | None
    rule: PointsRule
    when: str | None  # the `when` gate in words
    maximum: Fraction | None  # most points the line can earn (None: unbounded/unknown)

    is_category: ClassVar[bool] = False  # lets templates tell rows apart


@dataclass
class GuideCategory:
    name: str
    title: str
    doc: str | None
    cap: Fraction | None
    lines: list[GuideLine]
    lines_total: Fraction | None  # the most the lines earn together
    maximum: Fraction | None  # the most the category can add to the score
    banded: bool = False  # some lines are bands of one value: only one applies at a time

    is_category: ClassVar[bool] = True


@dataclass
class GuideScore:
    name: str
    title: str
    doc: str | None
    source: str | None
    cap: Fraction | None
    items: list[GuideLine | GuideCategory]
    items_total: Fraction | None
    maximum: Fraction | None
    has_when: bool
    has_source: bool
    banded: bool = False  # some top-level lines are bands of one value (see GuideCategory)


@dataclass
class GuideRequirement:
    label: str | None
    phrase: Phrase


@dataclass
class GuideLevel:
    name: str
    title: str
    doc: str | None
    source: str | None
    cumulative: bool
    below: str | None  # title of the level below (None for the lowest)
    requirements: list[GuideRequirement]
    intro: str | None  # "Everything for Silver, plus:"; None when the list speaks for itself


@dataclass
class GuideVariant:
    name: str | None
    title: str | None
    doc: str | None
    heading: Heading | None
    scores: list[GuideScore]
    levels: list[GuideLevel]


@dataclass
class GuideOutput:
    """An amount the program computes on a track (`output`), in words."""

    name: str
    title: str
    type: str
    phrase: str
    doc: str | None
    source: str | None


@dataclass
class GuideTrack:
    name: str
    title: str
    doc: str | None
    source: str | None
    group: str | None
    heading: Heading
    selection: str | None
    variants: list[GuideVariant]
    ladder: list[str]  # level titles, lowest first
    score_titles: list[str]
    is_status: bool
    findings: list[GuideFinding] = field(default_factory=list)  # acknowledged in this track
    outputs: list[GuideOutput] = field(default_factory=list)
    per_row: str | None = None  # a track per row of a related table: what its rows are, who rolls it up
    holder: str = "a partner"  # what holds a level: "a partner", "each country"


@dataclass
class GuideTable:
    """A band table as a table: the bands of its key(s) in words, and its cells."""

    name: str
    title: str
    doc: str | None
    source: str | None
    by: str  # what the rows are looked up by
    columns_by: str | None  # what the columns are (two keys)
    columns: list[str]  # column headings (one "Value" column for a one-key table)
    rows: list[tuple[str, list[str]]]  # (the row's band, its cells)
    params: list[str]  # the parameters its cells and band ends come from, noted
    used_by: list[str]
    html_id: str


@dataclass
class GuideFinding:
    """A finding the program acknowledges (`acknowledge CODE "reason"`), with its reason."""

    code: str
    about: str  # what the code is about, in words
    where: str  # the declaration, in words
    reason: str


@dataclass
class GuideSection:
    heading: Heading
    doc: str | None
    tracks: list[GuideTrack]


@dataclass
class GuideGate:
    name: str
    title: str
    doc: str | None
    source: str | None
    phrase: Phrase
    used_by: list[str]


@dataclass
class GuideConstraint:
    """An input constraint: what every row of the data must meet."""

    name: str
    title: str
    doc: str | None
    source: str | None
    phrase: Phrase


@dataclass
class GuideGroup:
    name: str
    title: str
    doc: str | None
    tracks: list[str]


@dataclass
class GuideHold:
    name: str
    title: str
    tracks: list[str]
    phrase: str  # what the rule does, in words
    since: str | None
    doc: str | None
    source: str | None
    assumed: str | None


@dataclass
class GuideMetric:
    name: str
    title: str
    column: str | None
    type: str
    unit: str | None
    range: str
    default: str
    direction: str
    doc: str | None
    source: str | None
    formula: str | None  # derived metrics only
    words: str | None = None  # records metrics: what the definition computes (Markdown for a table cell)


@dataclass
class GuideColumn:
    name: str
    title: str
    type: str
    empty: str  # "may be empty" or "required"
    range: str
    doc: str | None


@dataclass
class GuideFilter:
    name: str
    title: str
    condition: str  # .tier-like text
    doc: str | None
    source: str | None


@dataclass
class GuideRelatedTable:
    name: str
    title: str
    doc: str | None
    source: str | None
    key: list[str]
    columns: list[GuideColumn]
    filters: list[GuideFilter]
    used_by: list[str]  # tracks that count records from it


@dataclass
class GuideList:
    name: str
    title: str
    values: list[str]
    doc: str | None
    source: str | None


@dataclass
class GuideParam:
    name: str
    title: str | None
    value: str
    schedule: list[str]
    source: str | None
    assumed: str | None
    doc: str | None
    used_by: list[str]


@dataclass
class GuideExample:
    name: str
    title: str
    partner: str | None
    given: list[tuple[str, str]]
    expected: list[str]


@dataclass
class Guide:
    name: str
    title: str
    version: str | None
    effective: str | None
    as_of: str | None
    content_hash: str
    doc: str | None
    extends: str | None
    status: str | None
    generator: str
    headings: dict[str, Heading]
    sections: list[GuideSection]
    gates: list[GuideGate]
    groups: list[GuideGroup]
    metrics: list[GuideMetric]
    derived: list[GuideMetric]
    params: list[GuideParam]
    examples: list[GuideExample]
    tracks: list[GuideTrack] = field(default_factory=list)
    findings: list[GuideFinding] = field(default_factory=list)  # every acknowledged finding
    constraints: list[GuideConstraint] = field(default_factory=list)
    tables: list[GuideTable] = field(default_factory=list)
    related_tables: list[GuideRelatedTable] = field(default_factory=list)
    lists: list[GuideList] = field(default_factory=list)
    records: list[GuideMetric] = field(default_factory=list)  # metrics computed from tables
    holds: list[GuideHold] = field(default_factory=list)
    audience: str = "reviewer"
    sources: GuideSources | None = None  # the reviewer's sources appendix

    @property
    def partner(self) -> bool:
        """Written for partners: no internal names, parameters or source tags."""
        return self.audience == "partner"


# ------------------------------------------------------------------ anchors


class _Slugger:
    """Heading anchors as GitHub derives them (lower case, punctuation dropped, spaces to
    hyphens, repeats numbered), assigned in document order so TOC links resolve."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, text: str, html_id: str) -> Heading:
        base = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        slug = base
        if base in self.seen:
            self.seen[base] += 1
            slug = f"{base}-{self.seen[base]}"
            while slug in self.seen:  # pragma: no cover - only for titles ending in "-<n>"
                self.seen[base] += 1
                slug = f"{base}-{self.seen[base]}"
        self.seen.setdefault(slug, 0)
        return Heading(text, slug, html_id)


# ------------------------------------------------------------------ bounds


def _total(values: list[Fraction | None]) -> Fraction | None:
    return None if any(v is None for v in values) else sum(values, Fraction(0))  # type: ignore[arg-type]


def _capped(total: Fraction | None, cap: Fraction | None) -> Fraction | None:
    if cap is None:
        return total
    return cap if total is None else min(total, cap)


# ------------------------------------------------------------------ building


class _Builder:
    def __init__(self, program: ir.Program, audience: str = "reviewer") -> None:
        self.p = program
        self.english = English(program, internal=audience != "partner")
        self.audience = audience
        self.slug = _Slugger()
        self._users: dict[tuple[str, str], list[str]] | None = None  # see `users`

    def build(self) -> Guide:
        p = self.p
        title = p.title or humanize(p.name)
        headings = {
            "title": self.slug(title, "top"),
            "contents": self.slug("Contents", "contents"),
            "overview": self.slug("Overview", "overview"),
        }
        sections = self.sections()
        tracks = [t for s in sections for t in s.tracks]
        for key, text in (
            ("gates", "Gates"),
            ("constraints", "Data constraints"),
            ("groups", "Groups"),
            ("holds", "Status over time"),
            ("data", "What is measured" if self.audience == "partner" else "Data dictionary"),
            ("params", "Parameters"),
            ("examples", "Examples"),
            ("tables", "Tables"),
            ("findings", "Known findings"),
            ("sources", "Sources"),
        ):
            headings[key] = self.slug(text, key)
        status = p.track_map.get(p.status) if p.status else None
        return Guide(
            name=p.name,
            title=title,
            version=p.version,
            effective=p.effective.isoformat() if p.effective else None,
            as_of=p.as_of.isoformat() if p.as_of and p.as_of != p.effective else None,
            content_hash=p.content_hash,
            doc=p.doc,
            extends=p.extends,
            status=self.english.track_label(status.name) if status else None,
            generator=f"tierlang {__version__}",
            headings=headings,
            sections=sections,
            tracks=tracks,
            gates=[self.gate(g) for g in p.gates],
            groups=[self.group(g) for g in p.groups],
            metrics=[self.metric(m) for m in p.column_metrics],
            derived=[self.metric(m) for m in p.metrics if m.derived is not None],
            params=[self.param(x) for x in p.params],
            examples=[self.example(e) for e in p.examples],
            findings=[self.finding(a) for a in p.acknowledgements],
            constraints=[
                GuideConstraint(c.name, c.title or humanize(c.name), c.doc, c.source, self.english.condition(c.expr)) for c in p.constraints
            ],
            tables=[self.table(t) for t in p.tables],
            related_tables=[self.related_table(t) for t in p.related_tables],
            lists=[GuideList(v.name, v.title or humanize(v.name), list(v.values), v.doc, v.source) for v in p.lists],
            records=[self.metric(m) for m in p.record_metrics],
            holds=[self.hold(h) for h in p.holds],
            audience=self.audience,
        )

    def table(self, t: ir.Table) -> GuideTable:
        english = self.english
        key_types = [key_type(k, self.p) for k in t.keys]
        internal = self.audience != "partner"
        cell = lambda c: amount(c.value, t.type) + (f" ({c.param})" if c.param and internal else "")  # noqa: E731
        columns = [band_text(b, key_types[1]) for b in t.columns] if t.columns else [t.title or "Value"]
        rows = [(band_text(b, key_types[0]), [cell(c) for c in t.cells[i]]) for i, b in enumerate(t.rows)]
        params = _unique(
            [c.param for row in t.cells for c in row if c.param]
            + [p for b in (*t.rows, *t.columns) for p in (b.low_param, b.high_param) if p]
        )
        return GuideTable(
            name=t.name,
            title=t.title or humanize(t.name),
            doc=t.doc,
            source=t.source,
            by=english.quantity(t.keys[0]),
            columns_by=english.quantity(t.keys[1]) if t.columns else None,
            columns=columns,
            rows=rows,
            params=[english.param_note(p).removeprefix("parameter ") for p in params],
            used_by=self.users("table", t.name),
            html_id=f"table-{t.name}",
        )

    def finding(self, a: ir.Acknowledgement) -> GuideFinding:
        where = a.where
        head, _, rest = where.partition(" ")
        name = rest.split(" ", 1)[0]
        if head == "track" and name in self.p.track_map and " of " not in where:
            where = self.english.track_label(name)
        return GuideFinding(a.code, FINDING_TITLES.get(a.code, "a finding of `tier check`"), where, a.reason)

    # -------------------------------------------------------------- tracks
    def sections(self) -> list[GuideSection]:
        """Tracks by group (in group order), then the tracks in no group."""
        p = self.p
        out = []
        grouped: set[str] = set()
        for g in p.groups:
            members = [t for t in p.tracks if g.name in t.groups]
            if not members:
                continue
            heading = self.slug(g.title or humanize(g.name), f"group-{g.name}")
            out.append(GuideSection(heading, g.doc, [self.track(t) for t in members]))
            grouped.update(t.name for t in members)
        # tracks per row first: the tracks that roll them up follow
        rest = [self.row_track(rt) for rt in p.row_tracks] + [self.track(t) for t in p.tracks if t.name not in grouped]
        if rest:
            heading = self.slug("Other tracks" if out else "Tracks", "tracks")
            out.append(GuideSection(heading, None, rest))
        return out

    def row_track(self, rt: ir.RowTrack) -> GuideTrack:
        """A track per row of a related table (`track NAME per COLUMN of TABLE`): its levels,
        each row's, and the tracks that roll it up."""
        english = self.english
        title = english.track_label(rt.name)
        table = self.p.related_table_map.get(rt.table)
        rows = table.title if table is not None and table.title else humanize(rt.table)
        where = f", where {english.condition(rt.where).flat()}" if rt.where is not None else ""
        rollups = {f"{rt.name} at {e}{lv.name}" for lv in rt.levels for e in ("", "exactly ")}
        readers = [
            english.track_label(t.name) for t in self.p.tracks if any(isinstance(n, ir.MetricRef) and n.name in rollups for n in ir.walk(t))
        ]
        per_row = f"Held by each {english.row_noun(rt, 1)} on its own: one row of “{rows}” per {rt.column}{where}."
        if readers:
            per_row += f" Rolled up by {', '.join(readers)}."
        levels = self.levels(rt.levels, english)
        return GuideTrack(
            name=rt.name,
            title=title,
            doc=rt.doc,
            source=rt.source,
            group=None,
            heading=self.slug(title, f"track-{rt.name}"),
            selection=None,
            variants=[GuideVariant(None, None, None, None, [], levels)],
            ladder=[english.level_label(rt.name, lv.name) for lv in rt.levels],
            score_titles=[],
            is_status=False,
            per_row=per_row,
            holder=f"each {english.row_noun(rt, 1)}",
        )

    def track(self, t: ir.Track) -> GuideTrack:
        english = self.english.within(t.name)
        title = english.track_label(t.name)
        heading = self.slug(title, f"track-{t.name}")
        several = len(t.variants) > 1
        variants = []
        for v in t.variants:
            inside = english.within(t.name, v.name)
            vh = None
            if several:
                vtitle = english.variant_label(t, v.name)
                vh = self.slug(f"{title}: {vtitle}", f"track-{t.name}-{v.name}")
            variants.append(
                GuideVariant(
                    name=v.name,
                    title=english.variant_label(t, v.name) if several else None,
                    doc=v.doc,
                    heading=vh,
                    scores=[self.score(s, inside) for s in v.scores],
                    levels=self.levels(v.levels, inside),
                )
            )
        scores = _unique(s.title or humanize(s.name) for v in t.variants for s in v.scores)
        return GuideTrack(
            name=t.name,
            title=title,
            doc=t.doc,
            source=t.source,
            group=" and ".join(english.group_noun(g, None) for g in t.groups) or None,
            heading=heading,
            selection=english.selection(t),
            variants=variants,
            ladder=[english.level_label(t.name, n) for n in t.level_names],
            score_titles=scores,
            is_status=t.name == self.p.status,
            findings=[
                self.finding(a) for a in self.p.acknowledgements if a.where == f"track {t.name}" or a.where.endswith(f" of track {t.name}")
            ],
            outputs=[
                GuideOutput(o.name, o.title or humanize(o.name), str(o.type), english.quantity(o.expr), o.doc, o.source) for o in t.outputs
            ],
        )

    def levels(self, levels: tuple[ir.Level, ...], english: English) -> list[GuideLevel]:
        out = []
        for i, lv in enumerate(levels):
            reqs: list[GuideRequirement] = []
            for r in lv.requirements:
                phrase = english.condition(r.expr)
                # requirements are ANDed: an unlabelled `all {...}` reads better as separate lines
                if r.label is None and phrase.joiner == "and" and phrase.text == "all of:":
                    reqs.extend(GuideRequirement(None, item) for item in phrase.items)
                else:
                    reqs.append(GuideRequirement(humanize(r.label) if r.label else None, phrase))
            below = levels[i - 1] if i else None
            below_title = (below.title or humanize(below.name)) if below is not None else None
            if below_title is None:
                intro = None if reqs else "No requirements: every partner holds at least this level."
            elif lv.cumulative:
                intro = f"Everything for {below_title}, plus:" if reqs else f"Everything for {below_title}."
            else:
                intro = (
                    "On its own (the lower levels' requirements do not apply):"
                    if reqs
                    else "No requirements (independent of the lower levels)."
                )
            out.append(
                GuideLevel(
                    name=lv.name,
                    title=lv.label if lv.title else humanize(lv.name),
                    doc=lv.doc,
                    source=lv.source,
                    cumulative=lv.cumulative,
                    below=below_title,
                    requirements=reqs,
                    intro=intro,
                )
            )
        return out

    def score(self, s: ir.Score, english: English) -> GuideScore:
        items: list[GuideLine | GuideCategory] = []
        for item in s.items:
            if isinstance(item, ir.Category):
                lines = [self.line(x, english) for x in item.lines]
                lines_total, banded = self.together(item.lines, lines)
                items.append(
                    GuideCategory(
                        name=item.name,
                        title=item.title or humanize(item.name),
                        doc=item.doc,
                        cap=item.cap,
                        lines=lines,
                        lines_total=lines_total,
                        maximum=_capped(lines_total, item.cap),
                        banded=banded,
                    )
                )
            else:
                items.append(self.line(item, english))
        tops = [(i, g) for i, g in zip(s.items, items) if isinstance(i, ir.Line)]
        top_total, banded = self.together([i for i, _ in tops], [g for _, g in tops])  # type: ignore[misc]
        items_total = _total([top_total] + [g.maximum for g in items if isinstance(g, GuideCategory)])
        all_lines = [x for i in items for x in (i.lines if isinstance(i, GuideCategory) else [i])]
        return GuideScore(
            name=s.name,
            title=s.title or humanize(s.name),
            doc=s.doc,
            source=s.source,
            cap=s.cap,
            items=items,
            items_total=items_total,
            maximum=_capped(items_total, s.cap),
            has_when=any(x.when for x in all_lines),
            has_source=any(x.source for x in all_lines),
            banded=banded,
        )

    def together(self, lines: list[ir.Line], shown: list[GuideLine]) -> tuple[Fraction | None, bool]:
        """The most `lines` earn together (each line's maximum as shown, except that lines
        gated on bands of one value count as their best band: they never apply together),
        and whether there were such bands."""
        groups, rest = band_groups(lines, self.p.metric_map)
        keep = {id(line) for line in rest}
        maxima = [g.maximum for line, g in zip(lines, shown) if id(line) in keep]
        return _total(maxima + [grp.most for grp in groups]), bool(groups)

    def line(self, line: ir.Line, english: English) -> GuideLine:
        rule = english.points(line.points)
        maximum = rule.maximum
        if maximum is None:
            maximum = bounds(line.points, self.p.metric_map)[1]
        return GuideLine(
            name=line.name,
            title=line.title or humanize(line.name),
            doc=line.doc,
            source=line.source,
            rule=rule,
            when=english.condition(line.when).flat() if line.when is not None else None,
            maximum=maximum,
        )

    # -------------------------------------------------------------- gates, groups, data
    def users(self, kind: str, name: str) -> list[str]:
        """Who refers to a gate, a parameter or a table (`kind` "gate", "param" or "table"): tracks (by title),
        gates and derived metrics."""
        if self._users is None:
            # One walk over the program for every gate and parameter (asking each in turn
            # walked the whole program once per gate: quadratic in its size).
            self._users = {}
            roots = [(t, self.english.track_label(t.name)) for t in self.p.tracks]
            roots += [(g.expr, f"gate “{self.english.gate_label(g.name)}”") for g in self.p.gates]
            roots += [(m.derived, f"metric “{self.english.metric_label(m.name)}”") for m in self.p.metrics if m.derived is not None]
            for root, label in roots:
                used: dict[tuple[str, str], None] = {}
                for n in ir.walk(root):
                    if isinstance(n, ir.GateRef):
                        used[("gate", n.name)] = None
                    elif isinstance(n, (ir.Const, ir.AtLeast, ir.GroupCount)) and n.param:
                        used[("param", n.param)] = None
                    elif isinstance(n, ir.Lookup):
                        used[("table", n.table.name)] = None
                    elif isinstance(n, ir.Band):
                        used.update({("param", p): None for p in (n.low_param, n.high_param) if p})
                for key in used:
                    self._users.setdefault(key, []).append(label)
        return list(self._users.get((kind, name), ()))

    def gate(self, g: ir.Gate) -> GuideGate:
        return GuideGate(
            name=g.name,
            title=self.english.gate_label(g.name),
            doc=g.doc,
            source=g.source,
            phrase=self.english.condition(g.expr),
            used_by=self.users("gate", g.name),
        )

    def group(self, g: ir.Group) -> GuideGroup:
        return GuideGroup(g.name, g.title or humanize(g.name), g.doc, [self.english.track_label(t) for t in g.tracks])

    def hold(self, h: ir.Hold) -> GuideHold:
        tracks = [self.english.track_label(t) for t in h.tracks]
        return GuideHold(
            h.name,
            h.title or humanize(h.name),
            tracks,
            hold_phrase(h),
            h.since.isoformat() if h.since else None,
            h.doc,
            h.source,
            h.assumed,
        )

    def metric(self, m: ir.Metric) -> GuideMetric:
        t = m.type
        if t.kind is Kind.ENUM:
            type_text = ("one of (lowest first): " if t.ordered else "one of: ") + ", ".join(t.values)
        else:
            type_text = str(t)
        if t.is_numeric:
            lo, hi = (amount(v, t) if v is not None else None for v in (m.minimum, m.maximum))
            rng = f"{lo} to {hi}" if lo and hi else f"{lo} or more" if lo else f"{hi} or less" if hi else "any"
            if t.kind is Kind.COUNT:
                rng += " (whole numbers)"
        else:
            rng = "—"
        if m.derived is not None:
            default = "—"
        elif m.records is not None:
            default = amount(m.default, t) if m.default is not None else "—"
        else:
            default = amount(m.default, t) if m.default is not None else "required"
            if m.optional:
                default += " (also when the column is absent)"
        return GuideMetric(
            name=m.name,
            title=m.title or humanize(m.name),
            column=m.column,
            type=type_text,
            unit=m.unit,
            range=rng,
            default=default,
            direction=f"{m.direction} is better" if t.is_numeric or (t.kind is Kind.ENUM and t.ordered) else "—",
            doc=m.doc,
            source=m.source,
            formula=self.english.quantity(m.derived) if m.derived is not None else None,
            words=self.records_words(m.records, m.name) if m.records is not None else None,
        )

    def records_words(self, e: ir.Expr, name: str) -> str:
        """A records metric's definition in words (as the editor's hover says it); a formula
        of other records metrics as a quantity."""
        return records_words(self.p, e, cell=True, name=name) or md_cell(self.english.quantity(e))

    def related_table(self, t: ir.RelatedTable) -> GuideRelatedTable:
        from tierlang.passes.records import tables_reading

        columns = []
        for c in t.columns:
            if c.type.kind is Kind.ENUM:
                type_text = "one of: " + ", ".join(c.type.values)
            elif c.month:
                type_text = "month (its first day: YYYY-MM-01)"
            else:
                type_text = str(c.type)
            if c.type.is_numeric:
                lo, hi = (amount(v, c.type) if v is not None else None for v in (c.minimum, c.maximum))
                rng = f"{lo} to {hi}" if lo and hi else f"{lo} or more" if lo else f"{hi} or less" if hi else "any"
            else:
                rng = "—"
            empty = "may be empty" if c.optional else "required"
            columns.append(GuideColumn(c.name, c.title or humanize(c.name), type_text, empty, rng, c.doc))
        filters = [GuideFilter(f.name, f.title or humanize(f.name), expr_text(f.expr), f.doc, f.source) for f in t.filters]
        readers = tables_reading(self.p).get(t.name, set())
        used_by = [self.english.track_label(rt.name) for rt in self.p.row_tracks if rt.table == t.name]
        used_by += [self.english.track_label(x.name) for x in self.p.tracks if x.name in readers]
        return GuideRelatedTable(t.name, t.title or humanize(t.name), t.doc, t.source, list(t.key), columns, filters, used_by)

    def param(self, x: ir.Param) -> GuideParam:
        schedule = []
        as_of = self.p.as_of
        if x.dated:
            # the whole schedule, past changes included, the step in force marked
            first = x.dated[0][0]
            initial = x.initial if x.initial is not None else x.value
            steps = [(None, f"{amount(initial, x.type)} until {(first - _dt.timedelta(days=1)).isoformat()}")]
            steps += [(d, f"{amount(v, x.type)} from {d.isoformat()}") for d, v in x.dated]
            current = max((i for i, (d, _) in enumerate(steps) if d is None or (as_of is not None and d <= as_of)), default=0)
            schedule = [text + (" (in force)" if i == current else "") for i, (_, text) in enumerate(steps)]
        return GuideParam(
            name=x.name,
            title=x.title,
            value=amount(x.value, x.type),
            schedule=schedule,
            source=x.source,
            assumed=x.assumed,
            doc=x.doc,
            used_by=self.users("param", x.name),
        )

    def example(self, e: ir.Example) -> GuideExample:
        english = self.english
        partners = {q.name: q for q in self.p.partners}
        sample = partners.get(e.partner) if e.partner else None
        base = dict(sample.values) if sample is not None else {}
        given = []
        for name, value in e.given:
            if name in base and base[name] == value:
                continue  # shown through the sample partner
            m = self.p.metric_map.get(name)
            given.append((english.metric_label(name), amount(value, m.type if m else None, m.unit if m else None)))
        expected = []
        for x in e.expectations:
            track = english.track_label(x.path[0])
            if len(x.path) == 1:
                level = english.level_label(x.path[0], x.value) if isinstance(x.value, str) else "no level"
                expected.append(f"{track}: {level}")
            elif len(x.path) == 2 and (o := next((o for o in self.p.track_map[x.path[0]].outputs if o.name == x.path[1]), None)):
                expected.append(f"{track}, {o.title or humanize(o.name)}: {amount(x.value, o.type)}")
            else:
                t = self.p.track_map[x.path[0]]
                score = english.within(t.name).score_label(t.name, x.path[1])
                what = score
                if len(x.path) == 3:
                    part = next(
                        (s.part(x.path[2]) for v in t.variants for s in v.scores if s.name == x.path[1] and s.part(x.path[2])), None
                    )
                    what = f"{score}, {part.title if part is not None and part.title else humanize(x.path[2])}"
                expected.append(f"{track}, {what}: {points_text(x.value) if isinstance(x.value, Fraction) else x.value}")
        partner = (sample.title or humanize(sample.name)) if sample is not None else None
        return GuideExample(e.name, e.title or humanize(e.name), partner, given, expected)


def hold_phrase(h: ir.Hold) -> str:
    """What a status rule does, in words."""
    n = h.length.months if h.length is not None else 0
    if h.kind == "window":
        return f"held while earned in the month or any of the {n - 1} months before" if n > 1 else "held in the months it is earned"
    if h.kind == "anniversary":
        return "once held, kept until the partner's next anniversary, whatever the data"
    if h.kind == "grace":
        return f"after an anniversary, the level held before it is kept for {h.length} while the partner renews"
    if h.kind == "until":
        return f"no demotion: a level, once held, is kept through {h.until}"
    if h.kind == "grandfather":
        return f"the level held on {h.held_on} is kept through {h.until}"
    return f"a higher level is held only once it is earned {n + 1} months in a row (a lower one at once)"


def _unique(items) -> list:
    return list(dict.fromkeys(items))


#: Who a guide is written for (`tier docs --audience`).
AUDIENCES = ("partner", "reviewer")

# Citations in the shipped programs' house style, left out of what partners read: source
# tags (S2, P7, C1, S2b; runs such as "S1, S7" or "S2-S5") and confidence marks ([C], [D],
# [S], [U], [P]), with the parenthesis or the separator that held them.
_TAG = r"\b[SPC]\d+[a-z]?\b"
_RUN = rf"{_TAG}(?:\s*(?:,|-|–|and)\s*{_TAG})*"
_CITATIONS = [
    re.compile(r"\s*\[[CDSUP]\]"),
    re.compile(rf"\s*\(\s*{_RUN}\s*\)"),  # (S29), (S1, S7)
    re.compile(rf"\s*[;:,]\s*{_RUN}(?=\s*[);])"),  # "...; S2, S5)", "..., S47)"
    re.compile(rf"(?<=\()\s*{_RUN}\s*[;:,]\s*"),  # "(S18; silver ..."
    re.compile(r"\s*\(\s*\)"),
]
# A title that starts with its citation: "S2: 2 + 2 gate people score 12".
_LEADING_CITATION = re.compile(rf"^\s*{_RUN}\s*:\s*")


def strip_citations(text: str | None) -> str | None:
    """`text` without source tags and confidence marks (see `_CITATIONS`)."""
    if text is None:
        return None
    for pattern in _CITATIONS:
        text = pattern.sub("", text)
    return text


def _title_for_partners(title: str) -> str:
    """A title without its citations; one that started with them starts with a capital."""
    bare = _LEADING_CITATION.sub("", title)
    if bare != title and bare:
        bare = bare[0].upper() + bare[1:]
    return strip_citations(bare) or title


def _for_partners(obj: object) -> None:
    """Leave out what only the program team reads: sources, assumption notes and citations
    in doc strings (recursively through the view model)."""
    if isinstance(obj, list):
        for x in obj:
            _for_partners(x)
        return
    if not hasattr(obj, "__dataclass_fields__"):
        return
    for name in obj.__dataclass_fields__:  # type: ignore[attr-defined]
        value = getattr(obj, name)
        if name in ("source", "assumed"):
            setattr(obj, name, None)
        elif name == "has_source":
            setattr(obj, name, False)
        elif name == "doc" and isinstance(value, str):
            setattr(obj, name, strip_citations(value))
        elif name == "title" and isinstance(value, str):
            setattr(obj, name, _title_for_partners(value))
        elif isinstance(value, (list, dict)) or hasattr(value, "__dataclass_fields__"):
            _for_partners(list(value.values()) if isinstance(value, dict) else value)


def _citations(g: Guide) -> list[tuple[str, Citation]]:
    """Every `source` string of the guide with the place that cites it (HTML ids as the
    guide template assigns them)."""
    out: list[tuple[str, Citation]] = []

    def cite(source: str | None, title: str, anchor: str | None) -> None:
        if source:
            out.append((source, Citation(title, anchor)))

    def within(track: GuideTrack, title: str) -> str:
        # a track's only level is often named as the track: say it once
        return track.title if title == track.title else f"{track.title}: {title}"

    for t in g.tracks:
        track = t.heading.html_id
        cite(t.source, t.title, track)
        for v in t.variants:
            for sc in v.scores:
                cite(sc.source, within(t, sc.title), track)
                for item in sc.items:
                    lines = item.lines if item.is_category else [item]
                    for line in lines:
                        cite(line.source, within(t, line.title), track)
            for lv in v.levels:
                level = f"level-{t.name}{f'-{v.name}' if v.name else ''}-{lv.name}"
                cite(lv.source, within(t, lv.title), level)
    for gate in g.gates:
        cite(gate.source, f"Gate {gate.title}", f"gate-{gate.name}")
    for h in g.holds:
        cite(h.source, h.title, f"hold-{h.name}")
    for m in (*g.metrics, *g.derived):
        cite(m.source, m.title, f"metric-{m.name}")
    for x in g.params:
        cite(x.source, x.title or x.name, f"param-{x.name}")
    return out


def build_guide(program: ir.Program, audience: str = "reviewer", sources: SourceList | None = None) -> Guide:
    """The guide's view model: every rule of `program` in words, ready for a template.
    `audience` "partner" leaves out internal names, parameters, sources and assumptions;
    "reviewer" ends with a sources appendix, naming each tag from `sources` when given."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    guide = _Builder(program, audience).build()
    if guide.partner:
        _for_partners(guide)
    else:
        guide.sources = cited_sources(_citations(guide), sources)
    return guide


# ------------------------------------------------------------------ rendering


def render_guide(
    program: ir.Program,
    fmt: str = "md",
    data_dictionary: bool = False,
    audience: str = "partner",
    sources: SourceList | None = None,
) -> str:
    """The program guide as Markdown (`fmt="md"`) or one self-contained HTML file, for
    `audience` "partner" (the default) or "reviewer" (with a sources appendix naming the tags
    `sources` names); with `data_dictionary`, only the data dictionary and parameters
    (Markdown, always the reviewer's)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown guide format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if data_dictionary and fmt != "md":
        raise ValueError("the data dictionary is written as Markdown")
    template = "datadict.md.j2" if data_dictionary else FORMATS[fmt]
    guide = build_guide(program, "reviewer" if data_dictionary else audience, sources)
    if fmt == "html":
        return render_template(template, g=guide, page=page_assets(("guide.css",), ("guide.js",)))
    return render_template(template, g=guide)
