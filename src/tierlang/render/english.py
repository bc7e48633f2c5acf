"""Plain English for the IR: conditions, quantities and points formulas as phrases.

This is the one place that decides how a rule reads to a person. The program guide
(`tier docs`) uses it for requirements, gates and points tables; `tier explain` and the diff
report are meant to use it too, so that a requirement reads the same everywhere.

    english = English(program, track="data_ai")
    english.condition(expr)      # -> Phrase: "at least 4 certified professionals"; lists nest
    str(english.condition(expr)) # -> the same on one line
    english.quantity(expr)       # -> "Net customer adds + 1"
    english.points(line.points)  # -> PointsRule: "30 points at 3 net customer adds, pro rata ..."
    describe(expr, program)      # -> one line for any expression

Wording rules, so that phrases stay predictable:
- A count metric compared with a constant reads as a noun phrase ("at least 4 certified
  professionals"); any other metric as "<Title> of at least 5%". The title is lower-cased
  only when it is in sentence case ("Net customer adds" → "net customer adds"); a title with
  capitals past its first word ("Azure Solutions Architect Experts") is kept as written.
- A constant takes the unit of what it is compared with (`growth_pct >= 5` → "5%").
- A constant that came from a parameter is annotated once per phrase: "(parameter
  step1_min, source S2; 3 from 2023-12-01)", so a reader can find where the number comes from.
- Negations are pushed inward where English has a word for it: `not (x < 5)` reads
  "x of at least 5", `not any {...}` reads "none of: ...".
- Numbers are exact: terminating decimals are written out in full; only values the
  phrasing itself derives (such as 20 points over 6 deployments) can read "about 3.33".
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from tierlang import ir
from tierlang.ir import Kind, Type
from tierlang.numbers import plural, plural_noun, terminates
from tierlang.render.source import months_text, window_text

__all__ = [
    "English",
    "Phrase",
    "PointsRule",
    "describe",
    "humanize",
    "join_words",
    "number",
    "amount",
    "points_text",
    "singular",
    "sentence_noun",
    "undecided_text",
]

_NUMBER = Type(Kind.NUMBER)
_POINTS = Type(Kind.POINTS)
_BOOL = Type(Kind.BOOL)
_DATE = Type(Kind.DATE)

#: Comparison words, by operator: for quantities ("at least 4"), for verbs ("is at least").
_AMOUNT_WORD = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than", "==": "exactly", "!=": "other than"}
_VERB = {">=": "is at least", ">": "is more than", "<=": "is at most", "<": "is less than", "==": "equals", "!=": "does not equal"}
_DATE_WORD = {">=": "on or after", ">": "after", "<=": "on or before", "<": "before", "==": "on", "!=": "not on"}
_ENUM_WORD = {
    ">=": "is {v} or higher",
    ">": "is higher than {v}",
    "<=": "is {v} or lower",
    "<": "is lower than {v}",
    "==": "is {v}",
    "!=": "is not {v}",
}
#: `a OP b` ⇔ `b FLIP[OP] a`
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
#: `not (a OP b)` ⇔ `a NEGATE[OP] b` (every comparable kind is totally ordered or only has ==/!=)
_NEGATE = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}

_ARITH_SYMBOL = {"+": "+", "-": "-", "*": "×", "/": "÷"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}

_CONDITION_NODES = (
    ir.Compare, ir.And, ir.Or, ir.Not, ir.AtLeast, ir.TrackAt, ir.GroupCount, ir.Every, ir.GateRef, ir.Undecided,
    ir.FilterRef, ir.InSet, ir.InWindow, ir.IsEmpty,
)  # fmt: skip

#: How an undecided requirement reads, by kind.
_UNDECIDED = {
    "unknown": "a requirement no source states",
    "discretionary": "at the vendor's discretion",
    "invitation": "by invitation",
}


def undecided_text(e: ir.Undecided) -> str:
    """ "at the vendor's discretion — Microsoft reserves the right (S7)": no data decides it."""
    return _UNDECIDED[e.kind] + (f" — {e.reason}" if e.reason else "")


# ------------------------------------------------------------------ words and numbers


def humanize(name: str) -> str:
    """A readable label for a declaration without a title: `net_adds` → "Net adds"."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def sentence_noun(title: str) -> str:
    """The title as a noun inside a sentence: lower-case its first letter only when the
    title is in sentence case, so proper names and acronyms keep their capitals."""
    # judge the head only: "Net customer adds (Data & AI)" is sentence case with a qualifier,
    # and so is "Months this year with at least 2 LinkedIn posts" (a proper name after the
    # head noun stays as written); "Azure Solutions Architect Experts" is a name
    head, _ = _head_and_rest(re.split(r"\s*[(,]", title, maxsplit=1)[0])
    words = head.split()
    if not words:
        return title
    first = words[0]
    sentence_case = first[:1].isupper() and first[1:] == first[1:].lower() and all(w == w.lower() for w in words[1:])
    return title[:1].lower() + title[1:] if sentence_case else title


#: Words that start what follows a noun phrase's head ("months *this year*", "customers
#: *with* 2 workloads", "people *who* passed"): the head is the word before them.
_POSTMODIFIERS = frozenset(
    [
        "with",
        "without",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "per",
        "under",
        "over",
        "above",
        "below",
        "since",
        "during",
        "within",
        "who",
        "which",
        "that",
        "whose",
        "where",
        "this",
        "last",
        "next",
        "each",
        "every",
        "than",
    ]
)


def _head_and_rest(phrase: str) -> tuple[str, str]:
    """A noun phrase cut after its head noun: ("Months", " this year with at least 2
    LinkedIn posts"); the whole phrase and "" when nothing follows the head."""
    words = list(re.finditer(r"\S+", phrase))
    for i, w in enumerate(words[1:], start=1):
        if w.group().lower() in _POSTMODIFIERS:
            end = words[i - 1].end()
            return phrase[:end], phrase[end:]
    return phrase, ""


