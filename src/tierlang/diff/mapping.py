"""Track mappings: how the levels of one program are compared with another's.

Two versions of a program usually share their tracks, and the impact diff compares each
track with its namesake, level by level. Programs with different tracks (mspp2009 →
mpn2010, mpn2010 → cloudpartner2022) need a declared mapping: which old track(s) a new
track is compared with, and a *rank* for every level on both sides. A partner whose new rank
is higher than its old one gains, equal keeps, lower loses. Ranks say which statuses are
compared with which; they never claim that the requirements are equivalent.

The mapping file (`.tiermap`, documented in docs/diff.md):

    # comments run to the end of the line
    mapping mspp2009 -> mpn2010 "Compare tiers by position" {
      source "programs/mappings/mspp2009-mpn2010.md"
    }

    compare partner_level -> network_status "Company status" {
      assumed "A2: rank 1 means the lower credentialed tier, not equal requirements"
      rank 0 "Entry": registered -> member, subscriber
      rank 1: certified -> silver_partner
      rank 2: gold_certified -> gold_partner { source "S22, S64" }
    }

    compare business_intelligence, data_platform -> data_ai {
      rank 0: none -> none
      rank 1: silver, gold -> designated
    }

- `compare OLD, ... -> NEW`: the new track is compared with the old track(s); with several
  old tracks a partner's old level is its best one among them (by rank, then by ladder).
  A new track is compared at most once; an old track may feed several new ones.
- `rank N [LABEL]: OLD_LEVELS -> NEW_LEVELS`: N is a non-negative decimal; `-` is an empty
  side; `none` is "no level". Every level of every compared track gets exactly one rank on its
  side; `none` may be left out and then ranks below every level. Ranks may not decrease up a
  ladder (a partner holds its highest level, so a higher level can never compare lower).
- `title`, `doc`, `source`, `assumed` (strings) may annotate the mapping, a comparison or a
  rank line; reports quote them next to the numbers they explain.

Problems are `Diagnostic`s with codes TL500-TL505 and spans in the mapping file.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from tierlang import ir
from tierlang.diagnostics import Diagnostic, Note, SourceMap, decode_source, did_you_mean, display_name, error
from tierlang.files import read_program_bytes
from tierlang.numbers import exact_text, plural
from tierlang.syntax.parser import MAX_NUMBER_DIGITS, _decode_string  # the .tier rules, shared on purpose

__all__ = [
    "level_renames",
    "Rank",
    "Compare",
    "Mapping",
    "MappingError",
    "parse_mapping",
    "load_mapping",
    "identity_mapping",
    "find_mapping",
    "check_mapping",
    "SUFFIX",
]

#: The mapping file suffix; `find_mapping` looks for `mappings/OLD-NEW.tiermap`.
SUFFIX = ".tiermap"


@dataclass(frozen=True)
class Rank:
    """One rank line: the old and new levels (None: "none") that compare at `value`."""

    value: Fraction
    old: tuple[str | None, ...]
    new: tuple[str | None, ...]
    label: str | None = None
    source: str | None = None
    assumed: str | None = None
    doc: str | None = None
    span: ir.Span | None = field(default=None, compare=False)
    old_spans: tuple[ir.Span, ...] = field(default=(), compare=False, repr=False)
    new_spans: tuple[ir.Span, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Compare:
    """The new track `new` compared with the old track(s) `old` through `ranks`."""

    old: tuple[str, ...]
    new: str
    ranks: tuple[Rank, ...]
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    assumed: str | None = None
    declared: bool = True  # False: implied by two tracks of the same name
    span: ir.Span | None = field(default=None, compare=False)
    old_spans: tuple[ir.Span, ...] = field(default=(), compare=False, repr=False)
    new_span: ir.Span | None = field(default=None, compare=False, repr=False)

    def rank_of(self, side: str, level: str | None) -> Fraction | None:
        """The rank of a level on `side` ("old" or "new"); None: ranks below every level."""
        for r in self.ranks:
            if level in (r.old if side == "old" else r.new):
                return r.value
        return None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping between two programs (or the implied one, see `identity_mapping`)."""

    old_program: str
    new_program: str
    compares: tuple[Compare, ...]
    title: str | None = None
    doc: str | None = None
    source: str | None = None
    assumed: str | None = None
    path: str | None = None  # the file it was read from (None: implied)
    span: ir.Span | None = field(default=None, compare=False)

    def for_track(self, new_track: str) -> Compare | None:
        return next((c for c in self.compares if c.new == new_track), None)


