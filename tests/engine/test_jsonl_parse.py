"""JSON Lines: the fast parse (numbers as plain strings) and the careful one (numbers told
from text) read every file the same way — the values, the line numbers and the problems
named — whichever of them settles each line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.engine_helpers import load_text
from tierlang import data as D
from tierlang.data import DataLoadError, load_dataset

PROGRAM = """
program p { version "1" effective 2022-01-01 }
metric n: count { range .. }
metric pct: percent { range -100 .. 1000 default 0 }
metric ok: bool
metric tier: enum(bronze < silver < gold)
track t { level a { require n >= 1 } }
"""

PROG = load_text(PROGRAM)

_number = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["3.0", "12.50", "-0.5", "1e3", "2E-2", "-0", "0.000"]),
)
_scalar = st.one_of(
    _number.map(lambda t: ("number", t)),
    st.sampled_from(["3", "12.5", "-1", "true", "", "gold", "7.0", "1e3", "P 1", "-"]).map(lambda t: ("string", t)),
    st.sampled_from([("raw", "true"), ("raw", "false"), ("raw", "null"), ("raw", "[3, 1.50]"), ("raw", '{"a": 1.0}')]),
)


def _json(v: tuple[str, str]) -> str:
    kind, text = v
    return json.dumps(text) if kind == "string" else text


@st.composite
def _lines(draw) -> str:
    out = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(["", "[1, 2]", "7", '"x"', "{not json", '{"partner_id": "P9", "n": NaN}'])))
            continue
        keys = draw(st.lists(st.sampled_from(["partner_id", "n", "pct", "ok", "tier", "other"]), min_size=1, max_size=7))
        out.append("{" + ", ".join(f'"{k}": {_json(draw(_scalar))}' for k in keys) + "}")
    return "\n".join(out) + "\n"


def _read(path: Path):
    """What a load of `path` gives: the frame and rejects, or the problems named."""
    try:
        ds = load_dataset(path, PROG, on_error="report")
    except DataLoadError as e:
        return "errors", [(x.code, x.row, x.column, x.message) for x in e.errors]
    return ds.frame.to_dicts(), None if ds.rejects is None else ds.rejects.to_dicts()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_lines())
def test_the_fast_parse_reads_as_the_careful_one(tmp_path, monkeypatch, text):
    path = tmp_path / "d.jsonl"
    path.write_text(text, encoding="utf-8")
    fast = _read(path)
    with monkeypatch.context() as m:
        m.setattr(D, "_FLAT", frozenset())  # no line is flat: the careful parse reads every one
        careful = _read(path)
    assert fast == careful


@pytest.mark.parametrize(
    ("pid", "fast"),
    [('"P-7"', True), ("7", True), ("-7", True), ('"7"', True), ('"7.0"', False), ("7.0", False), ('"-"', False), ('""', True)],
)
def test_which_ids_the_fast_parse_settles(pid, fast):
    value = json.JSONDecoder(parse_float=str, parse_int=str).decode(pid)
    assert D._number_like(value) is not fast
