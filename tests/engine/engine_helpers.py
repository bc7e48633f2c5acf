"""Helpers shared by the engine tests."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import polars as pl

from tierlang import ir
from tierlang.diagnostics import render_human
from tierlang.loader import load_program

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"


def load_text(text: str, name: str = "test.tier") -> ir.Program:
    """Load a program from text; fail the test with the diagnostics when it has errors."""
    r = load_program(name, text=text, checks=False)
    assert r.ok, render_human(r.errors, r.sources) + "\n" + text
    assert r.program is not None
    return r.program


def write_case(folder: Path, stem: str, program: str, data: str) -> tuple[Path, Path]:
    """`program` (dedented) as `folder/STEM.tier` and `data` as `folder/STEM.csv`: the files a
    CLI test runs `tier` on."""
    path = folder / f"{stem}.tier"
    path.write_text(textwrap.dedent(program).lstrip(), encoding="utf-8")
    csv = folder / f"{stem}.csv"
    csv.write_text(data, encoding="utf-8")
    return path, csv


def paths_taken(monkeypatch, owner, name: str, took: str, else_: str) -> list[str]:
    """Record, call by call, whether `owner.name` (a fast path that returns None when it
    cannot settle the case) took it (`took`) or handed over (`else_`)."""
    taken: list[str] = []
    real = getattr(owner, name)

    def spy(*args):
        got = real(*args)
        taken.append(else_ if got is None else took)
        return got

    monkeypatch.setattr(owner, name, spy)
    return taken


def load_fixture(name: str) -> ir.Program:
    r = load_program(FIXTURES / name, checks=False)
    assert r.ok, render_human(r.errors, r.sources)
    assert r.program is not None
    return r.program


def typed_frame(prog: ir.Program, data: dict[str, list[str | None]]) -> pl.DataFrame:
    """Text columns as a Parquet writer would type them: counts Int64, decimals DECIMAL(p, k)
    with k the most places any value has (p 18 when that holds them, else 38), booleans and
    dates typed, enums and partner_id text."""
    cols = {}
    for name, values in data.items():
        m = prog.metric_map.get(name)
        s = pl.Series(name, values, dtype=pl.String)
        kind = m.type.kind if m is not None else None
        if kind is ir.Kind.COUNT:
            s = s.cast(pl.Int64)
        elif kind in (ir.Kind.NUMBER, ir.Kind.PERCENT, ir.Kind.MONEY):
            fracs = [Fraction(v) for v in values if v is not None]
            k = max((len(v.split(".")[1]) for v in values if v is not None and "." in v), default=0)
            digits = max((len(str(abs(int(f * 10**k)))) for f in fracs), default=1)
            s = s.cast(pl.Decimal(18 if digits <= 18 else 38, k))
        elif kind is ir.Kind.BOOL:
            s = s.str.to_lowercase() == "true"
        elif kind is ir.Kind.DATE:
            s = s.str.to_date()
        cols[name] = s
    return pl.DataFrame(cols)