def singular(phrase: str) -> str:
    """The phrase with its head noun made singular, by the common English endings
    ("competencies" → "competency", "net customer adds" → "net customer add"); a trailing
    qualifier stays as it is ("net customer adds (Data & AI)" → "net customer add (Data & AI)",
    "months this year with 2 posts" → "month this year with 2 posts")."""
    head, qualifier = re.match(r"(.*?)(\s*[(,].*)?$", phrase, re.S).groups()  # type: ignore[union-attr]
    if qualifier and head:
        return singular(head) + qualifier
    head, rest = _head_and_rest(phrase)
    if rest:  # "months this year with 2 posts": the head noun is the one that counts
        return singular(head) + rest
    m = re.search(r"([A-Za-z]+)$", phrase)
    if not m:
        return phrase
    word, low = m.group(1), m.group(1).lower()
    if low.endswith("ies") and len(low) > 4:
        word = word[:-3] + ("Y" if word[-3].isupper() else "y")
    elif low.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif low == "people":
        word = word[:-4] + "rson"
    elif low.endswith("s") and not low.endswith(("ss", "us", "is")) and len(low) > 2:
        word = word[:-1]
    return phrase[: m.start(1)] + word


def join_words(items: Sequence[str], last: str = "and") -> str:
    """ "A", "A and B", "A, B and C"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def number(value: Fraction | int) -> str:
    """An exact number: `1250` → "1,250", `5/2` → "2.5". A value with no finite decimal
    (only ever one the phrasing derives, like 20/6) reads "about 3.33"."""
    v = Fraction(value)
    if v < 0:
        return "-" + number(-v)
    if not terminates(v):
        approx = float(v)
        return f"about {approx:,.2f}" if approx >= 1 else f"about {approx:.3g}"
    whole, rest = divmod(v.numerator, v.denominator)
    text = f"{whole:,}" if whole >= 1000 else str(whole)
    if rest:
        frac, digits = Fraction(rest, v.denominator), ""
        while frac:
            frac *= 10
            digit = int(frac)
            digits += str(digit)
            frac -= digit
        text += "." + digits
    return text


def points_text(value: Fraction | int) -> str:
    """ "1 point", "30 points", "about 3.33 points"."""
    return f"{number(value)} {plural(value, 'point')}"


def amount(value: ir.Value, type_: Type | None = None, unit: str | None = None) -> str:
    """A value with its unit: "5%", "1,250 USD", "4 people", "1 person", "yes", "2022-10-03"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (str, ir.Duration)):
        return str(value)
    kind = type_.kind if type_ is not None else Kind.NUMBER
    text = number(value)
    if kind is Kind.PERCENT:
        return text + "%"
    if kind is Kind.MONEY and type_ is not None and type_.currency:
        return f"{text} {type_.currency}"
    if unit and kind in (Kind.COUNT, Kind.NUMBER):
        return f"{text} {_count_noun(unit, value)}"  # "1 person", "3 people"
    return text


def _count_noun(noun: str, n: Fraction | int | None) -> str:
    return singular(noun) if n == 1 else noun


_VARYING = (ir.MetricRef, ir.ScoreRef, ir.GateRef, ir.TrackAt, ir.GroupCount, ir.Every)


def _is_const(expr: ir.Expr) -> bool:
    """True when the expression reads no metric, score, gate or track."""
    return not any(isinstance(n, _VARYING) for n in ir.walk(expr))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Phrase:
    """A condition in words. `items` is empty for a simple phrase; otherwise `text` is the
    lead-in of a list ("any of:") and `items` its entries, which renderers show nested.
    `joiner` ("and"/"or") lets a short list read inline: "a and b"."""

    text: str
    items: tuple[Phrase, ...] = ()
    joiner: str | None = None

    @property
    def is_list(self) -> bool:
        return bool(self.items)

    def flat(self) -> str:
        """The phrase on one line: nested lists are bracketed, entries separated by ';'."""
        if not self.items:
            return self.text
        if self.joiner and len(self.items) == 2 and not any(i.is_list for i in self.items):
            return f"{self.items[0].text} {self.joiner} {self.items[1].text}"
        return f"{self.text} " + "; ".join(f"({i.flat()})" if i.is_list else i.text for i in self.items)

    def __str__(self) -> str:
        return self.flat()


@dataclass(frozen=True)
class PointsRule:
    """A points line's formula in words.

    `target` is the amount that earns the maximum (None when the formula has no such
    point); `maximum` the most the formula gives when the recognised pattern says so (None
    otherwise: callers may bound it from metric ranges); `notes` the parameter
    annotations ("parameter x, source S2"), kept apart so tables can show them small."""

    text: str
    target: str | None = None
    maximum: Fraction | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text + (f" ({'; '.join(self.notes)})" if self.notes else "")


# ------------------------------------------------------------------ the phraser


