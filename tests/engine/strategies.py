"""Hypothesis strategies: random valid .tier programs and datasets around their constants.

`programs_with_data()` draws a program text (metrics of every kind, parameters, gates,
derived metrics, groups, tracks with scores, categories, caps, `when` gates, variants chosen
by best-of or classification, cumulative and independent levels, requirements of every
shape, references between tracks, band tables of one and two keys, outputs) and a dataset whose values sit at and around every
constant the program compares or divides by, at zero, and at range bounds (negative where
the range allows). Used by the differential tests: both engines must agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import strategies as st

KINDS = ["count", "count_neg", "number", "percent", "money"]
CONSTS = [Fraction(x) for x in ("0", "1", "2", "3", "5", "6", "7", "10", "20", "0.5", "2.5", "12.5", "1250")]
POINTS = [Fraction(x) for x in ("1", "2.5", "4", "6.67", "10", "15", "20", "30", "40")]
SCORE_T = [Fraction(x) for x in ("0", "1", "10", "12.5", "20", "40", "50", "70", "100")]


def lit(x: Fraction) -> str:
    """A decimal literal for a terminating fraction."""
    if x.denominator == 1:
        return str(x.numerator)
    from decimal import Decimal

    return format(Decimal(x.numerator) / Decimal(x.denominator), "f")


@dataclass
class Metric:
    name: str
    kind: str  # count, count_neg, number, percent, money, bool, enum
    lo: Fraction | None = None
    hi: Fraction | None = None
    default: str | None = None
    consts: set[Fraction] = field(default_factory=set)

    @property
    def numeric(self) -> bool:
        return self.kind in KINDS

    @property
    def whole(self) -> bool:
        return self.kind in ("count", "count_neg")

    def unit(self, x: Fraction) -> str:
        return f"{lit(x)} USD" if self.kind == "money" else lit(x)


@dataclass
class Track:
    name: str
    levels: list[str]
    scores: list[str]
    parts: dict[str, list[str]]  # score -> line and category names (same in every variant)
    group: bool


class _Gen:
    def __init__(self, draw) -> None:
        self.draw = draw
        self.metrics: list[Metric] = []
        self.gates: list[str] = []
        self.tracks: list[Track] = []
        self.params: dict[str, Fraction] = {}
        self.n_members = 0
        self.building_member = False
        self.derived: list[str] = []
        self.out: list[str] = []
        self.tables = 0
        self.undecided_ok = False  # only the last track may need an undecided requirement (TL236)

    # ---------------------------------------------------------- pieces
    def numeric(self, *, no_money: bool = False) -> Metric | None:
        pool = [m for m in self.metrics if m.numeric and not (no_money and m.kind == "money")]
        return self.draw(st.sampled_from(pool)) if pool else None

    def const(self, m: Metric | None = None) -> Fraction:
        c = self.draw(st.sampled_from(CONSTS))
        if m is not None and m.whole and self.draw(st.booleans()):
            c = Fraction(int(c))
        if m is not None and m.lo is not None and m.lo < 0 and self.draw(st.integers(0, 4)) == 0:
            c = -c
        if m is not None:
            m.consts.add(c)
        return c

    def threshold(self, m: Metric) -> str:
        """A constant to compare m with: a literal or a parameter."""
        c = self.const(m)
        if self.params and self.draw(st.integers(0, 3)) == 0:
            name = self.draw(st.sampled_from(sorted(self.params)))
            if m.kind != "money":
                m.consts.add(self.params[name])
                return name
        return m.unit(c)

    def op(self) -> str:
        return self.draw(st.sampled_from([">=", ">", "<=", "<", "==", "!="]))

    def condition(self, depth: int = 0, own: Track | None = None, scores: list[str] | None = None) -> str:
        """A condition over metrics, gates and earlier tracks (never the track being built,
        except its earlier scores via `scores`)."""
        choices = ["metric"] * 4 + ["bool", "enum", "gate", "track", "track_score", "group"] + (["compound"] * 2 if depth < 2 else [])
        if scores:
            choices.append("own_score")
        kind = self.draw(st.sampled_from(choices))
        if kind == "bool":
            bs = [m for m in self.metrics if m.kind == "bool"]
            if bs:
                b = bs[0].name
                return self.draw(st.sampled_from([b, f"not {b}", f"{b} == true", f"{b} != false"]))
            kind = "metric"
        if kind == "enum":
            es = [m for m in self.metrics if m.kind == "enum"]
            if es:
                e = es[0].name
                return f"{e} {self.op()} {self.draw(st.sampled_from(['low', 'mid', 'high']))}"
            kind = "metric"
        if kind == "gate":
            if self.gates:
                return self.draw(st.sampled_from(self.gates))
            kind = "metric"
        if kind == "track":
            if self.tracks:
                t = self.draw(st.sampled_from(self.tracks))
                level = self.draw(st.sampled_from(t.levels))
                return self.draw(st.sampled_from([t.name, f"{t.name} at {level}", f"{t.name} at exactly {level}", f"not {t.name}"]))
            kind = "metric"
        if kind == "track_score":
            ts = [t for t in self.tracks if t.scores]
            if ts:
                t = self.draw(st.sampled_from(ts))
                s = self.draw(st.sampled_from(t.scores))
                if self.draw(st.booleans()):
                    return f"every {t.name}.{s}.points > 0"
                return f"{t.name}.{s} {self.op()} {lit(self.draw(st.sampled_from(SCORE_T)))}"
            kind = "metric"
        if kind == "group":
            # only after every member is built (a group count reads all of them)
            members = [t for t in self.tracks if t.group]
            if members and len(members) == self.n_members and (own is None or not own.group) and not self.building_member:
                n = self.draw(st.integers(1, len(members)))
                at = self.draw(st.sampled_from(["", " at l0", " at exactly l0"]))
                return self.draw(st.sampled_from([f"at least {n} of grp{at}", f"all of grp{at}"]))
            kind = "metric"
        if kind == "own_score":
            assert scores
            return f"{self.draw(st.sampled_from(scores))} {self.op()} {lit(self.draw(st.sampled_from(SCORE_T)))}"
        if kind == "compound":
            form = self.draw(st.sampled_from(["and", "or", "not", "any", "all", "atleast"]))
            sub = lambda: self.condition(depth + 1, own, scores)  # noqa: E731
            if form == "and":
                return f"({sub()} and {sub()})"
            if form == "or":
                return f"({sub()} or {sub()})"
            if form == "not":
                return f"not ({sub()})"
            items = [sub() for _ in range(self.draw(st.integers(1, 3)))]
            if form == "any":
                return "any { " + ", ".join(items) + " }"
            if form == "all":
                return "all { " + ", ".join(items) + " }"
            return f"at least {self.draw(st.integers(1, len(items)))} of {{ " + ", ".join(items) + " }"
        m = self.numeric()
        if self.derived and self.draw(st.integers(0, 5)) == 0:
            return f"{self.derived[0]} {self.op()} {lit(self.const())}"
        if self.draw(st.integers(0, 9)) == 0:
            return f"{self.table()} {self.op()} {lit(self.draw(st.sampled_from(POINTS)))}"
        return f"{m.name} {self.op()} {self.threshold(m)}"

    def bands(self, m: Metric) -> list[str]:
        """Bands of a numeric metric from its lowest value up, touching, none left out:
        `..<a`, `a..<b` (or `a..b-1` for a count), ..., `z..`."""
        edges = sorted(set(self.draw(st.lists(st.sampled_from(CONSTS), min_size=1, max_size=4))))
        if m.lo is not None and m.lo < 0 and self.draw(st.booleans()):
            edges = sorted({-edges[-1], *edges})
        m.consts.update(edges)
        out = [f"..<{m.unit(edges[0])}" if m.kind != "money" else f"..<{lit(edges[0])}"]
        for a, b in zip(edges, edges[1:]):
            if m.whole and a.denominator == 1 and b.denominator == 1 and self.draw(st.booleans()):
                out.append(f"{lit(a)}..{lit(b - 1)}")
            else:
                out.append(f"{lit(a)}..<{lit(b)}")
        out.append(f"{lit(edges[-1])}..")
        return out

    def table(self) -> str:
        """A new table keyed by one or two numeric metrics, the enum metric or the level of a
        track built earlier (never the one being built: it is not in `tracks` yet); its name."""
        name = f"tb{self.tables}"
        self.tables += 1
        kind = self.draw(st.sampled_from(["one", "one", "two", "enum", "track"]))
        enums = [m for m in self.metrics if m.kind == "enum"]
        earlier = self.tracks
        if kind == "enum" and enums:
            key, rows = enums[0].name, ["low", "mid", "high"]
            if self.draw(st.booleans()):
                rows = [rows[0], "else"]
        elif kind == "track" and earlier:
            t = self.draw(st.sampled_from(earlier))
            key, rows = t.name, ["none", *t.levels]
        else:
            m = self.numeric()
            key, rows = m.name, self.bands(m)
            if kind == "two":
                m2 = self.numeric()
                cols = self.bands(m2)
                cells = lambda: ", ".join(lit(self.draw(st.sampled_from(POINTS))) for _ in cols)  # noqa: E731
                body = [f"  by {m.name}, {m2.name}", "  columns: " + ", ".join(cols)] + [f"  {r}: {cells()}" for r in rows]
                self.out.append(f"table {name}: number {{\n" + "\n".join(body) + "\n}")
                return name
        body = [f"  by {key}"] + [f"  {r}: {lit(self.draw(st.sampled_from(POINTS)))}" for r in rows]
        self.out.append(f"table {name}: number {{\n" + "\n".join(body) + "\n}")
        return name

    def outputs(self, track: str, levels: list[str], scores: list[str]) -> str:
        """Output lines for the track being built: a formula, a table by the track's own
        level, or one of its scores plus a constant."""
        out = []
        for i in range(self.draw(st.integers(1, 2))):
            # (not by the level of a track that may be undecided: TL236)
            forms = ["formula"] + ([] if self.undecided_ok else ["level"]) + (["score"] if scores else [])
            form = self.draw(st.sampled_from(forms))
            if form == "level":
                name = f"tb{self.tables}"
                self.tables += 1
                rows = ["none", *levels] if self.draw(st.booleans()) else ["none", "else"]
                body = [f"  by {track}"] + [f"  {r}: {lit(self.draw(st.sampled_from(POINTS)))}" for r in rows]
                self.out.append(f"table {name}: number {{\n" + "\n".join(body) + "\n}")
                expr = name
            elif form == "score":
                expr = f"{self.draw(st.sampled_from(scores))} / 4 + {lit(self.draw(st.sampled_from(POINTS)))}"
            else:
                expr = self.points()
            out.append(f"  output o{i}: number = {expr}\n")
        return "".join(out)

    def points(self) -> str:
        form = self.draw(
            st.sampled_from(
                ["clamp", "clamp", "clamp", "min_sum", "max_clamp", "sum_clamp", "linear", "clamp3", "const", "neg", "derived", "table"]
            )
        )
        if form == "table":
            name = self.table()
            return name if self.draw(st.booleans()) else f"min({lit(self.draw(st.sampled_from(POINTS)))}, {name})"
        K = self.draw(st.sampled_from(POINTS))
        T = self.draw(st.sampled_from([c for c in CONSTS if c > 0]))
        m = self.numeric()
        m.consts.update({T, Fraction(0)})
        if form == "clamp":
            return f"{lit(K)} * clamp({m.name} / {m.unit(T)})" if m.kind != "money" else f"{lit(K)} * clamp({m.name} / {lit(T)} USD)"
        if form == "min_sum":
            m2 = self.numeric()
            T2 = self.draw(st.sampled_from([c for c in CONSTS if c > 0]))
            m2.consts.update({T2, Fraction(0)})
            return f"min({lit(K)}, max(0, {m.name}) / {m.unit(T)} + max(0, {m2.name}) / {m2.unit(T2)})"
        if form == "max_clamp":
            m2 = self.numeric()
            T2 = self.draw(st.sampled_from([c for c in CONSTS if c > 0]))
            m2.consts.add(T2)
            return f"{lit(K)} * max(clamp({m.name} / {m.unit(T)}), clamp({m2.name} / {m2.unit(T2)}))"
        if form == "sum_clamp":
            same = [x for x in self.metrics if x.kind == m.kind]
            m2 = self.draw(st.sampled_from(same))
            return f"{lit(K)} * clamp(({m.name} + {m2.name}) / {m.unit(T)})"
        if form == "derived" and not self.derived:
            form = "neg"
        if form in ("linear", "clamp3", "neg") and self.numeric(no_money=True) is None:
            form = "const"
        if form == "linear":
            m = self.numeric(no_money=True)
            return f"{m.name} * {lit(K)}" if self.draw(st.booleans()) else f"{lit(K)} * {m.name} / {lit(T)}"
        if form == "clamp3":
            m = self.numeric(no_money=True)
            lo = self.draw(st.sampled_from([Fraction(0), Fraction(-5), Fraction(1)]))
            m.consts.update({lo, lo + K})
            return f"clamp({m.name}, {lit(lo)}, {lit(lo + K)})"
        if form == "const":
            return lit(K)
        if form == "derived":
            return f"{lit(K)} * clamp({self.derived[0]} / {lit(T)})"
        m = self.numeric(no_money=True)
        return f"-{m.name} / {lit(T)}"

    def score(self, name: str, parts: list[str], earlier: list[str]) -> str:
        cap = f" max {lit(self.draw(st.sampled_from(SCORE_T[1:])))}" if self.draw(st.integers(0, 2)) == 0 else ""
        body = []
        for p in parts:
            if p.startswith("c"):
                lines = []
                n = self.draw(st.integers(1, 3))
                for i in range(n):
                    lines.append(self.line(f"{p}x{i}", earlier))
                ccap = f" max {lit(self.draw(st.sampled_from(SCORE_T[1:])))}" if self.draw(st.booleans()) else ""
                body.append(f"    category {p}{ccap} {{\n" + "\n".join("  " + ln for ln in lines) + "\n    }")
            else:
                body.append(self.line(p, earlier))
        return f"  score {name}{cap} {{\n" + "\n".join(body) + "\n  }"

    def line(self, name: str, earlier: list[str]) -> str:
        when = ""
        if self.draw(st.integers(0, 3)) == 0:
            when = f" when {self.condition(1, scores=earlier or None)}"
        return f"    {name}: points {self.points()}{when}"

    def level(self, name: str, scores: list[str], parts: dict[str, list[str]], first: bool) -> str:
        reqs = []
        for _ in range(self.draw(st.integers(0 if first else 1, 3))):
            kind = self.draw(st.sampled_from(["score", "every", "part", "cond", "cond"] if scores else ["cond"]))
            label = f"r{len(reqs)}: " if self.draw(st.integers(0, 3)) == 0 else ""
            if kind == "score":
                s = self.draw(st.sampled_from(scores))
                reqs.append(f"require {label}{s} {self.draw(st.sampled_from(['>=', '>', '<']))} {lit(self.draw(st.sampled_from(SCORE_T)))}")
            elif kind == "every":
                s = self.draw(st.sampled_from(scores))
                reqs.append(f"require {label}every {s}.points {self.draw(st.sampled_from(['> 0', '>= 1', '>= 0']))}")
            elif kind == "part":
                s = self.draw(st.sampled_from(scores))
                p = self.draw(st.sampled_from(parts[s]))
                reqs.append(
                    f"require {label}{s}.{p} {self.draw(st.sampled_from(['>=', '>']))} {lit(self.draw(st.sampled_from(SCORE_T[:5])))}"
                )
            elif self.undecided_ok and self.draw(st.integers(0, 3)) == 0:
                # a requirement no data decides, alone or beside a decided condition
                u = self.draw(st.sampled_from(["unknown", "discretionary", 'by invitation "x"']))
                c = self.condition(scores=scores or None)
                reqs.append(f"require {label}" + self.draw(st.sampled_from([u, f"any {{ {c}, {u} }}", f"all {{ {c}, {u} }}", f"not {u}"])))
            else:
                reqs.append(f"require {label}{self.condition(scores=scores or None)}")
        ind = " independent" if not first and self.draw(st.integers(0, 4)) == 0 else ""
        if not reqs:
            return f"  level {name}{ind}"
        return f"  level {name}{ind} {{\n" + "\n".join("    " + r for r in reqs) + "\n  }"

    # ---------------------------------------------------------- the program
    def build(self) -> str:
        draw = self.draw
        self.out.append('program gen "Generated" {\n  version "1"\n  effective 2022-10-03\n}')
        n = draw(st.integers(2, 5))
        for i in range(n):
            kind = draw(st.sampled_from(KINDS))
            m = Metric(f"m{i}", kind)
            attrs = []
            if kind == "count":
                m.lo = Fraction(0)
                if draw(st.integers(0, 3)) == 0:
                    m.hi = Fraction(50)
                    attrs.append("range 0 .. 50")
                decl = "count"
            elif kind == "count_neg":
                attrs.append("range ..")
                decl = "count"
            elif kind == "number":
                if draw(st.booleans()):
                    m.lo = Fraction(0)
                    attrs.append("range 0 ..")
                else:
                    attrs.append("range ..")
                decl = "number"
            elif kind == "percent":
                m.lo, m.hi = Fraction(-100), Fraction(1000)
                attrs.append("range -100 .. 1000")
                decl = "percent"
            else:
                attrs.append("range ..")
                decl = "money USD"
            if draw(st.integers(0, 4)) == 0:
                d = Fraction(0) if m.lo is None or m.lo <= 0 else m.lo
                m.default = lit(d)
                attrs.append(f"default {m.unit(d)}" if kind == "money" else f"default {lit(d)}")
            self.metrics.append(m)
            self.out.append(f"metric {m.name}: {decl}" + (" { " + " ".join(attrs) + " }" if attrs else ""))
        if draw(st.booleans()):
            b = Metric("b0", "bool", default="false" if draw(st.booleans()) else None)
            self.metrics.append(b)
            self.out.append("metric b0: bool" + (" { default false }" if b.default else ""))
        if draw(st.booleans()):
            self.metrics.append(Metric("e0", "enum"))
            self.out.append("metric e0: enum(low < mid < high)")
        counts = [m for m in self.metrics if m.kind in ("count", "count_neg")]
        if len(counts) >= 2 and draw(st.booleans()):
            self.derived.append("d0")
            self.out.append(f"metric d0: number = {counts[0].name} * 2 - {counts[1].name}")
        for i in range(draw(st.integers(0, 2))):
            v = draw(st.sampled_from(CONSTS))
            self.params[f"p{i}"] = v
            self.out.append(f"param p{i} = {lit(v)}")
        for i in range(draw(st.integers(0, 2))):
            self.out.append(f"gate g{i}: {self.condition(1)}")
            self.gates.append(f"g{i}")
        self.out.append("group grp")
        n_tracks = draw(st.integers(1, 4))
        self.n_members = draw(st.integers(0, n_tracks))  # the first n_members tracks are in grp
        for i in range(n_tracks):
            self.building_member = i < self.n_members
            # no later rule reads the last track (unless it is in the group): its level may be undecided
            self.undecided_ok = i == n_tracks - 1 and not self.building_member
            self.out.append(self.track(f"t{i}", self.building_member))
        self.undecided_ok = False
        self.building_member = False
        if not self.n_members:
            # every group needs a member; a trailing constant track keeps the program valid
            self.out.append("track tz in grp { level l0 }")
        return "\n".join(self.out) + "\n"

    def track(self, name: str, group: bool) -> str:
        draw = self.draw
        nscores = draw(st.integers(0, 2))
        scores = [f"s{i}" for i in range(nscores)]
        parts = {s: [f"x{j}" if draw(st.integers(0, 2)) else f"c{j}" for j in range(draw(st.integers(1, 3)))] for s in scores}
        levels = [f"l{i}" for i in range(draw(st.integers(1, 3)))]
        variants = draw(st.integers(0, 2)) == 0
        header = f"track {name}" + (" in grp" if group else "") + " {"

        def body(scores: list[str]) -> str:
            out = []
            for k, s in enumerate(scores):
                out.append(self.score(s, parts[s], scores[:k]))
            for k, lv in enumerate(levels):
                out.append(self.level(lv, scores, parts, k == 0))
            return "\n".join(out)

        if variants:
            names = [f"v{c}" for c in "abcd"[: draw(st.integers(2, 4))]]
            if draw(st.booleans()):
                choose = "  choose best"
                # a best-of variant may have no score: it never wins on score
                own = {v: scores if not scores or draw(st.integers(0, 3)) else [] for v in names}
            else:
                chain = " else ".join(f"{v} when {self.condition(1)}" for v in names[:-1])
                choose = f"  choose {chain} else {names[-1]}"
                own = {v: scores for v in names}
            if any(own[v] != scores for v in names):
                scores = []  # other tracks read only scores every variant has
            outputs = self.outputs(name, levels, scores) if draw(st.integers(0, 2)) == 0 else ""
            text = header + "\n" + outputs + choose + "\n" + "\n".join(f"  variant {v} {{\n{body(own[v])}\n  }}" for v in names) + "\n}"
        else:
            outputs = self.outputs(name, levels, scores) if draw(st.integers(0, 2)) == 0 else ""
            text = header + "\n" + outputs + body(scores) + "\n}"
        # Category and line names double as part names for `s.part` references.
        self.tracks.append(Track(name, levels, scores, {s: _part_names(parts[s]) for s in scores}, group))
        return text


def _part_names(parts: list[str]) -> list[str]:
    return parts


@st.composite
def programs(draw) -> tuple[str, list[Metric]]:
    g = _Gen(draw)
    text = g.build()
    return text, g.metrics


def values_for(draw, m: Metric, big: bool = False) -> st.SearchStrategy[str | None]:
    """A value of metric m as text: near its constants, at zero and range bounds."""
    if m.kind == "bool":
        opts = ["true", "false"] + ([""] if m.default else [])
        return st.sampled_from(opts)
    if m.kind == "enum":
        return st.sampled_from(["low", "mid", "high"])
    base = set(m.consts) | {Fraction(0)}
    if m.lo is not None:
        base.add(m.lo)
    if m.hi is not None:
        base.add(m.hi)
    cands: set[Fraction] = set()
    for c in base:
        deltas = [0, 1, -1] if m.whole else [0, 1, -1, Fraction(1, 100), Fraction(-1, 100), Fraction(1, 3) * 0 + Fraction(5, 1000)]
        for d in deltas:
            cands.add(c + d)
    if m.whole:
        cands.update({Fraction(-3), Fraction(12), Fraction(10**6)})
        if big:
            cands.update({Fraction(10**17), Fraction(-(10**17))})
    else:
        cands.update({Fraction(-37, 10), Fraction(123456, 100), Fraction(10**9)})
        if big:  # forces 128-bit arithmetic, and past it the interpreter fallback
            cands.update({Fraction(10**20) + Fraction(7, 100), Fraction(-(10**25)), Fraction(10**33)})
    ok = sorted(v for v in cands if (m.lo is None or v >= m.lo) and (m.hi is None or v <= m.hi) and (not m.whole or v.denominator == 1))
    texts = [lit(v) for v in ok]
    if m.default is not None:
        texts.append("")
    return st.sampled_from(texts)


@st.composite
def programs_with_data(draw, max_rows: int = 25, big: bool = False):
    """(program text, dataset as {column: [text | None]}) with 1..max_rows partners;
    `big` adds huge values (Int128 arithmetic and the interpreter fallback)."""
    text, metrics = draw(programs())
    n = draw(st.integers(1, max_rows))
    data: dict[str, list[str | None]] = {"partner_id": [f"P{i}" for i in range(n)]}
    for m in metrics:
        strat = values_for(draw, m, big)
        data[m.name] = [v if v != "" else None for v in (draw(strat) for _ in range(n))]
    return text, data
