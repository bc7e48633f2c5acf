"""The diff report for people: terminal text (80 columns), Markdown and one self-contained
HTML file; and JSON for tools (`tierlang.diff.report.to_data`).

`build_view(report)` turns a `DiffReport` into a view model where every number, label, heat
class and chart coordinate is decided; the templates (`diff.md.j2`, `diff.html.j2`, with
`diff.css` inlined) only lay it out. The terminal text is written here, in Python, because
fitting 80 columns is arithmetic.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field

from tierlang import __version__
from tierlang.diff.amounts import AmountComparison
from tierlang.diff.impact import Comparison, Impact
from tierlang.diff.report import DiffReport, is_text, to_data
from tierlang.diff.structural import LOOSENED, NEUTRAL, TIGHTENED, Change
from tierlang.files import read_program_bytes
from tierlang.numbers import plural
from tierlang.render.english import number
from tierlang.render.templating import page_assets, render_template, share, signed

__all__ = ["FORMATS", "render_diff", "build_view"]

#: Output formats of `render_diff`.
FORMATS = ("text", "md", "html", "json")

#: Heat table shades (CSS classes h-<kind>-0 .. h-<kind>-5).
SHADES = 6
#: Timeline series colours (cycled): lowest rank first, readable on white and in grey print.
PALETTE = ("#9aa5b8", "#5b8fd6", "#1f5fbf", "#0b3a80", "#7a5cc4", "#3f2a80")
#: The colour of losses in charts.
LOSS_COLOUR = "#b3261e"
#: Size of one timeline panel (SVG units), and the room its scale's labels take on the left.
PANEL_W, PANEL_H, PANEL_LEFT = 240, 110, 38
#: Half the width of a gains/losses bar (SVG units).
BAR_HALF = 90
#: Kinds of change that are whole declarations (counted, not listed, in the terminal's impact report).
_DECLARATIONS = frozenset({"track", "metric", "param", "gate", "group", "hold"})
#: Non-rule changes shown in the terminal before "... and N more" (the other formats list all).
TERMINAL_CHANGES = 20
#: Outreach rows in the terminal and Markdown reports unless told otherwise (the HTML and
#: JSON reports hold the whole list).
OUTREACH_ROWS = 25


# ------------------------------------------------------------------ view model


@dataclass
class ChangeView:
    index: int
    effect: str  # tightened, loosened, neutral, undecided
    action: str
    kind: str
    where: str
    what: str
    old: str | None
    new: str | None
    old_loc: str | None
    new_loc: str | None
    text_only: bool
    whole: bool = False  # a whole declaration (track, metric, parameter, gate, group) added or removed
    old_href: str | None = None  # the line in the report's source appendix
    new_href: str | None = None

    @property
    def headline(self) -> str:
        if self.action == "changed":
            return f"{self.where}: {self.what}"
        return f"{self.where}: {self.what} {self.action}"

    @property
    def values(self) -> str:
        """What it was and is: `old → new`, or the added or removed thing."""
        if self.action == "changed":
            return f"{self.old or 'none'} → {self.new or 'none'}"
        return (self.new if self.action == "added" else self.old) or ""

    @property
    def summary(self) -> str:
        """The change on one line, for notes next to an attribution."""
        return f"{self.headline}: {self.values} ({self.effect})" if self.values else f"{self.headline} ({self.effect})"


@dataclass
class Cell:
    count: int
    css: str  # heat class
    kind: str  # gain, keep, lose


@dataclass
class MatrixView:
    rows: list[tuple[str, list[Cell], int]]  # old level label, cells, row total
    cols: list[str]  # new level labels
    col_totals: list[int]
    peak: int  # the largest gain or loss cell: the darkest shade of both


@dataclass
class Panel:
    """One small line chart of the timeline (SVG user units, `PANEL_W` × `PANEL_H`): how a
    status's partner count, or the losses realized so far, changed since the first date.
    Every panel shares one vertical scale (`DiffView.scale`), in partners: a line that moves
    by 100 partners is as steep in every panel, whatever the count it starts from."""

    title: str
    colour: str
    css: str  # the legend swatch class
    points: str  # SVG polyline points
    dots: list[tuple[float, float, str]]  # x, y, tooltip per date
    first: int
    last: int
    first_date: str
    last_date: str

    @property
    def delta(self) -> int:
        return self.last - self.first

    @property
    def change(self) -> str:
        """The change in words: "+106 (+2.2%)", "−102 (−48.8%)", "+121"."""
        sign = "+" if self.delta > 0 else "−" if self.delta < 0 else "±"
        text = f"{sign}{number(abs(self.delta))}"
        if self.first:
            text += f" ({sign}{share(abs(self.delta), self.first)})"
        return text


@dataclass
class Scale:
    """The timeline panels' shared vertical scale: change since the first date, in partners."""

    lo: int
    hi: int
    top: float
    bottom: float
    ticks: list[tuple[float, str]]  # y, label

    def y(self, delta: int) -> float:
        return round(self.bottom - (self.bottom - self.top) * (delta - self.lo) / (self.hi - self.lo), 2)