class English:
    """Phrases for one program, seen from inside `track` (and `variant`), whose scores are
    then "the Partner capability score" rather than "... in Data & AI".

    `param_notes=False` leaves out the "(parameter x, source S2)" annotations; with
    `internal=False` (for partners) they keep only what a reader outside the program team
    needs: a value's dated changes ("5 from 2024-07-01"), without parameter names, sources or
    assumption marks."""

    def __init__(
        self,
        program: ir.Program,
        track: str | None = None,
        variant: str | None = None,
        *,
        param_notes: bool = True,
        internal: bool = True,
    ) -> None:
        self.program = program
        self.track = track
        self.variant = variant
        self.param_notes = param_notes
        self.internal = internal

    def within(self, track: str | None, variant: str | None = None) -> English:
        """The same phraser, seen from inside another track or variant."""
        return English(self.program, track, variant, param_notes=self.param_notes, internal=self.internal)

    # -------------------------------------------------------------- labels
    def metric_label(self, name: str) -> str:
        m = self.program.metric_map.get(name)
        return m.title if m is not None and m.title else humanize(name)

    def metric_noun(self, name: str) -> str:
        m = self.program.metric_map.get(name)
        return sentence_noun(m.title) if m is not None and m.title else name.replace("_", " ")

    def track_label(self, name: str) -> str:
        t = self.program.track_map.get(name) or self._row_track(name)
        return t.title if t is not None and t.title else humanize(name)

    def level_label(self, track: str, level: str) -> str:
        t = self.program.track_map.get(track)
        levels = t.variants[0].levels if t is not None else getattr(self._row_track(track), "levels", ())
        found = next((lv for lv in levels if lv.name == level), None)
        return found.title if found is not None and found.title else humanize(level)

    def _row_track(self, name: str) -> ir.RowTrack | None:
        return next((rt for rt in self.program.row_tracks if rt.name == name), None)

    def column_label(self, ref: ir.ColumnRef) -> str:
        """A related table's column: its title, or its name in words."""
        t = self.program.related_table_map.get(ref.table)
        c = t.column(ref.column) if t is not None else None
        return c.title if c is not None and c.title else humanize(ref.column)

    def row_noun(self, rt: ir.RowTrack, n: int | Fraction) -> str:
        """What one row of a track per row is, counted: "1 country", "2 countries"."""
        one = rt.column.replace("_", " ")
        return one if n == 1 else plural_noun(one)

    def variant_label(self, track: ir.Track, name: str | None) -> str:
        v = next((v for v in track.variants if v.name == name), None)
        return v.title if v is not None and v.title else humanize(name or "default")

    def gate_label(self, name: str) -> str:
        g = self.program.gate_map.get(name)
        return g.title if g is not None and g.title else humanize(name)

    def group_noun(self, name: str, n: int | None) -> str:
        g = self.program.group_map.get(name)
        noun = sentence_noun(g.title) if g is not None and g.title else name.replace("_", " ")
        return _count_noun(noun, n)

    def _score_parts(self, track: str, score: str, variant: str | None) -> tuple[ir.Track | None, ir.Score | None]:
        t = self.program.track_map.get(track)
        if t is None:
            return None, None
        if variant is None and track == self.track:
            variant = self.variant
        chosen = next((v for v in t.variants if v.name == variant), t.variants[0])
        return t, chosen.score(score)

    def score_label(self, track: str, score: str, variant: str | None = None) -> str:
        _, s = self._score_parts(track, score, variant)
        return s.title if s is not None and s.title else humanize(score)

    def _elsewhere(self, track: str, variant: str | None) -> str:
        """ " in Data & AI" when a score belongs to another track (or another variant)."""
        if track != self.track:
            return f" in {self.track_label(track)}"
        if variant is not None and variant != self.variant:
            t = self.program.track_map[track]
            return f" ({self.variant_label(t, variant)})"
        return ""

    # -------------------------------------------------------------- parameters
    def param_note(self, name: str) -> str:
        """ "parameter step1_min, source S2; 3 from 2023-12-01"."""
        p = self.program.param_map.get(name)
        if p is None:
            if name == "as_of":
                return "the evaluation date"
            return f"parameter {name}" if self.internal else ""
        parts = [f"parameter {name}"] if self.internal else []
        if p.source and self.internal:
            parts.append(f"source {p.source}")
        if p.assumed and self.internal:
            parts.append("an assumption")
        as_of = self.program.as_of
        changes = []
        for when, value in p.dated:
            if as_of is not None and when <= as_of:
                if value == p.value:
                    changes = [f"since {when.isoformat()}"]  # the latest change in force
            else:
                changes.append(f"{amount(value, p.type)} from {when.isoformat()}")
        return "; ".join([x for x in (", ".join(parts), *changes) if x])

    def params_in(self, expr: object) -> list[str]:
        """The parameters an expression's constants came from, in reading order (a table's
        own parameters are the table's to show)."""
        return _unique(n.param for n in ir.walk(expr, tables=False) if isinstance(n, (ir.Const, ir.AtLeast, ir.GroupCount)) and n.param)

    def _noted(self, text: str, expr: object) -> str:
        if not self.param_notes:
            return text
        notes = [n for n in (self.param_note(p) for p in self.params_in(expr)) if n]
        return f"{text} ({'; '.join(notes)})" if notes else text

    # -------------------------------------------------------------- types
    def type_of(self, expr: ir.Expr) -> Type:
        """The type a quantity is measured in, for choosing units (not for checking)."""
        if isinstance(expr, ir.Const):
            return expr.type
        if isinstance(expr, ir.MetricRef):
            m = self.program.metric_map.get(expr.name)
            return m.type if m is not None else _NUMBER
        if isinstance(expr, ir.ScoreRef):
            return _POINTS
        if isinstance(expr, (ir.AsOf, ir.DateShift)):
            return _DATE
        if isinstance(expr, ir.Neg):
            return self.type_of(expr.operand)
        if isinstance(expr, ir.Arith):
            # as the checker types arithmetic (passes/lower.py)
            lt, rt = self.type_of(expr.left), self.type_of(expr.right)
            if expr.op == "/":
                return lt if lt.kind is Kind.MONEY and rt.kind is not Kind.MONEY else _NUMBER
            if expr.op == "*":
                var = rt if _is_const(expr.left) else lt
                return var if var.kind in (Kind.MONEY, Kind.PERCENT, Kind.POINTS) else _NUMBER
            for t in (lt, rt):
                if t.kind in (Kind.MONEY, Kind.PERCENT, Kind.POINTS):
                    return t
            return lt if lt.kind is rt.kind else _NUMBER
        if isinstance(expr, ir.Func):
            varying = [a for a in expr.args if not _is_const(a)]
            return self.type_of(varying[0] if varying else expr.args[0])
        if isinstance(expr, ir.ColumnRef):
            t = self.program.related_table_map.get(expr.table)
            c = t.column(expr.column) if t is not None else None
            return c.type if c is not None else _NUMBER
        return _BOOL

    def _unit_of(self, expr: ir.Expr) -> str | None:
        if isinstance(expr, ir.MetricRef):
            m = self.program.metric_map.get(expr.name)
            return m.unit if m is not None else None
        return None

    def _typed(self, expr: ir.Expr, like: ir.Expr) -> str:
        """A constant in the units of what it is compared with; anything else as a quantity."""
        if isinstance(expr, ir.Const) and isinstance(expr.value, Fraction):
            t = expr.type if expr.type.kind is not Kind.NUMBER else self.type_of(like)
            return amount(expr.value, t, self._unit_of(like))
        return self.quantity(expr)

    # -------------------------------------------------------------- conditions
    def is_condition(self, expr: ir.Expr) -> bool:
        return isinstance(expr, _CONDITION_NODES) or self.type_of(expr).kind is Kind.BOOL

    def condition(self, expr: ir.Expr) -> Phrase:
        """A condition as a phrase; `all`/`any`/`at least` become lists."""
        if isinstance(expr, ir.And):
            return Phrase("all of:", self._items(expr.items, ir.And), "and")
        if isinstance(expr, ir.Or):
            return Phrase("any of:", self._items(expr.items, ir.Or), "or")
        if isinstance(expr, ir.AtLeast):
            items = tuple(self.condition(i) for i in expr.items)
            if expr.param is not None:  # a parameter's value: say which, whatever it is now
                return Phrase(self._noted(f"at least {expr.n} of", ir.AtLeast(expr.n, (), expr.param)) + ":", items)
            if expr.n >= len(items):
                return Phrase("all of:", items, "and")
            if expr.n == 1:
                return Phrase("any of:", items, "or")
            return Phrase(f"at least {expr.n} of:", items)
        if isinstance(expr, ir.Not):
            return self._negated(expr.operand)
        return Phrase(self._atom(expr, negate=False) or "")

    def _items(self, items: tuple[ir.Expr, ...], kind: type) -> tuple[Phrase, ...]:
        """List entries, with nested lists of the same kind merged (`a and (b and c)`)."""
        out: list[Phrase] = []
        for item in items:
            if isinstance(item, kind):
                out.extend(self._items(item.items, kind))  # type: ignore[attr-defined]
            else:
                out.append(self.condition(item))
        return tuple(out)

    def _negated(self, expr: ir.Expr) -> Phrase:
        if isinstance(expr, ir.Not):
            return self.condition(expr.operand)
        if isinstance(expr, ir.Or):
            return Phrase("none of:", self._items(expr.items, ir.Or))
        if isinstance(expr, ir.And):
            return Phrase("not all of:", self._items(expr.items, ir.And))
        if isinstance(expr, ir.AtLeast):
            items = tuple(self.condition(i) for i in expr.items)
            if expr.n == 1:
                return Phrase("none of:", items)
            if expr.n >= len(items):
                return Phrase("not all of:", items)
            return Phrase(f"fewer than {expr.n} of:", items)
        text = self._atom(expr, negate=True)
        return Phrase(text) if text is not None else Phrase("not:", (self.condition(expr),))

    def _atom(self, expr: ir.Expr, negate: bool) -> str | None:
        """A simple condition (no list), or its negation (None: no words for it)."""
        if isinstance(expr, ir.Compare):
            op = _NEGATE[expr.op] if negate else expr.op
            return self._noted(self._compare(op, expr.left, expr.right), expr)
        if isinstance(expr, ir.GateRef):
            return f"{'does not meet' if negate else 'meets'} gate “{self.gate_label(expr.name)}”"
        if isinstance(expr, ir.TrackAt):
            return self._track_at(expr, negate)
        if isinstance(expr, ir.GroupCount):
            return self._noted(self._group_count(expr, negate), expr)
        if isinstance(expr, ir.Every):
            return self._noted(self._every(expr, negate), expr)
        if isinstance(expr, ir.MetricRef):  # a bool metric used as a condition
            return f"{self.metric_label(expr.name)}: {'no' if negate else 'yes'}"
        if isinstance(expr, ir.Const) and isinstance(expr.value, bool):
            return "always" if expr.value != negate else "never"
        if isinstance(expr, ir.Undecided):
            text = f"{undecided_text(expr)} (cannot be decided from data)"
            return f"not: {text}" if negate else text
        row = self._row_condition(expr, negate)
        if row is not None:
            return row
        return None if negate else self.quantity(expr)

    def _row_condition(self, expr: ir.Expr, negate: bool) -> str | None:
        """A condition on one row of a related table (a filter, a set, a window, an empty
        value, a yes/no column), or None."""
        if isinstance(expr, ir.FilterRef):
            t = self.program.related_table_map.get(expr.table)
            f = t.filter(expr.name) if t is not None else None
            title = f.title if f is not None and f.title else humanize(expr.name)
            return f"{'not: ' if negate else ''}“{title}”"
        if isinstance(expr, ir.InSet):
            word = "is one of" if expr.negated == negate else "is none of"
            values = ", ".join(str(v) for v in expr.values)
            if expr.list is not None:
                vl = next((v for v in self.program.lists if v.name == expr.list), None)
                title = vl.title if vl is not None and vl.title else humanize(expr.list)
                return f"{self.quantity(expr.operand)} {'is in' if expr.negated == negate else 'is not in'} {title} ({values})"
            return f"{self.quantity(expr.operand)} {word} {values}"
        if isinstance(expr, ir.InWindow):
            return f"{self.quantity(expr.operand)} {'is not' if negate else 'is'} in the {window_text(expr.window)} ({months_text(expr.window)})"
        if isinstance(expr, ir.IsEmpty):
            return f"{self.quantity(expr.operand)} {'is not' if expr.negated != negate else 'is'} empty"
        if isinstance(expr, ir.ColumnRef):  # a yes/no column
            return f"{self.column_label(expr)}: {'no' if negate else 'yes'}"
        return None

    def _rollup(self, op: str, left: ir.MetricRef, right: ir.Const) -> str | None:
        """`at least N of ROWTRACK at LEVEL` and `= highest ROWTRACK` (a count of the rows of
        a track per row at a level): "Platinum or higher in Country tier in at least 2
        countries"."""
        for rt in self.program.row_tracks:
            for lv in rt.levels:
                for exact in (False, True):
                    if left.name != f"{rt.name} at {'exactly ' if exact else ''}{lv.name}":
                        continue
                    level = self.level_label(rt.name, lv.name)
                    top = rt.levels[-1].name == lv.name
                    what = f"exactly {level} (not a higher level)" if exact and not top else level if top else f"{level} or higher"
                    n = right.value
                    return f"{what} in {self.track_label(rt.name)} in {_AMOUNT_WORD[op]} {amount(n)} {self.row_noun(rt, n)}"
        return None

    def _compare(self, op: str, left: ir.Expr, right: ir.Expr) -> str:
        if _is_const(left) and _is_const(right):
            switch = self._date_switch(op, left, right)
            if switch is not None:
                return switch
        if _is_const(left) and not _is_const(right):
            left, right, op = right, left, _FLIP[op]
        if isinstance(left, ir.MetricRef) and isinstance(right, ir.Const):
            text = self._rollup(op, left, right) or self._metric_compare(op, left, right)
            if text is not None:
                return text
        if isinstance(left, ir.ScoreRef) and isinstance(right, ir.Const) and isinstance(right.value, Fraction):
            return self._score_compare(op, left, right.value)
        if self.type_of(left).kind is Kind.DATE:
            return f"{self.quantity(left)} {_DATE_WORD[op]} {self.quantity(right)}"
        return f"{self.quantity(left)} {_VERB[op]} {self._typed(right, left)}"

    def _date_switch(self, op: str, left: ir.Expr, right: ir.Expr) -> str | None:
        """A comparison of constants that a dated parameter turns on or off (`switch >= 1`
        with `param switch = 0 { from 2024-01-01 = 1 }`) read as the dates it holds on:
        "from 2024-01-01 on"; None when no dated parameter is involved."""
        names = _unique([*self.params_in(left), *self.params_in(right)])
        params = [self.program.param_map[n] for n in names if n in self.program.param_map]
        days = sorted({d for p in params for d, _ in p.dated})
        if not days:
            return None
        starts: list[_dt.date | None] = [None, *days]
        holds = []
        for start in starts:
            values = {p.name: _param_on(p, start) for p in params}
            a, b = _const_at(left, values), _const_at(right, values)
            if a is None or b is None:
                return None
            holds.append(_holds(op, a, b))
        spans: list[str] = []
        for i, start in enumerate(starts):
            if not holds[i] or (i and holds[i - 1]):
                continue
            j = i
            while j + 1 < len(starts) and holds[j + 1]:
                j += 1
            end = starts[j + 1] - _dt.timedelta(days=1) if j + 1 < len(starts) else None  # type: ignore[operator]
            if start is None:
                spans.append("always" if end is None else f"until {end.isoformat()}")
            else:
                spans.append(f"from {start.isoformat()} on" if end is None else f"from {start.isoformat()} to {end.isoformat()}")
        return join_words(spans, "or") if spans else "never"

    def _metric_compare(self, op: str, left: ir.MetricRef, right: ir.Const) -> str | None:
        m = self.program.metric_map.get(left.name)
        if m is None:
            return None
        label, value, kind = self.metric_label(left.name), right.value, m.type.kind
        if kind is Kind.BOOL and isinstance(value, bool):
            holds = (op == "==") == value
            return f"{label}: {'yes' if holds else 'no'}"
        if kind is Kind.ENUM and isinstance(value, str):
            return f"{label} {_ENUM_WORD[op].format(v=value)}"
        if kind is Kind.DATE and isinstance(value, _dt.date):
            return f"{label} {_DATE_WORD[op]} {value.isoformat()}"
        if not isinstance(value, Fraction):
            return None
        shown = self._typed(right, left)
        if kind is Kind.COUNT:
            noun = self.metric_noun(left.name)
            if op == "!=":
                return f"not exactly {number(value)} {noun}"
            word = "fewer than" if op == "<" else _AMOUNT_WORD[op]
            return f"{word} {number(value)} {_count_noun(noun, value if op in ('>=', '<=', '==') else None)}"
        if op == "!=":
            return f"{label} other than {shown}"
        return f"{label} of {_AMOUNT_WORD[op]} {shown}"

    def _score_compare(self, op: str, ref: ir.ScoreRef, value: Fraction) -> str:
        where = self._elsewhere(ref.track, ref.variant)
        word = "not exactly" if op == "!=" else _AMOUNT_WORD[op]
        if ref.part is None:
            score = self.score_label(ref.track, ref.score, ref.variant)
            if op == "!=":
                return f"a {score} other than {number(value)}{where}"
            return f"a {score} of {word} {number(value)}{where}"
        return f"{word} {points_text(value)} {self._part_phrase(ref)}"

    def _part_phrase(self, ref: ir.ScoreRef) -> str:
        """ "in Performance" (a category) or "for Net adds" (a line); another track's name
        follows in brackets, since "in Performance in Infrastructure" stutters."""
        _, s = self._score_parts(ref.track, ref.score, ref.variant)
        part = s.part(ref.part) if s is not None and ref.part else None
        label = part.title if part is not None and part.title else humanize(ref.part or "")
        where = f" ({self.track_label(ref.track)})" if ref.track != self.track else self._elsewhere(ref.track, ref.variant)
        return f"{'in' if isinstance(part, ir.Category) else 'for'} {label}{where}"

    def _every(self, expr: ir.Every, negate: bool) -> str:
        score = self.score_label(expr.track, expr.score, expr.variant)
        where = self._elsewhere(expr.track, expr.variant)
        op = _NEGATE[expr.op] if negate else expr.op
        if isinstance(expr.value, ir.Const) and isinstance(expr.value.value, Fraction):
            worth = points_text(expr.value.value)
        else:
            worth = f"{self.quantity(expr.value)} points"
        word = "not exactly" if op == "!=" else _AMOUNT_WORD[op]
        lead = "some line" if negate else "every line"
        return f"{lead} of the {score}{where} earns {word} {worth}"

    def _track_at(self, expr: ir.TrackAt, negate: bool) -> str:
        hold = "does not hold" if negate else "holds"
        track = self.track_label(expr.track)
        t = self.program.track_map.get(expr.track)
        ladder = t.level_names if t is not None else ()
        if expr.level is None:
            return f"{hold} {track}" if len(ladder) <= 1 else f"{hold} any level of {track}"
        if len(ladder) <= 1:
            return f"{hold} {track}"
        level = self.level_label(expr.track, expr.level)
        top = bool(ladder) and ladder[-1] == expr.level
        if expr.exact and not top:  # `at exactly LEVEL`: that level, not a higher one
            return f"{hold} exactly {level} (not a higher level) in {track}"
        return f"{hold} {level}{'' if top else ' or higher'} in {track}"

    def group_level(self, expr: ir.GroupCount) -> str:
        """The level a group count asks for: "Gold or higher", "Designated" (the top of
        every ladder), "exactly Gold (not a higher level)"; "" when the tracks have one level
        or none is named."""
        g = self.program.group_map.get(expr.group)
        members = [self.program.track_map[n] for n in (g.tracks if g else ()) if n in self.program.track_map]
        if expr.level is None or not any(len(t.level_names) > 1 for t in members):
            return ""
        titles = {self.level_label(t.name, expr.level) for t in members}
        level = titles.pop() if len(titles) == 1 else humanize(expr.level)
        if any(t.level_names[-1] != expr.level for t in members):
            level = f"exactly {level} (not a higher level)" if expr.exact else f"{level} or higher"
        return level

    def _group_count(self, expr: ir.GroupCount, negate: bool) -> str:
        g = self.program.group_map.get(expr.group)
        members = [self.program.track_map[n] for n in (g.tracks if g else ()) if n in self.program.track_map]
        level = self.group_level(expr)
        if expr.n is None:
            total = len(members)
            if total == 1:  # "all 1 designation" reads oddly; name the one track
                return self._track_at(ir.TrackAt(members[0].name, expr.level, exact=expr.exact), negate)
            if level:
                return f"{'does not hold' if negate else 'holds'} {level} in all {total} {self.group_noun(expr.group, None)}"
            return f"{'does not hold' if negate else 'holds'} all {total} {self.group_noun(expr.group, total)}"
        if negate and expr.n == 1:
            noun = self.group_noun(expr.group, 1)
            return f"holds {level} in no {noun}" if level else f"holds no {noun}"
        word = "fewer than" if negate else "at least"
        if level:
            return f"holds {level} in {word} {expr.n} {self.group_noun(expr.group, expr.n)}"
        return f"holds {word} {expr.n} {self.group_noun(expr.group, expr.n)}"

    # -------------------------------------------------------------- quantities
    def quantity(self, expr: ir.Expr, outer: int = 0) -> str:
        """A numeric expression as a noun phrase. `outer` is the binding strength of the
        enclosing operator, for brackets."""
        if isinstance(expr, ir.Const):
            return amount(expr.value, expr.type)
        if isinstance(expr, ir.MetricRef):
            return self.metric_label(expr.name)
        if isinstance(expr, ir.ScoreRef):
            return self._score_quantity(expr)
        if isinstance(expr, ir.Lookup):
            return self.table_quantity(expr.table)
        if isinstance(expr, ir.LevelOf):
            return f"the level held in {self.track_label(expr.track)}"
        if isinstance(expr, ir.AsOf):
            return "the evaluation date"
        if isinstance(expr, ir.ColumnRef):
            return self.column_label(expr)
        if isinstance(expr, ir.DateShift):
            return f"{self.quantity(expr.operand, 2)} {'plus' if expr.sign > 0 else 'minus'} {self.quantity(expr.amount)}"
        if isinstance(expr, ir.Neg):
            return "-" + self.quantity(expr.operand, 3)
        if isinstance(expr, ir.Arith):
            prec = _PRECEDENCE[expr.op]
            # the right side of - and ÷ binds tighter: a - (b - c)
            right_outer = prec + 1 if expr.op in ("-", "/") else prec
            text = f"{self.quantity(expr.left, prec)} {_ARITH_SYMBOL[expr.op]} {self.quantity(expr.right, right_outer)}"
            return f"({text})" if prec < outer else text
        if isinstance(expr, ir.Func):
            text, atomic = self._func(expr)
            return f"({text})" if outer and not atomic else text
        if self.is_condition(expr):
            return str(self.condition(expr))
        return str(expr)

    def table_quantity(self, t: ir.Table) -> str:
        """ "the CSAT points for the CSAT Index responses (table)"."""
        keys = join_words([self.quantity(k) for k in t.keys])
        return f"{sentence_noun(t.title) if t.title else humanize(t.name)} by {keys} (table “{t.label}”)"

    def _score_quantity(self, ref: ir.ScoreRef) -> str:
        if ref.part is None:
            return f"the {self.score_label(ref.track, ref.score, ref.variant)}{self._elsewhere(ref.track, ref.variant)}"
        return f"the points {self._part_phrase(ref)}"

    def _func(self, f: ir.Func) -> tuple[str, bool]:
        """(text, atomic): atomic phrases need no brackets inside arithmetic."""
        floored = _floored(f)
        if floored is not None:
            return f"{self.quantity(floored, 3)} (negative values count as 0)", True
        if f.name == "clamp":
            x, lo, hi = f.args
            return f"{self.quantity(x)}, kept between {self._typed(lo, x)} and {self._typed(hi, x)}", False
        args = [self.quantity(a) for a in f.args]
        word = {"min": ("smaller", "smallest"), "max": ("larger", "largest")}[f.name][len(args) > 2]
        return f"the {word} of {join_words(args)}", False

    # -------------------------------------------------------------- points
    def points(self, expr: ir.Expr) -> PointsRule:
        """A points line's formula in words. Recognises the Cloud Partner Program's
        `max × clamp(metric / target)` ("30 points at 3 net customer adds, pro rata"), rates
        with an optional cap ("1 point per 1,250 USD of ACR growth, up to 20 points") and
        constants; anything else reads as the quantity it is."""
        notes = tuple(n for n in (self.param_note(p) for p in self.params_in(expr)) if n) if self.param_notes else ()
        if isinstance(expr, ir.Const) and isinstance(expr.value, Fraction):
            return PointsRule(points_text(expr.value), None, expr.value, notes)
        if isinstance(expr, ir.Lookup):  # the table is shown on its own, with its sources
            most = max(c.value for row in expr.table.cells for c in row)  # type: ignore[type-var]
            keys = join_words([self.quantity(k) for k in expr.table.keys])
            return PointsRule(f"points from the table “{expr.table.label}”, by {keys}", None, most, ())  # type: ignore[arg-type]
        rule = self._pro_rata(expr) or self._rates(expr)
        if rule is not None:
            return PointsRule(rule.text, rule.target, rule.maximum, notes)
        return PointsRule(f"points equal to {self.quantity(expr)}", None, None, notes)

    def _pro_rata(self, expr: ir.Expr) -> PointsRule | None:
        found = _scaled_clamp(expr)
        if found is None:
            return None
        top, ratios = found
        if top <= 0 or any(t <= 0 for _, t in ratios):
            return None
        targets = [amount(t, self.type_of(x), self._unit_of(x)) for x, t in ratios]
        if len(ratios) > 1:  # `max × clamp(max(a / 1000, b / 4000))`: the better of several measures
            reach = join_words([f"{self.quantity(x)} reaches {t}" for (x, _), t in zip(ratios, targets)], "or")
            return PointsRule(f"{points_text(top)} when {reach}, whichever gives more, pro rata", " or ".join(targets), top)
        (x, target), target_text = ratios[0], targets[0]
        if isinstance(x, ir.MetricRef) and self.type_of(x).kind is Kind.COUNT:
            noun = self.metric_noun(x.name)
            if target == 1:
                return PointsRule(f"{points_text(top)} for at least 1 {singular(noun)}", target_text, top)
            reach = f"at {number(target)} {noun}"
        else:
            reach = f"when {self.quantity(x)} reaches {target_text}"
        rate = self._rate_text(x, top / target, floored=False, subject=False)
        return PointsRule(f"{points_text(top)} {reach}, pro rata ({rate})", target_text, top)

    def _rates(self, expr: ir.Expr) -> PointsRule | None:
        cap: Fraction | None = None
        body = expr
        if isinstance(expr, ir.Func) and expr.name == "min" and len(expr.args) == 2:
            a, b = expr.args
            for c, rest in ((a, b), (b, a)):
                if isinstance(c, ir.Const) and isinstance(c.value, Fraction) and not _is_const(rest):
                    cap, body = c.value, rest
                    break
            if cap is None:
                return None
        terms = _sum_terms(body)
        rates = [_linear(t) for t in terms]
        if not terms or any(r is None for r in rates):
            return None
        texts = [self._rate_text(*r) for r in rates]  # type: ignore[misc]
        text = " plus ".join(texts)
        target = None
        if cap is not None:
            text += f", up to {points_text(cap)}"
            if len(rates) == 1:
                x, per_unit, _ = rates[0]  # type: ignore[misc]
                target = amount(cap / per_unit, self.type_of(x), self._unit_of(x))
        return PointsRule(text, target, cap)

    def _rate_text(self, x: ir.Expr, per_unit: Fraction, floored: bool, subject: bool = True) -> str:
        """ "10 points per net customer add", "1 point per 1,250 USD of ACR growth"; without
        `subject` the thing measured is left out ("10 points each", "1 point per 1%")."""
        xt, unit = self.type_of(x), self._unit_of(x)
        floor = " (negative values count as 0)" if floored else ""
        of = f" of {self.quantity(x, 3)}" if subject else ""
        # "1 point per 125 users" reads better than "0.008 points per user"
        step = 1 / per_unit if per_unit > 0 else None
        by_step = step is not None and terminates(step) and (per_unit < 1 or per_unit.denominator != 1)
        if xt.kind is Kind.COUNT:
            noun = self.metric_noun(x.name) if isinstance(x, ir.MetricRef) else None
            if by_step and per_unit < 1 and step.denominator == 1:  # type: ignore[union-attr]  # no half people
                counted = f" {_count_noun(noun, step)}" if noun else ""
                return f"1 point per {number(step)}{counted}{floor}"  # type: ignore[arg-type]
            if subject and noun:
                return f"{points_text(per_unit)} per {singular(noun)}{floor}"
            return f"{points_text(per_unit)} each{of}{floor}"
        if by_step:
            return f"1 point per {amount(step, xt, unit)}{of}{floor}"  # type: ignore[arg-type]
        # "0.12 points per 1,000 USD" reads better than "0.00012 points per 1 USD".
        per = Fraction(1)
        while 0 < per_unit * per < Fraction(1, 10):
            per *= 10
        return f"{points_text(per_unit * per)} per {amount(per, xt, unit)}{of}{floor}"

    # -------------------------------------------------------------- tracks
    def selection(self, track: ir.Track) -> str | None:
        """How a track with variants picks the one a partner is scored on (None for a
        track with a single scoring path)."""
        names = [self.variant_label(track, v.name) for v in track.variants]
        if track.selection == "best" or (track.selection != "classified" and len(names) > 1):
            primary = track.variants[0].primary_score
            order = "the higher level"
            if primary is not None:
                order += f", and on a tie the higher {primary.title or humanize(primary.name)}"
            both = f"both {names[0]} and {names[1]}" if len(names) == 2 else f"each of {join_words(names)}"
            return f"Scored on {both}; the better result counts: {order}."
        if track.selection == "classified":
            inside = self.within(track.name)
            parts = []
            for i, choice in enumerate(track.choices):
                label = self.variant_label(track, choice.variant)
                if choice.when is None:
                    parts.append(f"otherwise {label}")
                else:
                    parts.append(f"{'otherwise ' if i else ''}{label} when {inside.condition(choice.when).flat()}")
            text = "; ".join(parts)
            return text[:1].upper() + text[1:] + "."
        return None


