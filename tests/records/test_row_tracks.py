"""Tracks per row of a related table (`track NAME per COLUMN of TABLE { level ... }`) and the
rules that roll them up (`at least N of NAME at LEVEL`, `track NAME = highest ROWS`): lowering
and its errors, the formatter, both engines against an independent computation on generated
rows, explain, and the SQL engines' refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierlang.data.tables import PARTNERS
from tierlang.engine.api import evaluate
from tierlang.loader import load_program
from tierlang.syntax.formatter import format_module
from tierlang.syntax.parser import parse

HEAD = 'program regions { version "1" effective 2024-01-01 }\n'
TABLE = """
table countries "Results per country" {
  column country: text
  column revenue_usd: money USD
  column people: count
  column active: bool
  column rating: count optional
  key country
}
list top = { "US", "DE", "FR", "JP" }
"""
PROGRAM = (
    HEAD
    + TABLE
    + """
track country_tier "Country tier" per country of countries where country in top {
  level gold { require revenue_usd >= 500_000 USD }
  level platinum { require revenue_usd >= 1_000_000 USD and people >= 10 }
}

track global "Global tier" = highest country_tier { doc "The best top country's tier" }

track multinational {
  level platinum { require at least 2 of country_tier at platinum }
}
"""
)


def format_source(text: str, name: str) -> str:
    result = parse(text, name)
    assert not result.diagnostics
    return format_module(result.module)


def _load(text: str, as_of=None):
    result = load_program("regions.tier", as_of, text=text, checks=False)
    return result


def _errors(text: str) -> list[tuple[str, str]]:
    result = _load(text)
    assert not result.ok, "expected errors"
    return [(d.code, d.message) for d in result.errors]


def _frames(rows: list[dict], partners=("P1", "P2", "P3")) -> dict[str, pl.DataFrame]:
    schema = {"partner_id": pl.String, "country": pl.String, "revenue_usd": pl.String, "people": pl.Int64, "active": pl.Boolean}
    schema["rating"] = pl.Int64
    return {PARTNERS: pl.DataFrame({"partner_id": list(partners)}), "countries": pl.DataFrame(rows, schema=schema)}


def _row(pid, country, revenue, people, active=True, rating=None) -> dict:
    return {"partner_id": pid, "country": country, "revenue_usd": str(revenue), "people": people, "active": active, "rating": rating}


def test_rollups_are_records_metrics():
    program = _load(PROGRAM).program
    assert [t.name for t in program.row_tracks] == ["country_tier"]
    assert "country_tier" not in program.track_map  # nothing evaluates it per partner
    names = {m.name for m in program.record_metrics}
    assert names == {"country_tier at gold", "country_tier at platinum"}
    assert program.track_map["global"].level_names == ("gold", "platinum")


def test_eval_both_engines_by_hand():
    rows = [
        _row("P1", "US", 2_000_000, 12),
        _row("P1", "DE", 1_000_000, 10),  # exactly at the bar
        _row("P1", "BR", 9_000_000, 90),  # not a top country
        _row("P2", "FR", "999999.99", 40),  # a cent short of platinum: gold
        _row("P2", "BR", 5_000_000, 50),
        _row("P3", "JP", 1_000_000, 9),  # gold: one person short
    ]
    want = {
        ("P1", "global"): "platinum",
        ("P1", "multinational"): "platinum",
        ("P2", "global"): "gold",
        ("P2", "multinational"): None,
        ("P3", "global"): "gold",
        ("P3", "multinational"): None,
    }
    program = _load(PROGRAM, as_of=None).program
    for engine in ("vectorized", "interpreter"):
        ev = evaluate(program, _frames(rows), engine=engine)
        got = {(p, t): ev.level(p, t) for p, t in want}
        assert got == want, engine


@pytest.mark.parametrize(
    ("snippet", "code", "words"),
    [
        ("track t per country of countries { level a { require people >= 1 } }\n", None, None),
        (
            'table plain { column country: text }\ntrack t per country of plain { level a { require country == "US" } }\n',
            "TL274",
            "needs one row per partner and country",
        ),
        ("track t per country of nowhere { level a {} }\n", "TL200", "unknown table 'nowhere'"),
        ("track t per region of countries { level a {} }\n", "TL200", "has no column 'region'"),
        ('track t per country of countries { doc "x" }\n', "TL230", "has no levels"),
        ("metric m: count = count of countries\ntrack t per country of countries { level a { require m >= 1 } }\n", "TL271", "metric 'm'"),
        (
            "track t per country of countries { level a { require people >= 1 } }\ntrack g { level a { require t at a } }\n",
            "TL274",
            "does not say how many",
        ),
        (
            "track t per country of countries { level a { require people >= 1 } }\ntrack g { level a { require at least 1 of t } }\n",
            "TL274",
            "at which level",
        ),
        (
            "track t per country of countries { level a { require people >= 1 } }\ntrack g { level a { require all of t at a } }\n",
            "TL274",
            "'all of t'",
        ),
        (
            "track t per country of countries { level a { require people >= 1 } }\ntrack g { level a { require at least 1 of t at b } }\n",
            "TL212",
            "no level 'b'",
        ),
        (
            "track t per country of countries { level a { require people >= 1 } }\ntrack g { level a { require t } }\n",
            "TL274",
            "not one level",
        ),
        ("track g = highest nope\n", "TL200", "'nope' is not a track per row"),
        (
            "track t per country of countries { level a { require people >= 1 } }\ntrack g = highest t\n"
            'example e { given records { countries (country, revenue_usd, people, active) { ("US", 1, 1, true) } } expect t = a }\n',
            "TL274",
            "an example expects",
        ),
    ],
)
def test_lowering_errors(snippet, code, words):
    text = HEAD + TABLE + snippet
    if code is None:
        assert _load(text).ok, [d.message for d in _load(text).errors]
        return
    errors = _errors(text)
    assert any(c == code and words in m for c, m in errors), errors


def test_formatter_round_trip():
    text = PROGRAM.replace("track global", "group regions\ntrack both in regions = highest country_tier\ntrack global")
    once = format_source(text, "regions.tier")
    assert 'track country_tier "Country tier" per country of countries where country in top {' in once
    assert "track both in regions = highest country_tier" in once
    assert 'track global "Global tier" = highest country_tier { doc "The best top country\'s tier" }' in once
    assert format_source(once, "regions.tier") == once
    assert _load(once).program.content_hash == _load(text).program.content_hash


# ------------------------------------------------------------------ generated programs and rows

# (tier text, the same requirement in Python: True, False or None for unknown)
CONDITIONS = [
    ("revenue_usd >= 1000 USD", lambda r: r["rev"] >= 1000),
    ("revenue_usd >= 2500 USD", lambda r: r["rev"] >= 2500),
    ("people >= 3", lambda r: r["people"] >= 3),
    ("people * 2 + 1 > 6", lambda r: r["people"] * 2 + 1 > 6),
    ("revenue_usd < 500 USD or people >= 5", lambda r: r["rev"] < 500 or r["people"] >= 5),
    ("not active", lambda r: not r["active"]),
    ("active", lambda r: r["active"]),
    ("rating >= 2", lambda r: None if r["rating"] is None else r["rating"] >= 2),
    ("at least 2 of { active, people >= 2, revenue_usd > 0 USD }", lambda r: sum([r["active"], r["people"] >= 2, r["rev"] > 0]) >= 2),
]
WHERES = [(None, lambda r: True), ('country in {"US", "DE"}', lambda r: r["country"] in ("US", "DE")), ("active", lambda r: r["active"])]
COUNTRIES = ["US", "DE", "FR", "JP"]


@st.composite
def row_programs(draw):
    nlevels = draw(st.integers(1, 3))
    levels = []
    for i in range(nlevels):
        reqs = draw(st.lists(st.integers(0, len(CONDITIONS) - 1), max_size=2))
        independent = i > 0 and draw(st.booleans())
        levels.append((f"l{i}", reqs, independent))
    where = draw(st.integers(0, len(WHERES) - 1))
    rollups = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, nlevels - 1), st.booleans()), min_size=1, max_size=3))
    return levels, where, rollups


def _program_text(levels, where, rollups) -> str:
    out = [HEAD, TABLE]
    w = WHERES[where][0]
    out.append(f"track rows per country of countries{' where ' + w if w else ''} {{")
    for name, reqs, independent in levels:
        body = " ".join(f"require {CONDITIONS[k][0]}" for k in reqs)
        out.append(f"  level {name}{' independent' if independent else ''} {{ {body} }}")
    out.append("}")
    out.append("track best = highest rows")
    for i, (n, level, exact) in enumerate(rollups):
        out.append(f"track r{i} {{ level yes {{ require at least {n} of rows at {'exactly ' if exact else ''}l{level} }} }}")
    return "\n".join(out) + "\n"


def _row_level(levels, where, r) -> int | None:
    """The level index a row holds by the track's rule (None: none, or not evaluated)."""
    if WHERES[where][1](r) is not True:
        return None
    held = None
    below = True  # the level below holds (for cumulative levels)
    for i, (_, reqs, independent) in enumerate(levels):
        own = all(CONDITIONS[k][1](r) is True for k in reqs)
        holds = own and (independent or i == 0 or below)
        if holds:
            held = i
        below = holds
    return held


ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "pid": st.sampled_from(["P1", "P2", "P3"]),
            "country": st.sampled_from(COUNTRIES),
            "rev": st.sampled_from([Fraction(0), Fraction(499), Fraction(1000), Fraction(99999, 100), Fraction(2500), Fraction(-10)]),
            "people": st.integers(0, 6),
            "active": st.booleans(),
            "rating": st.one_of(st.none(), st.integers(0, 3)),
        }
    ),
    max_size=12,
    unique_by=lambda r: (r["pid"], r["country"]),
)