@dataclass
class BarView:
    """Gains and losses of one comparison as a diverging bar (`gain_w`, `lose_w`: lengths in
    SVG units, the largest gain or loss of the report spanning `BAR_HALF`)."""

    title: str
    gain: int
    keep: int
    lose: int
    gain_w: float
    lose_w: float
    status: bool


@dataclass
class ComparisonView:
    c: Comparison
    matrix: MatrixView
    attributions: list
    notes: list[tuple[str, str]]  # ("source" | "assumed" | "doc", text)
    rule_hrefs: list[str | None] = field(default_factory=list)  # per attribution: its rule in the source appendix


@dataclass
class SourceFile:
    """A program file shown whole in the report's appendix, so links to rules work offline."""

    path: str
    anchor: str  # line k is #<anchor>-L<k>
    role: str  # "old program", "new program", "file extended by ..."
    lines: list[str]


@dataclass
class DiffView:
    bar_half: int
    panel_w: int
    panel_h: int
    title: str
    generator: str
    report: DiffReport
    counts: dict[str, int]
    changes: list[ChangeView]
    rule_changes: list[ChangeView]
    text_changes: list[ChangeView]
    impact: Impact | None = None
    comparisons: list[ComparisonView] = field(default_factory=list)
    status: ComparisonView | None = None
    bars: list[BarView] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)
    timeline_rows: list[tuple[str, list[int], int]] = field(default_factory=list)
    classes: list[tuple[str, str]] = field(default_factory=list)  # colour, label
    scale: Scale | None = None
    panel_left: int = PANEL_LEFT
    outreach_shown: list = field(default_factory=list)  # the outreach rows of the text and md reports
    rule_counts: dict[str, int] = field(default_factory=dict)  # effect -> rules changed (declarations apart)
    declarations: list[tuple[str, str, int]] = field(default_factory=list)  # action, kind, count
    edits: list[ChangeView] = field(default_factory=list)  # rule changes that are not whole declarations
    whole: list[ChangeView] = field(default_factory=list)  # whole declarations added or removed
    sources: list[SourceFile] = field(default_factory=list)


def _loc(span) -> str | None:
    return f"{span.file}:{span.line}" if span is not None else None


def _change_view(i: int, c: Change) -> ChangeView:
    return ChangeView(
        index=i,
        effect=c.effect or "undecided",
        action=c.action,
        kind=c.kind,
        where=" › ".join(c.path),
        what=c.what,
        old=c.old,
        new=c.new,
        old_loc=_loc(c.old_span),
        new_loc=_loc(c.new_span),
        text_only=is_text(c),
    )


