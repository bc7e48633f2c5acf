"""Near misses (`tier eval --gaps`): the next level, the points and requirements missing, on
the shipped programs and examples/partners.csv, checked against the exact interpreter."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from tests.cli.cli_helpers import ROOT
from tests.cli.cli_helpers import run as tier
from tierlang.data import load_dataset
from tierlang.engine import evaluate, evaluate_dataset
from tierlang.engine.gaps import GAP_COLUMNS, gaps
from tierlang.engine.interpreter import Interpreter
from tierlang.loader import load_program
from tierlang.numbers import decimal_text

PARTNERS = str(ROOT / "examples" / "partners.csv")
CLOUD = str(ROOT / "programs" / "cloudpartner2022.tier")
DESIGNATIONS = ["data_ai", "digital_app", "infrastructure", "security", "modern_work", "business_apps"]


def _program(path: str):
    r = load_program(path, checks=False)
    assert r.ok and r.program is not None
    return r.program


@pytest.fixture(scope="module")
def near_misses(tmp_path_factory) -> pl.DataFrame:
    """`tier eval --gaps` on examples/partners.csv, as the CSV a user gets."""
    out = tmp_path_factory.mktemp("gaps") / "gaps.csv"
    r = tier("eval", CLOUD, PARTNERS, "--gaps", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    return pl.read_csv(out, infer_schema=False)


@pytest.fixture(scope="module")
def oracle() -> dict[tuple[str, str], tuple[str | None, Fraction | None, list[str]]]:
    """Per partner and designation, from the interpreter: (level, score, the labels of the
    failing requirements of the designation)."""
    prog = _program(CLOUD)
    interp = Interpreter(prog)
    out = {}
    for pid, values in load_dataset(PARTNERS, prog).rows():
        r = interp.evaluate(values, pid)
        for t in DESIGNATIONS:
            tr = r.tracks[t]
            vr = tr.variants[tr.variant]
            failing = [rr.requirement.label or "?" for rr in vr.levels[0].requirements if not rr.passed]
            out[(pid, t)] = (tr.level, vr.scores["capability"].points, failing)
    return out


def test_within_5_points_of_a_designation(near_misses, oracle):
    """One filter: 5 more points, and nothing else, get the partner the designation."""
    near = near_misses.filter(
        pl.col("track").is_in(DESIGNATIONS)
        & (pl.col("points_missing").cast(pl.Decimal(38, 6)) <= 5)
        & (pl.col("requirements_missing").cast(pl.Int64) == 0)
    )
    got = set(zip(near["partner_id"], near["track"]))
    expected = {key for key, (level, score, failing) in oracle.items() if level is None and failing == ["total"] and 70 - score <= 5}
    assert got == expected
    assert len(got) >= 10  # the example data has such partners on several designations


def test_partners_with_the_points_who_fail_another_requirement_are_not_near(near_misses, oracle):
    blocked = {key for key, (level, score, failing) in oracle.items() if level is None and score >= 70}
    assert len(blocked) >= 20  # examples/partners.csv has many: a metric without points
    rows = near_misses.filter(pl.struct("partner_id", "track").is_in([{"partner_id": p, "track": t} for p, t in blocked]))
    assert rows.height == len(blocked)
    assert set(rows["points_missing"]) == {"0"}
    assert all(int(n) >= 1 for n in rows["requirements_missing"])
    assert all("every_metric" in m and "total" not in m for m in rows["missing"])


def test_gap_values_match_the_interpreter(near_misses, oracle):
    by_key = {(r["partner_id"], r["track"]): r for r in near_misses.iter_rows(named=True)}
    for key, (level, score, failing) in oracle.items():
        row = by_key[key]
        if level is not None:  # designated: the top of a one-level ladder
            assert row["next_level"] is None and row["points_missing"] is None and row["missing"] is None
            continue
        assert row["next_level"] == "designated"
        assert row["points_missing"] == decimal_text(max(Fraction(0), 70 - score))  # 6 places, rounded as scores are
        assert int(row["requirements_missing"]) == len([f for f in failing if f != "total"])
        assert [part.split(" (")[0] for part in row["missing"].split("; ")] == failing


def test_points_missing_is_exact_text(near_misses):
    """Decimal text with at most 6 places, never a float's digits."""
    for text in near_misses["points_missing"].drop_nulls():
        whole, _, frac = text.partition(".")
        assert whole.isdigit() and len(frac) <= 6 and not frac.endswith("0")


@pytest.fixture(scope="module")
def some_partners(tmp_path_factory) -> str:
    """The first 600 partners of the examples (the interpreter is slow)."""
    path = tmp_path_factory.mktemp("some") / "partners.csv"
    pl.read_csv(PARTNERS, infer_schema=False).head(600).write_csv(path)
    return str(path)