@settings(max_examples=60, deadline=None)
@given(row_programs(), ROWS)
def test_engines_agree_with_the_track_rule(spec, rows):
    levels, where, rollups = spec
    program = _load(_program_text(levels, where, rollups)).program
    frames = _frames(
        [
            _row(r["pid"], r["country"], float(r["rev"]) if r["rev"].denominator == 1 else "999.99", r["people"], r["active"], r["rating"])
            for r in rows
        ]
    )
    by_pid: dict[str, list[int | None]] = {}
    for r in rows:
        by_pid.setdefault(r["pid"], []).append(_row_level(levels, where, r))
    results = {engine: evaluate(program, frames, engine=engine) for engine in ("vectorized", "interpreter", "duckdb")}
    for pid in ("P1", "P2", "P3"):
        held = [x for x in by_pid.get(pid, []) if x is not None]
        want = {"best": None if not held else f"l{max(held)}"}
        for i, (n, level, exact) in enumerate(rollups):
            count = sum(1 for x in held if (x == level if exact else x >= level))
            want[f"r{i}"] = "yes" if count >= n else None
        for engine, ev in results.items():
            got = {t: ev.level(pid, t) for t in want}
            assert got == want, (engine, pid, _program_text(levels, where, rollups), rows)


# ------------------------------------------------------------------ the CLI