def _heat(count: int, peak: int) -> int:
    """0 for nobody, else 1..SHADES-1 by the cell's share of the largest cell (exact)."""
    if count <= 0 or peak <= 0:
        return 0
    return 1 + min(SHADES - 2, (count * (SHADES - 1) - 1) // peak)


def _matrix(c: Comparison) -> MatrixView:
    # A "none" row or column nobody is in (ladders with a floor level) is left out of the
    # picture; JSON keeps it.
    keep_rows = [i for i, r in enumerate(c.rows) if r.name is not None or any(c.matrix[i])]
    keep_cols = [j for j, x in enumerate(c.cols) if x.name is not None or any(row[j] for row in c.matrix)]
    rank_pos = {r: k for k, r in enumerate(sorted({_key(x.rank) for x in (*c.rows, *c.cols)}))}
    kinds = {}
    for i in keep_rows:
        for j in keep_cols:
            a, b = rank_pos[_key(c.rows[i].rank)], rank_pos[_key(c.cols[j].rank)]
            kinds[i, j] = "gain" if b > a else "lose" if b < a else "keep"
    # gains and losses share one scale (18 gains must not look as dark as 108 losses); the
    # keep cells are not shaded: their counts, usually far larger, would wash the moves out
    peak = max((c.matrix[i][j] for (i, j), k in kinds.items() if k != "keep"), default=0)
    rows = []
    for i in keep_rows:
        cells = []
        for j in keep_cols:
            kind = kinds[i, j]
            n = c.matrix[i][j]
            cells.append(Cell(n, "h-keep" if kind == "keep" else f"h-{kind}-{_heat(n, peak)}", kind))
        rows.append((c.rows[i].label, cells, sum(c.matrix[i])))
    cols = [c.cols[j].label for j in keep_cols]
    totals = [sum(c.matrix[i][j] for i in range(len(c.rows))) for j in keep_cols]
    return MatrixView(rows, cols, totals, peak)


def _key(rank):
    return (0, 0) if rank is None else (1, rank)


def _notes(c: Comparison) -> list[tuple[str, str]]:
    out = []
    for kind in ("doc", "source", "assumed"):
        text = getattr(c.compare, kind)
        if text:
            out.append((kind, " ".join(text.split())))
    for r in c.compare.ranks if c.declared else ():
        for kind in ("source", "assumed"):
            text = getattr(r, kind)
            if text:
                label = r.label or " / ".join(x or "none" for x in r.old) or "—"
                out.append((kind, f"{label}: {' '.join(text.split())}"))
    return out


def _nice_step(span: int) -> int:
    """A round tick step (1, 2, 5 × 10^k) giving two to five ticks over `span` partners."""
    step = 1
    while True:
        for f in (1, 2, 5):
            if span / (step * f) <= 4:
                return step * f
        step *= 10


def _panels(imp: Impact, c: Comparison) -> tuple[list[Panel], Scale]:
    """Small multiples of the status timeline: one panel per status that anyone holds, and
    one for the losses realized so far, all on one scale of change since the first date."""
    used = [k for k in range(len(c.classes)) if any(row[k] for row in c.timeline)]
    series = [
        (c.classes[k].label, PALETTE[i % len(PALETTE)], f"c{i % len(PALETTE)}", [row[k] for row in c.timeline]) for i, k in enumerate(used)
    ]
    series.append(("Losses so far", LOSS_COLOUR, "line", list(c.losses_realized)))
    deltas = [v - values[0] for *_, values in series for v in values]
    step = _nice_step(max(max(deltas) - min(deltas), 1))
    lo = min(0, (min(deltas) // step) * step)
    hi = max(0, -((-max(deltas)) // step) * step)
    if lo == hi:
        hi = step
    top, bottom = 10, PANEL_H - 12
    scale = Scale(lo, hi, top, bottom, [])
    scale.ticks = [(scale.y(t), ("+" if t > 0 else "−" if t < 0 else "") + number(abs(t))) for t in range(lo, hi + 1, step)]
    dates = [d.isoformat() for d in imp.dates]
    left, right = PANEL_LEFT + 4, PANEL_W - 8
    panels = []
    for title, colour, css, values in series:
        step_x = (right - left) / max(len(values) - 1, 1)
        dots = []
        for i, n in enumerate(values):
            x = round(left + i * step_x, 2)
            dots.append((x, scale.y(n - values[0]), f"{dates[i]}: {number(n)}"))
        points = " ".join(f"{x},{y}" for x, y, _ in dots)
        panels.append(Panel(title, colour, css, points, dots, values[0], values[-1], dates[0], dates[-1]))
    return panels, scale


def _sources(report: DiffReport, views: list[ChangeView], comparisons: list[ComparisonView]) -> list[SourceFile]:
    """The program files the report links into, read whole (a file that cannot be read is
    left out, and so are the links into it)."""
    spans = [a.span for cv in comparisons for a in cv.attributions if a.span is not None]
    spans += [sp for c in report.changes for sp in (c.old_span, c.new_span) if sp is not None]
    files = dict.fromkeys([report.old_file, report.new_file] + [sp.file for sp in spans if sp.file])
    out = []
    for k, path in enumerate(files):
        try:
            text = read_program_bytes(path).decode("utf-8", errors="replace")
        except OSError:
            continue
        role = "old program" if path == report.old_file else "new program" if path == report.new_file else "a file the programs extend"
        anchor = "old" if path == report.old_file else "new" if path == report.new_file else f"file{k}"
        if report.old_file == report.new_file:
            role = "old and new program"
        out.append(SourceFile(path, anchor, role, text.splitlines()))
    return out


def build_view(report: DiffReport) -> DiffView:
    """Everything the templates need, decided."""
    old, new = report.old, report.new
    changes = [_change_view(i, c) for i, c in enumerate(report.changes)]
    order = {TIGHTENED: 0, "undecided": 1, LOOSENED: 2, NEUTRAL: 3}
    rules = sorted((v for v in changes if not v.text_only), key=lambda v: (order[v.effect], v.index))
    for cv in rules:
        cv.whole = cv.action in ("added", "removed") and cv.kind in _DECLARATIONS
    whole = [cv for cv in rules if cv.whole]
    declared: dict[tuple[str, str], int] = {}
    for cv in whole:
        declared[(cv.action, cv.kind)] = declared.get((cv.action, cv.kind), 0) + 1
    edits = [cv for cv in rules if not cv.whole]
    view = DiffView(
        bar_half=BAR_HALF,
        panel_w=PANEL_W,
        panel_h=PANEL_H,
        title=f"{_name(old)} → {_name(new)}",
        generator=f"tierlang {__version__}",
        report=report,
        counts=report.counts(),
        changes=changes,
        rule_changes=rules,
        text_changes=[v for v in changes if v.text_only],
        rule_counts={e: sum(cv.effect == e for cv in edits) for e in (TIGHTENED, LOOSENED, NEUTRAL, "undecided")},
        declarations=[(a, k, n) for (a, k), n in sorted(declared.items(), key=lambda x: (x[0][0] != "removed", x[0][1]))],
        edits=edits,
        whole=whole,
    )
    imp = report.impact
    if imp is not None:
        for c in imp.comparisons:
            view.comparisons.append(ComparisonView(c, _matrix(c), c.attributions, _notes(c)))
    view.sources = _sources(report, changes, view.comparisons)
    hrefs = {sf.path: sf.anchor for sf in view.sources}

    def href(span) -> str | None:
        return f"#{hrefs[span.file]}-L{span.line}" if span is not None and span.file in hrefs else None

    for cv, c in zip(changes, report.changes):
        cv.old_href, cv.new_href = href(c.old_span), href(c.new_span)
    for comp in view.comparisons:
        comp.rule_hrefs = [href(a.span) for a in comp.attributions]
    if imp is None:
        return view
    view.impact = imp
    view.status = next((v for v in view.comparisons if v.c.status), None)
    view.comparisons.sort(key=lambda cv: not cv.c.status)  # the status first, then program order
    # bar lengths (SVG units, display only): the largest gain or loss spans half the bar
    peak = max([c.gain for c in imp.comparisons] + [c.lose for c in imp.comparisons] + [1])
    for c in sorted(imp.comparisons, key=lambda c: (not c.status, -c.lose, -c.gain, c.title)):
        view.bars.append(
            BarView(c.title, c.gain, c.keep, c.lose, round(BAR_HALF * c.gain / peak, 2), round(BAR_HALF * c.lose / peak, 2), c.status)
        )
    timeline_of = view.status.c if view.status else None
    if timeline_of is not None and imp.dates:
        view.panels, view.scale = _panels(imp, timeline_of)
        used = [k for k in range(len(timeline_of.classes)) if any(row[k] for row in timeline_of.timeline)]
        view.classes = [(PALETTE[i % len(PALETTE)], timeline_of.classes[k].label) for i, k in enumerate(used)]
        for d, row in enumerate(timeline_of.timeline):
            view.timeline_rows.append((imp.dates[d].isoformat(), [row[k] for k in used], timeline_of.losses_realized[d]))
    return view


def _name(p) -> str:
    return f"{p.name} {p.version}" if p.version else p.name


# ------------------------------------------------------------------ rendering


def render_diff(report: DiffReport, fmt: str = "text", *, width: int = 80, limit: int | None = OUTREACH_ROWS) -> str:
    """The report as terminal text, Markdown, one self-contained HTML file, or JSON. `limit`
    cuts the outreach list of the terminal and Markdown reports (None: all of it); the HTML
    report (sortable, searchable) and the JSON hold every row the report has."""
    if fmt == "json":
        return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"
    view = build_view(report)
    if fmt == "html":
        page = render_template("diff.html.j2", v=view, page=page_assets(("guide.css", "diff.css")))
        return page.replace("</body>", _history_section(report, fmt, width, limit) + "</body>", 1) if report.history else page
    view.outreach_shown = (
        view.impact.outreach[:limit] if view.impact is not None and limit is not None else view.impact.outreach if view.impact else []
    )
    if fmt == "text":
        return _Text(view, width).render() + _history_section(report, fmt, width, limit)
    if fmt == "md":
        return render_template("diff.md.j2", v=view) + _history_section(report, fmt, width, limit)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _history_section(report: DiffReport, fmt: str, width: int, limit: int | None) -> str:
    """The month-by-month section of `tier diff --history` (render/history_diff.py)."""
    if report.history is None:
        return ""
    from tierlang.render import history_diff

    if fmt == "text":
        return history_diff.history_text(report.history, width, limit)
    return history_diff.history_md(report.history, limit) if fmt == "md" else history_diff.history_html(report.history)


def _cut(text: str, width: int) -> str:
    """One line of at most `width` characters (an ellipsis marks a cut)."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class _Text:
    """The terminal report: headline, rule changes, then the impact, at most `width` wide."""

    def __init__(self, view: DiffView, width: int) -> None:
        self.v = view
        self.w = max(60, width)
        self.out: list[str] = []

    def line(self, text: str = "") -> None:
        self.out.append(text.rstrip())

    def wrap(self, text: str, indent: str, first: str | None = None) -> None:
        lines = textwrap.wrap(" ".join(str(text).split()), self.w - len(indent), break_on_hyphens=False) or [""]
        for k, ln in enumerate(lines):
            self.line((first if k == 0 and first is not None else indent) + ln)

    def render(self) -> str:
        v = self.v
        self.line(f"tier diff: {v.title}")
        r = v.report
        self.line(f"  old {r.old_file}  ({_dates(r.old)})")
        self.line(f"  new {r.new_file}  ({_dates(r.new)})")
        self.wrap(f"compared: {r.compared}", "    ", "  ")
        if v.impact is not None:
            # with data the impact is the news: it comes first, the rule changes after it
            self.headline()
            self.impact()
        self.line()
        self.changes()
        return "\n".join(self.out).rstrip() + "\n"

    def headline(self) -> None:
        imp = self.v.impact
        assert imp is not None
        st = imp.status
        if st is not None:
            self.line()
            self.wrap(
                f"{number(imp.partners)} {plural(imp.partners, 'partner')}: {number(st.lose)} {plural(st.lose, 'loses', 'lose')} status "
                f"({share(st.lose, imp.partners)}), {number(st.gain)} {plural(st.gain, 'gains', 'gain')}, "
                f"{number(st.keep)} {plural(st.keep, 'keeps', 'keep')}.",
                "",
            )

    # -------------------------------------------------------------- rule changes
    def changes(self) -> None:
        v = self.v
        n = v.counts
        self.line(
            f"Rule changes: {n[TIGHTENED]} tightened, {n[LOOSENED]} loosened, {n[NEUTRAL]} neutral, "
            f"{n['undecided']} undecided; {n['text']} text {plural(n['text'], 'change')}"
        )
        if not v.changes:
            self.line("  none: the two programs mean the same")
            return
        shown = v.rule_changes
        cut = 0
        if v.impact is not None:
            # whole declarations added or removed (programs with different tracks have dozens)
            # are counted, not listed; the other changes are listed up to TERMINAL_CHANGES
            whole = [c for c in shown if c.action in ("added", "removed") and c.kind in _DECLARATIONS]
            if whole:
                counts: dict[tuple[str, str], int] = {}
                for c in whole:
                    counts[(c.action, c.kind)] = counts.get((c.action, c.kind), 0) + 1
                for action in ("removed", "added"):
                    parts = [f"{n} {plural(n, kind)}" for (a, kind), n in counts.items() if a == action]
                    if parts:
                        self.wrap(", ".join(parts), "             ", f"  {action:<10} ")
            shown = [c for c in shown if c not in whole]
            decided = [c for c in shown if c.effect != NEUTRAL]
            rest = [c for c in shown if c.effect == NEUTRAL]
            shown = (decided + rest)[:TERMINAL_CHANGES]
            cut = len(decided) + len(rest) - len(shown)
        for c in shown:
            self.change(c)
        if cut or (v.impact is not None and len(shown) < len(v.rule_changes)):
            self.line("  … the md, html and json formats list every change" + (f" ({cut} more)" if cut else ""))
        if v.text_changes:
            if v.impact is None:
                self.line()
                self.line("Text changes (titles, docs, sources):")
                for c in v.text_changes:
                    change = f": {c.old or 'none'} → {c.new or 'none'}" if c.action == "changed" else f" {c.action}"
                    self.line("  " + _cut(f"{c.where}: {c.what}{change}", self.w - 2))
            else:
                self.line(f"  {len(v.text_changes)} text {plural(len(v.text_changes), 'change')} (titles, docs, sources) not shown")

    def change(self, c: ChangeView) -> None:
        tag = f"  {c.effect:<10} "
        indent = " " * len(tag)
        self.wrap(c.headline, indent, tag)
        if c.action == "changed":
            self.wrap(f"{_cut(c.old or 'none', 300)} → {_cut(c.new or 'none', 300)}", indent)
        elif c.action == "added" and c.new:
            self.wrap(c.new, indent)
        elif c.action == "removed" and c.old:
            self.wrap(c.old, indent)
        locs = " → ".join(x for x in (c.old_loc or "(none)", c.new_loc or "(none)"))
        if len(indent) + len(locs) <= self.w:
            self.line(indent + locs)
        else:
            for side, loc in (("old", c.old_loc), ("new", c.new_loc)):
                if loc:
                    self.line(indent + _cut(f"{side} {loc}", self.w - len(indent)))

    # -------------------------------------------------------------- impact
    def impact(self) -> None:
        v = self.v
        imp = v.impact
        assert imp is not None
        self.line()
        mapping = imp.mapping.path or "tracks of the same name, level by level"
        self.line(f"Impact on {number(imp.partners)} {plural(imp.partners, 'partner')} ({imp.data})")
        self.wrap(f"compared through: {mapping}", "  ", "  ")
        if imp.fallback_rows:
            self.line(f"  {number(imp.fallback_rows)} rows evaluated exactly (values beyond 64-bit arithmetic)")
        for note in imp.notes:
            self.wrap(f"note: {note}", "    ", "  ")
        if v.status is not None:
            self.status(v.status)
        else:
            self.line()
            self.wrap("No status comparison: the programs' status tracks are not compared (declare one in a mapping).", "  ", "")
        self.tracks()
        self.amounts()
        self.attributions()
        self.timeline()
        self.outreach()
        self.uncompared()

    def status(self, sv: ComparisonView) -> None:
        c = sv.c
        self.line()
        self.line(_cut(f"Status: {c.title}", self.w))
        self.transitions(c)

    def transitions(self, c: Comparison) -> None:
        cells = []
        rank_pos = {r: k for k, r in enumerate(sorted({_key(x.rank) for x in (*c.rows, *c.cols)}))}
        for i, r in enumerate(c.rows):
            for j, col in enumerate(c.cols):
                n = c.matrix[i][j]
                if not n:
                    continue
                a, b = rank_pos[_key(r.rank)], rank_pos[_key(col.rank)]
                kind = "gain" if b > a else "lose" if b < a else "keep"
                cells.append(({"lose": 0, "gain": 1, "keep": 2}[kind], -n, r.label, col.label, n, kind))
        label_w = self.w - 2 - 12 - 6
        for _, _, old, new, n, kind in sorted(cells):
            text = _pair(old, new, label_w - 1)
            self.line(f"  {text:<{label_w}}{number(n):>12}  {kind}")

    def tracks(self) -> None:
        v = self.v
        others = [b for b in v.bars if not b.status]
        if not others:
            return
        self.line()
        label_w = self.w - 2 - 3 * 11
        self.line(f"{'Tracks':<{label_w + 2}}{'gain':>11}{'keep':>11}{'lose':>11}")
        for b in others:
            self.line(f"  {_cut(b.title, label_w - 1):<{label_w}}{number(b.gain):>11}{number(b.keep):>11}{number(b.lose):>11}")

    def amounts(self) -> None:
        changed = [a for a in self.v.impact.amounts if a.changed]  # type: ignore[union-attr]
        if not changed:
            return
        self.line()
        label_w = self.w - 2 - 3 * 11
        head = "Scores and amounts (partner by partner)" if any(a.output for a in changed) else "Scores (partner by partner)"
        self.line(f"{head:<{label_w + 2}}{'more':>11}{'same':>11}{'less':>11}")
        for a in changed:
            self.line(f"  {_cut(a.title, label_w - 1):<{label_w}}{number(a.more):>11}{number(a.same):>11}{number(a.less):>11}")
            for text in amount_notes(a):
                self.wrap(text, "      ", "    ")

    def attributions(self) -> None:
        v = self.v
        losing = [cv for cv in v.comparisons if cv.c.lose]
        if not losing:
            return
        self.line()
        self.line("Why partners lose (requirements that now fail and held before)")
        report = v.report
        for cv in sorted(losing, key=lambda cv: (not cv.c.status, -cv.c.lose)):
            c = cv.c
            self.line("  " + _cut(f"{c.title}: {number(c.lose)} lose", self.w - 2))
            for a in c.attributions:
                tag = f"  {number(a.partners):>10}  "
                indent = " " * len(tag)
                label = f"{a.label}: " if a.label else ""
                variant = f" ({a.variant_label})" if a.variant_label else ""
                self.wrap(f"{label}{a.text}{variant}", indent, tag)
                if a.old_text:
                    self.wrap(f"was: {a.old_text}", indent)
                if a.changes:
                    self.wrap("rule changes: " + "; ".join(_short(report.changes[i]) for i in a.changes), indent)
                if a.examples:
                    self.wrap("e.g. " + ", ".join(a.examples), indent)
            if c.unattributed:
                self.wrap(
                    f"{number(c.unattributed)} losses have no single failing requirement (a different variant or path was chosen)",
                    "              ",
                    "  " + " " * 12,
                )

    def timeline(self) -> None:
        v = self.v
        if not v.timeline_rows:
            imp = v.impact
            if imp is not None and v.status is not None and not imp.dates:
                self.line()
                self.line("No timeline: the new program has no effective date.")
            return
        imp = v.impact
        assert imp is not None
        self.line()
        self.wrap("Timeline: partners per status as they renew (old status until the next anniversary, new after)", "", "")
        if not imp.anniversary:
            self.wrap("The data has no anniversary column: every partner renews on the effective date.", "  ", "  ")
        elif imp.unknown_anniversary:
            self.wrap(f"Without an anniversary: {number(imp.unknown_anniversary)} (renewing on the effective date).", "  ", "  ")
        letters = "ABCDEFGH"
        for k, (_, label) in enumerate(v.classes):
            self.line("  " + _cut(f"{letters[k]} = {label}", self.w - 2))
        cols = len(v.classes)
        col_w = max(9, min(12, (self.w - 14 - 12) // max(cols, 1)))
        head = f"  {'date':<12}" + "".join(f"{letters[k]:>{col_w}}" for k in range(cols)) + f"{'lost so far':>12}"
        self.line(head)
        for date, counts, lost in v.timeline_rows:
            self.line(f"  {date:<12}" + "".join(f"{number(n):>{col_w}}" for n in counts) + f"{number(lost):>12}")

    def outreach(self) -> None:
        imp = self.v.impact
        assert imp is not None
        if not imp.outreach_total:
            return
        self.line()
        lose = plural(imp.outreach_total, "loses", "lose")
        who = f"{lose} status" if imp.outreach_scope == "status" else f"{lose} a level"
        order = f"by next anniversary on or after {imp.effective.isoformat()}" if imp.effective else "by partner id (no effective date)"
        shown = self.v.outreach_shown
        if not shown:
            self.wrap(f"Outreach: {number(imp.outreach_total)} {plural(imp.outreach_total, 'partner')} {who}.", "  ", "")
            return
        self.wrap(
            f"Outreach: {number(imp.outreach_total)} {plural(imp.outreach_total, 'partner')} {who}. First {len(shown)} {order}:",
            "  ",
            "",
        )
        pid_w = max(10, min(16, max(len(r.partner_id) for r in shown) + 1))
        rest = self.w - 2 - pid_w - 12
        # The "tracks lost" column only when some partner loses a track besides its status.
        tracks_column = any(r.losses or r.unmatched for r in shown)
        status_w = rest * 3 // 5 if tracks_column else rest
        self.line(
            f"  {'partner':<{pid_w}}{'renews':<12}{'now → after renewal':<{status_w}}" + ("tracks lost" if tracks_column else "").rstrip()
        )
        for r in shown:
            when = r.next_anniversary.isoformat() if r.next_anniversary else "unknown"
            # level names, not titles: exact and short enough for 80 columns
            status = _pair(r.old_level or "none", r.new_level or "none", status_w - 1) if r.old is not None else ""
            loses = (", ".join(r.lost) or "—") if tracks_column else ""
            row = f"  {_cut(r.partner_id, pid_w - 1):<{pid_w}}{when:<12}{_cut(status, status_w - 1):<{status_w}}{_cut(loses, rest - status_w)}"
            self.line(row.rstrip())
        if imp.outreach_total > len(shown):
            self.line(
                f"  … {number(imp.outreach_total - len(shown))} more (the html and json reports and --outreach-file FILE hold the whole list)"
            )

    def uncompared(self) -> None:
        imp = self.v.impact
        assert imp is not None
        if not imp.uncompared:
            return
        self.line()
        self.line("Not compared (no counterpart in the other program):")
        for u in imp.uncompared:
            self.line("  " + _cut(f"{u.side} {u.track}: {number(u.holders)} partners hold a level", self.w - 2))


def _pair(old: str, new: str, width: int) -> str:
    """`old → new` in at most `width` characters, cutting the longer side first."""
    room = width - 3
    if len(old) + len(new) <= room:
        return f"{old} → {new}"
    a = max(room // 2, room - len(new))
    b = room - min(a, len(old))
    return f"{_cut(old, a)} → {_cut(new, b)}"


def amount_notes(a: AmountComparison) -> list[str]:
    """The totals, and the partners who lose the most, in a few sentences."""
    unit = f" {a.unit}" if a.unit else ""
    if a.had and a.has:
        out = [
            f"in all {number(a.total_old)} → {number(a.total_new)}{unit} ({signed(a.total_new - a.total_old)});"
            f" increases {signed(a.increase)}, decreases {signed(a.decrease)}"
        ]
    else:  # an amount one program computes and the other does not
        out = [f"in all {number(a.total_old)}{unit} → none" if a.had else f"in all none → {number(a.total_new)}{unit}"]
    sides = [f"{number(a.only_old)} had a value and have none now"] if a.only_old else []
    sides += [f"{number(a.only_new)} have one now and had none"] if a.only_new else []
    if sides:
        out.append("; ".join(sides))
    if a.largest_decreases:
        out.append(
            "largest decreases: "
            + ", ".join(f"{m.partner_id} {signed(m.change)} ({number(m.old)} → {number(m.new)})" for m in a.largest_decreases)
        )  # type: ignore[arg-type]
    return out


def _dates(p) -> str:
    parts = []
    if p.effective:
        parts.append(f"effective {p.effective.isoformat()}")
    if p.as_of and p.as_of != p.effective:
        parts.append(f"as of {p.as_of.isoformat()}")
    return ", ".join(parts) or "no effective date"


def _short(c: Change) -> str:
    """A rule change in a few words, for attribution notes."""
    where = " ".join(c.path)
    if c.action == "changed":
        old = (c.old or "none").split(" (")[0]
        new = (c.new or "none").split(" (")[0]
        return f"{where} {_cut(old, 40)} → {_cut(new, 40)} ({c.effect or 'undecided'})"
    return f"{where} {c.action} ({c.effect or 'undecided'})"