# ------------------------------------------------------------------ pattern helpers


def _floored(f: ir.Func) -> ir.Expr | None:
    """`max(0, x)` or `max(x, 0)` → x."""
    if f.name != "max" or len(f.args) != 2:
        return None
    a, b = f.args
    for zero, x in ((a, b), (b, a)):
        if isinstance(zero, ir.Const) and zero.value == 0 and not isinstance(zero.value, bool) and not _is_const(x):
            return x
    return None


def _param_on(p: ir.Param, day: _dt.date | None) -> ir.Value:
    """A parameter's value on `day` (None: before its first dated change)."""
    value = p.initial if p.initial is not None else p.value
    for d, v in p.dated:
        if day is not None and d <= day:
            value = v
    return value


def _const_at(expr: ir.Expr, params: dict[str, ir.Value]) -> Fraction | None:
    """The value of a constant expression with the given parameters' values (None when it
    is not a number)."""
    if isinstance(expr, ir.Const):
        v = params.get(expr.param, expr.value) if expr.param else expr.value
        return v if isinstance(v, Fraction) else None
    if isinstance(expr, ir.Neg):
        v = _const_at(expr.operand, params)
        return None if v is None else -v
    if isinstance(expr, ir.Arith):
        a, b = _const_at(expr.left, params), _const_at(expr.right, params)
        if a is None or b is None or (expr.op == "/" and b == 0):
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else a}[expr.op]
    if isinstance(expr, ir.Func):
        vals = [_const_at(a, params) for a in expr.args]
        if any(v is None for v in vals):
            return None
        if expr.name == "min":
            return min(vals)  # type: ignore[type-var]
        if expr.name == "max":
            return max(vals)  # type: ignore[type-var]
        return min(max(vals[0], vals[1]), vals[2])  # type: ignore[type-var]
    return None


