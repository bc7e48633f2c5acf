"""`tierlang.evaluate` on a file reads, checks and evaluates it in one lazy query when the file
allows it (typed Parquet, and text or float decimals at places guessed from the first rows:
`tierlang.data.Scan`), and hands it to the two stages (`load_dataset`,
then `evaluate_dataset`) otherwise. Whichever path runs, the results, the errors and the
rejects are the same."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings

from tests.engine.engine_helpers import FIXTURES, load_fixture, load_text, paths_taken, typed_frame
from tests.engine.strategies import programs_with_data
from tierlang.data import DataLoadError, Scan, load_dataset, scan_dataset
from tierlang.engine import api, evaluate, evaluate_dataset
from tierlang.engine.results import ScoreTooLarge


def _same(a, b) -> None:
    assert list(a.rows()) == list(b.rows())
    assert a.levels.equals(b.levels) and a.variants.equals(b.variants)
    assert a.long().equals(b.long())
    try:
        decimals = a.long(decimal=True)
    except ScoreTooLarge:
        with pytest.raises(ScoreTooLarge):
            b.long(decimal=True)
    else:
        assert decimals.equals(b.long(decimal=True))
    assert a.summary() == b.summary() and {**a.metadata(), "engine": ""} == {**b.metadata(), "engine": ""}
    if a.detail is not None or b.detail is not None:
        assert a.detail.equals(b.detail)


def _single_pass_ran(monkeypatch) -> list[str]:
    """Record which path `evaluate` took."""
    return paths_taken(monkeypatch, api, "_single_pass", "single pass", "two stages")


@pytest.fixture
def fixture_parquet(tmp_path):
    prog = load_fixture("designations.tier")
    text = pl.read_csv(FIXTURES / "partners.csv", infer_schema=False)
    path = tmp_path / "partners.parquet"
    typed_frame(prog, text.to_dict(as_series=False)).write_parquet(path)
    return prog, path


def test_typed_parquet_takes_the_single_pass(fixture_parquet, monkeypatch):
    prog, path = fixture_parquet
    taken = _single_pass_ran(monkeypatch)
    a = evaluate(prog, path, detail=True)
    assert taken == ["single pass"]
    b = evaluate_dataset(prog, load_dataset(path, prog), detail=True)
    _same(a, b)
    # the dataset is still all there, read when asked for
    assert len(a.dataset) == 5 and a.dataset.frame.equals(b.dataset.frame) and a.dataset.scales == b.dataset.scales


def test_text_decimals_take_the_single_pass_at_guessed_places(monkeypatch):
    taken = _single_pass_ran(monkeypatch)
    prog = load_fixture("designations.tier")
    a = evaluate(prog, FIXTURES / "partners.csv")
    # a text column's decimal places depend on all its values: guessed from the first rows
    # and checked on every row in the same pass (tests/engine/test_guessed_places.py)
    assert taken == ["single pass"]
    _same(a, evaluate_dataset(prog, load_dataset(FIXTURES / "partners.csv", prog)))
    # without guesses (a history, or after a miss): a first streaming look finds them (data.places)
    assert scan_dataset(FIXTURES / "partners.csv", prog).scales == a.dataset.scales


@pytest.mark.parametrize(
    ("column", "row", "value", "code"),
    [
        ("experts", 1, -1, "TL406"),  # a negative count
        ("certified", 3, None, "TL403"),  # a missing value without a default
        ("partner_id", 4, "P1", "TL411"),  # a duplicate partner_id (a whole-column check)
        ("tier", 0, "platinum", "TL407"),  # not a value of the enum: breaks the conversion too
    ],
)
def test_a_bad_row_sends_the_file_to_the_two_stages(tmp_path, column, row, value, code, monkeypatch):
    prog = load_fixture("designations.tier")
    data = pl.read_csv(FIXTURES / "partners.csv", infer_schema=False).to_dict(as_series=False)
    frame = typed_frame(prog, data)
    frame = frame.with_columns(frame[column].scatter(row, value))
    path = tmp_path / "bad.parquet"
    frame.write_parquet(path)
    taken = _single_pass_ran(monkeypatch)
    with pytest.raises(DataLoadError) as single:
        evaluate(prog, path)
    assert taken == ["two stages"]
    with pytest.raises(DataLoadError) as two:
        load_dataset(path, prog)
    assert single.value.errors == two.value.errors and single.value.errors[0].code == code
    report = evaluate(prog, path, on_error="report")
    assert report.dataset.rejects.equals(load_dataset(path, prog, on_error="report").rejects)
    assert report.partner_count == 5 - report.dataset.rejects.height  # both rows of a duplicate id are rejected


@pytest.mark.parametrize(
    ("ids", "repeats"),
    [
        (["P1", "P2", "P3"], False),  # strictly increasing: told without hashing
        (["P3", "P1", "P2"], False),  # unsorted, all different: by the hashes
        (["P1", "P2", "P2", "P3"], True),  # sorted with a repeat: not strictly increasing
        (["P2", "P1", "P2"], True),
        (["P1", None, "P2"], False),  # a blank id is a check of its own (TL410)
        ([None, None], True),
        (["", ""], True),
        (["P1"], False),
        ([], False),
    ],
)
def test_a_repeated_partner_id_is_found_whatever_the_order(ids, repeats):
    # `Scan.repeats` tells strictly increasing ids apart by comparing neighbours, and hashes
    # the ids otherwise; either way a repeat is never missed
    frame = pl.DataFrame({"partner_id": pl.Series(ids, dtype=pl.String)})
    assert Scan.repeats(None, frame) is repeats  # type: ignore[arg-type]
    assert Scan.repeats(None, frame.with_columns(pl.col("partner_id").cast(pl.Categorical))) is repeats  # type: ignore[arg-type]


def test_values_that_would_overflow_int64_are_evaluated_exactly(tmp_path, monkeypatch):
    prog = load_text(
        """
