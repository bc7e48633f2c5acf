"""Text decimal columns (CSV, text Parquet columns) in the single pass: a first streaming look
at those columns finds their places (`tierlang.data.places`), so the file is read, checked and
evaluated in one lazy query instead of the two stages that hold every input column. Whichever
path runs, results, scales, errors and rejects are the same; anything the first look cannot
settle (a bad value, a value that might not fit Int64) takes the two stages, which report it."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings

from tests.engine.engine_helpers import load_text, paths_taken
from tests.engine.strategies import programs_with_data
from tests.engine.test_single_pass import _same
from tierlang.data import DataLoadError, load_dataset, scan_dataset
from tierlang.data.places import fits, text_places
from tierlang.engine import api, evaluate, evaluate_dataset

PROGRAM = """
program p { version "1" effective 2024-01-01 }
metric growth: percent { range -100 .. 1000 }
metric acr: money USD { range .. default 0.125 USD }
metric n: count
track t {
  score s max 20 {
    a "Growth": points 10 * clamp(growth / 100)
    b "ACR": points 10 * clamp(acr / 1000 USD)
  }
  level silver { require s >= 5 and n >= 1 }
  level gold { require s >= 12 }
}
"""


def _taken(monkeypatch) -> list[str]:
    return paths_taken(monkeypatch, api, "_single_pass", "single pass", "two stages")


def _write(path, rows: list[str]) -> None:
    path.write_text("partner_id,growth,acr,n\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_text_places_reads_the_most_places_and_widths():
    frame = pl.LazyFrame({"a": ["1.5", "-12.25", None, "", "7"], "b": ["1000", None, None, None, None]})
    assert text_places(frame, ["a", "b"]) == {"a": (2, 3), "b": (0, 4)}
    assert fits(2, 16) and not fits(3, 16)


def test_a_missed_guess_streams_with_the_places_found(tmp_path, monkeypatch):
    """Places guessed from the first rows (`scan_dataset(guess=True)`) that a later value
    misses: the file is read again in the single pass at the places `data.places` finds,
    never through the two stages (which would hold every input column)."""
    import tierlang.data as data

    monkeypatch.setattr(data, "GUESS_ROWS", 2)
    path = tmp_path / "d.csv"
    _write(path, ["P1,12.5,1000,1", "P2,80,250.5,2", "P3,-3.125,,0", "P4,7,0.25,3"])
    prog = load_text(PROGRAM)
    runs = paths_taken(monkeypatch, data._Loader, "run", "two stages", "two stages")
    found = paths_taken(monkeypatch, data._Loader, "text_places", "found", "found")
    taken = _taken(monkeypatch)
    a = evaluate(prog, path, detail=True)
    assert taken == ["single pass"] and found == ["found"] and not runs
    b = evaluate_dataset(prog, load_dataset(path, prog), detail=True)
    _same(a, b)
    assert a.dataset.scales == b.dataset.scales == {"growth": 1000, "acr": 1000, "n": 1}


def test_csv_takes_the_single_pass_with_the_two_stages_scales(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    # places differ from row to row; an empty acr takes the default (3 places); a blank line
    _write(path, ["P1,12.5,1000,1", "P2,80,250.50,2", "", "P3,-3.125,,0", "P4,+7.,.5,3"])
    prog = load_text(PROGRAM)
    taken = _taken(monkeypatch)
    a = evaluate(prog, path, detail=True)
    assert taken == ["single pass"]
    b = evaluate_dataset(prog, load_dataset(path, prog), detail=True)
    _same(a, b)
    assert a.dataset.scales == b.dataset.scales == {"growth": 1000, "acr": 1000, "n": 1}
    assert a.dataset.frame.equals(b.dataset.frame)  # the rows as numbered in the file (blank line 4)
    assert a.dataset.frame.filter(pl.col("partner_id") == "P3")["growth"].item() == -3125


@pytest.mark.parametrize(
    ("rows", "code", "where"),
    [
        (["P1,12.5,1000,1", "P2,1.2.3,5,1"], "TL405", (3, "growth")),  # not a number (and more places than any valid value)
        (["P1,12.5,1000,1", "P2,abc,5,1"], "TL405", (3, "growth")),
        (["P1,12.5,1000,1", "P2,,5,1"], "TL403", (3, "growth")),  # missing, no default: never zero
        (["P1,12.5,1000,1", "P1,3,5,1"], "TL411", (2, "partner_id")),  # a repeated id (both rows), seen by the first look
        (["P1,12.5,1000,1", "P2,2000,5,1"], "TL406", (3, "growth")),  # out of range
        (["P1,12.5,=1+1,1"], "TL405", (2, "acr")),  # a formula-like cell is a bad value, quoted as text
    ],
)
def test_bad_values_take_the_two_stages_and_are_named(tmp_path, monkeypatch, rows, code, where):
    path = tmp_path / "bad.csv"
    _write(path, rows)
    prog = load_text(PROGRAM)
    taken = _taken(monkeypatch)
    with pytest.raises(DataLoadError) as single:
        evaluate(prog, path)
    assert taken == ["two stages"]
    with pytest.raises(DataLoadError) as two:
        load_dataset(path, prog)
    assert single.value.errors == two.value.errors
    first = single.value.errors[0]
    assert (first.code, first.row, first.column) == (code, *where)
    report = evaluate(prog, path, on_error="report")
    assert report.dataset.rejects.equals(load_dataset(path, prog, on_error="report").rejects)


def test_a_column_that_might_not_fit_int64_takes_the_two_stages(tmp_path, monkeypatch):
    path = tmp_path / "wide.csv"
    # 14 digits before the point and 7 after in another value: 21 digits once scaled
    _write(path, ["P1,12.5,12345678901234.5,1", "P2,1,0.0000001,1"])
    prog = load_text(PROGRAM)
    assert scan_dataset(path, prog) is None
    taken = _taken(monkeypatch)
    ev = evaluate(prog, path)
    assert taken == ["two stages"] and ev.dataset.scales["acr"] == 10**7
    _same(ev, evaluate(prog, path, engine="interpreter"))


def test_an_absent_optional_decimal_column_takes_its_defaults_places(tmp_path, monkeypatch):
    prog = load_text(PROGRAM.replace("default 0.125 USD }", "default 0.125 USD optional }"))
    path = tmp_path / "d.csv"
    path.write_text("partner_id,growth,n\nP1,12.5,1\nP2,99,2\n", encoding="utf-8")
    taken = _taken(monkeypatch)
    a = evaluate(prog, path)
    assert taken == ["single pass"]
    b = evaluate_dataset(prog, load_dataset(path, prog))
    _same(a, b)
    assert a.dataset.scales == b.dataset.scales and a.dataset.notes == b.dataset.notes


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs_with_data())
def test_csv_single_pass_and_two_stages_agree(tmp_path, case):
    text, data = case
    prog = load_text(text)
    path = tmp_path / "d.csv"
    pl.DataFrame({c: pl.Series(c, v, dtype=pl.String) for c, v in data.items()}).write_csv(path)
    try:
        two = evaluate_dataset(prog, load_dataset(path, prog), detail=True)
    except DataLoadError as e:
        with pytest.raises(DataLoadError) as single:
            evaluate(prog, path, detail=True)
        assert single.value.errors == e.errors
        event("bad data")
        return
    a = evaluate(prog, path, detail=True)
    event("single pass" if type(a.dataset).__name__ == "_DeferredDataset" else "two stages")
    _same(a, two)
    assert a.dataset.scales == two.dataset.scales


JSONL = [
    '{"partner_id": "P1", "growth": 12.5, "acr": "1000", "n": 1}',
    '{"partner_id": "P2", "growth": 80, "acr": 250.50, "n": 2}',
    "",
    '{"partner_id": "P3", "growth": "-3.125", "n": 0}',
    '{"partner_id": "P4", "growth": 7.0, "acr": 0.5, "n": 3}',
    '{"partner_id": "P5", "growth": 1, "acr": 2, "n": 4}',
]


@pytest.mark.parametrize("chunk", [2, 100])  # spilled to Parquet files every two lines, or kept in memory
def test_json_lines_take_the_single_pass(tmp_path, monkeypatch, chunk):
    from tierlang.data import spill

    monkeypatch.setattr(spill, "CHUNK", chunk)
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(JSONL) + "\n", encoding="utf-8")
    prog = load_text(PROGRAM)
    taken = _taken(monkeypatch)
    a = evaluate(prog, path, detail=True)
    assert taken == ["single pass"]
    b = evaluate_dataset(prog, load_dataset(path, prog), detail=True)
    _same(a, b)
    assert a.dataset.scales == b.dataset.scales == {"growth": 1000, "acr": 1000, "n": 1}
    assert a.dataset.frame["__row__"].to_list() == [1, 2, 4, 5, 6]  # lines as numbered in the file


@pytest.mark.parametrize("chunk", [2, 100])
def test_json_lines_problems_are_named_whichever_way_they_are_held(tmp_path, monkeypatch, chunk):
    from tierlang.data import spill

    lines = [*JSONL, '{"partner_id": "P6", "growth": 1, "n": 3.0}', "[1, 2]", '{"partner_id": "P7", "growth": 1, "growth": 2, "n": 1}']
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    prog = load_text(PROGRAM)
    monkeypatch.setattr(spill, "CHUNK", 100)
    with pytest.raises(DataLoadError) as whole:
        load_dataset(path, prog)
    rejects = load_dataset(path, prog, on_error="report").rejects
    monkeypatch.setattr(spill, "CHUNK", chunk)
    taken = _taken(monkeypatch)
    with pytest.raises(DataLoadError) as err:
        evaluate(prog, path)
    assert taken == ["two stages"]
    assert err.value.errors == whole.value.errors
    assert [(e.code, e.row) for e in err.value.errors] == [("TL404", 7), ("TL413", 8), ("TL414", 9)]
    assert evaluate(prog, path, on_error="report").dataset.rejects.equals(rejects)
    assert "_line" in rejects.columns