def _holds(op: str, a: Fraction, b: Fraction) -> bool:
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b, "!=": a != b}[op]


def _const_number(expr: ir.Expr) -> Fraction | None:
    if isinstance(expr, ir.Const) and isinstance(expr.value, Fraction):
        return expr.value
    return None


def _ratio(expr: ir.Expr) -> tuple[ir.Expr, Fraction] | None:
    """`x / T` → (x, T); a bare varying `x` → (x, 1)."""
    if isinstance(expr, ir.Arith) and expr.op == "/" and _const_number(expr.right) is not None and not _is_const(expr.left):
        return expr.left, _const_number(expr.right)  # type: ignore[return-value]
    return None if _is_const(expr) else (expr, Fraction(1))


def _scaled_clamp(expr: ir.Expr) -> tuple[Fraction, list[tuple[ir.Expr, Fraction]]] | None:
    """`M × clamp(X / T)` (either side of ×) → (M, [(X, T)]); `M × clamp(max(X1 / T1, X2 / T2))`
    → (M, [(X1, T1), (X2, T2)])."""
    if not (isinstance(expr, ir.Arith) and expr.op == "*"):
        return None
    for m_side, c_side in ((expr.left, expr.right), (expr.right, expr.left)):
        top = _const_number(m_side)
        if top is None or not (isinstance(c_side, ir.Func) and c_side.name == "clamp"):
            continue
        x, lo, hi = c_side.args
        if _const_number(lo) != 0 or _const_number(hi) != 1:
            continue
        if isinstance(x, ir.Func) and x.name == "max" and _floored(x) is None:
            parts = [_ratio(a) for a in x.args]
            if all(p is not None for p in parts):
                return top, parts  # type: ignore[return-value]
        one = _ratio(x)
        if one is not None:
            return top, [one]
    return None