program p { version "1" effective 2022-01-01 }
metric n: count { range .. }
track t {
  score s { a: points n * 1000000 }
  level l { require s >= 20 }
}
"""
    )
    path = tmp_path / "big.parquet"
    pl.DataFrame({"partner_id": ["a", "b"], "n": [10**17, 3]}).write_parquet(path)
    taken = _single_pass_ran(monkeypatch)
    ev = evaluate(prog, path)
    assert taken == ["two stages"]  # the per-row overflow check flagged row a
    assert ev.score("a", "t") == Fraction(10**23) and ev.score("b", "t") == 3000000
    _same(ev, evaluate(prog, path, engine="interpreter"))


def _agree(tmp_path, case) -> None:
    text, data = case
    prog = load_text(text)
    path = tmp_path / "d.parquet"
    typed_frame(prog, data).write_parquet(path)
    a = evaluate(prog, path, detail=True)
    event("single pass" if type(a.dataset).__name__ == "_DeferredDataset" else "two stages")
    _same(a, evaluate_dataset(prog, load_dataset(path, prog), detail=True))
    _same(a, evaluate(prog, path, engine="interpreter", detail=True))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs_with_data())
def test_single_pass_and_two_stages_agree(tmp_path, case):
    _agree(tmp_path, case)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs_with_data(max_rows=8, big=True))
def test_single_pass_and_two_stages_agree_on_huge_values(tmp_path, case):
    _agree(tmp_path, case)  # mostly the two stages: 128-bit columns, rows past Int64


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tier_eval_reads_a_single_pass_file_once(fixture_parquet, monkeypatch, tmp_path, fmt):
    """`tier eval` writes, summarizes and checks the partner ids of a file read in one pass
    without asking for the dataset's frame, which would read the whole file again."""
    from click.testing import CliRunner

    from tierlang.cli import main
    from tierlang.data import _DeferredDataset

    _, path = fixture_parquet
    taken = _single_pass_ran(monkeypatch)

    def reread(self):
        raise AssertionError("the file was read a second time")

    monkeypatch.setattr(_DeferredDataset, "frame", property(reread, _DeferredDataset.frame.fset))
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(main, ["eval", str(FIXTURES / "designations.tier"), str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert taken == ["single pass"] and out.stat().st_size > 0


@pytest.mark.parametrize("layout", ["parquet", "csv"])
def test_the_advice_on_percents_comes_with_the_single_pass(tmp_path, monkeypatch, layout):
    """The advice on percent columns is computed by aggregates in the single pass (for CSV,
    from the text columns the pass keeps): the advice neither reads the file again nor
    differs from the two stages'."""
    from tierlang.data.advice import fraction_percents

    prog = load_text(
        'program p { version "1" effective 2024-01-01 }\nmetric share: percent { range 0 .. 1000 default 0 }\n'
        "metric n: count\ntrack t { level silver { require share >= 50 and n >= 1 } }\n"
    )
    path = tmp_path / f"d.{layout}"
    if layout == "csv":
        path.write_text("partner_id,share,n\nP1,0.5,1\nP2,0.25,2\nP3,,3\n", encoding="utf-8")
    else:
        pl.DataFrame({"partner_id": ["P1", "P2", "P3"], "share": [0.5, 0.25, 0.0], "n": [1, 2, 3]}).write_parquet(path)
    taken = _single_pass_ran(monkeypatch)
    a = evaluate(prog, path)
    assert taken == ["single pass"]
    scans = []
    monkeypatch.setattr(pl.LazyFrame, "collect", lambda *args, **kw: scans.append(1) or pl.DataFrame())
    warnings = fraction_percents(a.dataset)
    assert not scans, "the advice read the file again"
    monkeypatch.undo()
    assert warnings == fraction_percents(load_dataset(path, prog)) and "'share' lies between 0 and 1 (e.g. 0.5)" in warnings[0]


CONSTRAINED = """
program c { version "1" effective 2022-01-01 }
metric certified "Certified professionals": count
metric gold_mcps "Unique gold MCPs": count
metric share "Share": percent { range 0..100 }
constraint gold_within "Unique gold MCPs within certified": gold_mcps <= certified
constraint half: not (2 * share > 100 and gold_mcps == 0)
track comp {
  level silver { require certified >= 2 }
  level gold { require gold_mcps >= 4 }
}
"""


def test_input_constraints_are_checked_in_the_single_pass(tmp_path, monkeypatch):
    prog = load_text(CONSTRAINED)
    path = tmp_path / "c.parquet"
    good = {"partner_id": ["a", "b", "c"], "certified": ["5", "6", "4"], "gold_mcps": ["3", "5", "1"], "share": ["10", "0", "50.5"]}
    typed_frame(prog, good).write_parquet(path)
    taken = _single_pass_ran(monkeypatch)
    a = evaluate(prog, path)
    assert taken == ["single pass"]
    _same(a, evaluate_dataset(prog, load_dataset(path, prog)))
    # a row that breaks one: the two stages name it, as they always did
    typed_frame(prog, {**good, "gold_mcps": ["3", "5", "0"]}).write_parquet(path)
    with pytest.raises(DataLoadError) as err:
        evaluate(prog, path)
    assert taken[-1] == "two stages"
    assert [(e.code, e.row, e.column) for e in err.value.errors] == [("TL416", 3, "gold_mcps")]