class MappingError(Exception):
    """The mapping file cannot be used; `diagnostics` say why, `sources` hold its text."""

    def __init__(self, diagnostics: list[Diagnostic], sources: SourceMap) -> None:
        self.diagnostics = diagnostics
        self.sources = sources
        super().__init__("; ".join(d.message for d in diagnostics[:3]))


# ------------------------------------------------------------------ lexer

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<long>\"\"\"(?:[^\\]|\\.)*?\"\"\")
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<arrow>->)
  | (?P<number>[0-9][0-9_]*(?:\.[0-9_]+)?(?![A-Za-z_]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[{}:,\-])
    """,
    re.X | re.S,
)

_ATTRS = ("title", "doc", "source", "assumed")


@dataclass(frozen=True)
class _Tok:
    kind: str  # name, number, string, arrow, punct, eof
    text: str
    span: ir.Span

    def describe(self) -> str:
        if self.kind == "eof":
            return "the end of the file"
        if self.kind == "string":
            return "a string"
        return f"'{self.text}'"


class _Syntax(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


def _lex(text: str, file: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos, line, col = 0, 1, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            what = "an unterminated string" if ch == '"' else f"unexpected character {ch!r}"
            raise _Syntax(error("TL500", what, ir.Span(file, line, col, line, col + 1)))
        kind = m.lastgroup or ""
        value = m.group(0)
        nl = value.count("\n")
        end_line = line + nl
        end_col = (len(value) - value.rfind("\n")) if nl else col + len(value)
        if kind == "name" and not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise _Syntax(
                error(
                    "TL500",
                    f"'{value}' is not a valid name",
                    ir.Span(file, line, col, end_line, end_col),
                    hint="names are lower case: a letter, then letters, digits and _",
                )
            )
        if kind not in ("ws", "comment"):
            out.append(_Tok("string" if kind == "long" else kind, value, ir.Span(file, line, col, end_line, end_col)))
        pos = m.end()
        line, col = end_line, end_col
    out.append(_Tok("eof", "", ir.Span(file, line, col, line, col)))
    return out


# ------------------------------------------------------------------ parser


class _Parser:
    """Recursive descent over the token list; the first syntax error stops it (TL500)."""

    def __init__(self, tokens: list[_Tok], file: str) -> None:
        self.toks = tokens
        self.i = 0
        self.file = file

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def fail(self, expected: str, hint: str | None = None):
        t = self.tok
        raise _Syntax(error("TL500", f"expected {expected}, found {t.describe()}", t.span, hint=hint))

    def take(self, kind: str, text: str | None = None, expected: str | None = None) -> _Tok:
        t = self.tok
        if t.kind != kind or (text is not None and t.text != text):
            self.fail(expected or (f"'{text}'" if text else f"a {kind}"))
        self.i += 1
        return t

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def span_from(self, start: ir.Span) -> ir.Span:
        end = self.toks[self.i - 1].span
        return ir.Span(self.file, start.line, start.column, end.end_line, end.end_column)

    def name(self, what: str) -> _Tok:
        return self.take("name", expected=what)

    def string(self) -> str:
        return _decode_string(self.take("string").text)

    def attrs(self, allowed: tuple[str, ...], into: dict[str, str], closing: bool = True) -> None:
        """`attr "text"` entries; with `closing`, up to and including the closing brace."""
        while not self.at("punct", "}"):
            t = self.tok
            if t.kind == "name" and t.text in allowed:
                self.i += 1
                if t.text in into:
                    raise _Syntax(error("TL504", f"'{t.text}' is given twice", t.span))
                into[t.text] = self.string()
                continue
            if not closing:
                return
            self.fail(" or ".join([", ".join(allowed), "'}'"]))
        if closing:
            self.take("punct", "}")

    def mapping(self) -> Mapping:
        if not self.at("name", "mapping"):
            self.fail("'mapping OLD -> NEW' first", hint="a mapping file starts with: mapping OLD_PROGRAM -> NEW_PROGRAM")
        start = self.take("name").span
        old = self.name("the old program's name").text
        self.take("arrow", expected="'->' and the new program's name")
        new = self.name("the new program's name").text
        attrs: dict[str, str] = {}
        if self.at("string"):
            attrs["title"] = self.string()
        head = self.span_from(start)
        if self.at("punct", "{"):
            self.i += 1
            self.attrs(_ATTRS, attrs)
        compares = []
        while not self.at("eof"):
            if not self.at("name", "compare"):
                self.fail("'compare' or the end of the file", hint="a comparison reads: compare OLD_TRACK, ... -> NEW_TRACK { rank ... }")
            compares.append(self.compare())
        return Mapping(old, new, tuple(compares), path=self.file, span=head, **attrs)

    def compare(self) -> Compare:
        start = self.take("name", "compare").span
        olds = [self.name("an old track's name")]
        while self.at("punct", ","):
            self.i += 1
            olds.append(self.name("an old track's name"))
        self.take("arrow", expected="'->' and the new track's name")
        new = self.name("the new track's name")
        attrs: dict[str, str] = {}
        if self.at("string"):
            attrs["title"] = self.string()
        head = self.span_from(start)
        self.take("punct", "{", expected="'{' and the rank lines")
        ranks = []
        while True:
            self.attrs(("doc", "source", "assumed"), attrs, closing=False)
            if self.at("name", "rank"):
                ranks.append(self.rank())
            elif self.at("punct", "}"):
                self.i += 1
                break
            else:
                after_level = self.tok.kind == "name" and self.toks[self.i - 1].kind == "name"
                self.fail(
                    "'rank', doc, source, assumed or '}'", hint="separate the levels of one side with commas" if after_level else None
                )
        return Compare(
            tuple(t.text for t in olds),
            new.text,
            tuple(ranks),
            span=head,
            old_spans=tuple(t.span for t in olds),
            new_span=new.span,
            **attrs,
        )

    def rank(self) -> Rank:
        start = self.take("name", "rank").span
        num = self.take("number", expected="the rank: a number such as 0, 1 or 0.5")
        label = self.string() if self.at("string") else None
        self.take("punct", ":", expected="':' after the rank")
        old = self.side("old")
        self.take("arrow", expected="'->' between the old and the new levels")
        new = self.side("new")
        span = self.span_from(start)
        attrs: dict[str, str] = {}
        if self.at("punct", "{"):
            self.i += 1
            self.attrs(("doc", "source", "assumed"), attrs)
        if sum(ch.isdigit() for ch in num.text) > MAX_NUMBER_DIGITS:
            raise _Syntax(error("TL500", f"number too long: at most {MAX_NUMBER_DIGITS} digits", num.span))
        return Rank(
            Fraction(num.text.replace("_", "")),
            tuple(None if t.text == "none" else t.text for t in old),
            tuple(None if t.text == "none" else t.text for t in new),
            label,
            span=span,
            old_spans=tuple(t.span for t in old),
            new_spans=tuple(t.span for t in new),
            **attrs,
        )

    def side(self, which: str) -> list[_Tok]:
        if self.at("punct", "-"):
            self.i += 1
            return []
        out = [self.name(f"an {which} level, 'none' or '-'")]
        while self.at("punct", ","):
            self.i += 1
            out.append(self.name(f"an {which} level or 'none'"))
        return out


def parse_mapping(text: str, file: str) -> tuple[Mapping | None, list[Diagnostic]]:
    """Parse mapping text (no checks against programs). On a syntax error, (None, [TL500])."""
    text = text.removeprefix("\ufeff")  # a byte-order mark: invisible, not part of line 1
    try:
        return _Parser(_lex(text, file), file).mapping(), []
    except _Syntax as e:
        return None, [e.diagnostic]


# ------------------------------------------------------------------ checks against the programs


def _levels_text(names) -> str:
    return ", ".join(names) if names else "(no levels)"


def check_mapping(mapping: Mapping, old: ir.Program, new: ir.Program) -> list[Diagnostic]:
    """Problems with `mapping` as a mapping from `old` to `new` (empty: usable)."""
    diags: list[Diagnostic] = []
    if (mapping.old_program, mapping.new_program) != (old.name, new.name):
        diags.append(
            error(
                "TL501",
                f"this mapping compares {mapping.old_program} -> {mapping.new_program}, not {old.name} -> {new.name}",
                mapping.span,
                hint="give the mapping written for these two programs, or compare the programs it names",
            )
        )
        return diags  # every name below would be reported as unknown
    first_for: dict[str, Compare] = {}
    for c in mapping.compares:
        ok = True
        if c.new in first_for:
            diags.append(
                error(
                    "TL504",
                    f"track '{c.new}' is compared twice",
                    c.new_span,
                    notes=(Note("first compared here", first_for[c.new].new_span),),
                    hint="list every old track it is compared with in one `compare`",
                )
            )
            ok = False
        first_for.setdefault(c.new, c)
        if c.new not in new.track_map:
            diags.append(error("TL502", f"{new.name} has no track '{c.new}'", c.new_span, hint=did_you_mean(c.new, new.track_map)))
            ok = False
        seen: set[str] = set()
        for name, span in zip(c.old, c.old_spans):
            if name in seen:
                diags.append(error("TL504", f"track '{name}' is listed twice", span))
                ok = False
            seen.add(name)
            if name not in old.track_map:
                diags.append(error("TL502", f"{old.name} has no track '{name}'", span, hint=did_you_mean(name, old.track_map)))
                ok = False
        if ok:
            diags.extend(_check_ranks(c, [old.track_map[t] for t in c.old], new.track_map[c.new]))
    return diags


def _check_ranks(c: Compare, old_tracks: list[ir.Track], new_track: ir.Track) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    values: dict[Fraction, Rank] = {}
    for r in c.ranks:
        if r.value in values:
            diags.append(
                error(
                    "TL504",
                    f"rank {_num(r.value)} is declared twice",
                    r.span,
                    notes=(Note("first declared here", values[r.value].span),),
                    hint="write every level of one rank on one line",
                )
            )
        values.setdefault(r.value, r)
    sides = (
        ("old", old_tracks, lambda r: zip(r.old, r.old_spans)),
        ("new", [new_track], lambda r: zip(r.new, r.new_spans)),
    )
    for side, tracks, entries in sides:
        names = {n for t in tracks for n in t.level_names}
        where: dict[str | None, tuple[Rank, ir.Span]] = {}
        unknown = False
        for r in c.ranks:
            for level, span in entries(r):
                if level is not None and level not in names:
                    owner = " or ".join(t.name for t in tracks)
                    hint = did_you_mean(level, names) or f"its levels: {_levels_text(sorted(names))}"
                    diags.append(error("TL502", f"'{level}' is not a level of {owner}", span, hint=hint))
                    unknown = True
                    continue
                if level in where:
                    diags.append(
                        error(
                            "TL504",
                            f"{side} level '{level or 'none'}' has two ranks",
                            span,
                            notes=(Note("first ranked here", where[level][1]),),
                        )
                    )
                    continue
                where[level] = (r, span)
        if unknown:
            continue  # a misspelt level is usually the missing one: one message is enough
        missing = [n for t in tracks for n in t.level_names if n not in where]
        missing = list(dict.fromkeys(missing))
        if missing:
            diags.append(
                error(
                    "TL503",
                    f"{side} {plural(len(missing), 'level')} without a rank: {', '.join(missing)}",
                    c.span,
                    hint="give every level of every compared track a rank (`none` may be left out)",
                )
            )
            continue
        for t in tracks:
            ladder: list[str | None] = ([None] if None in where else []) + list(t.level_names)
            for lower, higher in zip(ladder, ladder[1:]):
                lo_rank, hi_rank = where[lower][0].value, where[higher][0].value
                if hi_rank < lo_rank:
                    diags.append(
                        error(
                            "TL505",
                            f"{side} level '{higher}' of {t.name} ranks {_num(hi_rank)}, below '{lower or 'none'}' ({_num(lo_rank)})",
                            where[higher][1],
                            hint="a partner holds its highest level, so a higher level may not rank lower",
                        )
                    )
    return diags


def _num(v: Fraction) -> str:
    return exact_text(v)


# ------------------------------------------------------------------ loading and defaults


def load_mapping(path: str | Path, old: ir.Program, new: ir.Program) -> Mapping:
    """Read and check a mapping file for `old` → `new`. Raises `MappingError` (with
    diagnostics) for a bad file and `OSError` when it cannot be read."""
    name = display_name(path)
    raw = read_program_bytes(path)
    text, bad = decode_source(raw, name, "TL500")
    sources = SourceMap({name: text})
    if bad is not None:
        raise MappingError([bad], sources)
    mapping, diags = parse_mapping(text, name)
    if mapping is not None:
        diags = check_mapping(mapping, old, new)
    if diags:
        raise MappingError(diags, sources)
    assert mapping is not None
    return mapping


def _ladder_ranks(old: ir.Track, new: ir.Track) -> tuple[Rank, ...]:
    """Ranks for two tracks of the same name: position in the merged ladder, so that an added
    level ranks where it was inserted and a removed one where it was. `none` is left out
    (below every level on both sides)."""
    a, b = list(old.level_names), list(new.level_names)
    ranks: list[Rank] = []

    def add(o: tuple[str, ...], n: tuple[str, ...]) -> None:
        ranks.append(Rank(Fraction(len(ranks)), o, n))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            for name in a[i1:i2]:
                add((name,), (name,))
            continue
        for name in a[i1:i2]:
            add((name,), ())
        for name in b[j1:j2]:
            add((), (name,))
    return tuple(ranks)


def identity_mapping(old: ir.Program, new: ir.Program, declared: Mapping | None = None) -> Mapping:
    """The comparisons to make: `declared` ones (from a mapping file) first, then every track
    of `new` not compared there that has a namesake in `old`, level by level."""
    compares = list(declared.compares) if declared else []
    covered = {c.new for c in compares}
    for t in new.tracks:
        if t.name in old.track_map and t.name not in covered:
            compares.append(Compare((t.name,), t.name, _ladder_ranks(old.track_map[t.name], t), declared=False))
    if declared is not None:
        return Mapping(
            declared.old_program,
            declared.new_program,
            tuple(compares),
            declared.title,
            declared.doc,
            declared.source,
            declared.assumed,
            declared.path,
            declared.span,
        )
    return Mapping(old.name, new.name, tuple(compares))


def find_mapping(old: ir.Program, new: ir.Program, old_file: str | Path, new_file: str | Path) -> Path | None:
    """The shipped mapping for this pair, if any: `mappings/OLD-NEW.tiermap` next to the new
    program's file, else next to the old one's (OLD and NEW are the programs' names)."""
    name = f"{old.name}-{new.name}{SUFFIX}"
    for base in dict.fromkeys((Path(new_file).resolve().parent, Path(old_file).resolve().parent)):
        candidate = base / "mappings" / name
        if candidate.is_file():
            return candidate
    return None


def level_renames(mapping: Mapping | None, old: ir.Program, new: ir.Program) -> dict[str, dict[str, str]]:
    """Levels renamed, per track: in a declared comparison of a track with its namesake, a
    rank line pairing exactly one old level with one new level of another name, where the old
    name is gone from the new track and the new one was not in the old track (what a program
    manager means by a rename: "Ridge is now Crest"). The structural diff shows these as
    renames instead of a removal and an addition."""
    out: dict[str, dict[str, str]] = {}
    for c in mapping.compares if mapping is not None else ():
        if not c.declared or c.old != (c.new,) or c.new not in old.track_map or c.new not in new.track_map:
            continue
        was, now = set(old.track_map[c.new].level_names), set(new.track_map[c.new].level_names)
        for r in c.ranks:
            olds, news = [x for x in r.old if x is not None], [x for x in r.new if x is not None]
            if len(olds) == 1 and len(news) == 1 and olds[0] != news[0] and olds[0] not in now and news[0] not in was:
                out.setdefault(c.new, {})[olds[0]] = news[0]
    return out
