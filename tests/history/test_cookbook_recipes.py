"""Every status-over-time recipe of docs/cookbook.md: its history, run through its program,
gives the `held_by` (and `level`, when shown) the page says."""

from __future__ import annotations

import re

import polars as pl
import pytest

from tests.conftest import ROOT
from tierlang.data import from_frame
from tierlang.history import evaluate_history
from tierlang.loader import load_program

COOKBOOK = (ROOT / "docs" / "cookbook.md").read_text(encoding="utf-8")
SECTION = COOKBOOK[COOKBOOK.index("## Status over time") :]
RECIPES = [(m.group(1), m.group(2)) for m in re.finditer(r"^### (.+?)\n(.*?)(?=^### |\Z)", SECTION, re.S | re.M)]


def _blocks(body: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", body, re.S | re.M)


def test_every_rule_kind_has_a_recipe():
    text = "".join(_blocks(SECTION, "tier"))
    for clause in ("window ", "until anniversary", "grace ", "until 20", "held on ", "promotion after "):
        assert clause in text, clause


@pytest.mark.parametrize(("title", "body"), RECIPES, ids=[t for t, _ in RECIPES])
def test_recipe_history(title, body, tmp_path):
    (program,) = _blocks(body, "tier")
    (table,) = _blocks(body, "text")
    rows = {line.split()[0]: line.split()[1:] for line in table.strip().splitlines()}
    months = rows.pop("month")
    expected = {key: rows.pop(key) for key in ("held_by", "level") if key in rows}
    path = tmp_path / "recipe.tier"
    path.write_text(program, encoding="utf-8")
    r = load_program(path, checks=False)
    assert r.ok, [d.message for d in r.errors]
    data = {"partner_id": ["P"] * len(months), "month": [f"{m}-01" for m in months], **rows}
    ds = from_frame(pl.DataFrame(data), r.program, history=True)
    h = evaluate_history(r.program, ds)
    got = h.long()
    track = r.program.tracks[0].name
    got = got.filter(pl.col("track") == track).with_columns(pl.col("month").dt.strftime("%Y-%m"))
    by_month = {m: (lvl, by) for m, lvl, by in got.select("month", "level", "held_by").rows()}
    for key, values in expected.items():
        index = 1 if key == "held_by" else 0
        for month, want in zip(months, values):
            assert by_month[month][index] == (None if want == "—" else want), (title, month, key)