@pytest.mark.parametrize("name", ["cloudpartner2022", "cloudpartner2023", "mpn2010", "mspp2009"])
def test_both_engines_give_the_same_gaps(name, some_partners):
    prog = _program(str(ROOT / "programs" / f"{name}.tier"))
    ds = load_dataset(some_partners, prog)
    fast = gaps(evaluate_dataset(prog, ds, detail=True))
    exact = gaps(evaluate_dataset(prog, ds, engine="interpreter", detail=True))
    # the points missing are exact fractions over each engine's own scale: compared as values
    text = [c for c in fast.frame.columns if not c.startswith("pm:")]
    assert fast.frame.select(text).equals(exact.frame.select(text))
    assert fast.points.keys() == exact.points.keys()
    for t, sc in fast.points.items():
        other = exact.points[t]
        assert [sc.fraction(k) for k in range(len(sc.values))] == [other.fraction(k) for k in range(len(other.values))]


def test_units_missing_on_count_requirements():
    ev = evaluate(str(ROOT / "programs" / "mpn2010.tier"), PARTNERS, detail=True)
    g = gaps(ev)
    long = ev.long(gaps=g)
    assert long.columns == ["partner_id", "track", "level", "score", *GAP_COLUMNS]
    silver = long.filter((pl.col("track") == "server_platform") & (pl.col("next_level") == "silver"))
    assert silver.height > 0
    # every failing count requirement says how many units it is short
    for text in silver["missing"]:
        for part in text.split("; "):
            assert part.startswith(("mcps (", "references (")) and part.endswith(("more people)", "more)")), text


def test_gaps_need_detail():
    ev = evaluate(CLOUD, PARTNERS)
    with pytest.raises(ValueError, match="detail"):
        gaps(ev)


@pytest.mark.parametrize("ending", ["csv", "jsonl", "parquet", "xlsx", "duckdb", "sqlite", "txt"])
def test_gap_columns_in_every_format(tmp_path, ending):
    out = tmp_path / f"r.{ending}"
    r = tier("eval", CLOUD, PARTNERS, "--gaps", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    if ending == "csv":
        cols = pl.read_csv(out, n_rows=1).columns
    elif ending == "jsonl":
        cols = pl.read_ndjson(out, n_rows=1).columns
    elif ending == "parquet":
        frame = pl.read_parquet(out)
        cols = frame.columns
        assert frame.schema["points_missing"] == pl.Decimal(38, 6)
    elif ending == "xlsx":
        cols = pl.read_excel(out, sheet_name="results", infer_schema_length=0).columns
        assert "data_ai.points_missing" in cols and "data_ai.missing" in cols
        return
    elif ending == "duckdb":
        import duckdb

        with duckdb.connect(str(out), read_only=True) as con:
            cols = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'results'").fetchall()]
    elif ending == "sqlite":
        import sqlite3

        con = sqlite3.connect(out)
        cols = [row[1] for row in con.execute("PRAGMA table_info(results)")]
        con.close()
    else:
        cols = out.read_text().splitlines()[1].split()
        assert cols == ["partner_id", "track", "level", "score", "next_level", "points_missing", "reqs_missing", "missing"]
        return
    assert cols == ["partner_id", "track", "level", "score", *GAP_COLUMNS]


def test_explain_json_gives_gaps_as_numbers():
    r = tier("explain", CLOUD, PARTNERS, "--partner", "P0000004", "--track", "data_ai", "--format", "json")
    assert r.exit_code == 0, r.stderr
    import json

    (track,) = json.loads(r.stdout)["tracks"]
    (total,) = [m for m in track["missing"] if m["label"] == "total"]
    assert total["gaps"] == [
        {
            "condition": "capability >= qualifying_score",
            "subject": "Partner capability score",
            "unit": "points",
            "has": "33.4",
            "op": ">=",
            "needs": "70",
            "missing": "36.6",
        }
    ]


def test_explain_json_gap_of_a_line_without_points(oracle):
    """A partner with the points but a line at 0: the line's gap has no least amount."""
    import json

    pid, t = next(key for key, (level, score, failing) in sorted(oracle.items()) if level is None and score >= 70)
    r = tier("explain", CLOUD, PARTNERS, "--partner", pid, "--track", t, "--format", "json")
    assert r.exit_code == 0, r.stderr
    (track,) = json.loads(r.stdout)["tracks"]
    (every,) = track["missing"]
    assert every["label"] == "every_metric" and every["gaps"]
    for g in every["gaps"]:
        assert g["unit"] == "points" and g["has"] == "0" and g["op"] == ">" and g["needs"] == "0" and g["missing"] is None
