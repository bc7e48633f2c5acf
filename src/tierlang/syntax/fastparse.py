"""A faster driver for the grammar's own LALR tables: text → AST in one pass, for valid text.

Lark's LALR parse builds a syntax tree (a Token object per token, a Tree and a position
wrapper per rule) that `parser._ToAst` then walks again; for the largest programs that is most
of `tier check`'s time. This module runs the same parse table and the same tokens as Lark's
per-state lexers (taken from the built `Lark` object once, so `grammars/tier.lark` stays the
one grammar, and kept as plain data, `tables`, that a later process reads instead of loading
Lark; each token is scanned once by one pattern of all the terminals, the parser state
deciding what it is: `_root`) in one tight loop, and calls the transformer's method for each
rule as it is reduced, with the positions Lark's `propagate_positions` would have given it.
It handles valid programs only:
at the first thing it does not expect (a lexing or parse error, a transformer's own
`_SyntaxProblem`, an expression nested deeper than the depth check allows) it raises
`Fallback`, and `parser.parse` runs Lark's parse, which has the friendly diagnostics.
tests/syntax/test_fastparse.py holds the two to the same AST on every `.tier` file of the
repository."""

from __future__ import annotations

import re

from lark import Lark, Token, Tree
from lark.lexer import UnlessCallback
from lark.parse_tree_builder import maybe_create_child_filter
from lark.parsers.lalr_analysis import Shift
from lark.visitors import _vargs_meta

__all__ = ["Fallback", "FastParser", "Meta"]


class Fallback(Exception):
    """The fast path cannot parse this text: use Lark's parse (it reports the error)."""


class Meta:
    """A node's position, as Lark's `propagate_positions` computes it (`lark.tree.Meta`'s
    attributes that the transformer reads)."""

    __slots__ = ("empty", "line", "column", "start_pos", "end_line", "end_column", "end_pos", "_tier_has_block")

    def __init__(self, span) -> None:
        if span is None:
            self.empty = True
        else:
            self.empty = False
            self.line, self.column, self.start_pos, self.end_line, self.end_column, self.end_pos = span


# how a rule's child enters the node: a token, a `_rule`'s children spliced in, or the value
_TOKEN, _SPLICE, _VALUE = 0, 1, 2


class _Splice(list):
    """The children of an inlined `_rule`, spliced into its parent's."""


# what a reduce does with its children: splice an inlined `_rule`'s, pass a `?rule`'s single
# child through, build a node; or (the commonest) pass a single non-token child through as is
_INLINE, _SINGLE, _NODE, _PASS = 0, 1, 2, 3


def tables(lark: Lark) -> dict:
    """What `FastParser` needs of a built `Lark` parser (LALR, contextual lexer), as plain data
    (JSON): the parse table (a shift or goto as its next state, a reduce as -1 - the rule's
    index), each rule's reduce plan without its method, the terminals each state's lexer may
    give, and the one pattern that scans every token (`_root`). Building them takes the Lark
    object, which takes a tenth of a second to load even from Lark's cache: a process that
    reads these tables (kept beside Lark's cache, `parser._fast_tables`) parses valid text
    without ever loading it."""
    frontend = lark.parser
    table = frontend.parser._parse_table
    callbacks = sorted(frontend.lexer_conf.callbacks)
    if frontend.lexer_conf.g_regex_flags:
        raise TypeError("the fast parser's patterns are kept without Lark's global regex flags")
    rules = list(lark.rules)
    index = {id(rule): i for i, rule in enumerate(rules)}
    states = [
        [state, [[key, arg if action is Shift else -1 - index[id(arg)]] for key, (action, arg) in actions.items()]]
        for state, actions in table.states.items()
    ]
    # Each state's own lexer, for the rare token the one pattern scans as a terminal the state
    # does not accept: its terminals, and its patterns and keywords as Lark builds them (kept
    # here, not asked of a Lark object later: a Lark parser built afresh numbers its states
    # differently). States that accept the same terminals share one.
    lexers: dict[tuple[str, ...], dict] = {}
    state_lexers = []
    for state, basic in frontend.lexer.lexers.items():
        names = tuple(sorted(t.name for t in basic.terminals))
        if names not in lexers:
            scanner = basic.scanner  # builds Lark's regexes and its `unless` keyword callbacks
            lexers[names] = {
                "accepts": list(names),
                "patterns": [m.pattern for m in scanner._mres],
                "keywords": _keywords(basic, callbacks),
                "ignored": sorted(basic.ignore_types),
            }
        state_lexers.append([state, list(lexers).index(names)])
    return {
        "start": table.start_states["start"],
        "end": table.end_states["start"],
        "rules": [_rule(rule) for rule in rules],
        "states": states,
        "lexers": list(lexers.values()),
        "state_lexers": state_lexers,
        "root": _root(frontend.lexer.root_lexer, callbacks),
        "callbacks": callbacks,
    }