def _sum_terms(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.Arith) and expr.op == "+":
        return _sum_terms(expr.left) + _sum_terms(expr.right)
    return [expr]


def _linear(expr: ir.Expr) -> tuple[ir.Expr, Fraction, bool] | None:
    """A term `k × x` (x a metric or score, possibly `max(0, x)`) → (x, k, floored)."""
    if isinstance(expr, (ir.MetricRef, ir.ScoreRef)):
        return expr, Fraction(1), False
    if isinstance(expr, ir.Func):
        x = _floored(expr)
        if isinstance(x, (ir.MetricRef, ir.ScoreRef)):
            return x, Fraction(1), True
        return None
    if isinstance(expr, ir.Arith) and expr.op == "/":
        d = _const_number(expr.right)
        inner = _linear(expr.left)
        if d is None or d == 0 or inner is None:
            return None
        return inner[0], inner[1] / d, inner[2]
    if isinstance(expr, ir.Arith) and expr.op == "*":
        for c, rest in ((expr.left, expr.right), (expr.right, expr.left)):
            k = _const_number(c)
            inner = _linear(rest) if k is not None else None
            if inner is not None:
                return inner[0], inner[1] * k, inner[2]  # type: ignore[operator]
    return None


def describe(expr: ir.Expr, program: ir.Program, track: str | None = None, variant: str | None = None, *, param_notes: bool = True) -> str:
    """Any IR expression on one line: a condition as a phrase, a number as a quantity."""
    english = English(program, track, variant, param_notes=param_notes)
    if english.is_condition(expr):
        return english.condition(expr).flat()
    return english.quantity(expr)