def _folder(tmp_path):
    (tmp_path / "partners.csv").write_text("partner_id\nP1\nP2\n")
    (tmp_path / "countries.csv").write_text(
        "partner_id,country,revenue_usd,people,active,rating\n"
        "P1,US,2000000,12,true,\nP1,DE,1000000,10,true,\nP2,FR,600000,1,true,\nP2,US,1500000,20,true,\nP2,BR,1,1,true,\n"
    )
    program = tmp_path / "regions.tier"
    program.write_text(PROGRAM)
    return program


def tier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tierlang", *args], capture_output=True, text=True, timeout=300)


def test_cli_eval_and_explain(tmp_path):
    program = _folder(tmp_path)
    out = tmp_path / "out.csv"
    proc = tier("eval", str(program), str(tmp_path), "--as-of", "2024-06-01", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines()[1:] == [
        "P1,global,platinum,",
        "P2,global,platinum,",
        "P1,multinational,platinum,",
        "P2,multinational,,",
    ]
    proc = tier("explain", str(program), str(tmp_path), "--as-of", "2024-06-01", "--partner", "P2")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Country tier, per country:" in text
    assert "FR: gold; for platinum, fails revenue_usd >= 1000000 USD and people >= 10 (revenue_usd is 600,000 USD, people is 1)" in text
    assert "    US: platinum" in text
    assert "BR" not in text.split("Country tier, per country:")[1].split("\n  country")[0]  # not a top country
    # the smallest change in records terms: rows of the track at the level, not its lowered rule
    assert "multinational: 1 more country at Platinum or higher in Country tier (rows of countries where country in top)" in text
    assert "computed as countries at Platinum or higher in Country tier (rows of countries where country in top)" in text
    proc = tier("explain", str(program), str(tmp_path), "--as-of", "2024-06-01", "--partner", "P2", "--format", "json")
    data = json.loads(proc.stdout)
    assert data["row_tracks"][0]["rows"][1] == "US: platinum"


def test_sql_engines_evaluate_tracks_per_row(tmp_path):
    # the roll-ups are records metrics like any other: DuckDB computes them in SQL
    program = _folder(tmp_path)
    runs = {
        engine: tier("eval", str(program), str(tmp_path), "--as-of", "2024-06-01", "--engine", engine, "-o", "-")
        for engine in ("vectorized", "duckdb")
    }
    assert all(p.returncode == 0 for p in runs.values()), runs["duckdb"].stderr
    assert runs["duckdb"].stdout == runs["vectorized"].stdout
    assert "P1,multinational,platinum," in runs["duckdb"].stdout
    sql = tier("compile", "--emit", "sql", "--as-of", "2024-06-01", str(program))
    assert sql.returncode == 0 and "country_tier at platinum" in sql.stdout, sql.stderr