def _rule(rule) -> list:
    """What a reduce of `rule` does, as data: its length, Lark's child filter (which children
    stay, which `_rule`s are spliced, where `[optional]` placeholders go), whether the rule is
    inlined or passes a single child through (`?rule`), its name (the transformer's method)
    and the nonterminal it makes."""
    options = rule.options
    expansion = rule.expansion
    empty = options.empty_indices if options.empty_indices else None
    child_filter = maybe_create_child_filter(expansion, options.keep_all_tokens, False, empty)
    if child_filter is None:
        include = [(i, False, 0) for i in range(len(expansion))]
        append_none = 0
    else:
        args = child_filter.args
        include = [(item + (0,)) if len(item) == 2 else item for item in args[0]]
        append_none = args[1] if len(args) > 1 else 0
    steps = [[i, _TOKEN if expansion[i].is_term else (_SPLICE if splice else _VALUE), nones] for i, splice, nones in include]
    name = rule.alias or options.template_source or rule.origin.name
    if rule.origin.name.startswith("_") and not rule.alias:
        kind = _INLINE
    elif options.expand1 and not rule.alias:
        kind = _PASS if len(expansion) == 1 and steps == [[0, _VALUE, 0]] and not append_none else _SINGLE
    else:
        kind = _NODE
    return [len(expansion), steps, append_none, kind, name, rule.origin.name]


def _root(root, callbacks: list[str]) -> dict:
    """One pattern for every terminal of the grammar, whitespace skipped in front of it, and
    the keywords a name-like terminal stands for: every token is scanned once by it, and each
    parser state only decides what the scanned text is to it.

    Lark's contextual lexer matches, in each state, the alternation of the terminals that
    state accepts, in one fixed order (priority, width, name), and turns a name that is a
    keyword the state accepts into that keyword. The first terminal of the whole ordered
    alternation that matches, when the state accepts it, is the state's own first match:
    those ordered before it matched nowhere. A keyword is a whole word that a name-like
    terminal matches, so its text is that terminal's whole match. Anything else (a terminal
    the state does not accept, as a date where only numbers may stand) is asked of the
    state's own lexer (`FastParser._state_token`). tests/syntax/test_fastparse.py holds the
    two to the same token in every state at every place a token starts in the programs."""
    scanner = root.scanner  # Lark's ordered terminals, keywords folded into names (`unless`)
    ws = None
    alternatives = []
    for t in scanner.terminals:
        if t.name == "WS" and t.name in root.ignore_types:
            ws = t.pattern.to_regexp()
        else:
            alternatives.append(f"(?P<{t.name}>{t.pattern.to_regexp()})")
    if ws is None or len(alternatives) >= 100:
        raise TypeError("the fast parser expects an ignored WS terminal and fewer than 100 terminals")
    return {
        "pattern": f"(?:{ws})?(?:{'|'.join(alternatives)})",
        "whitespace": ws,
        "keywords": _keywords(root, callbacks),
        "ignored": sorted(root.ignore_types),
        # the terminals Lark finds could span lines (the others cannot)
        "multiline": sorted(root.newline_types),
    }


def _keywords(basic, callbacks) -> dict[str, dict[str, str]]:
    """A built Lark lexer's keywords: for each name-like terminal, its words that are
    keywords, and their terminals."""
    keywords = {}
    for type_, callback in basic.callback.items():
        if isinstance(callback, UnlessCallback):
            words = {}
            for term in callback.scanner.terminals:
                if term.pattern.type != "str" or term.pattern.flags:
                    raise TypeError(f"terminal {term.name}: the fast parser handles plain keywords only")
                words[term.pattern.value] = term.name
            keywords[type_] = words
        elif type_ not in callbacks or type_ not in basic.ignore_types:
            raise TypeError(f"terminal {type_}: a lexer callback the fast parser does not know")
    return keywords


class FastParser:
    """A parser over `tables` (of the grammar's built `Lark` parser), ready for `parse`."""

    def __init__(
        self, tables: dict, transformer_class: type, level_rules: frozenset[str], expr_rules: frozenset[str], max_depth: int
    ) -> None:
        self._start = tables["start"]
        self._end = tables["end"]
        self._callbacks = frozenset(tables["callbacks"])
        self._max_depth = max_depth
        self._plans = [self._plan(rule, transformer_class, level_rules, expr_rules) for rule in tables["rules"]]
        self._table = {state: actions for state, actions in tables["states"]}
        self._lexers = tables["lexers"]
        self._state_lexers: dict[int, int] = {state: i for state, i in tables["state_lexers"]}
        sets = [frozenset(lexer["accepts"]) for lexer in self._lexers]
        self._accepts: dict[int, frozenset[str]] = {state: sets[i] for state, i in self._state_lexers.items()}
        root = tables["root"]
        # `multiline`: the terminals Lark finds could span lines (the others cannot)
        self._root = (
            re.compile(root["pattern"]),
            root["keywords"],
            frozenset(root["ignored"]),
            frozenset(root["multiline"]),
            re.compile(root["whitespace"]),
        )
        # built state by state when first met, as Lark builds its lexers
        self._actions: dict[int, dict] = {}
        self._lexer_data: dict[int, tuple] = {}

    @staticmethod
    def _plan(rule: list, transformer_class, level_rules, expr_rules) -> tuple:
        """A rule's reduce plan (`_rule`) with the transformer's method for it."""
        size, steps, append_none, kind, name, origin = rule
        method = None
        attr = getattr(transformer_class, name, None) if kind != _INLINE else None
        if attr is not None:
            if getattr(attr, "visit_wrapper", None) is not _vargs_meta:
                raise TypeError(f"rule {name}: the fast parser calls methods that take (meta, children)")
            method = attr.base_func
        steps = tuple(tuple(step) for step in steps)
        return (size, steps, append_none, kind, name, method, name in level_rules, name in expr_rules, origin)

    def _state(self, state: int) -> dict:
        """`state`'s actions: the next state (an int) for a shift or a goto, a plan for a reduce."""
        plans = self._plans
        actions = {key: (arg if arg >= 0 else plans[-1 - arg]) for key, arg in self._table[state]}
        self._actions[state] = actions
        return actions

    def _lexer(self, state: int) -> tuple:
        """The compiled patterns, keyword table and ignored terminals of the lexer Lark uses in
        `state` (the terminals that state accepts)."""
        lexer = self._lexers[self._state_lexers[state]]
        data = (tuple(re.compile(p) for p in lexer["patterns"]), lexer["keywords"], frozenset(lexer["ignored"]))
        self._lexer_data[state] = data
        return data

    def _state_token(self, state: int, text: str, pos: int) -> tuple[str, str]:
        """The token at `pos` (no whitespace before it) by the lexer of `state` alone: its
        terminal and text. For the rare token the grammar's whole pattern scans as a terminal
        that `state` does not accept."""
        patterns, keywords, ignored = self._lexer_data.get(state) or self._lexer(state)
        for pattern in patterns:
            m = pattern.match(text, pos)
            if m is not None:
                break
        else:
            raise Fallback
        type_ = m.lastgroup
        if type_ in ignored:
            raise Fallback  # not met: whitespace and comments are scanned alike in every state
        value = m.group(0)
        words = keywords.get(type_)
        return (words.get(value, type_) if words is not None else type_), value

    def parse(self, text: str, transformer, comments: list) -> object:
        """The transformed value of the `start` rule for `text`; COMMENT tokens are appended to
        `comments`. Raises `Fallback` where Lark's parse must be asked."""
        all_actions = self._actions
        accepts_of = self._accepts
        root_match, root_keywords, ignored, multiline, whitespace = self._root
        root_match = root_match.match
        callbacks = self._callbacks
        max_depth = self._max_depth
        end_state = self._end
        new_token = Token._future_new
        # one entry per symbol on the parse stack: (state, value, span, depth), where span is
        # (line, column, start_pos, end_line, end_column, end_pos) or None, and depth is how
        # deeply expressions nest within the value (for the TL115 bound)
        stack: list[tuple] = [(self._start, None, None, 0)]
        pos = 0
        line = 1
        line_start = 0
        end = len(text)
        while True:
            state = stack[-1][0]
            if pos < end:
                while True:
                    m = root_match(text, pos)
                    if m is None:
                        w = whitespace.match(text, pos)
                        if w is None or w.end() != end:
                            raise Fallback  # no terminal matches here: no state's lexer would
                        pos = end
                        type_ = "$END"
                        token = span = None
                        break
                    type_ = m.lastgroup
                    start_pos = m.start(type_)
                    if start_pos != pos:  # whitespace skipped
                        newlines = text.count("\n", pos, start_pos)
                        if newlines:
                            line += newlines
                            line_start = text.rindex("\n", pos, start_pos) + 1
                    pos = m.end()
                    if type_ in ignored:
                        newlines = text.count("\n", start_pos, pos)
                        if type_ in callbacks:
                            comment = new_token(type_, m.group(type_), start_pos, line, start_pos - line_start + 1, line, 0, pos)
                            comment.end_column = pos - line_start + 1
                            comments.append(comment)
                        if newlines:
                            line += newlines
                            line_start = text.rindex("\n", start_pos, pos) + 1
                        if pos < end:
                            continue
                        type_ = "$END"
                        token = span = None
                        break
                    value = m.group(type_)
                    accepts = accepts_of[state]
                    words = root_keywords.get(type_)
                    if words is not None and words.get(value) in accepts:
                        type_ = words[value]
                    elif type_ not in accepts:
                        type_, value = self._state_token(state, text, start_pos)
                        pos = start_pos + len(value)
                    token = (type_, value)
                    newlines = type_ in multiline and text.count("\n", start_pos, pos)
                    if newlines:
                        start_line = line
                        column = start_pos - line_start + 1
                        line += newlines
                        line_start = text.rindex("\n", start_pos, pos) + 1
                        span = (start_line, column, start_pos, line, pos - line_start + 1, pos)
                    else:
                        span = (line, start_pos - line_start + 1, start_pos, line, pos - line_start + 1, pos)
                    break
            else:
                type_ = "$END"
                token = span = None
            while True:
                actions = all_actions.get(state) or self._state(state)
                action = actions.get(type_)
                if action is None:
                    raise Fallback
                if action.__class__ is int:
                    if token is None:
                        raise Fallback  # $END is never shifted
                    stack.append((action, token, span, 0))
                    break
                size, steps, append_none, kind, name, method, level, expr, origin = action
                if kind == _PASS:  # `?rule: child`, the child a rule's value: only the state changes
                    top = stack.pop()
                    below = stack[-1][0]
                    state = (all_actions.get(below) or self._state(below))[origin]
                    stack.append((state, top[1], top[2], top[3]))
                    if token is None and state == end_state:
                        return top[1]
                    continue
                if size == 1:  # the commonest reduce: one symbol, its span and depth as they are
                    top = stack.pop()
                    raw = (top,)
                    depth = top[3]
                    full = top[2]
                elif size:
                    raw = stack[-size:]
                    del stack[-size:]
                    depth = 0
                    first = last = None
                    for entry in raw:
                        if entry[3] > depth:
                            depth = entry[3]
                        if entry[2] is not None:
                            if first is None:
                                first = entry[2]
                            last = entry[2]
                    full = None if first is None else (first if first is last else first[:3] + last[3:])
                else:
                    raw = ()
                    depth = 0
                    full = None
                children = _Splice() if kind == _INLINE else []
                for i, how, nones in steps:
                    if nones:
                        children.extend([None] * nones)
                    if how == _TOKEN:
                        entry = raw[i]
                        t = entry[1]
                        s = entry[2]
                        children.append(new_token(t[0], t[1], s[2], s[0], s[1], s[3], s[4], s[5]))
                    elif how == _SPLICE:
                        children.extend(raw[i][1])
                    else:
                        children.append(raw[i][1])
                if append_none:
                    children.extend([None] * append_none)
                if kind == _INLINE:
                    result = children
                    result_span = full
                elif kind == _SINGLE and len(children) == 1:
                    result = children[0]
                    # as Lark's PropagatePositions: a passed-through tree takes the rule's whole
                    # span as its container; a token keeps its own; a placeholder has none
                    if result is None:
                        result_span = None
                    elif isinstance(result, Token):
                        result_span = (result.line, result.column, result.start_pos, result.end_line, result.end_column, result.end_pos)
                    else:
                        result_span = full
                else:
                    meta = Meta(full)
                    if level and full is not None:
                        # a level's braces are anonymous tokens: it has a block when its text ends with '}'
                        meta._tier_has_block = text[full[5] - 1 : full[5]] == "}"
                    if expr:
                        depth += 1
                        if depth > max_depth:
                            raise Fallback  # Lark's parse finds the outermost such expression (TL115)
                    if method is not None:
                        try:
                            result = method(transformer, meta, children)
                        except Exception as e:
                            raise Fallback from e  # e.g. TL116: reported after Lark's parse, as always
                    else:
                        result = Tree(name, children, meta)
                    result_span = full
                below = stack[-1][0]
                state = (all_actions.get(below) or self._state(below))[origin]
                stack.append((state, result, result_span, depth))
                if token is None and state == end_state:
                    return result
